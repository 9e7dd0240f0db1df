#include "mcp.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "err.h"
#include "json.h"
#include "mcplsp.h"
#include "mcptools.h"
#include "utf8.h"
#include "version.h"

#define MS 1000000LL

/* JSON-RPC 2.0's codes. */
enum { PARSE_ERROR = -32700, INVALID_REQUEST = -32600, METHOD_NOT_FOUND = -32601, INVALID_PARAMS = -32602 };

/* The revisions we speak, newest first: an initialize asking for another gets the first. */
static const char *const versions[] = { "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05" };

/* The client's lines, read as they come. Lines before scan were looked at for
 * cancellations and pings while a call was running; those handled then are blanked. */
struct reader {
	int fd;
	struct ctx_buf buf;
	size_t at, scan;
	bool eof, overlong;
};

struct server {
	const struct ctx_mcp_opts *o;
	struct reader in;
	const char *version; /* negotiated; NULL before initialize */
	bool failed_out;     /* the answers cannot be written */
	int rc;
	char **cancelled;    /* ids (as JSON) of requests cancelled before they were served */
	size_t ncancelled;
	struct ctx_mcp_call *current; /* the call in progress, if any */
	struct ctx_mcp_lsp *lsp;      /* the link to the warm daemon (o->server set) */
};

/* ---- writing ---- */

static void
send_line(struct server *sv, const struct ctx_buf *b)
{
	if (sv->failed_out || !b->data)
		return;
	if (fwrite(b->data, 1, b->len, sv->o->out) != b->len || fputc('\n', sv->o->out) == EOF ||
	    fflush(sv->o->out) != 0) {
		sv->failed_out = true;
		sv->rc = -EIO;
	}
}

/* An id as the request gave it: a number or a string, written back the same. */
static void
write_id(struct ctx_buf *b, const cJSON *id)
{
	bool number = id && cJSON_IsNumber(id);

	if (id && cJSON_IsString(id))
		ctx_utf8_write_json(b, id->valuestring, strlen(id->valuestring));
	else if (number && fabs(id->valuedouble) < 9e15 && id->valuedouble == floor(id->valuedouble))
		ctx_buf_addf(b, "%lld", (long long)id->valuedouble);
	else if (number)
		ctx_buf_addf(b, "%.17g", id->valuedouble);
	else
		ctx_buf_adds(b, "null"); /* none, or not an id */
}

static void
send_error(struct server *sv, const cJSON *id, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
send_error(struct server *sv, const cJSON *id, int code, const char *fmt, ...)
{
	struct ctx_buf b = { 0 }, msg = { 0 };
	va_list ap;

	va_start(ap, fmt);
	ctx_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	ctx_buf_adds(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
	write_id(&b, id);
	ctx_buf_addf(&b, ",\"error\":{\"code\":%d,\"message\":", code);
	ctx_utf8_write_json(&b, msg.data ? msg.data : "", msg.len);
	ctx_buf_adds(&b, "}}");
	send_line(sv, &b);
	ctx_buf_release(&b);
	ctx_buf_release(&msg);
}

static void
send_result(struct server *sv, const cJSON *id, const char *result, size_t len)
{
	struct ctx_buf b = { 0 };

	ctx_buf_adds(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
	write_id(&b, id);
	ctx_buf_adds(&b, ",\"result\":");
	ctx_buf_add(&b, result, len);
	ctx_buf_adds(&b, "}");
	send_line(sv, &b);
	ctx_buf_release(&b);
}

/* ---- reading ---- */

/* Read what is there (the descriptor is readable). */
static void
read_more(struct reader *r)
{
	char chunk[65536];
	ssize_t n = read(r->fd, chunk, sizeof chunk);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		r->eof = true;
		return;
	}
	/* What was consumed goes, so memory holds what is unread, not all that came. (A line
	 * being served was parsed already: moving it is harmless.) */
	if (r->at > 0 && (r->at == r->buf.len || r->at >= sizeof chunk)) {
		memmove(r->buf.data, r->buf.data + r->at, r->buf.len - r->at);
		ctx_buf_truncate(&r->buf, r->buf.len - r->at);
		r->scan -= r->at;
		r->at = 0;
	}
	if (ctx_buf_add(&r->buf, chunk, (size_t)n) != 0)
		r->eof = true; /* out of memory: as if the client had gone */
}

/* The line at r->at when it is whole (or the last one, at the end), NUL-terminated in
 * place, and its length (a NUL inside it is the client's): 1; 0 when more must be read;
 * -1 at the end. A line over CTX_MCP_MAX_LINE is given as "" with *overlong set, its rest
 * skipped. */
static int
take_line(struct reader *r, char **line, size_t *len, bool *overlong)
{
	*overlong = false;
	*len = 0;
	for (;;) {
		size_t left = r->buf.len - r->at;
		char *p = left ? r->buf.data + r->at : NULL;
		char *nl = left ? memchr(p, '\n', left) : NULL;
		if (r->overlong) { /* skipping the rest of a long line */
			r->at = nl ? (size_t)(nl - r->buf.data) + 1 : r->buf.len;
			if (!nl)
				return r->eof ? -1 : 0;
			r->overlong = false;
			continue;
		}
		if (!nl && left > CTX_MCP_MAX_LINE) {
			r->overlong = true;
			*overlong = true;
			*line = (char *)"";
			r->at = r->buf.len;
			return 1;
		}
		if (!nl && !(r->eof && left))
			return r->eof && !left ? -1 : 0;
		if (!nl) { /* the last line, without its '\n' */
			ctx_buf_add(&r->buf, "", 1);
			nl = r->buf.data + r->buf.len - 1;
			p = r->buf.data + r->at;
		}
		*nl = '\0';
		*line = p;
		*len = (size_t)(nl - p);
		r->at = (size_t)(nl - r->buf.data) + 1;
		if (r->scan < r->at)
			r->scan = r->at;
		return 1;
	}
}

/* ---- cancellation ---- */

static char *
id_key(const cJSON *id)
{
	struct ctx_buf b = { 0 };

	write_id(&b, id);
	return b.data; /* NULL when out of memory */
}

static bool
take_cancelled(struct server *sv, const cJSON *id)
{
	char *key = id_key(id);
	bool found = false;

	for (size_t i = 0; key && i < sv->ncancelled; i++) {
		if (strcmp(sv->cancelled[i], key) != 0)
			continue;
		free(sv->cancelled[i]);
		sv->cancelled[i] = sv->cancelled[--sv->ncancelled];
		found = true;
		break;
	}
	free(key);
	return found;
}

/* notifications/cancelled: the running call ends now, unanswered; a request not yet served
 * is never served. An id we do not know (answered already) is ignored, as the
 * specification allows. The list is bounded: a client that cancels what it never sent
 * cannot grow it past 1024 ids (the oldest go). */
static void
cancel(struct server *sv, const cJSON *params)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(params, "requestId");
	char *key;

	if (!cJSON_IsString(id) && !cJSON_IsNumber(id))
		return;
	if (sv->current && ctx_mcp_call_is(sv->current, id)) {
		ctx_mcp_call_cancel(sv->current);
		return;
	}
	if (!(key = id_key(id)))
		return;
	if (sv->ncancelled == 1024) {
		free(sv->cancelled[0]);
		memmove(sv->cancelled, sv->cancelled + 1, --sv->ncancelled * sizeof *sv->cancelled);
	}
	char **p = realloc(sv->cancelled, (sv->ncancelled + 1) * sizeof *p);
	if (!p) {
		free(key);
		return;
	}
	sv->cancelled = p;
	sv->cancelled[sv->ncancelled++] = key;
}

/* ---- the methods ---- */

static void
initialize(struct server *sv, const cJSON *id, const cJSON *params)
{
	const cJSON *asked = cJSON_GetObjectItemCaseSensitive(params, "protocolVersion");
	struct ctx_buf b = { 0 };

	if (sv->version) {
		send_error(sv, id, INVALID_REQUEST, "already initialized");
		return;
	}
	if (!cJSON_IsString(asked)) {
		send_error(sv, id, INVALID_PARAMS, "initialize: params.protocolVersion must be a string");
		return;
	}
	sv->version = versions[0];
	for (size_t i = 0; i < sizeof versions / sizeof *versions; i++)
		if (strcmp(asked->valuestring, versions[i]) == 0)
			sv->version = versions[i];
	ctx_buf_addf(&b,
	    "{\"protocolVersion\":\"%s\",\"capabilities\":{\"tools\":{\"listChanged\":false}},"
	    "\"serverInfo\":{\"name\":\"ctx-mcp\",\"title\":\"ctx tools\",\"version\":\"%s\"},"
	    "\"instructions\":",
	    sv->version, CTX_VERSION);
	ctx_json_write_string(&b, ctx_mcp_instructions, strlen(ctx_mcp_instructions));
	ctx_buf_adds(&b, "}");
	send_result(sv, id, b.data, b.len);
	ctx_buf_release(&b);
}

/* Revisions from 2025-06-18 on have output schemas and structured content. */
static bool
structured(const struct server *sv)
{
	return strcmp(sv->version, "2025-06-18") >= 0;
}

static void
list_tools(struct server *sv, const cJSON *id)
{
	struct ctx_buf b = { 0 };

	ctx_buf_adds(&b, "{\"tools\":");
	ctx_mcp_tools_json(&b, structured(sv));
	ctx_buf_adds(&b, "}");
	send_result(sv, id, b.data, b.len);
	ctx_buf_release(&b);
}

/* While a call runs: the client's new lines are looked at for a cancellation (of this call
 * or one queued) and for pings, answered at once; both are then blanked out. */
static void
scan_lines(struct server *sv)
{
	struct reader *r = &sv->in;

	for (;;) {
		size_t left = r->buf.len - r->scan;
		char *p = left ? r->buf.data + r->scan : NULL;
		char *nl = left ? memchr(p, '\n', left) : NULL;
		if (!nl || r->overlong || r->scan < r->at)
			return;
		/* Only well-formed messages are taken now; the rest is served in its turn. */
		cJSON *m = memchr(p, '\0', (size_t)(nl - p)) ? NULL : cJSON_ParseWithLength(p, (size_t)(nl - p));
		const cJSON *method = cJSON_GetObjectItemCaseSensitive(m, "method");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
		const cJSON *rpc = cJSON_GetObjectItemCaseSensitive(m, "jsonrpc");
		bool valid = cJSON_IsString(rpc) && !strcmp(rpc->valuestring, "2.0") && cJSON_IsString(method);
		bool handled = false;
		if (valid && !id && !strcmp(method->valuestring, "notifications/cancelled")) {
			cancel(sv, cJSON_GetObjectItemCaseSensitive(m, "params"));
			handled = true;
		} else if (valid && (cJSON_IsString(id) || cJSON_IsNumber(id)) &&
		    !strcmp(method->valuestring, "ping")) {
			send_result(sv, id, "{}", 2);
			handled = true;
		}
		cJSON_Delete(m);
		if (handled)
			memset(p, ' ', (size_t)(nl - p));
		r->scan = (size_t)(nl - r->buf.data) + 1;
	}
}

/* Wait for the call's child, the client's lines and a stop signal until deadline (ns). */
static void
wait_call(void *arg, struct pollfd *child, int nchild, int64_t deadline)
{
	struct server *sv = arg;
	struct pollfd p[4];
	int n = 0;

	for (int i = 0; i < nchild && i < 2; i++)
		p[n++] = child[i];
	int in_at = n, stop_at = n + 1;
	/* A client that sends more than two long lines' worth while a call runs is not read
	 * until the call ends: memory stays bounded. */
	bool full = sv->in.buf.len - sv->in.at > 2 * (size_t)CTX_MCP_MAX_LINE;
	p[n++] = (struct pollfd){ sv->in.eof || full ? -1 : sv->in.fd, POLLIN, 0 };
	p[n++] = (struct pollfd){ sv->o->stop_fd, POLLIN, 0 };
	int64_t left = (deadline - ctx_clock_ns()) / MS;
	int ready = poll(p, (nfds_t)n, (int)(left < 0 ? 0 : left > INT_MAX ? INT_MAX : left));
	if (ready <= 0)
		return;
	for (int i = 0; i < nchild && i < 2; i++)
		child[i].revents = p[i].revents;
	/* At the end of the client's input the call goes on: what was asked is answered, as
	 * the other tools answer what they read before their input ended. */
	if (p[in_at].revents) {
		read_more(&sv->in);
		scan_lines(sv);
	}
	if (p[stop_at].revents)
		ctx_mcp_call_cancel(sv->current);
}

static void
call_tool(struct server *sv, const cJSON *id, const cJSON *params)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(params, "name");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "arguments");

	if (!cJSON_IsString(name)) {
		send_error(sv, id, INVALID_PARAMS, "tools/call: params.name must be a string");
		return;
	}
	if (args && !cJSON_IsObject(args) && !cJSON_IsNull(args)) {
		send_error(sv, id, INVALID_PARAMS, "tools/call: params.arguments must be an object");
		return;
	}
	struct ctx_mcp_env env = {
		.o = sv->o, .lsp = sv->lsp, .structured = structured(sv), .wait = wait_call, .wait_arg = sv,
	};
	struct ctx_mcp_call *c = ctx_mcp_call_new(&env, name->valuestring, id);
	if (!c) {
		send_error(sv, id, INVALID_PARAMS, "unknown tool '%s': tools/list names them", name->valuestring);
		return;
	}
	sv->current = c;
	struct ctx_buf result = { 0 };
	bool answered = ctx_mcp_call_run(c, cJSON_IsObject(args) ? args : NULL, &result);
	sv->current = NULL;
	if (answered)
		send_result(sv, id, result.data, result.len);
	ctx_buf_release(&result);
	ctx_mcp_call_free(c);
}

/* A request of the client's. */
static void
serve(struct server *sv, const cJSON *id, const char *method, const cJSON *params)
{
	if (!strcmp(method, "ping"))
		send_result(sv, id, "{}", 2);
	else if (!strcmp(method, "initialize"))
		initialize(sv, id, params);
	else if (!sv->version)
		send_error(sv, id, INVALID_REQUEST, "not initialized: send initialize first");
	else if (!strcmp(method, "tools/list"))
		list_tools(sv, id);
	else if (!strcmp(method, "tools/call"))
		call_tool(sv, id, params);
	else
		send_error(sv, id, METHOD_NOT_FOUND, "method not found: %s", method);
}

static void
handle(struct server *sv, const char *line, size_t len, bool overlong)
{
	if (overlong) {
		send_error(sv, NULL, PARSE_ERROR, "message longer than %d bytes", CTX_MCP_MAX_LINE);
		sv->rc = CTX_REJECTED;
		return;
	}
	if (!line[strspn(line, " \t\r")])
		return;
	if (strlen(line) != len) {
		send_error(sv, NULL, PARSE_ERROR, "a NUL byte in the message (at byte %zu)", strlen(line));
		sv->rc = CTX_REJECTED;
		return;
	}
	const char *end = NULL;
	cJSON *m = cJSON_ParseWithOpts(line, &end, true);
	if (!m) {
		send_error(sv, NULL, PARSE_ERROR, "not JSON (at byte %ld)", end ? (long)(end - line) : 0L);
		sv->rc = CTX_REJECTED;
		return;
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(m, "method");
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");
	const cJSON *jsonrpc = cJSON_GetObjectItemCaseSensitive(m, "jsonrpc");
	bool id_ok = !id || cJSON_IsString(id) || (cJSON_IsNumber(id) && isfinite(id->valuedouble));
	if (!cJSON_IsObject(m) || !id_ok || !cJSON_IsString(jsonrpc) || strcmp(jsonrpc->valuestring, "2.0") != 0 ||
	    (method && !cJSON_IsString(method)) || (params && !cJSON_IsObject(params) && !cJSON_IsArray(params))) {
		send_error(sv, id_ok ? id : NULL, INVALID_REQUEST,
		    cJSON_IsArray(m) ? "batches are not supported: one message a line"
				     : "not a JSON-RPC 2.0 request (jsonrpc \"2.0\", method, id, params)");
		sv->rc = CTX_REJECTED;
	} else if (!method || !id) {
		/* A response (we send no requests: nothing to match it with) or a notification
		 * (never answered). */
		if (method && !strcmp(method->valuestring, "notifications/cancelled"))
			cancel(sv, params);
	} else if (!take_cancelled(sv, id)) { /* one cancelled before it was served gets no answer */
		serve(sv, id, method->valuestring, params);
	}
	cJSON_Delete(m);
}

int
ctx_mcp_run(const struct ctx_mcp_opts *o)
{
	struct server sv = { .o = o, .in = { .fd = o->in_fd }, .lsp = o->server ? ctx_mcp_lsp_new(o) : NULL };
	char *line;
	size_t len;
	bool overlong;

	while (!sv.failed_out) {
		/* A signal ends the session before the next message, even one read already. */
		struct pollfd stop = { o->stop_fd, POLLIN, 0 };
		if (o->stop_fd >= 0 && poll(&stop, 1, 0) > 0)
			break;
		int got = take_line(&sv.in, &line, &len, &overlong);
		if (got < 0)
			break;
		if (got > 0) {
			handle(&sv, line, len, overlong);
			continue;
		}
		struct pollfd p[2] = { { o->in_fd, POLLIN, 0 }, { o->stop_fd, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (p[0].revents)
			read_more(&sv.in);
	}
	ctx_mcp_lsp_free(sv.lsp);
	for (size_t i = 0; i < sv.ncancelled; i++)
		free(sv.cancelled[i]);
	free(sv.cancelled);
	ctx_buf_release(&sv.in.buf);
	return sv.rc;
}
