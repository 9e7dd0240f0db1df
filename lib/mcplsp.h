/* mcplsp: ctx-mcp's link to the workspace's warm ctx-lsp daemon (SPEC.md §10): one
 * connection for the whole session, relayed by a thread that runs ctx_lspd_serve between
 * two pipes, so that the protocol loop goes on reading the client while a request is out,
 * and a call costs a round trip to the daemon, not a process. */
#ifndef CTX_MCPLSP_H
#define CTX_MCPLSP_H

#include <stdbool.h>

#include "buf.h"
#include "mcptools.h"

struct ctx_mcp_lsp;

/* A link for o->server (not connected yet: the first request connects, starting the
 * daemon when none runs). NULL when out of memory. */
struct ctx_mcp_lsp *ctx_mcp_lsp_new(const struct ctx_mcp_opts *o);
/* Ask a request line of ctx-lsp's (§7; without its id, which is set here) and wait for
 * its answer line, into out, within bound_ms. 0; -ECANCELED when *cancelled became true
 * (the answer is dropped when it comes); -ETIMEDOUT; -ENOTCONN when the daemon cannot be
 * reached or went away: the request was not answered and the caller serves it itself (for
 * 30 s after such a failure no new connection is tried). */
int ctx_mcp_lsp_ask(struct ctx_mcp_lsp *l, const struct ctx_mcp_env *env, const bool *cancelled, const char *req,
    int bound_ms, struct ctx_buf *out);
/* Disconnect (what is still out is given up within a request's deadline) and free. */
void ctx_mcp_lsp_free(struct ctx_mcp_lsp *l);

#endif
