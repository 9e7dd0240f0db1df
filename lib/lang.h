/* lang: the one table of the languages the suite knows (SPEC.md §6). For each: the file
 * extensions, the LSP languageId, the sym:// scheme (its name), the tree-sitter grammar
 * and its version (part of the cache key), the node types a skeleton is made of with
 * the role each plays and the kind of symbol it gives, the field names the walker reads,
 * how a file's module is named and where its doc comments are. The skeleton walker
 * (skeleton.c) and ctx-lsp read this table; adding a language is an entry here and its
 * tests. A language without a grammar is known to ctx-lsp only (its languageId). */
#ifndef CTX_LANG_H
#define CTX_LANG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tree_sitter/api.h>

/* The part a node type plays in a skeleton. Python's walker reads the first group, the
 * declaration walker of the other languages the second; both read the common ones. */
enum ctx_role {
	R_NONE,
	/* common */
	R_COMMENT,
	R_ERROR,       /* what did not parse: walked through */
	/* Python */
	R_FUNCTION,    /* a function definition */
	R_CLASS,       /* a class definition */
	R_DECORATED,   /* decorators around a definition (its "definition" field) */
	R_DECORATOR,
	R_BLOCK,       /* a body: a list of statements */
	R_CONTAINER,   /* a compound statement whose blocks hold conditional definitions */
	R_CLAUSE,      /* a part of a container that holds a block (elif, else, except, case) */
	R_EXPR_STMT,   /* an expression statement: a docstring or an assignment */
	R_ASSIGNMENT,
	R_PATTERNS,    /* several assignment targets */
	R_IDENT,
	R_STRING,
	R_STRINGS,     /* implicitly concatenated strings */
	R_IMPORT,      /* import a, b.c as d */
	R_IMPORT_FROM, /* from m import a, b */
	/* C, Go, JavaScript, TypeScript */
	D_FUNCTION,    /* a function, or a method inside a type (Go: with a receiver) */
	D_SCOPE,       /* a definition whose body holds members: class, interface, namespace, struct */
	D_MEMBER,      /* a method or field inside a class body */
	D_DECLARATION, /* declarators: C's declarations, JS's const/let/var */
	D_TYPEDEF,     /* C's typedef, TypeScript's type alias */
	D_SPEC,        /* Go's const, var and type specs */
	D_MACRO,       /* #define */
	D_PREPROC,     /* #if/#ifdef/#else: what is inside is conditional */
	D_TRANSPARENT, /* walked through: lists of specs, a namespace's statement */
	D_EXPORT,      /* export …: what is inside is exported */
	D_AMBIENT,     /* declare …: what is inside is a declaration */
	D_INCLUDE,     /* #include */
	D_GO_IMPORT,
	D_ES_IMPORT,
	D_STATEMENT,   /* a JS statement: CommonJS exports.x = … */
	R_COUNT
};

/* The kind of symbol a node gives (the record's "kind"). */
enum ctx_kind {
	SK_NONE, SK_FUNCTION, SK_METHOD, SK_CLASS, SK_VARIABLE, SK_STRUCT, SK_UNION, SK_ENUM, SK_TYPEDEF, SK_MACRO,
	SK_TYPE, SK_INTERFACE, SK_CONST, SK_NAMESPACE, SK_COUNT
};
extern const char *const ctx_kind_names[SK_COUNT];

/* The field names a walker asks for, resolved per grammar (0: the grammar has none). */
enum ctx_field {
	F_NAME, F_BODY, F_PARAMETERS, F_RETURN_TYPE, F_SUPERCLASSES, F_TYPE_PARAMETERS, F_DEFINITION,
	F_LEFT, F_RIGHT, F_TYPE, F_MODULE_NAME, F_DECLARATOR, F_VALUE, F_RECEIVER, F_PATH, F_SOURCE,
	F_DECLARATION, F_PROPERTY, F_OBJECT, F_FUNCTION, F_ARGUMENTS, F_DECORATOR, F_COUNT
};

/* How a file's module (and the MODULE of its sym:// URIs) is named. */
enum ctx_module_rule {
	CTX_MODULE_DOTTED, /* Python: pkg/mod.py -> pkg.mod, pkg/__init__.py -> pkg */
	CTX_MODULE_PATH,   /* the file's path under the root: src/foo.h */
	CTX_MODULE_DIR,    /* the file's directory (a Go package): pkg/path, "." at the root */
};

/* Where a definition's documentation is. */
enum ctx_doc_rule {
	CTX_DOC_DOCSTRING, /* Python: the body's first statement, a string */
	CTX_DOC_COMMENTS,  /* C, Go: the block of comments directly above */
	CTX_DOC_JSDOC,     /* JS, TS: the comment directly above, if it opens with slash-star-star */
};

/* What "exported" means (records of the languages that have it carry the field). */
enum ctx_export_rule {
	CTX_EXPORT_NONE,    /* Python: no such field */
	CTX_EXPORT_LINKAGE, /* C: a function or variable not declared static */
	CTX_EXPORT_CAPITAL, /* Go: the name begins with an upper-case letter */
	CTX_EXPORT_KEYWORD, /* JS, TS: declared under `export`, or a CommonJS export */
};

struct ctx_lang_node {
	const char *type; /* a named node type of the grammar */
	uint8_t role;     /* enum ctx_role */
	uint8_t kind;     /* enum ctx_kind: what a definition of this type is */
};

struct ctx_lang {
	const char *name;    /* the record's lang and the sym:// scheme: "python" */
	const char *lsp_id;  /* the LSP languageId */
	const char *exts[8]; /* ".py", ".pyi" */
	const char *grammar; /* "<grammar> <version>", part of the cache key; NULL: none */
	const TSLanguage *(*language)(void);
	enum ctx_module_rule module;
	enum ctx_doc_rule doc;
	enum ctx_export_rule exports;
	struct ctx_lang_node nodes[64];
	const char *fields[F_COUNT];
	/* From the names above, once (ctx_lang_resolve). */
	uint8_t *codes; /* by symbol id: index into nodes + 1, 0 for a type not listed */
	uint32_t nsymbols;
	TSFieldId field_ids[F_COUNT];
};

/* The table's i-th entry, or NULL past its end. */
const struct ctx_lang *ctx_lang_at(size_t i);
/* The language of a path by its last extension (after the last '/'), or NULL. */
const struct ctx_lang *ctx_lang_for_path(const char *path);
/* The language of a path if the suite has its grammar (a skeleton can be made), or NULL. */
const struct ctx_lang *ctx_lang_parsed(const char *path);
/* The language whose name (sym:// scheme) is name[0, len), with a grammar; or NULL. */
const struct ctx_lang *ctx_lang_named(const char *name, size_t len);
/* Resolve every grammar's node types and fields to codes and ids; once, thread-safe.
 * Returns 0 or -ENOMEM. */
int ctx_lang_resolve(void);
/* The node's entry in l->nodes, or NULL (call ctx_lang_resolve first). */
const struct ctx_lang_node *ctx_lang_node(const struct ctx_lang *l, TSNode n);

/* C: the identifier a declarator declares (through pointer, array, function and
 * parenthesized declarators and an initializer), and whether it declares a function
 * (the identifier's own declarator is a function declarator: `f(void)`,
 * `*(*g(void))(int)`, not `(*fp)(int)`). A null node for an abstract declarator. */
TSNode ctx_lang_c_declared(const struct ctx_lang *l, TSNode d, bool *function);

#endif
