#include "json.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

struct parser {
	struct ctx_arena *a;
	const char *p, *end;
	int depth;
};

long
ctx_json_clamp_long(double d)
{
	return d != d ? 0 : d >= 2147483647.0 ? 2147483647L : d <= -2147483648.0 ? -2147483648L : (long)d;
}

long
ctx_json_long(const struct ctx_json *obj, const char *key)
{
	const struct ctx_json *v = ctx_json_get(obj, key);

	return v && v->type == CTX_JSON_NUMBER ? ctx_json_clamp_long(strtod(v->str, NULL)) : 0;
}

struct ctx_json *
ctx_json_new(struct ctx_arena *a, enum ctx_json_type t, const char *s, size_t len)
{
	struct ctx_json *v = ctx_arena_alloc(a, sizeof *v);

	if (v)
		*v = (struct ctx_json){ .type = t, .str = s, .len = len };
	return v;
}

struct ctx_json *
ctx_json_get(const struct ctx_json *obj, const char *key)
{
	if (!obj || obj->type != CTX_JSON_OBJECT)
		return NULL;
	size_t n = strlen(key);
	for (struct ctx_json *m = obj->child; m; m = m->next)
		if (m->key_len == n && memcmp(m->key, key, n) == 0)
			return m;
	return NULL;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int
hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static char *
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xE0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xF0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3F));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

/* Parse a string at ps->p (the opening quote) into the arena. */
static int
string(struct parser *ps, const char **out, size_t *outlen)
{
	const char *q = ++ps->p, *end = ps->end;

	/* The common case: no escape; one scan, one copy. */
	while (q < end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
		q++;
	if (q >= end || (unsigned char)*q < 0x20) {
		ps->p = q;
		return -1;
	}
	if (*q == '"') {
		*out = ctx_arena_strndup(ps->a, ps->p, (size_t)(q - ps->p));
		*outlen = (size_t)(q - ps->p);
		ps->p = q + 1;
		return *out ? 0 : -1;
	}
	/* With escapes: the decoded text is never longer than its source. */
	const char *close = q;
	while (close < end && *close != '"')
		close += *close == '\\' ? 2 : 1;
	if (close >= end) {
		ps->p = end;
		return -1;
	}
	char *buf = ctx_arena_alloc(ps->a, (size_t)(close - ps->p) + 1), *o = buf;
	if (!buf)
		return -1;
	memcpy(o, ps->p, (size_t)(q - ps->p));
	o += q - ps->p;
	while (q < close) {
		if ((unsigned char)*q < 0x20) {
			ps->p = q;
			return -1;
		}
		if (*q != '\\') {
			*o++ = *q++;
			continue;
		}
		ps->p = q;
		switch (q[1]) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			int hi = close - q >= 6 ? hex4(q + 2) : -1;
			if (hi < 0 || (hi >= 0xDC00 && hi <= 0xDFFF))
				return -1;
			if (hi >= 0xD800 && hi <= 0xDBFF) {
				int lo;
				if (close - q < 12 || q[6] != '\\' || q[7] != 'u' || (lo = hex4(q + 8)) < 0xDC00 ||
				    lo > 0xDFFF)
					return -1;
				o = put_utf8(o, 0x10000 + (((unsigned)hi - 0xD800) << 10) + ((unsigned)lo - 0xDC00));
				q += 12;
			} else {
				o = put_utf8(o, (unsigned)hi);
				q += 6;
			}
			continue;
		}
		default:
			return -1;
		}
		q += 2;
	}
	*o = '\0';
	*out = buf;
	*outlen = (size_t)(o - buf);
	ps->p = close + 1;
	return 0;
}

static bool
digit(const struct parser *ps, const char *q)
{
	return q < ps->end && *q >= '0' && *q <= '9';
}

static struct ctx_json *
number(struct parser *ps)
{
	const char *q = ps->p;

	if (q < ps->end && *q == '-')
		q++;
	if (!digit(ps, q))
		return ps->p = q, NULL;
	if (*q == '0')
		q++;
	else
		while (digit(ps, q))
			q++;
	if (q < ps->end && *q == '.') {
		if (!digit(ps, ++q))
			return ps->p = q, NULL;
		while (digit(ps, q))
			q++;
	}
	if (q < ps->end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < ps->end && (*q == '+' || *q == '-'))
			q++;
		if (!digit(ps, q))
			return ps->p = q, NULL;
		while (digit(ps, q))
			q++;
	}
	const char *s = ctx_arena_strndup(ps->a, ps->p, (size_t)(q - ps->p));
	struct ctx_json *v = s ? ctx_json_new(ps->a, CTX_JSON_NUMBER, s, (size_t)(q - ps->p)) : NULL;
	if (v)
		ps->p = q;
	return v;
}

static struct ctx_json *value(struct parser *ps);

static struct ctx_json *
container(struct parser *ps, enum ctx_json_type t)
{
	char close = t == CTX_JSON_OBJECT ? '}' : ']';
	struct ctx_json *c = ctx_json_new(ps->a, t, NULL, 0), **tail;

	if (!c || ++ps->depth > CTX_JSON_MAX_DEPTH)
		return NULL;
	tail = &c->child;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return c;
	}
	for (;;) {
		const char *key = NULL;
		size_t key_len = 0;
		if (t == CTX_JSON_OBJECT) {
			if (ps->p >= ps->end || *ps->p != '"' || string(ps, &key, &key_len) < 0)
				return NULL;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return NULL;
			ps->p++;
			skip_ws(ps);
		}
		struct ctx_json *v = value(ps);
		if (!v)
			return NULL;
		v->key = key;
		v->key_len = key_len;
		*tail = v;
		tail = &v->next;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			skip_ws(ps);
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return c;
		}
		return NULL;
	}
}

static struct ctx_json *
literal(struct parser *ps, const char *word, enum ctx_json_type t)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return NULL;
	ps->p += n;
	return ctx_json_new(ps->a, t, NULL, 0);
}

static struct ctx_json *
value(struct parser *ps)
{
	if (ps->p >= ps->end)
		return NULL;
	switch (*ps->p) {
	case '{': return container(ps, CTX_JSON_OBJECT);
	case '[': return container(ps, CTX_JSON_ARRAY);
	case 't': return literal(ps, "true", CTX_JSON_TRUE);
	case 'f': return literal(ps, "false", CTX_JSON_FALSE);
	case 'n': return literal(ps, "null", CTX_JSON_NULL);
	case '"': {
		const char *s;
		size_t n;
		if (string(ps, &s, &n) < 0)
			return NULL;
		return ctx_json_new(ps->a, CTX_JSON_STRING, s, n);
	}
	default: return number(ps);
	}
}

struct ctx_json *
ctx_json_parse(struct ctx_arena *a, const char *s, size_t len, size_t *err_off)
{
	struct parser ps = { a, s, s + len, 0 };
	struct ctx_json *v;

	skip_ws(&ps);
	v = value(&ps);
	if (v) {
		skip_ws(&ps);
		if (ps.p == ps.end)
			return v;
	}
	*err_off = (size_t)(ps.p - s);
	return NULL;
}

int
ctx_json_write_string(struct ctx_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	if (ctx_buf_reserve(out, len + 2) < 0)
		return -ENOMEM;
	out->data[out->len++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (ctx_buf_add(out, s + run, i - run) < 0)
			return -ENOMEM;
		run = i + 1;
		char esc[7] = { '\\', 0 };
		size_t n = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		if (ctx_buf_add(out, esc, n) < 0)
			return -ENOMEM;
	}
	if (ctx_buf_add(out, s + run, len - run) < 0 || ctx_buf_add(out, "\"", 1) < 0)
		return -ENOMEM;
	return 0;
}

int
ctx_json_write(struct ctx_buf *out, const struct ctx_json *v)
{
	switch (v->type) {
	case CTX_JSON_NULL: return ctx_buf_add(out, "null", 4);
	case CTX_JSON_FALSE: return ctx_buf_add(out, "false", 5);
	case CTX_JSON_TRUE: return ctx_buf_add(out, "true", 4);
	case CTX_JSON_NUMBER: return ctx_buf_add(out, v->str, v->len);
	case CTX_JSON_STRING: return ctx_json_write_string(out, v->str, v->len);
	case CTX_JSON_ARRAY:
	case CTX_JSON_OBJECT:
		break;
	}
	bool obj = v->type == CTX_JSON_OBJECT;
	if (ctx_buf_add(out, obj ? "{" : "[", 1) < 0)
		return -ENOMEM;
	for (const struct ctx_json *m = v->child; m; m = m->next) {
		if (m != v->child && ctx_buf_add(out, ",", 1) < 0)
			return -ENOMEM;
		if (obj && (ctx_json_write_string(out, m->key, m->key_len) < 0 || ctx_buf_add(out, ":", 1) < 0))
			return -ENOMEM;
		if (ctx_json_write(out, m) < 0)
			return -ENOMEM;
	}
	return ctx_buf_add(out, obj ? "}" : "]", 1);
}

/* ---- strings as the cursor (jsoncur.h) finds them ---- */

int
ctx_json_str_decode(const struct ctx_json_str *s, struct ctx_buf *out)
{
	if (!s->escaped)
		return ctx_buf_add(out, s->s, s->len);
	/* Decode through the tree parser's string reader: one code path for escapes. */
	struct ctx_arena a = { 0 };
	struct parser ps = { &a, s->s - 1, s->s + s->len + 1, 0 };
	const char *d;
	size_t n;
	int rc = string(&ps, &d, &n) < 0 ? -1 : ctx_buf_add(out, d, n);

	ctx_arena_release(&a);
	return rc;
}

bool
ctx_json_str_eq(const struct ctx_json_str *s, const char *lit)
{
	size_t n = strlen(lit);

	if (!s->escaped)
		return s->len == n && memcmp(s->s, lit, n) == 0;
	struct ctx_buf b = { 0 };
	bool eq = ctx_json_str_decode(s, &b) == 0 && b.len == n && memcmp(b.data, lit, n) == 0;
	ctx_buf_release(&b);
	return eq;
}

/* ---- document writer ---- */

void
ctx_jsonw_init(struct ctx_jsonw *w, struct ctx_buf *out)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->first[0] = true;
}

static void
jw_add(struct ctx_jsonw *w, const char *s, size_t n)
{
	if (!w->err && ctx_buf_add(w->out, s, n) < 0)
		w->err = -ENOMEM;
}

static void
jw_indent(struct ctx_jsonw *w)
{
	if (w->compact)
		return;
	jw_add(w, "\n", 1);
	for (int i = 0; i < w->depth; i++)
		jw_add(w, "  ", 2);
}

/* Separator, newline and indent, and the key, before a value. */
static void
jw_key(struct ctx_jsonw *w, const char *key)
{
	if (w->depth > 0) {
		if (!w->first[w->depth])
			jw_add(w, ",", 1);
		jw_indent(w);
	}
	w->first[w->depth] = false;
	if (key) {
		if (!w->err && ctx_utf8_write_json(w->out, key, strlen(key)) < 0)
			w->err = -ENOMEM;
		jw_add(w, ": ", w->compact ? 1 : 2);
	}
}

void
ctx_jsonw_open(struct ctx_jsonw *w, const char *key, char bracket)
{
	jw_key(w, key);
	jw_add(w, &bracket, 1);
	if (w->depth < (int)(sizeof w->first / sizeof *w->first) - 1)
		w->first[++w->depth] = true;
}

void
ctx_jsonw_close(struct ctx_jsonw *w, char bracket)
{
	bool empty = w->first[w->depth];

	w->depth--;
	if (!empty)
		jw_indent(w);
	jw_add(w, &bracket, 1);
	if (w->depth == 0)
		jw_add(w, "\n", 1);
}

void
ctx_jsonw_string(struct ctx_jsonw *w, const char *key, const char *s)
{
	jw_key(w, key);
	if (!w->err && ctx_utf8_write_json(w->out, s, strlen(s)) < 0)
		w->err = -ENOMEM;
}

void
ctx_jsonw_null(struct ctx_jsonw *w, const char *key)
{
	jw_key(w, key);
	jw_add(w, "null", 4);
}

void
ctx_jsonw_int(struct ctx_jsonw *w, const char *key, long long v)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%lld", v);

	jw_key(w, key);
	jw_add(w, buf, (size_t)n);
}

void
ctx_json_format_double(double v, char *buf, size_t size)
{
	if (!isfinite(v)) {
		snprintf(buf, size, "null");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, size, "%.0f", v);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

void
ctx_jsonw_number(struct ctx_jsonw *w, const char *key, double v)
{
	char buf[40];

	ctx_json_format_double(v, buf, sizeof buf);
	jw_key(w, key);
	jw_add(w, buf, strlen(buf));
}

void
ctx_json_format_fixed(double v, int decimals, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%.*f", decimals, v);

	while (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
		buf[--n] = '\0';
}

void
ctx_jsonw_fixed(struct ctx_jsonw *w, const char *key, double v, int decimals)
{
	char buf[64];

	ctx_json_format_fixed(v, decimals, buf, sizeof buf);
	jw_key(w, key);
	jw_add(w, buf, strlen(buf));
}

size_t
ctx_json_compact(char *s, size_t n)
{
	size_t w = 0;
	bool in_string = false, escaped = false;

	for (size_t r = 0; r < n; r++) {
		char ch = s[r];
		if (in_string) {
			in_string = escaped || ch != '"';
			escaped = !escaped && ch == '\\';
		} else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			continue;
		} else {
			in_string = ch == '"';
		}
		s[w++] = ch;
	}
	return w;
}
