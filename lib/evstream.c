#include "evstream.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"
#include "json.h"
#include "workspace.h"

struct ctx_evstream {
	int fd; /* -1: off */
	bool own_fd;
	char *run_id, *segment_id;
	int failed; /* the negative errno of the write that turned the stream off */
	pthread_mutex_t lock;
};

/* A stream that writes nothing yet. */
static struct ctx_evstream *
stream_new(const char *run_id, const char *segment_id)
{
	struct ctx_evstream *ev = calloc(1, sizeof *ev);

	if (!ev)
		return NULL;
	ev->fd = -1;
	pthread_mutex_init(&ev->lock, NULL);
	if (!(ev->run_id = strdup(run_id)) || !(ev->segment_id = strdup(segment_id))) {
		ctx_evstream_close(ev);
		return NULL;
	}
	return ev;
}

struct ctx_evstream *
ctx_evstream_open(const char *path, const char *run_id, const char *segment_id, int *err)
{
	struct ctx_evstream *ev = stream_new(run_id, segment_id);

	*err = -ENOMEM;
	if (!ev)
		return NULL;
	if (!path || !*path)
		path = getenv("CTX_EVENTS");
	if (!path || !*path || ctx_workspace_no_telemetry())
		return ev;
	if (strcmp(path, "-") == 0) {
		ev->fd = STDOUT_FILENO;
		return ev;
	}
	ev->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (ev->fd < 0) {
		*err = -errno;
		ctx_evstream_close(ev);
		return NULL;
	}
	ev->own_fd = true;
	return ev;
}

struct ctx_evstream *
ctx_evstream_open_fd(int fd, const char *run_id, const char *segment_id, int *err)
{
	struct ctx_evstream *ev = stream_new(run_id, segment_id);

	*err = -ENOMEM;
	if (!ev) {
		close(fd);
		return NULL;
	}
	if (!ctx_workspace_no_telemetry()) {
		ev->fd = fd;
		ev->own_fd = true;
	} else {
		close(fd);
	}
	return ev;
}

bool
ctx_evstream_is_stdout(const struct ctx_evstream *ev)
{
	return ev && ev->fd == STDOUT_FILENO && !ev->own_fd;
}

int
ctx_evstream_fd(const struct ctx_evstream *ev)
{
	return ev ? ev->fd : -1;
}

bool
ctx_evstream_on(const struct ctx_evstream *ev)
{
	return ev && ev->fd >= 0;
}

void
ctx_evstream_emit(struct ctx_evstream *ev, const char *cmd, const char *args, const char *result,
    long timing_ms, const char *x)
{
	ctx_evstream_emit_as(ev, NULL, cmd, args, result, timing_ms, x);
}

void
ctx_evstream_emit_as(struct ctx_evstream *ev, const char *run_id, const char *cmd, const char *args,
    const char *result, long timing_ms, const char *x)
{
	struct ctx_buf b = { 0 };
	char ts[CTX_TS_LEN];
	int err;

	if (!ctx_evstream_on(ev))
		return;
	ctx_clock_format_ts(ctx_clock_wall_ms(), ts);
	err = ctx_buf_addf(&b, "{\"ts\":\"%s\",\"run_id\":", ts);
	if (!run_id)
		run_id = ev->run_id;
	err |= ctx_json_write_string(&b, run_id, strlen(run_id));
	err |= ctx_buf_addf(&b, ",\"segment_id\":\"%s\",\"cmd\":\"%s\",\"args\":%s,\"result\":%s", ev->segment_id, cmd,
	    args ? args : "{}", result ? result : "{}");
	if (timing_ms >= 0)
		err |= ctx_buf_addf(&b, ",\"timing_ms\":%ld", timing_ms);
	err |= ctx_buf_addf(&b, ",\"warnings\":[],\"x\":%s}\n", x ? x : "{}");
	pthread_mutex_lock(&ev->lock);
	if (!err && ev->fd >= 0) {
		for (size_t off = 0; off < b.len;) {
			ssize_t w = write(ev->fd, b.data + off, b.len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				ev->failed = w < 0 ? -errno : -EIO;
				if (ev->own_fd)
					close(ev->fd);
				ev->fd = -1;
				break;
			}
			off += (size_t)w;
		}
	}
	pthread_mutex_unlock(&ev->lock);
	ctx_buf_release(&b);
}

int
ctx_evstream_failed(const struct ctx_evstream *ev)
{
	return ev ? ev->failed : 0;
}

void
ctx_evstream_close(struct ctx_evstream *ev)
{
	if (!ev)
		return;
	if (ev->own_fd && ev->fd >= 0)
		close(ev->fd);
	pthread_mutex_destroy(&ev->lock);
	free(ev->run_id);
	free(ev->segment_id);
	free(ev);
}

/* A ctx-emit child writing to root's telemetry directory (SPEC.md §10: ctx-emit stays the
 * only writer). Its standard output is /dev/null, its standard error ours. */
static int
spawn_emit(const char *root, pid_t *pid)
{
	char emit[PATH_MAX];
	int p[2];

	*pid = -1;
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	ctx_child_sibling("ctx-emit", emit, sizeof emit);
	if ((*pid = fork()) == 0) {
		char *const argv[] = { "ctx-emit", "--root", (char *)root, NULL };
		int nul = open("/dev/null", O_WRONLY);
		if (dup2(p[0], 0) == 0 && nul >= 0 && dup2(nul, 1) == 1)
			execvp(emit, argv);
		_exit(127);
	}
	close(p[0]);
	if (*pid < 0) {
		close(p[1]);
		return -1;
	}
	return p[1];
}

struct ctx_evstream *
ctx_evstream_open_emit(const char *root, const char *run_id, const char *segment_id, pid_t *pid, int *err)
{
	int fd = ctx_workspace_no_telemetry() ? -1 : spawn_emit(root, pid);

	if (fd < 0) {
		*pid = -1;
		return ctx_evstream_open("", run_id, segment_id, err); /* one that writes nothing */
	}
	return ctx_evstream_open_fd(fd, run_id, segment_id, err);
}

void
ctx_evstream_close_emit(struct ctx_evstream *ev, pid_t pid)
{
	int st;

	ctx_evstream_close(ev); /* ctx-emit sees the end of its input */
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}
