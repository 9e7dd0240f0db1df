/* cache: skeleton entries by content. The key is SHA-256 over the content's SHA-256, the
 * skeleton schema version and the grammar's name and version; never a file's path or
 * mtime. One file per entry under a two-hex-digit fan-out (DIR/ab/cdef...), written to a
 * temporary name and renamed, so concurrent processes share it safely. No fsync: a torn
 * entry after a crash reads as damaged, which is a miss.
 *
 * The cache directory usually lies in the workspace, which may have been cloned from
 * anyone: an entry is served only if this user wrote it. Each entry carries an
 * HMAC-SHA-256 under a per-user key (32 random bytes, created 0600 as
 * $XDG_CACHE_HOME/ctx/key, else ~/.cache/ctx/key; never in the workspace), bound to the
 * entry's cache key; an entry that does not verify is a miss and is rewritten. The
 * directory is reached as a private directory (safeopen.h: no symlink below the root,
 * ours, closed to others), entries are opened without following symlinks, must be
 * regular files, and are read within CTX_CACHE_MAX_ENTRY bytes. */
#ifndef CTX_CACHE_H
#define CTX_CACHE_H

#include <stddef.h>

#include "buf.h"

#define CTX_CACHE_MAX_ENTRY (64 * 1024 * 1024)

struct ctx_cache;

/* The cache directory for a workspace: opt (--cache) > $CTX_CACHE_DIR > ROOT/_ctx/cache/ast,
 * made absolute. A new string the caller frees, or NULL on out of memory. */
char *ctx_cache_dir(const char *opt, const char *root);

/* Open (creating) the cache in dir, a private directory checked against root (the
 * workspace's real path, or NULL), with the user's key (created when missing). Returns 0
 * with *c (free with ctx_cache_free), a refusal (enum ctx_refusal, of dir or of the key's
 * directory or file), or a negative errno (no home directory: -ENOENT); when not 0,
 * why[0, size) says what failed. Safe to share between threads once open. */
int ctx_cache_open(const char *dir, const char *root, struct ctx_cache **c, char *why, size_t size);
/* Close the cache and forget its key. NULL is fine. */
void ctx_cache_free(struct ctx_cache *c);

/* The cache key (64 hex and NUL) of content with digest content_hex for grammar. */
void ctx_cache_key(const char *content_hex, const char *grammar, char key[65]);

/* Read the entry of key into out (cleared first). 1 when there is one that this user
 * wrote, 0 when not (missing, forged, damaged, not a regular file, too large), a negative
 * errno when it cannot be read. */
int ctx_cache_get(struct ctx_cache *c, const char *key, struct ctx_buf *out);

/* Store data[0, len) as the entry of key. 0 or -errno. */
int ctx_cache_put(struct ctx_cache *c, const char *key, const char *data, size_t len);

#endif
