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
ctx_jsoncur_skip_container(struct ctx_json_cur *c)
{
	struct ctx_json_str s;
	int depth = 0;

	/* Balance brackets, stepping over strings whole. */
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
