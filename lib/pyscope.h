/* pyscope: Python's scoping rules over the tree-sitter tree of one file (SPEC.md §11).
 * One analysis holds every scope of the file, every name each scope binds, and every
 * identifier with the part it plays: a name looked up under LEGB, an attribute of a
 * receiver, a keyword argument of a call, a name being bound, a part of an imported
 * module's dotted name. Lookups inside the file are here; following imports into other
 * files is pyresolve's. An analysis depends on the file's bytes only. */
#ifndef CTX_PYSCOPE_H
#define CTX_PYSCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

enum ctx_pyscope_kind { CTX_PYS_MODULE, CTX_PYS_CLASS, CTX_PYS_FUNCTION, CTX_PYS_LAMBDA, CTX_PYS_COMPREHENSION };

/* What a method's first parameter stands for. */
enum ctx_pyself { CTX_PYSELF_NONE, CTX_PYSELF_INSTANCE, CTX_PYSELF_CLASS };

struct ctx_pyscope_s {
	enum ctx_pyscope_kind kind;
	int parent;      /* -1 for the module */
	int owner;       /* the def/class binding that opens it, or -1 */
	int self_param;  /* a method's first parameter (a binding), or -1 */
	enum ctx_pyself self_kind;
	int bases, nbases; /* a class's base expressions: refs[] indexes in base_refs[bases, bases + nbases) */
	bool decorated;    /* a class with decorators (which may write its __init__) */
	int bfirst, bcount; /* its bindings, sorted by name then position, in binds[] */
};

enum ctx_pybind_kind {
	CTX_PYB_ASSIGN,   /* =, :=, augmented, annotated, for/with/except targets */
	CTX_PYB_PARAM,
	CTX_PYB_DEF,
	CTX_PYB_CLASS,
	CTX_PYB_IMPORT,   /* import a.b.c (binds a) or import a.b as c (binds c, aliased) */
	CTX_PYB_FROM,     /* from m import orig [as name] */
	CTX_PYB_STAR,     /* from m import *: the name is "*" */
	CTX_PYB_INSTANCE, /* self.name = … in a method: kept in the class's scope, seen through instances only */
	CTX_PYB_GLOBAL,   /* declarations: the name is looked up elsewhere */
	CTX_PYB_NONLOCAL,
	CTX_PYB_DEL       /* del name: makes the name local, defines nothing */
};

/* A branch of an if/elif/else, a match's case, or a clause of a try: a binding in one
 * branch of a statement does not reach a use in another (but a try's body reaches its
 * handlers, and everything reaches its finally). */
enum ctx_pybranch_kind { CTX_PYBR_IF, CTX_PYBR_TRY_BODY, CTX_PYBR_EXCEPT, CTX_PYBR_TRY_ELSE, CTX_PYBR_FINALLY };

struct ctx_pybranch {
	int parent; /* the branch this statement sits in, or -1 */
	int owner;  /* the statement, a number of its own */
	enum ctx_pybranch_kind kind;
};

struct ctx_pybind {
	const char *name;
	uint32_t byte, end;     /* the bound identifier */
	uint32_t eff;           /* where it takes effect: the end of an assignment, else byte */
	int scope;              /* where it binds */
	int branch;             /* the innermost branch it sits in, or -1 */
	int inner;              /* the scope a def or class opens, or -1 */
	enum ctx_pybind_kind kind;
	bool aliased;           /* import a.b as c */
	const char *module;     /* IMPORT, FROM, STAR: the module as written, leading dots kept */
	const char *orig;       /* FROM: the imported name */
	int annot;              /* the ref of an annotation's last name (a dotted name), or -1 */
	uint32_t sig, sig_end;  /* DEF, CLASS: the header's bytes; others: the statement's first line */
	uint32_t doc, doc_end;  /* DEF, CLASS: the docstring's first line, or doc == doc_end */
};

enum ctx_pyref_kind {
	CTX_PYR_NAME,   /* a name looked up from its scope */
	CTX_PYR_ATTR,   /* .name of `recv` (a ref), of an expression (-1), or of super() */
	CTX_PYR_KWARG,  /* name= in a call of `recv` (a ref, or -1) */
	CTX_PYR_BIND,   /* the name being bound by binding `bind` */
	CTX_PYR_MODULE, /* the `parts`th dotted part of the imported module `module` */
	CTX_PYR_OTHER   /* nothing to resolve (a class keyword, a pattern's keyword) */
};

#define CTX_PYREF_SUPER (-2) /* recv: super() inside a method */

struct ctx_pyref {
	uint32_t byte, end;
	int scope;
	int branch;
	enum ctx_pyref_kind kind;
	int recv;
	int bind;
	const char *module;
	int parts;
};

struct ctx_pyscope {
	const char *src; /* a copy of the file's bytes */
	size_t len;
	struct ctx_pyscope_s *scopes;
	struct ctx_pybind *binds;
	struct ctx_pyref *refs; /* in the order met; refs_at sorts by position */
	int *base_refs;
	struct ctx_pybranch *branches;
	int nscopes, nbinds, nrefs, nbase_refs, nbranches;
	int *by_pos;            /* refs[] indexes sorted by byte */
	uint32_t *lines;        /* the byte where each line starts */
	long nlines;
	uint32_t doc, doc_end;  /* the first line of the module's docstring */
	bool parse_error;
	struct ctx_arena arena; /* the copy and the names */
};

/* Analyse src[0, len) (a UTF-8 BOM is skipped). NULL with *err = -ENOMEM. Never fails on
 * bad syntax: what parses is analysed, nesting deeper than a bound is passed over. */
struct ctx_pyscope *ctx_pyscope_parse(const char *src, size_t len, int *err);
/* NULL is fine. */
void ctx_pyscope_free(struct ctx_pyscope *p);
/* The bytes an analysis holds. */
size_t ctx_pyscope_size(const struct ctx_pyscope *p);

/* The ref at 1-based line and column (code points; a column just after the name counts),
 * or -1. */
int ctx_pyscope_ref_at(const struct ctx_pyscope *p, long line, long col);
/* The name of a ref or a binding, in buf (NUL-terminated, cut to size). */
const char *ctx_pyscope_ref_name(const struct ctx_pyscope *p, int ref, char *buf, size_t size);
/* 1-based line and column (code points) of a byte. */
void ctx_pyscope_position(const struct ctx_pyscope *p, uint32_t byte, long *line, long *col);

/* The last binding of name in scope itself (never INSTANCE, GLOBAL, NONLOCAL or DEL): what
 * a module's or a class's attribute is, seen from outside. -1 when the scope binds none. */
int ctx_pyscope_last(const struct ctx_pyscope *p, int scope, const char *name);
/* The last `self.name = …` of the class scope (where jedi's list of them starts), or -1. */
int ctx_pyscope_instance_attr(const struct ctx_pyscope *p, int scope, const char *name);
/* LEGB from scope at byte (in branch): the binding name refers to, or -1 when nothing in
 * the file binds it (then *global tells whether the lookup went past the module scope).
 * In a function, the nearest binding before the use that can reach it wins, else the
 * first (the name is local all the same); in a class body or at module level, a name not
 * yet bound there is looked up further out. */
int ctx_pyscope_lookup(const struct ctx_pyscope *p, int scope, const char *name, uint32_t byte, int branch,
    bool *global);
/* The class scope enclosing a method scope (through its parent chain: the class the
 * function is defined in), or -1. */
int ctx_pyscope_method_class(const struct ctx_pyscope *p, int scope);

/* Whether name is one of Python's builtins. */
bool ctx_pyscope_builtin(const char *name);

#endif
