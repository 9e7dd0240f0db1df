/* lsptext: text and positions as a language server sees them: file:// URIs of workspace
 * paths and back, columns in code points (ours) against the server's units (UTF-16 code
 * units, bytes or code points), and the store of the documents opened with the server. */
#ifndef CTX_LSPTEXT_H
#define CTX_LSPTEXT_H

#include <stdbool.h>

#include "buf.h"

/* What a server's Position.character counts. */
enum ctx_lsp_encoding { CTX_LSP_UTF16, CTX_LSP_UTF8, CTX_LSP_UTF32 };

/* "file://" + the percent-encoded absolute path of file (root-relative, or absolute);
 * malloc'd, NULL on out of memory. */
char *ctx_lsp_uri_of(const char *root, const char *file);
/* The path of a file:// URI: root-relative when it lies under root, else absolute
 * ("file://host/x" is "/host/x", never root-relative); not a file:// URI: as given.
 * malloc'd, NULL on out of memory. */
char *ctx_lsp_file_of(const char *root, const char *uri);

/* Code points -> the server's units on line line0 (0-based) of text, 0-based; past the
 * end of the line, or without the text, the column is taken as given. */
long ctx_lsp_to_units(enum ctx_lsp_encoding enc, const struct ctx_buf *text, long line0, long cp);
/* The server's units -> code points, the same way. */
long ctx_lsp_from_units(enum ctx_lsp_encoding enc, const struct ctx_buf *text, long line0, long units);

/* A document opened with the server. */
struct ctx_lsp_doc {
	char *file, *uri;
	int version;
	struct ctx_buf text;
	void *diagnostics; /* the last published (a cJSON array), or NULL */
	struct ctx_lsp_doc *next;
};

enum ctx_lsp_change { CTX_LSP_SAME, CTX_LSP_OPENED, CTX_LSP_CHANGED };

struct ctx_lsp_doc *ctx_lsp_docs_find(struct ctx_lsp_doc *docs, const char *file);
/* Record now (taken over) as the text of file: CTX_LSP_OPENED for a new document (version
 * 1), CTX_LSP_CHANGED when its text differs (version + 1, diagnostics dropped),
 * CTX_LSP_SAME. *doc is the document; -ENOMEM leaves the store as it was. */
int ctx_lsp_docs_update(struct ctx_lsp_doc **docs, const char *root, const char *file, struct ctx_buf *now,
    struct ctx_lsp_doc **doc);
void ctx_lsp_docs_free(struct ctx_lsp_doc **docs);

#endif
