/* buf: a growable byte buffer, always NUL-terminated after its length. */
#ifndef CTX_BUF_H
#define CTX_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct ctx_buf {
	char *data; /* owned; NULL until the first append */
	size_t len;
	size_t cap;
};

/* Append n bytes / a C string / a formatted string. Return 0 or -ENOMEM (buffer unchanged). */
int ctx_buf_add(struct ctx_buf *b, const void *p, size_t n);
int ctx_buf_adds(struct ctx_buf *b, const char *s);
int ctx_buf_addf(struct ctx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ctx_buf_vaddf(struct ctx_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* v in decimal, without printf's cost (for writers of many small numbers). */
int ctx_buf_addu(struct ctx_buf *b, unsigned long long v);
/* Make room for n more bytes without changing len. Return 0 or -ENOMEM. */
int ctx_buf_reserve(struct ctx_buf *b, size_t n);
/* Forget the bytes from position n on (n <= len). */
void ctx_buf_truncate(struct ctx_buf *b, size_t n);
/* The 1-based line `line` of b (without its '\n'): its start, and its length in *len;
 * NULL when b has fewer lines. */
const char *ctx_buf_line(const struct ctx_buf *b, long line, size_t *len);
/* Release the storage; the buffer is empty and reusable afterwards. */
void ctx_buf_release(struct ctx_buf *b);

#endif
