/* mcp: the suite as a Model Context Protocol server over stdio (newline-delimited
 * JSON-RPC 2.0): the lifecycle (initialize with version negotiation, initialized, ping),
 * tools/list and tools/call, notifications/cancelled, and the standard error codes. The
 * skeleton and selection tools run in-process (index.h, select.h); the language-server
 * tools through a ctx-lsp child per call (the workspace's warm daemon when a server is
 * set), the telemetry summary through a ctx-aggregate child. Every call is an mcp.call
 * event. */
#ifndef CTX_MCP_H
#define CTX_MCP_H

#include <stddef.h>
#include <stdio.h>

#include "evstream.h"

struct ctx_mcp_opts {
	const char *root;       /* real path of the workspace root; the process's cwd */
	const char *root_given; /* as given, absolute */
	const char *dir;        /* the telemetry directory (ctx-aggregate --dir) */
	const char *server;     /* the language server's command line, or NULL: the fallback only */
	int timeout_ms, ready_timeout_ms; /* ctx-lsp's deadlines */
	size_t max_result_bytes;          /* a tool result's structured content is cut to this */
	size_t max_file_bytes;            /* a larger file is not read */
	struct ctx_evstream *events;      /* mcp.call and the in-process tools' events */
	int in_fd;                        /* the client's messages */
	FILE *out;                        /* ours: protocol messages only */
	int stop_fd;                      /* readable when SIGINT or SIGTERM came, or -1 */
};

/* The longest message line read; a longer one is answered with a parse error. */
#define CTX_MCP_MAX_LINE (4 * 1024 * 1024)

/* Serve until the client closes its end or stop_fd fires. Returns 0, CTX_REJECTED when
 * some message was malformed, or -EIO when the answers could not be written. */
int ctx_mcp_run(const struct ctx_mcp_opts *o);

#endif
