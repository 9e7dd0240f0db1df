#include "mcplsp.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"
#include "err.h"
#include "lspdaemon.h"

#define MS 1000000LL
#define RETRY_AFTER_MS 30000 /* after a failed connection, calls go another way this long */

struct ctx_mcp_lsp {
	const struct ctx_mcp_opts *o;
	char exe[PATH_MAX], timeout[24], ready[24];
	char *argv[12];
	struct ctx_lspd_opts dopt;
	/* The relay: the thread reads requests from req[0] and writes answers to ans_w. */
	pthread_t thread;
	bool running;
	int req[2], ans[2], stop[2];
	FILE *ans_w;
	int rc, status;
	char why[PATH_MAX + 128];
	struct ctx_buf rest;
	/* What we read of the answers; the number of the last request sent. */
	struct ctx_buf answers;
	bool ans_eof;
	long seq;
	int64_t failed_at;
	bool abandoned; /* its thread did not end in time: what it uses is never freed */
};

struct ctx_mcp_lsp *
ctx_mcp_lsp_new(const struct ctx_mcp_opts *o)
{
	struct ctx_mcp_lsp *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	l->o = o;
	ctx_child_sibling("ctx-lsp", l->exe, sizeof l->exe);
	snprintf(l->timeout, sizeof l->timeout, "%d", o->timeout_ms);
	snprintf(l->ready, sizeof l->ready, "%d", o->ready_timeout_ms);
	/* The arguments a daemon is started with: ctx-lsp's own, so that a ctx-lsp --daemon call
	 * with the same root and server shares it. */
	char *argv[] = { "ctx-lsp", "--daemon", "--server", (char *)o->server, "--root", (char *)o->root,
		"--timeout-ms", l->timeout, "--ready-timeout-ms", l->ready, NULL };
	memcpy(l->argv, argv, sizeof argv);
	l->dopt = (struct ctx_lspd_opts){
		.server = o->server, .root = o->root, .timeout_ms = o->timeout_ms,
		.ready_timeout_ms = o->ready_timeout_ms, .idle_ttl_s = 600, .max_inflight = 1,
		.queue_timeout_ms = 60000, .argv = l->argv, .exe = l->exe, .events = o->events,
		.run_id = getenv("CTX_RUN_ID"),
	};
	return l;
}

static void *
relay_main(void *arg)
{
	struct ctx_mcp_lsp *l = arg;

	l->rc = ctx_lspd_serve(&l->dopt, l->req[0], l->ans_w, &l->status, &l->rest, l->why, sizeof l->why);
	fclose(l->ans_w); /* we see the end of the answers */
	return NULL;
}

static void
close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
	p[0] = p[1] = -1;
}

static int
start(struct ctx_mcp_lsp *l)
{
	l->req[0] = l->req[1] = l->ans[0] = l->ans[1] = l->stop[0] = l->stop[1] = -1;
	if (pipe2(l->req, O_CLOEXEC) != 0 || pipe2(l->ans, O_CLOEXEC) != 0 || pipe2(l->stop, O_CLOEXEC) != 0 ||
	    !(l->ans_w = fdopen(l->ans[1], "w"))) {
		int err = -errno;
		close_pair(l->req);
		close_pair(l->ans);
		close_pair(l->stop);
		return err;
	}
	l->ans[1] = -1; /* the stream's now */
	l->dopt.stop_fd = l->stop[0];
	ctx_buf_truncate(&l->answers, 0);
	ctx_buf_truncate(&l->rest, 0);
	l->ans_eof = false;
	l->why[0] = '\0';
	int err = pthread_create(&l->thread, NULL, relay_main, l);
	if (err != 0) {
		fclose(l->ans_w);
		close_pair(l->req);
		close_pair(l->ans);
		close_pair(l->stop);
		return -err;
	}
	l->running = true;
	return 0;
}

/* End the relay (closing: at the end of the session, when its failure is no news): what is
 * out is given up within a request's deadline (the stop), an answer being written fails
 * (our end is closed), the thread is joined. */
static void
stop(struct ctx_mcp_lsp *l, bool closing)
{
	if (!l->running)
		return;
	(void)!write(l->stop[1], "x", 1);
	close(l->req[1]);
	l->req[1] = -1;
	close(l->ans[0]);
	l->ans[0] = -1;
	/* The relay gives up what is out within a request's deadline after the stop; at the end
	 * of the session (a signal, say) that is not waited for past 2 s: the thread is left to
	 * end with the process, and owns what it uses (nothing here is freed then). */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += closing ? 2 : 3600;
	if (pthread_timedjoin_np(l->thread, NULL, &until) != 0) {
		pthread_detach(l->thread);
		l->running = false;
		l->abandoned = true;
		return;
	}
	l->running = false;
	close_pair(l->req);
	close_pair(l->stop);
	if (l->rc != 0 && !closing) {
		l->failed_at = ctx_clock_ns();
		ctx_warnx("daemon not used (%s): calls are served another way for %d s", l->why, RETRY_AFTER_MS / 1000);
	}
}

/* The answer to request id among the lines read, into out (the others are answers to calls
 * that were cancelled: dropped). True when found. */
static bool
find_answer(struct ctx_mcp_lsp *l, long id, struct ctx_buf *out)
{
	char *p = l->answers.data, *end = p + l->answers.len, *nl;
	bool found = false;

	while (!found && p && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		cJSON *a = cJSON_ParseWithLength(p, (size_t)(nl - p));
		const cJSON *aid = cJSON_GetObjectItemCaseSensitive(a, "id");
		if (cJSON_IsNumber(aid) && aid->valuedouble == (double)id) {
			ctx_buf_add(out, p, (size_t)(nl - p) + 1);
			found = true;
		}
		cJSON_Delete(a);
		p = nl + 1;
	}
	if (p) {
		size_t left = (size_t)(end - p);
		memmove(l->answers.data, p, left);
		ctx_buf_truncate(&l->answers, left);
	}
	return found;
}

int
ctx_mcp_lsp_ask(struct ctx_mcp_lsp *l, const struct ctx_mcp_env *env, const bool *cancelled, const char *req,
    int bound_ms, struct ctx_buf *out)
{
	int64_t now = ctx_clock_ns(), deadline = now + (int64_t)bound_ms * MS;
	struct ctx_buf line = { 0 };
	long id = ++l->seq;

	if (!l->running && l->failed_at && now - l->failed_at < RETRY_AFTER_MS * MS)
		return -ENOTCONN;
	if (!l->running && start(l) != 0) {
		l->failed_at = now;
		return -ENOTCONN;
	}
	/* req is a JSON object: its id goes first. */
	ctx_buf_addf(&line, "{\"id\":%ld,%s\n", id, req + 1);
	ssize_t w = line.data ? write(l->req[1], line.data, line.len) : -1;
	ctx_buf_release(&line);
	if (w < 0) { /* the relay has ended: it says why */
		stop(l, false);
		return -ENOTCONN;
	}
	for (;;) {
		if (find_answer(l, id, out))
			return 0;
		if (l->ans_eof) {
			stop(l, false);
			return -ENOTCONN;
		}
		if (*cancelled)
			return -ECANCELED;
		if (ctx_clock_ns() >= deadline)
			return -ETIMEDOUT;
		struct pollfd p = { l->ans[0], POLLIN, 0 };
		env->wait(env->wait_arg, &p, 1, deadline);
		if (!p.revents)
			continue;
		char chunk[65536];
		ssize_t n = read(l->ans[0], chunk, sizeof chunk);
		if (n > 0 && ctx_buf_add(&l->answers, chunk, (size_t)n) != 0)
			return -ENOMEM;
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			l->ans_eof = true;
	}
}

void
ctx_mcp_lsp_free(struct ctx_mcp_lsp *l)
{
	if (!l)
		return;
	stop(l, true);
	if (l->abandoned)
		return; /* the process is ending; the thread may still read l */
	ctx_buf_release(&l->answers);
	ctx_buf_release(&l->rest);
	free(l);
}
