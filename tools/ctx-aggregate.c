/* ctx-aggregate: metrics.json and last_run.json from the event log (SPEC.md §5). */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aggregate.h"
#include "appendlog.h"
#include "atomicfile.h"
#include "err.h"
#include "jsonl.h"
#include "version.h"
#include "workspace.h"

#define MAX_LINE (16 * 1024 * 1024)
#define TAIL_WINDOW (1024 * 1024)
#define REPORTED_MALFORMED 10

struct opts {
	const char *root, *dir, *run, *print, *prom;
	bool no_write;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: ctx-aggregate [--root DIR] [--dir DIR] [--run RUN_ID] [--print last_run|metrics]\n"
		   "                     [--prom FILE] [--no-write] [FILE ...]\n");
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "dir", required_argument, NULL, 'd' },
		{ "run", required_argument, NULL, 'R' },
		{ "print", required_argument, NULL, 'p' },
		{ "prom", required_argument, NULL, 'P' },
		{ "no-write", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ 0 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->root = optarg; break;
		case 'd': o->dir = optarg; break;
		case 'R': o->run = optarg; break;
		case 'p':
			if (strcmp(optarg, "last_run") != 0 && strcmp(optarg, "metrics") != 0) {
				ctx_warnx("bad value for --print: '%s'", optarg);
				usage(stderr);
				exit(CTX_EXIT_USAGE);
			}
			o->print = optarg;
			break;
		case 'P': o->prom = optarg; break;
		case 'n': o->no_write = true; break;
		case 'h': usage(stdout); exit(ctx_err_close_stdout(CTX_EXIT_OK));
		case 'V': printf("ctx-aggregate %s\n", CTX_VERSION); exit(ctx_err_close_stdout(CTX_EXIT_OK));
		default: usage(stderr); exit(CTX_EXIT_USAGE);
		}
	}
}

static int
by_rotation(const void *a, const void *b)
{
	long x = strtol(*(char *const *)a + 7, NULL, 10), y = strtol(*(char *const *)b + 7, NULL, 10);
	return (x < y) - (x > y); /* oldest (highest number) first */
}

/* The telemetry directory's logs, oldest first: events.K.jsonl ... events.1.jsonl,
 * events.jsonl. Returns the count (paths in *out, malloc'd), or -errno. */
static int
log_files(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	int n = 0;
	bool live = false;

	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		const char *s = de->d_name;
		size_t len = strlen(s);
		if (strcmp(s, "events.jsonl") == 0) {
			live = true;
			continue;
		}
		if (strncmp(s, "events.", 7) != 0 || len < 14 || strcmp(s + len - 6, ".jsonl") != 0 ||
		    strspn(s + 7, "0123456789") != len - 13)
			continue;
		char **p = realloc(names, (size_t)(n + 2) * sizeof *p);
		if (!p || !(p[n] = strdup(s)))
			ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
		names = p;
		n++;
	}
	closedir(d);
	if (n > 1) /* names is NULL when there is none */
		qsort(names, (size_t)n, sizeof *names, by_rotation);
	if (live) {
		char **p = realloc(names, (size_t)(n + 1) * sizeof *p);
		if (!p || !(p[n++] = strdup("events.jsonl")))
			ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
		names = p;
	}
	for (int i = 0; i < n; i++) {
		char *full = malloc(strlen(dir) + strlen(names[i]) + 2);
		if (!full)
			ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
		sprintf(full, "%s/%s", dir, names[i]);
		free(names[i]);
		names[i] = full;
	}
	*out = names;
	return n;
}

/* The run whose latencies will be asked for, when it can be known before reading: --run,
 * or the run of the last event of the last non-empty regular file. NULL: keep every run's. */
static char *
detail_run(const struct opts *o, char **files, int n)
{
	struct ctx_buf run = { 0 };

	if (o->run)
		return strdup(o->run);
	for (int i = n - 1; i >= 0; i--) {
		struct stat st;
		/* The analyzer takes log_files' -errno for >= 0, so files NULL with n > 0. */
		if (strcmp(files[i], "-") == 0 || /* NOLINT(clang-analyzer-core.NullDereference) */ stat(files[i], &st) < 0 || !S_ISREG(st.st_mode))
			break;
		if (st.st_size == 0)
			continue;
		if (ctx_agg_tail_run(files[i], TAIL_WINDOW, &run) == 1)
			return run.data;
		break;
	}
	ctx_buf_free(&run);
	return NULL;
}

static bool
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

static int
read_file(struct ctx_agg *a, const char *path, long *malformed)
{
	const char *line;
	size_t len;
	int err, got;
	struct ctx_jsonl *r = ctx_jsonl_open(path, MAX_LINE, &err);

	if (!r) {
		ctx_warn_code(err, "%s", path);
		return CTX_EXIT_FAIL;
	}
	while ((got = ctx_jsonl_next(r, &line, &len)) != 0) {
		if (got < 0 && got != -E2BIG) {
			ctx_warn_code(got, "%s:%ld", ctx_jsonl_name(r), ctx_jsonl_lineno(r));
			ctx_jsonl_free(r);
			return CTX_EXIT_SYSTEM;
		}
		if (got == 1 && blank(line, len))
			continue;
		if (got == -E2BIG)
			ctx_agg_malformed(a);
		else if ((err = ctx_agg_line(a, line, len)) < 0)
			ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
		if ((got == -E2BIG || err == 1) && ++*malformed <= REPORTED_MALFORMED)
			ctx_warnx("%s:%ld: skipped: %s", ctx_jsonl_name(r), ctx_jsonl_lineno(r),
			    got == -E2BIG ? "line longer than 16 MiB" : "not a JSON object with a string \"cmd\"");
	}
	ctx_jsonl_free(r);
	return CTX_EXIT_OK;
}

static int
save(const char *dir, const char *name, const struct ctx_buf *b)
{
	char path[4096];
	int err;

	snprintf(path, sizeof path, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
	if ((err = ctx_atomicfile_write(path, b->data ? b->data : "", b->len)) < 0) {
		ctx_warn_code(err, "%s", path);
		return CTX_EXIT_SYSTEM;
	}
	return CTX_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct ctx_workspace ws;
	struct ctx_buf metrics = { 0 }, last = { 0 }, prom = { 0 };
	char **files = NULL;
	const char *what;
	long malformed = 0;
	int n, err, rc = CTX_EXIT_OK;

	ctx_err_init(argv[0]);
	parse_opts(argc, argv, &o);
	if ((err = ctx_workspace_init(&ws, o.root, o.dir, &what)) < 0) {
		ctx_warn_code(err, "root %s", what);
		return CTX_EXIT_USAGE;
	}
	bool write = !o.no_write && !ctx_workspace_no_telemetry();
	if (optind < argc) {
		files = argv + optind;
		n = argc - optind;
	} else if ((n = log_files(ws.dir, &files)) < 0) {
		ctx_warn_code(n, "%s", ws.dir);
		ctx_workspace_free(&ws);
		return CTX_EXIT_FAIL;
	}

	char *detail = detail_run(&o, files, n);
	struct ctx_agg *a = ctx_agg_new(detail);
	if (!a)
		ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
	for (int i = 0; i < n; i++) {
		int r = read_file(a, files[i], &malformed); /* NOLINT(clang-analyzer-core.NullDereference): see detail_run */
		rc = r > rc ? r : rc;
	}
	if (malformed > REPORTED_MALFORMED)
		ctx_warnx("%ld malformed lines skipped in all", malformed);

	err = ctx_agg_metrics(a, &metrics);
	if (!err && (err = ctx_agg_last_run_doc(a, o.run, &last)) == -ENOENT) {
		ctx_warnx("run %s: no event of that run", o.run);
		rc = rc > CTX_EXIT_FAIL ? rc : CTX_EXIT_FAIL;
		err = 0;
	}
	if (!err && o.prom)
		err = ctx_agg_prom(a, o.run, &prom);
	if (err)
		ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
	if (write) {
		if ((err = ctx_appendlog_mkdirs(ws.dir, 0700)) < 0) {
			ctx_warn_code(err, "%s", ws.dir);
			rc = CTX_EXIT_SYSTEM;
		} else {
			int r1 = save(ws.dir, "metrics.json", &metrics), r2 = save(ws.dir, "last_run.json", &last);
			rc = r1 > rc ? r1 : r2 > rc ? r2 : rc;
		}
		if (o.prom && save(NULL, o.prom, &prom) != CTX_EXIT_OK)
			rc = CTX_EXIT_SYSTEM;
	}
	if (o.print) {
		const struct ctx_buf *b = strcmp(o.print, "metrics") == 0 ? &metrics : &last;
		fwrite(b->data, 1, b->len, stdout);
	}
	if (optind >= argc) {
		for (int i = 0; i < n; i++)
			free(files[i]);
		free(files);
	}
	free(detail);
	ctx_agg_free(a);
	ctx_buf_free(&metrics);
	ctx_buf_free(&last);
	ctx_buf_free(&prom);
	ctx_workspace_free(&ws);
	return ctx_err_close_stdout(rc);
}
