#include "statindex.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sha256.h"

#define MAGIC "ctx-statindex 1"

struct ctx_stat_entry {
	uint64_t dev, ino, size;
	int64_t mtime, ctime;
	uint32_t mode;
	bool changed; /* (fresh entries) not as the last run left it */
	char sha[65];
};

static int64_t
ns(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void
fill(struct ctx_stat_entry *e, const struct stat *st)
{
	e->dev = (uint64_t)st->st_dev;
	e->ino = (uint64_t)st->st_ino;
	e->size = (uint64_t)st->st_size;
	e->mtime = ns(st->st_mtim);
	e->ctime = ns(st->st_ctim);
	e->mode = (uint32_t)st->st_mode;
}

static bool
same(const struct ctx_stat_entry *a, const struct ctx_stat_entry *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime == b->mtime &&
	    a->ctime == b->ctime && a->mode == b->mode;
}

/* One line "<sha> <dev> <ino> <mode> <size> <mtime> <ctime> <path>" into m; false when it
 * is not one. */
static bool
parse_line(struct ctx_strmap *m, char *line)
{
	struct ctx_stat_entry e = { 0 };
	int used = 0;
	int got = sscanf(line, "%64[0-9a-f] %" SCNu64 " %" SCNu64 " %" SCNu32 " %" SCNu64 " %" SCNd64 " %" SCNd64 " %n",
	    e.sha, &e.dev, &e.ino, &e.mode, &e.size, &e.mtime, &e.ctime, &used);
	int created;

	if (got != 7 || used == 0 || strlen(e.sha) != 64 || line[used] != '/')
		return false;
	struct ctx_strmap_entry *en = ctx_strmap_get(m, line + used, strlen(line + used), &created);
	if (!en)
		return false;
	if (created && !(en->value = malloc(sizeof e)))
		return false;
	memcpy(en->value, &e, sizeof e);
	return true;
}

int
ctx_statindex_load(struct ctx_statindex *x, struct ctx_cache *c, const char *root, int64_t stamp_ns)
{
	struct ctx_buf b = { 0 };
	char rootsum[65];

	memset(x, 0, sizeof *x);
	x->stamp = stamp_ns;
	ctx_sha256_hex(root, strlen(root), rootsum);
	ctx_cache_key(rootsum, MAGIC, x->key);
	if (ctx_cache_get(c, x->key, &b) != 1 || !b.data) {
		ctx_buf_release(&b);
		return 0;
	}
	char *p = b.data, *end = b.data + b.len, *nl = memchr(p, '\n', b.len);
	if (!nl || sscanf(p, MAGIC " %" SCNd64, &x->old_stamp) != 1) {
		ctx_buf_release(&b);
		return 0;
	}
	for (p = nl + 1; p < end && x->old.n < CTX_STATINDEX_MAX; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			break;
		*nl = '\0';
		if (!parse_line(&x->old, p))
			break; /* damaged from here on: what came before stands */
	}
	ctx_buf_release(&b);
	return 0;
}

bool
ctx_statindex_lookup(const struct ctx_statindex *x, const char *path, const struct stat *st, char sha[65])
{
	const struct ctx_strmap_entry *en = ctx_strmap_find(&x->old, path, strlen(path));
	struct ctx_stat_entry now;

	if (!en)
		return false;
	const struct ctx_stat_entry *e = en->value;
	fill(&now, st);
	/* Racily clean: changed within the timestamp's resolution of the last index write. */
	if (!same(e, &now) || e->mtime >= x->old_stamp - CTX_STATINDEX_RACY_NS ||
	    e->ctime >= x->old_stamp - CTX_STATINDEX_RACY_NS)
		return false;
	memcpy(sha, e->sha, 65);
	return true;
}

int
ctx_statindex_note(struct ctx_statindex *x, const char *path, const struct stat *st, const char *sha)
{
	size_t len = strlen(path);
	int created;
	char old_sha[65];

	if (memchr(path, '\n', len) || path[0] != '/' || x->fresh.n >= CTX_STATINDEX_MAX)
		return 0; /* never indexed: read every time */
	struct ctx_strmap_entry *en = ctx_strmap_get(&x->fresh, path, len, &created);
	if (!en || (created && !(en->value = malloc(sizeof(struct ctx_stat_entry)))))
		return -ENOMEM;
	struct ctx_stat_entry *e = en->value;
	fill(e, st);
	memcpy(e->sha, sha, 64);
	e->sha[64] = '\0';
	e->changed = !ctx_statindex_lookup(x, path, st, old_sha) || strcmp(old_sha, e->sha) != 0;
	return 0;
}

static int
put_entry(struct ctx_buf *b, const char *path, const struct ctx_stat_entry *e)
{
	return ctx_buf_addf(b, "%s %" PRIu64 " %" PRIu64 " %" PRIu32 " %" PRIu64 " %" PRId64 " %" PRId64 " %s\n", e->sha,
	    e->dev, e->ino, e->mode, e->size, e->mtime, e->ctime, path);
}

int
ctx_statindex_store(struct ctx_statindex *x, struct ctx_cache *c)
{
	struct ctx_buf b = { 0 };
	bool changed = false;
	int err = 0;

	for (size_t i = 0; i < x->fresh.n && !changed; i++)
		changed = ((struct ctx_stat_entry *)x->fresh.entries[i].value)->changed;
	if (!changed)
		return 0;
	err |= ctx_buf_addf(&b, MAGIC " %" PRId64 "\n", x->stamp);
	for (size_t i = 0; i < x->fresh.n; i++)
		err |= put_entry(&b, x->fresh.entries[i].key, x->fresh.entries[i].value);
	size_t n = x->fresh.n;
	for (size_t i = 0; i < x->old.n && n < CTX_STATINDEX_MAX; i++) {
		const struct ctx_strmap_entry *o = &x->old.entries[i];
		if (!ctx_strmap_find(&x->fresh, o->key, o->len)) {
			err |= put_entry(&b, o->key, o->value);
			n++;
		}
	}
	if (err == 0)
		err = ctx_cache_put(c, x->key, b.data, b.len);
	ctx_buf_release(&b);
	return err < 0 ? err : 0;
}

static void
release_map(struct ctx_strmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->entries[i].value);
	ctx_strmap_release(m);
}

void
ctx_statindex_release(struct ctx_statindex *x)
{
	release_map(&x->old);
	release_map(&x->fresh);
}
