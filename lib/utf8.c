#include "utf8.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "json.h"

bool
ctx_utf8_valid(const char *str, size_t len, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		/* ASCII runs are the common case: step over 8 bytes at a time. */
		while (i + 8 <= len) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		unsigned c = s[i];
		size_t n;
		unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			if (c == 0xE0)
				lo = 0xA0;
			else if (c == 0xED)
				hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			if (c == 0xF0)
				lo = 0x90;
			else if (c == 0xF4)
				hi = 0x8F;
		} else {
			goto fail;
		}
		if (len - i <= n) /* the sequence is cut short by the end */
			goto fail;
		if (s[i + 1] < lo || s[i + 1] > hi)
			goto fail;
		for (size_t k = 2; k <= n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				goto fail;
		i += n + 1;
	}
	return true;
fail:
	if (bad)
		*bad = i;
	return false;
}

size_t
ctx_utf8_cut_bytes(const char *s, size_t len, size_t max_bytes)
{
	if (len <= max_bytes)
		return len;
	size_t n = max_bytes;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

size_t
ctx_utf8_cut_chars(const char *s, size_t len, size_t max_chars)
{
	size_t chars = 0;

	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max_chars)
			return i;
	}
	return len;
}

int
ctx_utf8_add_valid(struct ctx_buf *out, const char *s, size_t len)
{
	size_t bad;
	int err = 0;

	while (!err && !ctx_utf8_valid(s, len, &bad)) {
		err = ctx_buf_add(out, s, bad) | ctx_buf_add(out, "\xef\xbf\xbd", 3);
		s += bad + 1;
		len -= bad + 1;
	}
	err = err ? err : ctx_buf_add(out, s, len);
	return err ? -ENOMEM : 0;
}

int
ctx_utf8_write_json(struct ctx_buf *out, const char *s, size_t len)
{
	if (ctx_utf8_valid(s, len, NULL))
		return ctx_json_write_string(out, s, len);
	struct ctx_buf fixed = { 0 };
	int err = ctx_utf8_add_valid(&fixed, s, len);
	err = err ? err : ctx_json_write_string(out, fixed.data, fixed.len);
	ctx_buf_release(&fixed);
	return err ? -ENOMEM : 0;
}
