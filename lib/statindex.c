#include "statindex.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

/* The index, one cache entry: a line "ctx-statindex 2 <stamp>", then for each file a line
 * "<sha> <key> <dev> <ino> <mode> <size> <mtime> <ctime> <n> <path>" followed by n bytes
 * (the copy of its cache entry; n may be 0) and a newline. */
#define MAGIC "ctx-statindex 2"

struct ctx_stat_entry {
	uint64_t dev, ino, size;
	int64_t mtime, ctime;
	uint32_t mode;
	bool changed;    /* (fresh entries) not as the last run left it */
	char *owned;     /* (fresh entries) the copy of the cache entry, when not the last run's */
	const char *entry;
	size_t entry_len;
	char sha[65], key[65];
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

/* 64 hex digits and a space at *s into out; false when they are not there. */
static bool
hex64(char **s, char out[65])
{
	if (strspn(*s, "0123456789abcdef") != 64 || (*s)[64] != ' ')
		return false;
	memcpy(out, *s, 64);
	out[64] = '\0';
	*s += 65;
	return true;
}

/* A decimal number and a space at *s; false when it is not there. */
static bool
number(char **s, bool sign, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)**s) && !(sign && **s == '-'))
		return false;
	errno = 0;
	*out = sign ? (uint64_t)strtoll(*s, &end, 10) : strtoull(*s, &end, 10);
	if (errno || *end != ' ')
		return false;
	*s = end + 1;
	return true;
}

/* One file's record at *p (end: the buffer's end) into m; false when it is not one. */
static bool
parse_one(struct ctx_strmap *m, char **p, char *end)
{
	struct ctx_stat_entry e = { 0 };
	char *nl = memchr(*p, '\n', (size_t)(end - *p)), *s = *p;
	uint64_t mode, mtime, ctime, n;
	int created;

	if (!nl)
		return false;
	*nl = '\0';
	if (!hex64(&s, e.sha) || !hex64(&s, e.key) || !number(&s, false, &e.dev) || !number(&s, false, &e.ino) ||
	    !number(&s, false, &mode) || !number(&s, false, &e.size) || !number(&s, true, &mtime) ||
	    !number(&s, true, &ctime) || !number(&s, false, &n))
		return false;
	e.mode = (uint32_t)mode;
	e.mtime = (int64_t)mtime;
	e.ctime = (int64_t)ctime;
	const char *path = s;
	size_t rest = (size_t)(end - (nl + 1)); /* the copy, then its newline */
	if (path[0] != '/' || rest < 1 || n > rest - 1 || nl[1 + n] != '\n')
		return false;
	e.entry = n ? nl + 1 : NULL;
	e.entry_len = n;
	*p = nl + 1 + n + 1;
	struct ctx_strmap_entry *en = ctx_strmap_get(m, path, strlen(path), &created);
	if (!en || (created && !(en->value = malloc(sizeof e))))
		return false;
	memcpy(en->value, &e, sizeof e);
	return true;
}

int
ctx_statindex_load(struct ctx_statindex *x, struct ctx_cache *c, const char *root, int64_t stamp_ns)
{
	char rootsum[65];

	memset(x, 0, sizeof *x);
	x->stamp = stamp_ns;
	ctx_sha256_hex(root, strlen(root), rootsum);
	ctx_cache_key(rootsum, MAGIC, x->key);
	if (ctx_cache_get(c, x->key, &x->loaded) != 1 || !x->loaded.data)
		return 0;
	char *p = x->loaded.data, *end = x->loaded.data + x->loaded.len, *nl = memchr(p, '\n', x->loaded.len);
	char *s = p + sizeof MAGIC;
	uint64_t stamp;
	if (!nl || strncmp(p, MAGIC " ", sizeof MAGIC) != 0)
		return 0;
	*nl = ' '; /* number() wants a space after the stamp */
	if (!number(&s, true, &stamp) || s != nl + 1)
		return 0;
	x->old_stamp = (int64_t)stamp;
	for (p = nl + 1; p < end && x->old.n < CTX_STATINDEX_MAX;)
		if (!parse_one(&x->old, &p, end))
			break; /* damaged from here on: what came before stands */
	return 0;
}

bool
ctx_statindex_lookup(const struct ctx_statindex *x, const char *path, const struct stat *st,
    struct ctx_stat_known *k)
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
	memcpy(k->sha, e->sha, 65);
	memcpy(k->key, e->key, 65);
	k->entry = e->entry;
	k->entry_len = e->entry_len;
	return true;
}

int
ctx_statindex_note(struct ctx_statindex *x, const char *path, const struct stat *st, const char *sha,
    const char *key, const char *entry, size_t len)
{
	size_t plen = strlen(path);
	struct ctx_stat_known old;
	int created;

	if (memchr(path, '\n', plen) || path[0] != '/' || x->fresh.n >= CTX_STATINDEX_MAX)
		return 0; /* never indexed: read every time */
	struct ctx_strmap_entry *en = ctx_strmap_get(&x->fresh, path, plen, &created);
	if (!en || (created && !(en->value = calloc(1, sizeof(struct ctx_stat_entry)))))
		return -ENOMEM;
	struct ctx_stat_entry *e = en->value;
	if (e->owned) { /* the same file twice in one run: the last stands */
		x->embedded -= e->entry_len;
		free(e->owned);
		e->owned = NULL;
	}
	fill(e, st);
	memcpy(e->sha, sha, 64);
	memcpy(e->key, key, 64);
	e->sha[64] = e->key[64] = '\0';
	bool known = ctx_statindex_lookup(x, path, st, &old) && !strcmp(old.sha, e->sha) && !strcmp(old.key, e->key);
	e->entry = NULL;
	e->entry_len = 0;
	if (known && old.entry && entry && old.entry_len == len && !memcmp(old.entry, entry, len)) {
		e->entry = old.entry; /* the last run's copy, in x->loaded */
		e->entry_len = len;
	} else if (entry && len && x->embedded + len <= CTX_STATINDEX_EMBED && !memchr(entry, '\0', len)) {
		if (!(e->owned = malloc(len)))
			return -ENOMEM;
		memcpy(e->owned, entry, len);
		e->entry = e->owned;
		e->entry_len = len;
		x->embedded += len;
	}
	e->changed = !known || (old.entry == NULL) != (e->entry == NULL);
	return 0;
}

/* mtime -1 ("smudged", as git has it) matches no file: the entry is read and hashed
 * again, and noted afresh. */
static int
put_entry(struct ctx_buf *b, const char *path, const struct ctx_stat_entry *e, bool smudge)
{
	return ctx_buf_addf(b, "%s %s %" PRIu64 " %" PRIu64 " %" PRIu32 " %" PRIu64 " %" PRId64 " %" PRId64 " %zu %s\n",
		   e->sha, e->key, e->dev, e->ino, e->mode, e->size, smudge ? (int64_t)-1 : e->mtime, e->ctime,
		   e->entry_len, path) |
	    ctx_buf_add(b, e->entry ? e->entry : "", e->entry_len) | ctx_buf_add(b, "\n", 1);
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
		err |= put_entry(&b, x->fresh.entries[i].key, x->fresh.entries[i].value, false);
	size_t n = x->fresh.n;
	for (size_t i = 0; i < x->old.n && n < CTX_STATINDEX_MAX; i++) {
		const struct ctx_strmap_entry *o = &x->old.entries[i];
		if (!ctx_strmap_find(&x->fresh, o->key, o->len)) {
			/* Not seen this run: if it was racily clean under the last stamp, it must not
			 * look clean under this run's, later one. */
			const struct ctx_stat_entry *e = o->value;
			bool racy = e->mtime >= x->old_stamp - CTX_STATINDEX_RACY_NS ||
			    e->ctime >= x->old_stamp - CTX_STATINDEX_RACY_NS;
			err |= put_entry(&b, o->key, e, racy);
			n++;
		}
	}
	if (err == 0 && b.len < CTX_CACHE_MAX_ENTRY)
		err = ctx_cache_put(c, x->key, b.data, b.len);
	ctx_buf_release(&b);
	return err < 0 ? err : 0;
}

static void
release_map(struct ctx_strmap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct ctx_stat_entry *e = m->entries[i].value;
		free(e->owned);
		free(e);
	}
	ctx_strmap_release(m);
}

void
ctx_statindex_release(struct ctx_statindex *x)
{
	release_map(&x->old);
	release_map(&x->fresh);
	ctx_buf_release(&x->loaded);
}
