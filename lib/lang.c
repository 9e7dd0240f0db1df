#include "lang.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tsnames.h"

#ifndef CTX_GRAMMAR_VERSION_python /* the Makefile sets them from mk/grammars */
#define CTX_GRAMMAR_VERSION_python "unknown"
#define CTX_GRAMMAR_VERSION_c "unknown"
#define CTX_GRAMMAR_VERSION_go "unknown"
#define CTX_GRAMMAR_VERSION_javascript "unknown"
#define CTX_GRAMMAR_VERSION_typescript "unknown"
#endif

const char *const ctx_kind_names[SK_COUNT] = {
	[SK_NONE] = "", [SK_FUNCTION] = "function", [SK_METHOD] = "method", [SK_CLASS] = "class",
	[SK_VARIABLE] = "variable", [SK_STRUCT] = "struct", [SK_UNION] = "union", [SK_ENUM] = "enum",
	[SK_TYPEDEF] = "typedef", [SK_MACRO] = "macro", [SK_TYPE] = "type", [SK_INTERFACE] = "interface",
	[SK_CONST] = "const", [SK_NAMESPACE] = "namespace",
};

const TSLanguage *tree_sitter_python(void);
const TSLanguage *tree_sitter_c(void);
const TSLanguage *tree_sitter_go(void);
const TSLanguage *tree_sitter_javascript(void);
const TSLanguage *tree_sitter_typescript(void);
const TSLanguage *tree_sitter_tsx(void);

#define PYTHON_NODES \
	{ "comment", R_COMMENT, 0 }, { "ERROR", R_ERROR, 0 }, \
	{ "function_definition", R_FUNCTION, SK_FUNCTION }, { "class_definition", R_CLASS, SK_CLASS }, \
	{ "decorated_definition", R_DECORATED, 0 }, { "decorator", R_DECORATOR, 0 }, { "block", R_BLOCK, 0 }, \
	{ "if_statement", R_CONTAINER, 0 }, { "try_statement", R_CONTAINER, 0 }, \
	{ "with_statement", R_CONTAINER, 0 }, { "for_statement", R_CONTAINER, 0 }, \
	{ "while_statement", R_CONTAINER, 0 }, { "match_statement", R_CONTAINER, 0 }, \
	{ "elif_clause", R_CLAUSE, 0 }, { "else_clause", R_CLAUSE, 0 }, { "except_clause", R_CLAUSE, 0 }, \
	{ "except_group_clause", R_CLAUSE, 0 }, { "finally_clause", R_CLAUSE, 0 }, \
	{ "case_clause", R_CLAUSE, 0 }, { "expression_statement", R_EXPR_STMT, 0 }, \
	{ "assignment", R_ASSIGNMENT, SK_VARIABLE }, { "pattern_list", R_PATTERNS, 0 }, \
	{ "tuple_pattern", R_PATTERNS, 0 }, { "identifier", R_IDENT, 0 }, { "string", R_STRING, 0 }, \
	{ "concatenated_string", R_STRINGS, 0 }, { "import_statement", R_IMPORT, 0 }, \
	{ "import_from_statement", R_IMPORT_FROM, 0 }, { "future_import_statement", R_IMPORT_FROM, 0 }

#define C_NODES \
	{ "comment", R_COMMENT, 0 }, { "ERROR", R_ERROR, 0 }, \
	{ "function_definition", D_FUNCTION, SK_FUNCTION }, { "declaration", D_DECLARATION, SK_VARIABLE }, \
	{ "field_declaration", D_DECLARATION, SK_VARIABLE }, { "type_definition", D_TYPEDEF, SK_TYPEDEF }, \
	{ "struct_specifier", D_SCOPE, SK_STRUCT }, { "union_specifier", D_SCOPE, SK_UNION }, \
	{ "enum_specifier", D_SCOPE, SK_ENUM }, { "preproc_def", D_MACRO, SK_MACRO }, \
	{ "preproc_function_def", D_MACRO, SK_MACRO }, { "preproc_if", D_PREPROC, 0 }, \
	{ "preproc_ifdef", D_PREPROC, 0 }, { "preproc_else", D_PREPROC, 0 }, { "preproc_elif", D_PREPROC, 0 }, \
	{ "preproc_elifdef", D_PREPROC, 0 }, { "preproc_include", D_INCLUDE, 0 }

#define GO_NODES \
	{ "comment", R_COMMENT, 0 }, { "ERROR", R_ERROR, 0 }, \
	{ "function_declaration", D_FUNCTION, SK_FUNCTION }, { "method_declaration", D_FUNCTION, SK_METHOD }, \
	{ "const_declaration", D_TRANSPARENT, 0 }, { "var_declaration", D_TRANSPARENT, 0 }, \
	{ "type_declaration", D_TRANSPARENT, 0 }, { "var_spec_list", D_TRANSPARENT, 0 }, \
	{ "const_spec", D_SPEC, SK_CONST }, { "var_spec", D_SPEC, SK_VARIABLE }, { "type_spec", D_SPEC, SK_TYPE }, \
	{ "type_alias", D_SPEC, SK_TYPE }, { "import_declaration", D_GO_IMPORT, 0 }

#define JS_NODES \
	{ "comment", R_COMMENT, 0 }, { "ERROR", R_ERROR, 0 }, \
	{ "function_declaration", D_FUNCTION, SK_FUNCTION }, \
	{ "generator_function_declaration", D_FUNCTION, SK_FUNCTION }, \
	{ "class_declaration", D_SCOPE, SK_CLASS }, { "class", D_SCOPE, SK_CLASS }, \
	{ "method_definition", D_MEMBER, SK_METHOD }, { "field_definition", D_MEMBER, SK_VARIABLE }, \
	{ "lexical_declaration", D_DECLARATION, SK_VARIABLE }, { "variable_declaration", D_DECLARATION, SK_VARIABLE }, \
	{ "export_statement", D_EXPORT, 0 }, { "import_statement", D_ES_IMPORT, 0 }, \
	{ "expression_statement", D_STATEMENT, 0 }

#define TS_NODES \
	JS_NODES, \
	{ "function_signature", D_FUNCTION, SK_FUNCTION }, { "abstract_class_declaration", D_SCOPE, SK_CLASS }, \
	{ "interface_declaration", D_SCOPE, SK_INTERFACE }, { "enum_declaration", D_SCOPE, SK_ENUM }, \
	{ "internal_module", D_SCOPE, SK_NAMESPACE }, { "module", D_SCOPE, SK_NAMESPACE }, \
	{ "type_alias_declaration", D_TYPEDEF, SK_TYPE }, { "abstract_method_signature", D_MEMBER, SK_METHOD }, \
	{ "method_signature", D_MEMBER, SK_METHOD }, { "public_field_definition", D_MEMBER, SK_VARIABLE }, \
	{ "property_signature", D_MEMBER, SK_VARIABLE }, { "ambient_declaration", D_AMBIENT, 0 }

#define FIELDS \
	[F_NAME] = "name", [F_BODY] = "body", [F_PARAMETERS] = "parameters", \
	[F_RETURN_TYPE] = "return_type", [F_SUPERCLASSES] = "superclasses", \
	[F_TYPE_PARAMETERS] = "type_parameters", [F_DEFINITION] = "definition", [F_LEFT] = "left", \
	[F_RIGHT] = "right", [F_TYPE] = "type", [F_MODULE_NAME] = "module_name", \
	[F_DECLARATOR] = "declarator", [F_VALUE] = "value", [F_RECEIVER] = "receiver", [F_PATH] = "path", \
	[F_SOURCE] = "source", [F_DECLARATION] = "declaration", [F_PROPERTY] = "property", \
	[F_OBJECT] = "object", [F_FUNCTION] = "function", [F_ARGUMENTS] = "arguments", \
	[F_DECORATOR] = "decorator"

#define UNRESOLVED NULL, 0, { 0 } /* until ctx_lang_resolve */

/* Every table of nodes starts with comment and ERROR: ctx_lang_node answers the error
 * symbol (outside the grammar's symbol table) with the second entry. */
static struct ctx_lang languages[] = {
	{ "python", "python", { ".py", ".pyi" }, "tree-sitter-python " CTX_GRAMMAR_VERSION_python,
	    tree_sitter_python, CTX_MODULE_DOTTED, CTX_DOC_DOCSTRING, CTX_EXPORT_NONE, { PYTHON_NODES },
	    { FIELDS }, UNRESOLVED },
	{ "c", "c", { ".c", ".h" }, "tree-sitter-c " CTX_GRAMMAR_VERSION_c, tree_sitter_c, CTX_MODULE_PATH,
	    CTX_DOC_COMMENTS, CTX_EXPORT_LINKAGE, { C_NODES }, { FIELDS }, UNRESOLVED },
	{ "go", "go", { ".go" }, "tree-sitter-go " CTX_GRAMMAR_VERSION_go, tree_sitter_go, CTX_MODULE_DIR,
	    CTX_DOC_COMMENTS, CTX_EXPORT_CAPITAL, { GO_NODES }, { FIELDS }, UNRESOLVED },
	{ "javascript", "javascript", { ".js", ".mjs", ".cjs" },
	    "tree-sitter-javascript " CTX_GRAMMAR_VERSION_javascript, tree_sitter_javascript, CTX_MODULE_PATH,
	    CTX_DOC_JSDOC, CTX_EXPORT_KEYWORD, { JS_NODES }, { FIELDS }, UNRESOLVED },
	{ "javascript", "javascriptreact", { ".jsx" }, "tree-sitter-javascript " CTX_GRAMMAR_VERSION_javascript,
	    tree_sitter_javascript, CTX_MODULE_PATH, CTX_DOC_JSDOC, CTX_EXPORT_KEYWORD, { JS_NODES },
	    { FIELDS }, UNRESOLVED },
	{ "typescript", "typescript", { ".ts", ".mts", ".cts" },
	    "tree-sitter-typescript " CTX_GRAMMAR_VERSION_typescript, tree_sitter_typescript, CTX_MODULE_PATH,
	    CTX_DOC_JSDOC, CTX_EXPORT_KEYWORD, { TS_NODES }, { FIELDS }, UNRESOLVED },
	{ "typescript", "typescriptreact", { ".tsx" }, "tree-sitter-typescript/tsx " CTX_GRAMMAR_VERSION_typescript,
	    tree_sitter_tsx, CTX_MODULE_PATH, CTX_DOC_JSDOC, CTX_EXPORT_KEYWORD, { TS_NODES }, { FIELDS },
	    UNRESOLVED },
	/* Known to ctx-lsp for its languageId; no skeleton. */
	{ "cpp", "cpp", { ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx" }, NULL, NULL, 0, 0, 0, { { 0 } }, { 0 },
	    UNRESOLVED },
	{ "rust", "rust", { ".rs" }, NULL, NULL, 0, 0, 0, { { 0 } }, { 0 }, UNRESOLVED },
	{ "java", "java", { ".java" }, NULL, NULL, 0, 0, 0, { { 0 } }, { 0 }, UNRESOLVED },
};

#define NLANGS (sizeof languages / sizeof *languages)

const struct ctx_lang *
ctx_lang_at(size_t i)
{
	return i < NLANGS ? &languages[i] : NULL;
}

const struct ctx_lang *
ctx_lang_for_path(const char *path)
{
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');

	if (!dot || (slash && dot < slash))
		return NULL;
	for (size_t i = 0; i < NLANGS; i++)
		for (const char *const *e = languages[i].exts; e < languages[i].exts + 8 && *e; e++)
			if (strcmp(dot, *e) == 0)
				return &languages[i];
	return NULL;
}

const struct ctx_lang *
ctx_lang_parsed(const char *path)
{
	const struct ctx_lang *l = ctx_lang_for_path(path);

	return l && l->grammar ? l : NULL;
}

const struct ctx_lang *
ctx_lang_named(const char *name, size_t len)
{
	for (size_t i = 0; i < NLANGS; i++)
		if (languages[i].grammar && strlen(languages[i].name) == len &&
		    memcmp(languages[i].name, name, len) == 0)
			return &languages[i];
	return NULL;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int resolved;

static void
resolve_all(void)
{
	for (size_t i = 0; i < NLANGS && resolved == 0; i++) {
		struct ctx_lang *l = &languages[i];
		struct ctx_ts_name names[64] = { { 0 } };
		if (!l->language)
			continue;
		const TSLanguage *tl = l->language();
		for (size_t k = 0; k < 64 && l->nodes[k].type; k++)
			names[k] = (struct ctx_ts_name){ l->nodes[k].type, (uint8_t)(k + 1) };
		if (!(l->codes = ctx_ts_codes(tl, names, 64, &l->nsymbols)))
			resolved = -ENOMEM;
		ctx_ts_fields(tl, l->fields, F_COUNT, l->field_ids);
	}
}

int
ctx_lang_resolve(void)
{
	pthread_once(&once, resolve_all);
	return resolved;
}

const struct ctx_lang_node *
ctx_lang_node(const struct ctx_lang *l, TSNode n)
{
	TSSymbol sym;

	if (ts_node_is_null(n) || !ts_node_is_named(n))
		return NULL;
	sym = ts_node_symbol(n);
	if (sym == (TSSymbol)-1) /* ts_builtin_sym_error: outside the language's symbol table */
		return &l->nodes[1];
	return sym < l->nsymbols && l->codes[sym] ? &l->nodes[l->codes[sym] - 1] : NULL;
}

static bool
type_is(TSNode n, const char *type)
{
	return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

TSNode
ctx_lang_c_declared(const struct ctx_lang *l, TSNode d, bool *function)
{
	TSNode wrap = { 0 };
	TSFieldId id = l->field_ids[F_DECLARATOR];

	for (int i = 0; i < 64 && !ts_node_is_null(d); i++) {
		if (type_is(d, "identifier") || type_is(d, "type_identifier") || type_is(d, "field_identifier")) {
			*function = type_is(wrap, "function_declarator");
			return d;
		}
		TSNode next = id ? ts_node_child_by_field_id(d, id) : (TSNode){ 0 };
		if (ts_node_is_null(next) && type_is(d, "parenthesized_declarator"))
			next = ts_node_named_child(d, 0);
		wrap = d;
		d = next;
	}
	return (TSNode){ 0 };
}
