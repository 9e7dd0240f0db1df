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

int
main(int argc, char **argv)
{
	char root[PATH_MAX], file[4096];
	long line, col, n = 0, cap = 0, *lines = NULL, *cols = NULL;
	char **files = NULL;

	if (argc != 2 || !realpath(argv[1], root)) {
		fprintf(stderr, "usage: resolve_only ROOT < questions\n");
		return 2;
	}
	while (scanf("%4095s %ld %ld", file, &line, &col) == 3) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			files = realloc(files, (size_t)cap * sizeof *files);
			lines = realloc(lines, (size_t)cap * sizeof *lines);
			cols = realloc(cols, (size_t)cap * sizeof *cols);
			if (!files || !lines || !cols)
				return 3;
		}
		files[n] = strdup(file);
		lines[n] = line;
		cols[n++] = col;
	}
	double *t = malloc((size_t)(n ? n : 1) * sizeof *t), t0 = now_us();
	struct ctx_pyindex *x = ctx_pyindex_new(root);
	if (!t || !x)
		return 3;
	printf("{");
	for (int pass = 0; pass < 2; pass++) {
		long resolved = 0;
		for (long i = 0; i < n; i++) {
			struct ctx_buf out = { 0 };
			double a = now_us();
			resolved += ctx_pyindex_definition(x, files[i], lines[i], cols[i], &out) == CTX_RES_RESOLVED;
			t[i] = now_us() - a;
			ctx_buf_release(&out);
		}
		report(pass ? "warm" : "cold", t, n, resolved);
		printf(pass ? "" : ",");
	}
	printf(",\"total_ms\":%.0f}\n", (now_us() - t0) / 1e3);
	ctx_pyindex_free(x);
	for (long i = 0; i < n; i++)
		free(files[i]);
	free(files);
	free(lines);
	free(cols);
	free(t);
	return 0;
}
