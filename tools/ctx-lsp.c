/* ctx-lsp: a language-server session that is never stuck (SPEC.md §7). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "evstream.h"
#include "lspclient.h"
#include "opt.h"
#include "version.h"
#include "workspace.h"

#define STOP_BOUND_S 10 /* a signal ends ctx-lsp within this, whatever it is doing */

static int stop_pipe[2] = { -1, -1 };

static void
on_stop(int sig)
{
	static volatile sig_atomic_t stopping;
	int saved = errno;

	(void)!write(stop_pipe[1], "x", 1);
	/* The orderly end takes at most about 7 s (SPEC.md §7). Should the loop not get to it
	 * (stuck in work it cannot leave), SIGALRM's default action ends the process, and the
	 * server with it (PR_SET_PDEATHSIG); a second signal ends it at once. */
	if (stopping++)
		_exit(128 + sig);
	alarm(STOP_BOUND_S);
	errno = saved;
}

struct opts {
	const char *server, *root, *index, *events, *trace;
	long timeout_ms, ready_timeout_ms;
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	const struct ctx_opt table[] = {
		CTX_OPT_STRING(0, "server", &o->server, "CMD", "the language server, split as a shell would"),
		CTX_OPT_ROOT(&o->root),
		CTX_OPT_LONG(0, "timeout-ms", &o->timeout_ms, "N", 1, 3600000, "a request's deadline once READY (500)"),
		CTX_OPT_LONG(0, "ready-timeout-ms", &o->ready_timeout_ms, "N", 1, 3600000, "while WARMING (10000)"),
		CTX_OPT_STRING(0, "index", &o->index, "FILE", "ctx-parse records for the fallback"),
		CTX_OPT_EVENTS(&o->events),
		CTX_OPT_STRING(0, "trace", &o->trace, "FILE", "the raw JSON-RPC traffic"),
	};
	const struct ctx_opt_spec spec = CTX_OPT_SPEC("ctx-lsp", "--server CMD [OPTIONS]", table);

	*o = (struct opts){ .timeout_ms = 500, .ready_timeout_ms = 10000 };
	int first = ctx_opt_parse(&spec, argc, argv);
	if (first < argc)
		ctx_opt_die(&spec, "unexpected argument '%s'", argv[first]);
	if (!o->server)
		ctx_opt_die(&spec, "--server is required");
	if (!o->server[strspn(o->server, " \t\n")])
		ctx_opt_die(&spec, "bad value for --server: '%s'", o->server);
}

int
main(int argc, char **argv)
{
	struct opts o;
	char why[PATH_MAX + 64];
	struct ctx_workspace ws;
	int err;

	ctx_err_init(argv[0]);
	parse_opts(argc, argv, &o);
	if (ctx_workspace_init(&ws, o.root, NULL, why, sizeof why) != 0) {
		ctx_warnx("%s", why);
		return CTX_EXIT_USAGE;
	}
	struct ctx_evstream *ev = ctx_evstream_open(o.events, ws.run_id, ws.segment_id, &err);
	FILE *tf = ev && o.trace ? fopen(o.trace, "w") : NULL;
	if (!ev || (o.trace && !tf)) {
		if (!ev)
			ctx_warn_code(err, "--events %s", o.events ? o.events : getenv("CTX_EVENTS"));
		else
			ctx_warn("--trace %s", o.trace);
		ctx_evstream_close(ev);
		ctx_workspace_release(&ws);
		return CTX_EXIT_USAGE;
	}
	/* SIGINT and SIGTERM end the session the orderly way: the loop sees the pipe. */
	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		ctx_diex(CTX_EXIT_SYSTEM, "pipe: %s", strerror(errno));
	struct sigaction sa = { .sa_handler = on_stop };
	signal(SIGALRM, SIG_DFL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct ctx_lsp_opts lo = {
		.server = o.server, .root = ws.root, .index = o.index, .events = ev, .trace = tf,
		.timeout_ms = (int)o.timeout_ms, .ready_timeout_ms = (int)o.ready_timeout_ms,
		.in_fd = STDIN_FILENO, .out = stdout, .stop_fd = stop_pipe[0],
	};
	int rc = ctx_exit_of(ctx_lsp_run(&lo));
	if ((err = ctx_evstream_failed(ev)) < 0)
		ctx_warn_code(err, "events: telemetry stream closed early");
	/* The trace is written through stdio: a failed write leaves ferror set but its errno
	 * long gone, so the message says what failed, not why. */
	if (tf) {
		bool bad = fflush(tf) != 0 || ferror(tf);
		if (fclose(tf) != 0 || bad) {
			ctx_warnx("--trace %s: write failed", o.trace);
			rc = ctx_exit_worse(rc, CTX_EXIT_SYSTEM);
		}
	}
	ctx_evstream_close(ev);
	ctx_workspace_release(&ws);
	return ctx_err_close_stdout(rc);
}
