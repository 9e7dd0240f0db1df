/* ctx-emit: the only writer of the telemetry log (SPEC.md §4). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emitq.h"
#include "err.h"
#include "event.h"
#include "jsonl.h"
#include "opt.h"
#include "redact.h"
#include "safeopen.h"
#include "version.h"
#include "workspace.h"

#define MAX_INPUT_LINE (1024 * 1024) /* longer input lines are rejected unread */
#define BATCH_BYTES (64 * 1024)

struct opts {
	const char *root, *dir, *lock;
	bool tee, verbose;
	long timeout_ms, max_bytes, keep, bound;
};

struct counts {
	long read, rejected;
};

static const char *const lock_modes[] = { "wait", "skip", NULL };

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	const struct ctx_opt table[] = {
		CTX_OPT_ROOT(&o->root),
		CTX_OPT_DIR(&o->dir),
		CTX_OPT_ENUM(0, "lock", &o->lock, "wait|skip", lock_modes, "wait for the lock, or queue and go on"),
		CTX_OPT_LONG(0, "lock-timeout-ms", &o->timeout_ms, "N", 0, 3600000, "how long wait mode waits (5000)"),
		CTX_OPT_LONG(0, "max-bytes", &o->max_bytes, "N", 0, 1L << 50, "rotate before the log passes N (5 MiB)"),
		CTX_OPT_LONG(0, "keep", &o->keep, "N", 0, 1000, "rotated files kept (3)"),
		CTX_OPT_LONG(0, "queue", &o->bound, "N", 1, 100000000, "events skip mode keeps (10000)"),
		CTX_OPT_FLAG(0, "tee", &o->tee, "also write each normalised line to stdout"),
		CTX_OPT_FLAG('v', "verbose", &o->verbose, "counts on stderr: read, written, rejected, dropped"),
	};
	const struct ctx_opt_spec spec = CTX_OPT_SPEC("ctx-emit", "[OPTIONS] [FILE ...]", table);

	*o = (struct opts){ .lock = "wait", .timeout_ms = 5000, .max_bytes = 5L << 20, .keep = 3, .bound = 10000 };
	return ctx_opt_parse(&spec, argc, argv);
}

static int
flush(struct ctx_emitq *q, bool final, long timeout_ms)
{
	const char *what;
	long before = ctx_emitq_stats(q).dropped;
	int err = ctx_emitq_flush(q, final, &what);

	if (err == 0)
		return CTX_EXIT_OK;
	if (ctx_emitq_stats(q).dropped == before) /* only the drop report was retried: said already */
		return CTX_EXIT_SYSTEM;
	if (err == -ETIMEDOUT)
		ctx_warnx("%s: lock still busy after %ld ms: %ld events not written", what, timeout_ms,
		    ctx_emitq_stats(q).dropped - before);
	else
		ctx_warn_code(err, "%ld events not written: %s", ctx_emitq_stats(q).dropped - before, what);
	return CTX_EXIT_SYSTEM;
}

static bool
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* Validate, redact and queue every line of one input; write batches as they fill or as
 * the input pauses, so a slow producer's events reach the log at once. */
static int
emit_file(const char *path, const struct opts *o, const struct ctx_event_env *env,
    struct ctx_emitq *q, struct counts *n)
{
	struct ctx_buf ev = { 0 };
	struct ctx_arena arena = { 0 };
	const char *line;
	size_t len;
	char why[256];
	int err, rc = CTX_EXIT_OK, got;
	struct ctx_jsonl *r = ctx_jsonl_open(path, MAX_INPUT_LINE, &err);

	if (!r) {
		ctx_warn_code(err, "%s", path);
		return CTX_EXIT_FAIL;
	}
	while ((got = ctx_jsonl_next(r, &line, &len)) != 0) {
		if (got == -E2BIG) {
			ctx_warnx("%s:%ld: line longer than %d bytes", ctx_jsonl_name(r), ctx_jsonl_lineno(r),
			    MAX_INPUT_LINE);
			n->read++;
			n->rejected++;
			rc = ctx_exit_worse(rc, CTX_EXIT_FAIL);
			continue;
		}
		if (got < 0) { /* a directory named as input is input rejected, not a system error */
			if (ctx_jsonl_lineno(r) > 0)
				ctx_warn_code(got, "%s:%ld", ctx_jsonl_name(r), ctx_jsonl_lineno(r));
			else
				ctx_warn_code(got, "%s", ctx_jsonl_name(r));
			rc = ctx_exit_worse(rc, got == -EISDIR ? CTX_EXIT_FAIL : CTX_EXIT_SYSTEM);
			break;
		}
		if (blank(line, len))
			continue;
		n->read++;
		bool critical;
		ctx_buf_truncate(&ev, 0);
		err = ctx_event_normalize(env, &arena, line, len, &ev, &critical, why, sizeof why);
		if (err == CTX_REJECTED) {
			ctx_warnx("%s:%ld: %s", ctx_jsonl_name(r), ctx_jsonl_lineno(r), why);
			n->rejected++;
			rc = ctx_exit_worse(rc, CTX_EXIT_FAIL);
			continue;
		}
		if (err < 0 || ctx_emitq_push(q, ev.data, ev.len, critical) < 0) {
			ctx_warn_code(-ENOMEM, "%s:%ld", ctx_jsonl_name(r), ctx_jsonl_lineno(r));
			rc = CTX_EXIT_SYSTEM;
			continue;
		}
		if (o->tee)
			fwrite(ev.data, 1, ev.len, stdout);
		if (ctx_emitq_pending(q) >= BATCH_BYTES || !ctx_jsonl_ready(r)) {
			if (o->tee)
				fflush(stdout);
			rc = ctx_exit_worse(rc, flush(q, false, o->timeout_ms));
		}
	}
	ctx_buf_release(&ev);
	ctx_arena_release(&arena);
	ctx_jsonl_free(r);
	return rc;
}

/* CTX_NO_TELEMETRY=1: read and discard the input, touch nothing. */
static int
discard(int argc, char **argv)
{
	static char buf[65536];

	for (int i = 0; i < (argc > 0 ? argc : 1); i++) {
		FILE *f = argc > 0 && strcmp(argv[i], "-") != 0 ? fopen(argv[i], "r") : stdin;
		while (f && fread(buf, 1, sizeof buf, f) > 0)
			;
		if (f && f != stdin)
			fclose(f);
	}
	return CTX_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct ctx_workspace ws;
	struct counts n = { 0 };
	const char *pii = getenv("CTX_PII");
	char why[PATH_MAX + 64];
	int rc = CTX_EXIT_OK;

	ctx_err_init(argv[0]);
	int first = parse_opts(argc, argv, &o);
	argc -= first;
	argv += first;
	if (ctx_workspace_no_telemetry())
		return ctx_err_close_stdout(discard(argc, argv));
	if (ctx_workspace_init(&ws, o.root, o.dir, why, sizeof why) != 0) {
		ctx_warnx("%s", why);
		return CTX_EXIT_USAGE;
	}
	/* A file size limit or a closed stdout must be an error we report, not a signal. */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	struct ctx_redact *red = ctx_redact_new(ws.root, ws.root_given, pii && strcmp(pii, "allow") == 0);
	struct ctx_event_env env = { ws.run_id, ws.segment_id, red };
	struct ctx_emitq_opts qo = { ws.dir, ws.root, o.max_bytes, (int)o.keep, strcmp(o.lock, "skip") == 0,
		(int)o.timeout_ms, (size_t)o.bound, &env };
	struct ctx_emitq *q = red ? ctx_emitq_new(&qo) : NULL;
	if (!q)
		ctx_diex(CTX_EXIT_SYSTEM, "out of memory");

	for (int i = 0; i < (argc > 0 ? argc : 1); i++)
		rc = ctx_exit_worse(rc, emit_file(argc > 0 ? argv[i] : "-", &o, &env, q, &n));
	rc = ctx_exit_worse(rc, flush(q, true, o.timeout_ms));
	if (o.verbose) {
		struct ctx_emitq_stats s = ctx_emitq_stats(q);
		ctx_warnx("read %ld, written %ld, rejected %ld, dropped %ld", n.read, s.written, n.rejected,
		    s.dropped);
	}
	ctx_emitq_free(q);
	ctx_redact_free(red);
	ctx_workspace_release(&ws);
	return ctx_err_close_stdout(rc);
}
