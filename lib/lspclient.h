/* lspclient: a language-server session that is never stuck (SPEC.md §7), serving either
 * one caller (standard input and output) or, as the daemon of §10, any number of clients
 * on a listening Unix socket. One thread, one poll(2) loop over the server's stdout and
 * stderr, the callers' requests and a stop signal; every request has a deadline and is
 * answered, from the server or from the skeleton index. */
#ifndef CTX_LSPCLIENT_H
#define CTX_LSPCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "evstream.h"

struct ctx_lsp_opts {
	const char *server;     /* the command line, split into words like a shell would; NULL: none */
	const char *root;       /* real path of the workspace root (the server's cwd) */
	int timeout_ms;         /* per request once READY */
	int ready_timeout_ms;   /* per request while WARMING */
	int max_inflight;       /* requests outstanding at the server at once (>= 1) */
	int queue_timeout_ms;   /* the longest a request waits in our queue */
	const char *index;      /* ctx-parse lines for the fallback, or NULL to parse the root */
	struct ctx_evstream *events; /* the session's events (a daemon's: its own ctx-emit) */
	FILE *trace;            /* raw JSON-RPC traffic, or NULL */
	const char *trace_path; /* a daemon's: its trace's real path, for its status */
	int stop_fd;            /* readable when SIGINT or SIGTERM arrived */
	/* One caller: */
	int in_fd;              /* requests, one JSON line each */
	FILE *out;              /* answers */
	const char *preload;    /* request lines read before in_fd's (a daemon's unanswered ones) */
	size_t preload_len;
	int close_out;          /* close out once the last answer is written, before the shutdown */
	/* The daemon (§10), when listen_fd >= 0 (then in_fd and out are not used): */
	int listen_fd;          /* a listening Unix stream socket */
	int idle_ttl_s;         /* stop after this long without a request (0: never) */
};

/* The protocol between a daemon and its clients (lspdaemon.c is the client side). A
 * client's first line is a hello, a JSON object:
 *   {"proto":1,"run_id":…,"timeout_ms":…,"ready_timeout_ms":…,"events":true|false,
 *    "control":"status"|"stop" (absent for requests)}
 * then its request lines, as §7. The daemon writes lines that start with a tag:
 *   "H " hello: {"pid","server","server_pid","state","session_ms","warm", the daemon's
 *        "idle_ttl_s","max_inflight","queue_timeout_ms","index","trace"}
 *   "A <seq> <e> " then an answer line as §7, to the client's seq-th request line (blank
 *        lines are not counted), e "1" when its status is error, else "0"
 *   "E " an event of the client's request: {"cmd","args","result","timing_ms","x"}
 *   "S " the answer to a control: the status object of §10 */
#define CTX_LSP_PROTO 1

/* A request line longer than this is answered with an error, its rest skipped. */
#define CTX_LSP_MAX_LINE (1024 * 1024)
/* A line of only blanks is no request: not answered, not counted (the daemon's <seq>
 * counts the others, so a client must count the same way). */
bool ctx_lsp_blank_line(const char *line, size_t len);

/* Run the session until the requests end (one caller: end of input or stop_fd; daemon:
 * stop_fd, a "stop" control, the idle TTL or the root gone), then shut the server down
 * and reap it. Returns 0 when every request was answered from the server or the fallback,
 * CTX_REJECTED (err.h) when some request was malformed or answered with an error, -EIO
 * when the answers could not be written. */
int ctx_lsp_run(const struct ctx_lsp_opts *o);

/* A session without a server process, driven step by step (the unit tests and the fuzz
 * target): what it would send the server is written to to_server; index (borrowed) is
 * its fallback. It starts WARMING with the initialize request sent; answers go to o->out,
 * events to o->events. */
struct ctx_lsp_session;
struct ctx_symindex;
struct ctx_lsp_session *ctx_lsp_session_open(const struct ctx_lsp_opts *o, int to_server,
    struct ctx_symindex *index);
/* The caller's request lines, all of them (a last line without '\n' is one too). */
void ctx_lsp_session_requests(struct ctx_lsp_session *s, const char *p, size_t n);
/* Bytes of the server's output (Content-Length framing); garbage fails the server. */
void ctx_lsp_session_server(struct ctx_lsp_session *s, const char *p, size_t n);
/* The end: every request past its deadline, the server gone, the state CLOSED; then freed.
 * Returns what ctx_lsp_run would. */
int ctx_lsp_session_close(struct ctx_lsp_session *s);

#endif
