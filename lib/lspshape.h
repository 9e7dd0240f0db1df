/* lspshape: a language server's results in our shapes (SPEC.md §7): Location and
 * LocationLink lists as {file, line, col, end_line, end_col}; DocumentSymbol trees and
 * SymbolInformation lists as flat {name, kind, line, end_line, parent[, file]}; Hover as
 * {text}; Diagnostic lists as {line, col, severity, message, source, code}. Lines and
 * columns 1-based, columns in code points, converted with the document's text. */
#ifndef CTX_LSPSHAPE_H
#define CTX_LSPSHAPE_H

#include <cJSON.h>

#include "lsptext.h"

struct ctx_lsp_shaper {
	const char *root;           /* real path: files under it become root-relative */
	enum ctx_lsp_encoding enc;  /* what the server's columns count */
	struct ctx_lsp_doc *docs;   /* open documents: their text converts columns */
	size_t max_file;            /* a file not open is read within this bound, if at all */
};

/* The result of method ("definition", "references", "hover", "symbols",
 * "workspace_symbols") in our shape; file is the document asked about (symbols). *count
 * is the number of items (hover: 1 with text, else 0). NULL on out of memory. */
cJSON *ctx_lsp_shape(const struct ctx_lsp_shaper *sh, const char *method, const cJSON *result, const char *file,
    long *count);

/* A member of o: a string ("" when absent or not one), a number (0 likewise; clamped). */
const char *ctx_lsp_str(const cJSON *o, const char *key);
long ctx_lsp_num(const cJSON *o, const char *key);

/* A publishDiagnostics list, columns converted with text (NULL: as given). */
cJSON *ctx_lsp_shape_diagnostics(const struct ctx_lsp_shaper *sh, const cJSON *diags, const struct ctx_buf *text);

#endif
