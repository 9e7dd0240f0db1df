/* ctx-lsp: a language-server session that is never stuck (SPEC.md §7). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "events.h"
#include "lspclient.h"
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

static void
usage(FILE *f)
{
	fprintf(f, "usage: ctx-lsp --server CMD [--root DIR] [--timeout-ms N] [--ready-timeout-ms N]\n"
		   "               [--index FILE] [--events PATH] [--trace FILE]\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "root", required_argument, NULL, 'r' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "ready-timeout-ms", required_argument, NULL, 'R' },
		{ "index", required_argument, NULL, 'i' },
		{ "events", required_argument, NULL, 'e' },
		{ "trace", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *server = NULL, *root = NULL, *index = NULL, *events = NULL, *trace = NULL;
	char why[PATH_MAX + 64];
	long timeout = 500, ready_timeout = 10000;
	struct ctx_workspace ws;
	int c, idx = 0, err;

	ctx_err_init(argv[0]);
	while ((c = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
		int bad = 0;
		switch (c) {
		case 's': server = optarg; break;
		case 'r': root = optarg; break;
		case 't': bad = ctx_parse_long(optarg, 1, 3600000, &timeout); break;
		case 'R': bad = ctx_parse_long(optarg, 1, 3600000, &ready_timeout); break;
		case 'i': index = optarg; break;
		case 'e': events = optarg; break;
		case 'T': trace = optarg; break;
		case 'h': usage(stdout); return ctx_err_close_stdout(CTX_EXIT_OK);
		case 'V': printf("ctx-lsp %s\n", CTX_VERSION); return ctx_err_close_stdout(CTX_EXIT_OK);
		default: usage(stderr); return CTX_EXIT_USAGE;
		}
		if (bad) {
			ctx_warnx("bad value for --%s: '%s'", longopts[idx].name, optarg);
			usage(stderr);
			return CTX_EXIT_USAGE;
		}
	}
	if (!server || !server[strspn(server, " \t\n")] || optind < argc) {
		ctx_warnx(!server ? "--server is required" : optind < argc ? "unexpected argument '%s'"
									     : "bad value for --server: '%s'",
		    optind < argc ? argv[optind] : server ? server : "");
		usage(stderr);
		return CTX_EXIT_USAGE;
	}
	if (ctx_workspace_init(&ws, root, NULL, why, sizeof why) != 0) {
		ctx_warnx("%s", why);
		return CTX_EXIT_USAGE;
	}
	struct ctx_events *ev = ctx_events_open(events, ws.run_id, ws.segment_id, &err);
	FILE *tf = ev && trace ? fopen(trace, "w") : NULL;
	if (!ev || (trace && !tf)) {
		if (!ev)
			ctx_warn_code(err, "--events %s", events ? events : getenv("CTX_EVENTS"));
		else
			ctx_warn("--trace %s", trace);
		ctx_events_close(ev);
		ctx_workspace_free(&ws);
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

	struct ctx_lsp_opts o = {
		.server = server, .root = ws.root, .timeout_ms = (int)timeout, .ready_timeout_ms = (int)ready_timeout,
		.index = index, .events = ev, .trace = tf, .in_fd = STDIN_FILENO, .out = stdout, .stop_fd = stop_pipe[0],
	};
	int rc = ctx_lsp_run(&o);
	if ((err = ctx_events_failed(ev)) < 0)
		ctx_warn_code(err, "events: telemetry stream closed early");
	if (tf) {
		bool bad = fflush(tf) != 0 || ferror(tf);
		if (fclose(tf) != 0 || bad) {
			ctx_warn("--trace %s", trace);
			rc = ctx_exit_worse(rc, CTX_EXIT_SYSTEM);
		}
	}
	ctx_events_close(ev);
	ctx_workspace_free(&ws);
	return ctx_err_close_stdout(rc);
}
