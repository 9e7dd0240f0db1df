#include "skeleton.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tree_sitter/api.h>

#include "json.h"
#include "lang.h"
#include "skelwalk.h"
#include "tsguard.h"
#include "tsnames.h"
#include "utf8.h"

/* ---- what both walkers share ---- */

struct scope {
	const char *qualname; /* NULL at module level */
	bool in_class;
};

struct ctx_skeleton *
ctx_skeleton_new(void)
{
	struct ctx_skeleton *s;

	if (ctx_lang_resolve() < 0 || !(s = calloc(1, sizeof *s)))
		return NULL;
	if (!(s->parser = ts_parser_new())) {
		free(s);
		return NULL;
	}
	return s;
}

void
ctx_skeleton_free(struct ctx_skeleton *s)
{
	if (!s)
		return;
	ts_parser_delete(s->parser);
	ctx_buf_release(&s->syms);
	ctx_buf_release(&s->imports);
	ctx_buf_release(&s->text);
	free(s);
}

enum ctx_role
ctx_walk_role(const struct walker *w, TSNode n)
{
	const struct ctx_lang_node *e = ctx_lang_node(w->l, n);

	return e ? (enum ctx_role)e->role : R_NONE;
}

TSNode
ctx_walk_field(const struct walker *w, TSNode n, enum ctx_field f)
{
	TSFieldId id = w->l->field_ids[f];

	return id && !ts_node_is_null(n) ? ts_node_child_by_field_id(n, id) : (TSNode){ 0 };
}

/* Append s[0, n) as a JSON string: whitespace runs collapsed to one space and trimmed when
 * `collapse`, bytes that are not UTF-8 replaced by U+FFFD. */
void
ctx_walk_text(struct walker *w, struct ctx_buf *out, const char *s, size_t n, bool collapse)
{
	struct ctx_buf *t = &w->s->text;

	ctx_buf_truncate(t, 0);
	if (collapse) {
		bool space = false;
		for (size_t i = 0; i < n; i++) {
			if (strchr(" \t\n\r\f\v", s[i]) && s[i]) {
				space = t->len > 0;
				continue;
			}
			if (space)
				w->err |= ctx_buf_add(t, " ", 1);
			space = false;
			w->err |= ctx_buf_add(t, s + i, 1);
		}
		s = t->data ? t->data : "";
		n = t->len;
	}
	w->err |= ctx_utf8_write_json(out, s, n);
}

static void
put_node_text(struct walker *w, struct ctx_buf *out, TSNode n, bool collapse)
{
	uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);

	ctx_walk_text(w, out, w->src + a, b - a, collapse);
}

/* The 0-based row of the last line of n's last statement: comments after a body's last
 * statement are not part of it (Python's ast gives the same end_lineno). */
static uint32_t
last_row(const struct walker *w, TSNode n)
{
	for (int depth = 0; depth < 10000; depth++) {
		enum ctx_role r = ctx_walk_role(w, n);
		if (r != R_FUNCTION && r != R_CLASS && r != R_DECORATED && r != R_BLOCK && r != R_CONTAINER &&
		    r != R_CLAUSE)
			break;
		TSNode last = { 0 };
		for (uint32_t i = ts_node_named_child_count(n); i > 0; i--) {
			TSNode c = ts_node_named_child(n, i - 1);
			if (ctx_walk_role(w, c) != R_COMMENT) {
				last = c;
				break;
			}
		}
		if (ts_node_is_null(last))
			break;
		n = last;
	}
	return ctx_walk_end_row(n);
}

uint32_t
ctx_walk_end_row(TSNode n)
{
	TSPoint end = ts_node_end_point(n);

	return end.column == 0 && end.row > ts_node_start_point(n).row ? end.row - 1 : end.row;
}

/* The first line of a docstring: the first statement of the body, if it is a plain string. */
static void
put_doc(struct walker *w, struct ctx_buf *out, TSNode body)
{
	TSNode first = { 0 }, str;

	for (uint32_t i = 0; i < ts_node_named_child_count(body); i++) {
		TSNode c = ts_node_named_child(body, i);
		if (ctx_walk_role(w, c) != R_COMMENT) {
			first = c;
			break;
		}
	}
	if (ts_node_is_null(first) || ctx_walk_role(w, first) != R_EXPR_STMT || ts_node_named_child_count(first) != 1)
		goto none;
	str = ts_node_named_child(first, 0);
	if (ctx_walk_role(w, str) == R_STRINGS)
		str = ts_node_named_child(str, 0);
	if (ctx_walk_role(w, str) != R_STRING || ts_node_child_count(str) < 2)
		goto none;
	TSNode open = ts_node_child(str, 0), close = ts_node_child(str, ts_node_child_count(str) - 1);
	uint32_t a = ts_node_start_byte(open), b = ts_node_end_byte(open), e = ts_node_start_byte(close);
	for (uint32_t i = a; i < b; i++) /* f-strings and bytes are not docstrings */
		if (strchr("fFbB", w->src[i]))
			goto none;
	for (const char *p = w->src + b, *end = w->src + e; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end, *q = p;
		while (q < stop && strchr(" \t\r\f\v", *q))
			q++;
		while (stop > q && strchr(" \t\r\f\v", stop[-1]))
			stop--;
		if (stop > q) {
			ctx_walk_text(w, out, q, ctx_utf8_cut_chars(q, (size_t)(stop - q), CTX_DOC_CHARS), false);
			return;
		}
		p = nl ? nl + 1 : end;
	}
none:
	w->err |= ctx_buf_add(out, "null", 4);
}

void
ctx_walk_symbol_head(struct walker *w, const char *kind, const char *name, size_t name_len, const char *qual,
    size_t qual_len, const char *parent)
{
	struct ctx_buf *o = &w->s->syms;

	if (w->nsyms++)
		w->err |= ctx_buf_add(o, ",", 1);
	w->err |= ctx_buf_adds(o, "{\"kind\":\"") | ctx_buf_adds(o, kind) | ctx_buf_adds(o, "\",\"name\":");
	ctx_walk_text(w, o, name, name_len, false);
	w->err |= ctx_buf_adds(o, ",\"qualname\":");
	ctx_walk_text(w, o, qual, qual_len, false);
	w->err |= ctx_buf_adds(o, ",\"parent\":");
	if (parent)
		ctx_walk_text(w, o, parent, strlen(parent), false);
	else
		w->err |= ctx_buf_adds(o, "null");
}

static void walk_block(struct walker *w, TSNode block, const struct scope *sc, bool conditional);

/* A function or class (def), under decorators (deco, or a null node). */
static void
definition(struct walker *w, TSNode def, TSNode deco, const struct scope *sc, bool conditional)
{
	struct ctx_buf *o = &w->s->syms;
	bool is_class = ctx_walk_role(w, def) == R_CLASS;
	TSNode name = ctx_walk_field(w, def, F_NAME), body = ctx_walk_field(w, def, F_BODY);

	if (ts_node_is_null(name))
		return;
	uint32_t na = ts_node_start_byte(name), nb = ts_node_end_byte(name);
	char *qual = NULL;
	size_t qlen = sc->qualname ? strlen(sc->qualname) + 1 + (nb - na) : nb - na;
	if (!(qual = malloc(qlen + 1))) {
		w->err = -ENOMEM;
		return;
	}
	if (sc->qualname)
		snprintf(qual, qlen + 1, "%s.%.*s", sc->qualname, (int)(nb - na), w->src + na);
	else
		snprintf(qual, qlen + 1, "%.*s", (int)(nb - na), w->src + na);
	ctx_walk_symbol_head(w, is_class ? "class" : sc->in_class ? "method" : "function", w->src + na, nb - na,
	    qual, qlen, sc->qualname);

	/* From "def"/"async def"/"class" to the end of the return annotation, parameters or bases. */
	static const enum ctx_field fn_end[] = { F_RETURN_TYPE, F_PARAMETERS, F_TYPE_PARAMETERS, F_NAME };
	static const enum ctx_field class_end[] = { F_SUPERCLASSES, F_TYPE_PARAMETERS, F_NAME };
	const enum ctx_field *ends = is_class ? class_end : fn_end;
	size_t nends = is_class ? 3 : 4;
	uint32_t sig_end = nb;
	for (size_t i = 0; i < nends; i++) {
		TSNode e = ctx_walk_field(w, def, ends[i]);
		if (!ts_node_is_null(e)) {
			sig_end = ts_node_end_byte(e);
			break;
		}
	}
	w->err |= ctx_buf_adds(o, ",\"signature\":");
	ctx_walk_text(w, o, w->src + ts_node_start_byte(def), sig_end - ts_node_start_byte(def), true);

	w->err |= ctx_buf_adds(o, ",\"decorators\":[");
	int nd = 0;
	for (uint32_t i = 0; !ts_node_is_null(deco) && i < ts_node_named_child_count(deco); i++) {
		TSNode d = ts_node_named_child(deco, i);
		if (ctx_walk_role(w, d) != R_DECORATOR)
			continue;
		if (nd++)
			w->err |= ctx_buf_add(o, ",", 1);
		put_node_text(w, o, d, true);
	}
	w->err |= ctx_buf_adds(o, "],\"doc\":");
	if (ts_node_is_null(body))
		w->err |= ctx_buf_adds(o, "null");
	else
		put_doc(w, o, body);
	TSNode first = ts_node_child(def, 0);
	bool async = !ts_node_is_null(first) && !ts_node_is_named(first) &&
	    strcmp(ts_node_type(first), "async") == 0;
	w->err |= ctx_buf_addf(o, ",\"start_line\":%u,\"end_line\":%u,\"async\":%s,\"conditional\":%s}",
	    ts_node_start_point(def).row + 1, last_row(w, def) + 1, async ? "true" : "false",
	    conditional ? "true" : "false");

	if (is_class && !ts_node_is_null(body)) {
		struct scope inner = { qual, true };
		walk_block(w, body, &inner, false);
	}
	free(qual);
}

/* A module- or class-level variable: NAME or NAME: annotation. */
static void
variable(struct walker *w, TSNode stmt, TSNode ident, TSNode type, const struct scope *sc, bool conditional)
{
	struct ctx_buf *o = &w->s->syms;
	uint32_t a = ts_node_start_byte(ident), b = ts_node_end_byte(ident);
	size_t plen = sc->qualname ? strlen(sc->qualname) + 1 : 0;
	char *qual = malloc(plen + (b - a) + 1);

	if (!qual) {
		w->err = -ENOMEM;
		return;
	}
	snprintf(qual, plen + (b - a) + 1, "%s%s%.*s", sc->qualname ? sc->qualname : "", sc->qualname ? "." : "",
	    (int)(b - a), w->src + a);
	ctx_walk_symbol_head(w, "variable", w->src + a, b - a, qual, plen + (b - a), sc->qualname);
	w->err |= ctx_buf_adds(o, ",\"signature\":");
	uint32_t end = ts_node_is_null(type) ? b : ts_node_end_byte(type);
	ctx_walk_text(w, o, w->src + a, end - a, true);
	w->err |= ctx_buf_addf(o, ",\"decorators\":[],\"doc\":null,\"start_line\":%u,\"end_line\":%u,"
				  "\"async\":false,\"conditional\":%s}",
	    ts_node_start_point(stmt).row + 1, last_row(w, stmt) + 1, conditional ? "true" : "false");
	free(qual);
}

/* x = ..., x: T = ..., x: T, a = b = ..., a, b = ... */
static void
assignments(struct walker *w, TSNode stmt, const struct scope *sc, bool conditional)
{
	TSNode as = ts_node_named_child(stmt, 0);

	while (!ts_node_is_null(as) && ctx_walk_role(w, as) == R_ASSIGNMENT) {
		TSNode left = ctx_walk_field(w, as, F_LEFT), type = ctx_walk_field(w, as, F_TYPE);
		if (ctx_walk_role(w, left) == R_IDENT) {
			variable(w, stmt, left, type, sc, conditional);
		} else if (ctx_walk_role(w, left) == R_PATTERNS) {
			for (uint32_t i = 0; i < ts_node_named_child_count(left); i++) {
				TSNode t = ts_node_named_child(left, i);
				if (ctx_walk_role(w, t) == R_IDENT)
					variable(w, stmt, t, (TSNode){ 0 }, sc, conditional);
			}
		}
		as = ctx_walk_field(w, as, F_RIGHT);
	}
}

/* Imports: "import a.b, c as d" gives one entry per module, with no names;
 * "from m import x, y as z" (or *) one entry with the names. */
static void
import(struct walker *w, TSNode stmt, bool from)
{
	struct ctx_buf *o = &w->s->imports;
	unsigned line = ts_node_start_point(stmt).row + 1;
	TSNode mod = ctx_walk_field(w, stmt, F_MODULE_NAME);
	int names = 0;

	if (from) {
		if (w->nimports++)
			w->err |= ctx_buf_add(o, ",", 1);
		w->err |= ctx_buf_adds(o, "{\"module\":");
		if (ts_node_is_null(mod)) /* from __future__ import x */
			w->err |= ctx_buf_adds(o, "\"__future__\"");
		else
			put_node_text(w, o, mod, true);
		w->err |= ctx_buf_adds(o, ",\"names\":[");
	}
	/* A cursor, because ts_node_field_name_for_child misses repeated fields in 0.20. */
	TSTreeCursor cur = ts_tree_cursor_new(stmt);
	for (bool more = ts_tree_cursor_goto_first_child(&cur); more; more = ts_tree_cursor_goto_next_sibling(&cur)) {
		TSNode c = ts_tree_cursor_current_node(&cur);
		bool wildcard = ts_node_is_named(c) && strcmp(ts_node_type(c), "wildcard_import") == 0;
		if (!wildcard && ts_tree_cursor_current_field_id(&cur) != w->l->field_ids[F_NAME])
			continue;
		if (!wildcard && strcmp(ts_node_type(c), "aliased_import") == 0)
			c = ctx_walk_field(w, c, F_NAME);
		if (from) {
			if (names++)
				w->err |= ctx_buf_add(o, ",", 1);
			if (wildcard)
				w->err |= ctx_buf_adds(o, "\"*\"");
			else
				put_node_text(w, o, c, true);
			continue;
		}
		if (w->nimports++)
			w->err |= ctx_buf_add(o, ",", 1);
		w->err |= ctx_buf_adds(o, "{\"module\":");
		put_node_text(w, o, c, true);
		w->err |= ctx_buf_addf(o, ",\"names\":[],\"line\":%u}", line);
	}
	ts_tree_cursor_delete(&cur);
	if (from)
		w->err |= ctx_buf_addf(o, "],\"line\":%u}", line);
}

static void
walk_stmt(struct walker *w, TSNode n, const struct scope *sc, bool conditional)
{
	switch (ctx_walk_role(w, n)) {
	case R_FUNCTION:
	case R_CLASS:
		definition(w, n, (TSNode){ 0 }, sc, conditional);
		break;
	case R_DECORATED: {
		TSNode def = ctx_walk_field(w, n, F_DEFINITION);
		if (!ts_node_is_null(def))
			definition(w, def, n, sc, conditional);
		break;
	}
	case R_CONTAINER:
	case R_CLAUSE:
		/* Definitions in any branch are conditional; the branches' own parts (conditions,
		 * patterns) are not statements and are passed over. */
		for (uint32_t i = 0; i < ts_node_named_child_count(n); i++) {
			TSNode c = ts_node_named_child(n, i);
			enum ctx_role r = ctx_walk_role(w, c);
			if (r == R_BLOCK)
				walk_block(w, c, sc, true);
			else if (r == R_CLAUSE)
				walk_stmt(w, c, sc, true);
		}
		break;
	case R_EXPR_STMT:
		assignments(w, n, sc, conditional);
		break;
	case R_IMPORT:
		import(w, n, false);
		break;
	case R_IMPORT_FROM:
		import(w, n, true);
		break;
	case R_ERROR:
	case R_BLOCK:
		walk_block(w, n, sc, conditional);
		break;
	default:
		break;
	}
}

static void
walk_block(struct walker *w, TSNode block, const struct scope *sc, bool conditional)
{
	uint32_t n = ts_node_named_child_count(block);

	for (uint32_t i = 0; i < n && !w->err; i++)
		walk_stmt(w, ts_node_named_child(block, i), sc, conditional);
}

int
ctx_skeleton_extract(struct ctx_skeleton *s, const struct ctx_lang *l, const char *src, size_t len,
    const char *sha256_hex, struct ctx_buf *out)
{
	struct walker w = { l, src, s, 0, 0, 0, 0, NULL, 0 };
	struct scope top = { NULL, false };
	long lines = 0;
	size_t bom = len >= 3 && memcmp(src, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	for (const char *p = src; (p = memchr(p, '\n', len - (size_t)(p - src))) != NULL; p++)
		lines++;
	if (len > 0 && src[len - 1] != '\n')
		lines++;
	if (!l->language || !ts_parser_set_language(s->parser, l->language()))
		return -EINVAL;
	/* A byte-order mark is not Python: parse after it (rows do not change). */
	w.src = src + bom;
	bool parseable = ctx_ts_parseable(l, w.src, len - bom);
	TSTree *tree = ts_parser_parse_string(s->parser, NULL, w.src, parseable ? (uint32_t)(len - bom) : 0);
	if (!tree)
		return -ENOMEM;
	TSNode root = ts_tree_root_node(tree);
	ctx_buf_truncate(&s->syms, 0);
	ctx_buf_truncate(&s->imports, 0);
	if (l->doc == CTX_DOC_DOCSTRING)
		walk_block(&w, root, &top, false);
	else
		ctx_walk_decls(&w, root);
	w.err |= ctx_buf_addf(out, "{\"v\":%d,\"lang\":\"%s\",\"sha256\":\"%s\",\"bytes\":%zu,\"lines\":%ld,"
				   "\"parse_error\":%s,\"imports\":[",
	    CTX_SKELETON_SCHEMA, l->name, sha256_hex, len, lines,
	    !parseable || ts_node_has_error(root) ? "true" : "false");
	w.err |= ctx_buf_add(out, s->imports.data ? s->imports.data : "", s->imports.len);
	w.err |= ctx_buf_adds(out, "],\"symbols\":[");
	w.err |= ctx_buf_add(out, s->syms.data ? s->syms.data : "", s->syms.len);
	w.err |= ctx_buf_adds(out, "]}");
	ts_tree_delete(tree);
	return w.err ? -ENOMEM : 0;
}

/* ---- paths ---- */

int
ctx_skeleton_module(const struct ctx_lang *l, const char *rel, struct ctx_buf *out)
{
	size_t start = out->len;

	while (rel[0] == '.' && rel[1] == '/') /* "./a.py" */
		rel += 2;
	if (l->module == CTX_MODULE_PATH)
		return ctx_buf_adds(out, rel);
	const char *dot = strrchr(rel, '.'), *slash = strrchr(rel, '/');
	if (l->module == CTX_MODULE_DIR)
		return slash ? ctx_buf_add(out, rel, (size_t)(slash - rel)) : ctx_buf_adds(out, ".");
	size_t n = dot && (!slash || dot > slash) ? (size_t)(dot - rel) : strlen(rel);
	if (ctx_buf_add(out, rel, n) < 0)
		return -ENOMEM;
	for (size_t i = start; i < out->len; i++)
		if (out->data[i] == '/')
			out->data[i] = '.';
	if (out->len - start >= 9 && strcmp(out->data + out->len - 9, ".__init__") == 0)
		ctx_buf_truncate(out, out->len - 9);
	return 0;
}

/* ---- the output record ---- */

static int
put_string_member(struct ctx_buf *out, const char *key, const char *s)
{
	return ctx_buf_addf(out, ",\"%s\":", key) | ctx_utf8_write_json(out, s, strlen(s));
}

/* ---- the record from an entry in the shape ctx_skeleton_extract writes, without a parse ---- */

struct cursor {
	const char *p, *end;
};

static bool
lit(struct cursor *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* Past a JSON string (c->p at its opening quote). */
static bool
skip_string(struct cursor *c)
{
	if (c->p >= c->end || *c->p != '"')
		return false;
	for (c->p++; c->p < c->end; c->p++) {
		if (*c->p == '\\' && c->p + 1 < c->end)
			c->p++;
		else if (*c->p == '"')
			return ++c->p, true;
	}
	return false;
}

/* Past a JSON value of ours: a string, or anything up to the end of its array or object
 * (strings inside skipped whole), or a bare word or number. */
static bool
skip_value(struct cursor *c)
{
	int depth = 0;

	if (c->p < c->end && *c->p == '"')
		return skip_string(c);
	while (c->p < c->end) {
		char ch = *c->p;
		if (ch == '"') {
			if (!skip_string(c))
				return false;
			continue;
		}
		if (ch == '[' || ch == '{')
			depth++;
		else if (ch == ']' || ch == '}') {
			if (depth == 0)
				return true;
			if (--depth == 0)
				return ++c->p, true;
		} else if (ch == ',' && depth == 0)
			return true;
		c->p++;
	}
	return false;
}

static bool
digits(struct cursor *c, const char **start, size_t *len)
{
	*start = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	*len = (size_t)(c->p - *start);
	return *len > 0 && *len < 20;
}

/* The record of an entry as ctx_skeleton_extract writes it, spliced rather than parsed:
 * -EINVAL when the entry is not exactly in that shape (the caller parses it then). */
static int
record_fast(const char *entry, size_t entry_len, const char *want_sha, const char *file, const char *module,
    const char *cache, struct ctx_buf *out, long *nsymbols, bool *parse_error, long *skeleton_bytes)
{
	struct cursor c = { entry, entry + entry_len };
	const char *lang, *sha, *bytes, *lines, *imports;
	size_t lang_len, bytes_len, lines_len;
	size_t start = out->len;
	bool perr;
	int err = 0;
	long n = 0;
	char head[64];

	snprintf(head, sizeof head, "{\"v\":%d,\"lang\":\"", CTX_SKELETON_SCHEMA);
	if (!lit(&c, head))
		return -EINVAL;
	for (lang = c.p; c.p < c.end && *c.p >= 'a' && *c.p <= 'z'; c.p++)
		;
	lang_len = (size_t)(c.p - lang);
	if (lang_len == 0 || lang_len > 32 || !lit(&c, "\",\"sha256\":\"") || c.end - c.p < 64)
		return -EINVAL;
	sha = c.p;
	c.p += 64;
	if ((want_sha && memcmp(sha, want_sha, 64) != 0) || !lit(&c, "\",\"bytes\":") ||
	    !digits(&c, &bytes, &bytes_len) ||
	    !lit(&c, ",\"lines\":") || !digits(&c, &lines, &lines_len) || !lit(&c, ",\"parse_error\":"))
		return -EINVAL;
	if (lit(&c, "true"))
		perr = true;
	else if (lit(&c, "false"))
		perr = false;
	else
		return -EINVAL;
	if (!lit(&c, ",\"imports\":") || (imports = c.p, c.p >= c.end || *c.p != '[') || !skip_value(&c))
		return -EINVAL;
	size_t imports_len = (size_t)(c.p - imports);
	if (!lit(&c, ",\"symbols\":["))
		return -EINVAL;

	err |= ctx_buf_adds(out, "{\"file\":") | ctx_utf8_write_json(out, file, strlen(file));
	err |= ctx_buf_adds(out, ",\"module\":") | ctx_utf8_write_json(out, module, strlen(module));
	err |= ctx_buf_adds(out, ",\"lang\":\"") | ctx_buf_add(out, lang, lang_len);
	err |= ctx_buf_adds(out, "\",\"sha256\":\"") | ctx_buf_add(out, sha, 64);
	err |= ctx_buf_adds(out, "\",\"bytes\":") | ctx_buf_add(out, bytes, bytes_len);
	err |= ctx_buf_adds(out, ",\"lines\":") | ctx_buf_add(out, lines, lines_len);
	err |= ctx_buf_adds(out, perr ? ",\"parse_error\":true" : ",\"parse_error\":false");
	err |= ctx_buf_adds(out, ",\"cache\":") | ctx_utf8_write_json(out, cache, strlen(cache));
	err |= ctx_buf_adds(out, ",\"imports\":") | ctx_buf_add(out, imports, imports_len);
	err |= ctx_buf_adds(out, ",\"symbols\":");
	size_t sym_start = out->len;
	/* The URI's escaped prefix: "sym://LANG/type/MODULE#, then each symbol's escaped qualname. */
	struct ctx_buf prefix = { 0 };
	err |= ctx_buf_adds(&prefix, "sym://") | ctx_buf_add(&prefix, lang, lang_len) | ctx_buf_adds(&prefix, "/type/");
	err |= ctx_buf_adds(&prefix, module) | ctx_buf_add(&prefix, "#", 1);
	struct ctx_buf uri = { 0 };
	err |= prefix.data ? ctx_utf8_write_json(&uri, prefix.data, prefix.len) : -ENOMEM;
	if (uri.len)
		uri.len--; /* without its closing quote: the qualname follows */
	err |= ctx_buf_add(out, "[", 1);
	bool ok = true;
	while (ok && err == 0 && c.p < c.end && *c.p == '{') {
		const char *obj = c.p++, *q, *q_end, *after_parent;
		ok = lit(&c, "\"kind\":") && skip_string(&c) && lit(&c, ",\"name\":") && skip_string(&c) &&
		    lit(&c, ",\"qualname\":") && (q = c.p, skip_string(&c)) && (q_end = c.p, lit(&c, ",\"parent\":")) &&
		    skip_value(&c);
		after_parent = c.p;
		while (ok && c.p < c.end && *c.p == ',') { /* the other members, as they are */
			c.p++;
			ok = skip_string(&c) && lit(&c, ":") && skip_value(&c);
		}
		if (!ok || !lit(&c, "}"))
			break;
		err |= ctx_buf_adds(out, n++ ? "," : "") | ctx_buf_add(out, obj, (size_t)(after_parent - obj));
		err |= ctx_buf_adds(out, ",\"uri\":") | ctx_buf_add(out, uri.data, uri.len);
		err |= ctx_buf_add(out, q + 1, (size_t)(q_end - q - 1));
		err |= ctx_buf_add(out, after_parent, (size_t)(c.p - after_parent));
		if (c.p < c.end && *c.p == ',' && c.p + 1 < c.end && c.p[1] == '{')
			c.p++;
	}
	ctx_buf_release(&prefix);
	ctx_buf_release(&uri);
	if (!ok || !lit(&c, "]}") || c.p != c.end || err) {
		ctx_buf_truncate(out, start);
		return err && ok ? -ENOMEM : -EINVAL;
	}
	err |= ctx_buf_add(out, "]", 1);
	long sk = (long)(out->len - sym_start);
	double size = strtod(bytes, NULL);
	char ratio[40];
	ctx_json_format_fixed(size > 0 ? (double)sk / size : 0, 4, ratio, sizeof ratio);
	err |= ctx_buf_addf(out, ",\"skeleton_bytes\":%ld,\"reduction_ratio\":%s}\n", sk, ratio);
	if (err) {
		ctx_buf_truncate(out, start);
		return -ENOMEM;
	}
	*nsymbols = n;
	*parse_error = perr;
	*skeleton_bytes = sk;
	return 0;
}

int
ctx_skeleton_record(const char *entry, size_t entry_len, const char *want_sha, const char *file,
    const char *module, const char *cache, struct ctx_buf *out, long *nsymbols, bool *parse_error,
    long *skeleton_bytes)
{
	if (record_fast(entry, entry_len, want_sha, file, module, cache, out, nsymbols, parse_error,
		skeleton_bytes) == 0)
		return 0;
	struct ctx_arena a = { 0 };
	size_t bad, start = out->len;
	struct ctx_json *e = ctx_json_parse(&a, entry, entry_len, &bad);
	struct ctx_json *v = ctx_json_get(e, "v"), *lang = ctx_json_get(e, "lang"), *sha = ctx_json_get(e, "sha256");
	struct ctx_json *bytes = ctx_json_get(e, "bytes"), *lines = ctx_json_get(e, "lines");
	struct ctx_json *perr = ctx_json_get(e, "parse_error"), *imports = ctx_json_get(e, "imports");
	struct ctx_json *syms = ctx_json_get(e, "symbols");
	int err = 0;

	if (!v || v->type != CTX_JSON_NUMBER || ctx_json_clamp_long(strtod(v->str, NULL)) != CTX_SKELETON_SCHEMA ||
	    !lang || lang->type != CTX_JSON_STRING || !sha || sha->type != CTX_JSON_STRING || sha->len != 64 ||
	    !bytes || bytes->type != CTX_JSON_NUMBER || !lines || lines->type != CTX_JSON_NUMBER || !perr ||
	    (perr->type != CTX_JSON_TRUE && perr->type != CTX_JSON_FALSE) || !imports ||
	    imports->type != CTX_JSON_ARRAY || !syms || syms->type != CTX_JSON_ARRAY ||
	    (want_sha && strcmp(sha->str, want_sha) != 0)) {
		ctx_arena_release(&a);
		return -EINVAL;
	}
	/* A file name need not be UTF-8: its bad bytes become U+FFFD, so the record stays JSON. */
	err |= ctx_buf_adds(out, "{\"file\":") | ctx_utf8_write_json(out, file, strlen(file));
	err |= put_string_member(out, "module", module) | put_string_member(out, "lang", lang->str);
	err |= put_string_member(out, "sha256", sha->str);
	err |= ctx_buf_addf(out, ",\"bytes\":%s,\"lines\":%s,\"parse_error\":%s", bytes->str, lines->str,
	    perr->type == CTX_JSON_TRUE ? "true" : "false");
	err |= put_string_member(out, "cache", cache);
	err |= ctx_buf_adds(out, ",\"imports\":") | ctx_json_write(out, imports);
	err |= ctx_buf_adds(out, ",\"symbols\":");
	size_t sym_start = out->len;
	long n = 0;
	bool damaged = false;
	err |= ctx_buf_add(out, "[", 1);
	for (const struct ctx_json *s = syms->child; s; s = s->next, n++) {
		if (s->type != CTX_JSON_OBJECT) {
			damaged = true;
			break;
		}
		err |= ctx_buf_adds(out, n ? ",{" : "{");
		bool first = true;
		for (const struct ctx_json *m = s->child; m; m = m->next) {
			err |= ctx_buf_adds(out, first ? "" : ",") | ctx_json_write_string(out, m->key, m->key_len);
			err |= ctx_buf_add(out, ":", 1) | ctx_json_write(out, m);
			first = false;
			if (strcmp(m->key, "parent") != 0)
				continue;
			/* The URI names the symbol by module and qualname: it is written here, not cached. */
			const struct ctx_json *q = ctx_json_get(s, "qualname");
			err |= ctx_buf_addf(out, ",\"uri\":");
			struct ctx_buf uri = { 0 };
			err |= ctx_buf_addf(&uri, "sym://%s/type/%s#%s", lang->str, module, q ? q->str : "");
			err |= ctx_utf8_write_json(out, uri.data, uri.len);
			ctx_buf_release(&uri);
		}
		err |= ctx_buf_add(out, "}", 1);
	}
	err |= ctx_buf_add(out, "]", 1);
	long sk = (long)(out->len - sym_start);
	double size = strtod(bytes->str, NULL);
	char ratio[40];
	ctx_json_format_fixed(size > 0 ? (double)sk / size : 0, 4, ratio, sizeof ratio);
	err |= ctx_buf_addf(out, ",\"skeleton_bytes\":%ld,\"reduction_ratio\":%s}\n", sk, ratio);
	bool had_errors = perr->type == CTX_JSON_TRUE; /* read before the tree is freed */
	ctx_arena_release(&a);
	if (err || damaged) {
		ctx_buf_truncate(out, start);
		return damaged ? -EINVAL : -ENOMEM;
	}
	*nsymbols = n;
	*parse_error = had_errors;
	*skeleton_bytes = sk;
	return 0;
}
