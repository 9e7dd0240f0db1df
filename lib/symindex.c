#include "symindex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "index.h"
#include "json.h"
#include "jsonl.h"
#include "safeopen.h"
#include "skeleton.h"
#include "utf8.h"

#define MAX_WORKSPACE 100

struct file {
	const char *name;          /* root-relative path */
	struct ctx_json *rec;      /* the ctx-parse record */
};

struct ctx_symindex {
	char *root;
	struct ctx_arena arena;
	struct file *files;
	size_t n, cap;
};

void
ctx_symindex_free(struct ctx_symindex *x)
{
	if (!x)
		return;
	ctx_arena_release(&x->arena);
	free(x->files);
	free(x->root);
	free(x);
}

static int
add_line(struct ctx_symindex *x, const char *line, size_t len)
{
	size_t bad;
	struct ctx_json *rec = ctx_json_parse(&x->arena, line, len, &bad);
	struct ctx_json *file = ctx_json_get(rec, "file"), *module = ctx_json_get(rec, "module");

	if (!rec || !file || !module || !ctx_json_get(rec, "symbols") || file->type != CTX_JSON_STRING)
		return 0;
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct file *p = realloc(x->files, cap * sizeof *p);
		if (!p)
			return -ENOMEM;
		x->files = p;
		x->cap = cap;
	}
	x->files[x->n++] = (struct file){ file->str, rec };
	return 0;
}

static struct ctx_symindex *
new_index(const char *root, int *err)
{
	struct ctx_symindex *x = calloc(1, sizeof *x);

	if (!x || !(x->root = strdup(root))) {
		ctx_symindex_free(x);
		*err = -ENOMEM;
		return NULL;
	}
	return x;
}

struct ctx_symindex *
ctx_symindex_load(const char *path, const char *root, int *err)
{
	struct ctx_symindex *x = new_index(root, err);
	/* A regular file only, read to the length it has now: /dev/zero or a FIFO named as the
	 * index would never end. */
	int fd = x ? open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1;
	struct stat st;
	struct ctx_jsonl *r = NULL;
	const char *line;
	size_t len;
	int got;

	if (x && fd < 0) {
		*err = -errno;
	} else if (x && fstat(fd, &st) < 0) {
		*err = -errno;
		close(fd);
	} else if (x && !S_ISREG(st.st_mode)) {
		*err = -EINVAL; /* "not a regular file" */
		close(fd);
	} else if (x) {
		r = ctx_jsonl_open_fd(fd, path, (long long)st.st_size, 16 * 1024 * 1024, err); /* owns fd */
	}
	if (!r) {
		ctx_symindex_free(x);
		return NULL;
	}
	while ((got = ctx_jsonl_next(r, &line, &len)) != 0)
		if (got == 1 && (*err = add_line(x, line, len)) < 0)
			break;
	ctx_jsonl_free(r);
	if (*err < 0) {
		ctx_symindex_free(x);
		return NULL;
	}
	return x;
}

struct ctx_symindex *
ctx_symindex_build(const char *root, int *err)
{
	struct ctx_symindex *x = new_index(root, err);
	char *mem = NULL;
	size_t memlen = 0;
	FILE *f = x ? open_memstream(&mem, &memlen) : NULL;
	struct ctx_index_counts counts;
	char *cache_dir = ctx_cache_dir(NULL, root), why[256];
	struct ctx_cache *cache = NULL;

	if (!f || !cache_dir) {
		if (f)
			fclose(f);
		free(mem);
		free(cache_dir);
		ctx_symindex_free(x);
		*err = -ENOMEM;
		return NULL;
	}
	char **files = NULL;
	size_t nfiles = 0;
	*err = ctx_index_walk(root, &files, &nfiles);
	if (*err == 0 && ctx_cache_open(cache_dir, root, &cache, why, sizeof why) != 0)
		cache = NULL; /* the fallback works without it, only slower */
	free(cache_dir);
	struct ctx_index_opts io = { .root = root, .cache = cache, .max_file_bytes = 1024 * 1024, .jobs = 2 };
	if (*err == 0)
		*err = ctx_index_run(&io, files, nfiles, f, &counts);
	fclose(f);
	for (const char *p = mem, *end = mem + memlen; *err == 0 && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		*err = add_line(x, p, n);
		p += n + 1;
	}
	ctx_index_walk_free(files, nfiles);
	ctx_cache_free(cache);
	/* The records point into the arena, not into mem. */
	free(mem);
	if (*err < 0) {
		ctx_symindex_free(x);
		return NULL;
	}
	return x;
}

static struct file *
find_file(struct ctx_symindex *x, const char *name)
{
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->files[i].name, name) == 0)
			return &x->files[i];
	return NULL;
}

static const char *
str(const struct ctx_json *o, const char *key)
{
	const struct ctx_json *v = ctx_json_get(o, key);
	return v && v->type == CTX_JSON_STRING ? v->str : NULL;
}

long
ctx_symindex_symbols(struct ctx_symindex *x, const char *file, struct ctx_buf *out)
{
	struct file *f = find_file(x, file);
	long n = 0;

	ctx_buf_add(out, "[", 1);
	for (const struct ctx_json *s = f ? ctx_json_get(f->rec, "symbols")->child : NULL; s; s = s->next, n++) {
		ctx_buf_adds(out, n ? ",{\"name\":" : "{\"name\":");
		ctx_json_write(out, ctx_json_get(s, "name"));
		ctx_buf_adds(out, ",\"kind\":");
		ctx_json_write(out, ctx_json_get(s, "kind"));
		ctx_buf_addf(out, ",\"line\":%ld,\"end_line\":%ld,\"parent\":", ctx_json_long(s, "start_line"),
		    ctx_json_long(s, "end_line"));
		ctx_json_write(out, ctx_json_get(s, "parent"));
		ctx_buf_add(out, "}", 1);
	}
	ctx_buf_add(out, "]", 1);
	return n;
}

long
ctx_symindex_workspace(struct ctx_symindex *x, const char *query, struct ctx_buf *out)
{
	long n = 0;

	ctx_buf_add(out, "[", 1);
	for (size_t i = 0; i < x->n && n < MAX_WORKSPACE; i++) {
		for (const struct ctx_json *s = ctx_json_get(x->files[i].rec, "symbols")->child; s && n < MAX_WORKSPACE;
		     s = s->next) {
			const char *nm = str(s, "name");
			if (!nm || !strcasestr(nm, query))
				continue;
			ctx_buf_adds(out, n++ ? ",{\"name\":" : "{\"name\":");
			ctx_json_write(out, ctx_json_get(s, "name"));
			ctx_buf_adds(out, ",\"kind\":");
			ctx_json_write(out, ctx_json_get(s, "kind"));
			ctx_buf_adds(out, ",\"file\":");
			ctx_utf8_write_json(out, x->files[i].name, strlen(x->files[i].name));
			ctx_buf_addf(out, ",\"line\":%ld,\"parent\":", ctx_json_long(s, "start_line"));
			ctx_json_write(out, ctx_json_get(s, "parent"));
			ctx_buf_add(out, "}", 1);
		}
	}
	ctx_buf_add(out, "]", 1);
	return n;
}
