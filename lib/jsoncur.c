#include "jsoncur.h"

#include <stdlib.h>

int
ctx_jsoncur_strtod(const struct ctx_json_str *text, double *v)
{
	char buf[64], *endp;

	if (text->len >= sizeof buf)
		return -1;
	memcpy(buf, text->s, text->len);
	buf[text->len] = '\0';
	*v = strtod(buf, &endp);
	return endp == buf + text->len ? 0 : -1;
}

#ifdef __SSE2__
/* How far the sixteen bytes at p can be taken at once, and the brackets among them outside
 * strings (opening ones in *open, closing ones in *close). The bytes that are inside a
 * string are the running XOR of the quotes up to them; that holds up to the first
 * backslash, and up to the opening quote of a string still open there (the caller reads
 * that one whole). 0: p must be stepped over one token at a time. */
static unsigned
brackets16(const char *p, unsigned *open, unsigned *close)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
#define MASK(ch) ((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(ch))))
	unsigned quotes = MASK('"'), backslashes = MASK('\\');
	unsigned cut = backslashes ? (unsigned)__builtin_ctz(backslashes) : 16;
	unsigned below = (1u << cut) - 1, in = quotes;

	in ^= in << 1;
	in ^= in << 2;
	in ^= in << 4;
	in ^= in << 8;
	if (cut > 0 && (in >> (cut - 1) & 1)) {
		cut = 31 - (unsigned)__builtin_clz(quotes & below);
		below = (1u << cut) - 1;
	}
	*open = (MASK('{') | MASK('[')) & ~in & below;
	*close = (MASK('}') | MASK(']')) & ~in & below;
#undef MASK
	return cut;
}
#endif

int
ctx_jsoncur_skip_container(struct ctx_json_cur *c)
{
	struct ctx_json_str s;
	int depth = 0;

	/* Balance brackets, stepping over strings whole. */
	while (c->p < c->end) {
#ifdef __SSE2__
		unsigned open, close, n;
		if (c->end - c->p >= 16 && (n = brackets16(c->p, &open, &close)) > 0) {
			for (unsigned br = open | close; br; br &= br - 1) {
				unsigned i = (unsigned)__builtin_ctz(br);
				if (open >> i & 1)
					depth++;
				else if (--depth == 0) {
					c->p += i + 1;
					return 0;
				}
			}
			c->p += n;
			continue;
		}
#endif
		char ch = *c->p;
		if (ch == '"') {
			if (ctx_jsoncur_string_at(c, &s) < 0)
				return -1;
			continue;
		}
		if (ch == '{' || ch == '[')
			depth++;
		else if ((ch == '}' || ch == ']') && --depth == 0) {
			c->p++;
			return 0;
		}
		c->p++;
	}
	return -1;
}
