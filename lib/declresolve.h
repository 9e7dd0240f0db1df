/* declresolve: where the C, Go, JavaScript or TypeScript name at a position is defined,
 * across the workspace (SPEC.md §11: right or silent), with each language's own scoping:
 *
 * - every language: the enclosing scopes first (parameters, and locals declared before
 *   the use: C's and Go's blocks; JavaScript's blocks and functions whatever the order,
 *   as var, function and class are hoisted), then the file's top level;
 * - C: then the headers the file includes with quotes (by the including file's
 *   directory, then the root; 8 levels), then, for a name with external linkage, the
 *   workspace's single non-static definition (two or more: silent); a prototype or an
 *   extern declaration answers only when no definition is found;
 * - Go: then the package's other files (the directory's .go files), and pkg.Name through
 *   the file's imports into the workspace's packages (by go.mod's module path);
 * - JavaScript and TypeScript: imports from relative paths are followed (named, default
 *   and namespace imports, export lists, re-exports, CommonJS exports.x), 16 hops.
 *
 * Anything else (a field or method of a value, a package outside the workspace, a name
 * two definitions share) is silence: an empty answer with its resolution. Each file's
 * tree is kept and parsed again when its inode, size, mtime or ctime changes. Bounds per
 * question: 2 s and 4 MiB of source parsed anew, files of at most 1 MiB, 50,000 files
 * looked at for a workspace-wide name; a bound reached is silence. */
#ifndef CTX_DECLRESOLVE_H
#define CTX_DECLRESOLVE_H

#include "buf.h"

struct ctx_declindex;

/* An index of the workspace under root (a real path). NULL on out of memory. */
struct ctx_declindex *ctx_declindex_new(const char *root);
/* NULL is fine. */
void ctx_declindex_free(struct ctx_declindex *x);

/* As ctx_pyindex_definition and ctx_pyindex_hover (pyresolve.h), for a root-relative file
 * of C, Go, JavaScript or TypeScript: the answer appended to out; returns the resolution
 * (enum ctx_resolution) or -ENOMEM. */
int ctx_declindex_definition(struct ctx_declindex *x, const char *file, long line, long col, struct ctx_buf *out);
int ctx_declindex_hover(struct ctx_declindex *x, const char *file, long line, long col, struct ctx_buf *out);

#endif
