#include "declresolve.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <tree_sitter/api.h>

#include "clock.h"
#include "lang.h"
#include "pyresolve.h"
#include "safeopen.h"
#include "strmap.h"
#include "tsguard.h"
#include "utf8.h"

#define MAX_FILE (1024 * 1024)         /* a larger file is not parsed: its names stay silent */
#define MAX_FRESH (4 * 1024 * 1024)    /* bytes of source parsed anew for one question */
#define MAX_CACHED ((size_t)256 << 20) /* bytes of source kept before the cache is dropped */
#define MAX_NS 2000000000LL            /* time for one question */
#define MAX_HOPS 16                    /* imports and re-exports followed */
#define MAX_WALK 50000                 /* directory entries looked at for a workspace-wide name */
#define MAX_DEPTH 32                   /* nested #if, patterns, included headers */
#define MAX_FOUND 32                   /* bindings of one name in one scope */
#define MAX_HOVER 400

enum family { FAM_C, FAM_GO, FAM_JS };

struct unit {
	char *rel;
	const struct ctx_lang *l;
	enum family fam;
	struct ctx_buf src;
	TSTree *tree; /* NULL: not parsed (too large, refused, unreadable, not ours) */
	struct stat st;
	long question; /* the question it was last checked for */
};

struct ctx_declindex {
	char *root;
	TSParser *parser;
	struct ctx_strmap units; /* rel -> struct unit */
	size_t cached;
	long question;
	int64_t deadline;
	size_t fresh;
	int hops, walked;
	bool exhausted;
	int err;
	unsigned skip, need; /* the namespace of this question's name (struct want) */
};

/* A binding found: a name node of a unit. */
enum {
	B_DECL = 1, B_IMPORT = 2, B_DEFAULT = 4, B_NAMESPACE = 8, B_STATIC = 16, B_SHORT = 32,
	B_TAG = 64,  /* C: a struct, union or enum tag (a namespace of its own) */
	B_TYPE = 128 /* TS: a type and not a value (type parameter, interface, type alias) */
};
struct found {
	struct unit *u;
	TSNode name;
	unsigned flags;
	TSNode source;   /* B_IMPORT: the module's string */
	TSNode imported; /* B_IMPORT of a named import: the exported name */
};

struct want {
	const char *name;
	size_t len;
	uint32_t before; /* only bindings that start before this byte (UINT32_MAX: any) */
	unsigned skip;   /* bindings with any of these flags are not wanted */
	unsigned need;   /* nor those without all of these */
	struct found v[MAX_FOUND];
	int n;
};

static const char *const go_builtins[] = { "append", "cap", "clear", "close", "complex", "copy", "delete", "imag",
	"len", "make", "max", "min", "new", "panic", "print", "println", "real", "recover", "bool", "byte",
	"comparable", "complex64", "complex128", "error", "float32", "float64", "int", "int8", "int16", "int32",
	"int64", "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "any", "true", "false",
	"iota", "nil", NULL };
static const char *const js_builtins[] = { "undefined", "NaN", "Infinity", "globalThis", "console", "Object",
	"Array", "String", "Number", "Boolean", "Symbol", "BigInt", "Promise", "Map", "Set", "WeakMap", "WeakSet",
	"Error", "TypeError", "RangeError", "JSON", "Math", "Date", "RegExp", "Reflect", "Proxy", "require",
	"module", "exports", "process", "Buffer", "setTimeout", "clearTimeout", "parseInt", "parseFloat", NULL };

static bool
is(TSNode n, const char *type)
{
	return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

/* How many named children n has (none for a null node: tree-sitter would crash). */
static uint32_t
kids(TSNode n)
{
	return ts_node_is_null(n) ? 0 : ts_node_named_child_count(n);
}

static TSNode
named(TSNode n, uint32_t i)
{
	return i < kids(n) ? ts_node_named_child(n, i) : (TSNode){ 0 };
}

static TSNode
byname(TSNode n, const char *name, uint32_t len)
{
	return ts_node_is_null(n) ? n : ts_node_child_by_field_name(n, name, len);
}

static TSNode
field(const struct unit *u, TSNode n, enum ctx_field f)
{
	TSFieldId id = u->l->field_ids[f];

	return id && !ts_node_is_null(n) ? ts_node_child_by_field_id(n, id) : (TSNode){ 0 };
}

static bool
text_is(const struct unit *u, TSNode n, const char *s, size_t len)
{
	uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);

	return !ts_node_is_null(n) && b - a == len && memcmp(u->src.data + a, s, len) == 0;
}

/* snprintf into buf[size], false when it did not fit (a cut path names another file). */
static bool __attribute__((format(printf, 3, 4)))
fits(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < size;
}

static bool
out_of_time(struct ctx_declindex *x)
{
	if (!x->exhausted && ctx_clock_ns() > x->deadline)
		x->exhausted = true;
	return x->exhausted;
}

/* ---- units: a file's source and tree, kept while the file does not change ---- */

static void
unit_drop(struct ctx_declindex *x, struct unit *u)
{
	if (u->tree)
		ts_tree_delete(u->tree);
	x->cached -= u->src.len;
	ctx_buf_release(&u->src);
	u->tree = NULL;
}

static void
drop_all(struct ctx_declindex *x)
{
	for (size_t i = 0; i < x->units.n; i++) {
		struct unit *u = x->units.entries[i].value;
		unit_drop(x, u);
		free(u->rel);
		free(u);
	}
	ctx_strmap_release(&x->units);
	x->cached = 0;
}

static bool
same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The unit of a root-relative path: parsed when it changed since it was last parsed (its
 * tree NULL when it cannot be: refused, unreadable, too large, not one of our languages,
 * or a bound reached). NULL on out of memory. */
static struct unit *
get(struct ctx_declindex *x, const char *rel)
{
	struct ctx_strmap_entry *en;
	struct unit *u;
	int created;
	char *real = NULL;
	struct stat st;

	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	if (!(en = ctx_strmap_get(&x->units, rel, strlen(rel), &created)))
		return NULL;
	if (created) {
		const struct ctx_lang *l = ctx_lang_parsed(rel);
		if (!(u = en->value = calloc(1, sizeof *u)) || !(u->rel = strdup(rel)))
			return NULL;
		u->l = l;
		u->fam = !l ? FAM_C : !strcmp(l->name, "go") ? FAM_GO : !strcmp(l->name, "c") ? FAM_C : FAM_JS;
	}
	u = en->value;
	if (u->question == x->question)
		return u;
	u->question = x->question;
	struct ctx_buf abs = { 0 };
	int rc = ctx_buf_addf(&abs, "%s/%s", x->root, rel);
	if (rc < 0 || !u->l || u->l->doc == CTX_DOC_DOCSTRING || ctx_wsfile_resolve(x->root, abs.data, &real) != 0 ||
	    ctx_file_stat(real, MAX_FILE, &st) != 0) {
		ctx_buf_release(&abs);
		unit_drop(x, u);
		free(real);
		return u;
	}
	ctx_buf_release(&abs);
	if (u->tree && same_stat(&st, &u->st)) {
		free(real);
		return u;
	}
	unit_drop(x, u);
	if (out_of_time(x) || x->fresh + (size_t)st.st_size > MAX_FRESH) {
		x->exhausted = true;
		u->question = 0; /* not known: look again next time */
		free(real);
		return u;
	}
	rc = ctx_file_read(real, MAX_FILE, false, &u->src);
	free(real);
	if (rc != 0) {
		ctx_buf_release(&u->src);
		return u;
	}
	x->fresh += u->src.len;
	x->cached += u->src.len;
	u->st = st;
	if (ts_parser_set_language(x->parser, u->l->language()) &&
	    ctx_ts_parseable(u->l, u->src.data, u->src.len))
		u->tree = ts_parser_parse_string(x->parser, NULL, u->src.data, (uint32_t)u->src.len);
	return u;
}

/* ---- positions ---- */

static uint32_t
byte_of(const struct unit *u, long line, long col)
{
	const char *s = u->src.data, *end = s + u->src.len;
	long l = 1;

	while (l < line && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			return UINT32_MAX;
		s = nl + 1;
		l++;
	}
	const char *eol = memchr(s, '\n', (size_t)(end - s));
	size_t n = eol ? (size_t)(eol - s) : (size_t)(end - s);
	if (l != line || col < 1)
		return UINT32_MAX;
	size_t off = ctx_utf8_cut_chars(s, n, (size_t)col - 1);
	return off < n ? (uint32_t)(s - u->src.data + (long)off) : UINT32_MAX;
}

static void
position(const struct unit *u, uint32_t byte, long *line, long *col)
{
	*line = 1;
	*col = 1;
	for (uint32_t b = 0; b < byte && b < u->src.len; b++) {
		if (u->src.data[b] == '\n') {
			++*line;
			*col = 1;
		} else {
			*col += ((unsigned char)u->src.data[b] & 0xC0) != 0x80;
		}
	}
}

/* ---- bindings: the names a statement or a parameter declares ---- */

/* What is wanted of name[0, len) in this question's namespace. */
static struct want
want_of(const struct ctx_declindex *x, const char *name, size_t len, uint32_t before)
{
	return (struct want){ .name = name, .len = len, .before = before, .skip = x->skip, .need = x->need };
}

/* A binding of name, seen from byte `from` on (where its scope begins; the use of its own
 * name is always in it). */
static void
add_from(struct want *wt, struct unit *u, TSNode name, unsigned flags, uint32_t from)
{
	if ((flags & wt->skip) || (flags & wt->need) != wt->need)
		return;
	if (ts_node_is_null(name) || wt->n >= MAX_FOUND || !text_is(u, name, wt->name, wt->len) ||
	    (wt->before != UINT32_MAX && from > wt->before && ts_node_start_byte(name) != wt->before))
		return;
	for (int i = 0; i < wt->n; i++)
		if (ts_node_eq(wt->v[i].name, name))
			return; /* found twice (a var both in its block and its function) */
	wt->v[wt->n++] = (struct found){ .u = u, .name = name, .flags = flags };
}

static void
add(struct want *wt, struct unit *u, TSNode name, unsigned flags)
{
	add_from(wt, u, name, flags, ts_node_start_byte(name));
}

static void names_of(struct unit *u, TSNode n, struct want *wt, int depth);

/* Every named child of n whose field is f (repeated fields: Go's names, C's declarators). */
#define EACH_FIELD(u, n, f, c, body)                                                               \
	do {                                                                                       \
		if (ts_node_is_null(n))                                                            \
			break;                                                                     \
		TSTreeCursor cur_ = ts_tree_cursor_new(n);                                         \
		for (bool more_ = ts_tree_cursor_goto_first_child(&cur_); more_;                   \
		     more_ = ts_tree_cursor_goto_next_sibling(&cur_)) {                            \
			TSNode c = ts_tree_cursor_current_node(&cur_);                             \
			if ((u)->l->field_ids[f] && ts_node_is_named(c) &&                         \
			    ts_tree_cursor_current_field_id(&cur_) == (u)->l->field_ids[f]) {      \
				body;                                                              \
			}                                                                          \
		}                                                                                  \
		ts_tree_cursor_delete(&cur_);                                                      \
	} while (0)

static bool
has_storage(const struct unit *u, TSNode n, const char *word)
{
	for (uint32_t i = 0; i < kids(n); i++) {
		TSNode c = named(n, i);
		if (is(c, "storage_class_specifier") && text_is(u, c, word, strlen(word)))
			return true;
	}
	return false;
}

/* C: a struct, union or enum with a body: its tag and its enumerators. */
static void
c_tag(struct unit *u, TSNode spec, struct want *wt, unsigned flags)
{
	TSNode body = field(u, spec, F_BODY);

	if (ts_node_is_null(body))
		return;
	add(wt, u, field(u, spec, F_NAME), flags | B_TAG);
	if (!is(spec, "enum_specifier"))
		return;
	for (uint32_t i = 0; i < kids(body); i++)
		add(wt, u, field(u, named(body, i), F_NAME), flags);
}

static void
c_names(struct unit *u, TSNode n, struct want *wt, int depth)
{
	bool fn, stat = has_storage(u, n, "static");
	unsigned s = stat ? B_STATIC : 0;

	if (is(n, "function_definition")) {
		add(wt, u, ctx_lang_c_declared(u->l, field(u, n, F_DECLARATOR), &fn), s);
	} else if (is(n, "declaration") || is(n, "type_definition")) {
		bool ext = has_storage(u, n, "extern");
		c_tag(u, field(u, n, F_TYPE), wt, s);
		EACH_FIELD(u, n, F_DECLARATOR, d, {
			TSNode name = ctx_lang_c_declared(u->l, d, &fn);
			bool decl = is(n, "declaration") && (fn || (ext && !is(d, "init_declarator")));
			add(wt, u, name, s | (decl ? B_DECL : 0));
		});
	} else if (is(n, "struct_specifier") || is(n, "union_specifier") || is(n, "enum_specifier")) {
		c_tag(u, n, wt, s);
	} else if (is(n, "preproc_def") || is(n, "preproc_function_def")) {
		add(wt, u, field(u, n, F_NAME), 0);
	} else if (is(n, "parameter_declaration")) {
		add(wt, u, ctx_lang_c_declared(u->l, field(u, n, F_DECLARATOR), &fn), 0);
	} else if (!strncmp(ts_node_type(n), "preproc_if", 10) || is(n, "preproc_else") || is(n, "preproc_elif") ||
		   is(n, "preproc_elifdef")) {
		for (uint32_t i = 0; i < kids(n) && depth < MAX_DEPTH; i++)
			names_of(u, named(n, i), wt, depth + 1);
	}
}

static void
go_names(struct unit *u, TSNode n, struct want *wt, int depth)
{
	if (is(n, "function_declaration") || is(n, "type_spec") || is(n, "type_alias")) {
		add(wt, u, field(u, n, F_NAME), 0);
	} else if (is(n, "const_spec") || is(n, "var_spec")) { /* in scope after its spec: x := x is the outer x */
		EACH_FIELD(u, n, F_NAME, c, add_from(wt, u, c, 0, ts_node_end_byte(n)));
	} else if (is(n, "parameter_declaration") || is(n, "variadic_parameter_declaration")) {
		EACH_FIELD(u, n, F_NAME, c, add(wt, u, c, 0));
	} else if (is(n, "const_declaration") || is(n, "var_declaration") || is(n, "type_declaration") ||
		   is(n, "var_spec_list") || is(n, "parameter_list")) {
		for (uint32_t i = 0; i < kids(n) && depth < MAX_DEPTH; i++)
			names_of(u, named(n, i), wt, depth + 1);
	} else if (is(n, "short_var_declaration") || is(n, "range_clause") || is(n, "receive_statement")) {
		TSNode left = field(u, n, F_LEFT);
		for (uint32_t i = 0; i < kids(left); i++) /* x := …: a new x, unless x is in the scope */
			add_from(wt, u, named(left, i), is(n, "short_var_declaration") ? B_SHORT : 0,
			    is(n, "range_clause") ? ts_node_start_byte(named(left, i)) : ts_node_end_byte(n));
	}
}

/* JS: the identifiers a binding pattern declares. */
static void
js_pattern(struct unit *u, TSNode p, struct want *wt, unsigned flags, int depth)
{
	if (depth > MAX_DEPTH || ts_node_is_null(p))
		return;
	if (is(p, "identifier") || is(p, "shorthand_property_identifier_pattern")) {
		add(wt, u, p, flags);
	} else if (is(p, "assignment_pattern")) {
		js_pattern(u, field(u, p, F_LEFT), wt, flags, depth + 1);
	} else if (is(p, "pair_pattern")) {
		js_pattern(u, field(u, p, F_VALUE), wt, flags, depth + 1);
	} else if (is(p, "object_pattern") || is(p, "array_pattern") || is(p, "rest_pattern") ||
		   is(p, "object_assignment_pattern")) {
		for (uint32_t i = 0; i < kids(p); i++)
			js_pattern(u, named(p, i), wt, flags, depth + 1);
	}
}

static void
js_import(struct unit *u, TSNode n, struct want *wt)
{
	TSNode source = field(u, n, F_SOURCE);

	for (uint32_t i = 0; i < kids(n); i++) {
		TSNode c = named(n, i);
		int before = wt->n;
		if (is(c, "import_require_clause")) {
			source = field(u, c, F_SOURCE);
			add(wt, u, named(c, 0), B_IMPORT | B_NAMESPACE);
		}
		for (uint32_t k = 0; is(c, "import_clause") && k < kids(c); k++) {
			TSNode part = named(c, k);
			if (is(part, "identifier"))
				add(wt, u, part, B_IMPORT | B_DEFAULT);
			else if (is(part, "namespace_import"))
				add(wt, u, named(part, 0), B_IMPORT | B_NAMESPACE);
			for (uint32_t j = 0; is(part, "named_imports") && j < kids(part); j++) {
				TSNode spec = named(part, j), alias = field(u, spec, F_NAME);
				TSNode local = byname(spec, "alias", 5);
				int at = wt->n;
				add(wt, u, ts_node_is_null(local) ? alias : local, B_IMPORT);
				if (wt->n > at)
					wt->v[at].imported = alias;
			}
		}
		for (int k = before; k < wt->n; k++)
			wt->v[k].source = source;
	}
}

static void
js_names(struct unit *u, TSNode n, struct want *wt, int depth)
{
	const char *t = ts_node_type(n);

	if (!strcmp(t, "interface_declaration") || !strcmp(t, "type_alias_declaration")) {
		add(wt, u, field(u, n, F_NAME), B_TYPE);
	} else if (!strcmp(t, "function_declaration") || !strcmp(t, "generator_function_declaration") ||
		   !strcmp(t, "class_declaration") || !strcmp(t, "abstract_class_declaration") ||
		   !strcmp(t, "enum_declaration") || !strcmp(t, "internal_module")) {
		add(wt, u, field(u, n, F_NAME), 0);
	} else if (!strcmp(t, "function_signature")) {
		add(wt, u, field(u, n, F_NAME), B_DECL);
	} else if (!strcmp(t, "lexical_declaration") || !strcmp(t, "variable_declaration")) {
		for (uint32_t i = 0; i < kids(n); i++) {
			TSNode d = named(n, i), value = field(u, d, F_VALUE);
			TSNode fn = field(u, value, F_FUNCTION), args = field(u, value, F_ARGUMENTS);
			TSNode pat = field(u, d, F_NAME);
			int at = wt->n;
			js_pattern(u, pat, wt, 0, depth);
			if (!is(value, "call_expression") || !text_is(u, fn, "require", 7) ||
			    !is(named(args, 0), "string"))
				continue;
			/* const m = require("./m"): the module; const { a, b: c } = require("./m"): its exports. */
			for (int k = at; k < wt->n; k++) {
				TSNode key = wt->v[k].name;
				if (is(pat, "object_pattern") && is(ts_node_parent(key), "pair_pattern"))
					key = byname(ts_node_parent(key), "key", 3);
				wt->v[k].flags = B_IMPORT | (is(pat, "identifier") ? B_NAMESPACE : 0);
				wt->v[k].source = named(args, 0);
				wt->v[k].imported = is(pat, "object_pattern") ? key : (TSNode){ 0 };
			}
		}
	} else if (!strcmp(t, "export_statement")) {
		names_of(u, field(u, n, F_DECLARATION), wt, depth + 1);
	} else if (!strcmp(t, "ambient_declaration") || !strcmp(t, "expression_statement")) {
		for (uint32_t i = 0; i < kids(n) && depth < MAX_DEPTH; i++)
			names_of(u, named(n, i), wt, depth + 1);
	} else if (!strcmp(t, "import_statement")) {
		js_import(u, n, wt);
	} else if (!strcmp(t, "formal_parameters")) {
		for (uint32_t i = 0; i < kids(n); i++) {
			TSNode p = named(n, i), pat = field(u, p, F_NAME);
			TSNode inner = byname(p, "pattern", 7);
			js_pattern(u, !ts_node_is_null(inner) ? inner : !ts_node_is_null(pat) ? pat : p, wt, 0, depth);
		}
	}
}

static void
names_of(struct unit *u, TSNode n, struct want *wt, int depth)
{
	if (ts_node_is_null(n) || depth > MAX_DEPTH)
		return;
	if (ts_node_symbol(n) == (TSSymbol)-1) { /* what did not parse: what is inside */
		for (uint32_t i = 0; i < kids(n); i++)
			names_of(u, named(n, i), wt, depth + 1);
		return;
	}
	if (u->fam == FAM_C)
		c_names(u, n, wt, depth);
	else if (u->fam == FAM_GO)
		go_names(u, n, wt, depth);
	else
		js_names(u, n, wt, depth);
}

static void
names_in_children(struct unit *u, TSNode n, struct want *wt)
{
	if (ts_node_is_null(n))
		return;
	TSTreeCursor cur = ts_tree_cursor_new(n);

	for (bool more = ts_tree_cursor_goto_first_child(&cur); more && wt->n < MAX_FOUND;
	     more = ts_tree_cursor_goto_next_sibling(&cur)) {
		TSNode c = ts_tree_cursor_current_node(&cur);
		if (ts_node_is_named(c))
			names_of(u, c, wt, 0);
	}
	ts_tree_cursor_delete(&cur);
}

/* Generic type parameters: <T, U> (JS/TS type_parameter), [T, U any] (Go). */
static void
type_params(struct unit *u, TSNode a, struct want *wt)
{
	TSNode list = field(u, a, F_TYPE_PARAMETERS);

	for (uint32_t i = 0; i < kids(list); i++) {
		TSNode p = named(list, i);
		if (u->fam == FAM_GO)
			EACH_FIELD(u, p, F_NAME, c, add(wt, u, c, B_TYPE));
		else
			add(wt, u, field(u, p, F_NAME), B_TYPE);
	}
}

static bool
js_function_like(const char *t)
{
	static const char *const types[] = { "function_declaration", "function_expression", "function",
		"arrow_function", "method_definition", "generator_function_declaration", "generator_function",
		"function_signature", "method_signature", "abstract_method_signature", "construct_signature",
		"call_signature", "function_type", "constructor_type", NULL };

	for (int i = 0; types[i]; i++)
		if (!strcmp(t, types[i]))
			return true;
	return false;
}

/* JS: the `var`s of a function (or a program) in its nested blocks and loops: a var is
 * the function's, wherever it is written (not those of nested functions or classes). */
static void
js_vars(struct unit *u, TSNode body, struct want *wt)
{
	TSNode stack[256];
	int top = 0, seen = 0;

	if (ts_node_is_null(body))
		return;
	stack[top++] = body;
	while (top > 0 && seen++ < 200000 && wt->n < MAX_FOUND) {
		TSNode c = stack[--top];
		const char *t = ts_node_type(c);
		if (!ts_node_eq(c, body) && (js_function_like(t) || strstr(t, "class")))
			continue;
		if (!strcmp(t, "variable_declaration") && !ts_node_eq(c, body)) {
			names_of(u, c, wt, 0);
			continue;
		}
		for (uint32_t i = kids(c); i > 0 && top < 256; i--)
			stack[top++] = named(c, i - 1);
	}
}

/* The bindings a scope node itself makes (its parameters, a loop's or an if's
 * initializer) and, for a block, its statements. */
static void
scope_names(struct unit *u, TSNode a, struct want *wt)
{
	const char *t = ts_node_type(a);

	switch (u->fam) {
	case FAM_C:
		if (!strcmp(t, "translation_unit") || !strcmp(t, "compound_statement") ||
		    !strcmp(t, "case_statement")) {
			names_in_children(u, a, wt);
		} else if (!strcmp(t, "function_definition")) {
			TSNode d = field(u, a, F_DECLARATOR);
			for (int i = 0; i < 64 && !ts_node_is_null(d) && !is(d, "function_declarator"); i++)
				d = field(u, d, F_DECLARATOR);
			names_in_children(u, field(u, d, F_PARAMETERS), wt);
		} else if (!strcmp(t, "for_statement")) {
			names_of(u, byname(a, "initializer", 11), wt, 0);
		}
		break;
	case FAM_GO:
		if (!strcmp(t, "source_file") || !strcmp(t, "block") || !strcmp(t, "expression_case") ||
		    !strcmp(t, "type_case") || !strcmp(t, "default_case") || !strcmp(t, "communication_case")) {
			names_in_children(u, a, wt); /* a case clause is a block of its own */
		} else if (!strcmp(t, "function_declaration") || !strcmp(t, "method_declaration") ||
			   !strcmp(t, "func_literal")) {
			names_of(u, field(u, a, F_RECEIVER), wt, 0);
			names_of(u, field(u, a, F_PARAMETERS), wt, 0);
			names_of(u, byname(a, "result", 6), wt, 0);
			type_params(u, a, wt);
		} else if (!strcmp(t, "type_spec") || !strcmp(t, "type_alias")) {
			type_params(u, a, wt);
		} else if (!strcmp(t, "for_statement")) {
			for (uint32_t i = 0; i < kids(a); i++) {
				TSNode c = named(a, i);
				names_of(u, is(c, "for_clause") ? byname(c, "initializer", 11) : c, wt,
				    0);
			}
		} else if (!strcmp(t, "if_statement") || !strcmp(t, "expression_switch_statement") ||
			   !strcmp(t, "type_switch_statement")) {
			names_of(u, byname(a, "initializer", 11), wt, 0);
			TSNode alias = byname(a, "alias", 5);
			for (uint32_t i = 0; i < kids(alias); i++)
				add(wt, u, named(alias, i), 0);
		}
		break;
	case FAM_JS:
		if (!strcmp(t, "program") || !strcmp(t, "statement_block") || !strcmp(t, "class_static_block") ||
		    !strcmp(t, "switch_case") || !strcmp(t, "switch_default")) {
			names_in_children(u, a, wt);
			if (!strcmp(t, "program"))
				js_vars(u, a, wt);
		} else if (js_function_like(t)) {
			names_of(u, field(u, a, F_PARAMETERS), wt, 0);
			js_pattern(u, byname(a, "parameter", 9), wt, 0, 0);
			type_params(u, a, wt);
			js_vars(u, field(u, a, F_BODY), wt);
		} else if (!strcmp(t, "class_declaration") || !strcmp(t, "abstract_class_declaration") ||
			   !strcmp(t, "class") || !strcmp(t, "interface_declaration") ||
			   !strcmp(t, "type_alias_declaration")) {
			type_params(u, a, wt);
		} else if (!strcmp(t, "for_statement")) {
			names_of(u, byname(a, "initializer", 11), wt, 0);
		} else if (!strcmp(t, "for_in_statement")) {
			js_pattern(u, field(u, a, F_LEFT), wt, 0, 0);
		} else if (!strcmp(t, "catch_clause")) {
			js_pattern(u, byname(a, "parameter", 9), wt, 0, 0);
		}
		break;
	}
}

/* ---- the answer ---- */

struct answer {
	struct unit *u;
	TSNode name;  /* null: the whole file (a module) */
	int res;      /* enum ctx_resolution */
};

/* One binding of several: the use itself when it is one of them; else the definition (not
 * a prototype) when there is exactly one; NULL for none or several (silence). */
static const struct found *
pick(const struct want *wt, TSNode use, const struct found **decl, int *defs)
{
	const struct found *def = NULL;

	*decl = NULL;
	*defs = 0;
	for (int i = 0; i < wt->n; i++) {
		if (ts_node_eq(wt->v[i].name, use) && !(wt->v[i].flags & B_DECL))
			return &wt->v[i];
		if (wt->v[i].flags & B_DECL) {
			if (!*decl)
				*decl = &wt->v[i];
		} else if ((*defs)++ == 0) {
			def = &wt->v[i];
		}
	}
	return *defs == 1 ? def : NULL;
}

static int follow(struct ctx_declindex *x, const struct found *f, struct answer *a);

/* The top level of u: the one binding of name there, else NULL (*decl: a prototype). */
static const struct found *
top_level(const struct ctx_declindex *x, struct unit *u, const char *name, size_t len, struct want *wt,
    const struct found **decl, int *defs)
{
	*wt = want_of(x, name, len, UINT32_MAX);
	*defs = 0;
	*decl = NULL;
	if (!u || !u->tree)
		return NULL;
	names_in_children(u, ts_tree_root_node(u->tree), wt);
	return pick(wt, (TSNode){ 0 }, decl, defs);
}

/* ---- JavaScript and TypeScript modules ---- */

/* The file a relative import names, from the importing unit's directory. */
static struct unit *
js_module(struct ctx_declindex *x, const struct unit *from, TSNode source)
{
	static const char *const tails[] = { "", ".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", "/index.ts",
		"/index.tsx", "/index.js", NULL };
	size_t len;
	const char *s;

	if (ts_node_is_null(source))
		return NULL;
	s = from->src.data + ts_node_start_byte(source) + 1;
	len = ts_node_end_byte(source) - ts_node_start_byte(source);
	if (len < 3 || s[0] != '.' || len > 1024)
		return NULL; /* a package, not a path: outside what the workspace says */
	len -= 2;
	const char *slash = strrchr(from->rel, '/');
	for (int i = 0; tails[i]; i++) {
		char path[2200];
		if (!fits(path, sizeof path, "%.*s%s%.*s%s", slash ? (int)(slash - from->rel) : 0, from->rel,
			slash ? "/" : "", (int)len, s, tails[i]))
			return NULL;
		/* Normalise "a/./b" and "a/../b" lexically; the root check is get()'s. */
		char *parts[256], *save = NULL, norm[2200] = "";
		int np = 0;
		for (char *p = strtok_r(path, "/", &save); p && np < 256; p = strtok_r(NULL, "/", &save)) {
			if (!strcmp(p, "."))
				continue;
			if (!strcmp(p, "..")) {
				if (np == 0)
					return NULL; /* above the root */
				np--;
				continue;
			}
			parts[np++] = p;
		}
		size_t at = 0; /* norm is never longer than path */
		for (int k = 0; k < np; k++)
			at += (size_t)snprintf(norm + at, sizeof norm - at, "%s%s", k ? "/" : "", parts[k]);
		struct unit *u = get(x, norm);
		if (!u) {
			x->err = -ENOMEM;
			return NULL;
		}
		if (u->tree)
			return u;
	}
	return NULL;
}

static int js_export(struct ctx_declindex *x, struct unit *m, const char *name, size_t len, struct answer *a);

/* What a module exports as name (or, for "default", its default export). */
static int
js_export(struct ctx_declindex *x, struct unit *m, const char *name, size_t len, struct answer *a)
{
	TSNode root = ts_tree_root_node(m->tree), overload = { 0 };
	bool dflt = len == 7 && !memcmp(name, "default", 7);

	if (--x->hops < 0 || out_of_time(x)) {
		x->exhausted = true;
		return CTX_RES_UNRESOLVED;
	}
	for (uint32_t i = 0; i < kids(root); i++) {
		TSNode s = named(root, i), decl = field(m, s, F_DECLARATION);
		TSNode value = field(m, s, F_VALUE), source = field(m, s, F_SOURCE);
		if (is(s, "expression_statement")) { /* exports.x = …, module.exports.x = … */
			TSNode as = named(s, 0), left = field(m, as, F_LEFT);
			TSNode obj = field(m, left, F_OBJECT), prop = field(m, left, F_PROPERTY);
			if (is(as, "assignment_expression") && is(left, "member_expression") &&
			    (text_is(m, obj, "exports", 7) || text_is(m, obj, "module.exports", 14)) &&
			    text_is(m, prop, name, len)) {
				TSNode right = field(m, as, F_RIGHT);
				struct want wt;
				const struct found *d, *f = NULL;
				int defs;
				if (is(right, "identifier")) /* exports.x = x: x's own definition */
					f = top_level(x, m, m->src.data + ts_node_start_byte(right),
					    ts_node_end_byte(right) - ts_node_start_byte(right), &wt, &d, &defs);
				if (f)
					return follow(x, f, a);
				*a = (struct answer){ m, prop, CTX_RES_RESOLVED };
				return CTX_RES_RESOLVED;
			}
			continue;
		}
		if (!is(s, "export_statement"))
			continue;
		bool is_default = false;
		for (uint32_t k = 0; k < ts_node_child_count(s); k++)
			is_default |= is(ts_node_child(s, k), "default");
		if (dflt && is_default) {
			TSNode nm = field(m, ts_node_is_null(decl) ? value : decl, F_NAME);
			if (is(value, "identifier")) { /* export default x: x's own definition */
				struct want wt;
				const struct found *d, *f;
				int defs;
				if ((f = top_level(x, m, m->src.data + ts_node_start_byte(value),
					 ts_node_end_byte(value) - ts_node_start_byte(value), &wt, &d, &defs)))
					return follow(x, f, a);
				return CTX_RES_UNRESOLVED;
			}
			if (ts_node_is_null(nm))
				return CTX_RES_UNRESOLVED;
			*a = (struct answer){ m, nm, CTX_RES_RESOLVED };
			return CTX_RES_RESOLVED;
		}
		if (!ts_node_is_null(decl) && !is_default) { /* export function name … */
			struct want wt = want_of(x, name, len, UINT32_MAX);
			const struct found *d, *f;
			int defs;
			names_of(m, decl, &wt, 0);
			if ((f = pick(&wt, (TSNode){ 0 }, &d, &defs)) != NULL) {
				*a = (struct answer){ m, f->name, CTX_RES_RESOLVED };
				return CTX_RES_RESOLVED;
			}
			if (d && ts_node_is_null(overload)) /* an overload's signature: the body may follow */
				overload = d->name;
			continue;
		}
		for (uint32_t k = 0; k < kids(s); k++) {
			TSNode clause = named(s, k);
			if (is(clause, "namespace_export") || (!ts_node_is_null(source) && is(clause, "string") &&
								   kids(s) == 1)) {
				/* export * from "./m": what m exports (the first module that has it) */
				struct unit *r = js_module(x, m, source);
				struct answer b;
				if (r && !is(clause, "namespace_export") &&
				    js_export(x, r, name, len, &b) == CTX_RES_RESOLVED) {
					*a = b;
					return CTX_RES_RESOLVED;
				}
				continue;
			}
			for (uint32_t j = 0; is(clause, "export_clause") && j < kids(clause); j++) {
				TSNode spec = named(clause, j), local = field(m, spec, F_NAME);
				TSNode alias = byname(spec, "alias", 5);
				if (ts_node_is_null(local))
					continue;
				if (!text_is(m, ts_node_is_null(alias) ? local : alias, name, len))
					continue;
				size_t ll = ts_node_end_byte(local) - ts_node_start_byte(local);
				const char *ln = m->src.data + ts_node_start_byte(local);
				if (!ts_node_is_null(source)) { /* export { a as b } from "./m" */
					struct unit *r = js_module(x, m, source);
					return r ? js_export(x, r, ln, ll, a) : CTX_RES_UNRESOLVED;
				}
				struct want wt;
				const struct found *d, *f;
				int defs;
				if ((f = top_level(x, m, ln, ll, &wt, &d, &defs)) || (f = d))
					return follow(x, f, a);
				return CTX_RES_UNRESOLVED;
			}
		}
	}
	if (!ts_node_is_null(overload)) {
		*a = (struct answer){ m, overload, CTX_RES_RESOLVED };
		return CTX_RES_RESOLVED;
	}
	return CTX_RES_UNRESOLVED;
}

/* What a module is as a value (import * as m, require("./m")): what it assigns to
 * module.exports (a name defined at its top level, or a class or function), else the
 * module itself (its file). */
static int
js_module_value(struct ctx_declindex *x, struct unit *m, struct answer *a)
{
	TSNode root = ts_tree_root_node(m->tree);

	if (--x->hops < 0 || out_of_time(x)) { /* module.exports = require("./self") */
		x->exhausted = true;
		return CTX_RES_UNRESOLVED;
	}
	*a = (struct answer){ .u = m, .res = CTX_RES_RESOLVED };
	for (uint32_t i = 0; i < kids(root); i++) {
		TSNode as = named(named(root, i), 0), left = field(m, as, F_LEFT), right = field(m, as, F_RIGHT);
		if (!is(named(root, i), "expression_statement") || !is(as, "assignment_expression") ||
		    !text_is(m, left, "module.exports", 14))
			continue;
		if (is(right, "identifier")) {
			struct want wt;
			const struct found *d, *f;
			int defs;
			f = top_level(x, m, m->src.data + ts_node_start_byte(right),
			    ts_node_end_byte(right) - ts_node_start_byte(right), &wt, &d, &defs);
			return f ? follow(x, f, a) : CTX_RES_UNRESOLVED;
		}
		TSNode name = field(m, right, F_NAME);
		a->name = ts_node_is_null(name) ? left : name; /* module.exports = () => …: the assignment */
		return CTX_RES_RESOLVED;
	}
	return CTX_RES_RESOLVED;
}

/* ---- Go packages ---- */

/* The .go files of directory dir (root-relative, "" for the root) but rel. Calls fn on
 * each unit until it returns true. */
static bool
go_package_each(struct ctx_declindex *x, const char *dir, const char *skip,
    bool (*fn)(struct ctx_declindex *, struct unit *, void *), void *arg)
{
	char path[4200];
	DIR *d;
	struct dirent *e;
	bool done = false;

	if (!fits(path, sizeof path, "%s/%s", x->root, dir) || !(d = opendir(path)))
		return false;
	while (!done && (e = readdir(d)) != NULL && !out_of_time(x)) {
		size_t n = strlen(e->d_name);
		if (n < 4 || strcmp(e->d_name + n - 3, ".go") != 0 || (n > 8 && !strcmp(e->d_name + n - 8, "_test.go")))
			continue;
		if (!fits(path, sizeof path, "%s%s%s", dir, *dir ? "/" : "", e->d_name) ||
		    (skip && !strcmp(path, skip)))
			continue;
		struct unit *u = get(x, path);
		if (!u) {
			x->err = -ENOMEM;
			break;
		}
		if (u->tree)
			done = fn(x, u, arg);
	}
	closedir(d);
	return done;
}

struct pkg_search {
	const char *name;
	size_t len;
	struct found f;
	int n;
};

static bool
pkg_visit(struct ctx_declindex *x, struct unit *u, void *arg)
{
	struct pkg_search *ps = arg;
	struct want wt;
	const struct found *d, *f;
	int defs;

	(void)x;
	f = top_level(x, u, ps->name, ps->len, &wt, &d, &defs);
	if (f) {
		ps->f = *f;
	}
	ps->n += defs;
	return ps->n > 1;
}

/* The one definition of name among a package's files (skip: the file already searched). */
static int
go_in_package(struct ctx_declindex *x, const char *dir, const char *skip, const char *name, size_t len,
    struct answer *a)
{
	struct pkg_search ps = { name, len, { 0 }, 0 };

	go_package_each(x, dir, skip, pkg_visit, &ps);
	if (ps.n == 1) {
		*a = (struct answer){ ps.f.u, ps.f.name, CTX_RES_RESOLVED };
		return CTX_RES_RESOLVED;
	}
	return CTX_RES_UNRESOLVED;
}

/* pkg.Name where pkg is an import of u: the package's directory in the workspace (by
 * go.mod's module path), then Name there (exported names only). */
static int
go_import_member(struct ctx_declindex *x, struct unit *u, TSNode pkg, TSNode member, struct answer *a)
{
	TSNode root = ts_tree_root_node(u->tree);
	size_t plen = ts_node_end_byte(pkg) - ts_node_start_byte(pkg);
	const char *pname = u->src.data + ts_node_start_byte(pkg);
	struct ctx_buf mod = { 0 };
	char path[1100] = "";

	for (uint32_t i = 0; i < kids(root) && !path[0]; i++) {
		TSNode d = named(root, i);
		if (!is(d, "import_declaration"))
			continue;
		TSNode list = named(d, 0);
		uint32_t n = is(list, "import_spec_list") ? kids(list) : 1;
		for (uint32_t k = 0; k < n && !path[0]; k++) {
			TSNode spec = is(list, "import_spec_list") ? named(list, k) : list;
			TSNode alias = field(u, spec, F_NAME), ip = field(u, spec, F_PATH);
			if (ts_node_is_null(ip))
				continue;
			size_t il = ts_node_end_byte(ip) - ts_node_start_byte(ip);
			const char *is_ = u->src.data + ts_node_start_byte(ip);
			if (il < 3 || il > 1000)
				continue;
			const char *last = memrchr(is_ + 1, '/', il - 2);
			last = last ? last + 1 : is_ + 1;
			size_t lastlen = (size_t)(is_ + il - 1 - last);
			bool match = !ts_node_is_null(alias) ? text_is(u, alias, pname, plen)
							     : lastlen == plen && !memcmp(last, pname, plen);
			if (match)
				snprintf(path, sizeof path, "%.*s", (int)(il - 2), is_ + 1);
		}
	}
	if (!path[0])
		return CTX_RES_DYNAMIC; /* not a package: a value's field or method */
	/* The module path from go.mod at the root. */
	struct ctx_buf gomod = { 0 }, gopath = { 0 };
	int rc = ctx_buf_addf(&gopath, "%s/go.mod", x->root);
	if (rc == 0)
		rc = ctx_wsfile_read(x->root, gopath.data, 65536, &gomod, NULL);
	ctx_buf_release(&gopath);
	const char *m = rc == 0 && gomod.data ? strstr(gomod.data, "module ") : NULL;
	int res = CTX_RES_UNRESOLVED;
	const char *dir = NULL;
	if (m && (m == gomod.data || m[-1] == '\n')) {
		m += 7;
		size_t ml = strcspn(m, " \t\r\n");
		ctx_buf_add(&mod, m, ml);
		if (mod.data && !strncmp(path, mod.data, ml) && (path[ml] == '/' || path[ml] == '\0'))
			dir = path[ml] == '/' ? path + ml + 1 : "";
	}
	/* Else the import path under the root, as GOPATH and the standard library lay them out. */
	struct stat st;
	char full[4200];
	if (!dir && !strstr(path, "..") && fits(full, sizeof full, "%s/%s", x->root, path) && lstat(full, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		dir = path;
	if (dir) {
		size_t len = ts_node_end_byte(member) - ts_node_start_byte(member);
		res = go_in_package(x, dir, NULL, u->src.data + ts_node_start_byte(member), len, a);
	}
	ctx_buf_release(&gomod);
	ctx_buf_release(&mod);
	return res;
}

/* ---- C: headers and external linkage ---- */

struct c_search {
	const char *name;
	size_t len;
	struct found def, decl;
	int defs, decls;
	int files;
};

static void
c_consider(const struct ctx_declindex *x, struct unit *u, struct c_search *cs, bool external)
{
	struct want wt;
	const struct found *d;
	int defs;

	top_level(x, u, cs->name, cs->len, &wt, &d, &defs);
	for (int i = 0; i < wt.n; i++) {
		const struct found *g = &wt.v[i];
		if (external && (g->flags & B_STATIC))
			continue;
		if (g->flags & B_DECL) {
			if (cs->decls++ == 0)
				cs->decl = *g;
		} else if (cs->defs++ == 0) {
			cs->def = *g;
		}
	}
}

static void c_headers(struct ctx_declindex *x, struct unit *u, struct c_search *cs, struct ctx_strmap *seen, int depth);

/* The #include "…" lines of a block of u (its top level, or inside #if/#ifdef/#else). */
static void
c_includes(struct ctx_declindex *x, struct unit *u, TSNode block, struct c_search *cs, struct ctx_strmap *seen,
    int depth, int nest)
{
	for (uint32_t i = 0; i < kids(block) && nest < MAX_DEPTH; i++) {
		TSNode inc = named(block, i), p = field(u, inc, F_PATH);
		if (!strncmp(ts_node_type(inc), "preproc_if", 10) || is(inc, "preproc_else") ||
		    is(inc, "preproc_elif") ||
		    ts_node_symbol(inc) == (TSSymbol)-1)
			c_includes(x, u, inc, cs, seen, depth, nest + 1);
		if (!is(inc, "preproc_include") || !is(p, "string_literal"))
			continue;
		size_t len = ts_node_end_byte(p) - ts_node_start_byte(p);
		const char *s = u->src.data + ts_node_start_byte(p) + 1;
		const char *slash = strrchr(u->rel, '/');
		if (len < 3 || len > 1000)
			continue;
		for (int k = 0; k < 2; k++) {
			char path[2100];
			bool ok = k == 0 && slash
			    ? fits(path, sizeof path, "%.*s/%.*s", (int)(slash - u->rel), u->rel, (int)len - 2, s)
			    : fits(path, sizeof path, "%.*s", (int)len - 2, s);
			if (!ok || strstr(path, ".."))
				continue;
			int created;
			struct ctx_strmap_entry *en = ctx_strmap_get(seen, path, strlen(path), &created);
			if (!en || !created)
				continue;
			struct unit *h = get(x, path);
			if (!h || !h->tree)
				continue;
			cs->files++;
			c_consider(x, h, cs, false);
			c_headers(x, h, cs, seen, depth + 1);
			break;
		}
	}
}

/* The headers u includes with quotes, by u's directory then the root, depth first. */
static void
c_headers(struct ctx_declindex *x, struct unit *u, struct c_search *cs, struct ctx_strmap *seen, int depth)
{
	if (!u || !u->tree || depth > 8 || cs->files > 64 || out_of_time(x))
		return;
	c_includes(x, u, ts_tree_root_node(u->tree), cs, seen, depth, 0);
}

/* Every .c and .h file under the root (no symlink followed, nothing denylisted). */
static void
c_walk(struct ctx_declindex *x, const char *dir, struct c_search *cs, int depth)
{
	char path[4200];
	DIR *d;
	struct dirent *e;

	if (depth > 64 || !fits(path, sizeof path, "%s%s%s", x->root, *dir ? "/" : "", dir) || !(d = opendir(path)))
		return;
	while ((e = readdir(d)) != NULL && !x->exhausted) {
		if (++x->walked > MAX_WALK || out_of_time(x)) {
			x->exhausted = true;
			break;
		}
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "_ctx") || !strcmp(e->d_name, "node_modules"))
			continue;
		if (!fits(path, sizeof path, "%s%s%s", dir, *dir ? "/" : "", e->d_name) || ctx_denylisted(path))
			continue;
		if (e->d_type == DT_DIR) {
			c_walk(x, path, cs, depth + 1);
			continue;
		}
		size_t n = strlen(e->d_name);
		if (e->d_type != DT_REG || n < 3 || e->d_name[n - 2] != '.' ||
		    (e->d_name[n - 1] != 'c' && e->d_name[n - 1] != 'h'))
			continue;
		struct unit *u = get(x, path);
		if (!u) {
			x->err = -ENOMEM;
			break;
		}
		if (u->tree)
			c_consider(x, u, cs, true);
	}
	closedir(d);
}

/* ---- one question ---- */

/* Resolve what binding f stands for: itself, or what an import names. */
static int
follow(struct ctx_declindex *x, const struct found *f, struct answer *a)
{
	if (!(f->flags & B_IMPORT)) {
		*a = (struct answer){ f->u, f->name, CTX_RES_RESOLVED };
		return CTX_RES_RESOLVED;
	}
	struct unit *m = js_module(x, f->u, f->source);
	if (!m)
		return CTX_RES_UNRESOLVED;
	if (f->flags & B_NAMESPACE)
		return js_module_value(x, m, a);
	if (f->flags & B_DEFAULT)
		return js_export(x, m, "default", 7, a);
	TSNode im = f->imported;
	if (ts_node_is_null(im))
		return CTX_RES_UNRESOLVED;
	return js_export(x, m, f->u->src.data + ts_node_start_byte(im), ts_node_end_byte(im) - ts_node_start_byte(im),
	    a);
}

static bool
builtin(const struct unit *u, const char *name, size_t len)
{
	const char *const *list = u->fam == FAM_GO ? go_builtins : u->fam == FAM_JS ? js_builtins : NULL;

	for (int i = 0; list && list[i]; i++)
		if (strlen(list[i]) == len && !memcmp(list[i], name, len))
			return true;
	return false;
}

/* Lexical lookup of the identifier chain[n - 1] through the scopes chain[0, n - 1), then
 * by the language's rules beyond the file. */
static int
lexical(struct ctx_declindex *x, struct unit *u, TSNode *chain, int n, struct answer *a)
{
	TSNode id = chain[n - 1];
	const char *name = u->src.data + ts_node_start_byte(id);
	size_t len = ts_node_end_byte(id) - ts_node_start_byte(id);
	struct found decl = { 0 }; /* a prototype or extern seen on the way: the answer of last resort */

	for (int i = n - 2; i >= 0; i--) {
		bool ordered = i > 0 && u->fam != FAM_JS; /* C's and Go's blocks: declared before the use */
		struct want wt = want_of(x, name, len, ordered ? ts_node_start_byte(id) : UINT32_MAX);
		struct want params = want_of(x, name, len, UINT32_MAX);
		const struct found *f, *d;
		int defs;
		scope_names(u, chain[i], &wt);
		if (wt.n == 0)
			continue;
		if (ordered) {
			/* The nearest before the use; Go's x, err := … declares err only if the
			 * scope has none yet (the function's parameters share its body's scope). */
			f = &wt.v[wt.n - 1];
			if (u->fam == FAM_GO && (f->flags & B_SHORT)) {
				f = &wt.v[0]; /* the first binding of the name in this scope */
				TSNode fn = i > 0 ? chain[i - 1] : (TSNode){ 0 };
				bool body = is(chain[i], "block") && (is(fn, "function_declaration") ||
									 is(fn, "method_declaration") ||
									 is(fn, "func_literal"));
				if (body && (f->flags & B_SHORT))
					scope_names(u, chain[i - 1], &params);
				if (params.n > 0)
					f = &params.v[0];
			}
		} else {
			f = pick(&wt, id, &d, &defs);
			if (!f && defs > 1)
				return CTX_RES_UNRESOLVED; /* two definitions in one scope: silence */
			if (!f && d && !decl.u)
				decl = *d;
		}
		if (f)
			return follow(x, f, a);
	}
	/* Not defined in the file. */
	if (u->fam == FAM_GO) {
		const char *slash = strrchr(u->rel, '/');
		char dir[4096];
		snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - u->rel) : 0, u->rel);
		int res = go_in_package(x, dir, u->rel, name, len, a);
		if (res == CTX_RES_RESOLVED || x->exhausted)
			return res;
	} else if (u->fam == FAM_C) {
		struct c_search cs = { name, len, { 0 }, { 0 }, 0, 0, 0 };
		struct ctx_strmap seen = { 0 };
		c_headers(x, u, &cs, &seen, 0);
		ctx_strmap_release(&seen);
		if (cs.defs == 1) {
			*a = (struct answer){ cs.def.u, cs.def.name, CTX_RES_RESOLVED };
			return CTX_RES_RESOLVED;
		}
		if (cs.defs > 1)
			return CTX_RES_UNRESOLVED;
		if (!decl.u && cs.decls > 0)
			decl = cs.decl;
		/* External linkage: the workspace's one non-static definition. */
		struct c_search ext = { name, len, { 0 }, { 0 }, 0, 0, 0 };
		x->walked = 0;
		c_walk(x, "", &ext, 0);
		if (x->exhausted || ext.defs > 1)
			return CTX_RES_UNRESOLVED;
		if (ext.defs == 1) {
			*a = (struct answer){ ext.def.u, ext.def.name, CTX_RES_RESOLVED };
			return CTX_RES_RESOLVED;
		}
	}
	if (decl.u) {
		*a = (struct answer){ decl.u, decl.name, CTX_RES_RESOLVED };
		return CTX_RES_RESOLVED;
	}
	return builtin(u, name, len) ? CTX_RES_BUILTIN : CTX_RES_UNRESOLVED;
}

/* A label (goto L, break L, continue L): the labeled statement of that name in the
 * enclosing function, else silence. Labels are a namespace of their own. */
static int
label(struct unit *u, TSNode *chain, int n, struct answer *a)
{
	TSNode id = chain[n - 1], fn = chain[0], stack[256];
	int top = 0, seen = 0;

	for (int i = n - 2; i > 0; i--) {
		const char *t = ts_node_type(chain[i]);
		if (strstr(t, "function") || strstr(t, "method") || !strcmp(t, "func_literal") ||
		    !strcmp(t, "arrow_function")) {
			fn = chain[i];
			break;
		}
	}
	stack[top++] = fn;
	while (top > 0 && seen++ < 200000) {
		TSNode c = stack[--top];
		if (is(c, "labeled_statement")) {
			TSNode l = byname(c, "label", 5);
			if (ts_node_is_null(l))
				l = named(c, 0);
			size_t len = ts_node_end_byte(id) - ts_node_start_byte(id);
			if (text_is(u, l, u->src.data + ts_node_start_byte(id), len)) {
				*a = (struct answer){ u, l, CTX_RES_RESOLVED };
				return CTX_RES_RESOLVED;
			}
		}
		for (uint32_t i = kids(c); i > 0 && top < 256; i--)
			stack[top++] = named(c, i - 1);
	}
	return CTX_RES_UNRESOLVED;
}

static int
resolve(struct ctx_declindex *x, const char *file, long line, long col, struct answer *a)
{
	TSNode chain[512];
	int n = 0;

	x->question++;
	x->deadline = ctx_clock_ns() + MAX_NS;
	x->fresh = 0;
	x->hops = MAX_HOPS;
	x->exhausted = false;
	x->err = 0;
	if (x->cached > MAX_CACHED)
		drop_all(x);
	struct unit *u = get(x, file);
	if (!u)
		return -ENOMEM;
	if (!u->tree)
		return CTX_RES_UNRESOLVED;
	uint32_t b = byte_of(u, line, col);
	if (b == UINT32_MAX)
		return CTX_RES_UNRESOLVED;
	/* The chain of nodes from the root down to the one that holds b (by hand: 0.20.7's
	 * ts_tree_cursor_goto_first_child_for_byte stops at a token that ends at b). */
	chain[n++] = ts_tree_root_node(u->tree);
	while (n < 512) {
		TSNode next = { 0 };
		TSTreeCursor cur = ts_tree_cursor_new(chain[n - 1]);
		for (bool more = ts_tree_cursor_goto_first_child(&cur); more;
		     more = ts_tree_cursor_goto_next_sibling(&cur)) {
			TSNode c = ts_tree_cursor_current_node(&cur);
			if (ts_node_start_byte(c) > b)
				break;
			if (b < ts_node_end_byte(c)) {
				next = c;
				break;
			}
		}
		ts_tree_cursor_delete(&cur);
		if (ts_node_is_null(next))
			break;
		chain[n++] = next;
	}
	while (n > 1 && !ts_node_is_named(chain[n - 1]))
		n--;
	TSNode id = chain[n - 1], parent = n > 1 ? chain[n - 2] : (TSNode){ 0 };
	const char *t = ts_node_type(id);
	if (n < 2 || kids(id) > 0 ||
	    !(strstr(t, "identifier") != NULL || !strcmp(t, "field_identifier")))
		return CTX_RES_UNRESOLVED;
	/* The name's namespace: a C tag (struct T) or an ordinary name; a TS value is never a
	 * type parameter, an interface or a type alias. */
	x->skip = x->need = 0;
	if (u->fam == FAM_C) {
		bool tag = (is(parent, "struct_specifier") || is(parent, "union_specifier") ||
			       is(parent, "enum_specifier")) && ts_node_eq(field(u, parent, F_NAME), id);
		if (tag)
			x->need = B_TAG;
		else
			x->skip = B_TAG;
	} else if (u->fam == FAM_JS && !is(id, "type_identifier") && !is(parent, "export_specifier") &&
		   !is(parent, "import_specifier")) {
		x->skip = B_TYPE; /* an import or export list names types and values alike */
	}
	if (is(id, "statement_identifier") || is(id, "label_name"))
		return label(u, chain, n, a);
	/* A member: pkg.Name into a package, ns.x into a module; a value's member is dynamic. */
	TSNode member_of = { 0 };
	if (u->fam == FAM_GO && (is(parent, "selector_expression") || is(parent, "qualified_type")) &&
	    !ts_node_eq(named(parent, 0), id))
		member_of = named(parent, 0);
	else if (u->fam == FAM_JS && is(parent, "member_expression") && ts_node_eq(field(u, parent, F_PROPERTY), id))
		member_of = field(u, parent, F_OBJECT);
	else if (u->fam == FAM_C && (is(parent, "field_expression") || is(parent, "field_designator")) &&
		 !ts_node_eq(byname(parent, "argument", 8), id))
		return CTX_RES_DYNAMIC; /* s.x, p->x, .x = : a member of a value */
	/* export { a as b } from "./m": a is m's. */
	if (u->fam == FAM_JS && is(parent, "export_specifier") && n >= 4 && is(chain[n - 4], "export_statement") &&
	    !ts_node_is_null(field(u, chain[n - 4], F_SOURCE))) {
		TSNode local = field(u, parent, F_NAME);
		struct unit *m = js_module(x, u, field(u, chain[n - 4], F_SOURCE));
		if (!m || ts_node_is_null(local))
			return CTX_RES_UNRESOLVED;
		return js_export(x, m, u->src.data + ts_node_start_byte(local),
		    ts_node_end_byte(local) - ts_node_start_byte(local), a);
	}
	if (u->fam == FAM_GO && is(parent, "literal_element") && n >= 3 && is(chain[n - 3], "keyed_element") &&
	    ts_node_eq(named(chain[n - 3], 0), parent))
		return CTX_RES_DYNAMIC; /* T{Name: v}: a field of T */
	if (!ts_node_is_null(member_of)) {
		if (!is(member_of, "identifier") && !is(member_of, "package_identifier"))
			return CTX_RES_DYNAMIC;
		if (u->fam == FAM_GO) {
			/* A local of that name is a value, not the package. */
			struct want wt = want_of(x, u->src.data + ts_node_start_byte(member_of),
			    ts_node_end_byte(member_of) - ts_node_start_byte(member_of), UINT32_MAX);
			for (int i = n - 2; i >= 1 && wt.n == 0; i--)
				scope_names(u, chain[i], &wt);
			return wt.n ? CTX_RES_DYNAMIC : go_import_member(x, u, member_of, id, a);
		}
		chain[n - 1] = member_of; /* JS: what is the object? */
		struct answer obj;
		int res = lexical(x, u, chain, n, &obj);
		if (res != CTX_RES_RESOLVED)
			return res; /* a package's, a builtin's, or an unknown object's member */
		if (!ts_node_is_null(obj.name))
			return CTX_RES_DYNAMIC; /* a value's member */
		return js_export(x, obj.u, u->src.data + ts_node_start_byte(id),
		    ts_node_end_byte(id) - ts_node_start_byte(id), a);
	}
	/* A name being defined (a field, a method, a key, a struct member): itself. */
	if (is(id, "field_identifier") || is(id, "property_identifier") || is(id, "private_property_identifier")) {
		if (ts_node_eq(field(u, parent, F_NAME), id) || ts_node_eq(field(u, parent, F_PROPERTY), id) ||
		    ts_node_eq(field(u, parent, F_DECLARATOR), id)) {
			*a = (struct answer){ u, id, CTX_RES_RESOLVED };
			return CTX_RES_RESOLVED;
		}
		return CTX_RES_DYNAMIC;
	}
	return lexical(x, u, chain, n, a);
}

/* A bound reached is silence: the search may have been cut short of the answer. */
static int
finish(struct ctx_declindex *x, int res)
{
	return x->err ? x->err : res < 0 ? res : x->exhausted ? CTX_RES_UNRESOLVED : res;
}

static void
write_loc(const struct answer *a, struct ctx_buf *out)
{
	long line = 1, col = 1, end_line = 1, end_col = 1;

	if (!ts_node_is_null(a->name)) {
		position(a->u, ts_node_start_byte(a->name), &line, &col);
		position(a->u, ts_node_end_byte(a->name), &end_line, &end_col);
	}
	ctx_buf_adds(out, "{\"file\":");
	ctx_utf8_write_json(out, a->u->rel, strlen(a->u->rel));
	ctx_buf_addf(out, ",\"line\":%ld,\"col\":%ld,\"end_line\":%ld,\"end_col\":%ld}", line, col, end_line, end_col);
}

struct ctx_declindex *
ctx_declindex_new(const char *root)
{
	struct ctx_declindex *x = calloc(1, sizeof *x);

	if (!x || ctx_lang_resolve() < 0 || !(x->root = strdup(root)) || !(x->parser = ts_parser_new())) {
		ctx_declindex_free(x);
		return NULL;
	}
	return x;
}

void
ctx_declindex_free(struct ctx_declindex *x)
{
	if (!x)
		return;
	drop_all(x);
	if (x->parser)
		ts_parser_delete(x->parser);
	free(x->root);
	free(x);
}

int
ctx_declindex_definition(struct ctx_declindex *x, const char *file, long line, long col, struct ctx_buf *out)
{
	struct answer a = { 0 };
	int res = finish(x, resolve(x, file, line, col, &a));

	if (res < 0)
		return res;
	ctx_buf_add(out, "[", 1);
	if (res == CTX_RES_RESOLVED)
		write_loc(&a, out);
	return ctx_buf_add(out, "]", 1) < 0 ? -ENOMEM : res;
}

int
ctx_declindex_hover(struct ctx_declindex *x, const char *file, long line, long col, struct ctx_buf *out)
{
	struct answer a = { 0 };
	int res = finish(x, resolve(x, file, line, col, &a));

	if (res < 0)
		return res;
	if (res != CTX_RES_RESOLVED)
		return ctx_buf_adds(out, "null") < 0 ? -ENOMEM : res;
	struct ctx_buf text = { 0 };
	if (ts_node_is_null(a.name)) {
		ctx_buf_addf(&text, "module %s", a.u->rel);
	} else { /* the definition's line, without its indentation */
		uint32_t s = ts_node_start_byte(a.name), e = s;
		const char *src = a.u->src.data;
		while (s > 0 && src[s - 1] != '\n')
			s--;
		while (e < a.u->src.len && src[e] != '\n' && src[e] != '\r')
			e++;
		while (s < e && (src[s] == ' ' || src[s] == '\t'))
			s++;
		ctx_buf_add(&text, src + s, ctx_utf8_cut_bytes(src + s, e - s, MAX_HOVER));
	}
	ctx_buf_adds(out, "{\"text\":");
	ctx_utf8_write_json(out, text.data ? text.data : "", text.len);
	int rc = ctx_buf_add(out, "}", 1);
	ctx_buf_release(&text);
	return rc < 0 ? -ENOMEM : res;
}
