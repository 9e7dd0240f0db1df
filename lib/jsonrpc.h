/* jsonrpc: Content-Length framing of JSON-RPC 2.0 over a byte stream (the LSP base
 * protocol). The decoder is fed whatever read(2) returned and hands out whole message
 * bodies: partial messages wait for more bytes, several in one read come out one by one. */
#ifndef CTX_JSONRPC_H
#define CTX_JSONRPC_H

#include <stddef.h>

#include "buf.h"

#define CTX_JSONRPC_MAX_BODY (64u * 1024 * 1024) /* a larger Content-Length is an error */
#define CTX_JSONRPC_MAX_HEADER 8192

struct ctx_jsonrpc_decoder {
	struct ctx_buf in; /* bytes not yet handed out; owned */
	size_t start;      /* where the next message begins in `in` */
};

enum {
	CTX_JSONRPC_MORE = 0,     /* no whole message yet */
	CTX_JSONRPC_MESSAGE = 1,  /* *body, *len: one message (valid until the next call) */
	CTX_JSONRPC_BAD_HEADER = -1, /* garbage or a header without a usable Content-Length */
	CTX_JSONRPC_TOO_LARGE = -2,  /* Content-Length over CTX_JSONRPC_MAX_BODY */
};

/* Append bytes read from the stream. 0 or -ENOMEM. */
int ctx_jsonrpc_feed(struct ctx_jsonrpc_decoder *d, const char *p, size_t n);
/* The next message, if a whole one is there. A framing error is final: the stream can no
 * longer be trusted. */
int ctx_jsonrpc_next(struct ctx_jsonrpc_decoder *d, const char **body, size_t *len);
/* Release the buffer of a decoder the caller owns; it is empty and reusable afterwards. */
void ctx_jsonrpc_release(struct ctx_jsonrpc_decoder *d);

/* Append "Content-Length: N\r\n\r\n" and the body to out. 0 or -ENOMEM. */
int ctx_jsonrpc_frame(struct ctx_buf *out, const char *body, size_t len);

#endif
