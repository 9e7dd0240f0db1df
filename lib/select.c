#include "select.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "clock.h"
#include "err.h"
#include "index.h"
#include "json.h"
#include "safeopen.h"
#include "sha256.h"
#include "skeleton.h"
#include "utf8.h"

#define MAX_CANDIDATES 5
#define BAD_URI "want sym://LANG/mod/MODULE or sym://LANG/type/MODULE#QUALNAME"

/* A file loaded and parsed: its bytes, and its record as a tree. */
struct loaded {
	struct ctx_buf content, entry, record, rel, module;
	struct ctx_arena arena;
	struct ctx_json *rec; /* the record: file, module, symbols (with URIs), ... */
	bool parse_error;
};

static void
loaded_release(struct loaded *l)
{
	ctx_buf_release(&l->content);
	ctx_buf_release(&l->entry);
	ctx_buf_release(&l->record);
	ctx_buf_release(&l->rel);
	ctx_buf_release(&l->module);
	ctx_arena_release(&l->arena);
	memset(l, 0, sizeof *l);
}

/* Load path: 0, a refusal (ctx_wsfile_read: outside the root, denylisted, not a regular
 * file, over --max-file-bytes; nothing is opened for the first two), -errno when
 * unreadable, -EINVAL when not a supported language. */
static int
load(const struct ctx_select_opts *o, struct ctx_skeleton *sk, const char *path, struct loaded *l)
{
	const struct ctx_lang *lang = ctx_lang_parsed(path);
	char sha[65];
	long nsym, skel;
	size_t bad;
	int err;

	if (!lang)
		return -EINVAL;
	if (ctx_denylisted(path))
		return CTX_REFUSED_DENYLISTED;
	if ((err = ctx_wsfile_read(o->root, path, o->max_file_bytes, &l->content, NULL)) != 0)
		return err;
	if (ctx_index_relpath(o->root, o->root_given, path, &l->rel) < 0 ||
	    ctx_skeleton_module(lang, l->rel.data[0] == '/' ? l->rel.data + 1 : l->rel.data, &l->module) < 0)
		return -ENOMEM;
	ctx_sha256_hex(l->content.data, l->content.len, sha);
	if ((err = ctx_skeleton_extract(sk, lang, l->content.data, l->content.len, sha, &l->entry)) < 0 ||
	    (err = ctx_skeleton_record(l->entry.data, l->entry.len, sha, l->rel.data, l->module.data, "miss",
		 &l->record, &nsym, &l->parse_error, &skel)) < 0)
		return err;
	l->rec = ctx_json_parse(&l->arena, l->record.data, l->record.len, &bad);
	return l->rec ? 0 : -ENOMEM;
}

static int
answer_error(FILE *out, const char *code, const char *message, const struct ctx_buf *candidates)
{
	struct ctx_buf b = { 0 };

	ctx_buf_addf(&b, "{\"status\":\"error\",\"error_code\":\"%s\",\"message\":", code);
	ctx_utf8_write_json(&b, message, strlen(message));
	if (candidates)
		ctx_buf_addf(&b, ",\"candidates\":[%s]", candidates->data ? candidates->data : "");
	ctx_buf_adds(&b, "}\n");
	fwrite(b.data, 1, b.len, out);
	ctx_buf_release(&b);
	return CTX_REJECTED;
}

static void
resolve_event(const struct ctx_select_opts *o, const char *query, bool resolved, long matches, int64_t t0)
{
	struct ctx_buf args = { 0 }, result = { 0 };

	if (!ctx_evstream_on(o->events))
		return;
	ctx_buf_adds(&args, "{\"query\":");
	ctx_utf8_write_json(&args, query, strlen(query));
	ctx_buf_add(&args, "}", 1);
	ctx_buf_addf(&result, "{\"resolved\":%s,\"matches\":%ld,\"ambiguous\":%s}", resolved ? "true" : "false",
	    matches, matches > 1 ? "true" : "false");
	ctx_evstream_emit(o->events, "selector.resolve", args.data, result.data, (ctx_clock_ns() - t0) / 1000000, NULL);
	ctx_buf_release(&args);
	ctx_buf_release(&result);
}

/* The source lines [first, last] (1-based, inclusive) of text. */
static void
lines_of(const struct ctx_buf *text, long first, long last, const char **start, size_t *len)
{
	const char *p = text->data, *end = text->data + text->len, *s;
	long line = 1;

	while (line < first && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
		line++;
	}
	s = p;
	while (line <= last && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
		line++;
	}
	*start = s;
	*len = (size_t)(p - s);
}

/* Answer "ok" for symbol sym of l (NULL: the whole module) under uri, in o->mode. */
static int
answer_ok(const struct ctx_select_opts *o, const struct loaded *l, const struct ctx_json *sym, const char *uri,
    FILE *out)
{
	struct ctx_buf b = { 0 }, body = { 0 };
	const char *mode = o->mode;
	long bytes;

	ctx_buf_adds(&b, "{\"status\":\"ok\",\"uri\":");
	ctx_utf8_write_json(&b, uri, strlen(uri));
	ctx_buf_adds(&b, ",\"file\":");
	ctx_utf8_write_json(&b, l->rel.data, l->rel.len);
	ctx_buf_addf(&b, ",\"mode\":\"%s\"", mode);
	if (strcmp(mode, "skeleton") == 0) {
		/* The symbol and, for a class, its members; for a module, every symbol. */
		const struct ctx_json *q = sym ? ctx_json_get(sym, "qualname") : NULL;
		int n = 0;
		ctx_buf_add(&body, "[", 1);
		for (const struct ctx_json *s = ctx_json_get(l->rec, "symbols")->child; s; s = s->next) {
			const struct ctx_json *sq = ctx_json_get(s, "qualname");
			bool member = q && sq && sq->len > q->len && strncmp(sq->str, q->str, q->len) == 0 &&
			    sq->str[q->len] == '.';
			if (sym && s != sym && !member)
				continue;
			if (n++)
				ctx_buf_add(&body, ",", 1);
			ctx_json_write(&body, s);
		}
		ctx_buf_add(&body, "]", 1);
		bytes = (long)body.len;
		ctx_buf_addf(&b, ",\"bytes\":%ld,\"symbols\":", bytes);
		ctx_buf_add(&b, body.data, body.len);
	} else {
		long lines = ctx_json_long(l->rec, "lines"), first = 1, last = lines;
		if (strcmp(mode, "excerpt") == 0 && sym) {
			first = ctx_json_long(sym, "start_line") - o->context;
			last = ctx_json_long(sym, "end_line") + o->context;
			first = first < 1 ? 1 : first;
			last = last > lines ? lines : last;
		}
		const char *text;
		size_t len;
		lines_of(&l->content, first, last, &text, &len);
		bytes = (long)len;
		ctx_buf_addf(&b, ",\"bytes\":%ld", bytes);
		if (strcmp(mode, "excerpt") == 0)
			ctx_buf_addf(&b, ",\"excerpt_start_line\":%ld,\"excerpt_end_line\":%ld", first, last);
		ctx_buf_adds(&b, ",\"text\":");
		ctx_utf8_write_json(&b, text, len);
	}
	ctx_buf_adds(&b, "}\n");
	fwrite(b.data, 1, b.len, out);
	if (ctx_evstream_on(o->events)) {
		struct ctx_buf args = { 0 }, result = { 0 };
		ctx_buf_adds(&args, "{\"file\":");
		ctx_utf8_write_json(&args, l->rel.data, l->rel.len);
		ctx_buf_addf(&args, ",\"mode\":\"%s\"}", mode);
		ctx_buf_addf(&result, "{\"bytes\":%ld}", bytes);
		ctx_evstream_emit(o->events, "file.read", args.data, result.data, -1, NULL);
		ctx_buf_release(&args);
		ctx_buf_release(&result);
	}
	ctx_buf_release(&b);
	ctx_buf_release(&body);
	return 0;
}

static void
add_candidate(struct ctx_buf *c, const struct loaded *l, const struct ctx_json *sym)
{
	if (c->len)
		ctx_buf_add(c, ",", 1);
	ctx_buf_adds(c, "{\"uri\":");
	ctx_json_write(c, ctx_json_get(sym, "uri"));
	ctx_buf_adds(c, ",\"file\":");
	ctx_utf8_write_json(c, l->rel.data, l->rel.len);
	ctx_buf_adds(c, ",\"kind\":");
	ctx_json_write(c, ctx_json_get(sym, "kind"));
	ctx_buf_addf(c, ",\"start_line\":%ld}", ctx_json_long(sym, "start_line"));
}

/* Add path (under the root) to the files found, and to the candidates listed. */
static void
found_file(const struct ctx_select_opts *o, const char *path, struct ctx_buf *files, struct ctx_buf *list)
{
	ctx_buf_add(files, path, strlen(path) + 1);
	if (list->len)
		ctx_buf_add(list, ",", 1);
	ctx_buf_adds(list, "{\"file\":");
	ctx_utf8_write_json(list, path + strlen(o->root) + 1, strlen(path) - strlen(o->root) - 1);
	ctx_buf_add(list, "}", 1);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of module[0, len) of language l under the root, NUL-separated in files, by
 * lang.h's module rules: Python's a/b.py and a/b/__init__.py; a path itself; a Go
 * package's .go files (at most 4096, sorted). Returns how many; 0 when there are none. */
static long
module_files(const struct ctx_select_opts *o, const struct ctx_lang *l, const char *module, size_t len,
    struct ctx_buf *files, struct ctx_buf *list)
{
	static const char *const forms[] = { "%s/%.*s.py", "%s/%.*s/__init__.py" };
	struct ctx_buf cand = { 0 };
	struct stat st;
	long n = 0;

	if (l->module == CTX_MODULE_DIR) {
		char *names[4096];
		size_t nn = 0;
		ctx_buf_addf(&cand, "%s/%.*s", o->root, (int)len, module);
		DIR *d = opendir(cand.data);
		for (struct dirent *e; d && nn < 4096 && (e = readdir(d)) != NULL;) {
			const struct ctx_lang *el = ctx_lang_parsed(e->d_name);
			if (el && el->module == CTX_MODULE_DIR && (names[nn] = strdup(e->d_name)) != NULL)
				nn++;
		}
		if (d)
			closedir(d);
		qsort(names, nn, sizeof *names, by_name);
		for (size_t i = 0; i < nn; i++) {
			struct ctx_buf path = { 0 };
			ctx_buf_addf(&path, "%s/%s", cand.data, names[i]);
			if (lstat(path.data, &st) == 0 && S_ISREG(st.st_mode)) {
				found_file(o, path.data, files, list);
				n++;
			}
			ctx_buf_release(&path);
			free(names[i]);
		}
	}
	for (size_t f = 0; f < 2 && l->module != CTX_MODULE_DIR; f++) {
		ctx_buf_truncate(&cand, 0);
		if (l->module == CTX_MODULE_PATH) {
			if (f > 0)
				break;
			ctx_buf_addf(&cand, "%s/%.*s", o->root, (int)len, module);
			if (ctx_lang_parsed(cand.data) != l && (!ctx_lang_parsed(cand.data) ||
				strcmp(ctx_lang_parsed(cand.data)->name, l->name) != 0))
				break;
		} else {
			ctx_buf_addf(&cand, forms[f], o->root, (int)len, module);
			for (size_t i = strlen(o->root) + 1; i < cand.len - (f ? 12 : 3); i++)
				if (cand.data[i] == '.')
					cand.data[i] = '/';
		}
		if (stat(cand.data, &st) == 0 && S_ISREG(st.st_mode)) {
			found_file(o, cand.data, files, list);
			n++;
		}
	}
	ctx_buf_release(&cand);
	return n;
}

/* Is module[0, len) a well-formed MODULE of language l: Python's dotted name, or a
 * relative path with no "..", "." or empty component ("." alone: a Go package at the root). */
static bool
module_ok(const struct ctx_lang *l, const char *module, size_t len)
{
	if (len == 0 || memchr(module, '\0', len))
		return false;
	if (l->module == CTX_MODULE_DOTTED)
		return !memchr(module, '/', len) && module[0] != '.' && !strstr(module, "..");
	if (l->module == CTX_MODULE_DIR && len == 1 && module[0] == '.')
		return true;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && module[j] != '/')
			j++;
		bool dot = j - i == 1 && module[i] == '.';
		bool dotdot = j - i == 2 && module[i] == '.' && module[i + 1] == '.';
		if (j == i || dot || dotdot)
			return false;
		i = j + 1;
		if (j + 1 == len)
			return false; /* a trailing '/' */
	}
	return true;
}

int
ctx_select_get(const struct ctx_select_opts *o, const char *uri, FILE *out)
{
	int64_t t0 = ctx_clock_ns();
	struct ctx_buf files = { 0 }, list = { 0 }, cands = { 0 };
	struct loaded l = { 0 }, hit = { 0 };
	struct ctx_skeleton *sk = NULL;
	const struct ctx_json *found = NULL;
	const char *lang_end, *rest, *hash = NULL;
	const struct ctx_lang *lang = NULL;
	bool is_mod = false;
	int rc = CTX_REJECTED;
	long matches = 0, nfiles;

	if (strncmp(uri, "sym://", 6) == 0 && (lang_end = strchr(uri + 6, '/')) != NULL)
		lang = ctx_lang_named(uri + 6, (size_t)(lang_end - uri - 6));
	if (lang && strncmp(lang_end, "/mod/", 5) == 0) {
		is_mod = true;
		rest = lang_end + 5;
	} else if (lang && strncmp(lang_end, "/type/", 6) == 0) {
		rest = lang_end + 6;
		hash = strchr(rest, '#');
	} else {
		rc = answer_error(out, "INVALID_URI", BAD_URI, NULL);
		goto out;
	}
	size_t mlen = is_mod ? strlen(rest) : hash ? (size_t)(hash - rest) : 0;
	if (!module_ok(lang, rest, mlen) || (!is_mod && (!hash || !hash[1]))) {
		rc = answer_error(out, "INVALID_URI", BAD_URI, NULL);
		goto out;
	}
	if ((nfiles = module_files(o, lang, rest, mlen, &files, &list)) == 0) {
		rc = answer_error(out, "FILE_NOT_FOUND", "no file for that module under the root", NULL);
		goto out;
	}
	if (is_mod && nfiles > 1) {
		rc = answer_error(out, "AMBIGUOUS_SYMBOL",
		    lang->module == CTX_MODULE_DIR ? "the package has several files: name one of its symbols"
						   : "the module is both a file and a package",
		    &list);
		goto out;
	}
	if (!(sk = ctx_skeleton_new())) {
		rc = answer_error(out, "FILE_NOT_FOUND", "out of memory", NULL);
		goto out;
	}
	const char *path = files.data;
	for (long i = 0; i < nfiles; i++, path += strlen(path) + 1) {
		int err = load(o, sk, path, &l);
		if (err != 0) {
			char msg[96];
			snprintf(msg, sizeof msg, "the module's file is not read: it %s",
			    err > 0 ? ctx_refusal_phrase(err) : "cannot be read");
			if (nfiles == 1) {
				rc = answer_error(out, "FILE_NOT_FOUND", msg, NULL);
				goto out;
			}
			loaded_release(&l);
			continue;
		}
		if (is_mod) {
			matches = 1;
			rc = answer_ok(o, &l, NULL, uri, out);
			goto out;
		}
		bool keep = false;
		for (const struct ctx_json *s = ctx_json_get(l.rec, "symbols")->child; s; s = s->next) {
			const struct ctx_json *q = ctx_json_get(s, "qualname");
			if (!q || strcmp(q->str, hash + 1) != 0)
				continue;
			if (matches++ < MAX_CANDIDATES)
				add_candidate(&cands, &l, s);
			found = s;
			keep = true;
		}
		if (keep && matches == 1) {
			hit = l; /* the tree's nodes stay where they are: found is still good */
			memset(&l, 0, sizeof l);
		} else {
			hit.parse_error |= l.parse_error;
			loaded_release(&l);
		}
	}
	if (matches == 1)
		rc = answer_ok(o, &hit, found, uri, out);
	else if (matches > 1)
		rc = answer_error(out, "AMBIGUOUS_SYMBOL", "several definitions have that qualname", &cands);
	else if (hit.parse_error)
		rc = answer_error(out, "PARSE_ERROR", "no such symbol, and the file has syntax errors", NULL);
	else
		rc = answer_error(out, "SYMBOL_NOT_FOUND", "no symbol with that qualname in the module", NULL);
out:
	resolve_event(o, uri, rc == 0, matches, t0);
	loaded_release(&l);
	loaded_release(&hit);
	ctx_skeleton_free(sk);
	ctx_buf_release(&files);
	ctx_buf_release(&list);
	ctx_buf_release(&cands);
	return rc;
}

int
ctx_select_find(const struct ctx_select_opts *o, const char *name, char *const *files, size_t n, FILE *out)
{
	int64_t t0 = ctx_clock_ns();
	struct ctx_skeleton *sk = ctx_skeleton_new();
	struct ctx_buf cand[2] = { { 0 } }; /* candidates by qualname, then by bare name */
	struct loaded l = { 0 }, hit = { 0 };
	const struct ctx_json *hit_sym = NULL;
	long count[2] = { 0, 0 };
	bool dotted = strchr(name, '.') != NULL;
	int rc;

	for (size_t i = 0; sk && i < n; i++) {
		if (load(o, sk, files[i], &l) != 0) {
			loaded_release(&l);
			continue;
		}
		bool keep = false;
		for (const struct ctx_json *s = ctx_json_get(l.rec, "symbols")->child; s; s = s->next) {
			const struct ctx_json *q = ctx_json_get(s, "qualname"), *nm = ctx_json_get(s, "name");
			int kind; /* 0: the qualname matches, 1: the bare name does */
			if (q && strcmp(q->str, name) == 0)
				kind = 0;
			else if (!dotted && nm && strcmp(nm->str, name) == 0)
				kind = 1;
			else
				continue;
			if (count[kind]++ < MAX_CANDIDATES)
				add_candidate(&cand[kind], &l, s);
			if (count[0] + count[1] == 1) {
				hit_sym = s;
				keep = true;
			}
		}
		if (keep) {
			loaded_release(&hit);
			hit = l; /* the tree's nodes stay where they are: hit_sym is still good */
			memset(&l, 0, sizeof l);
		} else {
			loaded_release(&l);
		}
	}
	long matches = count[0] + count[1];
	if (matches == 1) {
		rc = answer_ok(o, &hit, hit_sym, ctx_json_get(hit_sym, "uri")->str, out);
	} else if (matches > 1) {
		/* Five at most: qualname matches first. add_candidate separates entries with "," and
		 * each starts with "{\"uri\"", so the bare-name list can be cut at entry starts. */
		struct ctx_buf top = { 0 };
		long room = MAX_CANDIDATES - (count[0] < MAX_CANDIDATES ? count[0] : MAX_CANDIDATES);
		ctx_buf_add(&top, cand[0].data ? cand[0].data : "", cand[0].len);
		for (const char *p = cand[1].data; p && room-- > 0;) {
			const char *next = strstr(p + 1, ",{\"uri\":");
			if (top.len)
				ctx_buf_add(&top, ",", 1);
			ctx_buf_add(&top, p, next ? (size_t)(next - p) : strlen(p));
			p = next ? next + 1 : NULL;
		}
		rc = answer_error(out, "AMBIGUOUS_SYMBOL", "several symbols have that name", &top);
		ctx_buf_release(&top);
	} else {
		rc = answer_error(out, "SYMBOL_NOT_FOUND", "no symbol with that name in the files", NULL);
	}
	resolve_event(o, name, rc == 0, matches, t0);
	loaded_release(&hit);
	ctx_buf_release(&cand[0]);
	ctx_buf_release(&cand[1]);
	ctx_skeleton_free(sk);
	return rc;
}
