/* jsoncur: a pull cursor over JSON text, for reading a few fields of many lines without
 * building a tree. It is ctx-aggregate's inner loop, so the steps taken per token are
 * inline here. Values that are skipped are checked only for their structure (strings
 * closed, brackets balanced), which is enough to tell a whole line from a torn one. */
#ifndef CTX_JSONCUR_H
#define CTX_JSONCUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "json.h"

struct ctx_json_cur {
	const char *p, *end;
};

/* Step over the object or array at the cursor. 0 or -1. */
int ctx_jsoncur_skip_container(struct ctx_json_cur *c);
/* The number text of the slow path: a fraction, an exponent, a sign, many digits. */
int ctx_jsoncur_strtod(const struct ctx_json_str *text, double *v);

/* Past white space; event lines have none between tokens, which one test tells. */
static inline void
ctx_jsoncur_ws(struct ctx_json_cur *c)
{
	if (c->p < c->end && (unsigned char)*c->p > ' ')
		return;
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* The type of the next value (after white space); -1 at the end or on a bad byte. */
static inline int
ctx_jsoncur_peek(struct ctx_json_cur *c)
{
	ctx_jsoncur_ws(c);
	if (c->p >= c->end)
		return -1;
	switch (*c->p) {
	case '{': return CTX_JSON_OBJECT;
	case '[': return CTX_JSON_ARRAY;
	case '"': return CTX_JSON_STRING;
	case 't': return CTX_JSON_TRUE;
	case 'f': return CTX_JSON_FALSE;
	case 'n': return CTX_JSON_NULL;
	default: return *c->p == '-' || (*c->p >= '0' && *c->p <= '9') ? CTX_JSON_NUMBER : -1;
	}
}

/* The first '"' or '\\' in [q, end), or end: sixteen bytes at a time with SSE2, else
 * eight where the byte order lets the first match be read from a mask (the lowest bit
 * that (y - 0x01..) & ~y & 0x80.. sets is exactly the first zero byte of y: a borrow only
 * sets bits above it), then one at a time. */
static inline const char *
ctx_jsoncur_string_stop(const char *q, const char *end)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');

	for (; end - q >= 16; q += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
		__m128i stops = _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash));
		unsigned m = (unsigned)_mm_movemask_epi8(stops);
		if (m)
			return q + __builtin_ctz(m);
	}
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	const uint64_t quotes = ones * '"', backslashes = ones * '\\';

	for (; end - q >= 8; q += 8) {
		uint64_t x, yq, yb;
		memcpy(&x, q, sizeof x);
		yq = x ^ quotes;
		yb = x ^ backslashes;
		uint64_t m = (((yq - ones) & ~yq) | ((yb - ones) & ~yb)) & highs;
		if (m)
			return q + (__builtin_ctzll(m) >> 3);
	}
#endif
	while (q < end && *q != '"' && *q != '\\')
		q++;
	return q;
}

/* Read the string whose opening quote is at the cursor (peek said CTX_JSON_STRING): 0
 * with s set (the cursor past its closing quote), or -1 (not closed). One pass that steps
 * over each escaped character. */
static inline int
ctx_jsoncur_string_at(struct ctx_json_cur *c, struct ctx_json_str *s)
{
	const char *start = c->p + 1, *q = start;
	bool escaped = false;

	for (;;) {
		q = ctx_jsoncur_string_stop(q, c->end);
		if (q == c->end || (*q == '\\' && c->end - q < 2))
			return -1;
		if (*q == '"')
			break;
		escaped = true;
		q += 2;
	}
	s->s = start;
	s->len = (size_t)(q - start);
	s->escaped = escaped;
	c->p = q + 1;
	return 0;
}

/* Read a string value: 0 with s set, or -1 (not a string, or not closed). */
static inline int
ctx_jsoncur_string(struct ctx_json_cur *c, struct ctx_json_str *s)
{
	return ctx_jsoncur_peek(c) == CTX_JSON_STRING ? ctx_jsoncur_string_at(c, s) : -1;
}

/* Step over the number that starts at the cursor (its first byte is '-' or a digit), in
 * text; true when it is at most 15 digits, with their value in *v (exact: below 2^53). */
static inline bool
ctx_jsoncur_scan_number(struct ctx_json_cur *c, struct ctx_json_str *text, double *v)
{
	const char *q = c->p;
	uint64_t acc = 0;
	bool digits = true;

	for (; q < c->end; q++) {
		if ((unsigned char)(*q - '0') < 10)
			acc = acc * 10 + (uint64_t)(*q - '0');
		else if (*q == '-' || *q == '+' || *q == '.' || *q == 'e' || *q == 'E')
			digits = false;
		else
			break;
	}
	text->s = c->p;
	text->len = (size_t)(q - c->p);
	text->escaped = false;
	c->p = q;
	*v = (double)acc;
	return digits && text->len <= 15;
}

/* Read the number that starts at the cursor (peek said CTX_JSON_NUMBER): its value and
 * its source text. 0 or -1 (not a number strtod reads whole). */
static inline int
ctx_jsoncur_number_at(struct ctx_json_cur *c, double *v, struct ctx_json_str *text)
{
	/* Up to 15 digits, the usual timing or count, are exact without strtod. */
	if (ctx_jsoncur_scan_number(c, text, v))
		return 0;
	return ctx_jsoncur_strtod(text, v);
}

static inline int
ctx_jsoncur_number(struct ctx_json_cur *c, double *v, struct ctx_json_str *text)
{
	return ctx_jsoncur_peek(c) == CTX_JSON_NUMBER ? ctx_jsoncur_number_at(c, v, text) : -1;
}

/* Step over the next value. 0 or -1. */
static inline int
ctx_jsoncur_skip(struct ctx_json_cur *c)
{
	struct ctx_json_str s;
	double v;

	switch (ctx_jsoncur_peek(c)) {
	case CTX_JSON_STRING: return ctx_jsoncur_string_at(c, &s);
	case CTX_JSON_NUMBER: return ctx_jsoncur_scan_number(c, &s, &v), 0;
	case CTX_JSON_TRUE: return (c->end - c->p >= 4 && memcmp(c->p, "true", 4) == 0) ? (c->p += 4, 0) : -1;
	case CTX_JSON_FALSE: return (c->end - c->p >= 5 && memcmp(c->p, "false", 5) == 0) ? (c->p += 5, 0) : -1;
	case CTX_JSON_NULL: return (c->end - c->p >= 4 && memcmp(c->p, "null", 4) == 0) ? (c->p += 4, 0) : -1;
	case CTX_JSON_OBJECT:
	case CTX_JSON_ARRAY: return ctx_jsoncur_skip_container(c);
	default: return -1;
	}
}

/* Step into the object or array that comes next; *first must then start true. 0 or -1. */
static inline int
ctx_jsoncur_enter(struct ctx_json_cur *c, enum ctx_json_type t, bool *first)
{
	if (ctx_jsoncur_peek(c) != (int)t)
		return -1;
	c->p++;
	*first = true;
	return 0;
}

/* Before the next member or element: the closing bracket (0), a separator (1), or -1. */
static inline int
ctx_jsoncur_next(struct ctx_json_cur *c, bool *first, char close)
{
	ctx_jsoncur_ws(c);
	if (c->p >= c->end)
		return -1;
	if (*c->p == close) {
		c->p++;
		return 0;
	}
	if (!*first) {
		if (*c->p != ',')
			return -1;
		c->p++;
	}
	*first = false;
	return 1;
}

/* The next member of the object entered: 1 with its key (the cursor is then at its value,
 * which must be read or skipped), 0 after the closing brace, -1 on bad input. */
static inline int
ctx_jsoncur_member(struct ctx_json_cur *c, bool *first, struct ctx_json_str *key)
{
	int rc = ctx_jsoncur_next(c, first, '}');

	if (rc <= 0)
		return rc;
	if (ctx_jsoncur_peek(c) != CTX_JSON_STRING || ctx_jsoncur_string_at(c, key) < 0)
		return -1;
	ctx_jsoncur_ws(c);
	if (c->p >= c->end || *c->p != ':')
		return -1;
	c->p++;
	return 1;
}

/* The next element of the array entered: 1 (cursor at it), 0 after ']', -1. */
static inline int
ctx_jsoncur_element(struct ctx_json_cur *c, bool *first)
{
	return ctx_jsoncur_next(c, first, ']');
}

#endif
