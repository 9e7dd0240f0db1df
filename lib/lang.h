/* lang: the languages the suite knows, by file extension: their name (the scheme of sym://
 * URIs and of skeleton records) and the languageId a language server expects. One table;
 * the skeleton's parsers (skeleton.c) are found from it by name. */
#ifndef CTX_LANG_H
#define CTX_LANG_H

struct ctx_langinfo {
	const char *name;     /* "python" */
	const char *lsp_id;   /* the LSP languageId */
	const char *exts[8];  /* ".py", ".pyi" */
};

/* The language of a path by its last extension (after the last '/'), or NULL. */
const struct ctx_langinfo *ctx_langinfo_for_path(const char *path);

#endif
