#include "pyscope.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <tree_sitter/api.h>

#include "lang.h"
#include "tsguard.h"
#include "tsnames.h"
#include "utf8.h"


/* Deeper nesting than this is passed over: its names are answered with silence. A
 * hostile file of a million '(' must not exhaust the stack. */
#define MAX_DEPTH 400

/* ---- node types ---- */

enum kind {
	K_NONE, K_IDENT, K_FUNCTION, K_CLASS, K_DECORATED, K_DECORATOR, K_LAMBDA, K_PARAMS,
	K_LAMBDA_PARAMS, K_TYPED_PARAM, K_DEFAULT_PARAM, K_TYPED_DEFAULT_PARAM, K_SPLAT_PATTERN,
	K_DSPLAT_PATTERN, K_LIST_SPLAT, K_ASSIGNMENT, K_AUGMENTED, K_NAMED_EXPR, K_FOR, K_FOR_IN,
	K_WITH_ITEM, K_AS_PATTERN, K_AS_TARGET, K_EXCEPT, K_IMPORT, K_IMPORT_FROM, K_FUTURE_IMPORT,
	K_ALIASED_IMPORT, K_DOTTED_NAME, K_RELATIVE_IMPORT, K_IMPORT_PREFIX, K_WILDCARD, K_GLOBAL,
	K_NONLOCAL, K_DELETE, K_KEYWORD_ARG, K_ARGUMENT_LIST, K_ATTRIBUTE, K_CALL, K_COMPREHENSION,
	K_PATTERNS, K_PARENTHESIZED, K_SUBSCRIPT, K_EXPR_STMT, K_STRING, K_STRING_CONTENT, K_TYPE,
	K_KEYWORD_PATTERN, K_BLOCK, K_COMMENT, K_IF, K_TRY, K_ELSE, K_FINALLY, K_EXCEPT_GROUP, K_MATCH, K_CASE,
	K_COUNT
};

static const struct ctx_ts_name kinds[] = {
	{ "identifier", K_IDENT }, { "function_definition", K_FUNCTION }, { "class_definition", K_CLASS },
	{ "decorated_definition", K_DECORATED }, { "decorator", K_DECORATOR }, { "lambda", K_LAMBDA },
	{ "parameters", K_PARAMS }, { "lambda_parameters", K_LAMBDA_PARAMS }, { "typed_parameter", K_TYPED_PARAM },
	{ "default_parameter", K_DEFAULT_PARAM }, { "typed_default_parameter", K_TYPED_DEFAULT_PARAM },
	{ "list_splat_pattern", K_SPLAT_PATTERN }, { "dictionary_splat_pattern", K_DSPLAT_PATTERN },
	{ "list_splat", K_LIST_SPLAT }, { "assignment", K_ASSIGNMENT }, { "augmented_assignment", K_AUGMENTED },
	{ "named_expression", K_NAMED_EXPR }, { "for_statement", K_FOR }, { "for_in_clause", K_FOR_IN },
	{ "with_item", K_WITH_ITEM }, { "as_pattern", K_AS_PATTERN }, { "as_pattern_target", K_AS_TARGET },
	{ "except_clause", K_EXCEPT }, { "import_statement", K_IMPORT }, { "import_from_statement", K_IMPORT_FROM },
	{ "future_import_statement", K_FUTURE_IMPORT }, { "aliased_import", K_ALIASED_IMPORT },
	{ "dotted_name", K_DOTTED_NAME }, { "relative_import", K_RELATIVE_IMPORT },
	{ "import_prefix", K_IMPORT_PREFIX }, { "wildcard_import", K_WILDCARD }, { "global_statement", K_GLOBAL },
	{ "nonlocal_statement", K_NONLOCAL }, { "delete_statement", K_DELETE },
	{ "keyword_argument", K_KEYWORD_ARG }, { "argument_list", K_ARGUMENT_LIST }, { "attribute", K_ATTRIBUTE },
	{ "call", K_CALL }, { "list_comprehension", K_COMPREHENSION }, { "set_comprehension", K_COMPREHENSION },
	{ "dictionary_comprehension", K_COMPREHENSION }, { "generator_expression", K_COMPREHENSION },
	{ "pattern_list", K_PATTERNS }, { "tuple_pattern", K_PATTERNS }, { "list_pattern", K_PATTERNS },
	{ "tuple", K_PATTERNS }, { "list", K_PATTERNS }, { "expression_list", K_PATTERNS },
	{ "parenthesized_expression", K_PARENTHESIZED }, { "subscript", K_SUBSCRIPT },
	{ "expression_statement", K_EXPR_STMT }, { "string", K_STRING }, { "string_content", K_STRING_CONTENT },
	{ "type", K_TYPE }, { "keyword_pattern", K_KEYWORD_PATTERN }, { "block", K_BLOCK }, { "comment", K_COMMENT },
	{ "if_statement", K_IF }, { "try_statement", K_TRY }, { "else_clause", K_ELSE },
	{ "finally_clause", K_FINALLY }, { "except_group_clause", K_EXCEPT_GROUP }, { "match_statement", K_MATCH },
	{ "case_clause", K_CASE },
};

enum field {
	PF_NAME, PF_BODY, PF_PARAMETERS, PF_RETURN_TYPE, PF_SUPERCLASSES, PF_LEFT, PF_RIGHT, PF_TYPE, PF_VALUE,
	PF_ALIAS, PF_MODULE_NAME, PF_OBJECT, PF_ATTRIBUTE, PF_FUNCTION, PF_ARGUMENTS, PF_DEFINITION, PF_CONDITION,
	PF_COUNT
};

static const char *const field_names[PF_COUNT] = {
	"name", "body", "parameters", "return_type", "superclasses", "left", "right", "type", "value", "alias",
	"module_name", "object", "attribute", "function", "arguments", "definition", "condition",
};

const TSLanguage *tree_sitter_python(void);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static uint8_t *kind_of_symbol; /* by symbol id */
static uint32_t nsymbols;
static TSFieldId field_ids[PF_COUNT];

static void
resolve_names(void)
{
	kind_of_symbol = ctx_ts_codes(tree_sitter_python(), kinds, sizeof kinds / sizeof *kinds, &nsymbols);
	ctx_ts_fields(tree_sitter_python(), field_names, PF_COUNT, field_ids);
}

static enum kind
kind(TSNode n)
{
	if (ts_node_is_null(n) || !ts_node_is_named(n))
		return K_NONE;
	TSSymbol sym = ts_node_symbol(n);
	return sym < nsymbols ? (enum kind)kind_of_symbol[sym] : K_NONE;
}

static TSNode
field(TSNode n, enum field f)
{
	return ts_node_is_null(n) ? n : ts_node_child_by_field_id(n, field_ids[f]);
}

/* ---- the walker ---- */

struct walker {
	struct ctx_pyscope *p;
	struct ctx_arena *arena;
	int cap_scopes, cap_binds, cap_refs, cap_bases, cap_branches;
	int branch;     /* the branch being walked, or -1 */
	int statements; /* numbers given to branching statements */
	int match;      /* the match statement whose cases are walked */
	int depth;
	int err;
};

static bool
grow(struct walker *w, void **arr, int n, int *cap, size_t size)
{
	if (n < *cap)
		return true;
	int cap2 = *cap ? *cap * 2 : 64;
	void *q = realloc(*arr, (size_t)cap2 * size);
	if (!q) {
		w->err = -ENOMEM;
		return false;
	}
	*arr = q;
	*cap = cap2;
	return true;
}

static int
new_scope(struct walker *w, enum ctx_pyscope_kind k, int parent, int owner)
{
	struct ctx_pyscope *p = w->p;

	if (!grow(w, (void **)&p->scopes, p->nscopes, &w->cap_scopes, sizeof *p->scopes))
		return 0; /* the module: harmless while the error stops the walk */
	p->scopes[p->nscopes] = (struct ctx_pyscope_s){ .kind = k, .parent = parent, .owner = owner, .self_param = -1 };
	if (owner >= 0)
		p->binds[owner].inner = p->nscopes;
	return p->nscopes++;
}

static int
add_ref(struct walker *w, TSNode id, int scope, enum ctx_pyref_kind k, int recv)
{
	struct ctx_pyscope *p = w->p;

	if (ts_node_is_null(id) || !grow(w, (void **)&p->refs, p->nrefs, &w->cap_refs, sizeof *p->refs))
		return -1;
	p->refs[p->nrefs] = (struct ctx_pyref){ ts_node_start_byte(id), ts_node_end_byte(id), scope, w->branch, k, recv,
		-1, NULL, 0 };
	return p->nrefs++;
}

static const char *
text(struct walker *w, TSNode n)
{
	uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
	const char *s = ctx_arena_strndup(w->arena, w->p->src + a, b - a);

	if (!s)
		w->err = -ENOMEM;
	return s ? s : "";
}

/* A binding of identifier id in scope. */
static int
binding(struct walker *w, TSNode id, int scope, enum ctx_pybind_kind k, uint32_t eff)
{
	struct ctx_pyscope *p = w->p;

	if (ts_node_is_null(id) || !grow(w, (void **)&p->binds, p->nbinds, &w->cap_binds, sizeof *p->binds))
		return -1;
	uint32_t a = ts_node_start_byte(id);
	p->binds[p->nbinds] = (struct ctx_pybind){
		.name = text(w, id), .byte = a, .end = ts_node_end_byte(id), .eff = eff ? eff : a, .scope = scope,
		.branch = w->branch, .inner = -1, .kind = k, .annot = -1,
	};
	return p->nbinds++;
}

/* A binding whose identifier, asked about, is the name being bound (a BIND ref). */
static int
named_binding(struct walker *w, TSNode id, int scope, enum ctx_pybind_kind k, uint32_t eff)
{
	int b = binding(w, id, scope, k, eff), r = b >= 0 ? add_ref(w, id, scope, CTX_PYR_BIND, -1) : -1;

	if (r >= 0)
		w->p->refs[r].bind = b;
	return b;
}

static int visit(struct walker *w, TSNode n, int sc);

/* Walk n as a new branch of statement `owner`. */
static void
visit_branch(struct walker *w, TSNode n, int sc, int owner, enum ctx_pybranch_kind k)
{
	struct ctx_pyscope *p = w->p;
	int saved = w->branch;

	if (!grow(w, (void **)&p->branches, p->nbranches, &w->cap_branches, sizeof *p->branches))
		return;
	p->branches[p->nbranches] = (struct ctx_pybranch){ saved, owner, k };
	w->branch = p->nbranches++;
	visit(w, n, sc);
	w->branch = saved;
}

static void
visit_children(struct walker *w, TSNode n, int sc)
{
	for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k && !w->err; i++)
		visit(w, ts_node_named_child(n, i), sc);
}

/* The nearest function scope (through comprehensions and lambdas) whose first parameter
 * stands for the instance and is named like id, or -1. */
/* Whether n is an identifier spelled name. */
static bool
is_named(struct walker *w, TSNode n, const char *name)
{
	if (kind(n) != K_IDENT)
		return false;
	uint32_t a = ts_node_start_byte(n), len = ts_node_end_byte(n) - a;
	return strlen(name) == len && memcmp(w->p->src + a, name, len) == 0;
}

static int
self_scope(struct walker *w, TSNode id, int sc)
{
	const struct ctx_pyscope *p = w->p;

	for (; sc >= 0 && p->scopes[sc].kind != CTX_PYS_CLASS && p->scopes[sc].kind != CTX_PYS_MODULE;
	     sc = p->scopes[sc].parent) {
		const struct ctx_pyscope_s *s = &p->scopes[sc];
		if (s->kind != CTX_PYS_FUNCTION || s->self_param < 0)
			continue;
		return s->self_kind == CTX_PYSELF_INSTANCE && is_named(w, id, p->binds[s->self_param].name) ? sc : -1;
	}
	return -1;
}

/* The targets of an assignment, a for, a with or an except: each name bound in sc. */
static void
bind_targets(struct walker *w, TSNode n, int sc, uint32_t eff, int annot)
{
	switch (kind(n)) {
	case K_IDENT: {
		int b = named_binding(w, n, sc, CTX_PYB_ASSIGN, eff);
		if (b >= 0)
			w->p->binds[b].annot = annot;
		return;
	}
	case K_PATTERNS:
	case K_PARENTHESIZED:
	case K_SPLAT_PATTERN:
	case K_LIST_SPLAT:
	case K_AS_TARGET:
		for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k; i++)
			bind_targets(w, ts_node_named_child(n, i), sc, eff, -1);
		return;
	case K_ATTRIBUTE: {
		/* self.x = …: an instance attribute of the method's class. */
		TSNode obj = field(n, PF_OBJECT), attr = field(n, PF_ATTRIBUTE);
		int fs = kind(obj) == K_IDENT ? self_scope(w, obj, sc) : -1;
		if (fs < 0 || ts_node_is_null(attr)) {
			visit(w, n, sc);
			return;
		}
		visit(w, obj, sc);
		int b = named_binding(w, attr, w->p->scopes[fs].parent, CTX_PYB_INSTANCE, 0);
		if (b >= 0)
			w->p->binds[b].annot = annot;
		return;
	}
	default:
		visit(w, n, sc);
	}
}

/* The identifier inside a parameter (name, *name, **name), or a null node. */
static TSNode
param_name(TSNode n)
{
	while (!ts_node_is_null(n) && kind(n) != K_IDENT) {
		enum kind k = kind(n);
		if (k == K_DEFAULT_PARAM || k == K_TYPED_DEFAULT_PARAM)
			n = field(n, PF_NAME);
		else if (k == K_TYPED_PARAM || k == K_SPLAT_PATTERN || k == K_DSPLAT_PATTERN)
			n = ts_node_named_child(n, 0);
		else
			return (TSNode){ 0 };
	}
	return n;
}

/* Parameters bind in fs; their defaults and annotations are evaluated in outer. */
static void
parameters(struct walker *w, TSNode params, int outer, int fs)
{
	for (uint32_t i = 0, k = ts_node_named_child_count(params); i < k && !w->err; i++) {
		TSNode c = ts_node_named_child(params, i), type = field(c, PF_TYPE), value = field(c, PF_VALUE);
		TSNode id = param_name(c);
		int annot = -1;
		if (!ts_node_is_null(type))
			annot = visit(w, type, outer);
		if (!ts_node_is_null(value))
			visit(w, value, outer);
		if (!ts_node_is_null(id)) {
			int b = named_binding(w, id, fs, CTX_PYB_PARAM, 0);
			if (b >= 0)
				w->p->binds[b].annot = annot;
		} else if (kind(c) == K_PATTERNS || kind(field(c, PF_NAME)) == K_PATTERNS) {
			bind_targets(w, kind(c) == K_PATTERNS ? c : field(c, PF_NAME), fs, 0, -1);
		}
	}
}

/* The first line of a body's docstring, in [*a, *b). */
static void
docstring(struct walker *w, TSNode body, uint32_t *a, uint32_t *b)
{
	TSNode first = ts_node_named_child(body, 0);

	for (uint32_t i = 1; kind(first) == K_COMMENT; i++)
		first = ts_node_named_child(body, i);
	*a = *b = 0;
	if (kind(first) != K_EXPR_STMT)
		return;
	TSNode str = ts_node_named_child(first, 0);
	if (kind(str) != K_STRING)
		return;
	for (uint32_t i = 0, k = ts_node_named_child_count(str); i < k; i++) {
		TSNode c = ts_node_named_child(str, i);
		if (kind(c) != K_STRING_CONTENT)
			continue;
		const char *s = w->p->src;
		uint32_t x = ts_node_start_byte(c), y = ts_node_end_byte(c);
		while (x < y && (s[x] == ' ' || s[x] == '\n' || s[x] == '\t' || s[x] == '\r'))
			x++;
		uint32_t e = x;
		while (e < y && s[e] != '\n' && s[e] != '\r')
			e++;
		*a = x;
		*b = e;
		return;
	}
}

/* The header of a def or class: from its start to the ':' before its body. */
static void
header(struct walker *w, TSNode def, TSNode body, int b)
{
	uint32_t a = ts_node_start_byte(def), e = ts_node_end_byte(def);

	for (uint32_t i = ts_node_child_count(def); i > 0; i--) {
		TSNode c = ts_node_child(def, i - 1);
		if (!ts_node_is_named(c) && strcmp(ts_node_type(c), ":") == 0) {
			e = ts_node_start_byte(c);
			break;
		}
	}
	w->p->binds[b].sig = a;
	w->p->binds[b].sig_end = e;
	if (!ts_node_is_null(body))
		docstring(w, body, &w->p->binds[b].doc, &w->p->binds[b].doc_end);
}

static void
function(struct walker *w, TSNode n, int sc, enum ctx_pyself decorated)
{
	TSNode name = field(n, PF_NAME), params = field(n, PF_PARAMETERS), body = field(n, PF_BODY);
	int b = ts_node_is_null(name) ? -1 : named_binding(w, name, sc, CTX_PYB_DEF, 0);
	int fs = new_scope(w, CTX_PYS_FUNCTION, sc, b);

	if (w->err)
		return;
	if (b >= 0)
		header(w, n, body, b);
	int before = w->p->nbinds;
	if (!ts_node_is_null(params))
		parameters(w, params, sc, fs);
	visit(w, field(n, PF_RETURN_TYPE), sc);
	struct ctx_pyscope_s *s = &w->p->scopes[fs];
	if (w->p->scopes[sc].kind == CTX_PYS_CLASS && decorated != CTX_PYSELF_NONE) {
		for (int i = before; i < w->p->nbinds && s->self_param < 0; i++)
			if (w->p->binds[i].scope == fs && w->p->binds[i].kind == CTX_PYB_PARAM)
				s->self_param = i;
		s->self_kind = decorated;
		if (b >= 0 && (strcmp(w->p->binds[b].name, "__new__") == 0 ||
		    strcmp(w->p->binds[b].name, "__init_subclass__") == 0))
			s->self_kind = CTX_PYSELF_CLASS;
	}
	if (!ts_node_is_null(body))
		visit(w, body, fs);
}

static void
class(struct walker *w, TSNode n, int sc)
{
	TSNode name = field(n, PF_NAME), sup = field(n, PF_SUPERCLASSES), body = field(n, PF_BODY);
	int b = ts_node_is_null(name) ? -1 : named_binding(w, name, sc, CTX_PYB_CLASS, 0);
	int cs = new_scope(w, CTX_PYS_CLASS, sc, b);
	struct ctx_pyscope *p = w->p;

	if (w->err)
		return;
	if (b >= 0)
		header(w, n, body, b);
	p->scopes[cs].bases = p->nbase_refs;
	for (uint32_t i = 0, k = ts_node_is_null(sup) ? 0 : ts_node_named_child_count(sup); i < k && !w->err; i++) {
		TSNode c = ts_node_named_child(sup, i);
		if (kind(c) == K_KEYWORD_ARG) { /* metaclass=… */
			add_ref(w, field(c, PF_NAME), sc, CTX_PYR_OTHER, -1);
			visit(w, field(c, PF_VALUE), sc);
			continue;
		}
		int r = visit(w, c, sc);
		if (!grow(w, (void **)&p->base_refs, p->nbase_refs, &w->cap_bases, sizeof *p->base_refs))
			return;
		p->base_refs[p->nbase_refs++] = r;
		p->scopes[cs].nbases++;
	}
	if (!ts_node_is_null(body))
		visit(w, body, cs);
}

static void
decorated(struct walker *w, TSNode n, int sc)
{
	TSNode def = field(n, PF_DEFINITION);
	enum ctx_pyself self = CTX_PYSELF_INSTANCE;

	for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k && !w->err; i++) {
		TSNode d = ts_node_named_child(n, i);
		if (kind(d) != K_DECORATOR)
			continue;
		TSNode e = ts_node_named_child(d, 0);
		if (is_named(w, e, "staticmethod"))
			self = CTX_PYSELF_NONE;
		else if (is_named(w, e, "classmethod"))
			self = CTX_PYSELF_CLASS;
		visit(w, d, sc);
	}
	int first = w->p->nscopes; /* a decorated class's scope, made next */
	if (kind(def) == K_FUNCTION)
		function(w, def, sc, self);
	else
		visit(w, def, sc);
	if (kind(def) == K_CLASS && first < w->p->nscopes)
		w->p->scopes[first].decorated = true;
}

static void
comprehension(struct walker *w, TSNode n, int sc)
{
	int cs = new_scope(w, CTX_PYS_COMPREHENSION, sc, -1);
	bool first = true;

	for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k && !w->err; i++) {
		TSNode c = ts_node_named_child(n, i);
		if (kind(c) == K_FOR_IN) {
			/* The first iterable is evaluated in the enclosing scope. */
			visit(w, field(c, PF_RIGHT), first ? sc : cs);
			bind_targets(w, field(c, PF_LEFT), cs, 0, -1);
			first = false;
		} else {
			visit(w, c, cs);
		}
	}
}

/* import a.b.c binds a; import a.b as c binds c. Every dotted part is a ref. */
static const char *
dotted(struct walker *w, TSNode d, const char *prefix)
{
	size_t plen = strlen(prefix), len = ts_node_end_byte(d) - ts_node_start_byte(d);
	char *s = ctx_arena_alloc(w->arena, plen + len + 1), *o = s;

	if (!s) {
		w->err = -ENOMEM;
		return "";
	}
	memcpy(o, prefix, plen);
	o += plen;
	for (uint32_t i = 0, k = ts_node_named_child_count(d); i < k; i++) {
		TSNode c = ts_node_named_child(d, i);
		uint32_t a = ts_node_start_byte(c), b = ts_node_end_byte(c);
		if (i)
			*o++ = '.';
		memcpy(o, w->p->src + a, b - a);
		o += b - a;
	}
	*o = '\0';
	return s;
}

/* Each part of a dotted module name a ref of kind MODULE, from part `from` on. */
static void
module_parts(struct walker *w, TSNode d, const char *module, int sc, uint32_t from)
{
	for (uint32_t i = from, k = ts_node_named_child_count(d); i < k; i++) {
		int r = add_ref(w, ts_node_named_child(d, i), sc, CTX_PYR_MODULE, -1);
		if (r >= 0) {
			w->p->refs[r].module = module;
			w->p->refs[r].parts = (int)i + 1;
		}
	}
}

static void
import(struct walker *w, TSNode n, int sc)
{
	for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k && !w->err; i++) {
		TSNode c = ts_node_named_child(n, i);
		bool alias = kind(c) == K_ALIASED_IMPORT;
		TSNode d = alias ? field(c, PF_NAME) : c;
		if (kind(d) != K_DOTTED_NAME)
			continue;
		const char *module = dotted(w, d, "");
		int b = named_binding(w, alias ? field(c, PF_ALIAS) : ts_node_named_child(d, 0), sc, CTX_PYB_IMPORT, 0);
		if (b < 0)
			return;
		w->p->binds[b].module = module;
		w->p->binds[b].aliased = alias;
		module_parts(w, d, module, sc, alias ? 0 : 1);
	}
}

static void
import_from(struct walker *w, TSNode n, int sc)
{
	TSNode mod = field(n, PF_MODULE_NAME);
	const char *module = "";

	if (kind(mod) == K_DOTTED_NAME) {
		module = dotted(w, mod, "");
		module_parts(w, mod, module, sc, 0);
	} else if (kind(mod) == K_RELATIVE_IMPORT) {
		TSNode prefix = ts_node_named_child(mod, 0), d = ts_node_named_child(mod, 1);
		char dots[64];
		uint32_t nd = kind(prefix) != K_IMPORT_PREFIX ? 0
		    : ts_node_end_byte(prefix) - ts_node_start_byte(prefix);
		nd = nd < sizeof dots - 1 ? nd : sizeof dots - 1;
		memset(dots, '.', nd);
		dots[nd] = '\0';
		module = kind(d) == K_DOTTED_NAME ? dotted(w, d, dots) : ctx_arena_strndup(w->arena, dots, nd);
		if (!module) {
			w->err = -ENOMEM;
			return;
		}
		if (kind(d) == K_DOTTED_NAME)
			module_parts(w, d, module, sc, 0);
	}
	for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k && !w->err; i++) {
		TSNode c = ts_node_named_child(n, i);
		if (ts_node_eq(c, mod))
			continue;
		if (kind(c) == K_WILDCARD) {
			int b = binding(w, c, sc, CTX_PYB_STAR, 0);
			if (b >= 0) {
				w->p->binds[b].module = module;
				w->p->binds[b].name = "*";
			}
			continue;
		}
		bool alias = kind(c) == K_ALIASED_IMPORT;
		TSNode d = alias ? field(c, PF_NAME) : c;
		if (kind(d) != K_DOTTED_NAME)
			continue;
		int b = named_binding(w, alias ? field(c, PF_ALIAS) : d, sc, CTX_PYB_FROM, 0);
		if (b < 0)
			return;
		w->p->binds[b].module = module;
		w->p->binds[b].orig = dotted(w, d, "");
		if (alias) { /* the original name, asked about, means what the binding means */
			int r = add_ref(w, d, sc, CTX_PYR_BIND, -1);
			if (r >= 0)
				w->p->refs[r].bind = b;
		}
	}
}

/* super(), or super(C, self) with C the class of the method it is in: what follows is
 * looked up in the bases of that class. super(Other, self) is not followed. */
static bool
is_super(struct walker *w, TSNode call, int sc)
{
	TSNode args = field(call, PF_ARGUMENTS);
	uint32_t n = kind(args) == K_ARGUMENT_LIST ? ts_node_named_child_count(args) : 1;

	if (!is_named(w, field(call, PF_FUNCTION), "super") || (n != 0 && n != 2))
		return false;
	if (n == 0)
		return true;
	int cls = ctx_pyscope_method_class(w->p, sc), owner = cls >= 0 ? w->p->scopes[cls].owner : -1;
	return owner >= 0 && is_named(w, ts_node_named_child(args, 0), w->p->binds[owner].name);
}

static int
call(struct walker *w, TSNode n, int sc)
{
	int callee = visit(w, field(n, PF_FUNCTION), sc);
	TSNode args = field(n, PF_ARGUMENTS);

	if (kind(args) != K_ARGUMENT_LIST) {
		visit(w, args, sc);
	} else {
		for (uint32_t i = 0, k = ts_node_named_child_count(args); i < k && !w->err; i++) {
			TSNode c = ts_node_named_child(args, i);
			if (kind(c) != K_KEYWORD_ARG) {
				visit(w, c, sc);
				continue;
			}
			add_ref(w, field(c, PF_NAME), sc, CTX_PYR_KWARG, callee >= 0 ? callee : -1);
			visit(w, field(c, PF_VALUE), sc);
		}
	}
	return is_super(w, n, sc) ? CTX_PYREF_SUPER : -1;
}

/* The nearest scope that is not a comprehension: where a walrus binds. */
static int
walrus_scope(const struct ctx_pyscope *p, int sc)
{
	while (sc > 0 && p->scopes[sc].kind == CTX_PYS_COMPREHENSION)
		sc = p->scopes[sc].parent;
	return sc;
}

static void
declare(struct walker *w, TSNode n, int sc, enum ctx_pybind_kind k)
{
	for (uint32_t i = 0, c = ts_node_named_child_count(n); i < c && !w->err; i++) {
		TSNode id = ts_node_named_child(n, i);
		if (kind(id) != K_IDENT)
			continue;
		if (binding(w, id, sc, k, 0) >= 0) /* the name in `global x` is looked up like any use of x */
			add_ref(w, id, sc, CTX_PYR_NAME, -1);
	}
}

/* Visit n in scope sc. Returns the ref of n's value when n is a name or an attribute chain
 * (the receiver of what may follow), CTX_PYREF_SUPER for super(), else -1. */
static int
visit(struct walker *w, TSNode n, int sc)
{
	int r = -1;

	if (ts_node_is_null(n) || w->err || w->depth >= MAX_DEPTH)
		return -1;
	w->depth++;
	switch (kind(n)) {
	case K_IDENT:
		r = add_ref(w, n, sc, CTX_PYR_NAME, -1);
		break;
	case K_ATTRIBUTE: {
		int recv = visit(w, field(n, PF_OBJECT), sc);
		TSNode attr = field(n, PF_ATTRIBUTE);
		if (!ts_node_is_null(attr))
			r = add_ref(w, attr, sc, CTX_PYR_ATTR, recv);
		break;
	}
	case K_CALL:
		r = call(w, n, sc);
		break;
	case K_TYPE:
	case K_PARENTHESIZED:
		if (ts_node_named_child_count(n) == 1) {
			r = visit(w, ts_node_named_child(n, 0), sc);
			break;
		}
		visit_children(w, n, sc);
		break;
	case K_FUNCTION:
		function(w, n, sc, w->p->scopes[sc].kind == CTX_PYS_CLASS ? CTX_PYSELF_INSTANCE : CTX_PYSELF_NONE);
		break;
	case K_CLASS:
		class(w, n, sc);
		break;
	case K_DECORATED:
		decorated(w, n, sc);
		break;
	case K_LAMBDA: {
		int ls = new_scope(w, CTX_PYS_LAMBDA, sc, -1);
		TSNode params = field(n, PF_PARAMETERS);
		if (!ts_node_is_null(params))
			parameters(w, params, sc, ls);
		visit(w, field(n, PF_BODY), ls);
		break;
	}
	case K_COMPREHENSION:
		comprehension(w, n, sc);
		break;
	case K_ASSIGNMENT: {
		TSNode type = field(n, PF_TYPE);
		int annot = ts_node_is_null(type) ? -1 : visit(w, type, sc);
		visit(w, field(n, PF_RIGHT), sc);
		bind_targets(w, field(n, PF_LEFT), sc, ts_node_end_byte(n), annot);
		break;
	}
	case K_AUGMENTED: {
		visit(w, field(n, PF_RIGHT), sc);
		bind_targets(w, field(n, PF_LEFT), sc, ts_node_end_byte(n), -1);
		break;
	}
	case K_NAMED_EXPR: {
		visit(w, field(n, PF_VALUE), sc);
		TSNode name = field(n, PF_NAME);
		if (kind(name) == K_IDENT)
			named_binding(w, name, walrus_scope(w->p, sc), CTX_PYB_ASSIGN, ts_node_end_byte(n));
		break;
	}
	case K_FOR: {
		visit(w, field(n, PF_RIGHT), sc);
		TSNode left = field(n, PF_LEFT);
		bind_targets(w, left, sc, 0, -1);
		for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k && !w->err; i++) {
			TSNode c = ts_node_named_child(n, i);
			if (!ts_node_eq(c, left) && !ts_node_eq(c, field(n, PF_RIGHT)))
				visit(w, c, sc);
		}
		break;
	}
	case K_AS_PATTERN: /* with x as y, case p as y */
		for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k && !w->err; i++) {
			TSNode c = ts_node_named_child(n, i);
			if (kind(c) == K_AS_TARGET)
				bind_targets(w, c, sc, 0, -1);
			else
				visit(w, c, sc);
		}
		break;
	case K_EXCEPT: {
		TSNode alias = field(n, PF_ALIAS);
		for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k && !w->err; i++) {
			TSNode c = ts_node_named_child(n, i);
			if (!ts_node_eq(c, alias))
				visit(w, c, sc);
		}
		if (!ts_node_is_null(alias))
			bind_targets(w, alias, sc, 0, -1);
		break;
	}
	case K_IF: { /* the condition, then each of consequence, elif, else a branch */
		int owner = ++w->statements;
		TSNode cond = field(n, PF_CONDITION);
		visit(w, cond, sc);
		for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k && !w->err; i++) {
			TSNode c = ts_node_named_child(n, i);
			if (!ts_node_eq(c, cond))
				visit_branch(w, c, sc, owner, CTX_PYBR_IF);
		}
		break;
	}
	case K_TRY: {
		int owner = ++w->statements;
		for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k && !w->err; i++) {
			TSNode c = ts_node_named_child(n, i);
			enum kind ck = kind(c);
			enum ctx_pybranch_kind bk = CTX_PYBR_TRY_BODY;
			if (ck == K_EXCEPT || ck == K_EXCEPT_GROUP)
				bk = CTX_PYBR_EXCEPT;
			else if (ck == K_ELSE)
				bk = CTX_PYBR_TRY_ELSE;
			else if (ck == K_FINALLY)
				bk = CTX_PYBR_FINALLY;
			visit_branch(w, c, sc, owner, bk);
		}
		break;
	}
	case K_MATCH: {
		int saved = w->match;
		w->match = ++w->statements;
		visit_children(w, n, sc);
		w->match = saved;
		break;
	}
	case K_CASE:
		if (w->match > 0) {
			int owner = w->match;
			w->match = 0; /* once: the case itself is walked inside its branch */
			visit_branch(w, n, sc, owner, CTX_PYBR_IF);
			w->match = owner;
			break;
		}
		visit_children(w, n, sc);
		break;
	case K_IMPORT:
		import(w, n, sc);
		break;
	case K_IMPORT_FROM:
		import_from(w, n, sc);
		break;
	case K_FUTURE_IMPORT:
		break;
	case K_GLOBAL:
		declare(w, n, sc, CTX_PYB_GLOBAL);
		break;
	case K_NONLOCAL:
		declare(w, n, sc, CTX_PYB_NONLOCAL);
		break;
	case K_DELETE:
		for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k && !w->err; i++) {
			TSNode c = ts_node_named_child(n, i);
			if (kind(c) == K_IDENT) {
				add_ref(w, c, sc, CTX_PYR_NAME, -1);
				binding(w, c, sc, CTX_PYB_DEL, 0);
			} else {
				visit(w, c, sc);
			}
		}
		break;
	case K_KEYWORD_ARG:
	case K_KEYWORD_PATTERN: {
		TSNode name = kind(n) == K_KEYWORD_ARG ? field(n, PF_NAME) : ts_node_named_child(n, 0);
		for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k && !w->err; i++) {
			TSNode c = ts_node_named_child(n, i);
			if (ts_node_eq(c, name) && kind(c) == K_IDENT)
				add_ref(w, c, sc, CTX_PYR_OTHER, -1);
			else
				visit(w, c, sc);
		}
		break;
	}
	case K_DOTTED_NAME: /* outside imports: case a.b: */
		for (uint32_t i = 0, k = ts_node_named_child_count(n); i < k && !w->err; i++)
			r = add_ref(w, ts_node_named_child(n, i), sc, i ? CTX_PYR_ATTR : CTX_PYR_NAME, r);
		break;
	default:
		visit_children(w, n, sc);
	}
	w->depth--;
	return r;
}

/* ---- after the walk: bindings grouped by scope and name ---- */

static const struct ctx_pyscope *sorting;

static int
cmp_bind(const void *a, const void *b)
{
	const struct ctx_pybind *x = &sorting->binds[*(const int *)a], *y = &sorting->binds[*(const int *)b];
	int c = (x->scope > y->scope) - (x->scope < y->scope);

	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = (x->byte > y->byte) - (x->byte < y->byte);
	if (!c)
		c = (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
	return c;
}

static int
cmp_ref(const void *a, const void *b)
{
	const struct ctx_pyref *x = &sorting->refs[*(const int *)a], *y = &sorting->refs[*(const int *)b];
	int c = (x->byte > y->byte) - (x->byte < y->byte);
	return c ? c : (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER; /* qsort has no argument */

static int
finish(struct ctx_pyscope *p)
{
	size_t n = (size_t)p->nbinds + 1;
	int *order = malloc(n * sizeof *order), *rank = calloc(n, sizeof *rank);
	struct ctx_pybind *sorted = malloc(n * sizeof *sorted);

	p->by_pos = malloc(((size_t)p->nrefs + 1) * sizeof *p->by_pos);
	if (!order || !rank || !sorted || !p->by_pos) {
		free(order);
		free(rank);
		free(sorted);
		return -ENOMEM;
	}
	for (int i = 0; i < p->nbinds; i++)
		order[i] = i;
	for (int i = 0; i < p->nrefs; i++)
		p->by_pos[i] = i;
	pthread_mutex_lock(&sort_lock);
	sorting = p;
	qsort(order, (size_t)p->nbinds, sizeof *order, cmp_bind);
	qsort(p->by_pos, (size_t)p->nrefs, sizeof *p->by_pos, cmp_ref);
	pthread_mutex_unlock(&sort_lock);
	for (int i = 0; i < p->nbinds; i++) {
		sorted[i] = p->binds[order[i]];
		rank[order[i]] = i;
	}
	for (int i = 0; i < p->nscopes; i++) {
		struct ctx_pyscope_s *s = &p->scopes[i];
		if (s->owner >= 0)
			s->owner = rank[s->owner];
		if (s->self_param >= 0)
			s->self_param = rank[s->self_param];
		s->bfirst = p->nbinds;
		s->bcount = 0;
	}
	for (int j = 0; j < p->nbinds; j++) { /* a scope's bindings are contiguous once sorted */
		struct ctx_pyscope_s *s = &p->scopes[p->binds[j].scope];
		s->bcount++;
		if (rank[j] < s->bfirst)
			s->bfirst = rank[j];
	}
	free(p->binds);
	p->binds = sorted;
	for (int i = 0; i < p->nrefs; i++)
		if (p->refs[i].bind >= 0)
			p->refs[i].bind = rank[p->refs[i].bind];
	free(order);
	free(rank);
	return 0;
}

/* A line ends at \n, \r\n or a lone \r, as Python reads source. */
static bool
line_end(const struct ctx_pyscope *p, size_t i)
{
	return p->src[i] == '\n' || (p->src[i] == '\r' && (i + 1 >= p->len || p->src[i + 1] != '\n'));
}

static int
line_table(struct ctx_pyscope *p)
{
	long n = 1;

	for (size_t i = 0; i < p->len; i++)
		n += line_end(p, i);
	p->lines = malloc((size_t)n * sizeof *p->lines);
	if (!p->lines)
		return -ENOMEM;
	p->lines[0] = 0;
	p->nlines = 1;
	for (size_t i = 0; i < p->len; i++)
		if (line_end(p, i))
			p->lines[p->nlines++] = (uint32_t)(i + 1);
	return 0;
}

void
ctx_pyscope_free(struct ctx_pyscope *p)
{
	if (!p)
		return;
	ctx_arena_release(&p->arena);
	free(p->scopes);
	free(p->binds);
	free(p->refs);
	free(p->base_refs);
	free(p->branches);
	free(p->by_pos);
	free(p->lines);
	free(p);
}

size_t
ctx_pyscope_size(const struct ctx_pyscope *p)
{
	size_t names = 0;

	for (int i = 0; i < p->nbinds; i++)
		names += strlen(p->binds[i].name) + 1;
	return sizeof *p + p->len + names + (size_t)p->nscopes * sizeof *p->scopes +
	    (size_t)p->nbinds * sizeof *p->binds + (size_t)p->nrefs * (sizeof *p->refs + sizeof *p->by_pos) +
	    (size_t)p->nbase_refs * sizeof *p->base_refs + (size_t)p->nbranches * sizeof *p->branches +
	    (size_t)p->nlines * sizeof *p->lines;
}

struct ctx_pyscope *
ctx_pyscope_parse(const char *src, size_t len, int *err)
{
	struct ctx_pyscope *p = calloc(1, sizeof *p);
	struct walker w = { .p = p, .branch = -1 };
	TSParser *parser = NULL;
	TSTree *tree = NULL;
	char *copy;

	pthread_once(&once, resolve_names);
	if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
		src += 3;
		len -= 3;
	}
	if (!p || !kind_of_symbol || len > UINT32_MAX - 1)
		goto fail;
	w.arena = &p->arena;
	copy = ctx_arena_alloc(&p->arena, len + 1);
	if (!copy)
		goto fail;
	memcpy(copy, src, len);
	copy[len] = '\0';
	p->src = copy;
	p->len = len;
	bool parseable = ctx_ts_parseable(ctx_lang_parsed("x.py"), copy, len);
	if (line_table(p) < 0 || !(parser = ts_parser_new()) || !ts_parser_set_language(parser, tree_sitter_python()) ||
	    !(tree = ts_parser_parse_string(parser, NULL, copy, parseable ? (uint32_t)len : 0)))
		goto fail;
	TSNode root = ts_tree_root_node(tree);
	p->parse_error = !parseable || ts_node_has_error(root);
	new_scope(&w, CTX_PYS_MODULE, -1, -1);
	docstring(&w, root, &p->doc, &p->doc_end);
	visit_children(&w, root, 0);
	ts_tree_delete(tree);
	ts_parser_delete(parser);
	if (!w.err && finish(p) == 0)
		return p;
fail:
	if (tree)
		ts_tree_delete(tree);
	ts_parser_delete(parser);
	ctx_pyscope_free(p);
	*err = -ENOMEM;
	return NULL;
}

/* ---- questions ---- */

static uint32_t
byte_of(const struct ctx_pyscope *p, long line, long col)
{
	if (line < 1 || line > p->nlines || col < 1)
		return UINT32_MAX;
	uint32_t a = p->lines[line - 1], e = a;
	while (e < p->len && p->src[e] != '\n' && p->src[e] != '\r')
		e++;
	/* Characters as ctx_pyscope_position and the rest of ctx-lsp count them. */
	return a + (uint32_t)ctx_utf8_cut_chars(p->src + a, e - a, (size_t)col - 1);
}

void
ctx_pyscope_position(const struct ctx_pyscope *p, uint32_t byte, long *line, long *col)
{
	long lo = 0, hi = p->nlines - 1;

	while (lo < hi) {
		long mid = (lo + hi + 1) / 2;
		if (p->lines[mid] <= byte)
			lo = mid;
		else
			hi = mid - 1;
	}
	*line = lo + 1;
	*col = 1;
	for (uint32_t b = p->lines[lo]; b < byte && b < p->len; b++)
		*col += ((unsigned char)p->src[b] & 0xC0) != 0x80;
}

int
ctx_pyscope_ref_at(const struct ctx_pyscope *p, long line, long col)
{
	uint32_t b = byte_of(p, line, col);
	int lo = 0, hi = p->nrefs - 1, at = -1;

	if (b == UINT32_MAX)
		return -1;
	while (lo <= hi) { /* the last ref starting at or before b */
		int mid = (lo + hi) / 2;
		if (p->refs[p->by_pos[mid]].byte <= b) {
			at = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (at < 0)
		return -1;
	const struct ctx_pyref *r = &p->refs[p->by_pos[at]];
	/* Several refs may share a position (an import's original name is also its binding):
	 * by_pos keeps them in the order met, the first is the one meant. */
	while (at > 0 && p->refs[p->by_pos[at - 1]].byte == r->byte)
		r = &p->refs[p->by_pos[--at]];
	return b <= r->end ? p->by_pos[at] : -1;
}

const char *
ctx_pyscope_ref_name(const struct ctx_pyscope *p, int ref, char *buf, size_t size)
{
	const struct ctx_pyref *r = &p->refs[ref];
	size_t n = r->end - r->byte < size - 1 ? r->end - r->byte : size - 1;

	memcpy(buf, p->src + r->byte, n);
	buf[n] = '\0';
	return buf;
}

static bool
is_definition(enum ctx_pybind_kind k)
{
	return k != CTX_PYB_INSTANCE && k != CTX_PYB_GLOBAL && k != CTX_PYB_NONLOCAL && k != CTX_PYB_DEL &&
	    k != CTX_PYB_STAR;
}

/* The run [*first, *last) of bindings named name in scope. */
static bool
run_of(const struct ctx_pyscope *p, int scope, const char *name, int *first, int *last)
{
	const struct ctx_pyscope_s *s = &p->scopes[scope];
	int lo = s->bfirst, hi = s->bfirst + s->bcount;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (strcmp(p->binds[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (hi < s->bfirst + s->bcount && strcmp(p->binds[hi].name, name) == 0)
		hi++;
	*last = hi;
	return hi > lo;
}

/* Whether a binding in branch b can reach a use in branch r: not when the innermost
 * statement holding both has them in different branches, unless that is a try whose body
 * holds the binding or whose finally holds the use. */
static bool
reaches(const struct ctx_pyscope *p, int b, int r)
{
	for (int x = b; x >= 0; x = p->branches[x].parent)
		for (int y = r; y >= 0; y = p->branches[y].parent) {
			if (p->branches[x].owner != p->branches[y].owner)
				continue;
			if (x == y)
				return true;
			enum ctx_pybranch_kind kb = p->branches[x].kind, kr = p->branches[y].kind;
			return kb == CTX_PYBR_TRY_BODY || kr == CTX_PYBR_FINALLY || kb == CTX_PYBR_FINALLY;
		}
	return true;
}

/* The binding of name in scope nearest before `before` that can reach a use in branch
 * (the last with UINT32_MAX), else, when or_first, the first. Only a scope that defines
 * the name has any. */
static int
pick(const struct ctx_pyscope *p, int scope, const char *name, uint32_t before, int branch, bool or_first)
{
	int first, last, found = -1, earliest = -1;

	if (scope < 0 || scope >= p->nscopes || !run_of(p, scope, name, &first, &last))
		return -1;
	for (int i = first; i < last && earliest < 0; i++)
		if (is_definition(p->binds[i].kind))
			earliest = i;
	if (earliest < 0)
		return -1;
	for (int i = first; i < last; i++) {
		const struct ctx_pybind *b = &p->binds[i];
		bool before_use = before == UINT32_MAX || (b->eff <= before && reaches(p, b->branch, branch));
		if (is_definition(b->kind) && before_use)
			found = i;
	}
	return found >= 0 ? found : or_first ? earliest : -1;
}

int
ctx_pyscope_last(const struct ctx_pyscope *p, int scope, const char *name)
{
	return pick(p, scope, name, UINT32_MAX, -1, true);
}

int
ctx_pyscope_instance_attr(const struct ctx_pyscope *p, int scope, const char *name)
{
	int first, last, found = -1;

	if (scope < 0 || scope >= p->nscopes || !run_of(p, scope, name, &first, &last))
		return -1;
	for (int i = first; i < last; i++) /* the last one, where jedi's list of them starts */
		if (p->binds[i].kind == CTX_PYB_INSTANCE)
			found = i;
	return found;
}

/* GLOBAL or NONLOCAL when scope declares name so, else CTX_PYB_ASSIGN. */
static enum ctx_pybind_kind
declared(const struct ctx_pyscope *p, int scope, const char *name)
{
	int first, last;

	if (!run_of(p, scope, name, &first, &last))
		return CTX_PYB_ASSIGN;
	for (int i = first; i < last; i++)
		if (p->binds[i].kind == CTX_PYB_GLOBAL || p->binds[i].kind == CTX_PYB_NONLOCAL)
			return p->binds[i].kind;
	return CTX_PYB_ASSIGN;
}

int
ctx_pyscope_lookup(const struct ctx_pyscope *p, int scope, const char *name, uint32_t byte, int branch,
    bool *global)
{
	bool crossed = false, first = true;

	*global = false;
	for (int s = scope; s >= 0 && s < p->nscopes; first = false, s = p->scopes[s].parent) {
		enum ctx_pyscope_kind k = p->scopes[s].kind;
		if (k == CTX_PYS_CLASS && !first)
			continue; /* class bodies do not enclose the functions inside them */
		enum ctx_pybind_kind d = declared(p, s, name);
		if (d == CTX_PYB_GLOBAL || d == CTX_PYB_NONLOCAL) {
			/* The scope's own assignments set the outer name: the nearest one before. */
			int b = crossed ? -1 : pick(p, s, name, byte, branch, false);
			if (b >= 0)
				return b;
			if (d == CTX_PYB_GLOBAL) {
				*global = true;
				return ctx_pyscope_last(p, 0, name);
			}
			crossed = true;
			continue;
		}
		/* A function's names are local wherever they are bound in it; a class body's and
		 * the module's exist once bound. */
		bool dynamic = k == CTX_PYS_CLASS || k == CTX_PYS_MODULE;
		int b = pick(p, s, name, crossed ? UINT32_MAX : byte, branch, !dynamic);
		if (b >= 0)
			return b;
		int first_b, last_b;
		bool local = false;
		if (!dynamic && run_of(p, s, name, &first_b, &last_b))
			for (int i = first_b; i < last_b; i++)
				local |= p->binds[i].kind == CTX_PYB_DEL;
		if (local)
			return -1;
		if (k == CTX_PYS_FUNCTION || k == CTX_PYS_LAMBDA)
			crossed = true;
	}
	*global = true;
	return -1;
}

int
ctx_pyscope_method_class(const struct ctx_pyscope *p, int scope)
{
	while (scope > 0 && p->scopes[scope].kind != CTX_PYS_FUNCTION)
		scope = p->scopes[scope].parent;
	for (; scope > 0; scope = p->scopes[scope].parent) {
		int parent = p->scopes[scope].parent;
		if (p->scopes[scope].kind == CTX_PYS_FUNCTION && parent >= 0 && p->scopes[parent].kind == CTX_PYS_CLASS)
			return parent;
	}
	return -1;
}

static const char *const builtins[] = {
	"ArithmeticError", "AssertionError", "AttributeError", "BaseException", "BaseExceptionGroup",
	"BlockingIOError", "BrokenPipeError", "BufferError", "BytesWarning", "ChildProcessError",
	"ConnectionAbortedError", "ConnectionError", "ConnectionRefusedError", "ConnectionResetError",
	"DeprecationWarning", "EOFError", "Ellipsis", "EncodingWarning", "EnvironmentError", "Exception",
	"ExceptionGroup", "False", "FileExistsError", "FileNotFoundError", "FloatingPointError", "FutureWarning",
	"GeneratorExit", "IOError", "ImportError", "ImportWarning", "IndentationError", "IndexError",
	"InterruptedError", "IsADirectoryError", "KeyError", "KeyboardInterrupt", "LookupError", "MemoryError",
	"ModuleNotFoundError", "NameError", "None", "NotADirectoryError", "NotImplemented", "NotImplementedError",
	"OSError", "OverflowError", "PendingDeprecationWarning", "PermissionError", "ProcessLookupError",
	"RecursionError", "ReferenceError", "ResourceWarning", "RuntimeError", "RuntimeWarning",
	"StopAsyncIteration", "StopIteration", "SyntaxError", "SyntaxWarning", "SystemError", "SystemExit",
	"TabError", "TimeoutError", "True", "TypeError", "UnboundLocalError", "UnicodeDecodeError",
	"UnicodeEncodeError", "UnicodeError", "UnicodeTranslateError", "UnicodeWarning", "UserWarning", "ValueError",
	"Warning", "ZeroDivisionError", "__annotations__", "__build_class__", "__builtins__", "__class__",
	"__debug__", "__dict__", "__doc__", "__file__", "__import__", "__loader__", "__module__", "__name__",
	"__package__", "__path__", "__qualname__", "__spec__", "abs", "aiter", "all", "anext", "any", "ascii",
	"bin", "bool", "breakpoint", "bytearray", "bytes", "callable", "chr", "classmethod", "compile", "complex",
	"copyright", "credits", "delattr", "dict", "dir", "divmod", "enumerate", "eval", "exec", "exit", "filter",
	"float", "format", "frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id", "input", "int",
	"isinstance", "issubclass", "iter", "len", "license", "list", "locals", "map", "max", "memoryview", "min",
	"next", "object", "oct", "open", "ord", "pow", "print", "property", "quit", "range", "repr", "reversed",
	"round", "set", "setattr", "slice", "sorted", "staticmethod", "str", "sum", "super", "tuple", "type", "vars",
	"zip",
};

static int
cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool
ctx_pyscope_builtin(const char *name)
{
	return bsearch(name, builtins, sizeof builtins / sizeof *builtins, sizeof *builtins, cmp_name) != NULL;
}
