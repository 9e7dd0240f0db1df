/* declwalk: the skeleton of a C, Go, JavaScript or TypeScript file, read off the tree by
 * the roles of lang.c's table (SPEC.md §6, README "Languages"). A definition's lines run
 * from its first token (specifiers and `export` included, decorators not) to its last;
 * its signature is its source text up to its body; its doc the first line of the comment
 * block directly above it (JS and TS: a slash-star-star comment only). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skelwalk.h"
#include "utf8.h"

#define MAX_DEPTH 256

/* Where the walk is. */
struct at {
	const char *qualname; /* of the enclosing type or namespace; NULL at the top */
	enum ctx_kind kind;   /* its kind; SK_NONE at the top */
	bool conditional;     /* under #if/#ifdef */
	bool exported;        /* under `export` */
	bool ambient;         /* under `declare` */
};

/* A symbol about to be written. */
struct sym {
	enum ctx_kind kind;
	const char *name;
	size_t name_len;
	const char *parent; /* when not the enclosing scope's qualname (a Go method's receiver) */
	TSNode node;        /* its lines */
	struct ctx_buf sig; /* its signature, not yet collapsed */
	bool async, decl, exported;
};

static void walk(struct walker *w, TSNode n, const struct at *at);

static bool
is(TSNode n, const char *type)
{
	return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

static void
walk_children(struct walker *w, TSNode n, const struct at *at)
{
	uint32_t count = ts_node_named_child_count(n), k = 0;
	TSNode *kids;

	if (w->depth >= MAX_DEPTH || w->nframes > MAX_DEPTH || count == 0)
		return;
	if (!(kids = calloc(count, sizeof *kids))) {
		w->err = -ENOMEM;
		return;
	}
	TSTreeCursor cur = ts_tree_cursor_new(n);
	for (bool more = ts_tree_cursor_goto_first_child(&cur); more && k < count;
	     more = ts_tree_cursor_goto_next_sibling(&cur)) {
		TSNode c = ts_tree_cursor_current_node(&cur);
		if (ts_node_is_named(c))
			kids[k++] = c;
	}
	ts_tree_cursor_delete(&cur);
	struct ctx_frame *f = &w->frames[w->nframes++];
	*f = (struct ctx_frame){ n, kids, k, 0 };
	w->depth++;
	for (f->i = 0; f->i < f->n && !w->err; f->i++)
		walk(w, kids[f->i], at);
	w->depth--;
	w->nframes--;
	free(kids);
}

/* n's source text (none for a null node). */
static const char *
text(const struct walker *w, TSNode n, size_t *len)
{
	if (ts_node_is_null(n)) {
		*len = 0;
		return w->src;
	}
	*len = ts_node_end_byte(n) - ts_node_start_byte(n);
	return w->src + ts_node_start_byte(n);
}

static void
sig_add(struct walker *w, struct sym *y, uint32_t from, uint32_t to)
{
	if (to > from)
		w->err |= ctx_buf_add(&y->sig, w->src + from, to - from);
}

static void
sig_node(struct walker *w, struct sym *y, TSNode n)
{
	if (y->sig.len)
		w->err |= ctx_buf_add(&y->sig, " ", 1);
	sig_add(w, y, ts_node_start_byte(n), ts_node_end_byte(n));
}

/* Where a definition's text begins: its first child that is not a decorator. */
static TSNode
first_token(TSNode n)
{
	for (uint32_t i = 0; i < ts_node_child_count(n); i++) {
		TSNode c = ts_node_child(n, i);
		if (!is(c, "decorator") && !is(c, "comment"))
			return c;
	}
	return n;
}

/* Where n's body opens: a "{" among its children or as the first token of one. */
static uint32_t
open_brace(TSNode n)
{
	for (uint32_t i = 0; i < ts_node_child_count(n); i++) {
		TSNode c = ts_node_child(n, i);
		if (is(c, "{") || (ts_node_is_named(c) && is(ts_node_child(c, 0), "{")))
			return ts_node_start_byte(c);
	}
	return ts_node_end_byte(n);
}

/* The signature from n's first token to `end` (its body), without a final ';' or '='. */
static void
sig_upto(struct walker *w, struct sym *y, TSNode n, uint32_t end)
{
	uint32_t from = ts_node_start_byte(first_token(n));

	while (end > from && strchr(" \t\r\n;={", w->src[end - 1]))
		end--;
	sig_add(w, y, from, end);
}

static bool
has_token(TSNode n, const char *token, TSNode before)
{
	for (uint32_t i = 0; i < ts_node_child_count(n); i++) {
		TSNode c = ts_node_child(n, i);
		if (!ts_node_is_null(before) && ts_node_start_byte(c) >= ts_node_start_byte(before))
			break;
		if (!ts_node_is_named(c) && is(c, token))
			return true;
	}
	return false;
}

/* C: is there a storage class `word` among n's specifiers? */
static bool
storage(const struct walker *w, TSNode n, const char *word)
{
	for (uint32_t i = 0; i < ts_node_named_child_count(n); i++) {
		TSNode c = ts_node_named_child(n, i);
		size_t len;
		const char *t = text(w, c, &len);
		if (is(c, "storage_class_specifier") && len == strlen(word) && memcmp(t, word, len) == 0)
			return true;
	}
	return false;
}

/* ---- doc comments ---- */

/* The first non-empty line of a comment, without its markers, or NULL. */
static const char *
comment_line(const char *s, size_t n, size_t *len)
{
	const char *end = s + n;

	if (n >= 2 && s[0] == '/' && s[1] == '*') {
		s += 2;
		if (end - s >= 2 && end[-1] == '/' && end[-2] == '*')
			end -= 2;
	}
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *stop = nl ? nl : end;
		while (s < stop && strchr(" \t\r\f\v/*!", *s))
			s++;
		while (stop > s && strchr(" \t\r\f\v", stop[-1]))
			stop--;
		if (stop > s) {
			*len = ctx_utf8_cut_chars(s, (size_t)(stop - s), CTX_DOC_CHARS);
			return s;
		}
		s = nl ? nl + 1 : end;
	}
	return NULL;
}

/* Is nothing but blanks before byte b on its line? */
static bool
first_on_line(const struct walker *w, uint32_t b)
{
	while (b > 0 && (w->src[b - 1] == ' ' || w->src[b - 1] == '\t'))
		b--;
	return b == 0 || w->src[b - 1] == '\n' || w->src[b - 1] == '\r';
}

/* The comment block directly above the anchor, the i-th child of frame f (no blank line
 * between, each comment the first thing on its line), written as its first line; null
 * when there is none (or no frame: f NULL). */
static void
put_doc(struct walker *w, const struct ctx_frame *f)
{
	struct ctx_buf *o = &w->s->syms;
	uint32_t row, first, j;
	size_t len;

	if (!f) {
		w->err |= ctx_buf_adds(o, "null");
		return;
	}
	row = ts_node_start_point(f->kids[f->i]).row;
	for (first = j = f->i; j > 0 && ctx_walk_role(w, f->kids[j - 1]) == R_COMMENT; j--) {
		TSNode c = f->kids[j - 1];
		if (ts_node_end_point(c).row + 1 < row || !first_on_line(w, ts_node_start_byte(c)))
			break;
		const char *t = text(w, c, &len);
		if (w->l->doc == CTX_DOC_JSDOC) {
			if (len >= 3 && memcmp(t, "/**", 3) == 0)
				first = j - 1;
			break;
		}
		first = j - 1;
		row = ts_node_start_point(c).row;
	}
	for (j = first; j < f->i; j++) {
		const char *t = text(w, f->kids[j], &len), *line = comment_line(t, len, &len);
		if (line) {
			ctx_walk_text(w, o, line, len, false);
			return;
		}
	}
	w->err |= ctx_buf_adds(o, "null");
}

/* Where a definition's doc comment is: the outermost node that begins with it (through
 * export, declare, a Go declaration around its one spec), as the frame that walks it;
 * NULL when n is not where a walk of children is (nothing precedes it then). */
static const struct ctx_frame *
doc_anchor(const struct walker *w, TSNode n)
{
	int k = w->nframes - 1;

	if (k < 0)
		return NULL;
	TSNode a = w->frames[k].kids[w->frames[k].i];
	enum ctx_role ra = ctx_walk_role(w, a);
	if (!ts_node_eq(a, n) && ra != D_EXPORT && ra != D_AMBIENT && ra != D_STATEMENT &&
	    ts_node_start_point(a).row != ts_node_start_point(n).row)
		return NULL;
	for (; k > 0; k--) {
		TSNode p = w->frames[k].parent;
		enum ctx_role r = ctx_walk_role(w, p);
		bool same_row = ts_node_start_point(p).row == ts_node_start_point(a).row;
		if (!(r == D_EXPORT || r == D_AMBIENT || r == D_STATEMENT || (r == D_TRANSPARENT && same_row)))
			break;
		a = p;
	}
	return &w->frames[k];
}

/* ---- symbols ---- */

/* The decorators of n: its own, its export statement's, and (a class member's) those
 * just before it in the class body. */
static void
put_decorators(struct walker *w, TSNode n, const struct ctx_frame *f)
{
	struct ctx_buf *o = &w->s->syms;
	TSNode anchor = f ? f->kids[f->i] : n;
	int nd = 0;
	uint32_t first = f ? f->i : 0;

	while (f && ts_node_eq(anchor, n) && first > 0 && is(f->kids[first - 1], "decorator"))
		first--;
	for (uint32_t j = first; f && j < f->i; j++) {
		size_t len;
		const char *t = text(w, f->kids[j], &len);
		if (nd++)
			w->err |= ctx_buf_add(o, ",", 1);
		ctx_walk_text(w, o, t, len, true);
	}
	for (int pass = 0; pass < 2; pass++) {
		TSNode from = pass == 0 ? anchor : n;
		if (pass == 0 && ts_node_eq(anchor, n))
			continue;
		for (uint32_t j = 0; j < ts_node_named_child_count(from); j++) {
			TSNode c = ts_node_named_child(from, j);
			if (!is(c, "decorator"))
				continue;
			if (nd++)
				w->err |= ctx_buf_add(o, ",", 1);
			size_t len;
			const char *t = text(w, c, &len);
			ctx_walk_text(w, o, t, len, true);
		}
	}
}

/* Write y; returns its qualname (the caller frees it), or NULL on out of memory. */
static char *
emit(struct walker *w, const struct at *at, struct sym *y)
{
	struct ctx_buf *o = &w->s->syms;
	const char *parent = y->parent ? y->parent : at->qualname;
	size_t plen = parent ? strlen(parent) + 1 : 0, qlen = plen + y->name_len;
	char *qual = malloc(qlen + 1);
	enum ctx_kind kind = y->kind;

	if (!qual) {
		w->err = -ENOMEM;
		ctx_buf_release(&y->sig);
		return NULL;
	}
	if (parent) {
		memcpy(qual, parent, plen - 1);
		qual[plen - 1] = '.';
	}
	memcpy(qual + plen, y->name, y->name_len);
	qual[qlen] = '\0';
	if (kind == SK_FUNCTION && (at->kind == SK_CLASS || at->kind == SK_INTERFACE))
		kind = SK_METHOD;
	const struct ctx_frame *anchor = doc_anchor(w, y->node);
	ctx_walk_symbol_head(w, ctx_kind_names[kind], y->name, y->name_len, qual, qlen, parent);
	w->err |= ctx_buf_adds(o, ",\"signature\":");
	ctx_walk_text(w, o, y->sig.data ? y->sig.data : "", y->sig.len, true);
	w->err |= ctx_buf_adds(o, ",\"decorators\":[");
	put_decorators(w, y->node, anchor);
	w->err |= ctx_buf_adds(o, "],\"doc\":");
	put_doc(w, anchor);
	w->err |= ctx_buf_adds(o, ",\"start_line\":");
	w->err |= ctx_buf_addu(o, ts_node_start_point(first_token(y->node)).row + 1);
	w->err |= ctx_buf_adds(o, ",\"end_line\":") | ctx_buf_addu(o, ctx_walk_end_row(y->node) + 1);
	w->err |= ctx_buf_adds(o, y->async ? ",\"async\":true" : ",\"async\":false");
	w->err |= ctx_buf_adds(o, at->conditional ? ",\"conditional\":true" : ",\"conditional\":false");
	w->err |= ctx_buf_adds(o, y->exported ? ",\"exported\":true" : ",\"exported\":false");
	w->err |= ctx_buf_adds(o, y->decl || at->ambient ? ",\"decl\":true}" : ",\"decl\":false}");
	ctx_buf_release(&y->sig);
	return qual;
}

static void
emit_leaf(struct walker *w, const struct at *at, struct sym *y)
{
	free(emit(w, at, y));
}

/* Is the name exported, by the language's rule? */
static bool
exported(const struct walker *w, const struct at *at, TSNode def, const char *name)
{
	switch (w->l->exports) {
	case CTX_EXPORT_CAPITAL:
		return name[0] >= 'A' && name[0] <= 'Z';
	case CTX_EXPORT_LINKAGE:
		return !storage(w, def, "static");
	default:
		return at->exported;
	}
}

static void
name_of(struct walker *w, struct sym *y, TSNode name)
{
	y->name = text(w, name, &y->name_len);
	if (y->name_len >= 2 && strchr("\"'`", y->name[0])) { /* a string: declare module "x", "m"() */
		y->name++;
		y->name_len -= 2;
	}
}

static TSNode
c_declared(const struct walker *w, TSNode d, bool *function)
{
	return ctx_lang_c_declared(w->l, d, function);
}

static bool
function_value(TSNode v)
{
	return is(v, "arrow_function") || is(v, "function_expression") || is(v, "function") ||
	    is(v, "generator_function");
}

static void scope_of(struct walker *w, TSNode n, TSNode body, enum ctx_kind kind, const struct at *at,
    const char *name, size_t name_len);

static void
scope(struct walker *w, TSNode n, const struct at *at, const char *name, size_t name_len)
{
	scope_of(w, n, (TSNode){ 0 }, ctx_lang_node(w->l, n)->kind, at, name, name_len);
}

static void
function(struct walker *w, TSNode n, const struct at *at)
{
	struct sym y = { .kind = ctx_lang_node(w->l, n)->kind, .node = n };
	TSNode name = ctx_walk_field(w, n, F_NAME), body = ctx_walk_field(w, n, F_BODY);
	TSNode recv = ctx_walk_field(w, n, F_RECEIVER);
	bool fn = true;
	char parent[256];

	if (ts_node_is_null(name))
		name = c_declared(w, ctx_walk_field(w, n, F_DECLARATOR), &fn);
	if (ts_node_is_null(name))
		return;
	name_of(w, &y, name);
	if (!ts_node_is_null(recv)) { /* Go: func (s *Server) Serve → Server.Serve */
		TSNode t = ctx_walk_field(w, ts_node_named_child(recv, 0), F_TYPE);
		for (int i = 0; i < 8 && !ts_node_is_null(t) && !is(t, "type_identifier"); i++)
			t = is(t, "generic_type") ? ctx_walk_field(w, t, F_TYPE) : ts_node_named_child(t, 0);
		if (ts_node_is_null(t))
			return;
		size_t len;
		const char *s = text(w, t, &len);
		snprintf(parent, sizeof parent, "%.*s", (int)len, s);
		y.parent = parent;
	}
	sig_upto(w, &y, n, ts_node_is_null(body) ? ts_node_end_byte(n) : ts_node_start_byte(body));
	y.decl = ts_node_is_null(body);
	y.async = has_token(n, "async", name);
	y.exported = exported(w, at, n, y.name);
	emit_leaf(w, at, &y);
}

/* A class, interface, enum, namespace, struct or union of kind `kind` and its members
 * (in body; a null body: n's own). name: when n has none of its own. */
static void
scope_of(struct walker *w, TSNode n, TSNode body, enum ctx_kind kind, const struct at *at, const char *name,
    size_t name_len)
{
	struct sym y = { .kind = kind, .node = n, .name = name, .name_len = name_len };
	TSNode nm = ctx_walk_field(w, n, F_NAME);

	if (ts_node_is_null(body))
		body = ctx_walk_field(w, n, F_BODY);

	if (!ts_node_is_null(nm))
		name_of(w, &y, nm);
	if (!y.name || ts_node_is_null(body)) /* C: an anonymous struct, or one named and not defined */
		return;
	sig_upto(w, &y, n, ts_node_start_byte(body));
	y.exported = exported(w, at, n, y.name);
	y.decl = false;
	struct at inner = { NULL, y.kind, at->conditional, y.kind != SK_NAMESPACE && y.exported, at->ambient };
	if (!(inner.qualname = emit(w, at, &y)))
		return;
	if (w->depth < MAX_DEPTH) {
		w->depth++;
		walk_children(w, body, &inner);
		w->depth--;
	}
	free((char *)inner.qualname);
}

/* A method or field of a class or interface. */
static void
member(struct walker *w, TSNode n, const struct at *at)
{
	struct sym y = { .kind = ctx_lang_node(w->l, n)->kind, .node = n };
	TSNode name = ctx_walk_field(w, n, F_NAME), body = ctx_walk_field(w, n, F_BODY);

	if (ts_node_is_null(name))
		name = ctx_walk_field(w, n, F_PROPERTY); /* JS's field_definition */
	if (ts_node_is_null(name))
		return;
	name_of(w, &y, name);
	if (y.kind == SK_VARIABLE) {
		TSNode type = ctx_walk_field(w, n, F_TYPE);
		sig_add(w, &y, ts_node_start_byte(name), ts_node_end_byte(ts_node_is_null(type) ? name : type));
	} else {
		sig_upto(w, &y, n, ts_node_is_null(body) ? ts_node_end_byte(n) : ts_node_start_byte(body));
		y.decl = ts_node_is_null(body);
		y.async = has_token(n, "async", name);
	}
	y.exported = at->exported;
	emit_leaf(w, at, &y);
}

static void add_import(struct walker *w, TSNode module, TSNode stmt, const char *names, const char *alias,
    size_t alias_len);

/* JS: const f = () => …, const C = class {…}, let x; require("m"). */
static void
js_declarator(struct walker *w, TSNode decl, TSNode d, const struct at *at)
{
	struct sym y = { .kind = SK_VARIABLE, .node = decl };
	TSNode name = ctx_walk_field(w, d, F_NAME), value = ctx_walk_field(w, d, F_VALUE);

	if (!is(name, "identifier"))
		return; /* a destructuring pattern */
	name_of(w, &y, name);
	if (ctx_walk_role(w, value) == D_SCOPE) {
		scope(w, value, at, y.name, y.name_len);
		return;
	}
	if (is(value, "call_expression")) {
		TSNode f = ctx_walk_field(w, value, F_FUNCTION), args = ctx_walk_field(w, value, F_ARGUMENTS);
		size_t len;
		const char *t = is(f, "identifier") ? text(w, f, &len) : NULL;
		if (t && len == 7 && memcmp(t, "require", 7) == 0 && is(args, "arguments") &&
		    is(ts_node_named_child(args, 0), "string"))
			add_import(w, ts_node_named_child(args, 0), decl, "", NULL, 0);
	}
	if (function_value(value)) {
		TSNode body = ctx_walk_field(w, value, F_BODY);
		y.kind = SK_FUNCTION;
		y.async = has_token(value, "async", body);
		sig_add(w, &y, ts_node_start_byte(name),
		    ts_node_is_null(body) ? ts_node_end_byte(value) : ts_node_start_byte(body));
		while (y.sig.len && strchr(" \t\r\n", y.sig.data[y.sig.len - 1]))
			y.sig.len--;
	} else {
		TSNode type = ctx_walk_field(w, d, F_TYPE);
		sig_add(w, &y, ts_node_start_byte(name), ts_node_end_byte(ts_node_is_null(type) ? name : type));
	}
	y.exported = at->exported;
	emit_leaf(w, at, &y);
}

/* C's declarations (variables and prototypes, and the struct a declaration defines) and
 * JS's const/let/var. */
static void
declaration(struct walker *w, TSNode n, const struct at *at)
{
	TSNode type = ctx_walk_field(w, n, F_TYPE);
	TSFieldId decl_id = w->l->field_ids[F_DECLARATOR];

	if (ctx_walk_role(w, type) == D_SCOPE)
		scope(w, type, at, NULL, 0);
	if (at->kind == SK_STRUCT || at->kind == SK_UNION)
		return; /* C: a struct's fields are not symbols */
	TSTreeCursor cur = ts_tree_cursor_new(n);
	for (bool more = ts_tree_cursor_goto_first_child(&cur); more && !w->err;
	     more = ts_tree_cursor_goto_next_sibling(&cur)) {
		TSNode d = ts_tree_cursor_current_node(&cur);
		if (is(d, "variable_declarator")) {
			js_declarator(w, n, d, at);
			continue;
		}
		if (!decl_id || ts_tree_cursor_current_field_id(&cur) != decl_id)
			continue;
		bool fn = false;
		TSNode name = c_declared(w, d, &fn);
		if (ts_node_is_null(name))
			continue;
		struct sym y = { .kind = fn ? SK_FUNCTION : SK_VARIABLE, .node = n };
		name_of(w, &y, name);
		sig_add(w, &y, ts_node_start_byte(first_token(n)), ts_node_is_null(type) ? 0 : ts_node_end_byte(type));
		sig_node(w, &y, is(d, "init_declarator") ? ctx_walk_field(w, d, F_DECLARATOR) : d);
		y.decl = fn || (storage(w, n, "extern") && !is(d, "init_declarator"));
		y.exported = exported(w, at, n, y.name);
		emit_leaf(w, at, &y);
	}
	ts_tree_cursor_delete(&cur);
}

/* C's typedef (and the struct it defines), TypeScript's type alias. */
static void
type_alias(struct walker *w, TSNode n, const struct at *at)
{
	TSNode type = ctx_walk_field(w, n, F_TYPE), name = ctx_walk_field(w, n, F_NAME);
	struct sym y = { .kind = ctx_lang_node(w->l, n)->kind, .node = n };

	if (!ts_node_is_null(name)) { /* TypeScript: type A<T> = … */
		name_of(w, &y, name);
		sig_upto(w, &y, n, ts_node_start_byte(ctx_walk_field(w, n, F_VALUE)));
		y.exported = at->exported;
		emit_leaf(w, at, &y);
		return;
	}
	if (ctx_walk_role(w, type) == D_SCOPE)
		scope(w, type, at, NULL, 0);
	TSFieldId decl_id = w->l->field_ids[F_DECLARATOR];
	TSTreeCursor cur = ts_tree_cursor_new(n);
	for (bool more = ts_tree_cursor_goto_first_child(&cur); more && !w->err;
	     more = ts_tree_cursor_goto_next_sibling(&cur)) {
		bool fn;
		TSNode d = ts_tree_cursor_current_node(&cur);
		if (ts_tree_cursor_current_field_id(&cur) != decl_id || ts_node_is_null(name = c_declared(w, d, &fn)))
			continue;
		struct sym t = { .kind = SK_TYPEDEF, .node = n };
		TSNode body = ctx_walk_field(w, type, F_BODY);
		name_of(w, &t, name);
		sig_add(w, &t, ts_node_start_byte(n), !ts_node_is_null(body) ? ts_node_start_byte(body)
			: ts_node_is_null(type)			     ? 0
								     : ts_node_end_byte(type));
		if (!ts_node_is_null(body))
			w->err |= ctx_buf_adds(&t.sig, " {…}");
		sig_node(w, &t, d);
		t.exported = true;
		emit_leaf(w, at, &t);
	}
	ts_tree_cursor_delete(&cur);
}

/* Go: const, var and type specs, grouped or not. */
static void
spec(struct walker *w, TSNode n, const struct at *at)
{
	TSNode type = ctx_walk_field(w, n, F_TYPE), decl = { 0 };
	enum ctx_kind kind = ctx_lang_node(w->l, n)->kind;

	/* The declaration around the spec (and around its var_spec_list): its keyword. */
	for (int k = w->nframes - 1; k >= 0 && (ts_node_is_null(decl) || is(decl, "var_spec_list")); k--)
		decl = w->frames[k].parent;
	if (ts_node_is_null(decl))
		return;
	size_t kwlen;
	const char *kw = text(w, ts_node_child(decl, 0), &kwlen); /* const, var or type */
	TSTreeCursor cur = ts_tree_cursor_new(n);
	for (bool more = ts_tree_cursor_goto_first_child(&cur); more && !w->err;
	     more = ts_tree_cursor_goto_next_sibling(&cur)) {
		TSNode name = ts_tree_cursor_current_node(&cur);
		if (ts_tree_cursor_current_field_id(&cur) != w->l->field_ids[F_NAME] || !ts_node_is_named(name))
			continue;
		struct sym y = { .kind = kind, .node = n };
		name_of(w, &y, name);
		w->err |= ctx_buf_add(&y.sig, kw, kwlen) | ctx_buf_add(&y.sig, " ", 1);
		if (kind == SK_TYPE) {
			y.kind = is(n, "type_alias")	      ? SK_TYPE /* type A = struct{…}: an alias */
			    : is(type, "struct_type")    ? SK_STRUCT
			    : is(type, "interface_type") ? SK_INTERFACE
							 : SK_TYPE;
			sig_add(w, &y, ts_node_start_byte(n),
			    is(n, "type_alias") || ts_node_is_null(type) ? ts_node_end_byte(n) : open_brace(type));
		} else {
			sig_add(w, &y, ts_node_start_byte(name), ts_node_end_byte(name));
			if (!ts_node_is_null(type))
				sig_node(w, &y, type);
		}
		while (y.sig.len && strchr(" \t\r\n", y.sig.data[y.sig.len - 1]))
			y.sig.len--;
		y.exported = exported(w, at, n, y.name);
		emit_leaf(w, at, &y);
	}
	ts_tree_cursor_delete(&cur);
}

static void
macro(struct walker *w, TSNode n, const struct at *at)
{
	TSNode name = ctx_walk_field(w, n, F_NAME), params = ctx_walk_field(w, n, F_PARAMETERS);
	struct sym y = { .kind = SK_MACRO, .node = n, .exported = true };

	if (ts_node_is_null(name))
		return;
	name_of(w, &y, name);
	sig_add(w, &y, ts_node_start_byte(n), ts_node_end_byte(ts_node_is_null(params) ? name : params));
	emit_leaf(w, at, &y);
}

/* JS and TS statements: CommonJS's exports.x = …, and a TypeScript namespace. */
static void
statement(struct walker *w, TSNode n, const struct at *at)
{
	TSNode x = ts_node_named_child(n, 0);

	if (ctx_walk_role(w, x) == D_SCOPE) {
		scope(w, x, at, NULL, 0);
		return;
	}
	if (!is(x, "assignment_expression") || at->kind != SK_NONE)
		return;
	TSNode left = ctx_walk_field(w, x, F_LEFT), right = ctx_walk_field(w, x, F_RIGHT);
	TSNode obj = ctx_walk_field(w, left, F_OBJECT), prop = ctx_walk_field(w, left, F_PROPERTY);
	size_t len;
	const char *o = is(left, "member_expression") ? text(w, obj, &len) : NULL;
	if (!o || ts_node_is_null(prop) ||
	    !((len == 7 && !memcmp(o, "exports", 7)) || (len == 14 && !memcmp(o, "module.exports", 14))))
		return;
	struct sym y = { .kind = function_value(right) ? SK_FUNCTION : SK_VARIABLE, .node = n, .exported = true };
	name_of(w, &y, prop);
	TSNode body = ctx_walk_field(w, right, F_BODY);
	sig_add(w, &y, ts_node_start_byte(left),
	    function_value(right) ? ts_node_start_byte(body) : ts_node_end_byte(left));
	while (y.sig.len && strchr(" \t\r\n", y.sig.data[y.sig.len - 1]))
		y.sig.len--;
	y.async = function_value(right) && has_token(right, "async", body);
	emit_leaf(w, at, &y);
}

/* ---- imports ---- */

/* {"module":…,"names":[names],"line":…} (+ "alias" when one is given); module is a string
 * node, written without its quotes or angle brackets. */
static void
add_import(struct walker *w, TSNode module, TSNode stmt, const char *names, const char *alias, size_t alias_len)
{
	struct ctx_buf *o = &w->s->imports;
	size_t len;
	const char *t;

	if (ts_node_is_null(module))
		return;
	t = text(w, module, &len);
	if (len >= 2 && strchr("\"'`<", t[0])) {
		t++;
		len -= 2;
	}
	if (w->nimports++)
		w->err |= ctx_buf_add(o, ",", 1);
	w->err |= ctx_buf_adds(o, "{\"module\":");
	ctx_walk_text(w, o, t, len, false);
	w->err |= ctx_buf_addf(o, ",\"names\":[%s]", names);
	if (alias) {
		w->err |= ctx_buf_adds(o, ",\"alias\":");
		ctx_walk_text(w, o, alias, alias_len, false);
	}
	w->err |= ctx_buf_addf(o, ",\"line\":%u}", ts_node_start_point(stmt).row + 1);
}

static void
go_import(struct walker *w, TSNode n)
{
	for (uint32_t i = 0; i < ts_node_named_child_count(n) && w->depth < MAX_DEPTH; i++) {
		TSNode c = ts_node_named_child(n, i);
		if (is(c, "import_spec_list")) {
			w->depth++;
			go_import(w, c);
			w->depth--;
		}
		if (!is(c, "import_spec"))
			continue;
		TSNode alias = ctx_walk_field(w, c, F_NAME);
		size_t len = 0;
		const char *a = ts_node_is_null(alias) ? NULL : text(w, alias, &len);
		add_import(w, ctx_walk_field(w, c, F_PATH), c, "", a, len);
	}
}

/* import d, {a, b as c}, * as ns from "m"; import x = require("m"): the names imported
 * ("default" for d, "*" for a namespace). */
static void
es_import(struct walker *w, TSNode n)
{
	TSNode source = ctx_walk_field(w, n, F_SOURCE);
	struct ctx_buf names = { 0 };

	for (uint32_t i = 0; i < ts_node_named_child_count(n); i++) {
		TSNode c = ts_node_named_child(n, i);
		if (is(c, "import_require_clause"))
			source = ctx_walk_field(w, c, F_SOURCE);
		if (!is(c, "import_clause"))
			continue;
		for (uint32_t k = 0; k < ts_node_named_child_count(c); k++) {
			TSNode part = ts_node_named_child(c, k);
			size_t len;
			if (names.len)
				w->err |= ctx_buf_add(&names, ",", 1);
			if (is(part, "identifier")) {
				w->err |= ctx_buf_adds(&names, "\"default\"");
			} else if (is(part, "namespace_import")) {
				w->err |= ctx_buf_adds(&names, "\"*\"");
			} else {
				int nn = 0;
				for (uint32_t j = 0; j < ts_node_named_child_count(part); j++) {
					TSNode name = ctx_walk_field(w, ts_node_named_child(part, j), F_NAME);
					if (ts_node_is_null(name))
						continue;
					if (nn++)
						w->err |= ctx_buf_add(&names, ",", 1);
					const char *t = text(w, name, &len);
					ctx_walk_text(w, &names, t, len, false);
				}
			}
		}
	}
	if (!ts_node_is_null(source))
		add_import(w, source, n, names.data ? names.data : "", NULL, 0);
	ctx_buf_release(&names);
}

/* ---- the walk ---- */

/* #ifndef G / #define G … #endif around a whole header is not a condition. */
static bool
include_guard(const struct walker *w, TSNode n)
{
	TSNode name = ctx_walk_field(w, n, F_NAME), def;
	size_t a, b;
	const char *s, *t;

	if (!is(n, "preproc_ifdef") || ts_node_is_null(name))
		return false;
	def = ts_node_next_named_sibling(name);
	if (!has_token(n, "#ifndef", name) || !is(def, "preproc_def") ||
	    !ts_node_is_null(ts_node_child_by_field_name(n, "alternative", 11)))
		return false;
	s = text(w, name, &a);
	t = text(w, ctx_walk_field(w, def, F_NAME), &b);
	return a == b && memcmp(s, t, a) == 0;
}

static void
walk(struct walker *w, TSNode n, const struct at *at)
{
	struct at inner = *at;

	switch (ctx_walk_role(w, n)) {
	case R_ERROR:
	case D_TRANSPARENT:
		walk_children(w, n, at);
		break;
	case D_PREPROC:
		inner.conditional = at->conditional || !include_guard(w, n);
		walk_children(w, n, &inner);
		break;
	case D_EXPORT: {
		TSNode decl = ctx_walk_field(w, n, F_DECLARATION), value = ctx_walk_field(w, n, F_VALUE);
		inner.exported = true;
		if (!ts_node_is_null(decl)) {
			walk(w, decl, &inner);
		} else if (ctx_walk_role(w, value) == D_SCOPE) { /* export default class {} */
			scope(w, value, &inner, "default", 7);
		} else if (function_value(value)) {
			struct sym y = { .kind = SK_FUNCTION, .node = value, .name = "default", .name_len = 7 };
			sig_upto(w, &y, value, ts_node_start_byte(ctx_walk_field(w, value, F_BODY)));
			y.exported = true;
			emit_leaf(w, &inner, &y);
		}
		break;
	}
	case D_AMBIENT:
		inner.ambient = true;
		if (has_token(n, "global", (TSNode){ 0 })) /* declare global { … } */
			scope_of(w, n, ts_node_named_child(n, 0), SK_NAMESPACE, &inner, "global", 6);
		else
			walk_children(w, n, &inner);
		break;
	case D_FUNCTION:
		function(w, n, at);
		break;
	case D_SCOPE:
		scope(w, n, at, NULL, 0);
		break;
	case D_MEMBER:
		member(w, n, at);
		break;
	case D_DECLARATION:
		declaration(w, n, at);
		break;
	case D_TYPEDEF:
		type_alias(w, n, at);
		break;
	case D_SPEC:
		spec(w, n, at);
		break;
	case D_MACRO:
		macro(w, n, at);
		break;
	case D_STATEMENT:
		statement(w, n, at);
		break;
	case D_INCLUDE:
		add_import(w, ctx_walk_field(w, n, F_PATH), n, "", NULL, 0);
		break;
	case D_GO_IMPORT:
		go_import(w, n);
		break;
	case D_ES_IMPORT:
		es_import(w, n);
		break;
	default:
		break;
	}
}

void
ctx_walk_decls(struct walker *w, TSNode root)
{
	struct at top = { NULL, SK_NONE, false, false, false };
	struct ctx_frame frames[MAX_DEPTH + 2];

	w->frames = frames;
	w->nframes = 0;
	walk_children(w, root, &top);
	w->frames = NULL;
}
