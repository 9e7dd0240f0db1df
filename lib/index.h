/* index: skeleton records for a list of files, in input order, with N worker threads, the
 * content-hash cache and one ast.parse event per file (SPEC.md §6). */
#ifndef CTX_INDEX_H
#define CTX_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cache.h"
#include "evstream.h"
#include "statindex.h"

struct ctx_index_opts {
	const char *root;       /* real path of the workspace root */
	const char *root_given; /* the root as given (absolute), or NULL */
	struct ctx_cache *cache; /* NULL: no cache */
	struct ctx_statindex *stat; /* loaded from the cache (NULL: none): unchanged files are not read */
	size_t max_file_bytes;
	int jobs;               /* parsing threads, >= 1; the caller's thread writes */
	struct ctx_evstream *events;
	/* Called on the calling thread, in input order: a file that could not be read (err is
	 * a negative errno), and progress after each record. Either may be NULL. */
	void (*unreadable)(void *arg, const char *path, int err);
	void (*progress)(void *arg, size_t done, size_t total);
	void *arg;
};

struct ctx_index_counts {
	size_t parsed, hits, skipped, unreadable;
	size_t cache_errors; /* entries that could not be stored (the records are still right) */
	int cache_err;       /* why the first could not: a refusal or a negative errno */
	long symbols, bytes, skeleton_bytes;
};

/* Write one record per path to out, in the order of paths. Returns 0, or a negative errno
 * when out could not be written or memory ran out (records may be missing then). */
int ctx_index_run(const struct ctx_index_opts *o, char *const *paths, size_t n, FILE *out,
    struct ctx_index_counts *counts);

/* The path as the records name it: relative to the root when inside it (lexically, through
 * the root as given, or after resolving symlinks), else as given. Appended to out. */
int ctx_index_relpath(const char *root, const char *root_given, const char *path, struct ctx_buf *out);

/* The files under dir that a grammar parses, sorted by name: no symbolic link followed, no
 * denylisted name (ctx_denylisted) and no _ctx/ below dir entered. 0 with *list (free it
 * with ctx_index_walk_free) and *n, or a negative errno. Not thread-safe (nftw has no
 * argument for its callback). */
int ctx_index_walk(const char *dir, char ***list, size_t *n);
void ctx_index_walk_free(char **list, size_t n);

#endif
