/* The fallback's resolution alone, timed per question: the workspace's index is made once,
 * then every question of stdin ("file line col" lines) is asked twice, the first pass
 * analysing the files it meets (cold), the second finding them analysed (warm). Prints one
 * JSON line of percentiles in microseconds. Usage: resolve_only ROOT < questions */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "pyresolve.h"

static double
now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void
report(const char *name, double *t, long n, long resolved)
{
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("\"%s\":{\"n\":%ld,\"resolved\":%ld,\"p50_us\":%.0f,\"p95_us\":%.0f,\"max_us\":%.0f}", name, n, resolved,
	    n ? t[n / 2] : 0, n ? t[n * 95 / 100] : 0, n ? t[n - 1] : 0);
}

struct question {
	char *file;
	long line, col;
};

int
main(int argc, char **argv)
{
	char root[PATH_MAX], text[4200];
	long n = 0, cap = 0;
	struct question *q = NULL;

	if (argc != 2 || !realpath(argv[1], root)) {
		fprintf(stderr, "usage: resolve_only ROOT < questions\n");
		return 2;
	}
	while (fgets(text, sizeof text, stdin)) {
		char *save = NULL, *file = strtok_r(text, " \n", &save), *l = strtok_r(NULL, " \n", &save),
		     *c = strtok_r(NULL, " \n", &save);
		if (!file || !l || !c)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			struct question *more = realloc(q, (size_t)cap * sizeof *q);
			if (!more) {
				free(q);
				return 3;
			}
			q = more;
		}
		q[n++] = (struct question){ strdup(file), strtol(l, NULL, 10), strtol(c, NULL, 10) };
	}
	double *t = malloc((size_t)(n ? n : 1) * sizeof *t), t0 = now_us();
	struct ctx_pyindex *x = ctx_pyindex_new(root);
	if (!t || !x) {
		free(t);
		free(q);
		return 3;
	}
	printf("{");
	for (int pass = 0; pass < 2; pass++) {
		long resolved = 0;
		for (long i = 0; i < n; i++) {
			struct ctx_buf out = { 0 };
			double a = now_us();
			resolved += ctx_pyindex_definition(x, q[i].file, q[i].line, q[i].col, &out) == CTX_RES_RESOLVED;
			t[i] = now_us() - a;
			ctx_buf_release(&out);
		}
		report(pass ? "warm" : "cold", t, n, resolved);
		printf(pass ? "" : ",");
	}
	printf(",\"total_ms\":%.0f}\n", (now_us() - t0) / 1e3);
	ctx_pyindex_free(x);
	for (long i = 0; i < n; i++)
		free(q[i].file);
	free(q);
	free(t);
	return 0;
}
