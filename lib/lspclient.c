#include "lspclient.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>

#include "buf.h"
#include "clock.h"
#include "json.h"
#include "jsonrpc.h"
#include "path.h"
#include "safeopen.h"
#include "sha256.h"
#include "pyresolve.h"
#include "symindex.h"
#include "child.h"
#include "declresolve.h"
#include "lang.h"
#include "lspshape.h"
#include "lsptext.h"
#include "utf8.h"
#include "workspace.h"

#define MS 1000000LL
#define MAX_FILE_BYTES (16 * 1024 * 1024) /* the largest file sent to the server */
#define EXIT_GRACE_MS 1500 /* after "exit": pylsp takes 700-800 ms after a recent didOpen */

enum state { COLD, WARMING, READY, FAILED, CLOSED };
static const char *const state_names[] = { "COLD", "WARMING", "READY", "FAILED", "CLOSED" };

/* Phases of the end of a session. */
enum phase { RUNNING, DRAINING, SHUTDOWN_SENT, EXIT_SENT, TERMINATED, KILLED, REAPED };
/* How the server ended, for lsp.shutdown. */
static const char *const endings[] = { "clean", "clean", "clean", "clean", "terminated", "killed", "clean" };

/* Who asked: the one caller (fd -1: the session's in_fd and out), or a daemon's client. */
struct client {
	int fd;
	struct ctx_buf in, out;     /* a socket client's unread input and unwritten answers */
	bool greeted;               /* its hello line was read */
	bool eof;                   /* its input ended (it may still read answers) */
	bool gone;                  /* it hung up: its requests are cancelled, it is closed */
	bool skipping;              /* the rest of a line over CTX_LSP_MAX_LINE is skipped */
	bool wants_events;
	bool control;               /* a status or stop connection, not a client of the session */
	long seq;                   /* request lines taken */
	char *run_id;               /* its CTX_RUN_ID, for the events its requests cause */
	int timeout_ms, ready_timeout_ms;
	struct client *next;
};

struct req {
	struct client *c;
	long seq;            /* the client's seq-th request line */
	cJSON *id;           /* the caller's id, echoed */
	char *method;        /* as the caller wrote it ("" when not a string) */
	char *file;          /* root-relative, or NULL */
	long line, col;
	char *query;
	int64_t arrived, sent, deadline; /* sent 0 while queued; deadline once sent */
	long server_id;      /* 0 until sent */
	bool waits_diagnostics;
	const char *resolution; /* a fallback's definition or hover: how it was resolved (SPEC.md §11) */
	const char *reason;     /* a fallback answer's: why the server did not answer (§11) */
	struct req *next;    /* in arrival order */
};

struct session {
	const struct ctx_lsp_opts *o;
	enum state state;
	enum phase phase;
	const char *fail_reason;
	struct ctx_child srv;      /* the server */
	bool spawned_once;
	const char *ended; /* "clean", "terminated" or "killed" once reaped */
	struct ctx_jsonrpc_decoder dec;
	struct ctx_buf outq;
	long next_id, init_id, shutdown_id;
	bool initialized, saw_diagnostics;
	enum ctx_lsp_encoding encoding; /* of Position.character */
	int64_t started, spawned, phase_deadline, shutdown_began;
	struct req *reqs;
	struct ctx_lsp_doc *docs;
	struct ctx_symindex *index;  /* symbols and workspace_symbols from the fallback */
	struct ctx_pyindex *pyindex; /* definition and hover from the fallback: Python */
	struct ctx_declindex *declindex; /* C, Go, JavaScript, TypeScript */
	bool index_failed;
	long requests, timeouts, fallbacks, restarts, inflight;
	int rc; /* 0, CTX_REJECTED once an answer said error, -EIO once one could not be written */
	/* Who asked. */
	struct client caller;       /* the one caller (one-shot) */
	struct client *clients;     /* a daemon's */
	int listen_fd;              /* a daemon's, -1 once it stops accepting */
	bool stopping;              /* no new clients nor requests: answer, then shut down */
	bool out_closed;
	const char *cause;          /* the run id of the client whose request came last */
	int64_t last_request, root_checked, accept_after;
};

/* ---- events ---- */

/* An event of the session (the server's life), with the run id of the client whose request
 * came last (none: the session's own). */
static void
event(struct session *s, const char *cmd, const char *args, const char *result, long timing, const char *x)
{
	ctx_evstream_emit_as(s->o->events, s->cause, cmd, args, result, timing, x);
}

/* Queue text for a daemon's client; a client that reads nothing for 64 MiB is dropped. */
static void
to_client(struct client *c, const char *text, size_t len)
{
	if (c->gone)
		return;
	if (c->out.len > 64u * 1024 * 1024 || ctx_buf_add(&c->out, text, len) < 0)
		c->gone = true;
}

static bool
req_events_on(const struct session *s, const struct req *r)
{
	return r->c->fd >= 0 ? r->c->wants_events : ctx_evstream_on(s->o->events);
}

/* An event of a request: to the client that asked, which writes it to its own stream. */
static void
req_event(struct session *s, const struct req *r, const char *cmd, const char *args, const char *result,
    long timing, const char *x)
{
	if (r->c->fd < 0) {
		ctx_evstream_emit(s->o->events, cmd, args, result, timing, x);
		return;
	}
	if (!r->c->wants_events)
		return;
	struct ctx_buf b = { 0 };
	ctx_buf_addf(&b, "E {\"cmd\":\"%s\",\"args\":%s,\"result\":%s,\"timing_ms\":%ld,\"x\":%s}\n", cmd,
	    args ? args : "{}", result ? result : "{}", timing, x ? x : "{}");
	if (b.data)
		to_client(r->c, b.data, b.len);
	ctx_buf_release(&b);
}

static void
set_state(struct session *s, enum state to, const char *reason)
{
	char result[160];

	if (s->state == to)
		return;
	snprintf(result, sizeof result, "{\"from\":\"%s\",\"to\":\"%s\",\"reason\":\"%s\"}", state_names[s->state],
	    state_names[to], reason);
	s->state = to;
	if (to == FAILED && !s->fail_reason)
		s->fail_reason = reason;
	event(s, "lsp.state_change", NULL, result, -1, NULL);
}

/* ---- the wire ---- */

static void
trace(struct session *s, const char *dir, const char *body, size_t len)
{
	if (s->o->trace) {
		fprintf(s->o->trace, "%.3f %s %.*s\n", (double)(ctx_clock_ns() - s->spawned) / MS, dir, (int)len, body);
		fflush(s->o->trace);
	}
}

static void
send_msg(struct session *s, cJSON *msg)
{
	char *text = cJSON_PrintUnformatted(msg);

	if (text && s->srv.in >= 0) {
		trace(s, "-->", text, strlen(text));
		ctx_jsonrpc_frame(&s->outq, text, strlen(text));
	}
	free(text);
	cJSON_Delete(msg);
}

static cJSON *
message(void)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "jsonrpc", "2.0");
	return m;
}

static long
send_request(struct session *s, const char *method, cJSON *params)
{
	cJSON *m = message();
	long id = ++s->next_id;

	cJSON_AddNumberToObject(m, "id", (double)id);
	cJSON_AddStringToObject(m, "method", method);
	cJSON_AddItemToObject(m, "params", params ? params : cJSON_CreateObject());
	send_msg(s, m);
	return id;
}

static void
send_notification(struct session *s, const char *method, cJSON *params)
{
	cJSON *m = message();

	cJSON_AddStringToObject(m, "method", method);
	cJSON_AddItemToObject(m, "params", params ? params : cJSON_CreateObject());
	send_msg(s, m);
}

static void
send_response(struct session *s, const cJSON *id, cJSON *result, int code, const char *error)
{
	cJSON *m = message();

	cJSON_AddItemToObject(m, "id", cJSON_Duplicate(id, 1));
	if (error) {
		cJSON *e = cJSON_AddObjectToObject(m, "error");
		cJSON_AddNumberToObject(e, "code", code);
		cJSON_AddStringToObject(e, "message", error);
		cJSON_Delete(result);
	} else {
		cJSON_AddItemToObject(m, "result", result ? result : cJSON_CreateNull());
	}
	send_msg(s, m);
}

/* Write what is queued for the server, as much as it takes now. */
static void
flush_server(struct session *s)
{
	while (s->outq.len > 0 && s->srv.in >= 0) {
		ssize_t w = write(s->srv.in, s->outq.data, s->outq.len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0) { /* the server closed its input: it is going or gone */
			ctx_child_close(&s->srv.in);
			ctx_buf_truncate(&s->outq, 0);
			return;
		}
		memmove(s->outq.data, s->outq.data + w, s->outq.len - (size_t)w);
		ctx_buf_truncate(&s->outq, s->outq.len - (size_t)w);
	}
}

/* ---- files, URIs, positions ---- */

static char *
uri_of(const struct session *s, const char *file)
{
	return ctx_lsp_uri_of(s->o->root, file);
}

static char *
file_of(const struct session *s, const char *uri)
{
	return ctx_lsp_file_of(s->o->root, uri);
}

/* The absolute path of a root-relative (or absolute) file, in path. 0 or -ENOMEM. */
static int
abs_path(const struct session *s, const char *file, struct ctx_buf *path)
{
	return file[0] == '/' ? ctx_buf_adds(path, file) : ctx_buf_addf(path, "%s/%s", s->o->root, file);
}

/* Read a file of the workspace: 0, a refusal (outside the root, denylisted, not a regular
 * file, too large: never opened or never read), or -errno. */
static int
read_file(const struct session *s, const char *file, struct ctx_buf *out)
{
	struct ctx_buf path = { 0 };
	int err = abs_path(s, file, &path);

	if (err == 0)
		err = ctx_wsfile_read(s->o->root, path.data, MAX_FILE_BYTES, out, NULL);
	ctx_buf_release(&path);
	return err;
}

/* A refusal when the file named by a request lies outside the root (after resolving ".."
 * and symlinks) or under a denylisted directory, else 0 (a missing file is read later,
 * and fails there). */
static int
refused_file(const struct session *s, const char *file)
{
	struct ctx_buf path = { 0 };
	char *real = NULL;
	int rc;

	if (abs_path(s, file, &path) < 0)
		return 0; /* out of memory: the read that follows fails too */
	rc = ctx_wsfile_resolve(s->o->root, path.data, &real);
	free(real);
	if (rc == -ENOENT) { /* missing: outside when it is outside lexically */
		ctx_path_normalize(path.data);
		rc = ctx_path_under(path.data, s->o->root) ? 0 : CTX_REFUSED_OUTSIDE_ROOT;
	}
	ctx_buf_release(&path);
	return rc > 0 ? rc : 0;
}

/* Open the file with the server the first time it is named; send its new text when it
 * changed on disk. NULL when it cannot be read, with *rc saying why (read_file). */
static struct ctx_lsp_doc *
sync_doc(struct session *s, const char *file, int *rc)
{
	struct ctx_lsp_doc *d;
	struct ctx_buf now = { 0 };
	int change;

	if ((*rc = read_file(s, file, &now)) != 0 ||
	    (change = ctx_lsp_docs_update(&s->docs, s->o->root, file, &now, &d)) < 0) {
		ctx_buf_release(&now);
		return NULL;
	}
	if (change == CTX_LSP_SAME)
		return d;
	cJSON *params = cJSON_CreateObject(), *td = cJSON_AddObjectToObject(params, "textDocument");
	cJSON_AddStringToObject(td, "uri", d->uri);
	if (change == CTX_LSP_OPENED) {
		const struct ctx_lang *l = ctx_lang_for_path(file);
		cJSON_AddStringToObject(td, "languageId", l ? l->lsp_id : "plaintext");
		cJSON_AddNumberToObject(td, "version", d->version);
		cJSON_AddStringToObject(td, "text", d->text.data ? d->text.data : "");
		send_notification(s, "textDocument/didOpen", params);
	} else {
		cJSON_AddNumberToObject(td, "version", d->version);
		cJSON *change_ = cJSON_CreateObject();
		cJSON_AddStringToObject(change_, "text", d->text.data ? d->text.data : "");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(params, "contentChanges"), change_);
		send_notification(s, "textDocument/didChange", params);
	}
	return d;
}

/* ---- answers ---- */

static void
remove_req(struct session *s, struct req *r)
{
	for (struct req **p = &s->reqs; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
	if (r->server_id && !r->waits_diagnostics)
		s->inflight--;
	cJSON_Delete(r->id);
	free(r->method);
	free(r->file);
	free(r->query);
	free(r);
}

/* The methods a caller may ask. */
static const char *const methods_known[] = {
	"definition", "references", "hover", "symbols", "workspace_symbols", "diagnostics", "status",
};

static bool
known_method(const char *m)
{
	for (size_t i = 0; i < sizeof methods_known / sizeof *methods_known; i++)
		if (!strcmp(m, methods_known[i]))
			return true;
	return false;
}

/* Write the answer to r and forget r. result is JSON text (NULL: null). */
static void
answer(struct session *s, struct req *r, const char *status, const char *backend, const char *result, long count,
    const char *error)
{
	struct ctx_buf b = { 0 };
	char *id = r->id ? cJSON_PrintUnformatted(r->id) : NULL;
	int64_t now = ctx_clock_ns();
	long elapsed = (long)((now - r->arrived) / MS), waited = (long)(((r->sent ? r->sent : now) - r->arrived) / MS);
	bool failed = strcmp(status, "error") == 0;

	if (r->c->fd >= 0)
		ctx_buf_addf(&b, "A %ld %d ", r->seq, failed);
	ctx_buf_addf(&b, "{\"id\":%s,\"method\":", id ? id : "null");
	ctx_utf8_write_json(&b, r->method, strlen(r->method));
	ctx_buf_addf(&b,
	    ",\"status\":\"%s\",\"backend\":\"%s\",\"state\":\"%s\",\"elapsed_ms\":%ld,\"queue_ms\":%ld,\"result\":%s",
	    status, backend, state_names[s->state], elapsed, waited, result ? result : "null");
	if (r->reason && !failed)
		ctx_buf_addf(&b, ",\"reason\":\"%s\"", r->reason);
	if (r->resolution)
		ctx_buf_addf(&b, ",\"resolution\":\"%s\"", r->resolution);
	if (error) {
		ctx_buf_adds(&b, ",\"error\":");
		ctx_utf8_write_json(&b, error, strlen(error));
	}
	ctx_buf_adds(&b, "}\n");
	if (!b.data)
		s->rc = -ENOMEM;
	else if (r->c->fd >= 0)
		to_client(r->c, b.data, b.len);
	else if (s->out_closed || fwrite(b.data, 1, b.len, s->o->out) != b.len || fflush(s->o->out) != 0)
		s->rc = -EIO;
	if (failed && s->rc == 0)
		s->rc = CTX_REJECTED;
	/* An event per request of a known method (not status); a malformed one is only answered.
	 * Its timing is the server's time (send to answer), or the wait when it was never sent. */
	if (strcmp(r->method, "status") != 0 && known_method(r->method) && req_events_on(s, r)) {
		struct ctx_buf args = { 0 }, res = { 0 }, x = { 0 }, cmd = { 0 };
		ctx_buf_adds(&args, "{\"file\":");
		ctx_utf8_write_json(&args, r->file ? r->file : "", r->file ? strlen(r->file) : 0);
		ctx_buf_addf(&args, ",\"line\":%ld,\"col\":%ld}", r->line, r->col);
		ctx_buf_addf(&res, "{\"status\":\"%s\",\"results\":%ld}", status, count);
		ctx_buf_addf(&x, "{\"backend\":\"%s\",\"queue_ms\":%ld,\"elapsed_ms\":%ld}", backend, waited, elapsed);
		ctx_buf_addf(&cmd, "lsp.%s", r->method);
		req_event(s, r, cmd.data, args.data, res.data, (long)((now - (r->sent ? r->sent : r->arrived)) / MS),
		    x.data);
		ctx_buf_release(&args);
		ctx_buf_release(&res);
		ctx_buf_release(&x);
		ctx_buf_release(&cmd);
	}
	free(id);
	ctx_buf_release(&b);
	remove_req(s, r);
}

static bool
has_fallback(const char *method)
{
	return !strcmp(method, "definition") || !strcmp(method, "hover") || !strcmp(method, "symbols") ||
	    !strcmp(method, "workspace_symbols");
}

/* definition or hover from pyresolve (Python) or declresolve (C, Go, JavaScript,
 * TypeScript), right or silent (SPEC.md §11): the answer in out, its resolution in r.
 * Returns the count of results, or -ENOMEM. */
static long
resolve_fallback(struct session *s, struct req *r, struct ctx_buf *out)
{
	bool hover = strcmp(r->method, "hover") == 0;
	const struct ctx_lang *lang = r->file ? ctx_lang_for_path(r->file) : NULL;
	int res = CTX_RES_UNRESOLVED;

	if (lang && strcmp(lang->name, "python") == 0) {
		if (!s->pyindex && !(s->pyindex = ctx_pyindex_new(s->o->root)))
			return -ENOMEM;
		res = hover ? ctx_pyindex_hover(s->pyindex, r->file, r->line, r->col, out)
			    : ctx_pyindex_definition(s->pyindex, r->file, r->line, r->col, out);
		if (res < 0)
			return res;
	} else if (lang && lang->grammar) {
		if (!s->declindex && !(s->declindex = ctx_declindex_new(s->o->root)))
			return -ENOMEM;
		res = hover ? ctx_declindex_hover(s->declindex, r->file, r->line, r->col, out)
			    : ctx_declindex_definition(s->declindex, r->file, r->line, r->col, out);
		if (res < 0)
			return res;
	} else {
		ctx_buf_adds(out, hover ? "null" : "[]");
	}
	r->resolution = ctx_resolution_name(res);
	return res == CTX_RES_RESOLVED;
}

/* Answer from the fallback (definition, hover, symbols, workspace_symbols), or with an
 * error for what it cannot answer. */
static void
fallback(struct session *s, struct req *r, const char *reason)
{
	char args[96], result[160];
	struct ctx_buf out = { 0 };
	long n = 0;
	const char *error = NULL;

	snprintf(args, sizeof args, "{\"method\":\"%s\"}", r->method);
	s->fallbacks++;
	if (!strcmp(r->method, "definition") || !strcmp(r->method, "hover")) {
		if ((n = resolve_fallback(s, r, &out)) < 0)
			error = "out of memory";
	} else if (has_fallback(r->method)) {
		if (!s->index && !s->index_failed) {
			int err;
			if (s->o->index)
				s->index = ctx_symindex_load(s->o->index, s->o->root, &err);
			else
				s->index = ctx_symindex_build(s->o->root, &err);
			s->index_failed = !s->index;
		}
		if (!s->index)
			error = "no skeleton index";
		else if (!strcmp(r->method, "workspace_symbols"))
			n = ctx_symindex_workspace(s->index, r->query ? r->query : "", &out);
		else
			n = ctx_symindex_symbols(s->index, r->file, &out);
	}
	if (r->resolution)
		snprintf(result, sizeof result, "{\"reason\":\"%s\",\"resolution\":\"%s\"}", reason, r->resolution);
	else
		snprintf(result, sizeof result, "{\"reason\":\"%s\"}", reason);
	req_event(s, r, "lsp.fallback", args, result, -1, NULL);
	r->reason = reason;
	if (!has_fallback(r->method))
		answer(s, r, "error", "lsp", NULL, 0, reason);
	else if (error)
		answer(s, r, "error", "ast", NULL, 0, error);
	else
		answer(s, r, "fallback", "ast", out.data, n, NULL);
	ctx_buf_release(&out);
}

/* ---- results from the server, in our shapes ---- */

static struct ctx_lsp_shaper
shaper(const struct session *s)
{
	return (struct ctx_lsp_shaper){ s->o->root, s->encoding, s->docs, MAX_FILE_BYTES };
}

/* Answer r with a shaped result (NULL: out of memory). */
static void
answer_shaped(struct session *s, struct req *r, cJSON *out, long n)
{
	char *json = out ? cJSON_PrintUnformatted(out) : NULL;

	if (!json)
		answer(s, r, "error", "lsp", NULL, 0, "out of memory");
	else
		answer(s, r, n ? "ok" : "empty", "lsp", json, n, NULL);
	free(json);
	cJSON_Delete(out);
}

static void
answer_diagnostics(struct session *s, struct req *r, const struct ctx_lsp_doc *d)
{
	struct ctx_lsp_shaper sh = shaper(s);
	cJSON *list = ctx_lsp_shape_diagnostics(&sh, d->diagnostics, &d->text);

	answer_shaped(s, r, list, cJSON_GetArraySize(list));
}

/* Answer r from the server's result. */
static void
answer_result(struct session *s, struct req *r, const cJSON *result)
{
	struct ctx_lsp_shaper sh = shaper(s);
	long n = 0;
	cJSON *out = ctx_lsp_shape(&sh, r->method, result, r->file, &n);

	answer_shaped(s, r, out, n);
}

/* ---- requests ---- */

/* Send r to the server: true when it is now outstanding there; else it was answered (and
 * freed) or waits for diagnostics. */
static bool
send_req(struct session *s, struct req *r)
{
	static const struct { const char *ours, *lsp; } methods[] = {
		{ "definition", "textDocument/definition" }, { "references", "textDocument/references" },
		{ "hover", "textDocument/hover" }, { "symbols", "textDocument/documentSymbol" },
	};
	cJSON *params = cJSON_CreateObject();
	struct ctx_lsp_doc *d;
	int rc = 0;

	/* Its deadline runs from now: time in our queue is not the server's. */
	r->sent = ctx_clock_ns();
	r->deadline = r->sent + (int64_t)(s->state == READY ? r->c->timeout_ms : r->c->ready_timeout_ms) * MS;
	if (!strcmp(r->method, "workspace_symbols")) {
		cJSON_AddStringToObject(params, "query", r->query ? r->query : "");
		r->server_id = send_request(s, "workspace/symbol", params);
		return true;
	}
	/* Every other method names a file (take_request saw to it). */
	if (!r->file || !(d = sync_doc(s, r->file, &rc))) {
		cJSON_Delete(params);
		answer(s, r, "error", "lsp", NULL, 0, rc > 0 ? ctx_refusal_token(rc) : "cannot read the file");
		return false;
	}
	if (!strcmp(r->method, "diagnostics")) {
		cJSON_Delete(params);
		r->waits_diagnostics = true; /* answered when the server publishes, or at the deadline */
		if (d->diagnostics)
			answer_diagnostics(s, r, d);
		return false;
	}
	cJSON *td = cJSON_AddObjectToObject(params, "textDocument");
	cJSON_AddStringToObject(td, "uri", d->uri);
	if (strcmp(r->method, "symbols") != 0) {
		cJSON *pos = cJSON_AddObjectToObject(params, "position");
		cJSON_AddNumberToObject(pos, "line", (double)(r->line - 1));
		long units = ctx_lsp_to_units(s->encoding, &d->text, r->line - 1, r->col - 1);
		cJSON_AddNumberToObject(pos, "character", (double)units);
	}
	if (!strcmp(r->method, "references"))
		cJSON_AddBoolToObject(cJSON_AddObjectToObject(params, "context"), "includeDeclaration", 1);
	for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
		if (!strcmp(methods[i].ours, r->method))
			r->server_id = send_request(s, methods[i].lsp, params);
	return true;
}

static bool
queued(const struct req *r)
{
	return !r->server_id && !r->waits_diagnostics;
}

/* Send queued requests, oldest first, while fewer than max_inflight are at the server. */
static void
pump(struct session *s)
{
	if (!s->initialized || s->srv.in < 0 || s->state == FAILED || s->state == CLOSED)
		return;
	for (struct req *r = s->reqs, *next; r && s->inflight < s->o->max_inflight; r = next) {
		next = r->next;
		if (!queued(r))
			continue;
		if (send_req(s, r)) /* else r may be answered and freed already */
			s->inflight++;
	}
}

static void
status_answer(struct session *s, struct req *r)
{
	struct ctx_buf b = { 0 };

	ctx_buf_addf(&b, "{\"state\":\"%s\",\"server\":", state_names[s->state]);
	ctx_utf8_write_json(&b, s->srv.name, strlen(s->srv.name)); /* a name from outside */
	ctx_buf_addf(&b, ",\"pid\":%ld,\"uptime_ms\":%ld,\"requests\":%ld,\"timeouts\":%ld,\"fallbacks\":%ld}",
	    (long)s->srv.pid, (long)((ctx_clock_ns() - s->spawned) / MS), s->requests, s->timeouts, s->fallbacks);
	answer(s, r, "ok", "lsp", b.data, 1, NULL);
	ctx_buf_release(&b);
}

bool
ctx_lsp_blank_line(const char *line, size_t len)
{
	return strspn(line, " \t\r") >= len; /* stops at the '\n' after the line, or its NUL */
}

static void start_server(struct session *s);

/* A request line from client c (blank lines are not requests). */
static void
take_request(struct session *s, struct client *c, const char *line, size_t len, const char *bad)
{
	cJSON *j = bad ? NULL : cJSON_ParseWithLength(line, len);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "method");
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, "file");
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(j, "query");
	struct req *r = calloc(1, sizeof *r), **tail = &s->reqs;

	if (!r) {
		cJSON_Delete(j);
		s->rc = -ENOMEM;
		return;
	}
	while (*tail)
		tail = &(*tail)->next;
	*tail = r;
	r->c = c;
	r->seq = ++c->seq;
	r->arrived = ctx_clock_ns();
	r->id = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(j, "id"), 1);
	r->method = strdup(cJSON_IsString(m) ? m->valuestring : "");
	r->line = ctx_lsp_num(j, "line");
	r->col = ctx_lsp_num(j, "col");
	r->file = cJSON_IsString(f) ? strdup(f->valuestring) : NULL;
	r->query = cJSON_IsString(q) ? strdup(q->valuestring) : NULL;
	if (bad)
		;
	else if (!r->method || (cJSON_IsString(f) && !r->file) || (cJSON_IsString(q) && !r->query))
		bad = "out of memory";
	else if (!cJSON_IsObject(j))
		bad = "not a JSON object";
	else if (!known_method(r->method))
		bad = "unknown method: want definition, references, hover, symbols, workspace_symbols, diagnostics or "
		      "status";
	else if (!r->file && strcmp(r->method, "workspace_symbols") != 0 && strcmp(r->method, "status") != 0)
		bad = "missing \"file\"";
	else if ((r->line < 1 || r->col < 1) && (!strcmp(r->method, "definition") || !strcmp(r->method, "references") ||
		 !strcmp(r->method, "hover")))
		bad = "\"line\" and \"col\" are 1-based numbers";
	cJSON_Delete(j);
	if (!r->method && (r->method = strdup("")) == NULL) {
		remove_req(s, r);
		s->rc = -ENOMEM;
		return;
	}
	if (bad) {
		answer(s, r, "error", "lsp", NULL, 0, bad);
		return;
	}
	if (!strcmp(r->method, "status")) {
		status_answer(s, r);
		return;
	}
	if (r->file && (r->file[0] == '/' || strncmp(r->file, "file://", 7) == 0)) {
		/* absolute paths and file:// URIs inside the root become relative */
		char *rel = file_of(s, r->file);
		free(r->file);
		r->file = rel;
	}
	int refused = r->file ? refused_file(s, r->file) : 0;
	if (refused) { /* never opened, nor sent to the server, nor read by the fallback */
		answer(s, r, "error", "lsp", NULL, 0, ctx_refusal_token(refused));
		return;
	}
	s->requests++;
	s->last_request = r->arrived;
	s->cause = c->run_id;
	/* A daemon restarts a server that went away, at most once per 5 s after a crash. */
	if (s->listen_fd >= 0 && s->state == FAILED && r->arrived - s->spawned >= 5000 * MS)
		start_server(s);
	if (s->state == FAILED || s->state == CLOSED)
		fallback(s, r, s->fail_reason ? s->fail_reason : "lsp_not_ready");
	else
		pump(s); /* else: it waits in the queue, or for the initialize response */
}

/* ---- the server's messages ---- */

static void
become_ready(struct session *s, const char *via)
{
	char result[64];

	if (s->state != WARMING || !s->initialized)
		return;
	set_state(s, READY, via);
	snprintf(result, sizeof result, "{\"ready_via\":\"%s\"}", via);
	event(s, "lsp.ready", NULL, result, (long)((ctx_clock_ns() - s->spawned) / MS), NULL);
}

static void
on_initialized(struct session *s, const cJSON *result)
{
	const cJSON *caps = cJSON_GetObjectItemCaseSensitive(result, "capabilities"), *c;
	const cJSON *enc = cJSON_GetObjectItemCaseSensitive(caps, "positionEncoding");
	struct ctx_buf names = { 0 };

	/* Servers known to count code points where the protocol says UTF-16 without saying so
	 * (python-lsp-server: palantir/python-language-server#770). */
	static const char *const counts_code_points[] = { "pylsp", "pyls" };
	const char *name = ctx_lsp_str(cJSON_GetObjectItemCaseSensitive(result, "serverInfo"), "name");

	s->initialized = true;
	const char *negotiated = cJSON_IsString(enc) ? enc->valuestring : NULL;
	s->encoding = CTX_LSP_UTF16;
	if (negotiated && !strcmp(negotiated, "utf-8"))
		s->encoding = CTX_LSP_UTF8;
	else if (negotiated && !strcmp(negotiated, "utf-32"))
		s->encoding = CTX_LSP_UTF32;
	else if (!negotiated)
		for (size_t i = 0; i < sizeof counts_code_points / sizeof *counts_code_points; i++)
			if (!strcmp(name, counts_code_points[i]))
				s->encoding = CTX_LSP_UTF32;
	ctx_buf_adds(&names, "{\"status\":\"ok\",\"capabilities\":[");
	int n = 0;
	const cJSON *providers = cJSON_IsObject(caps) ? caps : NULL; /* an array has no names */
	cJSON_ArrayForEach(c, providers) {
		size_t len = strlen(c->string);
		if (len > 8 && !strcmp(c->string + len - 8, "Provider") && !cJSON_IsFalse(c) && !cJSON_IsNull(c)) {
			ctx_buf_adds(&names, n++ ? "," : "");
			ctx_utf8_write_json(&names, c->string, len);
		}
	}
	ctx_buf_adds(&names, "]}");
	event(s, "lsp.initialize", NULL, names.data, (long)((ctx_clock_ns() - s->spawned) / MS), NULL);
	ctx_buf_release(&names);
	send_notification(s, "initialized", NULL);
	cJSON *settings = cJSON_CreateObject();
	cJSON_AddObjectToObject(settings, "settings");
	send_notification(s, "workspace/didChangeConfiguration", settings);
	if (s->saw_diagnostics)
		become_ready(s, "diagnostics");
	pump(s); /* the requests that waited for the handshake */
}

static void
on_published(struct session *s, const cJSON *params)
{
	const cJSON *uri = cJSON_GetObjectItemCaseSensitive(params, "uri");
	const cJSON *diags = cJSON_GetObjectItemCaseSensitive(params, "diagnostics"), *g;
	char *file = file_of(s, cJSON_IsString(uri) ? uri->valuestring : "");
	struct ctx_lsp_doc *d = ctx_lsp_docs_find(s->docs, file);
	struct ctx_buf msgs = { 0 }, args = { 0 }, res = { 0 };
	long count = 0, errors = 0, warnings = 0;
	char hex[65];

	s->saw_diagnostics = true;
	cJSON_ArrayForEach(g, diags) {
		long sev = ctx_lsp_num(g, "severity");
		const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "message"));
		count++;
		errors += sev == 1;
		warnings += sev == 2;
		ctx_buf_addf(&msgs, "%s\n", m ? m : "");
	}
	/* Telemetry carries counts and a hash of the messages, never their text. */
	ctx_sha256_hex(msgs.data ? msgs.data : "", msgs.len, hex);
	ctx_buf_adds(&args, "{\"file\":");
	ctx_utf8_write_json(&args, file, strlen(file));
	ctx_buf_add(&args, "}", 1);
	ctx_buf_addf(&res, "{\"count\":%ld,\"errors\":%ld,\"warnings\":%ld}", count, errors, warnings);
	char x[64];
	snprintf(x, sizeof x, "{\"hash\":\"sha256:%.12s\"}", hex);
	event(s, "lsp.published", args.data, res.data, -1, x);
	if (d) {
		cJSON_Delete(d->diagnostics);
		d->diagnostics = diags ? cJSON_Duplicate(diags, 1) : cJSON_CreateArray();
		for (struct req *r = s->reqs, *next; r; r = next) {
			next = r->next;
			if (r->waits_diagnostics && r->file && !strcmp(r->file, file))
				answer_diagnostics(s, r, d);
		}
	}
	become_ready(s, "diagnostics");
	ctx_buf_release(&msgs);
	ctx_buf_release(&args);
	ctx_buf_release(&res);
	free(file);
}

/* A request from the server: answered, or servers hang. */
static void
on_server_request(struct session *s, const cJSON *id, const char *method, const cJSON *params)
{
	if (!strcmp(method, "workspace/configuration")) {
		cJSON *nulls = cJSON_CreateArray();
		int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(params, "items"));
		for (int i = 0; i < n; i++)
			cJSON_AddItemToArray(nulls, cJSON_CreateNull());
		send_response(s, id, nulls, 0, NULL);
	} else if (!strcmp(method, "window/workDoneProgress/create") || !strcmp(method, "client/registerCapability") ||
		   !strcmp(method, "client/unregisterCapability") || !strcmp(method, "window/showMessageRequest")) {
		send_response(s, id, NULL, 0, NULL);
	} else if (!strcmp(method, "workspace/workspaceFolders")) {
		cJSON *folders = cJSON_CreateArray(), *f = cJSON_CreateObject();
		char *uri = uri_of(s, "");
		size_t n = strlen(uri);
		if (n && uri[n - 1] == '/')
			uri[n - 1] = '\0';
		cJSON_AddStringToObject(f, "uri", uri);
		cJSON_AddStringToObject(
		    f, "name", strrchr(s->o->root, '/') ? strrchr(s->o->root, '/') + 1 : s->o->root);
		cJSON_AddItemToArray(folders, f);
		send_response(s, id, folders, 0, NULL);
		free(uri);
	} else {
		send_response(s, id, NULL, -32601, "method not found");
	}
}

static struct req *
req_by_server_id(struct session *s, long id)
{
	for (struct req *r = s->reqs; r; r = r->next)
		if (r->server_id == id)
			return r;
	return NULL;
}

static void
on_message(struct session *s, const char *body, size_t len)
{
	cJSON *m = cJSON_ParseWithLength(body, len);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(m, "method");
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");

	trace(s, "<--", body, len);
	if (!cJSON_IsObject(m)) {
		cJSON_Delete(m);
		return;
	}
	if (cJSON_IsString(method) && id) {
		on_server_request(s, id, method->valuestring, params);
	} else if (cJSON_IsString(method)) {
		if (!strcmp(method->valuestring, "textDocument/publishDiagnostics"))
			on_published(s, params);
	} else if (id && cJSON_IsNumber(id)) {
		long n = ctx_json_clamp_long(id->valuedouble);
		const cJSON *result = cJSON_GetObjectItemCaseSensitive(m, "result");
		const cJSON *error = cJSON_GetObjectItemCaseSensitive(m, "error");
		struct req *r;
		if (n == s->init_id) {
			if (error)
				set_state(s, FAILED, "lsp_error");
			else
				on_initialized(s, result);
		} else if (n == s->shutdown_id) {
			s->phase_deadline = 0; /* go on to exit now */
		} else if ((r = req_by_server_id(s, n)) != NULL) {
			if (error) {
				fallback(s, r, "lsp_error");
			} else {
				if (!strcmp(r->method, "definition"))
					become_ready(s, "definition");
				answer_result(s, r, result);
			}
		}
		/* else: the answer to a request already answered at its deadline */
	}
	cJSON_Delete(m);
}

/* ---- the process ---- */

static void
send_initialize(struct session *s)
{
	const char *caps_json =
		"{\"general\":{\"positionEncodings\":[\"utf-8\",\"utf-32\",\"utf-16\"]},"
		"\"window\":{\"workDoneProgress\":true},"
		"\"workspace\":{\"configuration\":true,\"workspaceFolders\":true,\"symbol\":{}},"
		"\"textDocument\":{\"synchronization\":{\"didSave\":false},"
		"\"publishDiagnostics\":{\"relatedInformation\":false},"
		"\"definition\":{\"linkSupport\":true},\"references\":{},"
		"\"hover\":{\"contentFormat\":[\"plaintext\",\"markdown\"]},"
		"\"documentSymbol\":{\"hierarchicalDocumentSymbolSupport\":true}}}";
	cJSON *p = cJSON_CreateObject(), *folders = cJSON_CreateArray(), *f = cJSON_CreateObject();
	char *uri = uri_of(s, "");

	uri[strlen(uri) - 1] = '\0'; /* no trailing slash */
	cJSON_AddNumberToObject(p, "processId", (double)getpid());
	cJSON_AddStringToObject(p, "rootUri", uri);
	cJSON_AddStringToObject(p, "rootPath", s->o->root);
	cJSON_AddItemToObject(p, "capabilities", cJSON_Parse(caps_json));
	cJSON_AddStringToObject(f, "uri", uri);
	cJSON_AddStringToObject(f, "name", strrchr(s->o->root, '/') ? strrchr(s->o->root, '/') + 1 : s->o->root);
	cJSON_AddItemToArray(folders, f);
	cJSON_AddItemToObject(p, "workspaceFolders", folders);
	cJSON *info = cJSON_AddObjectToObject(p, "clientInfo");
	cJSON_AddStringToObject(info, "name", "ctx-lsp");
	s->init_id = send_request(s, "initialize", p);
	free(uri);
}

/* The server is gone or unusable: every waiting request gets the fallback. */
static void
server_failed(struct session *s, const char *reason)
{
	if (s->state != FAILED && s->state != CLOSED)
		set_state(s, FAILED, reason);
	while (s->reqs)
		fallback(s, s->reqs, reason);
	ctx_child_close(&s->srv.in);
}

/* Bytes from the server: false when they cannot be trusted (garbage, a lying
 * Content-Length), and the server is failed. */
static bool
from_server(struct session *s, const char *p, size_t n)
{
	const char *body;
	size_t len;
	int rc;

	ctx_jsonrpc_feed(&s->dec, p, n);
	while ((rc = ctx_jsonrpc_next(&s->dec, &body, &len)) == CTX_JSONRPC_MESSAGE)
		on_message(s, body, len);
	if (rc >= 0)
		return true;
	ctx_child_close(&s->srv.out);
	ctx_child_signal(&s->srv, SIGTERM);
	server_failed(s, "lsp_error");
	return false;
}

static void
read_server(struct session *s)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(s->srv.out, chunk, sizeof chunk)) > 0)
		if (!from_server(s, chunk, (size_t)n))
			return;
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		ctx_child_close(&s->srv.out);
		if (s->phase < SHUTDOWN_SENT) /* else: it is going because we asked */
			server_failed(s, "server_exited");
	}
}

/* ---- who asks ---- */

/* The status of a daemon (§10), without "running" and "socket", which its client adds. */
static void
daemon_status(struct session *s, struct ctx_buf *b)
{
	int64_t now = ctx_clock_ns();
	long clients = 0;

	for (const struct client *c = s->clients; c; c = c->next)
		clients += c->greeted && !c->gone && !c->control;
	ctx_buf_addf(b, "{\"pid\":%ld,\"server\":", (long)getpid());
	ctx_utf8_write_json(b, s->srv.name, strlen(s->srv.name)); /* a name from outside */
	ctx_buf_addf(b,
	    ",\"server_pid\":%ld,\"state\":\"%s\",\"uptime_ms\":%ld,\"session_ms\":%ld,\"idle_ms\":%ld,"
	    "\"idle_ttl_s\":%d,\"max_inflight\":%d,\"queue_timeout_ms\":%d,\"clients\":%ld,\"requests\":%ld,"
	    "\"timeouts\":%ld,\"fallbacks\":%ld,\"restarts\":%ld,\"warm\":%s}",
	    (long)s->srv.pid, state_names[s->state], (long)((now - s->started) / MS),
	    (long)((now - s->spawned) / MS), (long)((now - s->last_request) / MS), s->o->idle_ttl_s,
	    s->o->max_inflight, s->o->queue_timeout_ms, clients, s->requests, s->timeouts, s->fallbacks, s->restarts,
	    s->state == READY ? "true" : "false");
	/* The daemon's own settings, told to a client that asks for others. */
	const char *paths[][2] = { { "index", s->o->index }, { "trace", s->o->trace_path } };
	ctx_buf_truncate(b, b->len - 1);
	for (int i = 0; i < 2; i++) {
		ctx_buf_addf(b, ",\"%s\":", paths[i][0]);
		if (paths[i][1])
			ctx_utf8_write_json(b, paths[i][1], strlen(paths[i][1]));
		else
			ctx_buf_adds(b, "null");
	}
	ctx_buf_adds(b, "}");
}

/* Stop: no new clients; what waits is answered at once; then the §7 shutdown. */
static void
begin_stop(struct session *s)
{
	s->stopping = true;
	if (s->listen_fd >= 0) {
		close(s->listen_fd); /* a new client is refused now, and starts a daemon of its own */
		s->listen_fd = -1;
	}
}

static long
clamp_ms(const cJSON *o, const char *key, long dflt)
{
	long v = ctx_lsp_num(o, key);
	return v >= 1 && v <= 3600000 ? v : dflt;
}

/* A first line that is not a hello of this protocol: said, and nothing more is read. */
static void
reject(struct client *c)
{
	static const char no[] = "H {\"error\":\"not a hello of this protocol\"}\n";

	to_client(c, no, sizeof no - 1);
	c->greeted = c->control = c->eof = true; /* neither a client of the session nor read */
}

/* A client's first line: its hello, or a control. */
static void
greet(struct session *s, struct client *c, const char *line, size_t len)
{
	cJSON *h = cJSON_ParseWithLength(line, len);
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(h, "run_id");
	const char *control = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "control"));
	struct ctx_buf b = { 0 };

	const cJSON *proto = cJSON_GetObjectItemCaseSensitive(h, "proto");

	c->greeted = true;
	c->control = control != NULL;
	if (!cJSON_IsObject(h) || !cJSON_IsNumber(proto) || proto->valuedouble != CTX_LSP_PROTO) {
		reject(c);
		cJSON_Delete(h);
		return;
	}
	if (cJSON_IsString(run) && ctx_workspace_run_id_ok(run->valuestring, strlen(run->valuestring)))
		c->run_id = strdup(run->valuestring);
	c->timeout_ms = (int)clamp_ms(h, "timeout_ms", s->o->timeout_ms);
	c->ready_timeout_ms = (int)clamp_ms(h, "ready_timeout_ms", s->o->ready_timeout_ms);
	c->wants_events = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "events"));
	ctx_buf_adds(&b, control ? "S " : "H ");
	daemon_status(s, &b);
	ctx_buf_adds(&b, "\n");
	if (b.data)
		to_client(c, b.data, b.len);
	ctx_buf_release(&b);
	if (control) { /* answered; the connection ends */
		c->eof = true;
		if (!strcmp(control, "stop"))
			begin_stop(s);
	}
	cJSON_Delete(h);
}

static void
take_line(struct session *s, struct client *c, const char *line, size_t len)
{
	if (ctx_lsp_blank_line(line, len) || (c->fd >= 0 && c->eof))
		return; /* or a line after a rejected hello, in the same read */
	if (c->fd >= 0 && !c->greeted)
		greet(s, c, line, len);
	else
		take_request(s, c, line, len, NULL);
}

/* Requests from c: whole lines are taken; a line over CTX_LSP_MAX_LINE is answered with an
 * error and its rest skipped. */
static void
feed(struct session *s, struct client *c, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;
		if (!c->skipping && c->in.len + k > CTX_LSP_MAX_LINE) {
			ctx_buf_truncate(&c->in, 0);
			c->skipping = true;
			if (c->fd >= 0 && !c->greeted)
				reject(c); /* a hello is never that long */
			else if (!(c->fd >= 0 && c->eof))
				take_request(s, c, NULL, 0, "request line over 1 MiB");
		} else if (!c->skipping && ctx_buf_add(&c->in, p, k) < 0) {
			s->rc = -ENOMEM;
			c->skipping = true;
		}
		if (!nl)
			return;
		if (!c->skipping)
			take_line(s, c, c->in.data ? c->in.data : "", c->in.len);
		ctx_buf_truncate(&c->in, 0);
		c->skipping = false;
		p = nl + 1;
		n -= k + 1;
	}
}

static void
read_client(struct session *s, struct client *c)
{
	char chunk[65536];
	ssize_t n = read(c->fd >= 0 ? c->fd : s->o->in_fd, chunk, sizeof chunk);

	if (n > 0) {
		feed(s, c, chunk, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (c->in.len && !c->skipping)
		take_line(s, c, c->in.data, c->in.len); /* a last line without '\n' */
	ctx_buf_truncate(&c->in, 0);
	c->eof = true;
	if (n < 0 && c->fd >= 0)
		c->gone = true;
}

static void
write_client(struct client *c)
{
	while (c->out.len) {
		ssize_t w = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0) {
			c->gone = true;
			ctx_buf_truncate(&c->out, 0);
			return;
		}
		memmove(c->out.data, c->out.data + w, c->out.len - (size_t)w);
		ctx_buf_truncate(&c->out, c->out.len - (size_t)w);
	}
}

/* A connection to the daemon, from a process of our own user only. */
static void
accept_client(struct session *s)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct client *c;

	if (fd < 0) {
		/* Out of descriptors: the connection stays in the backlog; look again in a while
		 * rather than spin on a listener that stays readable. */
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			s->accept_after = ctx_clock_ns() + 100 * MS;
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != geteuid() ||
	    !(c = calloc(1, sizeof *c))) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->timeout_ms = s->o->timeout_ms;
	c->ready_timeout_ms = s->o->ready_timeout_ms;
	c->next = s->clients;
	s->clients = c;
}

static bool
has_reqs(const struct session *s, const struct client *c)
{
	for (const struct req *r = s->reqs; r; r = r->next)
		if (r->c == c)
			return true;
	return false;
}

/* Close the clients that are done, and those that went away, whose requests are cancelled. */
static void
reap_clients(struct session *s)
{
	for (struct client **p = &s->clients, *c; (c = *p) != NULL;) {
		if (c->gone) {
			for (struct req *r = s->reqs, *next; r; r = next) {
				next = r->next;
				if (r->c != c)
					continue;
				if (r->server_id && !r->waits_diagnostics) {
					cJSON *params = cJSON_CreateObject();
					cJSON_AddNumberToObject(params, "id", (double)r->server_id);
					send_notification(s, "$/cancelRequest", params);
				}
				remove_req(s, r);
			}
		} else if (!((c->eof || s->stopping) && !c->out.len && !has_reqs(s, c))) {
			p = &c->next;
			continue;
		}
		*p = c->next;
		if (s->cause == c->run_id)
			s->cause = NULL;
		close(c->fd);
		ctx_buf_release(&c->in);
		ctx_buf_release(&c->out);
		free(c->run_id);
		free(c);
	}
}

/* True when no request can come any more. */
static bool
inputs_done(const struct session *s)
{
	return s->o->listen_fd >= 0 ? s->stopping && !s->clients : s->caller.eof;
}

/* ---- deadlines and the end ---- */

/* When r is due: its deadline once sent; else, queued, the queue's bound, or while the
 * handshake is not done, the ready timeout. */
static int64_t
due_of(const struct session *s, const struct req *r)
{
	if (s->stopping)
		return 0;
	if (!queued(r))
		return r->deadline;
	return r->arrived + (int64_t)(s->initialized ? s->o->queue_timeout_ms : r->c->ready_timeout_ms) * MS;
}

/* Requests whose deadline has passed: cancel, tell, fall back. */
static void
expire(struct session *s, int64_t now)
{
	for (struct req *r = s->reqs, *next; r; r = next) {
		next = r->next;
		if (due_of(s, r) > now)
			continue;
		if (r->server_id) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddNumberToObject(p, "id", (double)r->server_id);
			send_notification(s, "$/cancelRequest", p);
		}
		if (s->stopping) { /* not a timeout: the session ends before the answer */
			if (has_fallback(r->method))
				fallback(s, r, "shutdown");
			else
				answer(s, r, "timeout", "lsp", NULL, 0, "the session ended before the answer");
			continue;
		}
		if (queued(r)) {
			fallback(s, r, s->initialized ? "queue_timeout" : "lsp_not_ready");
			continue;
		}
		char args[96], result[64], x[64];
		s->timeouts++;
		snprintf(args, sizeof args, "{\"method\":\"%s\"}", r->method);
		snprintf(result, sizeof result, "{\"timeout_ms\":%ld}", (long)((r->deadline - r->sent) / MS));
		snprintf(x, sizeof x, "{\"fallback_to\":\"%s\"}", has_fallback(r->method) ? "ast" : "none");
		req_event(s, r, "lsp.timeout", args, result, -1, x);
		if (has_fallback(r->method))
			fallback(s, r, "lsp_request_timeout");
		else
			answer(s, r, "timeout", "lsp", NULL, 0, "no answer before the deadline");
	}
	pump(s); /* room at the server for the next */
}

static int64_t
next_deadline(const struct session *s)
{
	int64_t t = INT64_MAX;

	for (const struct req *r = s->reqs; r; r = r->next) {
		int64_t due = due_of(s, r);
		t = due < t ? due : t;
	}
	if (s->phase >= SHUTDOWN_SENT && s->phase < REAPED && s->phase_deadline < t)
		t = s->phase_deadline;
	return t;
}

/* The end: shutdown (1 s), exit, SIGTERM to the group after EXIT_GRACE_MS, SIGKILL after
 * 500 ms more. Also reaps a server that died on its own. */
static void
advance_shutdown(struct session *s, int64_t now)
{
	if (s->phase < REAPED && ctx_child_reap(&s->srv)) {
		if (s->phase < SHUTDOWN_SENT) /* it died on its own */
			server_failed(s, "server_exited");
		s->ended = endings[s->phase];
		s->phase = REAPED;
		return;
	}
	if (s->phase == DRAINING && !s->reqs) {
		s->shutdown_began = now;
		if (s->srv.in >= 0 && s->state != FAILED) {
			s->shutdown_id = send_request(s, "shutdown", cJSON_CreateNull());
			s->phase = SHUTDOWN_SENT;
			s->phase_deadline = now + 1000 * MS;
		} else {
			s->phase = EXIT_SENT;
			s->phase_deadline = now;
		}
	} else if (s->phase == SHUTDOWN_SENT && now >= s->phase_deadline) {
		send_notification(s, "exit", NULL);
		s->phase = EXIT_SENT;
		s->phase_deadline = now + EXIT_GRACE_MS * MS;
	} else if (s->phase == EXIT_SENT && now >= s->phase_deadline) {
		ctx_child_signal(&s->srv, SIGTERM);
		s->phase = TERMINATED;
		s->phase_deadline = now + 500 * MS;
	} else if (s->phase == TERMINATED && now >= s->phase_deadline) {
		ctx_child_signal(&s->srv, SIGKILL);
		s->phase = KILLED;
		s->phase_deadline = now + 5000 * MS;
	}
}

static void
free_session(struct session *s)
{
	while (s->reqs)
		remove_req(s, s->reqs);
	while (s->clients) {
		s->stopping = true;
		s->clients->gone = true;
		reap_clients(s);
	}
	ctx_lsp_docs_free(&s->docs);
	ctx_symindex_free(s->index);
	ctx_pyindex_free(s->pyindex);
	ctx_declindex_free(s->declindex);
	ctx_jsonrpc_release(&s->dec);
	ctx_buf_release(&s->outq);
	ctx_buf_release(&s->caller.in);
	ctx_child_release(&s->srv);
	if (s->listen_fd >= 0) /* still listening: ended without begin_stop */
		close(s->listen_fd);
}

/* Spawn the server and start the handshake: the first time, and after a crash. */
static void
start_server(struct session *s)
{
	struct ctx_buf args = { 0 };
	char result[128];
	int err;

	ctx_child_kill(&s->srv); /* a server that failed and has not exited goes now */
	ctx_child_release(&s->srv);
	bool restart = s->spawned_once;
	s->restarts += restart;
	ctx_jsonrpc_release(&s->dec);
	memset(&s->dec, 0, sizeof s->dec);
	ctx_buf_truncate(&s->outq, 0);
	ctx_lsp_docs_free(&s->docs);
	s->initialized = s->saw_diagnostics = false;
	s->init_id = s->shutdown_id = 0;
	s->phase = RUNNING;
	s->ended = NULL;
	s->fail_reason = NULL;
	set_state(s, WARMING, restart ? "restart" : "spawn");
	s->spawned = ctx_clock_ns(); /* also when it fails: lsp.spawn's timing counts from here */
	s->spawned_once = true;
	if (!s->o->server) { /* --no-server: every request is the fallback's, nothing is spawned */
		set_state(s, FAILED, "no_server");
		s->phase = REAPED;
		return;
	}
	err = ctx_child_spawn(&s->srv, s->o->server, s->o->root);
	ctx_buf_adds(&args, "{\"server\":");
	ctx_utf8_write_json(&args, s->srv.name, strlen(s->srv.name)); /* a name from outside */
	ctx_buf_adds(&args, "}");
	snprintf(result, sizeof result, "{\"status\":\"%s\",\"pid\":%ld}", err ? "failed" : "ok",
	    (long)(err ? 0 : s->srv.pid));
	event(s, "lsp.spawn", args.data, result, (long)((ctx_clock_ns() - s->spawned) / MS),
	    restart ? "{\"restart\":true}" : NULL);
	ctx_buf_release(&args);
	if (err) {
		set_state(s, FAILED, err == -ENOENT || err == -EACCES ? "lsp_binary_not_found" : "lsp_spawn_failed");
		s->phase = REAPED;
	} else {
		send_initialize(s);
	}
}

/* Once a second, a daemon looks at its server's handshake, its idle time and its root. */
static void
watch_daemon(struct session *s, int64_t now)
{
	struct stat st;

	if (now - s->root_checked < 1000 * MS)
		return;
	s->root_checked = now;
	/* A server that never finishes its handshake is not waited for by every call: after the
	 * daemon's ready timeout it is failed, and the restart rule applies. */
	if (s->state == WARMING && !s->initialized && now - s->spawned > (int64_t)s->o->ready_timeout_ms * MS) {
		ctx_child_signal(&s->srv, SIGKILL);
		server_failed(s, "lsp_not_ready");
	}
	bool root_gone = stat(s->o->root, &st) != 0 || !S_ISDIR(st.st_mode);
	bool idle = s->o->idle_ttl_s > 0 && !s->reqs && now - s->last_request >= (int64_t)s->o->idle_ttl_s * 1000 * MS;
	if (root_gone || idle)
		begin_stop(s);
}

/* One caller: once its last answer is written, its output is closed, so that a reader sees
 * the end before the server's shutdown (which takes a second or more) is done. */
static void
close_caller(struct session *s)
{
	int fd = fileno(s->o->out), nul;

	if (fflush(s->o->out) != 0)
		s->rc = -EIO;
	if ((nul = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0) {
		dup2(nul, fd);
		close(nul);
	}
	s->out_closed = true;
}

enum { MAX_POLL = 6 };

int
ctx_lsp_run(const struct ctx_lsp_opts *o)
{
	struct session s = {
		.o = o, .srv = { .in = -1, .out = -1, .err = -1 }, .listen_fd = o->listen_fd,
		.caller = { .fd = -1, .timeout_ms = o->timeout_ms, .ready_timeout_ms = o->ready_timeout_ms },
	};
	struct pollfd *p = NULL;
	size_t cap = 0;
	char result[160];

	s.started = s.last_request = s.root_checked = ctx_clock_ns();
	start_server(&s);
	if (o->listen_fd < 0 && o->preload_len)
		feed(&s, &s.caller, o->preload, o->preload_len);

	while (s.phase != REAPED || s.reqs || !inputs_done(&s)) {
		int64_t now = ctx_clock_ns(), due = next_deadline(&s);
		size_t nclients = 0, np = 0;
		for (const struct client *c = s.clients; c; c = c->next)
			nclients++;
		if (cap < MAX_POLL + nclients) {
			cap = (MAX_POLL + nclients) * 2;
			struct pollfd *np_ = realloc(p, cap * sizeof *p);
			if (!np_) {
				s.rc = -ENOMEM;
				break;
			}
			p = np_;
		}
		int i_in = -1, i_out = -1, i_err = -1, i_to = -1, i_stop = -1, i_listen = -1;
		/* Requests are read until they end, whatever became of the server. */
		if (o->listen_fd < 0 && !s.caller.eof)
			p[i_in = (int)np++] = (struct pollfd){ o->in_fd, POLLIN, 0 };
		if (s.srv.out >= 0)
			p[i_out = (int)np++] = (struct pollfd){ s.srv.out, POLLIN, 0 };
		if (s.srv.err >= 0)
			p[i_err = (int)np++] = (struct pollfd){ s.srv.err, POLLIN, 0 };
		if (s.srv.in >= 0 && s.outq.len)
			p[i_to = (int)np++] = (struct pollfd){ s.srv.in, POLLOUT, 0 };
		if (o->stop_fd >= 0 && !s.stopping)
			p[i_stop = (int)np++] = (struct pollfd){ o->stop_fd, POLLIN, 0 };
		if (s.listen_fd >= 0 && now >= s.accept_after)
			p[i_listen = (int)np++] = (struct pollfd){ s.listen_fd, POLLIN, 0 };
		size_t first_client = np;
		for (const struct client *c = s.clients; c; c = c->next) {
			short ev = (short)((c->eof ? 0 : POLLIN) | (c->out.len ? POLLOUT : 0));
			p[np++] = (struct pollfd){ c->fd, ev, 0 };
		}
		/* While the server runs and nothing else is due, look again now and then: its exit
		 * shows on its pipes, but a reaped pid is found by waitpid. */
		int64_t most = s.phase >= SHUTDOWN_SENT ? 10 : o->listen_fd < 0 || s.accept_after > now ? 100 : 1000;
		int64_t wait = due == INT64_MAX ? most : (due - now) / MS + 1;
		if (wait > most)
			wait = most;
		if (poll(p, (nfds_t)np, (int)(wait < 0 ? 0 : wait)) < 0 && errno != EINTR)
			break;
		if (i_out >= 0 && p[i_out].revents)
			read_server(&s);
		if (i_err >= 0 && p[i_err].revents)
			ctx_child_drain_stderr(&s.srv);
		if (i_to >= 0 && p[i_to].revents)
			flush_server(&s);
		if (i_in >= 0 && p[i_in].revents)
			read_client(&s, &s.caller);
		size_t k = first_client;
		for (struct client *c = s.clients; c && k < np; c = c->next, k++) {
			if (p[k].fd != c->fd) /* a client accepted since: not polled this time */
				break;
			if (p[k].revents & POLLIN)
				read_client(&s, c);
			if (p[k].revents & POLLOUT)
				write_client(c);
			if ((p[k].revents & (POLLHUP | POLLERR)) && c->eof)
				c->gone = true;
		}
		if (i_listen >= 0 && (p[i_listen].revents & POLLIN))
			accept_client(&s);
		if (i_stop >= 0 && p[i_stop].revents) {
			s.caller.eof = true;
			begin_stop(&s); /* what waits is answered at once */
		}
		now = ctx_clock_ns();
		expire(&s, now);
		flush_server(&s);
		for (struct client *c = s.clients; c; c = c->next)
			write_client(c);
		if (o->listen_fd >= 0) {
			reap_clients(&s);
			watch_daemon(&s, now);
		} else if (s.caller.eof && !s.reqs && o->close_out && !s.out_closed) {
			close_caller(&s);
		}
		if (inputs_done(&s) && s.phase == RUNNING)
			s.phase = DRAINING;
		if (s.phase >= DRAINING || s.state == FAILED)
			advance_shutdown(&s, now);
	}
	free(p);
	set_state(&s, CLOSED, "shutdown");
	int64_t end = ctx_clock_ns();
	snprintf(result, sizeof result, "{\"status\":\"%s\",\"exit_code\":%d}", s.ended ? s.ended : "clean",
	    s.srv.status);
	char x[64];
	snprintf(x, sizeof x, "{\"session_ms\":%ld}", (long)((end - s.spawned) / MS));
	event(&s, "lsp.shutdown", NULL, result, (long)((end - (s.shutdown_began ? s.shutdown_began : end)) / MS), x);
	if (s.srv.nerr && o->trace)
		fprintf(o->trace, "server stderr, last line: %s\n", ctx_child_last_stderr(&s.srv));
	free_session(&s);
	return s.rc;
}

/* ---- a session without a process ---- */

struct ctx_lsp_session {
	struct session s;
	bool borrowed_index;
};

struct ctx_lsp_session *
ctx_lsp_session_open(const struct ctx_lsp_opts *o, int to_server, struct ctx_symindex *index)
{
	struct ctx_lsp_session *ls = calloc(1, sizeof *ls);

	if (!ls)
		return NULL;
	ls->s = (struct session){
		.o = o, .srv = { .in = to_server, .out = -1, .err = -1 }, .listen_fd = -1, .index = index,
		.caller = { .fd = -1, .timeout_ms = o->timeout_ms, .ready_timeout_ms = o->ready_timeout_ms },
	};
	ls->borrowed_index = index != NULL;
	ls->s.started = ls->s.spawned = ls->s.last_request = ctx_clock_ns();
	set_state(&ls->s, WARMING, "spawn");
	send_initialize(&ls->s);
	return ls;
}

void
ctx_lsp_session_requests(struct ctx_lsp_session *ls, const char *p, size_t n)
{
	struct client *c = &ls->s.caller;

	feed(&ls->s, c, p, n);
	if (c->in.len && !c->skipping)
		take_line(&ls->s, c, c->in.data, c->in.len);
	ctx_buf_truncate(&c->in, 0);
	c->skipping = false;
	flush_server(&ls->s);
}

void
ctx_lsp_session_server(struct ctx_lsp_session *ls, const char *p, size_t n)
{
	if (ls->s.phase < REAPED && ls->s.state != FAILED)
		from_server(&ls->s, p, n);
	flush_server(&ls->s);
}

int
ctx_lsp_session_close(struct ctx_lsp_session *ls)
{
	struct session *s = &ls->s;
	int rc;

	expire(s, INT64_MAX);
	server_failed(s, "server_exited");
	set_state(s, CLOSED, "shutdown");
	if (ls->borrowed_index)
		s->index = NULL;
	free_session(s);
	rc = s->rc;
	free(ls);
	return rc;
}
