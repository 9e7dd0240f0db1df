#include "index.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "clock.h"
#include "json.h"
#include "path.h"
#include "safeopen.h"
#include "sha256.h"
#include "skeleton.h"
#include "utf8.h"

enum outcome { PENDING, PARSED, SKIPPED, UNREADABLE };

struct slot {
	struct ctx_buf rec;
	struct ctx_buf entry; /* to store in the cache under key, by the writing thread */
	char key[65];
	char sha[65];         /* the content's digest */
	char *real;           /* the file's real path, to note in the stat index with st */
	struct stat st;       /* taken before the file was read */
	struct ctx_buf seen;  /* an entry read from the cache, for the stat index's copy */
	const char *emb;      /* the stat index's own copy of the entry, when it was used */
	size_t emb_len;
	enum outcome outcome;
	bool done;            /* set under the run's lock when the slot's chunk is done */
	int err;
	bool hit;
	long symbols, bytes, skeleton_bytes;
};

struct run {
	const struct ctx_index_opts *o;
	const char *cwd; /* the current directory, looked up once (NULL: it could not be) */
	size_t chunk;    /* files a worker takes at once: 1 to 32, 16 chunks a worker at least */
	char *const *paths;
	size_t n;
	atomic_size_t next;
	struct slot *slots;
	pthread_mutex_t mu;
	pthread_cond_t done;
};


/* What one thread keeps between files. */
struct worker {
	struct run *run;
	struct ctx_skeleton *sk;
	struct ctx_dircache dirs; /* the last directory's real path */
	struct ctx_buf abs;       /* the path made absolute */
	struct ctx_buf content, entry, rel, module;
};

/* ctx_index_relpath with the current directory known (NULL: it could not be had). */
static int
relpath_in(const char *root, const char *root_given, const char *cwd, const char *path, struct ctx_buf *out)
{
	struct ctx_buf abs = { 0 };
	const char *rel = NULL;
	char *real = NULL;
	int err;

	if (path[0] == '/')
		err = ctx_buf_adds(&abs, path);
	else if (cwd)
		err = ctx_buf_addf(&abs, "%s/%s", cwd, path);
	else
		return ctx_buf_adds(out, path);
	if (err < 0)
		return err;
	ctx_path_normalize(abs.data);
	rel = ctx_path_under(abs.data, root);
	if (!rel && root_given)
		rel = ctx_path_under(abs.data, root_given);
	if (!rel && (real = ctx_path_resolve_existing(abs.data)) != NULL)
		rel = ctx_path_under(real, root);
	err = ctx_buf_adds(out, rel ? rel : path);
	free(real);
	ctx_buf_release(&abs);
	return err;
}

int
ctx_index_relpath(const char *root, const char *root_given, const char *path, struct ctx_buf *out)
{
	char cwd[PATH_MAX];

	return relpath_in(root, root_given, path[0] == '/' ? NULL : getcwd(cwd, sizeof cwd), path, out);
}

static void
skipped_record(struct slot *sl, const char *file, const char *why)
{
	int err = ctx_buf_adds(&sl->rec, "{\"file\":");
	err |= ctx_utf8_write_json(&sl->rec, file, strlen(file)); /* a name need not be UTF-8 */
	err |= ctx_buf_addf(&sl->rec, ",\"skipped\":\"%s\"}\n", why);
	sl->outcome = SKIPPED;
	(void)err; /* out of memory shows as a missing record */
}

static void
parse_event(struct worker *wk, const char *file, const char *lang, const char *status, const char *reason,
    const struct slot *sl, long timing_ms)
{
	struct ctx_evstream *ev = wk->run->o->events;
	struct ctx_buf args = { 0 }, result = { 0 }, x = { 0 };

	if (!ctx_evstream_on(ev))
		return;
	ctx_buf_adds(&args, "{\"file\":");
	ctx_utf8_write_json(&args, file, strlen(file));
	ctx_buf_add(&args, "}", 1);
	if (sl->outcome == PARSED) {
		char ratio[40];
		ctx_json_format_fixed(
		    sl->bytes ? (double)sl->skeleton_bytes / (double)sl->bytes : 0, 4, ratio, sizeof ratio);
		ctx_buf_addf(&result, "{\"status\":\"%s\",\"symbols\":%ld,\"parse_error\":%s}", status, sl->symbols,
		    reason ? "true" : "false");
		ctx_buf_addf(&x, "{\"cache\":\"%s\",\"lang\":\"%s\",\"bytes\":%ld,\"skeleton_bytes\":%ld,"
				 "\"reduction_ratio\":%s}",
		    sl->hit ? "hit" : "miss", lang, sl->bytes, sl->skeleton_bytes, ratio);
	} else {
		ctx_buf_addf(&result, "{\"status\":\"%s\",\"reason\":\"%s\"}", status, reason);
	}
	ctx_evstream_emit(ev, "ast.parse", args.data, result.data, timing_ms, x.data);
	ctx_buf_release(&args);
	ctx_buf_release(&result);
	ctx_buf_release(&x);
}

/* Find a file and read its bytes into wk->content, unless the stat index knows its
 * digest (*known true with *k: nothing is opened). NULL when found, else why not: a
 * skip reason (denylisted, outside_root, not_regular, too_large, unsupported), or
 * "unreadable" with *err the negative errno. */
static const char *
read_source(struct worker *wk, const char *path, const char *file, const struct ctx_lang *lang, struct slot *sl,
    bool *known, struct ctx_stat_known *k, int *err)
{
	const struct ctx_index_opts *o = wk->run->o;
	int rc;

	/* Refused before anything is opened: a name on the denylist, a real path outside the
	 * root or through a denylisted directory (a symlink to ../secret or to .env). */
	*known = false;
	if (ctx_denylisted(path) || ctx_denylisted(file))
		return "denylisted";
	ctx_buf_truncate(&wk->abs, 0);
	if (path[0] != '/' && wk->run->cwd)
		rc = ctx_buf_addf(&wk->abs, "%s/%s", wk->run->cwd, path);
	else
		rc = ctx_buf_adds(&wk->abs, path);
	if (rc == 0)
		rc = ctx_wsfile_resolve_cached(o->root, wk->abs.data, &wk->dirs, &sl->real, &sl->st);
	/* A regular file within the bound (looked at before it is opened, and read O_NONBLOCK:
	 * a FIFO never blocks), unless its stat says it is as the stat index knows it. */
	if (rc == 0 && lang && (rc = ctx_file_check(sl->real, o->max_file_bytes, &sl->st)) == 0)
		*known = o->stat && ctx_statindex_lookup(o->stat, sl->real, &sl->st, k);
	if (rc == 0 && lang && !*known)
		rc = ctx_file_read(sl->real, o->max_file_bytes, false, &wk->content);
	if (rc == 0)
		return lang ? NULL : "unsupported";
	if (rc > 0)
		return ctx_refusal_token(rc);
	*err = rc;
	return "unreadable";
}

/* Make the record of one file. */
static void
process(struct worker *wk, const char *path, struct slot *sl)
{
	const struct ctx_index_opts *o = wk->run->o;
	const struct ctx_lang *lang = ctx_lang_parsed(path);
	ctx_buf_truncate(&wk->rel, 0);
	ctx_buf_truncate(&wk->module, 0);
	if (relpath_in(o->root, o->root_given, wk->run->cwd, path, &wk->rel) < 0) {
		sl->err = -ENOMEM;
		return;
	}
	const char *file = wk->rel.data;
	int err = 0;
	bool known;
	struct ctx_stat_known k;
	const char *why = read_source(wk, path, file, lang, sl, &known, &k, &err);
	if (why) {
		skipped_record(sl, file, why);
		if (err) {
			sl->err = err;
			sl->outcome = UNREADABLE;
		}
		parse_event(wk, file, NULL, err ? "error" : "skipped", why, sl, -1);
		return;
	}

	int64_t t0 = ctx_clock_ns();
	bool perr = false;
	if (known)
		memcpy(sl->sha, k.sha, sizeof sl->sha);
	else
		ctx_sha256_hex(wk->content.data, wk->content.len, sl->sha);
	ctx_cache_key(sl->sha, lang->grammar, sl->key);
	ctx_skeleton_module(lang, file[0] == '/' ? file + 1 : file, &wk->module);
	/* The entry: the stat index's copy (under the same key: the same grammar), else the
	 * cache's. */
	const char *entry = NULL;
	size_t entry_len = 0;
	ctx_buf_truncate(&wk->entry, 0);
	if (known && k.entry && strcmp(k.key, sl->key) == 0) {
		entry = sl->emb = k.entry;
		entry_len = sl->emb_len = k.entry_len;
	} else if (o->cache && ctx_cache_get(o->cache, sl->key, &wk->entry) == 1) {
		entry = wk->entry.data;
		entry_len = wk->entry.len;
	}
	if (entry && ctx_skeleton_record(entry, entry_len, sl->sha, file, wk->module.data, "hit", &sl->rec,
			 &sl->symbols, &perr, &sl->skeleton_bytes) == 0) {
		sl->hit = true;
		sl->bytes = known ? (long)sl->st.st_size : (long)wk->content.len;
		if (o->stat && entry == wk->entry.data) { /* for the stat index to keep a copy */
			sl->seen = wk->entry;
			wk->entry = (struct ctx_buf){ 0 };
		}
	} else {
		/* A miss, or a damaged entry: parse, and (re)write the entry. The stat index's
		 * digest is no use without its entry: the file is read and hashed after all. */
		sl->emb = NULL;
		if (known && (err = ctx_file_read(sl->real, o->max_file_bytes, false, &wk->content)) != 0) {
			why = err > 0 ? ctx_refusal_token(err) : "unreadable";
			skipped_record(sl, file, why);
			if (err < 0) {
				sl->err = err;
				sl->outcome = UNREADABLE;
			}
			parse_event(wk, file, NULL, err < 0 ? "error" : "skipped", why, sl, -1);
			return;
		}
		if (known)
			ctx_sha256_hex(wk->content.data, wk->content.len, sl->sha);
		ctx_buf_truncate(&sl->rec, 0);
		ctx_buf_truncate(&wk->entry, 0);
		if (ctx_skeleton_extract(wk->sk, lang, wk->content.data, wk->content.len, sl->sha, &wk->entry) < 0 ||
		    ctx_skeleton_record(wk->entry.data, wk->entry.len, sl->sha, file, wk->module.data, "miss", &sl->rec,
			&sl->symbols, &perr, &sl->skeleton_bytes) < 0) {
			sl->err = -ENOMEM;
			return;
		}
		if (o->cache) {
			/* The thread that writes the records also stores the entry (write-behind):
			 * creating a file costs as much as parsing a small one. */
			sl->entry = wk->entry;
			wk->entry = (struct ctx_buf){ 0 };
		}
		sl->bytes = (long)wk->content.len;
	}
	sl->outcome = PARSED;
	parse_event(wk, file, lang->name, "ok", perr ? "parse_error" : NULL, sl,
	    (long)((ctx_clock_ns() - t0) / 1000000));
}

static void *
work(void *arg)
{
	struct worker *wk = arg;
	struct run *r = wk->run;
	size_t i;

	/* Files are taken a chunk at a time, and the writer is woken once a chunk: on a warm
	 * run a file costs less than waking a thread. */
	while ((i = atomic_fetch_add(&r->next, r->chunk)) < r->n) {
		size_t end = i + r->chunk < r->n ? i + r->chunk : r->n;
		for (size_t k = i; k < end; k++)
			process(wk, r->paths[k], &r->slots[k]);
		pthread_mutex_lock(&r->mu);
		for (size_t k = i; k < end; k++) {
			if (r->slots[k].outcome == PENDING)
				r->slots[k].outcome = UNREADABLE; /* out of memory: no record, but done */
			r->slots[k].done = true;
		}
		pthread_cond_broadcast(&r->done);
		pthread_mutex_unlock(&r->mu);
	}
	return NULL;
}

static void
worker_release(struct worker *wk)
{
	ctx_skeleton_free(wk->sk);
	ctx_dircache_release(&wk->dirs);
	ctx_buf_release(&wk->abs);
	ctx_buf_release(&wk->content);
	ctx_buf_release(&wk->entry);
	ctx_buf_release(&wk->rel);
	ctx_buf_release(&wk->module);
}

int
ctx_index_run(const struct ctx_index_opts *o, char *const *paths, size_t n, FILE *out,
    struct ctx_index_counts *counts)
{
	char cwd[PATH_MAX];
	struct run r = { .o = o, .cwd = getcwd(cwd, sizeof cwd), .paths = paths, .n = n };
	int jobs = o->jobs < 1 ? 1 : o->jobs > 256 ? 256 : o->jobs, started = 0, rc = 0;
	struct worker *wk = calloc((size_t)jobs, sizeof *wk);
	pthread_t *th = calloc((size_t)jobs, sizeof *th);

	memset(counts, 0, sizeof *counts);
	r.slots = calloc(n ? n : 1, sizeof *r.slots);
	if (!wk || !th || !r.slots) {
		free(wk);
		free(th);
		free(r.slots);
		return -ENOMEM;
	}
	atomic_init(&r.next, 0);
	r.chunk = n / ((size_t)jobs * 16);
	r.chunk = r.chunk < 1 ? 1 : r.chunk > 32 ? 32 : r.chunk;
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.done, NULL);
	/* The calling thread writes records and cache entries in input order while the
	 * workers parse; -j counts the workers. */
	for (int i = 0; i < jobs; i++) {
		wk[i].run = &r;
		if (!(wk[i].sk = ctx_skeleton_new()) || pthread_create(&th[i], NULL, work, &wk[i]) != 0)
			break;
		started++;
	}
	if (started == 0)
		rc = -ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct slot *sl = &r.slots[i];
		pthread_mutex_lock(&r.mu);
		while (!sl->done)
			pthread_cond_wait(&r.done, &r.mu);
		pthread_mutex_unlock(&r.mu);
		if (sl->rec.len && fwrite(sl->rec.data, 1, sl->rec.len, out) != sl->rec.len)
			rc = -EIO;
		int put = sl->entry.len ? ctx_cache_put(o->cache, sl->key, sl->entry.data, sl->entry.len) : 0;
		if (put != 0 && counts->cache_errors++ == 0)
			counts->cache_err = put;
		if (sl->outcome == UNREADABLE && o->unreadable)
			o->unreadable(o->arg, paths[i], sl->err ? sl->err : -EIO);
		const struct ctx_buf *e = sl->entry.len ? &sl->entry : &sl->seen;
		if (sl->outcome == PARSED && o->stat && sl->real &&
		    ctx_statindex_note(o->stat, sl->real, &sl->st, sl->sha, sl->key, e->len ? e->data : sl->emb,
			e->len ? e->len : sl->emb_len) < 0)
			rc = -ENOMEM;
		ctx_buf_release(&sl->entry);
		ctx_buf_release(&sl->seen);
		free(sl->real);
		sl->real = NULL;
		counts->parsed += sl->outcome == PARSED;
		counts->hits += sl->hit;
		counts->skipped += sl->outcome == SKIPPED;
		counts->unreadable += sl->outcome == UNREADABLE;
		counts->symbols += sl->symbols;
		counts->bytes += sl->bytes;
		counts->skeleton_bytes += sl->skeleton_bytes;
		ctx_buf_release(&sl->rec);
		if (o->progress)
			o->progress(o->arg, i + 1, n);
	}
	if (rc)
		atomic_store(&r.next, n); /* stop the workers early */
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < jobs; i++)
		worker_release(&wk[i]);
	for (size_t i = 0; i < n; i++) {
		ctx_buf_release(&r.slots[i].rec);
		ctx_buf_release(&r.slots[i].entry);
		ctx_buf_release(&r.slots[i].seen);
		free(r.slots[i].real);
	}
	pthread_mutex_destroy(&r.mu);
	pthread_cond_destroy(&r.done);
	free(r.slots);
	free(wk);
	free(th);
	return rc;
}

/* nftw has no argument for its callback: the list being built. */
static char **walk_list;
static size_t walk_n, walk_cap;

static int
collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	if (ctx_denylisted(path + ftw->base) || (ftw->level > 0 && path[ftw->base] == '_' &&
	    strcmp(path + ftw->base, "_ctx") == 0))
		return type == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
	if (type != FTW_F || !ctx_lang_parsed(path))
		return FTW_CONTINUE;
	if (walk_n == walk_cap) {
		size_t cap = walk_cap ? walk_cap * 2 : 256;
		char **p = realloc(walk_list, cap * sizeof *p);
		if (!p)
			return FTW_STOP;
		walk_list = p;
		walk_cap = cap;
	}
	return (walk_list[walk_n] = strdup(path)) && ++walk_n ? FTW_CONTINUE : FTW_STOP;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
ctx_index_walk(const char *dir, char ***list, size_t *n)
{
	walk_list = NULL;
	walk_n = walk_cap = 0;
	int rc = nftw(dir, collect, 32, FTW_PHYS | FTW_ACTIONRETVAL);
	*list = walk_list;
	*n = walk_n;
	walk_list = NULL;
	if (rc != 0) {
		rc = rc < 0 ? -errno : -ENOMEM;
		ctx_index_walk_free(*list, *n);
		*list = NULL;
		*n = 0;
		return rc;
	}
	if (*n > 1)
		qsort(*list, *n, sizeof **list, by_name);
	return 0;
}

void
ctx_index_walk_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}
