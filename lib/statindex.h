/* statindex: which files have not changed since the last run, so that a warm run neither
 * reads nor hashes them (git's index, for the skeleton cache). One entry per file: its
 * real path, device, inode, mode, size, mtime and ctime (nanoseconds), and the SHA-256
 * of the content it had; the content's digest stays the cache key.
 *
 * An entry is trusted only when the file's stat is the same in every field and the entry
 * is not "racily clean" (git's rule): a file whose mtime or ctime is not at least 2 s
 * older than the start of the run that wrote the index may have changed again within the
 * same timestamp, so it is read and hashed, and the next index holds it again.
 *
 * The index also holds a copy of each file's cache entry (under its cache key, which
 * names the grammar's version), so that a warm run reads one file, not one per source
 * file; copies stop at CTX_STATINDEX_EMBED bytes, past which entries are read from the
 * cache as before.
 *
 * The index is kept in the cache (cache.h) as one entry of its own, per user (the cache's
 * HMAC under the user's key: an index shipped in a clone is not served) and per root,
 * read within the cache's bound and capped at CTX_STATINDEX_MAX entries. */
#ifndef CTX_STATINDEX_H
#define CTX_STATINDEX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "buf.h"
#include "cache.h"
#include "strmap.h"

#define CTX_STATINDEX_MAX 500000
#define CTX_STATINDEX_RACY_NS 2000000000LL
#define CTX_STATINDEX_EMBED (48 * 1024 * 1024)

struct ctx_statindex {
	struct ctx_strmap old;   /* what the last run wrote: path -> struct ctx_stat_entry */
	struct ctx_strmap fresh; /* what this run saw */
	int64_t old_stamp;       /* when the run that wrote `old` started (ns since the epoch) */
	int64_t stamp;           /* when this run started */
	char key[65];            /* its cache key */
	struct ctx_buf loaded;   /* what was read: old entries' copies point into it */
	size_t embedded;         /* bytes of copies in fresh */
};

/* What the index knows of a file: its content's digest, and the copy of its cache entry
 * (entry NULL when none) with that entry's cache key. */
struct ctx_stat_known {
	char sha[65], key[65];
	const char *entry;
	size_t entry_len;
};

/* Load root's index from c into x (empty when there is none, or it is damaged or not
 * this user's). stamp_ns: now. Returns 0 or -ENOMEM. */
int ctx_statindex_load(struct ctx_statindex *x, struct ctx_cache *c, const char *root, int64_t stamp_ns);

/* What the index knows of path when its stat st matches a trusted entry: true with *k.
 * Only reads: safe from several threads while nothing is noted. */
bool ctx_statindex_lookup(const struct ctx_statindex *x, const char *path, const struct stat *st,
    struct ctx_stat_known *k);

/* Note what this run saw: path (a real path without a newline) had stat st (taken before
 * it was read), content sha, and cache entry entry[0, len) under key (entry NULL: none to
 * keep). The entry is copied (or shared with the last run's identical copy). Returns 0
 * or -ENOMEM. */
int ctx_statindex_note(struct ctx_statindex *x, const char *path, const struct stat *st, const char *sha,
    const char *key, const char *entry, size_t len);

/* Store the index (this run's entries, and the last run's for files not seen this run)
 * in c when this run noted anything new. 0 or -errno. */
int ctx_statindex_store(struct ctx_statindex *x, struct ctx_cache *c);

void ctx_statindex_release(struct ctx_statindex *x);

#endif
