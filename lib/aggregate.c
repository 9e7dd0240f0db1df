#include "aggregate.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "jsoncur.h"
#include "stats.h"
#include "strmap.h"
#include "utf8.h"

#define MAX_WARNINGS_READ 16
#define TOP_WARNINGS 5
#define TS_MAX 64

/* The derived counters of §5, per event, per run and in total. */
struct counters {
	long events;
	long cache_hit, cache_miss, cache_error;
	long bytes_skeleton, bytes_excerpt, bytes_raw;
	long lsp_request, lsp_failed, lsp_attach, lsp_attach_warm, selector_success, lock_skipped;
	long mcp_error, mcp_cancelled, mcp_bytes; /* last_run.json's mcp object only */
};

struct run_cmd {
	long count;
	struct ctx_hist hist; /* timing_ms, when the run keeps detail */
};

struct run {
	struct counters c;
	char segment_id[TS_MAX], ts_first[TS_MAX], ts_last[TS_MAX];
	bool has_seg, has_ts;       /* an event gave segment_id, ts (ts_last: maybe "") */
	struct ctx_strmap cmds;     /* cmd -> struct run_cmd */
	struct ctx_strmap warnings; /* warning -> count */
	struct ctx_strmap langs;    /* x.lang of ast.parse -> count */
	struct ctx_strmap reasons;  /* result.reason of lsp.fallback -> count */
	struct ctx_strmap tools;    /* args.tool of mcp.call -> count */
};

struct ctx_agg {
	struct counters total;
	long malformed;
	struct ctx_strmap cmds; /* cmd -> count */
	struct ctx_strmap runs; /* run id -> struct run; count: the number of its last event */
	long events;            /* events with a run id read so far */
	char *detail_run;
	bool part;              /* a part of another (ctx_agg_new_part): names not capped */
	size_t last;            /* 1 + index in runs of the last event's run, 0 for none */
	struct ctx_buf scratch, clean;
};

/* ---- reading one line ---- */

/* The cmds some counter looks at. */
enum kind {
	OTHER_CMD, AST_PARSE, AST_CACHE_HIT, AST_CACHE_MISS, FILE_READ, LSP_REQUEST, LSP_STATE_CHANGE,
	LSP_ATTACH, LSP_FALLBACK, SELECTOR_RESOLVE, TELEMETRY_DROP, MCP_CALL,
};

#define KIND(name, kind) { name, sizeof(name) - 1, kind }
static const struct {
	const char *name;
	size_t len;
	enum kind kind;
} kinds[] = {
	KIND("ast.parse", AST_PARSE), KIND("file.read", FILE_READ), KIND("lsp.definition", LSP_REQUEST),
	KIND("lsp.references", LSP_REQUEST), KIND("lsp.hover", LSP_REQUEST), KIND("lsp.symbols", LSP_REQUEST),
	KIND("lsp.workspace_symbols", LSP_REQUEST), KIND("lsp.diagnostics", LSP_REQUEST),
	KIND("lsp.request", LSP_REQUEST),
	KIND("ast.cache.hit", AST_CACHE_HIT), KIND("ast.cache.miss", AST_CACHE_MISS),
	KIND("lsp.state_change", LSP_STATE_CHANGE), KIND("lsp.attach", LSP_ATTACH), KIND("lsp.fallback", LSP_FALLBACK),
	KIND("selector.resolve", SELECTOR_RESOLVE), KIND("telemetry.drop", TELEMETRY_DROP), KIND("mcp.call", MCP_CALL),
};
#undef KIND

/* What is read of an event: slices of the line, numbers, which were there, and last the
 * warnings (not cleared for each line: nwarnings says how many there are). */
struct ev {
	struct ctx_json_str cmd, run, seg, ts;
	enum kind kind;                  /* of cmd */
	struct ctx_json_str mode[3];     /* args.mode, x.mode, x.disclosure_mode */
	struct ctx_json_str to[3];       /* result.to, result.to_state, x.lsp_state */
	struct ctx_json_str status;      /* result.status */
	struct ctx_json_str cache, cache_status, lang, reason;
	struct ctx_json_str tool, result_mode; /* mcp.call's args.tool, result.mode */
	double timing;
	double bytes[3];                 /* result.bytes, x.bytes_read, x.bytes */
	double dropped;                  /* result.dropped */
	int resolved;                    /* result.resolved: -1 absent, 0, 1 */
	int warm;                        /* result.warm (lsp.attach): -1 absent, 0, 1 */
	int cache_hit;                   /* x.cache_hit: -1 absent, 0, 1 */
	int nwarnings;
	unsigned skipped;                /* sections stepped over for the cmd's kind (1 << section) */
	bool read_all;                   /* read every section, whatever the cmd */
	bool has_cmd, has_run, has_seg, has_ts, has_timing, has_mode[3], has_bytes[3], has_to[3];
	bool has_status, has_dropped, has_cache, has_cache_status, has_lang, has_reason, has_tool, has_result_mode;
	struct ctx_json_str warnings[MAX_WARNINGS_READ];
};

/* Where a member stands: the event itself, or its args, result or x. */
enum section { TOP, ARGS, RESULT, X };

/* The sections whose members the counters of a kind of cmd read (bits 1 << section). */
static const unsigned char sections_read[] = {
	[AST_PARSE] = 1 << X,
	[FILE_READ] = 1 << ARGS | 1 << RESULT | 1 << X,
	[LSP_STATE_CHANGE] = 1 << RESULT | 1 << X,
	[LSP_ATTACH] = 1 << RESULT,
	[LSP_FALLBACK] = 1 << RESULT,
	[SELECTOR_RESOLVE] = 1 << RESULT,
	[TELEMETRY_DROP] = 1 << RESULT,
	[MCP_CALL] = 1 << ARGS | 1 << RESULT,
};

/* The kind of the cmd s[0, n). */
static enum kind
kind_named(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (kinds[i].len == n && memcmp(kinds[i].name, s, n) == 0)
			return kinds[i].kind;
	return OTHER_CMD;
}

/* The members some counter needs. */
enum field {
	SKIP, CMD, RUN_ID, SEGMENT_ID, TS, TIMING_MS, WARNINGS, ARGS_OBJ, RESULT_OBJ, X_OBJ,
	ARGS_MODE, ARGS_TOOL, RESULT_MODE, RESULT_BYTES, RESULT_TO, RESULT_TO_STATE, RESULT_STATUS, RESULT_REASON,
	RESULT_RESOLVED, RESULT_WARM, RESULT_DROPPED, X_CACHE, X_CACHE_HIT, X_LANG, X_CACHE_STATUS, X_MODE,
	X_DISCLOSURE_MODE, X_BYTES_READ, X_BYTES, X_LSP_STATE,
};

/* The field that the key s[0, n) names in section sec. This runs for every member of
 * every line: a length and a few bytes decide. */
static enum field
field_named(enum section sec, const char *s, size_t n)
{
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(s, lit, sizeof(lit) - 1) == 0)
	switch (sec) {
	case TOP:
		return IS("cmd") ? CMD : IS("run_id") ? RUN_ID : IS("segment_id") ? SEGMENT_ID : IS("ts") ? TS
		    : IS("timing_ms") ? TIMING_MS : IS("args") ? ARGS_OBJ : IS("result") ? RESULT_OBJ
		    : IS("x") ? X_OBJ : IS("warnings") ? WARNINGS : SKIP;
	case ARGS:
		return IS("mode") ? ARGS_MODE : IS("tool") ? ARGS_TOOL : SKIP;
	case RESULT:
		return IS("bytes") ? RESULT_BYTES : IS("to") ? RESULT_TO : IS("to_state") ? RESULT_TO_STATE
		    : IS("status") ? RESULT_STATUS : IS("reason") ? RESULT_REASON : IS("resolved") ? RESULT_RESOLVED
		    : IS("warm") ? RESULT_WARM : IS("dropped") ? RESULT_DROPPED : IS("mode") ? RESULT_MODE : SKIP;
	case X:
		return IS("cache") ? X_CACHE : IS("cache_hit") ? X_CACHE_HIT : IS("lang") ? X_LANG
		    : IS("cache_status") ? X_CACHE_STATUS : IS("mode") ? X_MODE
		    : IS("disclosure_mode") ? X_DISCLOSURE_MODE : IS("bytes_read") ? X_BYTES_READ
		    : IS("bytes") ? X_BYTES : IS("lsp_state") ? X_LSP_STATE : SKIP;
	}
#undef IS
	return SKIP;
}

/* The text of s, a key or a cmd: s itself, or decoded into buf when it has escapes (a name
 * written with escapes is the same name). NULL for a bad escape or a decoded text too long
 * to be any name looked for. */
static const char *
name_text(const struct ctx_json_str *s, char *buf, size_t size, size_t *n)
{
	struct ctx_buf decoded = { 0 };
	bool ok;

	*n = s->len;
	if (!s->escaped)
		return s->s;
	ok = ctx_json_str_decode(s, &decoded) == 0 && decoded.len < size;
	if (ok) {
		memcpy(buf, decoded.data ? decoded.data : "", decoded.len);
		*n = decoded.len;
	}
	ctx_buf_release(&decoded);
	return ok ? buf : NULL;
}

static enum field
field_of(enum section sec, const struct ctx_json_str *k)
{
	char buf[32];
	size_t n;

	if (!k->escaped)
		return field_named(sec, k->s, k->len);
	const char *t = name_text(k, buf, sizeof buf, &n);

	return t ? field_named(sec, t, n) : SKIP;
}

static enum kind
kind_of(const struct ctx_json_str *cmd)
{
	char buf[32];
	size_t n;
	const char *t = name_text(cmd, buf, sizeof buf, &n);

	return t ? kind_named(t, n) : OTHER_CMD;
}

/* Read a string member if it is one (setting *has); anything else is stepped over. */
static int
read_str(struct ctx_json_cur *c, struct ctx_json_str *s, bool *has)
{
	if (ctx_jsoncur_peek(c) == CTX_JSON_STRING) {
		*has = true;
		return ctx_jsoncur_string_at(c, s);
	}
	return ctx_jsoncur_skip(c);
}

static int
read_num(struct ctx_json_cur *c, double *v, bool *has)
{
	struct ctx_json_str text;

	if (ctx_jsoncur_peek(c) == CTX_JSON_NUMBER) {
		*has = true;
		return ctx_jsoncur_number_at(c, v, &text);
	}
	return ctx_jsoncur_skip(c);
}

static int
read_bool(struct ctx_json_cur *c, int *v)
{
	int t = ctx_jsoncur_peek(c);

	if (t == CTX_JSON_TRUE || t == CTX_JSON_FALSE)
		*v = t == CTX_JSON_TRUE;
	return ctx_jsoncur_skip(c);
}

static int
read_warnings(struct ctx_json_cur *c, struct ev *e)
{
	bool first;
	int rc;

	if (ctx_jsoncur_peek(c) != CTX_JSON_ARRAY)
		return ctx_jsoncur_skip(c);
	if (ctx_jsoncur_enter(c, CTX_JSON_ARRAY, &first) < 0)
		return -1;
	while ((rc = ctx_jsoncur_element(c, &first)) == 1) {
		if (ctx_jsoncur_peek(c) == CTX_JSON_STRING && e->nwarnings < MAX_WARNINGS_READ)
			rc = ctx_jsoncur_string_at(c, &e->warnings[e->nwarnings++]);
		else
			rc = ctx_jsoncur_skip(c);
		if (rc < 0)
			return -1;
	}
	return rc;
}

/* The members of the event (sec TOP) or of its args, result or x that some counter
 * needs; the rest is stepped over. 0 or -1 (not an object, or torn). */
static int
read_object(struct ctx_json_cur *c, enum section sec, struct ev *e)
{
	struct ctx_json_str k;
	bool first;
	int rc;

	if (ctx_jsoncur_enter(c, CTX_JSON_OBJECT, &first) < 0)
		return -1;
	while ((rc = ctx_jsoncur_member(c, &first, &k)) == 1) {
		enum field f = field_of(sec, &k);
		/* A section is read only when it is an object and, the cmd known already (ctx-emit
		 * writes it first), its counters read it; else it is stepped over like any value. */
		enum section inner = f == ARGS_OBJ ? ARGS : f == RESULT_OBJ ? RESULT : f == X_OBJ ? X : TOP;
		if (inner != TOP && ctx_jsoncur_peek(c) != CTX_JSON_OBJECT)
			f = SKIP;
		else if (inner != TOP && e->has_cmd && !e->read_all && !(sections_read[e->kind] & 1 << inner)) {
			f = SKIP;
			e->skipped |= 1 << inner;
		}
		switch (f) {
		case SKIP: rc = ctx_jsoncur_skip(c); break;
		case CMD:
			if ((rc = read_str(c, &e->cmd, &e->has_cmd)) == 0 && e->has_cmd)
				e->kind = kind_of(&e->cmd);
			break;
		case RUN_ID: rc = read_str(c, &e->run, &e->has_run); break;
		case SEGMENT_ID: rc = read_str(c, &e->seg, &e->has_seg); break;
		case TS: rc = read_str(c, &e->ts, &e->has_ts); break;
		case TIMING_MS: rc = read_num(c, &e->timing, &e->has_timing); break;
		case WARNINGS: rc = read_warnings(c, e); break;
		case ARGS_OBJ: rc = read_object(c, ARGS, e); break;
		case RESULT_OBJ: rc = read_object(c, RESULT, e); break;
		case X_OBJ: rc = read_object(c, X, e); break;
		case ARGS_MODE: rc = read_str(c, &e->mode[0], &e->has_mode[0]); break;
		case ARGS_TOOL: rc = read_str(c, &e->tool, &e->has_tool); break;
		case RESULT_MODE: rc = read_str(c, &e->result_mode, &e->has_result_mode); break;
		case RESULT_BYTES: rc = read_num(c, &e->bytes[0], &e->has_bytes[0]); break;
		case RESULT_TO: rc = read_str(c, &e->to[0], &e->has_to[0]); break;
		case RESULT_TO_STATE: rc = read_str(c, &e->to[1], &e->has_to[1]); break;
		case RESULT_STATUS: rc = read_str(c, &e->status, &e->has_status); break;
		case RESULT_REASON: rc = read_str(c, &e->reason, &e->has_reason); break;
		case RESULT_RESOLVED: rc = read_bool(c, &e->resolved); break;
		case RESULT_WARM: rc = read_bool(c, &e->warm); break;
		case RESULT_DROPPED: rc = read_num(c, &e->dropped, &e->has_dropped); break;
		case X_CACHE: rc = read_str(c, &e->cache, &e->has_cache); break;
		case X_CACHE_HIT: rc = read_bool(c, &e->cache_hit); break;
		case X_LANG: rc = read_str(c, &e->lang, &e->has_lang); break;
		case X_CACHE_STATUS: rc = read_str(c, &e->cache_status, &e->has_cache_status); break;
		case X_MODE: rc = read_str(c, &e->mode[1], &e->has_mode[1]); break;
		case X_DISCLOSURE_MODE: rc = read_str(c, &e->mode[2], &e->has_mode[2]); break;
		case X_BYTES_READ: rc = read_num(c, &e->bytes[1], &e->has_bytes[1]); break;
		case X_BYTES: rc = read_num(c, &e->bytes[2], &e->has_bytes[2]); break;
		case X_LSP_STATE: rc = read_str(c, &e->to[2], &e->has_to[2]); break;
		}
		if (rc < 0)
			return -1;
	}
	return rc;
}

/* Read an event line. 0 when it is a JSON object with a string cmd, else -1. */
static int
read_event(const char *line, size_t len, struct ev *e)
{
	struct ctx_json_cur c = { line, line + len };

	memset(e, 0, offsetof(struct ev, warnings));
	e->resolved = e->warm = e->cache_hit = -1;
	if (read_object(&c, TOP, e) < 0 || !e->has_cmd)
		return -1;
	/* A second cmd, of another kind, after a section the first one's kind stepped over:
	 * the last cmd counts, so the line is read again with every section. */
	if (e->skipped & sections_read[e->kind]) {
		c = (struct ctx_json_cur){ line, line + len };
		memset(e, 0, offsetof(struct ev, warnings));
		e->resolved = e->warm = e->cache_hit = -1;
		e->read_all = true;
		if (read_object(&c, TOP, e) < 0 || !e->has_cmd)
			return -1;
	}
	while (c.p < c.end && (*c.p == ' ' || *c.p == '\t' || *c.p == '\r'))
		c.p++;
	return c.p == c.end ? 0 : -1;
}

/* ---- accounting ---- */

static bool
str_ieq(const struct ctx_json_str *s, const char *lit)
{
	return !s->escaped && s->len == strlen(lit) && strncasecmp(s->s, lit, s->len) == 0;
}

/* A number read from an event as a count to add: a negative, non-finite or NaN one adds
 * nothing; one past LONG_MAX is LONG_MAX (llround of it would be undefined). */
static long
count_of(double v)
{
	if (!(v > 0) || !isfinite(v))
		return 0;
	return v >= 9.2e18 ? LONG_MAX : (long)llround(v);
}

/* The derived counters one event contributes. */
static void
derive(const struct ev *e, struct counters *d)
{
	memset(d, 0, sizeof *d);
	d->events = 1;
	switch (e->kind) {
	case AST_PARSE: {
		const struct ctx_json_str *v = e->has_cache ? &e->cache : e->has_cache_status ? &e->cache_status : NULL;
		if (v) {
			d->cache_hit = str_ieq(v, "hit");
			d->cache_miss = str_ieq(v, "miss");
			d->cache_error = str_ieq(v, "error");
		} else if (e->cache_hit >= 0) {
			d->cache_hit = e->cache_hit;
			d->cache_miss = !e->cache_hit;
		}
		break;
	}
	case AST_CACHE_HIT: d->cache_hit = 1; break;
	case AST_CACHE_MISS: d->cache_miss = 1; break;
	case FILE_READ: {
		int m = e->has_mode[0] ? 0 : e->has_mode[1] ? 1 : e->has_mode[2] ? 2 : -1;
		int b = e->has_bytes[0] ? 0 : e->has_bytes[1] ? 1 : e->has_bytes[2] ? 2 : -1;
		long bytes = b >= 0 ? count_of(e->bytes[b]) : 0;
		if (m >= 0 && str_ieq(&e->mode[m], "skeleton"))
			d->bytes_skeleton = bytes;
		else if (m >= 0 && str_ieq(&e->mode[m], "excerpt"))
			d->bytes_excerpt = bytes;
		else if (m >= 0 && str_ieq(&e->mode[m], "raw"))
			d->bytes_raw = bytes;
		break;
	}
	case LSP_REQUEST: d->lsp_request = 1; break;
	case LSP_STATE_CHANGE: {
		int t = e->has_to[0] ? 0 : e->has_to[1] ? 1 : e->has_to[2] ? 2 : -1;
		d->lsp_failed = (t >= 0 && str_ieq(&e->to[t], "failed")) ||
		    (e->has_status && str_ieq(&e->status, "failed"));
		break;
	}
	case LSP_ATTACH:
		d->lsp_attach = 1;
		d->lsp_attach_warm = e->warm == 1;
		break;
	case SELECTOR_RESOLVE: d->selector_success = e->resolved == 1; break;
	case TELEMETRY_DROP: d->lock_skipped = e->has_dropped ? count_of(e->dropped) : 0; break;
	case MCP_CALL:
		d->mcp_error = e->has_status && str_ieq(&e->status, "error");
		d->mcp_cancelled = e->has_status && str_ieq(&e->status, "cancelled");
		/* A selection's bytes are its file.read's: counted there, not again here. */
		d->mcp_bytes = !e->has_result_mode && e->has_bytes[0] ? count_of(e->bytes[0]) : 0;
		break;
	case LSP_FALLBACK:
	case OTHER_CMD: break;
	}
}

/* a + b for counters (both >= 0): saturates at LONG_MAX, never wraps. */
static long
sat_add(long a, long b)
{
	return b > LONG_MAX - a ? LONG_MAX : a + b;
}

static void
add_counters(struct counters *to, const struct counters *d)
{
	to->events = sat_add(to->events, d->events);
	to->cache_hit = sat_add(to->cache_hit, d->cache_hit);
	to->cache_miss = sat_add(to->cache_miss, d->cache_miss);
	to->cache_error = sat_add(to->cache_error, d->cache_error);
	to->bytes_skeleton = sat_add(to->bytes_skeleton, d->bytes_skeleton);
	to->bytes_excerpt = sat_add(to->bytes_excerpt, d->bytes_excerpt);
	to->bytes_raw = sat_add(to->bytes_raw, d->bytes_raw);
	to->lsp_request = sat_add(to->lsp_request, d->lsp_request);
	to->lsp_failed = sat_add(to->lsp_failed, d->lsp_failed);
	to->lsp_attach = sat_add(to->lsp_attach, d->lsp_attach);
	to->lsp_attach_warm = sat_add(to->lsp_attach_warm, d->lsp_attach_warm);
	to->selector_success = sat_add(to->selector_success, d->selector_success);
	to->lock_skipped = sat_add(to->lock_skipped, d->lock_skipped);
	to->mcp_error = sat_add(to->mcp_error, d->mcp_error);
	to->mcp_cancelled = sat_add(to->mcp_cancelled, d->mcp_cancelled);
	to->mcp_bytes = sat_add(to->mcp_bytes, d->mcp_bytes);
}

static void
copy_str(char *dst, size_t size, const struct ctx_json_str *s)
{
	size_t n = s->len < size - 1 ? s->len : size - 1;

	memcpy(dst, s->s, n);
	dst[n] = '\0';
}

struct ctx_agg *
ctx_agg_new(const char *detail_run)
{
	struct ctx_agg *a = calloc(1, sizeof *a);

	if (a && detail_run && !(a->detail_run = strdup(detail_run))) {
		free(a);
		return NULL;
	}
	return a;
}

static void
free_run(struct run *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->cmds.n; i++) {
		struct run_cmd *rc = r->cmds.entries[i].value;
		if (rc)
			ctx_hist_release(&rc->hist);
		free(rc);
	}
	ctx_strmap_release(&r->cmds);
	ctx_strmap_release(&r->warnings);
	ctx_strmap_release(&r->langs);
	ctx_strmap_release(&r->reasons);
	ctx_strmap_release(&r->tools);
	free(r);
}

void
ctx_agg_free(struct ctx_agg *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->runs.n; i++)
		free_run(a->runs.entries[i].value);
	ctx_strmap_release(&a->runs);
	ctx_strmap_release(&a->cmds);
	ctx_buf_release(&a->scratch);
	ctx_buf_release(&a->clean);
	free(a->detail_run);
	free(a);
}

/* Append s[0, n) as a name the documents can print: valid UTF-8 without a NUL, each bad
 * byte and each NUL made U+FFFD. Names the log tells apart only by such bytes are then
 * one name, never two that print the same. 0 or -ENOMEM. */
static int
clean_name(const char *s, size_t n, struct ctx_buf *out)
{
	for (size_t i = 0; i < n;) {
		const char *nul = memchr(s + i, '\0', n - i);
		size_t k = nul ? (size_t)(nul - s) : n;
		if (ctx_utf8_add_valid(out, s + i, k - i) < 0 || (nul && ctx_buf_add(out, "\xef\xbf\xbd", 3) < 0))
			return -ENOMEM;
		i = k + (nul != NULL);
	}
	return 0;
}

/* The text of the name s (a cmd, a run id, a warning): decoded, and cleaned when it must
 * be (clean_name); s itself when neither is needed. 0, or -1 for a bad escape or no
 * memory. */
static int
plain(struct ctx_agg *a, const struct ctx_json_str *s, const char **p, size_t *n)
{
	*p = s->s;
	*n = s->len;
	if (s->escaped) {
		ctx_buf_truncate(&a->scratch, 0);
		if (ctx_json_str_decode(s, &a->scratch) < 0)
			return -1;
		*p = a->scratch.data;
		*n = a->scratch.len;
	}
	if (!memchr(*p, '\0', *n) && ctx_utf8_valid(*p, *n, NULL))
		return 0;
	ctx_buf_truncate(&a->clean, 0);
	if (clean_name(*p, *n, &a->clean) < 0)
		return -1;
	*p = a->clean.data;
	*n = a->clean.len;
	return 0;
}

/* The run of an event, in *r: NULL for a run that is only counted (a detail run is known
 * and this is not it: its id is all that is kept, about 100 bytes). 0, 1 when the id
 * cannot be decoded, or -ENOMEM. */
static int
get_run(struct ctx_agg *a, const struct ctx_json_str *id, struct run **r)
{
	const char *p;
	size_t n;
	int created;

	*r = NULL;
	if (plain(a, id, &p, &n) < 0)
		return 1;
	/* Events of one run come together: try the last run first. */
	if (a->last) {
		struct ctx_strmap_entry *last = &a->runs.entries[a->last - 1];
		if (last->len == n && memcmp(last->key, p, n) == 0) {
			last->count = ++a->events;
			*r = last->value;
			return 0;
		}
	}
	struct ctx_strmap_entry *en = ctx_strmap_get(&a->runs, p, n, &created);
	if (!en)
		return -ENOMEM;
	if (created && (!a->detail_run || strcmp(a->detail_run, en->key) == 0)) {
		struct run *k = calloc(1, sizeof *k);
		if (!k)
			return -ENOMEM;
		en->value = k;
	}
	a->last = (size_t)(en - a->runs.entries) + 1;
	en->count = ++a->events;
	*r = en->value;
	return 0;
}

/* Add count to the name p[0, n) in m; capped: past 32 names, the rest are "other". */
static int
add_name(struct ctx_strmap *m, const char *p, size_t n, long count, bool capped)
{
	int created;

	if (capped && m->n >= 32 && !ctx_strmap_find(m, p, n)) {
		p = "other";
		n = 5;
	}
	struct ctx_strmap_entry *en = ctx_strmap_get(m, p, n, &created);
	if (!en)
		return -ENOMEM;
	en->count = sat_add(en->count, count);
	return 0;
}

/* Count one more of the name s in m. The log is anyone's: a name is at most 32 bytes, and
 * past 32 names the rest are "other" (a part keeps every name: its merge caps them). */
static int
count_name(struct ctx_agg *a, struct ctx_strmap *m, const struct ctx_json_str *s)
{
	const char *p;
	size_t n;

	if (plain(a, s, &p, &n) < 0)
		return 0;
	if (n > 32) {
		p = "other";
		n = 5;
	}
	return add_name(m, p, n, 1, !a->part);
}

static int
account_run(struct ctx_agg *a, struct run *r, const struct ev *e, const struct counters *d)
{
	const char *p;
	size_t n;
	int created;

	add_counters(&r->c, d);
	if (e->has_ts) {
		if (!r->ts_first[0])
			copy_str(r->ts_first, sizeof r->ts_first, &e->ts);
		copy_str(r->ts_last, sizeof r->ts_last, &e->ts);
		r->has_ts = true;
	}
	if (e->has_seg) {
		copy_str(r->segment_id, sizeof r->segment_id, &e->seg);
		r->has_seg = true;
	}
	if (plain(a, &e->cmd, &p, &n) < 0)
		return 0;
	struct ctx_strmap_entry *en = ctx_strmap_get(&r->cmds, p, n, &created);
	if (!en || (created && !(en->value = calloc(1, sizeof(struct run_cmd)))))
		return -ENOMEM;
	struct run_cmd *rc = en->value;
	rc->count++;
	/* A timing that is negative or not finite is no timing: it would print as null. */
	if (e->has_timing && isfinite(e->timing) && e->timing >= 0 && ctx_hist_add(&rc->hist, e->timing) < 0)
		return -ENOMEM;
	for (int i = 0; i < e->nwarnings; i++) {
		if (plain(a, &e->warnings[i], &p, &n) < 0)
			continue;
		if (!(en = ctx_strmap_get(&r->warnings, p, n, &created)))
			return -ENOMEM;
		en->count++;
	}
	if (e->has_lang && e->kind == AST_PARSE)
		return count_name(a, &r->langs, &e->lang);
	if (e->has_reason && e->kind == LSP_FALLBACK)
		return count_name(a, &r->reasons, &e->reason);
	if (e->has_tool && e->kind == MCP_CALL)
		return count_name(a, &r->tools, &e->tool);
	return 0;
}

int
ctx_agg_line(struct ctx_agg *a, const char *line, size_t len)
{
	struct ev e;
	struct counters d;
	const char *p;
	size_t n;
	int created;

	if (read_event(line, len, &e) < 0) {
		a->malformed++;
		return 1;
	}
	derive(&e, &d);
	add_counters(&a->total, &d);
	if (plain(a, &e.cmd, &p, &n) < 0) {
		a->malformed++;
		return 1;
	}
	struct ctx_strmap_entry *en = ctx_strmap_get(&a->cmds, p, n, &created);
	if (!en)
		return -ENOMEM;
	en->count++;
	if (!e.has_run)
		return 0;
	struct run *r;
	int err = get_run(a, &e.run, &r);
	return err < 0 ? err : r ? account_run(a, r, &e, &d) : 0;
}

void
ctx_agg_malformed(struct ctx_agg *a)
{
	a->malformed++;
}

struct ctx_agg *
ctx_agg_new_part(const struct ctx_agg *a)
{
	struct ctx_agg *part = ctx_agg_new(a->detail_run);

	if (part)
		part->part = true;
	return part;
}

/* Add the names of from, in the order they came, to into. */
static int
merge_names(struct ctx_strmap *into, const struct ctx_strmap *from, bool capped)
{
	for (size_t i = 0; i < from->n; i++)
		if (add_name(into, from->entries[i].key, from->entries[i].len, from->entries[i].count, capped) < 0)
			return -ENOMEM;
	return 0;
}

/* Cap the names of m that a part kept uncapped, as counting them one by one would have. */
static int
cap_names(struct ctx_strmap *m)
{
	struct ctx_strmap capped = { 0 };

	if (m->n <= 32)
		return 0;
	if (merge_names(&capped, m, true) < 0) {
		ctx_strmap_release(&capped);
		return -ENOMEM;
	}
	ctx_strmap_release(m);
	*m = capped;
	return 0;
}

/* Merge the run from (read after into) into into. */
static int
merge_run(struct run *into, const struct run *from)
{
	int created;

	add_counters(&into->c, &from->c);
	if (!into->ts_first[0])
		memcpy(into->ts_first, from->ts_first, sizeof into->ts_first);
	if (from->has_ts) {
		memcpy(into->ts_last, from->ts_last, sizeof into->ts_last);
		into->has_ts = true;
	}
	if (from->has_seg) {
		memcpy(into->segment_id, from->segment_id, sizeof into->segment_id);
		into->has_seg = true;
	}
	for (size_t i = 0; i < from->cmds.n; i++) {
		const struct ctx_strmap_entry *f = &from->cmds.entries[i];
		const struct run_cmd *fc = f->value;
		struct ctx_strmap_entry *en = ctx_strmap_get(&into->cmds, f->key, f->len, &created);
		if (!en || (created && !(en->value = calloc(1, sizeof(struct run_cmd)))))
			return -ENOMEM;
		struct run_cmd *rc = en->value;
		rc->count = sat_add(rc->count, fc->count);
		if (ctx_hist_merge(&rc->hist, &fc->hist) < 0)
			return -ENOMEM;
	}
	if (merge_names(&into->warnings, &from->warnings, false) < 0 ||
	    merge_names(&into->langs, &from->langs, true) < 0 ||
	    merge_names(&into->reasons, &from->reasons, true) < 0 || merge_names(&into->tools, &from->tools, true) < 0)
		return -ENOMEM;
	return 0;
}

int
ctx_agg_merge(struct ctx_agg *a, struct ctx_agg *part)
{
	int created;

	add_counters(&a->total, &part->total);
	a->malformed = sat_add(a->malformed, part->malformed);
	if (merge_names(&a->cmds, &part->cmds, false) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < part->runs.n; i++) {
		struct ctx_strmap_entry *f = &part->runs.entries[i];
		struct ctx_strmap_entry *en = ctx_strmap_get(&a->runs, f->key, f->len, &created);
		if (!en)
			return -ENOMEM;
		/* The number of its last event, counted from the start of a's events. */
		en->count = a->events + f->count;
		if (created) { /* the run starts in the part: take it whole, its names capped */
			struct run *r = en->value = f->value;
			f->value = NULL;
			if (r && (cap_names(&r->langs) < 0 || cap_names(&r->reasons) < 0 ||
				  cap_names(&r->tools) < 0))
				return -ENOMEM;
		} else if (en->value && f->value && merge_run(en->value, f->value) < 0) {
			return -ENOMEM;
		}
		if (part->last == i + 1)
			a->last = (size_t)(en - a->runs.entries) + 1;
	}
	a->events += part->events;
	return 0;
}

int
ctx_agg_tail_run(int fd, off_t size, size_t window, struct ctx_buf *out)
{
	off_t from = size > (off_t)window ? size - (off_t)window : 0;
	size_t n = (size_t)(size - from);
	char *buf;
	int rc = 0;

	if (n == 0)
		return 0;
	if (!(buf = malloc(n)))
		return -ENOMEM;
	if (pread(fd, buf, n, from) != (ssize_t)n) {
		rc = -EIO;
		goto out;
	}
	/* Lines from the last; the first one is whole only if the window is the whole file. */
	size_t end = n;
	while (end > 0 && rc == 0) {
		size_t start = end;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		if (start == 0 && from > 0)
			break;
		struct ev e;
		struct ctx_buf id = { 0 };
		/* The run of that event as get_run takes it: decoded and cleaned. */
		if (read_event(buf + start, end - start, &e) == 0 && e.has_run &&
		    ctx_json_str_decode(&e.run, &id) == 0) {
			ctx_buf_truncate(out, 0);
			rc = clean_name(id.data ? id.data : "", id.len, out) == 0 ? 1 : -ENOMEM;
			ctx_buf_release(&id);
			break;
		}
		ctx_buf_release(&id);
		end = start > 0 ? start - 1 : 0;
	}
out:
	free(buf);
	return rc;
}

size_t
ctx_agg_run_count(const struct ctx_agg *a)
{
	return a->runs.n;
}

const char *
ctx_agg_last_run(const struct ctx_agg *a)
{
	return a->last ? a->runs.entries[a->last - 1].key : NULL;
}

/* ---- documents ---- */

struct kv {
	const char *key;
	long value;
};

static int
by_key(const void *x, const void *y)
{
	return strcmp(((const struct kv *)x)->key, ((const struct kv *)y)->key);
}

/* The metric name of a cmd: every character outside [a-z0-9] turned into '_', "_count". */
static void
cmd_key(const char *cmd, char *out, size_t size)
{
	size_t i = 0;

	for (; cmd[i] && i + 7 < size; i++)
		out[i] = (char)((islower((unsigned char)cmd[i]) || isdigit((unsigned char)cmd[i])) ? cmd[i] : '_');
	memcpy(out + i, "_count", 7);
}

static const char *const derived_names[] = {
	"ast_cache_hit_count", "ast_cache_miss_count", "ast_cache_error_count",
	"file_read_skeleton_bytes_total", "file_read_excerpt_bytes_total", "file_read_raw_bytes_total",
	"lsp_request_count", "lsp_failed_count", "lsp_attach_count", "lsp_attach_warm_count",
	"selector_resolve_success_count", "telemetry_lock_skipped",
};

/* The counters as sorted (key, value) pairs: events_total, the per-cmd counts, the derived
 * counters (a derived counter wins over a cmd count of the same name: it includes it), and
 * when `all`, malformed_lines_total and runs_total. */
static int
counter_pairs(const struct counters *c, const struct ctx_strmap *cmds, bool per_run, long malformed,
    long runs, struct ctx_strmap *keys, struct kv **out, size_t *nout)
{
	const long derived[] = {
		c->cache_hit, c->cache_miss, c->cache_error, c->bytes_skeleton, c->bytes_excerpt,
		c->bytes_raw, c->lsp_request, c->lsp_failed, c->lsp_attach, c->lsp_attach_warm, c->selector_success,
		c->lock_skipped,
	};
	char name[96];
	int created;

	for (size_t i = 0; i < cmds->n; i++) {
		const struct ctx_strmap_entry *ce = &cmds->entries[i];
		long count = per_run ? ((const struct run_cmd *)ce->value)->count : ce->count;
		cmd_key(ce->key, name, sizeof name);
		struct ctx_strmap_entry *en = ctx_strmap_get(keys, name, strlen(name), &created);
		if (!en)
			return -ENOMEM;
		en->count += count;
	}
	for (size_t i = 0; i < sizeof derived / sizeof *derived; i++) {
		struct ctx_strmap_entry *en =
		    ctx_strmap_get(keys, derived_names[i], strlen(derived_names[i]), &created);
		if (!en)
			return -ENOMEM;
		en->count = derived[i];
	}
	struct { const char *k; long v; } fixed[] = {
		{ "events_total", c->events }, { "malformed_lines_total", malformed }, { "runs_total", runs },
	};
	for (size_t i = 0; i < (per_run ? 1u : 3u); i++) {
		struct ctx_strmap_entry *en = ctx_strmap_get(keys, fixed[i].k, strlen(fixed[i].k), &created);
		if (!en)
			return -ENOMEM;
		en->count = fixed[i].v;
	}
	*out = malloc(keys->n * sizeof **out);
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < keys->n; i++)
		(*out)[i] = (struct kv){ keys->entries[i].key, keys->entries[i].count };
	qsort(*out, keys->n, sizeof **out, by_key);
	*nout = keys->n;
	return 0;
}

static int
write_counters(struct ctx_jsonw *w, const char *key, const struct counters *c, const struct ctx_strmap *cmds,
    bool per_run, long malformed, long runs)
{
	struct ctx_strmap keys = { 0 };
	struct kv *kv = NULL;
	size_t n = 0;
	int err = counter_pairs(c, cmds, per_run, malformed, runs, &keys, &kv, &n);

	if (err == 0) {
		ctx_jsonw_open(w, key, '{');
		for (size_t i = 0; i < n; i++)
			ctx_jsonw_int(w, kv[i].key, kv[i].value);
		ctx_jsonw_close(w, '}');
	}
	free(kv);
	ctx_strmap_release(&keys);
	return err;
}

int
ctx_agg_metrics(const struct ctx_agg *a, struct ctx_buf *out)
{
	struct ctx_jsonw w;

	ctx_jsonw_init(&w, out);
	int err = write_counters(&w, NULL, &a->total, &a->cmds, false, a->malformed, (long)a->runs.n);
	return err ? err : w.err;
}

static long
run_count(const struct run *r, const char *cmd)
{
	const struct ctx_strmap_entry *en = r ? ctx_strmap_find(&r->cmds, cmd, strlen(cmd)) : NULL;

	return en ? ((const struct run_cmd *)en->value)->count : 0;
}

static double
rate(long num, long den)
{
	return den ? (double)num / (double)den : 0;
}

static int
by_name(const void *x, const void *y)
{
	return strcmp((*(const struct ctx_strmap_entry *const *)x)->key,
	    (*(const struct ctx_strmap_entry *const *)y)->key);
}

static int
write_latencies(struct ctx_jsonw *w, const struct run *r)
{
	const struct ctx_strmap_entry **sorted = NULL;
	size_t n = r ? r->cmds.n : 0;
	int err = 0;

	if (n && !(sorted = malloc(n * sizeof(const struct ctx_strmap_entry *))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		sorted[i] = &r->cmds.entries[i];
	if (n > 1) /* qsort(NULL, 0, ...) is undefined */
		qsort(sorted, n, sizeof(const struct ctx_strmap_entry *), by_name);
	ctx_jsonw_open(w, "latencies", '{');
	for (size_t i = 0; i < n && !err; i++) {
		const struct run_cmd *rc = sorted[i]->value;
		struct ctx_summary s;
		if (rc->hist.n == 0)
			continue;
		if ((err = ctx_hist_summary(&rc->hist, &s)) < 0)
			break;
		ctx_jsonw_open(w, sorted[i]->key, '{');
		ctx_jsonw_int(w, "count", s.count);
		ctx_jsonw_number(w, "p50_ms", s.p50);
		ctx_jsonw_number(w, "p95_ms", s.p95);
		ctx_jsonw_number(w, "max_ms", s.max);
		ctx_jsonw_close(w, '}');
	}
	ctx_jsonw_close(w, '}');
	free(sorted);
	return err;
}

static int
by_count_then_text(const void *x, const void *y)
{
	const struct ctx_strmap_entry *a = *(const struct ctx_strmap_entry *const *)x;
	const struct ctx_strmap_entry *b = *(const struct ctx_strmap_entry *const *)y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* The entries of m (NULL: none) in cmp's order, *n of them: an array the caller frees.
 * Returns 0 or -ENOMEM. */
static int
sorted_entries(const struct ctx_strmap *m, int (*cmp)(const void *, const void *),
    const struct ctx_strmap_entry ***sorted, size_t *n)
{
	*n = m ? m->n : 0;
	*sorted = *n ? malloc(*n * sizeof(const struct ctx_strmap_entry *)) : NULL;
	if (*n && !*sorted)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++)
		(*sorted)[i] = &m->entries[i];
	if (*n > 1)
		qsort(*sorted, *n, sizeof(const struct ctx_strmap_entry *), cmp);
	return 0;
}

static int
by_last_event(const void *x, const void *y)
{
	long a = (*(const struct ctx_strmap_entry *const *)x)->count;
	long b = (*(const struct ctx_strmap_entry *const *)y)->count;

	return (a > b) - (a < b);
}

const char **
ctx_agg_runs(const struct ctx_agg *a, const char *until, size_t n, size_t *count)
{
	const struct ctx_strmap_entry **sorted;
	const char **ids;
	size_t total;

	if (sorted_entries(&a->runs, by_last_event, &sorted, &total) < 0)
		return NULL;
	size_t end = total; /* one past until's place */
	if (until) {
		for (end = 0; end < total && strcmp(sorted[end]->key, until) != 0; end++)
			;
		end = end < total ? end + 1 : 0;
	}
	size_t from = end > n ? end - n : 0;
	*count = end - from;
	if ((ids = malloc((*count ? *count : 1) * sizeof *ids)))
		for (size_t i = 0; i < *count; i++)
			ids[i] = sorted[from + i]->key;
	free(sorted);
	return ids;
}

static int
write_top_warnings(struct ctx_jsonw *w, const struct run *r)
{
	const struct ctx_strmap_entry **sorted;
	size_t n;

	if (sorted_entries(r ? &r->warnings : NULL, by_count_then_text, &sorted, &n) < 0)
		return -ENOMEM;
	ctx_jsonw_open(w, "top_warnings", '[');
	for (size_t i = 0; i < n && i < TOP_WARNINGS; i++)
		ctx_jsonw_string(w, NULL, sorted[i]->key);
	ctx_jsonw_close(w, ']');
	free(sorted);
	return 0;
}

static int
by_text(const void *x, const void *y)
{
	const struct ctx_strmap_entry *a = *(const struct ctx_strmap_entry *const *)x;
	const struct ctx_strmap_entry *b = *(const struct ctx_strmap_entry *const *)y;

	return strcmp(a->key, b->key);
}

/* A map of names to counts (ast.by_lang, lsp.fallback_by_reason) as an object, keys sorted. */
static int
write_name_counts(struct ctx_jsonw *w, const char *key, const struct ctx_strmap *m)
{
	const struct ctx_strmap_entry **sorted;
	size_t n;

	if (sorted_entries(m, by_text, &sorted, &n) < 0)
		return -ENOMEM;
	ctx_jsonw_open(w, key, '{');
	for (size_t i = 0; i < n; i++)
		ctx_jsonw_int(w, sorted[i]->key, sorted[i]->count);
	ctx_jsonw_close(w, '}');
	free(sorted);
	return 0;
}

static void
string_or_null(struct ctx_jsonw *w, const char *key, const char *s)
{
	if (s && *s)
		ctx_jsonw_string(w, key, s);
	else
		ctx_jsonw_null(w, key);
}

static const struct run *
find_run(const struct ctx_agg *a, const char **id)
{
	if (!*id)
		*id = ctx_agg_last_run(a);
	const struct ctx_strmap_entry *en = *id ? ctx_strmap_find(&a->runs, *id, strlen(*id)) : NULL;
	return en ? en->value : NULL;
}

/* What last_run.json says of a run beyond its counters, computed once for the document and
 * for the Prometheus gauges so that the two agree. */
struct run_summary {
	long parses, hit, miss, spawn, ready, timeout, fallback, resolves, attempted, total_bytes;
	double hit_rate, ready_rate, timeout_rate, fallback_rate, success_rate, drop_rate;
};

static void
summarize(const struct run *r, const struct counters *c, struct run_summary *s)
{
	s->parses = run_count(r, "ast.parse");
	s->hit = c->cache_hit;
	s->miss = c->cache_miss;
	s->spawn = run_count(r, "lsp.spawn");
	s->ready = run_count(r, "lsp.ready");
	s->timeout = run_count(r, "lsp.timeout");
	s->fallback = run_count(r, "lsp.fallback");
	s->resolves = run_count(r, "selector.resolve");
	s->attempted = sat_add(c->events, c->lock_skipped);
	s->total_bytes = sat_add(sat_add(c->bytes_skeleton, c->bytes_excerpt), c->bytes_raw);
	s->hit_rate = rate(s->hit, s->hit + s->miss);
	s->ready_rate = rate(s->ready, s->spawn);
	s->timeout_rate = rate(s->timeout, c->lsp_request);
	s->fallback_rate = rate(s->fallback, c->lsp_request);
	s->success_rate = rate(c->selector_success, s->resolves);
	s->drop_rate = rate(c->lock_skipped, s->attempted);
}

int
ctx_agg_last_run_doc(const struct ctx_agg *a, const char *id, bool compact, struct ctx_buf *out)
{
	static const struct counters zero;
	static const struct ctx_strmap no_cmds;
	const struct run *r = find_run(a, &id);
	const struct counters *c = r ? &r->c : &zero;
	struct run_summary s;
	struct ctx_jsonw w;
	int err;

	summarize(r, c, &s);
	ctx_jsonw_init(&w, out);
	w.compact = compact;
	ctx_jsonw_open(&w, NULL, '{');
	string_or_null(&w, "run_id", id);
	string_or_null(&w, "segment_id", r ? r->segment_id : NULL);
	string_or_null(&w, "ts", r ? r->ts_last : NULL);
	string_or_null(&w, "ts_first", r ? r->ts_first : NULL);
	ctx_jsonw_int(&w, "events", c->events);
	if ((err = write_counters(&w, "metrics_delta", c, r ? &r->cmds : &no_cmds, true, 0, 0)) < 0 ||
	    (err = write_latencies(&w, r)) < 0)
		return err;

	ctx_jsonw_open(&w, "ast", '{');
	ctx_jsonw_int(&w, "ast_parse_count", s.parses);
	ctx_jsonw_int(&w, "ast_cache_hit_count", s.hit);
	ctx_jsonw_int(&w, "ast_cache_miss_count", s.miss);
	ctx_jsonw_fixed(&w, "ast_cache_hit_rate", s.hit_rate, 3);
	if ((err = write_name_counts(&w, "by_lang", r ? &r->langs : NULL)) < 0)
		return err;
	ctx_jsonw_close(&w, '}');

	ctx_jsonw_open(&w, "lsp", '{');
	ctx_jsonw_int(&w, "lsp_spawn_count", s.spawn);
	ctx_jsonw_int(&w, "lsp_ready_count", s.ready);
	ctx_jsonw_int(&w, "lsp_failed_count", c->lsp_failed);
	ctx_jsonw_int(&w, "lsp_request_count", c->lsp_request);
	ctx_jsonw_int(&w, "lsp_timeout_count", s.timeout);
	ctx_jsonw_int(&w, "lsp_fallback_count", s.fallback);
	ctx_jsonw_fixed(&w, "lsp_ready_rate", s.ready_rate, 3);
	ctx_jsonw_fixed(&w, "lsp_timeout_rate", s.timeout_rate, 3);
	ctx_jsonw_fixed(&w, "lsp_fallback_rate", s.fallback_rate, 3);
	ctx_jsonw_int(&w, "lsp_attach_count", c->lsp_attach);
	ctx_jsonw_int(&w, "lsp_attach_warm_count", c->lsp_attach_warm);
	if ((err = write_name_counts(&w, "fallback_by_reason", r ? &r->reasons : NULL)) < 0)
		return err;
	ctx_jsonw_close(&w, '}');

	ctx_jsonw_open(&w, "file_read", '{');
	ctx_jsonw_int(&w, "skeleton_bytes", c->bytes_skeleton);
	ctx_jsonw_int(&w, "excerpt_bytes", c->bytes_excerpt);
	ctx_jsonw_int(&w, "raw_bytes", c->bytes_raw);
	ctx_jsonw_int(&w, "total_bytes", s.total_bytes);
	ctx_jsonw_close(&w, '}');

	ctx_jsonw_open(&w, "selector", '{');
	ctx_jsonw_int(&w, "selector_resolve_count", s.resolves);
	ctx_jsonw_int(&w, "selector_resolve_success_count", c->selector_success);
	ctx_jsonw_fixed(&w, "selector_resolve_success_rate", s.success_rate, 3);
	ctx_jsonw_close(&w, '}');

	ctx_jsonw_open(&w, "mcp", '{');
	ctx_jsonw_int(&w, "mcp_call_count", run_count(r, "mcp.call"));
	ctx_jsonw_int(&w, "mcp_error_count", c->mcp_error);
	ctx_jsonw_int(&w, "mcp_cancelled_count", c->mcp_cancelled);
	ctx_jsonw_int(&w, "mcp_bytes_total", c->mcp_bytes);
	if ((err = write_name_counts(&w, "by_tool", r ? &r->tools : NULL)) < 0)
		return err;
	ctx_jsonw_close(&w, '}');

	ctx_jsonw_open(&w, "telemetry_drops", '{');
	ctx_jsonw_int(&w, "attempted", s.attempted);
	ctx_jsonw_int(&w, "written", c->events);
	ctx_jsonw_int(&w, "lock_skipped", c->lock_skipped);
	ctx_jsonw_fixed(&w, "drop_rate", s.drop_rate, 4);
	ctx_jsonw_close(&w, '}');

	if ((err = write_top_warnings(&w, r)) < 0)
		return err;
	ctx_jsonw_close(&w, '}');
	if (w.err)
		return w.err;
	return r || !id ? 0 : -ENOENT;
}

const struct ctx_hist *
ctx_agg_hist(const struct ctx_agg *a, const char *id, const char *cmd)
{
	const struct run *r = find_run(a, &id);
	const struct ctx_strmap_entry *en = r ? ctx_strmap_find(&r->cmds, cmd, strlen(cmd)) : NULL;

	return en ? &((const struct run_cmd *)en->value)->hist : NULL;
}

/* ---- Prometheus text format ---- */

/* A label value with backslash, quote and newline escaped. The values are names the
 * aggregate cleaned as it counted them (plain: valid UTF-8, which promtool and
 * node_exporter require of every byte of the file), the segment id and our own words. */
static void
prom_label(struct ctx_buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			ctx_buf_add(out, "\\", 1);
		if (*s == '\n')
			ctx_buf_add(out, "\\n", 2);
		else
			ctx_buf_add(out, s, 1);
	}
}

/* A metrics.json key as a Prometheus counter name: ctx_<key>, "_count" -> "_total". */
static void
prom_name(const char *key, char *out, size_t size)
{
	size_t n = strlen(key);

	if (n > 6 && strcmp(key + n - 6, "_count") == 0)
		snprintf(out, size, "ctx_%.*s_total", (int)(n - 6), key);
	else if (n > 6 && strcmp(key + n - 6, "_total") == 0)
		snprintf(out, size, "ctx_%s", key);
	else
		snprintf(out, size, "ctx_%s_total", key);
}

/* The start of a series: its name and labels, the workspace's segment_id first (so that
 * the files of several workspaces on one machine never name the same series), then up to
 * two of the caller's (k NULL: none), and the space before the value. */
static void
prom_series(struct ctx_buf *out, const char *name, const char *seg, const char *k1, const char *v1,
    const char *k2, const char *v2)
{
	const char *keys[] = { seg && *seg ? "segment_id" : NULL, k1, k2 };
	const char *values[] = { seg, v1, v2 };
	bool open = false;

	ctx_buf_adds(out, name);
	for (int i = 0; i < 3; i++) {
		if (!keys[i])
			continue;
		ctx_buf_addf(out, "%s%s=\"", open ? "," : "{", keys[i]);
		prom_label(out, values[i]);
		ctx_buf_adds(out, "\"");
		open = true;
	}
	ctx_buf_adds(out, open ? "} " : " ");
}

static void
prom_header(struct ctx_buf *out, const char *name, const char *type, const char *help)
{
	ctx_buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A gauge of the last run with one value (the same text as last_run.json's: a rate with
 * its decimals, else the shortest form). */
static void
prom_gauge(struct ctx_buf *out, const char *name, const char *seg, const char *help, double v, int decimals)
{
	char num[40];

	prom_header(out, name, "gauge", help);
	prom_series(out, name, seg, NULL, NULL, NULL, NULL);
	if (decimals > 0)
		ctx_json_format_fixed(v, decimals, num, sizeof num);
	else
		ctx_json_format_double(v, num, sizeof num);
	ctx_buf_addf(out, "%s\n", num);
}

/* Seconds since the epoch of an RFC 3339 ts (2026-01-01T12:00:00.123Z as ctx-emit writes
 * it; any fraction or none, Z or an offset), 0 when it is none. */
static double
ts_seconds(const char *ts)
{
	struct tm tm = { 0 };
	const char *rest = strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm);
	double frac = 0;

	if (!rest)
		return 0;
	if (*rest == '.') {
		size_t n = strspn(rest + 1, "0123456789");
		for (size_t i = n; i > 0; i--)
			frac = (frac + (rest[i] - '0')) / 10;
		rest += 1 + n;
	}
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return 0;
	if (strcmp(rest, "Z") == 0 || strcmp(rest, "z") == 0)
		return (double)t + frac;
	/* An offset, +hh:mm or -hh:mm: the local time less the offset is UTC. */
	if ((*rest != '+' && *rest != '-') || strlen(rest) != 6 || rest[3] != ':' ||
	    strspn(rest + 1, "0123456789") != 2 || strspn(rest + 4, "0123456789") != 2)
		return 0;
	int offset = ((rest[1] - '0') * 10 + (rest[2] - '0')) * 3600 + ((rest[4] - '0') * 10 + (rest[5] - '0')) * 60;
	return (double)t - (*rest == '-' ? -offset : offset) + frac;
}

int
ctx_agg_prom(const struct ctx_agg *a, const char *id, const char *seg, struct ctx_buf *out)
{
	static const struct ctx_strmap no_cmds;
	static const struct counters zero;
	struct ctx_strmap keys = { 0 };
	struct kv *kv = NULL;
	size_t n = 0;
	char name[160], num[40], help[200];
	const struct run *r = find_run(a, &id);
	int err = counter_pairs(&a->total, &no_cmds, false, a->malformed, (long)a->runs.n, &keys, &kv, &n);

	/* The counters: the same names on every machine (no cmd of the log makes a name). */
	for (size_t i = 0; i < n && !err; i++) {
		prom_name(kv[i].key, name, sizeof name);
		snprintf(help, sizeof help, "metrics.json %s, over the whole event log.", kv[i].key);
		prom_header(out, name, "counter", help);
		prom_series(out, name, seg, NULL, NULL, NULL, NULL);
		err = ctx_buf_addf(out, "%ld\n", kv[i].value);
	}
	free(kv);
	ctx_strmap_release(&keys);
	if (err)
		return err;
	prom_header(out, "ctx_cmd_events_total", "counter", "Events in the log, by cmd.");
	for (size_t i = 0; i < a->cmds.n; i++) {
		prom_series(out, "ctx_cmd_events_total", seg, "cmd", a->cmds.entries[i].key, NULL, NULL);
		ctx_buf_addf(out, "%ld\n", a->cmds.entries[i].count);
	}

	/* The last run, as gauges: present (0) when there is no run, so that a rule on them
	 * (a stale run, a fallback rate) sees every machine. */
	const struct counters *c = r ? &r->c : &zero;
	struct run_summary s;
	summarize(r, c, &s);
	prom_gauge(out, "ctx_last_run_timestamp_seconds", seg, "Time of the last run's last event (0: no run).",
	    r ? ts_seconds(r->ts_last) : 0, 0);
	prom_gauge(out, "ctx_last_run_events", seg, "Events of the last run.", (double)c->events, 0);
	prom_gauge(out, "ctx_last_run_ast_cache_hit_ratio", seg, "last_run.json ast.ast_cache_hit_rate.",
	    s.hit_rate, 3);
	prom_gauge(out, "ctx_last_run_lsp_requests", seg, "last_run.json lsp.lsp_request_count.",
	    (double)c->lsp_request, 0);
	prom_gauge(out, "ctx_last_run_lsp_ready_ratio", seg, "last_run.json lsp.lsp_ready_rate.", s.ready_rate, 3);
	prom_gauge(out, "ctx_last_run_lsp_timeout_ratio", seg, "last_run.json lsp.lsp_timeout_rate.",
	    s.timeout_rate, 3);
	prom_gauge(out, "ctx_last_run_lsp_fallback_ratio", seg, "last_run.json lsp.lsp_fallback_rate.",
	    s.fallback_rate, 3);
	prom_gauge(out, "ctx_last_run_telemetry_dropped", seg, "last_run.json telemetry_drops.lock_skipped.",
	    (double)c->lock_skipped, 0);
	prom_header(out, "ctx_last_run_lsp_fallbacks", "gauge", "Fallback answers of the last run, by reason.");
	for (size_t i = 0; r && i < r->reasons.n; i++) {
		prom_series(out, "ctx_last_run_lsp_fallbacks", seg, "reason", r->reasons.entries[i].key, NULL, NULL);
		ctx_buf_addf(out, "%ld\n", r->reasons.entries[i].count);
	}

	prom_header(out, "ctx_last_run_latency_seconds", "summary", "Latency of the last run's operations, by cmd.");
	struct ctx_buf max = { 0 };
	prom_header(&max, "ctx_last_run_latency_max_seconds", "gauge", "Slowest operation of the last run, by cmd.");
	for (size_t i = 0; r && i < r->cmds.n && !err; i++) {
		const struct run_cmd *rc = r->cmds.entries[i].value;
		const char *cmd = r->cmds.entries[i].key;
		struct ctx_summary sum;
		if (rc->hist.n == 0 || (err = ctx_hist_summary(&rc->hist, &sum)) < 0)
			continue;
		const double q[] = { sum.p50, sum.p95 };
		const char *qn[] = { "0.5", "0.95" };
		for (int k = 0; k < 2; k++) {
			prom_series(out, "ctx_last_run_latency_seconds", seg, "cmd", cmd, "quantile", qn[k]);
			ctx_json_format_double(q[k] / 1000, num, sizeof num);
			ctx_buf_addf(out, "%s\n", num);
		}
		prom_series(out, "ctx_last_run_latency_seconds_sum", seg, "cmd", cmd, NULL, NULL);
		ctx_json_format_double(sum.sum / 1000, num, sizeof num);
		ctx_buf_addf(out, "%s\n", num);
		prom_series(out, "ctx_last_run_latency_seconds_count", seg, "cmd", cmd, NULL, NULL);
		ctx_buf_addf(out, "%ld\n", sum.count);
		prom_series(&max, "ctx_last_run_latency_max_seconds", seg, "cmd", cmd, NULL, NULL);
		ctx_json_format_double(sum.max / 1000, num, sizeof num);
		ctx_buf_addf(&max, "%s\n", num);
	}
	if (!err)
		err = ctx_buf_add(out, max.data, max.len);
	ctx_buf_release(&max);
	return err;
}
