/* select: symbol selection by URI (--get) or by name (--find) in three disclosure modes:
 * skeleton (the symbol records), excerpt (source lines around the symbol) and raw (the
 * whole file) (SPEC.md §6). Answers are one JSON line:
 *   {"status":"ok","uri":…,"file":…,"mode":…,"bytes":N,…}
 *   {"status":"error","error_code":…,"message":…[,"candidates":[…]]}
 * with codes INVALID_URI, FILE_NOT_FOUND, SYMBOL_NOT_FOUND, AMBIGUOUS_SYMBOL, PARSE_ERROR. */
#ifndef CTX_SELECT_H
#define CTX_SELECT_H

#include <stddef.h>
#include <stdio.h>

#include "evstream.h"

struct ctx_select_opts {
	const char *root, *root_given; /* as for ctx_index */
	const char *mode;              /* "skeleton", "excerpt" or "raw" */
	long context;                  /* lines around an excerpt */
	size_t max_file_bytes;         /* a larger file is not read */
	struct ctx_evstream *events;     /* selector.resolve and file.read */
};

/* Answer a sym:// URI on out. Returns 0 when resolved, CTX_REJECTED (err.h) when the
 * answer is an error. */
int ctx_select_get(const struct ctx_select_opts *o, const char *uri, FILE *out);

/* Resolve a bare name or a qualname over files; the same answers. 0 or CTX_REJECTED. */
int ctx_select_find(const struct ctx_select_opts *o, const char *name, char *const *files, size_t n, FILE *out);

#endif
