/* ctx-lsp: a language-server session that is never stuck (SPEC.md §7), one per call or
 * the workspace's warm daemon (§10). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "evstream.h"
#include "lspclient.h"
#include "lspdaemon.h"
#include "opt.h"
#include "stopsig.h"
#include "version.h"
#include "workspace.h"

#define STOP_BOUND_S 10 /* a signal ends ctx-lsp within this, whatever it is doing */

/* The orderly end takes at most about 7 s (SPEC.md §7); past the bound the process ends,
 * and the server with it (PR_SET_PDEATHSIG). */
static int stop_fd = -1;

struct opts {
	const char *server, *root, *index, *events, *trace;
	long timeout_ms, ready_timeout_ms, idle_ttl, max_inflight, queue_timeout_ms;
	bool daemon, status, stop, no_server;
	int asked; /* CTX_LSPD_ASKED_*: the daemon's settings given on the command line */
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	const struct ctx_opt table[] = {
		CTX_OPT_STRING(0, "server", &o->server, "CMD", "the language server, split as a shell would"),
		CTX_OPT_FLAG(0, "no-server", &o->no_server, "no server: every answer from the fallback"),
		CTX_OPT_ROOT(&o->root),
		CTX_OPT_LONG(0, "timeout-ms", &o->timeout_ms, "N", 1, 3600000, "a request's deadline once READY (500)"),
		CTX_OPT_LONG(0, "ready-timeout-ms", &o->ready_timeout_ms, "N", 1, 3600000, "while WARMING (10000)"),
		CTX_OPT_LONG(0, "max-inflight", &o->max_inflight, "N", 1, 1024, "requests at the server at once (1)"),
		CTX_OPT_LONG(0, "queue-timeout-ms", &o->queue_timeout_ms, "N", 1, 3600000,
		    "the longest wait in our queue (60000)"),
		CTX_OPT_STRING(0, "index", &o->index, "FILE", "ctx-parse records for the fallback"),
		CTX_OPT_EVENTS(&o->events),
		CTX_OPT_STRING(0, "trace", &o->trace, "FILE", "the raw JSON-RPC traffic"),
		CTX_OPT_FLAG(0, "daemon", &o->daemon, "use the workspace's warm daemon ($CTX_LSP_DAEMON=1)"),
		CTX_OPT_LONG(0, "idle-ttl", &o->idle_ttl, "SEC", 0, 31536000,
		    "the daemon ends after this idle (600; 0: never)"),
		CTX_OPT_FLAG(0, "daemon-status", &o->status, "print the daemon's status; exit 1 when none runs"),
		CTX_OPT_FLAG(0, "daemon-stop", &o->stop, "stop the daemon; exit 1 when none runs"),
	};
	const struct ctx_opt_spec spec = CTX_OPT_SPEC("ctx-lsp", "--server CMD | --no-server [OPTIONS]", table);
	const char *env = getenv("CTX_LSP_DAEMON");

	*o = (struct opts){ .timeout_ms = 500, .ready_timeout_ms = 10000, .idle_ttl = -1, .max_inflight = -1,
		.queue_timeout_ms = -1 };
	int first = ctx_opt_parse(&spec, argc, argv);
	/* The daemon's settings: a later call is told when it asks for others, not for defaults. */
	struct { long *v; long dflt; int bit; } daemon_opts[] = {
		{ &o->idle_ttl, 600, CTX_LSPD_ASKED_TTL }, { &o->max_inflight, 1, CTX_LSPD_ASKED_INFLIGHT },
		{ &o->queue_timeout_ms, 60000, CTX_LSPD_ASKED_QUEUE },
	};
	for (size_t i = 0; i < sizeof daemon_opts / sizeof *daemon_opts; i++) {
		if (*daemon_opts[i].v >= 0)
			o->asked |= daemon_opts[i].bit;
		else
			*daemon_opts[i].v = daemon_opts[i].dflt;
	}
	if (first < argc)
		ctx_opt_die(&spec, "unexpected argument '%s'", argv[first]);
	if (o->no_server && (o->server || o->daemon || o->status || o->stop))
		ctx_opt_die(&spec, "--no-server goes without --server and the daemon's flags");
	if (o->no_server)
		return;
	if (!o->server)
		ctx_opt_die(&spec, "--server is required (or --no-server)");
	if (!o->server[strspn(o->server, " \t\n")])
		ctx_opt_die(&spec, "bad value for --server: '%s'", o->server);
	if (o->status && o->stop)
		ctx_opt_die(&spec, "--daemon-status and --daemon-stop go alone");
	if (env && !strcmp(env, "1"))
		o->daemon = true;
}

/* SIGINT and SIGTERM end the session the orderly way: the loop sees stop_fd. */
static void
handle_signals(void)
{
	if ((stop_fd = ctx_stopsig_install(STOP_BOUND_S)) < 0)
		ctx_diex(CTX_EXIT_SYSTEM, "pipe: %s", strerror(-stop_fd));
}

/* The daemon (SPEC.md §10), started by a client with its listening socket as fd: its
 * lifecycle events through a ctx-emit of its own, its requests' events to their clients. */
static int
serve(const struct opts *o, struct ctx_workspace *ws, int fd)
{
	char index[PATH_MAX];
	struct ctx_lspd_socket sock;
	pid_t emit_pid;
	int err;

	unsetenv(CTX_LSPD_FD_ENV); /* neither the server nor ctx-emit is a daemon */
	unsetenv("CTX_LSP_DAEMON");
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (ctx_lspd_socket_of(fd, &sock) != 0)
		return CTX_EXIT_SYSTEM;
	char trace[PATH_MAX];
	FILE *tf = o->trace ? fopen(o->trace, "we") : NULL;
	bool has_index = o->index && realpath(o->index, index), has_trace = tf && realpath(o->trace, trace);
	/* An --index that does not resolve is kept as given: its answers then say "no skeleton
	 * index", as in-process. */
	struct ctx_evstream *ev = ctx_evstream_open_emit(ws->root, ws->run_id, ws->segment_id, &emit_pid, &err);
	if (!ev || chdir(ws->root) != 0) {
		ctx_warn("daemon for %s", ws->root);
		return CTX_EXIT_SYSTEM;
	}
	handle_signals();
	struct ctx_lsp_opts lo = {
		.server = o->server, .root = ws->root, .index = has_index ? index : o->index, .events = ev, .trace = tf,
		.trace_path = has_trace ? trace : NULL,
		.timeout_ms = (int)o->timeout_ms, .ready_timeout_ms = (int)o->ready_timeout_ms,
		.max_inflight = (int)o->max_inflight, .queue_timeout_ms = (int)o->queue_timeout_ms,
		.stop_fd = stop_fd, .in_fd = -1, .listen_fd = fd, .idle_ttl_s = (int)o->idle_ttl,
	};
	int rc = ctx_exit_of(ctx_lsp_run(&lo));
	ctx_lspd_remove_socket(&sock);
	ctx_evstream_close_emit(ev, emit_pid);
	if (tf)
		fclose(tf);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o;
	char why[PATH_MAX + 128];
	struct ctx_workspace ws;
	int err;

	ctx_err_init(argv[0]);
	parse_opts(argc, argv, &o);
	if (ctx_workspace_init(&ws, o.root, NULL, why, sizeof why) != 0) {
		ctx_warnx("%s", why);
		return CTX_EXIT_USAGE;
	}
	const char *daemon_fd = getenv(CTX_LSPD_FD_ENV);
	if (daemon_fd && !strcmp(daemon_fd, "3")) {
		int rc = serve(&o, &ws, 3);
		ctx_workspace_release(&ws);
		return rc;
	}
	struct ctx_evstream *ev = ctx_evstream_open(o.events, ws.run_id, ws.segment_id, &err);
	if (!ev) {
		ctx_warn_code(err, "--events %s", o.events ? o.events : getenv("CTX_EVENTS"));
		ctx_workspace_release(&ws);
		return CTX_EXIT_USAGE;
	}
	handle_signals();
	struct ctx_lspd_opts dopt = {
		.server = o.server, .root = ws.root, .timeout_ms = (int)o.timeout_ms,
		.ready_timeout_ms = (int)o.ready_timeout_ms, .idle_ttl_s = (int)o.idle_ttl,
		.max_inflight = (int)o.max_inflight, .queue_timeout_ms = (int)o.queue_timeout_ms, .argv = argv,
		.index = o.index, .trace = o.trace, .asked = o.asked,
		.events = ev, .run_id = ws.run_id, .stop_fd = stop_fd,
	};
	if (o.status || o.stop) {
		int rc = ctx_lspd_control(&dopt, o.status ? "status" : "stop", stdout);
		ctx_evstream_close(ev);
		ctx_workspace_release(&ws);
		return ctx_err_close_stdout(rc);
	}
	struct ctx_buf rest = { 0 };
	int daemon_status = 0;
	FILE *tf = NULL;
	/* A --trace that cannot be written is a usage error, daemon or not (the daemon opens it). */
	if (o.daemon && o.trace && (tf = fopen(o.trace, "a")) != NULL) {
		fclose(tf);
		tf = NULL;
	} else if (o.daemon && o.trace) {
		ctx_warn("--trace %s", o.trace);
		ctx_evstream_close(ev);
		ctx_workspace_release(&ws);
		return CTX_EXIT_USAGE;
	}
	if (o.daemon) {
		err = ctx_lspd_serve(&dopt, STDIN_FILENO, stdout, &daemon_status, &rest, why, sizeof why);
		if (err == 0) {
			ctx_evstream_close(ev);
			ctx_workspace_release(&ws);
			return ctx_err_close_stdout(ctx_exit_of(daemon_status));
		}
		ctx_warnx("daemon not used (%s): serving the requests in-process", why);
	}
	tf = o.trace ? fopen(o.trace, "w") : NULL;
	if (o.trace && !tf) {
		ctx_warn("--trace %s", o.trace);
		ctx_buf_release(&rest);
		ctx_evstream_close(ev);
		ctx_workspace_release(&ws);
		return CTX_EXIT_USAGE;
	}
	struct ctx_lsp_opts lo = {
		.server = o.server, .root = ws.root, .index = o.index, .events = ev, .trace = tf,
		.timeout_ms = (int)o.timeout_ms, .ready_timeout_ms = (int)o.ready_timeout_ms,
		.max_inflight = (int)o.max_inflight, .queue_timeout_ms = (int)o.queue_timeout_ms,
		.in_fd = STDIN_FILENO, .out = stdout, .stop_fd = stop_fd, .listen_fd = -1,
		.preload = rest.data, .preload_len = rest.len, .close_out = !ctx_evstream_is_stdout(ev),
	};
	/* What the daemon answered before it went away counts too. */
	int rc = ctx_exit_worse(ctx_exit_of(ctx_lsp_run(&lo)), ctx_exit_of(daemon_status));
	ctx_buf_release(&rest);
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
