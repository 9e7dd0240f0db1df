/* pyresolve: where the Python name at a position is defined, across the workspace
 * (SPEC.md §11), right or silent. The file's own scopes come from pyscope; imports are
 * followed into the workspace's files (absolute against the root, the package the root is
 * part of, and the non-package directories between the importing file and the root, as
 * jedi's sys.path has them; relative against the importing file's directory), through
 * __init__.py re-exports and star imports, a bounded number of hops. Attributes are
 * answered only where the receiver is known: a module, a class (its C3 MRO over the bases
 * the workspace defines), self/cls, a variable annotated with a known class.
 *
 * Each file's analysis is kept and is parsed again when the file changes on disk (its
 * inode, size or mtime), looked at once per question. */
#ifndef CTX_PYRESOLVE_H
#define CTX_PYRESOLVE_H

#include "buf.h"

enum ctx_resolution { CTX_RES_RESOLVED, CTX_RES_BUILTIN, CTX_RES_UNRESOLVED, CTX_RES_DYNAMIC };

/* "resolved", "builtin", "unresolved", "dynamic". */
const char *ctx_resolution_name(enum ctx_resolution r);

struct ctx_pyindex;

/* An index of the workspace under root (a real path). NULL on out of memory. */
struct ctx_pyindex *ctx_pyindex_new(const char *root);
/* NULL is fine. */
void ctx_pyindex_free(struct ctx_pyindex *x);

/* The definition of the name at line/col (1-based, col in code points) of a root-relative
 * file. Appends a JSON array to out: one {file,line,col,end_line,end_col} when resolved,
 * else empty. Returns the resolution, or -ENOMEM. */
int ctx_pyindex_definition(struct ctx_pyindex *x, const char *file, long line, long col, struct ctx_buf *out);
/* Hover: {"text": the definition's signature and its docstring's first line} when
 * resolved, else null. Returns the resolution, or -ENOMEM. */
int ctx_pyindex_hover(struct ctx_pyindex *x, const char *file, long line, long col, struct ctx_buf *out);

#endif
