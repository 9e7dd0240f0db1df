#include "symindex.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#define MAX_ANYWHERE 20
#define MAX_WORKSPACE 100
#define MAX_TEXT (16 * 1024 * 1024) /* the largest file read for a fallback answer */

struct file {
	const char *name, *module; /* root-relative path and module name */
	struct ctx_json *rec;      /* the ctx-parse record */
};

struct ctx_symindex {
	char *root;
	struct ctx_arena arena;
	struct file *files;
	size_t n, cap;
	struct ctx_skeleton *sk;
	char *text_of;             /* the file whose text is in `text` */
	struct ctx_buf text;
};

void
ctx_symindex_free(struct ctx_symindex *x)
{
	if (!x)
		return;
	ctx_arena_release(&x->arena);
	ctx_skeleton_free(x->sk);
	ctx_buf_release(&x->text);
	free(x->text_of);
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
	x->files[x->n++] = (struct file){ file->str, module->str, rec };
	return 0;
}

static struct ctx_symindex *
new_index(const char *root, int *err)
{
	struct ctx_symindex *x = calloc(1, sizeof *x);

	if (!x || !(x->root = strdup(root)) || !(x->sk = ctx_skeleton_new())) {
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
	if (type != FTW_F || !ctx_lang_for_path(path))
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
	walk_list = NULL;
	walk_n = walk_cap = 0;
	nftw(root, collect, 32, FTW_PHYS | FTW_ACTIONRETVAL);
	if (ctx_cache_open(cache_dir, root, &cache, why, sizeof why) != 0)
		cache = NULL; /* the fallback works without it, only slower */
	free(cache_dir);
	struct ctx_index_opts io = { .root = root, .cache = cache, .max_file_bytes = 1024 * 1024, .jobs = 2 };
	*err = ctx_index_run(&io, walk_list, walk_n, f, &counts);
	fclose(f);
	for (const char *p = mem, *end = mem + memlen; *err == 0 && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		*err = add_line(x, p, n);
		p += n + 1;
	}
	for (size_t i = 0; i < walk_n; i++)
		free(walk_list[i]);
	free(walk_list);
	walk_list = NULL;
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

static struct file *
find_module(struct ctx_symindex *x, const char *module)
{
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->files[i].module, module) == 0)
			return &x->files[i];
	return NULL;
}

/* The text of a root-relative file, kept for the next question about the same file. */
static const struct ctx_buf *
text_of(struct ctx_symindex *x, const char *file)
{
	struct ctx_buf path = { 0 };

	if (x->text_of && strcmp(x->text_of, file) == 0)
		return &x->text;
	free(x->text_of);
	x->text_of = NULL;
	if (ctx_buf_addf(&path, "%s/%s", x->root, file) < 0 ||
	    ctx_wsfile_read(x->root, file[0] == '/' ? file : path.data, MAX_TEXT, &x->text, NULL) != 0) {
		ctx_buf_release(&path);
		return NULL;
	}
	ctx_buf_release(&path);
	x->text_of = strdup(file);
	return &x->text;
}

int
ctx_symindex_word_at(struct ctx_symindex *x, const char *file, long line, long col, char *out, size_t size)
{
	const struct ctx_buf *t = text_of(x, file);
	const struct ctx_lang *lang = ctx_lang_for_path(file);
	size_t len;
	const char *l = t && lang ? ctx_buf_line(t, line, &len) : NULL;

	if (!l || col < 1)
		return 0;
	size_t byte = ctx_utf8_cut_chars(l, len, (size_t)col - 1);
	return ctx_skeleton_identifier_at(x->sk, lang, t->data, t->len, line, (long)byte + 1, out, size) == 1;
}

static const char *
str(const struct ctx_json *o, const char *key)
{
	const struct ctx_json *v = ctx_json_get(o, key);
	return v && v->type == CTX_JSON_STRING ? v->str : NULL;
}

/* Append {file,line,col,end_line,end_col} for symbol s of f: the column of its name. */
static void
location(struct ctx_symindex *x, const struct file *f, const struct ctx_json *s, bool first, struct ctx_buf *out)
{
	const char *name = str(s, "name");
	long line = ctx_json_long(s, "start_line"), col = 1;
	const struct ctx_buf *t = text_of(x, f->name);
	size_t len;
	const char *l = t ? ctx_buf_line(t, line, &len) : NULL;

	if (l && name) {
		/* The first occurrence of the name as a whole word on its line. */
		size_t nlen = strlen(name);
		for (const char *q = l; (q = memmem(q, (size_t)(l + len - q), name, nlen)) != NULL; q++) {
			if (q > l && (isalnum((unsigned char)q[-1]) || q[-1] == '_'))
				continue;
			col = 1;
			for (const char *c = l; c < q; c++) /* code points, not bytes */
				col += ((unsigned char)*c & 0xC0) != 0x80;
			break;
		}
	}
	if (!first)
		ctx_buf_add(out, ",", 1);
	ctx_buf_adds(out, "{\"file\":");
	ctx_utf8_write_json(out, f->name, strlen(f->name));
	ctx_buf_addf(out, ",\"line\":%ld,\"col\":%ld,\"end_line\":%ld,\"end_col\":%ld}", line, col, line,
	    col + (long)(name ? strlen(name) : 0));
}

/* Append the locations of the definitions of name in f (limit at most); returns how many. */
static long
in_file(struct ctx_symindex *x, struct file *f, const char *name, bool first, struct ctx_buf *out, long limit)
{
	long n = 0;

	for (const struct ctx_json *s = f ? ctx_json_get(f->rec, "symbols")->child : NULL; s && n < limit;
	     s = s->next) {
		const char *nm = str(s, "name");
		if (nm && strcmp(nm, name) == 0)
			location(x, f, s, first && n == 0, out), n++;
	}
	return n;
}

/* The absolute module of an import written in module `from`: resolves leading dots. */
static void
resolve_import(const struct file *f, const char *mod, struct ctx_buf *out)
{
	size_t dots = strspn(mod, ".");
	ctx_buf_truncate(out, 0);
	if (dots == 0) {
		ctx_buf_adds(out, mod);
		return;
	}
	/* The package of f: its module without the last part (a package's __init__ is itself). */
	const char *base = strrchr(f->name, '/');
	bool init = base ? strcmp(base + 1, "__init__.py") == 0 : strcmp(f->name, "__init__.py") == 0;
	ctx_buf_adds(out, f->module);
	for (size_t up = init ? dots - 1 : dots; up > 0; up--) {
		char *dot = out->data ? strrchr(out->data, '.') : NULL;
		ctx_buf_truncate(out, dot ? (size_t)(dot - out->data) : 0);
	}
	if (mod[dots])
		ctx_buf_addf(out, "%s%s", out->len ? "." : "", mod + dots);
}

/* Where name is defined, seen from file: the same file, imported modules, anywhere. */
static long
definitions(struct ctx_symindex *x, const char *file, const char *name, struct ctx_buf *out)
{
	struct file *f = find_file(x, file);
	long n = in_file(x, f, name, true, out, MAX_ANYWHERE);
	struct ctx_buf mod = { 0 };

	for (const struct ctx_json *imp = f && n == 0 ? ctx_json_get(f->rec, "imports")->child : NULL; imp && n == 0;
	     imp = imp->next) {
		const char *m = str(imp, "module");
		if (!m)
			continue;
		resolve_import(f, m, &mod);
		n += in_file(x, find_module(x, mod.data ? mod.data : ""), name, n == 0, out, MAX_ANYWHERE);
		/* from pkg import name, where name is a module. */
		for (const struct ctx_json *nm = ctx_json_get(imp, "names")->child; nm && n == 0; nm = nm->next) {
			if (nm->type != CTX_JSON_STRING || strcmp(nm->str, name) != 0)
				continue;
			ctx_buf_addf(&mod, "%s%s", mod.len ? "." : "", name);
			struct file *sub = find_module(x, mod.data);
			if (sub) {
				ctx_buf_adds(out, "{\"file\":");
				ctx_utf8_write_json(out, sub->name, strlen(sub->name));
				ctx_buf_adds(out, ",\"line\":1,\"col\":1,\"end_line\":1,\"end_col\":1}");
				n++;
			}
		}
	}
	for (size_t i = 0; i < x->n && n < MAX_ANYWHERE && (!f || n == 0 || &x->files[i] == f); i++)
		if (&x->files[i] != f)
			n += in_file(x, &x->files[i], name, n == 0, out, MAX_ANYWHERE - n);
	ctx_buf_release(&mod);
	return n;
}

long
ctx_symindex_definition(struct ctx_symindex *x, const char *file, const char *name, struct ctx_buf *out)
{
	ctx_buf_add(out, "[", 1);
	long n = definitions(x, file, name, out);
	ctx_buf_add(out, "]", 1);
	return n;
}

long
ctx_symindex_hover(struct ctx_symindex *x, const char *file, const char *name, struct ctx_buf *out)
{
	struct ctx_buf locs = { 0 };
	long n = definitions(x, file, name, &locs);
	struct ctx_arena a = { 0 };
	size_t bad;
	/* The first location names the file and line of the definition to describe. */
	struct ctx_buf arr = { 0 };
	ctx_buf_addf(&arr, "[%s]", locs.data ? locs.data : "");
	struct ctx_json *l = n ? ctx_json_parse(&a, arr.data, arr.len, &bad) : NULL;
	struct file *f = l ? find_file(x, str(l->child, "file")) : NULL;
	const struct ctx_json *hit = NULL;

	for (const struct ctx_json *s = f ? ctx_json_get(f->rec, "symbols")->child : NULL; s && !hit; s = s->next)
		if (ctx_json_long(s, "start_line") == ctx_json_long(l->child, "line") && str(s, "name") &&
		    strcmp(str(s, "name"), name) == 0)
			hit = s;
	if (hit) {
		struct ctx_buf text = { 0 };
		const char *doc = str(hit, "doc");
		ctx_buf_adds(&text, str(hit, "signature") ? str(hit, "signature") : name);
		if (doc)
			ctx_buf_addf(&text, "\n\n%s", doc);
		ctx_buf_adds(out, "{\"text\":");
		ctx_utf8_write_json(out, text.data, text.len);
		ctx_buf_add(out, "}", 1);
		ctx_buf_release(&text);
	} else {
		ctx_buf_adds(out, "null");
	}
	ctx_arena_release(&a);
	ctx_buf_release(&arr);
	ctx_buf_release(&locs);
	return hit != NULL;
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
