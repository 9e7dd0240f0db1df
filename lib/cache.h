/* cache: skeleton entries by content. The key is SHA-256 over the content's SHA-256, the
 * skeleton schema version and the grammar's name and version; never a file's path or
 * mtime. One file per entry under a two-hex-digit fan-out (DIR/ab/cdef...), written to a
 * temporary name and renamed, so concurrent processes share it safely. No fsync: a torn
 * entry after a crash reads as damaged, which is a miss. */
#ifndef CTX_CACHE_H
#define CTX_CACHE_H

#include "buf.h"

/* The cache key (64 hex and NUL) of content with digest content_hex for grammar. */
void ctx_cache_key(const char *content_hex, const char *grammar, char key[65]);

/* Read the entry of key in dir into out (cleared first). 1 when there is one, 0 when not,
 * a negative errno when it cannot be read. */
int ctx_cache_get(const char *dir, const char *key, struct ctx_buf *out);

/* Store data[0, len) as the entry of key in dir (created as needed, 0700). 0 or -errno. */
int ctx_cache_put(const char *dir, const char *key, const char *data, size_t len);

#endif
