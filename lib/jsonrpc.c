#include "jsonrpc.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

int
ctx_jsonrpc_feed(struct ctx_jsonrpc_decoder *d, const char *p, size_t n)
{
	/* Drop what was handed out before growing. */
	if (d->start > 0 && (d->start == d->in.len || d->start > 65536)) {
		memmove(d->in.data, d->in.data + d->start, d->in.len - d->start);
		d->in.len -= d->start;
		d->start = 0;
	}
	return ctx_buf_add(&d->in, p, n);
}

int
ctx_jsonrpc_next(struct ctx_jsonrpc_decoder *d, const char **body, size_t *len)
{
	const char *h = d->in.data + d->start;
	size_t avail = d->in.len - d->start;
	const char *end = avail >= 4 ? memmem(h, avail, "\r\n\r\n", 4) : NULL;

	if (!end)
		return avail > CTX_JSONRPC_MAX_HEADER ? CTX_JSONRPC_BAD_HEADER : CTX_JSONRPC_MORE;
	/* Header fields: Content-Length is required; Content-Type is allowed; nothing else. */
	long long length = -1;
	for (const char *line = h; line < end;) {
		const char *eol = memmem(line, (size_t)(end - line) + 2, "\r\n", 2);
		size_t n = (size_t)(eol - line);
		if (n > 15 && strncasecmp(line, "Content-Length:", 15) == 0) {
			const char *p = line + 15;
			while (p < eol && *p == ' ')
				p++;
			length = 0;
			if (p == eol)
				return CTX_JSONRPC_BAD_HEADER;
			for (; p < eol; p++) {
				if (!isdigit((unsigned char)*p))
					return CTX_JSONRPC_BAD_HEADER;
				length = length * 10 + (*p - '0');
				if (length > (long long)CTX_JSONRPC_MAX_BODY)
					return CTX_JSONRPC_TOO_LARGE;
			}
		} else if (!(n > 13 && strncasecmp(line, "Content-Type:", 13) == 0)) {
			return CTX_JSONRPC_BAD_HEADER;
		}
		line = eol + 2;
	}
	if (length < 0)
		return CTX_JSONRPC_BAD_HEADER;
	size_t head = (size_t)(end - h) + 4;
	if (avail - head < (size_t)length)
		return CTX_JSONRPC_MORE;
	*body = h + head;
	*len = (size_t)length;
	d->start += head + (size_t)length;
	return CTX_JSONRPC_MESSAGE;
}

void
ctx_jsonrpc_release(struct ctx_jsonrpc_decoder *d)
{
	ctx_buf_release(&d->in);
	d->start = 0;
}

int
ctx_jsonrpc_frame(struct ctx_buf *out, const char *body, size_t len)
{
	if (ctx_buf_addf(out, "Content-Length: %zu\r\n\r\n", len) < 0)
		return -ENOMEM;
	return ctx_buf_add(out, body, len);
}
