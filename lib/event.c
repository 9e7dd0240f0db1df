#include "event.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "sha256.h"
#include "utf8.h"
#include "workspace.h"

/* The keys of a normalised line, in their order, and the legacy key that is dropped. */
static const char *const known_keys[] = {
	"ts", "run_id", "segment_id", "cmd", "args", "result", "timing_ms", "warnings", "x", "segment",
};

#define MAX_WARNINGS 5
#define MAX_TIMING_MS 1e15 /* thirty thousand years: anything larger is not a duration */

bool
ctx_event_cmd_valid(const char *cmd)
{
	size_t n = strlen(cmd);

	if (n == 0 || n > CTX_CMD_MAX || cmd[0] == '.' || cmd[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = cmd[i];
		if (c == '.' ? cmd[i + 1] == '.' : !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* Append the run id s as a JSON string; one that is not valid (the tools check
 * CTX_RUN_ID, this is the last guard) with every other byte as '_', cut to the maximum. */
static int
add_run_id(struct ctx_buf *out, const char *s)
{
	size_t n = strlen(s), k = 0;
	char safe[CTX_RUN_ID_MAX];

	if (ctx_workspace_run_id_ok(s, n))
		return ctx_json_write_string(out, s, n);
	for (; k < n && k < sizeof safe; k++) {
		safe[k] = '_';
		if (ctx_workspace_run_id_ok(s + k, 1))
			safe[k] = s[k];
	}
	return k ? ctx_json_write_string(out, safe, k) : ctx_json_write_string(out, "_", 1);
}

bool
ctx_event_cmd_critical(const char *cmd)
{
	size_t n = strlen(cmd);

	return strcmp(cmd, "lsp.ready") == 0 || strcmp(cmd, "file.read") == 0 ||
	    strncmp(cmd, "telemetry.", 10) == 0 || (n >= 4 && strcmp(cmd + n - 4, ".end") == 0);
}

static bool
is_segment_id(const struct ctx_json *v)
{
	if (v->type != CTX_JSON_STRING || v->len != 8)
		return false;
	for (int i = 0; i < 8; i++)
		if (!((v->str[i] >= '0' && v->str[i] <= '9') || (v->str[i] >= 'a' && v->str[i] <= 'f')))
			return false;
	return true;
}

static bool
is_known(const struct ctx_json *m)
{
	for (size_t i = 0; i < sizeof known_keys / sizeof *known_keys; i++)
		if (strcmp(m->key, known_keys[i]) == 0)
			return true;
	return false;
}

static int
reject(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return CTX_REJECTED;
}

/* The first member name that an object holds twice, or NULL. */
static const char *
duplicate_key(const struct ctx_json *o)
{
	for (const struct ctx_json *a = o->child; a; a = a->next)
		for (const struct ctx_json *b = a->next; b; b = b->next)
			if (a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0)
				return a->key;
	return NULL;
}

/* Whether the date of a time stamp that ctx_clock_parse_ts took ("YYYY-MM-DD..." with the
 * month in 1..12 and the day in 1..31) is on the calendar: no 30 February, no 31 April. */
static bool
date_exists(const char *ts)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long y = strtol(ts, NULL, 10); /* four digits: ctx_clock_parse_ts took them */
	int mo = (ts[5] - '0') * 10 + (ts[6] - '0'), d = (ts[8] - '0') * 10 + (ts[9] - '0');
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return d <= days[mo - 1] + (mo == 2 && leap);
}

/* Whether the parser stopped at s[bad] because the nesting went deeper than it takes: the
 * text before is valid JSON so far (the parser read it), and opens that many levels. */
static bool
too_deep(const char *s, size_t len, size_t bad)
{
	int depth = 0;
	bool in_string = false;

	if (bad >= len || (s[bad] != '[' && s[bad] != '{'))
		return false;
	for (size_t i = 0; i < bad; i++) {
		if (in_string) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_string = false;
		} else if (s[i] == '"') {
			in_string = true;
		} else if (s[i] == '[' || s[i] == '{') {
			depth++;
		} else if (s[i] == ']' || s[i] == '}') {
			depth--;
		}
	}
	return depth >= CTX_JSON_MAX_DEPTH;
}

/* The parts of an event, checked; pointers into the parsed input. */
struct parts {
	struct ctx_json *cmd, *run, *seg, *legacy_seg, *args, *result, *timing, *warnings, *x;
	char ts[CTX_TS_LEN];
	char segment[9];
	long long timing_ms;
};

static int
check(const struct ctx_event_env *env, struct ctx_json *in, struct parts *p, char *why, size_t whylen)
{
	struct ctx_json *ts = ctx_json_get(in, "ts");
	int64_t ms;

	p->cmd = ctx_json_get(in, "cmd");
	p->run = ctx_json_get(in, "run_id");
	p->seg = ctx_json_get(in, "segment_id");
	p->legacy_seg = ctx_json_get(in, "segment");
	p->args = ctx_json_get(in, "args");
	p->result = ctx_json_get(in, "result");
	p->timing = ctx_json_get(in, "timing_ms");
	p->warnings = ctx_json_get(in, "warnings");
	p->x = ctx_json_get(in, "x");

	if (!p->cmd)
		return reject(why, whylen, "missing \"cmd\"");
	if (p->cmd->type != CTX_JSON_STRING)
		return reject(why, whylen, "\"cmd\" is not a string");
	if (!ctx_event_cmd_valid(p->cmd->str))
		return reject(why, whylen, "bad \"cmd\" \"%.64s\": want lowercase dotted words, at most 64 bytes",
		    p->cmd->str);
	if (!ts)
		ms = ctx_clock_wall_ms();
	else if (ts->type != CTX_JSON_STRING || ctx_clock_parse_ts(ts->str, &ms) < 0 || !date_exists(ts->str))
		return reject(why, whylen, "bad \"ts\": want an ISO 8601 date-time");
	ctx_clock_format_ts(ms, p->ts);
	if (p->run && (p->run->type != CTX_JSON_STRING || !ctx_workspace_run_id_ok(p->run->str, p->run->len)))
		return reject(why, whylen, "bad \"run_id\": want 1 to %d of A-Z a-z 0-9 . _ : -", CTX_RUN_ID_MAX);
	if (p->seg && !is_segment_id(p->seg))
		return reject(why, whylen, "bad \"segment_id\": want 8 lowercase hex digits");
	if (p->timing) {
		double t = p->timing->type == CTX_JSON_NUMBER ? strtod(p->timing->str, NULL) : -1;
		if (!(t >= 0 && t <= MAX_TIMING_MS))
			return reject(why, whylen, "bad \"timing_ms\": want a number >= 0");
		p->timing_ms = llround(t);
	}
	static const char *const objects[] = { "args", "result", "x" };
	struct ctx_json *objs[] = { p->args, p->result, p->x };
	for (int i = 0; i < 3; i++)
		if (objs[i] && objs[i]->type != CTX_JSON_OBJECT)
			return reject(why, whylen, "bad \"%s\": want an object", objects[i]);
	if (p->warnings && p->warnings->type != CTX_JSON_ARRAY)
		return reject(why, whylen, "bad \"warnings\": want an array of strings");
	for (const struct ctx_json *w = p->warnings ? p->warnings->child : NULL; w; w = w->next)
		if (w->type != CTX_JSON_STRING)
			return reject(why, whylen, "bad \"warnings\": want an array of strings");

	if (p->seg)
		memcpy(p->segment, p->seg->str, 9);
	else if (p->legacy_seg && p->legacy_seg->type == CTX_JSON_STRING)
		ctx_workspace_segment_id(p->legacy_seg->str, p->segment); /* the path itself is dropped */
	else
		memcpy(p->segment, env->segment_id, 9);
	return 0;
}

/* Move every unknown top-level member of `in` to the end of x (created if needed). */
static int
move_extras(struct ctx_arena *a, struct ctx_json *in, struct parts *p, char *why, size_t whylen)
{
	struct ctx_json **tail;

	if (!p->x && !(p->x = ctx_json_new(a, CTX_JSON_OBJECT, NULL, 0)))
		return -ENOMEM;
	for (tail = &p->x->child; *tail; tail = &(*tail)->next)
		;
	for (struct ctx_json *m = in->child, *next; m; m = next) {
		next = m->next;
		if (is_known(m))
			continue;
		if (ctx_json_get(p->x, m->key))
			return reject(why, whylen, "\"%.64s\" is both a top-level key and a key of \"x\"", m->key);
		m->next = NULL;
		*tail = m;
		tail = &m->next;
	}
	return 0;
}

static int
add_key(struct ctx_buf *out, const char *k)
{
	return ctx_buf_adds(out, k);
}

/* Write the normalised line for parts p. */
static int
write_line(const struct ctx_event_env *env, const struct parts *p, struct ctx_buf *out)
{
	static const struct ctx_json empty = { .type = CTX_JSON_OBJECT };
	int err = 0;

	err |= add_key(out, "{\"ts\":\"");
	err |= ctx_buf_add(out, p->ts, CTX_TS_LEN - 1);
	err |= add_key(out, "\",\"run_id\":");
	err |= p->run ? ctx_json_write_string(out, p->run->str, p->run->len) : add_run_id(out, env->run_id);
	err |= add_key(out, ",\"segment_id\":\"");
	err |= ctx_buf_add(out, p->segment, 8);
	err |= add_key(out, "\",\"cmd\":");
	err |= ctx_json_write_string(out, p->cmd->str, p->cmd->len);
	err |= add_key(out, ",\"args\":");
	err |= ctx_json_write(out, p->args ? p->args : &empty);
	err |= add_key(out, ",\"result\":");
	err |= ctx_json_write(out, p->result ? p->result : &empty);
	if (p->timing) {
		char num[24], *o = num + sizeof num;
		long long v = p->timing_ms; /* >= 0 */
		do
			*--o = (char)('0' + v % 10);
		while ((v /= 10) > 0);
		err |= add_key(out, ",\"timing_ms\":");
		err |= ctx_buf_add(out, o, (size_t)(num + sizeof num - o));
	}
	err |= add_key(out, ",\"warnings\":[");
	int nw = 0;
	for (const struct ctx_json *w = p->warnings ? p->warnings->child : NULL; w && nw < MAX_WARNINGS;
	     w = w->next, nw++) {
		err |= nw ? ctx_buf_add(out, ",", 1) : 0;
		err |= ctx_json_write_string(out, w->str, w->len);
	}
	err |= add_key(out, "],\"x\":");
	err |= ctx_json_write(out, p->x);
	err |= add_key(out, "}\n");
	return err ? -ENOMEM : 0;
}

int
ctx_event_normalize(const struct ctx_event_env *env, struct ctx_arena *a, const char *line,
    size_t len, struct ctx_buf *out, bool *critical, char *why, size_t whylen)
{
	struct parts p = { 0 };
	size_t bad, start = out->len;
	struct ctx_json *in;
	const char *dup;
	int rc;

	ctx_arena_reset(a);
	if (!ctx_utf8_valid(line, len, &bad))
		return reject(why, whylen, "invalid UTF-8 at byte %zu", bad + 1);
	if (!(in = ctx_json_parse(a, line, len, &bad)) && too_deep(line, len, bad))
		return reject(why, whylen, "too deep: more than %d nested arrays and objects (at byte %zu)",
		    CTX_JSON_MAX_DEPTH, bad + 1);
	if (!in)
		return reject(why, whylen, "not JSON (at byte %zu)", bad < len ? bad + 1 : len);
	if (in->type != CTX_JSON_OBJECT)
		return reject(why, whylen, "not a JSON object");
	if ((dup = duplicate_key(in)) != NULL)
		return reject(why, whylen, "duplicate key \"%.64s\"", dup);
	if ((rc = check(env, in, &p, why, whylen)) != 0 || (rc = move_extras(a, in, &p, why, whylen)) != 0)
		return rc;
	if (p.warnings)
		p.warnings->key = "warnings"; /* free text: cut like any other string */
	struct ctx_json *redacted[] = { p.args, p.result, p.warnings, p.x };
	for (int i = 0; i < 4; i++)
		if ((rc = ctx_redact_tree(env->redact, a, redacted[i])) < 0)
			return rc;
	if ((rc = write_line(env, &p, out)) < 0) {
		ctx_buf_truncate(out, start);
		return rc;
	}
	if (out->len - start - 1 > CTX_EVENT_MAX_LINE) {
		size_t n = out->len - start - 1;
		ctx_buf_truncate(out, start);
		return reject(why, whylen, "line of %zu bytes after redaction, over the limit of %d", n,
		    CTX_EVENT_MAX_LINE);
	}
	*critical = ctx_event_cmd_critical(p.cmd->str);
	return 0;
}

int
ctx_event_drop_line(const struct ctx_event_env *env, long dropped, long attempted, struct ctx_buf *out)
{
	char ts[CTX_TS_LEN];
	int err;

	ctx_clock_format_ts(ctx_clock_wall_ms(), ts);
	err = ctx_buf_addf(out, "{\"ts\":\"%s\",\"run_id\":", ts);
	err |= add_run_id(out, env->run_id);
	err |= ctx_buf_addf(out, ",\"segment_id\":\"%s\",\"cmd\":\"telemetry.drop\",\"args\":{},"
				 "\"result\":{\"dropped\":%ld,\"attempted\":%ld},\"timing_ms\":0,"
				 "\"warnings\":[],\"x\":{}}\n",
	    env->segment_id, dropped, attempted);
	return err ? -ENOMEM : 0;
}
