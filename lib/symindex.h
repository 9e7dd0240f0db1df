/* symindex: the skeleton index that ctx-lsp falls back to when the language server cannot
 * answer: ctx-parse records (from a file, or made by parsing the root's files with the
 * same library), looked up by name. Answers are JSON arrays/objects in ctx-lsp's result
 * shapes (SPEC.md §7). */
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

/* The identifier at line/col (1-based, col in code points) of the root-relative file.
 * 1 and the name in out, 0 when there is none. */
int ctx_symindex_word_at(struct ctx_symindex *x, const char *file, long line, long col, char *out, size_t size);

/* Definitions of name as seen from file: that file first, then the modules it imports,
 * then anywhere. Appends a JSON array of {file,line,col,end_line,end_col}; returns the
 * count. */
long ctx_symindex_definition(struct ctx_symindex *x, const char *file, const char *name, struct ctx_buf *out);
/* {"text": signature and docstring} of the first definition, or null. Returns 1 or 0. */
long ctx_symindex_hover(struct ctx_symindex *x, const char *file, const char *name, struct ctx_buf *out);
/* The file's symbols: [{name,kind,line,end_line,parent}]. Returns the count. */
long ctx_symindex_symbols(struct ctx_symindex *x, const char *file, struct ctx_buf *out);
/* Symbols whose name holds query (any case): [{name,kind,file,line,parent}], 100 at most. */
long ctx_symindex_workspace(struct ctx_symindex *x, const char *query, struct ctx_buf *out);

#endif
