/* skeleton: tree-sitter skeletons of source files (SPEC.md §6). A language is a table entry
 * (extensions, grammar, node type names); the walker is shared.
 *
 * Extraction produces an "entry": a JSON object that depends on the file's bytes only
 * (lang, sha256, bytes, lines, parse_error, imports, symbols without URIs), which is what
 * the cache stores. The output record is always written from an entry, on a miss as on a
 * hit, so that both give the same bytes. */
#ifndef CTX_SKELETON_H
#define CTX_SKELETON_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define CTX_SKELETON_SCHEMA 1

#include "lang.h"

struct ctx_skeleton;

/* A parser for one thread. NULL on out of memory. */
struct ctx_skeleton *ctx_skeleton_new(void);
/* NULL is fine. */
void ctx_skeleton_free(struct ctx_skeleton *s);

/* Parse src[0, len) as language l (one with a grammar) and append its entry to out. sha256_hex is the
 * content's digest (64 hex). Returns 0 or -ENOMEM. */
int ctx_skeleton_extract(struct ctx_skeleton *s, const struct ctx_lang *l, const char *src, size_t len,
    const char *sha256_hex, struct ctx_buf *out);

/* The module of a root-relative path of language l, appended to out (lang.h's module
 * rules): Python's without its extension, '/' -> '.', a final ".__init__" removed; C's,
 * JavaScript's and TypeScript's the path itself; Go's the file's directory ("." at the
 * root). Returns 0 or -ENOMEM. */
int ctx_skeleton_module(const struct ctx_lang *l, const char *relpath, struct ctx_buf *out);

/* Append the output record (one JSON line with '\n') of `entry` for `file` and `module`,
 * with "cache" set to cache ("hit" or "miss"). *symbols and *parse_error report what the
 * entry holds, *skeleton_bytes the length of the symbols array as written. Returns 0,
 * -EINVAL when the entry is damaged or is not of the content whose digest is sha (when
 * sha is not NULL) (out unchanged), -ENOMEM. */
int ctx_skeleton_record(const char *entry, size_t entry_len, const char *sha, const char *file,
    const char *module, const char *cache, struct ctx_buf *out, long *symbols, bool *parse_error,
    long *skeleton_bytes);


#endif
