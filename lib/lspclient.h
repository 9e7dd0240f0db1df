/* lspclient: a language-server session that is never stuck (SPEC.md §7). One thread, one
 * poll(2) loop over the server's stdout and stderr, our requests and a shutdown signal;
 * every request has a deadline and is answered, from the server or from the skeleton
 * index. */
#ifndef CTX_LSPCLIENT_H
#define CTX_LSPCLIENT_H

#include <stdio.h>

#include "evstream.h"

struct ctx_lsp_opts {
	const char *server;     /* the command line, split into words like a shell would */
	const char *root;       /* real path of the workspace root (the server's cwd) */
	int timeout_ms;         /* per request once READY */
	int ready_timeout_ms;   /* per request while WARMING */
	const char *index;      /* ctx-parse lines for the fallback, or NULL to parse the root */
	struct ctx_evstream *events;
	FILE *trace;            /* raw JSON-RPC traffic, or NULL */
	int in_fd;              /* requests, one JSON line each */
	FILE *out;              /* answers */
	int stop_fd;            /* readable when SIGINT or SIGTERM arrived */
};

/* Run the session until the requests end (or stop_fd), then shut the server down and reap
 * it. Returns 0 when every request was answered from the server or the fallback,
 * CTX_REJECTED (err.h) when some request was malformed or answered with an error, -EIO
 * when the answers could not be written. */
int ctx_lsp_run(const struct ctx_lsp_opts *o);

#endif
