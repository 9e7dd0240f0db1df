#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
ctx_buf_reserve(struct ctx_buf *b, size_t n)
{
	if (b->cap - b->len > n)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len <= n) {
		if (cap > (size_t)-1 / 2)
			return -ENOMEM;
		cap *= 2;
	}
	char *p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
ctx_buf_add(struct ctx_buf *b, const void *p, size_t n)
{
	if (ctx_buf_reserve(b, n) < 0)
		return -ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
ctx_buf_adds(struct ctx_buf *b, const char *s)
{
	return ctx_buf_add(b, s, strlen(s));
}

int
ctx_buf_vaddf(struct ctx_buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0 || ctx_buf_reserve(b, (size_t)n) < 0) {
		va_end(again);
		return -ENOMEM;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
	va_end(again);
	b->len += (size_t)n;
	return 0;
}

int
ctx_buf_addf(struct ctx_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int rc = ctx_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
ctx_buf_truncate(struct ctx_buf *b, size_t n)
{
	if (n < b->len) {
		b->len = n;
		b->data[n] = '\0';
	}
}

const char *
ctx_buf_line(const struct ctx_buf *b, long line, size_t *len)
{
	const char *p = b->data, *end = b->data + b->len;

	for (long i = 1; p && i < line; i++) {
		p = memchr(p, '\n', (size_t)(end - p));
		p = p ? p + 1 : NULL;
	}
	if (!p || line < 1)
		return NULL;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	*len = nl ? (size_t)(nl - p) : (size_t)(end - p);
	return p;
}

void
ctx_buf_release(struct ctx_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
ctx_buf_addu(struct ctx_buf *b, unsigned long long v)
{
	char d[24], *p = d + sizeof d;

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return ctx_buf_add(b, p, (size_t)(d + sizeof d - p));
}
