/* symindex: the skeleton index that ctx-lsp's symbols and workspace_symbols fall back to
 * when the language server cannot answer: ctx-parse records (from a file, or made by
 * parsing the root's files with the same library). Answers are JSON arrays in ctx-lsp's
 * result shapes (SPEC.md §7). definition and hover are pyresolve's: right or silent. */
#ifndef CTX_SYMINDEX_H
#define CTX_SYMINDEX_H

#include "buf.h"

struct ctx_symindex;

/* Load ctx-parse lines from path (skipped and unreadable lines are passed over). Returns
 * the index (free with ctx_symindex_free) or NULL with *err a negative errno. */
struct ctx_symindex *ctx_symindex_load(const char *path, const char *root, int *err);
/* Parse every supported, not denylisted file under root (real path) into an index. */
struct ctx_symindex *ctx_symindex_build(const char *root, int *err);
/* NULL is fine. */
void ctx_symindex_free(struct ctx_symindex *x);

/* The file's symbols: [{name,kind,line,end_line,parent}]. Returns the count. */
long ctx_symindex_symbols(struct ctx_symindex *x, const char *file, struct ctx_buf *out);
/* Symbols whose name holds query (any case): [{name,kind,file,line,parent}], 100 at most. */
long ctx_symindex_workspace(struct ctx_symindex *x, const char *query, struct ctx_buf *out);

#endif
