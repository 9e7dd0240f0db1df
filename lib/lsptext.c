#include "lsptext.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "path.h"

/* Append a path to a URI, each byte but [A-Za-z0-9/._~-] percent-encoded. */
static int
add_encoded(struct ctx_buf *b, const char *p)
{
	int err = 0;

	for (; *p; p++) {
		bool plain = strchr("/-._~", *p) || ((unsigned)(*p | 32) - 'a' < 26u) || ((unsigned)*p - '0' < 10u);
		err |= ctx_buf_addf(b, plain ? "%c" : "%%%02X", (unsigned char)*p);
	}
	return err;
}

char *
ctx_lsp_uri_of(const char *root, const char *file)
{
	struct ctx_buf b = { 0 };
	int err = ctx_buf_adds(&b, "file://");

	if (file[0] != '/') {
		err |= add_encoded(&b, root);
		err |= ctx_buf_add(&b, "/", 1);
	}
	err |= add_encoded(&b, file);
	if (err) {
		ctx_buf_release(&b);
		return NULL;
	}
	return b.data;
}

char *
ctx_lsp_file_of(const char *root, const char *uri)
{
	struct ctx_buf b = { 0 };

	if (strncmp(uri, "file://", 7) != 0)
		return strdup(uri);
	const char *path = uri + 7;
	if (strncmp(path, "localhost/", 10) == 0)
		path += 9;
	else if (*path != '/')
		ctx_buf_add(&b, "/", 1); /* file://host/x: absolute (/host/x), never root-relative */
	ctx_path_percent_decode(&b, path, strlen(path));
	if (!b.data)
		return strdup("");
	ctx_path_normalize(b.data);
	const char *rel = ctx_path_under(b.data, root);
	char *r = strdup(rel ? rel : b.data);
	ctx_buf_release(&b);
	return r;
}

static size_t
seq_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* The server's units in one code point of n UTF-8 bytes. */
static long
unit_count(enum ctx_lsp_encoding enc, size_t n)
{
	return enc == CTX_LSP_UTF8 ? (long)n : enc == CTX_LSP_UTF32 ? 1 : n == 4 ? 2 : 1;
}

/* Walk line line0 of text from its start until want code points (or, from_units, want of
 * the server's units) are passed, and give the other count; what is wanted past the end
 * of the line is added as given. */
static long
convert(enum ctx_lsp_encoding enc, const struct ctx_buf *text, long line0, long want, bool from_units)
{
	size_t len;
	const char *l = text && line0 >= 0 ? ctx_buf_line(text, line0 + 1, &len) : NULL;
	long cp = 0, units = 0;

	if (!l)
		return want;
	for (size_t i = 0; i < len && (from_units ? units : cp) < want; cp++) {
		size_t n = seq_len((unsigned char)l[i]);
		units += unit_count(enc, n);
		i += n;
	}
	long left = want - (from_units ? units : cp);
	return (from_units ? cp : units) + (left > 0 ? left : 0);
}

long
ctx_lsp_to_units(enum ctx_lsp_encoding enc, const struct ctx_buf *text, long line0, long cp)
{
	return convert(enc, text, line0, cp, false);
}

long
ctx_lsp_from_units(enum ctx_lsp_encoding enc, const struct ctx_buf *text, long line0, long units)
{
	return convert(enc, text, line0, units, true);
}

struct ctx_lsp_doc *
ctx_lsp_docs_find(struct ctx_lsp_doc *docs, const char *file)
{
	for (struct ctx_lsp_doc *d = docs; d; d = d->next)
		if (strcmp(d->file, file) == 0)
			return d;
	return NULL;
}

int
ctx_lsp_docs_update(struct ctx_lsp_doc **docs, const char *root, const char *file, struct ctx_buf *now,
    struct ctx_lsp_doc **doc)
{
	struct ctx_lsp_doc *d = ctx_lsp_docs_find(*docs, file);
	int change = CTX_LSP_CHANGED;

	if (d && d->text.len == now->len && (!now->len || memcmp(d->text.data, now->data, now->len) == 0)) {
		ctx_buf_release(now);
		*doc = d;
		return CTX_LSP_SAME;
	}
	if (!d) {
		d = calloc(1, sizeof *d);
		if (!d || !(d->file = strdup(file)) || !(d->uri = ctx_lsp_uri_of(root, file))) {
			if (d)
				free(d->file);
			free(d);
			return -ENOMEM;
		}
		d->next = *docs;
		*docs = d;
		change = CTX_LSP_OPENED;
	} else {
		cJSON_Delete(d->diagnostics); /* they were of the old text */
		d->diagnostics = NULL;
	}
	d->version++;
	ctx_buf_release(&d->text);
	d->text = *now;
	*now = (struct ctx_buf){ 0 };
	*doc = d;
	return change;
}

void
ctx_lsp_docs_free(struct ctx_lsp_doc **docs)
{
	for (struct ctx_lsp_doc *d = *docs, *next; d; d = next) {
		next = d->next;
		free(d->file);
		free(d->uri);
		ctx_buf_release(&d->text);
		cJSON_Delete(d->diagnostics);
		free(d);
	}
	*docs = NULL;
}
