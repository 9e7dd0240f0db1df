#include "mcptools.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cache.h"
#include "child.h"
#include "clock.h"
#include "err.h"
#include "index.h"
#include "json.h"
#include "mcplsp.h"
#include "path.h"
#include "safeopen.h"
#include "select.h"
#include "strmap.h"
#include "utf8.h"

#define MS 1000000LL
#define CHILD_OUTPUT_MAX (16 * 1024 * 1024) /* a child's answer past this is not read */
#define SKELETON_BATCH 64                   /* files parsed at a time: the cap stops the rest */
#define ARG_MAX 4096                        /* the longest string argument (a path, a URI, a name) */

const char ctx_mcp_instructions[] =
    "Code context for the workspace at the server's root. Start with `skeleton` (an outline of signatures, "
    "docstrings and line ranges of every class and function: about a sixth of the source's bytes), then fetch only "
    "what you need with `get_symbol` (mode skeleton, excerpt or raw) or `find_symbol`. The language-server "
    "tools (definition, references, hover, document_symbols, workspace_symbols, diagnostics) answer in "
    "milliseconds once the workspace's server is warm; when it is not, definition, hover and symbols come "
    "from a tree-sitter fallback that answers only when it is sure (status fallback, with resolution). "
    "Paths are relative to the root; these tools read nothing outside it (a language server, a program of its own, "
    "may).";

enum argtype { A_STRING, A_INT, A_PATHS, A_MODE };

struct arg {
	const char *name;
	enum argtype type;
	bool required;
	long lo, hi;
	const char *desc;
};

enum how { SKELETON, GET, FIND, LSP, TELEMETRY };

struct tool {
	const char *name, *title, *desc;
	enum how how;
	const char *method; /* ctx-lsp's */
	struct arg args[4];
	const char *output; /* the output schema */
};

#define ARG_FILE { "file", A_STRING, true, 0, 0, "the file, relative to the workspace root" }
#define ARG_LINE { "line", A_INT, true, 1, 100000000, "1-based line" }
#define ARG_COL { "col", A_INT, true, 1, 100000000, "1-based column, in characters" }
#define ARG_MODE { "mode", A_MODE, false, 0, 0, \
	"skeleton (the symbol records, default), excerpt (its source lines with context) or raw (the whole file)" }

/* What a ctx-lsp answer holds (SPEC.md §7). */
#define LSP_OUTPUT \
	"{\"type\":\"object\",\"properties\":{\"method\":{\"type\":\"string\"}," \
	"\"status\":{\"type\":\"string\",\"enum\":[\"ok\",\"empty\",\"timeout\",\"fallback\"]}," \
	"\"backend\":{\"type\":\"string\",\"enum\":[\"lsp\",\"ast\"]},\"state\":{\"type\":\"string\"}," \
	"\"elapsed_ms\":{\"type\":\"integer\"},\"queue_ms\":{\"type\":\"integer\"},\"result\":{}," \
	"\"reason\":{\"type\":\"string\"},\"resolution\":{\"type\":\"string\"},\"truncated\":{\"type\":\"boolean\"}}," \
	"\"required\":[\"status\",\"backend\"]}"
#define SELECT_OUTPUT \
	"{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"string\",\"const\":\"ok\"}," \
	"\"uri\":{\"type\":\"string\"},\"file\":{\"type\":\"string\"},\"mode\":{\"type\":\"string\"}," \
	"\"bytes\":{\"type\":\"integer\"},\"symbols\":{\"type\":\"array\"},\"text\":{\"type\":\"string\"}," \
	"\"truncated\":{\"type\":\"boolean\"}},\"required\":[\"status\",\"file\",\"mode\",\"bytes\"]}"
#define LSP_COST " Costs a few milliseconds with a warm server; the first call of a workspace may wait for its warm-up."

static const struct tool tools[] = {
	{ "skeleton", "Skeleton of files",
	  "The skeleton of Python, C, Go, JavaScript and TypeScript files: one record per file with its imports and "
	  "every class, function, method and module-level variable (kind, qualname, signature, decorators, first "
	  "docstring line, start and end line). Give files or directories (default: the whole workspace). The "
	  "text is an outline, a line per symbol: about a sixth of the source's bytes (Django: 0.8 MB for 5 MB); the "
	  "structured content has the full records with each symbol's sym:// URI. Ask for this first, from a "
	  "content-hash cache, then fetch only the symbols you need with get_symbol instead of reading whole files.",
	  SKELETON, NULL,
	  { { "paths", A_PATHS, false, 0, 0, "files or directories relative to the root (default [\".\"])" } },
	  "{\"type\":\"object\",\"properties\":{\"records\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
	  "\"files\":{\"type\":\"integer\"},\"truncated\":{\"type\":\"boolean\"},"
	  "\"omitted_files\":{\"type\":\"integer\"}},"
	  "\"required\":[\"records\",\"files\",\"truncated\"]}" },
	{ "get_symbol", "Get a symbol by URI",
	  "One module or symbol by its sym:// URI (from skeleton or find_symbol), e.g. "
	  "sym://python/type/pkg.mod#Class.method. mode skeleton returns its record (and its members'), excerpt "
	  "its source lines with `context` lines around, raw the whole file. Prefer skeleton, then excerpt: raw "
	  "costs the whole file's bytes. Costs about a millisecond.",
	  GET, NULL,
	  { { "uri", A_STRING, true, 0, 0, "a sym:// URI" }, ARG_MODE,
	    { "context", A_INT, false, 0, 10000, "lines around an excerpt (default 5)" } },
	  SELECT_OUTPUT },
	{ "find_symbol", "Find a symbol by name",
	  "A symbol by bare name or qualname (Class.method) over the given files or the whole workspace: one "
	  "match is returned like get_symbol; several give status error AMBIGUOUS_SYMBOL with up to 5 candidate "
	  "URIs; none SYMBOL_NOT_FOUND. Parses every file it looks at (cached), so give paths on large workspaces.",
	  FIND, NULL,
	  { { "name", A_STRING, true, 0, 0, "a name or qualname" }, ARG_MODE,
	    { "paths", A_PATHS, false, 0, 0, "files or directories to look in (default the whole workspace)" } },
	  SELECT_OUTPUT },
	{ "definition", "Go to definition",
	  "Where the name at file:line:col is defined, from the language server; without one, or past the "
	  "deadline, from the tree-sitter fallback, which answers only when it is sure (resolution resolved) and "
	  "else returns no location (builtin, unresolved, dynamic)." LSP_COST,
	  LSP, "definition", { ARG_FILE, ARG_LINE, ARG_COL }, LSP_OUTPUT },
	{ "references", "Find references",
	  "Every reference to the name at file:line:col, from the language server (no fallback: without a "
	  "server the result is an error)." LSP_COST,
	  LSP, "references", { ARG_FILE, ARG_LINE, ARG_COL }, LSP_OUTPUT },
	{ "hover", "Hover",
	  "The language server's hover text (signature and documentation) for the name at file:line:col; the "
	  "fallback gives the definition's signature when it is sure of it." LSP_COST,
	  LSP, "hover", { ARG_FILE, ARG_LINE, ARG_COL }, LSP_OUTPUT },
	{ "document_symbols", "Symbols of a file",
	  "The symbols of one file as a flat list (name, kind, line, end_line, parent), from the server or the "
	  "skeleton. For several files at once, skeleton is cheaper." LSP_COST,
	  LSP, "symbols", { ARG_FILE }, LSP_OUTPUT },
	{ "workspace_symbols", "Search symbols",
	  "Symbols of the whole workspace whose name matches query, from the server or the skeleton index." LSP_COST,
	  LSP, "workspace_symbols", { { "query", A_STRING, true, 0, 0, "a name or part of one" } }, LSP_OUTPUT },
	{ "diagnostics", "Diagnostics of a file",
	  "The language server's diagnostics for a file (line, col, severity, message, source, code). No "
	  "fallback: without a server the result is an error." LSP_COST,
	  LSP, "diagnostics", { ARG_FILE }, LSP_OUTPUT },
	{ "telemetry_summary", "Telemetry summary",
	  "What the tools cost in this workspace: the last run's latencies (p50, p95, max), cache hit rate, "
	  "language-server readiness and fallback rates, bytes returned by disclosure mode, and calls per MCP "
	  "tool (ctx-aggregate's last_run.json); with runs N, also the last N runs, newest first.",
	  TELEMETRY, NULL, { { "runs", A_INT, false, 0, 100, "also this many past runs (default 0)" } },
	  "{\"type\":\"object\",\"properties\":{\"last_run\":{\"type\":[\"object\",\"null\"]},"
	  "\"runs\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},\"truncated\":{\"type\":\"boolean\"}},"
	  "\"required\":[\"last_run\",\"runs\"]}" },
};

#define NTOOLS (sizeof tools / sizeof *tools)

static const char *const modes[] = { "skeleton", "excerpt", "raw" };

static void
arg_schema(struct ctx_buf *b, const struct arg *a)
{
	ctx_json_write_string(b, a->name, strlen(a->name));
	switch (a->type) {
	case A_STRING:
		ctx_buf_addf(b, ":{\"type\":\"string\",\"minLength\":1,\"maxLength\":%d", ARG_MAX);
		break;
	case A_INT:
		ctx_buf_addf(b, ":{\"type\":\"integer\",\"minimum\":%ld,\"maximum\":%ld", a->lo, a->hi);
		break;
	case A_PATHS:
		ctx_buf_addf(b, ":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":%d},"
				"\"maxItems\":1000", ARG_MAX);
		break;
	case A_MODE:
		ctx_buf_adds(b, ":{\"type\":\"string\",\"enum\":[\"skeleton\",\"excerpt\",\"raw\"]");
		break;
	}
	ctx_buf_adds(b, ",\"description\":");
	ctx_json_write_string(b, a->desc, strlen(a->desc));
	ctx_buf_adds(b, "}");
}

void
ctx_mcp_tools_json(struct ctx_buf *b, bool structured)
{
	ctx_buf_adds(b, "[");
	for (size_t i = 0; i < NTOOLS; i++) {
		const struct tool *t = &tools[i];
		ctx_buf_addf(b, "%s{\"name\":\"%s\",\"title\":", i ? "," : "", t->name);
		ctx_json_write_string(b, t->title, strlen(t->title));
		ctx_buf_adds(b, ",\"description\":");
		ctx_json_write_string(b, t->desc, strlen(t->desc));
		ctx_buf_adds(b, ",\"inputSchema\":{\"type\":\"object\",\"properties\":{");
		int required = 0;
		for (size_t k = 0; k < 4 && t->args[k].name; k++) {
			if (k)
				ctx_buf_adds(b, ",");
			arg_schema(b, &t->args[k]);
		}
		ctx_buf_adds(b, "},\"required\":[");
		for (size_t k = 0; k < 4 && t->args[k].name; k++)
			if (t->args[k].required)
				ctx_buf_addf(b, "%s\"%s\"", required++ ? "," : "", t->args[k].name);
		ctx_buf_adds(b, "],\"additionalProperties\":false}");
		if (structured)
			ctx_buf_addf(b, ",\"outputSchema\":%s", t->output);
		ctx_buf_adds(b, ",\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}}");
	}
	ctx_buf_adds(b, "]");
}

/* ---- a call ---- */

struct ctx_mcp_call {
	const struct ctx_mcp_env *env;
	const struct tool *tool;
	char *id; /* as JSON */
	bool cancelled;
	/* the arguments, checked */
	const char *uri, *name, *file, *query, *mode;
	long line, col, context, runs;
	char **paths;
	size_t npaths;
	/* the answer */
	bool is_error;
	struct ctx_buf text, structured;
	const char *event_mode; /* mcp.call's mode: a selection's, whose bytes file.read counts */
};

static char *
id_json(const cJSON *id)
{
	return cJSON_PrintUnformatted(id);
}

struct ctx_mcp_call *
ctx_mcp_call_new(const struct ctx_mcp_env *env, const char *tool, const cJSON *id)
{
	for (size_t i = 0; i < NTOOLS; i++) {
		if (strcmp(tools[i].name, tool) != 0)
			continue;
		struct ctx_mcp_call *c = calloc(1, sizeof *c);
		if (!c)
			return NULL;
		*c = (struct ctx_mcp_call){ .env = env, .tool = &tools[i], .id = id_json(id), .context = 5,
			.mode = "skeleton", .line = 0 };
		if (!c->id) {
			free(c);
			return NULL;
		}
		return c;
	}
	return NULL;
}

bool
ctx_mcp_call_is(const struct ctx_mcp_call *c, const cJSON *id)
{
	char *s = id_json(id);
	bool same = s && strcmp(s, c->id) == 0;

	free(s);
	return same;
}

void
ctx_mcp_call_cancel(struct ctx_mcp_call *c)
{
	if (c)
		c->cancelled = true;
}

void
ctx_mcp_call_free(struct ctx_mcp_call *c)
{
	if (!c)
		return;
	free(c->paths);
	free(c->id);
	ctx_buf_release(&c->text);
	ctx_buf_release(&c->structured);
	free(c);
}

/* A failure the model can act on: the result's text, isError true. */
static void
fail(struct ctx_mcp_call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
fail(struct ctx_mcp_call *c, const char *fmt, ...)
{
	va_list ap;

	ctx_buf_truncate(&c->text, 0);
	ctx_buf_truncate(&c->structured, 0);
	va_start(ap, fmt);
	ctx_buf_vaddf(&c->text, fmt, ap);
	va_end(ap);
	c->is_error = true;
}

static long *
int_slot(struct ctx_mcp_call *c, const char *name)
{
	if (!strcmp(name, "line"))
		return &c->line;
	if (!strcmp(name, "col"))
		return &c->col;
	return !strcmp(name, "context") ? &c->context : &c->runs;
}

/* Check args against the tool's schema and take them in. */
static bool
take_args(struct ctx_mcp_call *c, const cJSON *args)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, args) {
		const struct arg *a = NULL;
		for (size_t k = 0; k < 4 && c->tool->args[k].name; k++)
			if (strcmp(c->tool->args[k].name, v->string) == 0)
				a = &c->tool->args[k];
		if (!a) {
			struct ctx_buf names = { 0 };
			for (size_t k = 0; k < 4 && c->tool->args[k].name; k++)
				ctx_buf_addf(&names, "%s%s", k ? ", " : "", c->tool->args[k].name);
			struct ctx_buf bad = { 0 };
			ctx_utf8_write_json(&bad, v->string, strlen(v->string));
			fail(c, "unknown argument %s: %s takes %s", bad.data ? bad.data : "?", c->tool->name,
			    names.data ? names.data : "none");
			ctx_buf_release(&names);
			ctx_buf_release(&bad);
			return false;
		}
		switch (a->type) {
		case A_STRING:
		case A_MODE:
			if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > ARG_MAX) {
				fail(c, "argument '%s' must be a string of 1 to %d bytes", a->name, ARG_MAX);
				return false;
			}
			if (a->type == A_MODE) {
				bool known = false;
				for (size_t m = 0; m < 3; m++)
					known |= strcmp(v->valuestring, modes[m]) == 0;
				if (!known) {
					fail(c, "argument 'mode' must be skeleton, excerpt or raw");
					return false;
				}
				c->mode = v->valuestring;
			} else if (!strcmp(a->name, "uri"))
				c->uri = v->valuestring;
			else if (!strcmp(a->name, "name"))
				c->name = v->valuestring;
			else if (!strcmp(a->name, "file"))
				c->file = v->valuestring;
			else
				c->query = v->valuestring;
			break;
		case A_INT: {
			double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
			if (!(d >= (double)a->lo && d <= (double)a->hi) || d != (double)(long)d) {
				fail(c, "argument '%s' must be an integer from %ld to %ld", a->name, a->lo, a->hi);
				return false;
			}
			*int_slot(c, a->name) = (long)d;
			break;
		}
		case A_PATHS: {
			int n = cJSON_GetArraySize(v);
			if (!cJSON_IsArray(v) || n < 1 || n > 1000) {
				fail(c, "argument '%s' must be an array of 1 to 1000 paths", a->name);
				return false;
			}
			free(c->paths);
			c->npaths = 0;
			if (!(c->paths = calloc((size_t)n, sizeof *c->paths))) {
				fail(c, "out of memory");
				return false;
			}
			const cJSON *p;
			cJSON_ArrayForEach(p, v) {
				if (!cJSON_IsString(p) || !*p->valuestring || strlen(p->valuestring) > ARG_MAX) {
					fail(c, "argument '%s' must hold strings of 1 to %d bytes", a->name, ARG_MAX);
					return false;
				}
				c->paths[c->npaths++] = p->valuestring;
			}
			break;
		}
		}
	}
	for (size_t k = 0; k < 4 && c->tool->args[k].name; k++)
		if (c->tool->args[k].required && !cJSON_GetObjectItemCaseSensitive(args, c->tool->args[k].name)) {
			fail(c, "missing argument '%s'", c->tool->args[k].name);
			return false;
		}
	return true;
}

/* ---- cutting to the cap ---- */

/* Cut obj's member key (an array: its tail elements; a string: its end, at a character
 * boundary) until obj printed is at most max bytes; say so with "truncated" and how much
 * there was. The printed object replaces out. False when it cannot be read or cut. */
static bool
cut_member(struct ctx_buf *out, const char *key, size_t max)
{
	cJSON *obj = cJSON_ParseWithLength(out->data, out->len);
	cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);
	bool ok = false;

	if (!obj || !m) {
		cJSON_Delete(obj);
		return false;
	}
	if (cJSON_IsObject(m) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "text"))) {
		m = cJSON_GetObjectItemCaseSensitive(m, "text"); /* a hover's {"text"} */
		key = "result_text";
	}
	cJSON_AddBoolToObject(obj, "truncated", true);
	if (cJSON_IsArray(m)) {
		int total = cJSON_GetArraySize(m);
		char name[64];
		snprintf(name, sizeof name, "%s_total", key);
		cJSON_AddNumberToObject(obj, name, total);
		/* Half the items at a time while over 64, then one by one: few prints whatever the
		 * size, at the price of cutting up to half more than the cap needs. */
		int keep = total;
		char *s;
		while ((s = cJSON_PrintUnformatted(obj)) != NULL && strlen(s) > max && keep > 0) {
			free(s);
			int drop = keep > 64 ? keep / 2 : 1;
			for (int i = 0; i < drop; i++)
				cJSON_DeleteItemFromArray(m, --keep);
		}
		ok = s && strlen(s) <= max;
		if (ok) {
			ctx_buf_truncate(out, 0);
			ctx_buf_adds(out, s);
		}
		free(s);
	} else if (cJSON_IsString(m)) {
		char *text = strdup(m->valuestring); /* cJSON_SetValuestring may write in place */
		size_t len = text ? strlen(text) : 0, base, used = 0, keep = 0;
		char name[64];
		snprintf(name, sizeof name, "%s_bytes", key);
		cJSON_AddNumberToObject(obj, name, (double)len);
		/* What the object takes without the text, then as much text as fits, each byte
		 * counted as cJSON escapes it. */
		cJSON_SetValuestring(m, "");
		char *s = text ? cJSON_PrintUnformatted(obj) : NULL;
		base = s ? strlen(s) : SIZE_MAX;
		free(s);
		for (; base < max && keep < len; keep++) {
			unsigned char ch = (unsigned char)text[keep];
			size_t cost = ch == '"' || ch == '\\' || ch == '\b' || ch == '\f' || ch == '\n' || ch == '\r' ||
			    ch == '\t' ? 2 : ch < 0x20 ? 6 : 1;
			if (base + used + cost > max)
				break;
			used += cost;
		}
		if (text) {
			text[ctx_utf8_cut_bytes(text, len, keep)] = '\0';
			cJSON_SetValuestring(m, text);
		}
		s = base < max ? cJSON_PrintUnformatted(obj) : NULL;
		ok = s && strlen(s) <= max;
		if (ok) {
			ctx_buf_truncate(out, 0);
			ctx_buf_adds(out, s);
		}
		free(s);
		free(text);
	}
	cJSON_Delete(obj);
	return ok;
}

/* The answer line of a tool (ours: valid JSON) as the result, cut to the cap. */
static void
take_answer(struct ctx_mcp_call *c, const char *p, size_t n, const char *big)
{
	size_t max = c->env->o->max_result_bytes;

	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	ctx_buf_truncate(&c->structured, 0);
	ctx_buf_add(&c->structured, p, n);
	if (c->structured.data) /* one line: the framing is a message a line */
		ctx_buf_truncate(&c->structured, ctx_json_compact(c->structured.data, c->structured.len));
	if (c->structured.len > max && !cut_member(&c->structured, big, max))
		fail(c, "the answer is %zu bytes, over the cap of %zu (--max-result-bytes), and cannot be cut: ask for "
		    "less (mode skeleton or excerpt, one file)", n, max);
}

/* ---- paths ---- */

/* A path argument made a real path inside the root, else a failure. */
static char *
inside(struct ctx_mcp_call *c, const char *path)
{
	const char *root = c->env->o->root;
	struct ctx_buf shown = { 0 }, lexical = { 0 };

	/* Outside lexically (whether it exists or not), or once its links are resolved. */
	ctx_buf_addf(&lexical, "%s%s%s", path[0] == '/' ? "" : root, path[0] == '/' ? "" : "/", path);
	if (lexical.data)
		ctx_path_normalize(lexical.data);
	char *real = lexical.data && ctx_path_under(lexical.data, root) ? realpath(path, NULL) : NULL;
	bool outside = !lexical.data || !ctx_path_under(lexical.data, root) || (real && !ctx_path_under(real, root));
	ctx_buf_release(&lexical);
	if (real && !outside)
		return real;
	ctx_utf8_write_json(&shown, path, strlen(path));
	if (!outside)
		fail(c, "no such file or directory: %s (paths are relative to the workspace root)",
		    shown.data ? shown.data : "?");
	else
		fail(c, "%s is outside the workspace root: only files under it are read",
		    shown.data ? shown.data : "?");
	free(real);
	ctx_buf_release(&shown);
	return NULL;
}

/* The files the paths name (a directory: the files under it a grammar parses), into
 * *files (free with ctx_index_walk_free; nothing to free on failure). The default is the
 * root. */
static bool
collect_files(struct ctx_mcp_call *c, char ***files, size_t *n)
{
	static char *const root_only[] = { (char *)"." };
	char *const *paths = c->npaths ? c->paths : root_only;
	size_t npaths = c->npaths ? c->npaths : 1, cap = 0;
	bool ok = true;

	struct ctx_strmap seen = { 0 }; /* real paths of the paths, and the files listed */
	int created;

	*files = NULL;
	*n = 0;
	for (size_t i = 0; ok && i < npaths; i++) {
		char *real = inside(c, paths[i]);
		struct stat st;
		char **more = NULL;
		size_t nmore = 0;
		int err = 0;
		if (!real) {
			ok = false;
			break;
		}
		if (!ctx_strmap_get(&seen, real, strlen(real), &created) || !created) {
			free(real); /* the same path again (or no memory): nothing new */
			continue;
		}
		if (stat(real, &st) == 0 && S_ISDIR(st.st_mode))
			err = ctx_index_walk(real, &more, &nmore);
		else if (!(more = malloc(sizeof *more)) || !(more[0] = strdup(paths[i])))
			err = -ENOMEM;
		else
			nmore = 1; /* a file: ctx_index's own rules decide (a record says why it is skipped) */
		free(real);
		if (err == 0 && *n + nmore > cap) {
			cap = (*n + nmore) * 2;
			char **p = realloc(*files, cap * sizeof *p);
			if (p)
				*files = p;
			else
				err = -ENOMEM;
		}
		if (err != 0) {
			fail(c, "cannot list %s: %s", paths[i], ctx_code_phrase(err));
			ctx_index_walk_free(more, nmore);
			ok = false;
			break;
		}
		for (size_t k = 0; k < nmore; k++) {
			if (ctx_strmap_get(&seen, more[k], strlen(more[k]), &created) && created)
				(*files)[(*n)++] = more[k];
			else
				free(more[k]); /* listed already, under another path given */
		}
		free(more);
	}
	ctx_strmap_release(&seen);
	if (!ok) {
		ctx_index_walk_free(*files, *n);
		*files = NULL;
		*n = 0;
	}
	return ok;
}

/* ---- the in-process tools ---- */

/* Append s with each control character (a newline, an escape) as '?': a file's name or a
 * signature cannot make a line of its own in what the model reads. */
static void
add_plain(struct ctx_buf *b, const char *s)
{
	size_t at = b->len;

	ctx_buf_adds(b, s ? s : "?");
	for (size_t i = at; i < b->len; i++)
		if ((unsigned char)b->data[i] < 0x20 || b->data[i] == 0x7f)
			b->data[i] = '?';
}

/* A skeleton record as the model reads it: the file, then a line per symbol (its line
 * range, signature and first docstring line, indented by nesting). About a sixth of the
 * source's bytes, where the JSON record is about as big as the source. */
static void
outline(struct ctx_buf *b, const char *rec, size_t len)
{
	cJSON *r = cJSON_ParseWithLength(rec, len);
	const char *file = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "file"));
	const char *skipped = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "skipped"));
	const char *module = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "module"));
	const char *lang = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "lang"));
	const cJSON *sym;

	if (!file) {
		cJSON_Delete(r);
		return;
	}
	add_plain(b, file);
	if (skipped) {
		ctx_buf_addf(b, ": skipped (%s)\n", skipped);
		cJSON_Delete(r);
		return;
	}
	ctx_buf_addf(b, " (%s module ", lang ? lang : "?");
	add_plain(b, module);
	ctx_buf_addf(b, ", %ld lines%s; sym://%s/type/",
	    (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r, "lines")),
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "parse_error")) ? ", parse errors" : "",
	    lang ? lang : "?");
	add_plain(b, module);
	ctx_buf_adds(b, "#QUALNAME)\n");
	cJSON_ArrayForEach(sym, cJSON_GetObjectItemCaseSensitive(r, "symbols")) {
		const char *q = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sym, "qualname"));
		const char *sig = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sym, "signature"));
		const char *doc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sym, "doc"));
		const cJSON *dec;
		int depth = 1;
		for (const char *d = q ? strchr(q, '.') : NULL; d; d = strchr(d + 1, '.'))
			depth++;
		ctx_buf_addf(b, "%*s%ld-%ld ", 2 * depth, "",
		    (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sym, "start_line")),
		    (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sym, "end_line")));
		cJSON_ArrayForEach(dec, cJSON_GetObjectItemCaseSensitive(sym, "decorators")) {
			if (cJSON_IsString(dec)) {
				add_plain(b, dec->valuestring);
				ctx_buf_adds(b, " ");
			}
		}
		add_plain(b, sig);
		if (doc) {
			ctx_buf_adds(b, "  # ");
			add_plain(b, doc);
		}
		ctx_buf_adds(b, "\n");
	}
	cJSON_Delete(r);
}

static void
skeleton(struct ctx_mcp_call *c)
{
	const struct ctx_mcp_opts *o = c->env->o;
	char **files;
	size_t n, done = 0, records = 0;
	bool truncated = false;

	if (!collect_files(c, &files, &n))
		return;
	char *cache_dir = ctx_cache_dir(NULL, o->root), why[PATH_MAX + 64];
	struct ctx_cache *cache = NULL;
	if (cache_dir && ctx_cache_open(cache_dir, o->root, &cache, why, sizeof why) != 0)
		cache = NULL; /* slower without it, the same records */
	free(cache_dir);
	struct ctx_index_opts io = { .root = o->root, .root_given = o->root_given, .cache = cache,
		.max_file_bytes = o->max_file_bytes, .jobs = 2, .events = o->events };
	ctx_buf_adds(&c->structured, "{\"records\":[");
	/* In batches, so that the cap stops the parsing too, and the client is heard between
	 * them (a cancellation ends the call there). */
	while (done < n && !truncated && !c->cancelled) {
		size_t batch = n - done < SKELETON_BATCH ? n - done : SKELETON_BATCH, len = 0;
		char *mem = NULL;
		FILE *f = open_memstream(&mem, &len);
		struct ctx_index_counts counts;
		int err = f ? ctx_index_run(&io, files + done, batch, f, &counts) : -ENOMEM;
		if (f)
			fclose(f);
		if (err < 0) {
			free(mem);
			fail(c, "parsing failed: %s", ctx_code_phrase(err));
			break;
		}
		for (const char *p = mem, *end = mem + len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (c->structured.len + l + 64 > o->max_result_bytes) {
				/* A first file alone over the cap still gets its skeleton, its last symbols
				 * cut; the outline has them all. */
				struct ctx_buf one = { 0 };
				if (records == 0 && ctx_buf_add(&one, p, l) == 0 &&
				    cut_member(&one, "symbols", o->max_result_bytes - c->structured.len - 64)) {
					ctx_buf_add(&c->structured, one.data, one.len);
					outline(&c->text, p, l);
					records++;
				}
				ctx_buf_release(&one);
				truncated = true;
				break;
			}
			ctx_buf_addf(&c->structured, "%s", records ? "," : "");
			ctx_buf_add(&c->structured, p, l);
			outline(&c->text, p, l);
			records++;
			p += l + 1;
		}
		free(mem);
		done += batch;
		c->env->wait(c->env->wait_arg, NULL, 0, ctx_clock_ns());
	}
	/* The outline has a cap of its own, the same, cut at a line. */
	if (c->text.len > o->max_result_bytes) {
		const char *nl = memrchr(c->text.data, '\n', o->max_result_bytes - 200);
		ctx_buf_truncate(&c->text, nl ? (size_t)(nl - c->text.data) + 1 : 0);
		ctx_buf_adds(&c->text, "(the outline is cut here)\n");
	}
	if (!c->is_error)
		ctx_buf_addf(&c->structured, "],\"files\":%zu,\"truncated\":%s,\"omitted_files\":%zu}", records,
		    truncated ? "true" : "false", n - records);
	if (truncated)
		ctx_buf_addf(&c->text, "(cut at %zu bytes: %zu more files; ask for fewer paths)\n", o->max_result_bytes,
		    n - records);
	ctx_cache_free(cache);
	ctx_index_walk_free(files, n);
}

/* An excerpt or raw selection as the model reads it: where it is from, then the source
 * itself, not a JSON string of it. */
static void
source_text(struct ctx_mcp_call *c)
{
	cJSON *a = cJSON_ParseWithLength(c->structured.data, c->structured.len);
	const char *file = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "file"));
	const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "text"));
	const cJSON *first = cJSON_GetObjectItemCaseSensitive(a, "excerpt_start_line");
	const cJSON *last = cJSON_GetObjectItemCaseSensitive(a, "excerpt_end_line");

	if (file && text) {
		ctx_buf_addf(&c->text, "%s", file);
		if (cJSON_IsNumber(first) && cJSON_IsNumber(last))
			ctx_buf_addf(&c->text, " lines %ld-%ld", (long)first->valuedouble, (long)last->valuedouble);
		bool cut = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "truncated"));
		ctx_buf_addf(&c->text, " (%s)%s:\n%s", c->mode, cut ? ", cut at the size cap" : "", text);
	}
	cJSON_Delete(a);
}

static void
select_symbol(struct ctx_mcp_call *c)
{
	const struct ctx_mcp_opts *o = c->env->o;
	struct ctx_select_opts so = { o->root, o->root_given, c->mode, c->context, o->max_file_bytes, o->events };
	char *mem = NULL, **files = NULL;
	size_t len = 0, n = 0;
	int rc;

	if (c->tool->how == FIND && !collect_files(c, &files, &n))
		return;
	FILE *f = open_memstream(&mem, &len);
	if (!f) {
		ctx_index_walk_free(files, n);
		fail(c, "out of memory");
		return;
	}
	rc = c->tool->how == GET ? ctx_select_get(&so, c->uri, f) : ctx_select_find(&so, c->name, files, n, f);
	fclose(f);
	ctx_index_walk_free(files, n);
	if (rc == 0) {
		c->event_mode = c->mode;
		take_answer(c, mem, len, !strcmp(c->mode, "skeleton") ? "symbols" : "text");
		if (strcmp(c->mode, "skeleton") != 0 && !c->is_error)
			source_text(c);
	} else {
		fail(c, "%.*s", (int)(len && mem[len - 1] == '\n' ? len - 1 : len), mem ? mem : "");
	}
	free(mem);
}

/* ---- the tools of a child process ---- */

/* Run argv with input on its stdin, its output into out, its stderr passed on to ours,
 * within bound_ms; *status (when not NULL) its exit status (128 + the signal that ended it). 0;
 * -ECANCELED when the call was cancelled; -ETIMEDOUT; or -errno. The child is always
 * reaped. */
static int
run_child(struct ctx_mcp_call *c, char *const *argv, const char *input, int bound_ms, struct ctx_buf *out,
    int *status)
{
	struct ctx_child ch;
	int64_t deadline = ctx_clock_ns() + (int64_t)bound_ms * MS;
	int rc = ctx_child_spawnv(&ch, argv, c->env->o->root, ctx_evstream_fd(c->env->o->events));

	if (rc != 0)
		return rc;
	size_t inlen = strlen(input);
	if (write(ch.in, input, inlen) != (ssize_t)inlen)
		rc = -EIO; /* a request line is far below a pipe's buffer */
	ctx_child_close(&ch.in);
	while (rc == 0 && (ch.out >= 0 || ch.err >= 0)) {
		if (c->cancelled) {
			rc = -ECANCELED;
			break;
		}
		if (ctx_clock_ns() >= deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		struct pollfd p[2] = { { ch.out, POLLIN, 0 }, { ch.err, POLLIN, 0 } };
		c->env->wait(c->env->wait_arg, p, 2, deadline);
		char chunk[65536];
		ssize_t got;
		if (p[0].revents && (got = read(ch.out, chunk, sizeof chunk)) != 0) {
			if (got > 0 && ctx_buf_add(out, chunk, (size_t)got) != 0)
				rc = -ENOMEM;
			else if (got < 0 && errno != EAGAIN && errno != EINTR)
				ctx_child_close(&ch.out);
			if (out->len > CHILD_OUTPUT_MAX)
				rc = -EFBIG;
		} else if (p[0].revents) {
			ctx_child_close(&ch.out);
		}
		if (p[1].revents && (got = read(ch.err, chunk, sizeof chunk)) != 0) {
			if (got > 0)
				(void)!write(STDERR_FILENO, chunk, (size_t)got);
			else if (errno != EAGAIN && errno != EINTR)
				ctx_child_close(&ch.err);
		} else if (p[1].revents) {
			ctx_child_close(&ch.err);
		}
	}
	/* Its answer is written; it ends by itself within its own bounds (ctx-lsp's shutdown),
	 * else it is ended. Cancelled or late: SIGTERM, then SIGKILL after half a second. */
	int64_t end = ctx_clock_ns() + (rc == 0 ? 10000 : 500) * MS;
	if (rc != 0)
		ctx_child_signal(&ch, SIGTERM);
	int pfd = (int)syscall(SYS_pidfd_open, ch.pid, 0); /* readable when it exits */
	for (int64_t now; !ctx_child_reap(&ch) && (now = ctx_clock_ns()) < end;) {
		struct pollfd p = { pfd, POLLIN, 0 };
		if (pfd < 0 || poll(&p, 1, (int)((end - now) / MS) + 1) < 0)
			usleep(2000);
	}
	if (pfd >= 0)
		close(pfd);
	if (status)
		*status = ch.reaped ? ch.status : -1;
	ctx_child_kill(&ch);
	ctx_child_release(&ch);
	return rc;
}

static void
child_failed(struct ctx_mcp_call *c, const char *prog, int rc, int bound_ms)
{
	if (rc == -ETIMEDOUT)
		fail(c, "%s gave no answer within %d ms: try again, or ask for less", prog, bound_ms);
	else
		fail(c, "%s could not be run: %s", prog, ctx_code_phrase(rc));
}

/* A ctx-lsp child for one request: with a server, a ctx-lsp --daemon call (which reaches
 * the daemon or serves in-process, as the command line would); without, --no-server. */
static int
lsp_child(struct ctx_mcp_call *c, const char *req, int bound, struct ctx_buf *out)
{
	const struct ctx_mcp_opts *o = c->env->o;
	char exe[PATH_MAX], timeout[24], ready[24];
	struct ctx_buf line = { 0 };

	ctx_child_sibling("ctx-lsp", exe, sizeof exe);
	snprintf(timeout, sizeof timeout, "%d", o->timeout_ms);
	snprintf(ready, sizeof ready, "%d", o->ready_timeout_ms);
	char *argv[16] = { exe, "--root", (char *)o->root, "--timeout-ms", timeout, "--ready-timeout-ms", ready };
	int k = 7;
	if (o->server) {
		argv[k++] = "--daemon";
		argv[k++] = "--server";
		argv[k++] = (char *)o->server;
	} else {
		argv[k++] = "--no-server";
	}
	if (ctx_evstream_on(o->events)) {
		argv[k++] = "--events";
		argv[k++] = "/dev/fd/3";
	}
	ctx_buf_addf(&line, "{\"id\":1,%s\n", req + 1);
	int rc = line.data ? run_child(c, argv, line.data, bound, out, NULL) : -ENOMEM;
	ctx_buf_release(&line);
	return rc;
}

static void
lsp(struct ctx_mcp_call *c)
{
	const struct ctx_mcp_opts *o = c->env->o;
	struct ctx_buf req = { 0 }, out = { 0 };
	/* ctx-lsp's own deadlines answer first: reaching (or starting) the daemon, then the
	 * request; this bound is for a ctx-lsp that is itself stuck. */
	int bound = 2 * o->ready_timeout_ms + o->timeout_ms + 5000;

	ctx_buf_addf(&req, "{\"method\":\"%s\"", c->tool->method);
	if (c->file) {
		ctx_buf_adds(&req, ",\"file\":");
		ctx_utf8_write_json(&req, c->file, strlen(c->file));
	}
	if (c->line)
		ctx_buf_addf(&req, ",\"line\":%ld,\"col\":%ld", c->line, c->col);
	if (c->query) {
		ctx_buf_adds(&req, ",\"query\":");
		ctx_utf8_write_json(&req, c->query, strlen(c->query));
	}
	ctx_buf_adds(&req, "}");
	int rc = -ENOTCONN;
	if (!req.data)
		rc = -ENOMEM;
	else if (c->env->lsp)
		rc = ctx_mcp_lsp_ask(c->env->lsp, c->env, &c->cancelled, req.data, bound, &out);
	if (rc == -ENOTCONN) {
		ctx_buf_truncate(&out, 0);
		rc = lsp_child(c, req.data, bound, &out);
	}
	const char *nl = out.data ? memchr(out.data, '\n', out.len) : NULL;
	if (rc == 0 && !nl)
		fail(c, "ctx-lsp ended without an answer (see the server's stderr)");
	else if (rc != 0 && rc != -ECANCELED)
		child_failed(c, "ctx-lsp", rc, bound);
	else if (rc == 0) {
		cJSON *a = cJSON_ParseWithLength(out.data, (size_t)(nl - out.data));
		const cJSON *status = cJSON_GetObjectItemCaseSensitive(a, "status");
		const cJSON *error = cJSON_GetObjectItemCaseSensitive(a, "error");
		cJSON_DeleteItemFromObjectCaseSensitive(a, "id"); /* ours, not the client's */
		char *answer = cJSON_IsObject(a) ? cJSON_PrintUnformatted(a) : NULL;
		if (!answer)
			fail(c, "ctx-lsp's answer could not be read");
		else if (cJSON_IsString(status) && strcmp(status->valuestring, "error") != 0)
			take_answer(c, answer, strlen(answer), "result");
		else if (cJSON_IsString(error) && !strcmp(error->valuestring, "outside_root"))
			fail(c, "%s is outside the workspace root: only files under it are read (%s)", c->file, answer);
		else
			fail(c, "%s failed: %s (%s)", c->tool->name,
			    cJSON_IsString(error) ? error->valuestring : "no answer", answer);
		free(answer);
		cJSON_Delete(a);
	}
	ctx_buf_release(&req);
	ctx_buf_release(&out);
}

/* ctx-aggregate's answer: last_run.json, and the last runs, newest first. */
static void
telemetry(struct ctx_mcp_call *c)
{
	const struct ctx_mcp_opts *o = c->env->o;
	char exe[PATH_MAX], runs[24];
	struct ctx_buf last = { 0 }, hist = { 0 };
	int bound = 60000;

	ctx_child_sibling("ctx-aggregate", exe, sizeof exe);
	snprintf(runs, sizeof runs, "%ld", c->runs);
	char *const one[] = { exe, "--root", (char *)o->root, "--dir", (char *)o->dir, "--no-write", "--print",
		"last_run", NULL };
	char *const many[] = { exe, "--root", (char *)o->root, "--dir", (char *)o->dir, "--runs", runs, NULL };
	int status = 0;
	struct stat st;
	int rc = run_child(c, one, "", bound, &last, &status);
	if (rc == 0 && c->runs > 0 && last.len)
		rc = run_child(c, many, "", bound, &hist, &status);
	if (rc != 0 && rc != -ECANCELED)
		child_failed(c, "ctx-aggregate", rc, bound);
	else if (rc == 0 && !last.len && stat(o->dir, &st) != 0)
		fail(c, "no telemetry yet in %s: the tools write it as they are used", o->dir);
	else if (rc == 0 && (!last.len || status != 0))
		fail(c, "ctx-aggregate failed (exit %d) on %s: its message is on ctx-mcp's standard error", status,
		    o->dir);
	else if (rc == 0) {
		struct ctx_buf all = { 0 };
		ctx_buf_adds(&all, "{\"last_run\":");
		ctx_buf_add(&all, last.data, last.len);
		ctx_buf_adds(&all, ",\"runs\":[");
		/* newest first: the lines in reverse */
		size_t end = hist.len, nruns = 0;
		while (end > 0) {
			size_t start = end - 1;
			while (start > 0 && hist.data[start - 1] != '\n')
				start--;
			if (end - start > 1)
				ctx_buf_addf(&all, "%s%.*s", nruns++ ? "," : "", (int)(end - start - 1),
				    hist.data + start);
			end = start;
		}
		ctx_buf_adds(&all, "]}");
		take_answer(c, all.data, all.len, "runs");
		ctx_buf_release(&all);
	}
	ctx_buf_release(&last);
	ctx_buf_release(&hist);
}

/* ---- the result ---- */

static void
result_json(struct ctx_mcp_call *c, struct ctx_buf *out)
{
	/* The text the model reads: our JSON line (lines, for skeleton), or the failure. */
	const struct ctx_buf *text = c->is_error || c->text.len ? &c->text : &c->structured;

	ctx_buf_adds(out, "{\"content\":[{\"type\":\"text\",\"text\":");
	ctx_utf8_write_json(out, text->data ? text->data : "", text->len);
	ctx_buf_adds(out, "}]");
	if (c->env->structured && !c->is_error && c->structured.len) {
		ctx_buf_adds(out, ",\"structuredContent\":");
		ctx_buf_add(out, c->structured.data, c->structured.len);
	}
	ctx_buf_addf(out, ",\"isError\":%s}", c->is_error ? "true" : "false");
}

bool
ctx_mcp_call_run(struct ctx_mcp_call *c, const cJSON *args, struct ctx_buf *result)
{
	int64_t t0 = ctx_clock_ns();

	if (take_args(c, args)) {
		switch (c->tool->how) {
		case SKELETON:
			skeleton(c);
			break;
		case GET:
		case FIND:
			select_symbol(c);
			break;
		case LSP:
			lsp(c);
			break;
		case TELEMETRY:
			telemetry(c);
			break;
		}
	}
	if (!c->cancelled)
		result_json(c, result);
	struct ctx_evstream *ev = c->env->o->events;
	if (ctx_evstream_on(ev)) {
		char args_json[96], res[160];
		snprintf(args_json, sizeof args_json, "{\"tool\":\"%s\"}", c->tool->name);
		int n = snprintf(res, sizeof res, "{\"status\":\"%s\",\"bytes\":%zu",
		    c->cancelled ? "cancelled" : c->is_error ? "error" : "ok", c->cancelled ? 0 : result->len);
		if (c->event_mode)
			n += snprintf(res + n, sizeof res - (size_t)n, ",\"mode\":\"%s\"", c->event_mode);
		snprintf(res + n, sizeof res - (size_t)n, "}");
		ctx_evstream_emit(ev, "mcp.call", args_json, res, (long)((ctx_clock_ns() - t0) / MS), NULL);
	}
	return !c->cancelled;
}
