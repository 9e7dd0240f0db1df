/* lspdaemon: the client side of ctx-lsp's warm session (SPEC.md §10): where the daemon of
 * a (root, server) lives, finding it or starting it under a lock, relaying a caller's
 * requests and answers, and the status and stop controls. The daemon itself is
 * ctx_lsp_run (lspclient.h) on a listening socket. */
#ifndef CTX_LSPDAEMON_H
#define CTX_LSPDAEMON_H

#include <stdio.h>
#include <sys/types.h>

#include "buf.h"
#include "evstream.h"

/* The environment variable through which a starting daemon finds its listening socket. */
#define CTX_LSPD_FD_ENV "CTX_LSP_DAEMON_FD"

enum { CTX_LSPD_ASKED_TTL = 1, CTX_LSPD_ASKED_INFLIGHT = 2, CTX_LSPD_ASKED_QUEUE = 4 };

struct ctx_lspd_opts {
	const char *server;        /* as given to --server */
	const char *root;          /* real path */
	int timeout_ms, ready_timeout_ms;
	int idle_ttl_s, max_inflight, queue_timeout_ms; /* the daemon's, when this call starts it */
	const char *index, *trace;                      /* likewise (NULL: none asked for) */
	int asked;                 /* CTX_LSPD_ASKED_*: which of them the call gave explicitly */
	char *const *argv;         /* this call's arguments: a daemon is started with them */
	const char *exe;           /* ...as this program (NULL: this one; no '/': on PATH) */
	struct ctx_evstream *events; /* this call's stream: its requests' events and lsp.attach */
	const char *run_id;
	int stop_fd;               /* readable when SIGINT or SIGTERM arrived, or -1 */
};

/* Serve the requests on in_fd through the daemon, starting it when none runs. Returns 0
 * when every request was answered by the daemon; *status is then 0, CTX_REJECTED when
 * some answer said error, or -EIO when an answer could not be written (the rest are
 * dropped). Else a refusal or -errno with why filled, *status what the daemon's answers
 * so far said, and unanswered holding the request lines the daemon did not answer, each
 * ending in '\n', then what was read of in_fd and not sent: the caller serves them (and
 * the rest of in_fd) itself. */
int ctx_lspd_serve(const struct ctx_lspd_opts *o, int in_fd, FILE *out, int *status, struct ctx_buf *unanswered,
    char *why, size_t why_size);

/* --daemon-status ("status") or --daemon-stop ("stop"): print the daemon's status line
 * on out. Returns the exit status: 0 when a daemon was running (for stop: it has ended),
 * 1 when none was; a daemon that takes the connection but does not answer within 5 s is
 * {"running":true,"responding":false}, said on stderr, and a stop of it exits 3. */
int ctx_lspd_control(const struct ctx_lspd_opts *o, const char *control, FILE *out);

/* The daemon's socket, as found when it starts. */
struct ctx_lspd_socket {
	char path[108];
	dev_t dev;
	ino_t ino;
};
int ctx_lspd_socket_of(int listen_fd, struct ctx_lspd_socket *sock);
/* The daemon, at its end: remove its socket (when it still is the one it was) and the
 * lock file beside it, under the lock. */
void ctx_lspd_remove_socket(const struct ctx_lspd_socket *sock);

#endif
