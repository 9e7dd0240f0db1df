/* ctx-aggregate: metrics.json and last_run.json from the event log (SPEC.md §5), the
 * Prometheus text format, the HTML report, or one line per run (--runs). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aggregate.h"
#include "aggscan.h"
#include "appendlog.h"
#include "atomicfile.h"
#include "err.h"
#include "htmlreport.h"
#include "opt.h"
#include "safeopen.h"
#include "version.h"
#include "workspace.h"

#define TAIL_WINDOW (1024 * 1024)
#define LOCK_TIMEOUT_MS 5000 /* as long as ctx-emit waits for it by default */
#define HTML_TREND_RUNS 30

struct opts {
	const char *root, *dir, *run, *print, *prom, *html;
	long runs; /* --runs: how many of the last runs (LONG_MAX: all); 0 without it */
	long jobs, block;
	bool no_write;
};

static const char *const documents[] = { "last_run", "metrics", NULL };

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	const struct ctx_opt table[] = {
		CTX_OPT_ROOT(&o->root),
		CTX_OPT_DIR(&o->dir),
		CTX_OPT_STRING(0, "run", &o->run, "RUN_ID", "the run last_run.json describes (the last event's)"),
		CTX_OPT_ENUM(0, "print", &o->print, "last_run|metrics", documents, "that document on stdout too"),
		CTX_OPT_STRING(0, "prom", &o->prom, "FILE", "also write the Prometheus text format, mode 0644"),
		CTX_OPT_STRING(0, "html", &o->html, "FILE", "also write the HTML report, mode 0644"),
		CTX_OPT_FLAG(0, "no-write", &o->no_write, "write no file"),
		CTX_OPT_LONG('j', "jobs", &o->jobs, "N", 1, 256,
		    "threads that read the log (the online CPUs, 8 at most)"),
		CTX_OPT_LONG(0, "block-size", &o->block, "BYTES", 1, 1L << 30,
		    "the log is cut into blocks of that size (1 MiB)"),
		CTX_OPT_LONG_OPTIONAL("runs", &o->runs, "[N]", 1, LONG_MAX,
		    "instead: one JSON line per run, the last N (all)"),
	};
	const struct ctx_opt_spec spec = CTX_OPT_SPEC("ctx-aggregate",
	    "[OPTIONS] [FILE ...]\n--runs [N] [-j N] [--root DIR] [--dir DIR] [FILE ...]", table);

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* Past 8 threads the disk is the limit, and each thread keeps the runs it meets. */
	*o = (struct opts){ .jobs = cpus < 1 ? 1 : cpus > 8 ? 8 : cpus, .block = 1024 * 1024 };
	int first = ctx_opt_parse(&spec, argc, argv);
	const char *files[] = { o->prom, o->html };
	/* A file, not a directory; not an option taken for a value (./-x names such a file). */
	for (int i = 0; i < 2; i++)
		if (files[i] && (!*files[i] || *files[i] == '-' || files[i][strlen(files[i]) - 1] == '/'))
			ctx_opt_die(&spec, "bad value for --%s: '%s' (a file; ./-x for a name that starts with -)",
			    i ? "html" : "prom", files[i]);
	if (o->runs && (o->run || o->print || o->prom || o->html))
		ctx_opt_die(&spec, "--runs writes the run lines only: no --run, --print, --prom or --html with it");
	return first;
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
	ctx_buf_release(&run);
	return NULL;
}

/* Write b as name in the directory dfd (the telemetry directory) or, with dfd < 0, as the
 * path name (--prom), atomically, with the given mode. */
static int
save(int dfd, const char *dir, const char *name, const struct ctx_buf *b, mode_t mode)
{
	int err = dfd >= 0 ? ctx_atomicfile_write_at(dfd, name, b->data ? b->data : "", b->len, mode, true)
			   : ctx_atomicfile_write(name, b->data ? b->data : "", b->len, mode);

	if (err != 0) {
		ctx_warn_code(err, "%s%s%s", dfd >= 0 ? dir : "", dfd >= 0 ? "/" : "", name);
		return CTX_EXIT_SYSTEM;
	}
	return CTX_EXIT_OK;
}

/* The documents into the telemetry directory, reached and checked as a private directory
 * (never through a symlink, ours, closed to others), and the Prometheus file and the HTML
 * report, 0644 so that node_exporter or a web server running as another user can read
 * them. */
static int
save_all(const struct ctx_workspace *ws, const struct opts *o, const struct ctx_buf *metrics,
    const struct ctx_buf *last, const struct ctx_buf *prom, const struct ctx_buf *html)
{
	int dfd, rc, err = ctx_privdir_open(ws->dir, ws->root, CTX_PRIVDIR_CREATE, &dfd);

	if (err != 0) { /* nothing is written, --prom included: it may lie in that directory */
		ctx_warn_code(err, "%s", ws->dir);
		return CTX_EXIT_SYSTEM;
	}
	rc = ctx_exit_worse(save(dfd, ws->dir, "metrics.json", metrics, 0600),
	    save(dfd, ws->dir, "last_run.json", last, 0600));
	close(dfd);
	if (o->prom && save(-1, NULL, o->prom, prom, 0644) != CTX_EXIT_OK)
		rc = CTX_EXIT_SYSTEM;
	if (o->html && save(-1, NULL, o->html, html, 0644) != CTX_EXIT_OK)
		rc = CTX_EXIT_SYSTEM;
	return rc;
}

/* Where the scan's reports go: stderr, and the exit status. */
struct reports {
	int rc;
};

static void
report(void *arg, const struct ctx_logfile *f, enum ctx_aggscan_what what, long line, int err)
{
	struct reports *r = arg;

	switch (what) {
	case CTX_AGGSCAN_MALFORMED:
		ctx_warnx("%s:%ld: skipped: not a JSON object with a string \"cmd\"", f->path, line);
		break;
	case CTX_AGGSCAN_TOO_LONG:
		ctx_warnx("%s:%ld: skipped: line longer than 16 MiB", f->path, line);
		break;
	case CTX_AGGSCAN_READ_ERROR:
		ctx_warn_code(err, "%s:%ld", f->path, line);
		r->rc = ctx_exit_worse(r->rc, CTX_EXIT_SYSTEM);
		break;
	case CTX_AGGSCAN_REFUSED: /* a FIFO or device named like a log file, a file we may not read */
		ctx_warn_code(err, "skipped %s", f->path);
		r->rc = ctx_exit_worse(r->rc, CTX_EXIT_FAIL);
		break;
	}
}

/* Read every file taken, on o->jobs threads; each problem is reported by name and line. */
static int
read_all(struct ctx_agg *a, struct ctx_logfile *files, int n, const struct opts *o)
{
	struct reports r = { CTX_EXIT_OK };
	struct ctx_aggscan s = { .jobs = (int)o->jobs, .block = (size_t)o->block, .report = report, .arg = &r };

	if (ctx_aggscan_run(a, files, n, &s) < 0)
		ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
	if (s.malformed > CTX_AGGSCAN_REPORTS)
		ctx_warnx("%ld malformed lines skipped in all", s.malformed);
	return r.rc;
}

/* --runs: the last n runs' documents, one line each, oldest first, on stdout. */
static int
print_runs(const struct ctx_agg *a, long n)
{
	size_t count;
	const char **ids = ctx_agg_runs(a, NULL, (size_t)n, &count);
	struct ctx_buf line = { 0 };

	if (!ids)
		ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
	for (size_t i = 0; i < count; i++) {
		ctx_buf_truncate(&line, 0);
		if (ctx_agg_last_run_doc(a, ids[i], true, &line) == -ENOMEM)
			ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
		if (fwrite(line.data, 1, line.len, stdout) != line.len)
			break; /* reported when stdout is closed */
	}
	free(ids);
	ctx_buf_release(&line);
	return CTX_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct ctx_workspace ws;
	struct ctx_buf metrics = { 0 }, last = { 0 }, prom = { 0 }, html = { 0 };
	struct ctx_logfile *files = NULL;
	char why[PATH_MAX + 64];
	int n, err, rc = CTX_EXIT_OK;

	ctx_err_init(argv[0]);
	int first = parse_opts(argc, argv, &o);
	if (ctx_workspace_init(&ws, o.root, o.dir, why, sizeof why) != 0) {
		ctx_warnx("%s", why);
		return CTX_EXIT_USAGE;
	}
	bool write = !o.no_write && !ctx_workspace_no_telemetry();
	bool locked = true;
	if (first < argc) {
		n = open_args(argv + first, argc - first, &files, &rc);
	} else if ((err = ctx_appendlog_snapshot(ws.dir, ws.root, LOCK_TIMEOUT_MS, &files, &n, &locked)) != 0) {
		ctx_warn_code(err, "%s", ws.dir);
		ctx_workspace_release(&ws);
		return err > 0 ? CTX_EXIT_SYSTEM : CTX_EXIT_FAIL;
	}
	if (!locked)
		ctx_warnx("%s: writers held the log's lock for %d ms: read without it", ws.dir, LOCK_TIMEOUT_MS);

	/* Every run keeps its latencies when all runs are written, or trends drawn. */
	char *detail = o.runs || o.html ? NULL : detail_run(&o, files, n);
	struct ctx_agg *a = ctx_agg_new(detail);
	if (!a)
		ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
	rc = ctx_exit_worse(rc, read_all(a, files, n, &o));
	if (o.runs) {
		rc = ctx_exit_worse(rc, print_runs(a, o.runs));
		goto out;
	}

	err = ctx_agg_metrics(a, &metrics);
	if (!err && (err = ctx_agg_last_run_doc(a, o.run, false, &last)) == -ENOENT) {
		/* Without --run: the run found at the end of the log before the pass did not end
		 * it (the log was rewritten meanwhile, or its reading stopped early). */
		ctx_warnx("run %s: no event of that run", o.run ? o.run : ctx_agg_last_run(a));
		rc = ctx_exit_worse(rc, CTX_EXIT_FAIL);
		err = 0;
	}
	if (!err && o.prom)
		err = ctx_agg_prom(a, o.run, ws.segment_id, &prom);
	if (!err && o.html)
		err = ctx_html_report(a, o.run, HTML_TREND_RUNS, &html);
	if (err)
		ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
	if (write)
		rc = ctx_exit_worse(rc, save_all(&ws, &o, &metrics, &last, &prom, &html));
	if (o.print) {
		const struct ctx_buf *b = strcmp(o.print, "metrics") == 0 ? &metrics : &last;
		fwrite(b->data, 1, b->len, stdout);
	}
out:
	ctx_appendlog_snapshot_free(files, n);
	free(detail);
	ctx_agg_free(a);
	ctx_buf_release(&metrics);
	ctx_buf_release(&last);
	ctx_buf_release(&prom);
	ctx_buf_release(&html);
	ctx_workspace_release(&ws);
	return ctx_err_close_stdout(rc);
}
