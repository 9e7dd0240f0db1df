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

int
ctx_jsoncur_skip(struct ctx_json_cur *c)
{
	struct ctx_json_str s;
	double v;
	int depth = 0;

	switch (ctx_jsoncur_peek(c)) {
	case CTX_JSON_STRING: return ctx_jsoncur_string_at(c, &s);
	case CTX_JSON_NUMBER: return ctx_jsoncur_scan_number(c, &s, &v), 0;
	case CTX_JSON_TRUE: return (c->end - c->p >= 4 && memcmp(c->p, "true", 4) == 0) ? (c->p += 4, 0) : -1;
	case CTX_JSON_FALSE: return (c->end - c->p >= 5 && memcmp(c->p, "false", 5) == 0) ? (c->p += 5, 0) : -1;
	case CTX_JSON_NULL: return (c->end - c->p >= 4 && memcmp(c->p, "null", 4) == 0) ? (c->p += 4, 0) : -1;
	case CTX_JSON_OBJECT:
	case CTX_JSON_ARRAY:
		break;
	default: return -1;
	}
	/* Containers: balance brackets, stepping over strings whole. */
	while (c->p < c->end) {
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
