/* ctx-aggregate: metrics.json and last_run.json from the event log (SPEC.md §5). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
#define LOCK_TIMEOUT_MS 5000 /* as long as ctx-emit waits for it by default */

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

/* The FILEs given, opened now, to be read to their end; one that cannot be opened is
 * reported (exit status 1) and left out. Returns how many are open, in *out. */
static int
open_args(char **paths, int n, struct ctx_logfile **out, int *rc)
{
	struct ctx_logfile *f = calloc((size_t)n, sizeof *f); /* n >= 1: there are FILEs */
	int k = 0;

	if (!f)
		ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
	for (int i = 0; i < n; i++) {
		bool is_stdin = strcmp(paths[i], "-") == 0;
		int fd = is_stdin ? STDIN_FILENO : open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ctx_warn_code(-errno, "%s", paths[i]);
			*rc = CTX_EXIT_FAIL;
			continue;
		}
		if (!(f[k].path = strdup(is_stdin ? "<stdin>" : paths[i])))
			ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
		f[k].fd = fd;
		f[k++].size = -1;
	}
	*out = f;
	return k;
}

/* The run whose latencies will be asked for, when it can be known before reading: --run,
 * or the run of the last event of the last non-empty regular file. NULL: keep every run's. */
static char *
detail_run(const struct opts *o, const struct ctx_logfile *files, int n)
{
	struct ctx_buf run = { 0 };

	if (o->run)
		return strdup(o->run);
	for (int i = n - 1; i >= 0; i--) {
		struct stat st;
		off_t size = files[i].size;
		if (files[i].fd < 0)
			continue; /* removed by a rotation while the log was taken without its lock */
		if (size < 0 && (fstat(files[i].fd, &st) < 0 || !S_ISREG(st.st_mode)))
			break;
		size = size < 0 ? st.st_size : size;
		if (size == 0)
			continue;
		if (ctx_agg_tail_run(files[i].fd, size, TAIL_WINDOW, &run) == 1)
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

/* Account the lines of f (its first f->size bytes, or all when size < 0); the reader
 * takes f's descriptor. */
static int
read_file(struct ctx_agg *a, struct ctx_logfile *f, long *malformed)
{
	const char *line;
	size_t len;
	int err, got;
	struct ctx_jsonl *r = ctx_jsonl_open_fd(f->fd, f->path, f->size, MAX_LINE, &err);

	f->fd = -1;
	if (!r)
		ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
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
	struct ctx_logfile *files = NULL;
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
	bool locked = true;
	if (optind < argc) {
		n = open_args(argv + optind, argc - optind, &files, &rc);
	} else if ((n = ctx_appendlog_snapshot(ws.dir, LOCK_TIMEOUT_MS, &files, &locked)) < 0) {
		ctx_warn_code(n, "%s", ws.dir);
		ctx_workspace_free(&ws);
		return CTX_EXIT_FAIL;
	}
	if (!locked)
		ctx_warnx("%s: writers held the log's lock for %d ms: read without it", ws.dir, LOCK_TIMEOUT_MS);

	char *detail = detail_run(&o, files, n);
	struct ctx_agg *a = ctx_agg_new(detail);
	if (!a)
		ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
	for (int i = 0; i < n; i++) {
		int r = files[i].fd >= 0 ? read_file(a, &files[i], &malformed) : CTX_EXIT_OK;
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
	ctx_appendlog_snapshot_free(files, n);
	free(detail);
	ctx_agg_free(a);
	ctx_buf_free(&metrics);
	ctx_buf_free(&last);
	ctx_buf_free(&prom);
	ctx_workspace_free(&ws);
	return ctx_err_close_stdout(rc);
}
