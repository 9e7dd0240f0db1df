#include "lspshape.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "safeopen.h"

static const char *const symbol_kinds[] = {
	"unknown", "file", "module", "namespace", "package", "class", "method", "property", "field", "constructor",
	"enum", "interface", "function", "variable", "constant", "string", "number", "boolean", "array",
	"object", "key", "null", "enummember", "struct", "event", "operator", "typeparameter",
};

static const char *const severities[] = { "error", "error", "warning", "information", "hint" };

const char *
ctx_lsp_str(const cJSON *o, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	return v ? v : "";
}

long
ctx_lsp_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? ctx_json_clamp_long(v->valuedouble) : 0;
}

/* One location {file,line,col,end_line,end_col} from a uri and an LSP range. */
static void
add_location(const struct ctx_lsp_shaper *sh, cJSON *list, const char *uri, const cJSON *range)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(range, "start"),
	            *b = cJSON_GetObjectItemCaseSensitive(range, "end");
	struct ctx_buf read = { 0 }, path = { 0 };

	if (!*uri || !cJSON_IsObject(a)) /* not a Location: no answer rather than {"file":""} */
		return;
	char *file = ctx_lsp_file_of(sh->root, uri);
	if (!file)
		return;
	const struct ctx_lsp_doc *d = ctx_lsp_docs_find(sh->docs, file);
	const struct ctx_buf *t = d ? &d->text : NULL;
	/* A file not open is read for its columns only inside the root (never a device). */
	int err = file[0] == '/' ? ctx_buf_adds(&path, file) : ctx_buf_addf(&path, "%s/%s", sh->root, file);
	if (!t && sh->max_file && err == 0 && ctx_wsfile_read(sh->root, path.data, sh->max_file, &read, NULL) == 0)
		t = &read;
	long l0 = ctx_lsp_num(a, "line"), l1 = ctx_lsp_num(b, "line");
	cJSON *loc = cJSON_CreateObject();

	cJSON_AddStringToObject(loc, "file", file);
	cJSON_AddNumberToObject(loc, "line", (double)(l0 + 1));
	long c0 = ctx_lsp_from_units(sh->enc, t, l0, ctx_lsp_num(a, "character"));
	long c1 = ctx_lsp_from_units(sh->enc, t, l1, ctx_lsp_num(b, "character"));
	cJSON_AddNumberToObject(loc, "col", (double)(c0 + 1));
	cJSON_AddNumberToObject(loc, "end_line", (double)(l1 + 1));
	cJSON_AddNumberToObject(loc, "end_col", (double)(c1 + 1));
	cJSON_AddItemToArray(list, loc);
	ctx_buf_release(&read);
	ctx_buf_release(&path);
	free(file);
}

static void
add_locations(const struct ctx_lsp_shaper *sh, cJSON *list, const cJSON *result)
{
	const cJSON *arr = cJSON_IsArray(result) ? result : NULL, *e;

	if (cJSON_IsObject(result))
		add_location(sh, list, ctx_lsp_str(result, "uri"), cJSON_GetObjectItemCaseSensitive(result, "range"));
	cJSON_ArrayForEach(e, arr) {
		const cJSON *uri = cJSON_GetObjectItemCaseSensitive(e, "uri");
		const cJSON *range = cJSON_GetObjectItemCaseSensitive(e, "range");
		if (!uri) { /* a LocationLink */
			uri = cJSON_GetObjectItemCaseSensitive(e, "targetUri");
			range = cJSON_GetObjectItemCaseSensitive(e, "targetSelectionRange");
		}
		if (cJSON_IsString(uri))
			add_location(sh, list, uri->valuestring, range);
	}
}

/* DocumentSymbol trees (children flattened, parent named) or SymbolInformation lists
 * (parent from containerName, file from the location when not one document's). */
static void
flatten_symbols(const struct ctx_lsp_shaper *sh, cJSON *list, const cJSON *syms, const char *parent, const char *file)
{
	const cJSON *sym;

	cJSON_ArrayForEach(sym, syms) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(sym, "name");
		const cJSON *range = cJSON_GetObjectItemCaseSensitive(sym, "range");
		const cJSON *loc = cJSON_GetObjectItemCaseSensitive(sym, "location");
		const cJSON *container = cJSON_GetObjectItemCaseSensitive(sym, "containerName");
		long kind = ctx_lsp_num(sym, "kind");
		if (!range && loc)
			range = cJSON_GetObjectItemCaseSensitive(loc, "range");
		if (!cJSON_IsString(name))
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", name->valuestring);
		cJSON_AddStringToObject(o, "kind", kind >= 1 && kind <= 26 ? symbol_kinds[kind] : "unknown");
		if (!file && loc) {
			char *f = ctx_lsp_file_of(sh->root, ctx_lsp_str(loc, "uri"));
			cJSON_AddStringToObject(o, "file", f ? f : "");
			free(f);
		}
		const cJSON *start = cJSON_GetObjectItemCaseSensitive(range, "start");
		const cJSON *end = cJSON_GetObjectItemCaseSensitive(range, "end");
		long l0 = ctx_lsp_num(start, "line"), l1 = ctx_lsp_num(end, "line");
		/* An end is exclusive: at column 0 it closes the line before. */
		if (l1 > l0 && ctx_lsp_num(end, "character") == 0)
			l1--;
		cJSON_AddNumberToObject(o, "line", (double)(l0 + 1));
		cJSON_AddNumberToObject(o, "end_line", (double)(l1 + 1));
		const char *p = parent;
		if (!p && cJSON_IsString(container) && *container->valuestring)
			p = container->valuestring;
		if (p)
			cJSON_AddStringToObject(o, "parent", p);
		else
			cJSON_AddNullToObject(o, "parent");
		cJSON_AddItemToArray(list, o);
		const cJSON *children = cJSON_GetObjectItemCaseSensitive(sym, "children");
		if (cJSON_IsArray(children))
			flatten_symbols(sh, list, children, name->valuestring, file);
	}
}

/* MarkupContent, MarkedString, or a list of them: their text, blank lines between. */
static void
hover_text(const cJSON *c, struct ctx_buf *out)
{
	if (cJSON_IsString(c)) {
		ctx_buf_adds(out, c->valuestring);
	} else if (cJSON_IsArray(c)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, c) {
			if (out->len)
				ctx_buf_adds(out, "\n\n");
			hover_text(e, out);
		}
	} else if (cJSON_IsObject(c)) {
		hover_text(cJSON_GetObjectItemCaseSensitive(c, "value"), out);
	}
}

cJSON *
ctx_lsp_shape(const struct ctx_lsp_shaper *sh, const char *method, const cJSON *result, const char *file,
    long *count)
{
	if (!strcmp(method, "hover")) {
		struct ctx_buf text = { 0 };
		hover_text(cJSON_GetObjectItemCaseSensitive(result, "contents"), &text);
		cJSON *out = text.len ? cJSON_CreateObject() : cJSON_CreateNull();
		if (out && text.len && !cJSON_AddStringToObject(out, "text", text.data)) {
			cJSON_Delete(out);
			out = NULL;
		}
		*count = text.len > 0;
		ctx_buf_release(&text);
		return out;
	}
	cJSON *list = cJSON_CreateArray();
	if (!list)
		return NULL;
	if (!strcmp(method, "definition") || !strcmp(method, "references"))
		add_locations(sh, list, result);
	else if (!strcmp(method, "symbols") || !strcmp(method, "workspace_symbols"))
		flatten_symbols(sh, list, result, NULL, !strcmp(method, "symbols") ? file : NULL);
	*count = cJSON_GetArraySize(list);
	return list;
}

cJSON *
ctx_lsp_shape_diagnostics(const struct ctx_lsp_shaper *sh, const cJSON *diags, const struct ctx_buf *text)
{
	cJSON *list = cJSON_CreateArray();
	const cJSON *g;

	cJSON_ArrayForEach(g, diags) {
		const cJSON *range = cJSON_GetObjectItemCaseSensitive(g, "range");
		const cJSON *start = cJSON_GetObjectItemCaseSensitive(range, "start");
		long sev = ctx_lsp_num(g, "severity"), l0 = ctx_lsp_num(start, "line");
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "line", (double)(l0 + 1));
		cJSON_AddNumberToObject(
		    o, "col", (double)(ctx_lsp_from_units(sh->enc, text, l0, ctx_lsp_num(start, "character")) + 1));
		cJSON_AddStringToObject(o, "severity", sev >= 1 && sev <= 4 ? severities[sev] : "error");
		const char *keys[] = { "message", "source", "code" };
		for (int k = 0; k < 3; k++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(g, keys[k]);
			cJSON_AddItemToObject(o, keys[k], v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
		}
		cJSON_AddItemToArray(list, o);
	}
	return list;
}
