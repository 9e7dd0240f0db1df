/* ctx-mcp: the ctx tools as a Model Context Protocol server over stdio (issue #18): an
 * agent asks for skeletons, symbols and language-server answers without a shell. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "evstream.h"
#include "mcp.h"
#include "opt.h"
#include "stopsig.h"
#include "version.h"
#include "workspace.h"

#define STOP_BOUND_S 15 /* a signal ends ctx-mcp within this, whatever it is doing */

struct opts {
	const char *root, *dir, *server, *events;
	long timeout_ms, ready_timeout_ms, max_result_bytes, max_file_bytes;
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	const struct ctx_opt table[] = {
		CTX_OPT_ROOT(&o->root),
		CTX_OPT_DIR(&o->dir),
		CTX_OPT_STRING(0, "server", &o->server, "CMD", "the language server, through its warm daemon (none)"),
		CTX_OPT_STRING(0, "events", &o->events, "PATH",
		    "telemetry events to PATH ($CTX_EVENTS; else through ctx-emit into the log)"),
		CTX_OPT_LONG(0, "timeout-ms", &o->timeout_ms, "N", 1, 3600000, "a server request's deadline (500)"),
		CTX_OPT_LONG(0, "ready-timeout-ms", &o->ready_timeout_ms, "N", 1, 3600000,
		    "while the server warms up (10000)"),
		CTX_OPT_LONG(0, "max-result-bytes", &o->max_result_bytes, "N", 4096, 64L << 20,
		    "a tool result is cut to this (65536)"),
		CTX_OPT_LONG(0, "max-file-bytes", &o->max_file_bytes, "N", 0, 1L << 40, "skip larger files (1 MiB)"),
	};
	const struct ctx_opt_spec spec = CTX_OPT_SPEC("ctx-mcp", "[OPTIONS]", table);

	*o = (struct opts){ .timeout_ms = 500, .ready_timeout_ms = 10000, .max_result_bytes = 65536,
		.max_file_bytes = 1024 * 1024 };
	int first = ctx_opt_parse(&spec, argc, argv);
	if (first < argc)
		ctx_opt_die(&spec, "unexpected argument '%s'", argv[first]);
	if (o->server && !o->server[strspn(o->server, " \t\n")])
		ctx_opt_die(&spec, "bad value for --server: '%s'", o->server);
	const char *ev = o->events ? o->events : getenv("CTX_EVENTS");
	if (ev && !strcmp(ev, "-"))
		ctx_opt_die(&spec, "--events -: standard output carries the protocol only");
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct ctx_workspace ws;
	char why[PATH_MAX + 64];
	int err;
	pid_t emit_pid = -1;

	ctx_err_init(argv[0]);
	/* Started with a standard descriptor closed, the first pipe would take its number (and
	 * the stop pipe be read as the client): /dev/null holds it. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			return CTX_EXIT_SYSTEM;
	parse_opts(argc, argv, &o);
	if (ctx_workspace_init(&ws, o.root, o.dir, why, sizeof why) != 0) {
		ctx_warnx("%s", why);
		return CTX_EXIT_USAGE;
	}
	if (chdir(ws.root) != 0) {
		ctx_warn("%s", ws.root);
		ctx_workspace_release(&ws);
		return CTX_EXIT_USAGE;
	}
	/* Every child (ctx-lsp, ctx-aggregate, ctx-emit) carries this session's run id. */
	setenv("CTX_RUN_ID", ws.run_id, 1);
	/* A call in progress ends within its child's bound; past STOP_BOUND_S the process does. */
	int stop_fd = ctx_stopsig_install(STOP_BOUND_S);
	if (stop_fd < 0)
		ctx_diex(CTX_EXIT_SYSTEM, "pipe: %s", strerror(-stop_fd));
	struct ctx_evstream *ev = o.events || getenv("CTX_EVENTS")
	    ? ctx_evstream_open(o.events, ws.run_id, ws.segment_id, &err)
	    : ctx_evstream_open_emit(ws.root, ws.run_id, ws.segment_id, &emit_pid, &err);
	if (!ev) {
		ctx_warn_code(err, "--events %s", o.events ? o.events : getenv("CTX_EVENTS"));
		ctx_workspace_release(&ws);
		return CTX_EXIT_USAGE;
	}
	struct ctx_mcp_opts mo = {
		.root = ws.root, .root_given = ws.root_given, .dir = ws.dir, .server = o.server,
		.timeout_ms = (int)o.timeout_ms, .ready_timeout_ms = (int)o.ready_timeout_ms,
		.max_result_bytes = (size_t)o.max_result_bytes, .max_file_bytes = (size_t)o.max_file_bytes,
		.events = ev, .in_fd = STDIN_FILENO, .out = stdout, .stop_fd = stop_fd,
	};
	int rc = ctx_exit_of(ctx_mcp_run(&mo));
	if ((err = ctx_evstream_failed(ev)) < 0)
		ctx_warn_code(err, "events: telemetry stream closed early");
	ctx_evstream_close_emit(ev, emit_pid);
	ctx_workspace_release(&ws);
	return ctx_err_close_stdout(rc);
}
