/* mcptools: ctx-mcp's tools: each one's input schema (which is also how its arguments are
 * checked), output schema and description, and how a call is served. mcp.c speaks the
 * protocol around them. */
#ifndef CTX_MCPTOOLS_H
#define CTX_MCPTOOLS_H

#include <cJSON.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "mcp.h"

/* What a call runs in. wait() blocks until one of the child's descriptors is ready, a
 * client line came (it may cancel the call), or deadline (CLOCK_MONOTONIC ns) passed;
 * child[i].revents are set. */
struct ctx_mcp_lsp;
struct ctx_mcp_env {
	const struct ctx_mcp_opts *o;
	struct ctx_mcp_lsp *lsp; /* the link to the warm daemon when o->server is set */
	bool structured; /* the revision has structuredContent and outputSchema */
	void (*wait)(void *arg, struct pollfd *child, int nchild, int64_t deadline);
	void *wait_arg;
};

/* What initialize's result says to the model about the server as a whole. */
extern const char ctx_mcp_instructions[];

/* The tools/list array. */
void ctx_mcp_tools_json(struct ctx_buf *b, bool structured);

/* A call of the named tool, or NULL when there is no such tool (or no memory). */
struct ctx_mcp_call;
struct ctx_mcp_call *ctx_mcp_call_new(const struct ctx_mcp_env *env, const char *tool, const cJSON *id);
/* True when the call answers request id. */
bool ctx_mcp_call_is(const struct ctx_mcp_call *c, const cJSON *id);
/* The call is to end unanswered (the client cancelled it or left). NULL is fine. */
void ctx_mcp_call_cancel(struct ctx_mcp_call *c);
/* Serve the call with args (an object, or NULL for none): the CallToolResult's JSON is
 * appended to result and true returned, or false when it was cancelled (no answer). Every
 * failure is a result with isError true; each call is an mcp.call event. */
bool ctx_mcp_call_run(struct ctx_mcp_call *c, const cJSON *args, struct ctx_buf *result);
void ctx_mcp_call_free(struct ctx_mcp_call *c);

#endif
