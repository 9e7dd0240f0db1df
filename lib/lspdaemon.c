#include "lspdaemon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "lspclient.h"
#include "lspshape.h"
#include "safeopen.h"
#include "sha256.h"
#include "utf8.h"

#define MS 1000000LL
#define LOG_MAX (1024 * 1024)  /* the daemon's log is emptied when it is larger at start */

/* Where the daemon of a (root, server) lives. */
struct place {
	char dir[PATH_MAX];
	int dfd;
	char sock[sizeof ((struct sockaddr_un *)0)->sun_path];
	char name[40]; /* the hash; name.sock, name.lock, name.log in dir */
};

static void
place_release(struct place *pl)
{
	if (pl->dfd >= 0)
		close(pl->dfd);
	pl->dfd = -1;
}

/* Open (creating it 0700 with CTX_PRIVDIR_CREATE) and check a runtime directory: ours, a real directory, closed
 * to group and others. 0, a refusal, or -errno. */
static int
open_dir(const char *dir, int flags, int *dfd)
{
	struct stat st;
	int rc = ctx_privdir_open(dir, NULL, flags, dfd);

	if (rc != 0)
		return rc;
	if (fstat(*dfd, &st) != 0 || (st.st_mode & 077)) {
		rc = st.st_mode & 077 ? CTX_REFUSED_OPEN_TO_OTHERS : -errno;
		close(*dfd);
		*dfd = -1;
	}
	return rc;
}

static int
find_place(const struct ctx_lspd_opts *o, struct place *pl, char *why, size_t why_size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct ctx_buf key = { 0 };
	char hex[65];

	pl->dfd = -1;
	ctx_buf_addf(&key, "ctx-lsp %d", CTX_LSP_PROTO);
	ctx_buf_add(&key, "", 1);
	ctx_buf_adds(&key, o->root);
	ctx_buf_add(&key, "", 1);
	ctx_buf_adds(&key, o->server);
	if (!key.data) {
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	ctx_sha256_hex(key.data, key.len, hex);
	ctx_buf_release(&key);
	snprintf(pl->name, sizeof pl->name, "%.24s", hex);
	for (int tmp = !(xdg && xdg[0] == '/'); tmp < 2; tmp++) {
		if (tmp)
			snprintf(pl->dir, sizeof pl->dir, "/tmp/ctx-lsp-%lu", (unsigned long)geteuid());
		else if ((size_t)snprintf(pl->dir, sizeof pl->dir, "%s/ctx-lsp", xdg) >= sizeof pl->dir)
			continue;
		/* A path longer than sun_path holds: the one under /tmp. */
		if ((size_t)snprintf(pl->sock, sizeof pl->sock, "%s/%s.sock", pl->dir, pl->name) >= sizeof pl->sock)
			continue;
		int rc = open_dir(pl->dir, CTX_PRIVDIR_CREATE, &pl->dfd);
		if (rc != 0) {
			snprintf(why, why_size, "runtime directory %s: %s", pl->dir,
			    ctx_code_phrase(rc));
			return rc;
		}
		return 0;
	}
	snprintf(why, why_size, "no runtime directory");
	return -ENAMETOOLONG;
}

static int
file_name(char *out, size_t size, const struct place *pl, const char *ext)
{
	return (size_t)snprintf(out, size, "%s.%s", pl->name, ext) < size ? 0 : -ENAMETOOLONG;
}

/* Take the lock file beside the socket, by end (ns). The file may be removed by a
 * daemon that ends: a lock on a file that is no longer the one in the directory is no
 * lock, and is taken again. *fd is the held lock. */
static int
take_lock(int dfd, const char *name, int64_t end, int *fd)
{
	struct stat a, b;

	for (;;) {
		int rc;
		if ((rc = ctx_privfile_open(dfd, name, O_RDWR | O_CREAT, 0600, fd)) != 0)
			return rc;
		while (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
			if (errno != EWOULDBLOCK || ctx_clock_ns() > end) {
				rc = errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
				close(*fd);
				*fd = -1;
				return rc;
			}
			usleep(2000);
		}
		if (fstat(*fd, &a) == 0 && fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			return 0;
		close(*fd);
	}
}

/* A connection to the socket of pl, from a daemon of our own user, by end (ns): a daemon
 * that does not accept (its backlog full) is not waited for past it. */
static int
connect_to(const struct place *pl, int64_t end, int *fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t len = sizeof cred;
	int rc;

	memcpy(sa.sun_path, pl->sock, strlen(pl->sock) + 1);
	*fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (*fd < 0)
		return -errno;
	while ((rc = connect(*fd, (struct sockaddr *)&sa, sizeof sa) == 0 ? 0 : -errno) == -EAGAIN &&
	    ctx_clock_ns() < end)
		usleep(2000);
	if (rc != 0) {
		close(*fd);
		*fd = -1;
		return rc == -EAGAIN ? -ETIMEDOUT : rc;
	}
	fcntl(*fd, F_SETFL, 0);
	if (getsockopt(*fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != geteuid()) {
		close(*fd);
		*fd = -1;
		return CTX_REFUSED_NOT_OURS;
	}
	return 0;
}

/* Start a daemon on a fresh socket (the lock is held): the socket is bound and listening
 * before the daemon runs, so a connection made now waits in its backlog. The daemon is
 * this program again, detached (its own session, stdio on /dev/null and its log, no other
 * descriptor of ours), finding the socket as descriptor 3. */
static int
start_daemon(const struct ctx_lspd_opts *o, const struct place *pl)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char log[64];
	int fd, logfd = -1, st;

	memcpy(sa.sun_path, pl->sock, strlen(pl->sock) + 1);
	if (unlinkat(pl->dfd, pl->sock + strlen(pl->dir) + 1, 0) != 0 && errno != ENOENT)
		return -errno;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	mode_t old = umask(0177); /* the socket is 0600 from the start */
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(fd, 128) == 0 ? 0 : -errno;
	umask(old);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	if (file_name(log, sizeof log, pl, "log") == 0 &&
	    ctx_privfile_open(pl->dfd, log, O_WRONLY | O_CREAT | O_APPEND, 0600, &logfd) == 0) {
		struct stat ls;
		if (fstat(logfd, &ls) == 0 && ls.st_size > LOG_MAX)
			(void)!ftruncate(logfd, 0);
	}
	pid_t pid = fork();
	if (pid == 0) {
		pid_t daemon = setsid() < 0 ? -1 : fork();
		if (daemon != 0)
			_exit(daemon < 0 ? 127 : 0);
		int nul = open("/dev/null", O_RDWR);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(logfd >= 0 ? logfd : nul, 2) < 0 ||
		    dup2(fd, 3) != 3)
			_exit(127);
		close_range(4, ~0U, 0);
		setenv(CTX_LSPD_FD_ENV, "3", 1);
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		self[n > 0 ? n : 0] = '\0';
		if (o->run_id) /* its own events carry the run id of the call that started it */
			setenv("CTX_RUN_ID", o->run_id, 1);
		if (o->exe) /* another program: looked up on PATH when it has no '/' */
			execvp(o->exe, o->argv);
		else
			execv(n > 0 ? self : "/proc/self/exe", o->argv); /* named ctx-lsp in ps, not exe */
		_exit(127);
	}
	rc = pid < 0 ? -errno : 0;
	if (pid > 0 && (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0))
		rc = -ECHILD;
	close(fd);
	if (logfd >= 0)
		close(logfd);
	return rc;
}

/* Connect to the daemon of pl, starting one when there is none (or only its stale socket),
 * under the lock, so that racing callers start exactly one. */
static int
reach(const struct ctx_lspd_opts *o, const struct place *pl, int64_t end, int *fd, char *why, size_t why_size)
{
	char lock[64];
	int lfd, rc;

	if ((rc = connect_to(pl, end, fd)) == 0)
		return 0;
	if (rc != -ENOENT && rc != -ECONNREFUSED) {
		snprintf(why, why_size, "%s: %s", pl->sock, ctx_code_phrase(rc));
		return rc;
	}
	if ((rc = file_name(lock, sizeof lock, pl, "lock")) != 0 ||
	    (rc = take_lock(pl->dfd, lock, end, &lfd)) != 0) {
		snprintf(why, why_size, "lock %s/%s: %s", pl->dir, lock, ctx_code_phrase(rc));
		return rc;
	}
	/* Another caller may have started it while we waited. */
	if ((rc = connect_to(pl, end, fd)) != 0 && (rc = start_daemon(o, pl)) == 0)
		rc = connect_to(pl, end, fd);
	if (rc != 0)
		snprintf(why, why_size, "cannot start a daemon at %s: %s", pl->sock,
		    ctx_code_phrase(rc));
	close(lfd);
	return rc;
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
send_hello(const struct ctx_lspd_opts *o, int fd, const char *control)
{
	struct ctx_buf b = { 0 };
	int rc;

	ctx_buf_addf(&b, "{\"proto\":%d,\"run_id\":", CTX_LSP_PROTO);
	ctx_json_write_string(&b, o->run_id ? o->run_id : "", o->run_id ? strlen(o->run_id) : 0);
	ctx_buf_addf(&b, ",\"timeout_ms\":%d,\"ready_timeout_ms\":%d,\"events\":%s", o->timeout_ms,
	    o->ready_timeout_ms, ctx_evstream_on(o->events) ? "true" : "false");
	if (control)
		ctx_buf_addf(&b, ",\"control\":\"%s\"", control);
	ctx_buf_adds(&b, "}\n");
	rc = b.data ? send_all(fd, b.data, b.len) : -ENOMEM;
	ctx_buf_release(&b);
	return rc;
}

/* The daemon's lines, read from its socket. */
struct reader {
	int fd;
	int stop_fd; /* readable when a signal came: the wait ends (-ECANCELED); -1: none */
	struct ctx_buf buf;
	size_t at;
	bool eof;
};

/* The next whole line (without its '\n', NUL-terminated in place) within deadline (ns,
 * INT64_MAX: none): 1, 0 at the end, -ETIMEDOUT, or -errno. */
static int
next_line(struct reader *r, int64_t deadline, char **line, size_t *len)
{
	for (;;) {
		char *nl = r->buf.len > r->at ? memchr(r->buf.data + r->at, '\n', r->buf.len - r->at) : NULL;
		if (nl) {
			*nl = '\0';
			*line = r->buf.data + r->at;
			*len = (size_t)(nl - *line);
			r->at = (size_t)(nl - r->buf.data) + 1;
			return 1;
		}
		if (r->eof)
			return 0;
		if (r->at) {
			memmove(r->buf.data, r->buf.data + r->at, r->buf.len - r->at);
			ctx_buf_truncate(&r->buf, r->buf.len - r->at);
			r->at = 0;
		}
		int64_t left = deadline == INT64_MAX ? -1 : (deadline - ctx_clock_ns()) / MS;
		struct pollfd p[2] = { { r->fd, POLLIN, 0 }, { r->stop_fd, POLLIN, 0 } };
		int ready = poll(p, 2, (int)(left > INT_MAX ? INT_MAX : left < -1 ? 0 : left));
		if (ready < 0 && errno != EINTR)
			return -errno;
		if (ready > 0 && p[1].revents)
			return -ECANCELED;
		if (ready == 0 && deadline != INT64_MAX)
			return -ETIMEDOUT;
		if (ready <= 0)
			continue;
		char chunk[65536];
		ssize_t n = read(r->fd, chunk, sizeof chunk);
		if (n > 0 && ctx_buf_add(&r->buf, chunk, (size_t)n) < 0)
			return -ENOMEM;
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			r->eof = true;
	}
}

/* ---- relaying a caller's requests ---- */

struct pending {
	long seq;
	int64_t sent;
	char *line; /* with its '\n' */
	size_t len;
};

struct relay {
	const struct ctx_lspd_opts *o;
	int fd, in_fd;
	FILE *out;
	struct reader rd;
	struct ctx_buf line;  /* the caller's line being read */
	bool in_eof;
	bool out_failed;      /* an answer could not be written */
	int64_t bound;        /* the longest the daemon may take over a request (ns) */
	int64_t stop_by;      /* after a signal: when what is left is answered here (0: no signal) */
	struct pending *p;
	size_t np, cap;
	long seq;
	int status;
};

/* Send one request line of the caller (not blank) and remember it until it is answered.
 * A line over CTX_LSP_MAX_LINE is cut just past it: the daemon answers it with an error. */
static int
forward(struct relay *rl, const char *line, size_t len)
{
	if (ctx_lsp_blank_line(line, len))
		return 0;
	if (rl->np == rl->cap) {
		size_t cap = rl->cap ? rl->cap * 2 : 64;
		struct pending *p = realloc(rl->p, cap * sizeof *p);
		if (!p)
			return -ENOMEM;
		rl->p = p;
		rl->cap = cap;
	}
	struct pending *pe = &rl->p[rl->np];
	if (!(pe->line = malloc(len + 1)))
		return -ENOMEM;
	memcpy(pe->line, line, len);
	pe->line[len] = '\n';
	pe->len = len + 1;
	pe->seq = ++rl->seq;
	pe->sent = ctx_clock_ns();
	rl->np++;
	return send_all(rl->fd, pe->line, pe->len);
}

static int
read_caller(struct relay *rl)
{
	char chunk[65536];
	ssize_t n = read(rl->in_fd, chunk, sizeof chunk);
	int rc = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		rl->in_eof = true;
		if (rl->line.len)
			rc = forward(rl, rl->line.data, rl->line.len);
		ctx_buf_truncate(&rl->line, 0);
		if (rc == 0 && shutdown(rl->fd, SHUT_WR) != 0)
			rc = -errno;
		return rc;
	}
	for (const char *p = chunk, *end = chunk + n; p < end && rc == 0;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t k = (size_t)((nl ? nl : end) - p);
		if (rl->line.len + k > CTX_LSP_MAX_LINE + 1)
			k = rl->line.len > CTX_LSP_MAX_LINE + 1 ? 0 : CTX_LSP_MAX_LINE + 1 - rl->line.len;
		if (ctx_buf_add(&rl->line, p, k) < 0)
			return -ENOMEM;
		if (!nl)
			break;
		rc = forward(rl, rl->line.data ? rl->line.data : "", rl->line.len);
		ctx_buf_truncate(&rl->line, 0);
		p = nl + 1;
	}
	return rc;
}

/* An event of the caller's request, from the daemon: to the caller's own stream. */
static void
relay_event(struct relay *rl, const char *json, size_t len)
{
	cJSON *e = cJSON_ParseWithLength(json, len);
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(e, "cmd");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "timing_ms");
	char *parts[3] = { NULL, NULL, NULL };
	static const char *const keys[] = { "args", "result", "x" };

	if (cJSON_IsString(cmd) && strncmp(cmd->valuestring, "lsp.", 4) == 0) {
		for (int i = 0; i < 3; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, keys[i]);
			parts[i] = cJSON_IsObject(v) ? cJSON_PrintUnformatted(v) : NULL;
		}
		ctx_evstream_emit(rl->o->events, cmd->valuestring, parts[0], parts[1],
		    cJSON_IsNumber(t) ? ctx_json_clamp_long(t->valuedouble) : -1, parts[2]);
	}
	for (int i = 0; i < 3; i++)
		free(parts[i]);
	cJSON_Delete(e);
}

/* "A <seq> <e> <answer>": to the caller's output; the request is no longer pending. */
static int
relay_answer(struct relay *rl, char *line, size_t len)
{
	char *end;
	long seq = strtol(line + 2, &end, 10);

	if (end == line + 2 || end[0] != ' ' || (end[1] != '0' && end[1] != '1') || end[2] != ' ')
		return -EPROTO;
	if (end[1] == '1')
		rl->status = CTX_REJECTED;
	char *json = end + 3;
	size_t n = len - (size_t)(json - line) + 1;
	json[n - 1] = '\n';
	if (fwrite(json, 1, n, rl->out) != n || fflush(rl->out) != 0)
		rl->out_failed = true; /* the caller's reader is gone: nothing to serve in-process */
	for (size_t i = 0; i < rl->np; i++)
		if (rl->p[i].seq == seq) {
			free(rl->p[i].line);
			memmove(&rl->p[i], &rl->p[i + 1], (rl->np - i - 1) * sizeof *rl->p);
			rl->np--;
			break;
		}
	return 0;
}

/* Take the daemon's lines that have arrived: 1 while the connection lasts, 0 at its end. */
static int
read_daemon(struct relay *rl)
{
	char *line;
	size_t len;
	int rc;

	while ((rc = next_line(&rl->rd, ctx_clock_ns(), &line, &len)) == 1) {
		if (len > 2 && line[0] == 'A' && line[1] == ' ') {
			if ((rc = relay_answer(rl, line, len)) != 0)
				return rc;
		} else if (len > 2 && line[0] == 'E' && line[1] == ' ') {
			relay_event(rl, line + 2, len - 2);
		}
	}
	return rc == -ETIMEDOUT ? 1 : rc;
}

/* The hello's answer: lsp.attach, and a word when the daemon keeps other settings. */
static int
attached(const struct ctx_lspd_opts *o, struct relay *rl, const char *json, size_t len)
{
	cJSON *h = cJSON_ParseWithLength(json, len);
	const char *server = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "server"));
	const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "state"));
	struct ctx_buf args = { 0 }, res = { 0 };

	if (!cJSON_IsObject(h) || !server || !state) {
		cJSON_Delete(h);
		return -EPROTO;
	}
	long ttl = ctx_lsp_num(h, "idle_ttl_s");
	long inflight = ctx_lsp_num(h, "max_inflight");
	long queue = ctx_lsp_num(h, "queue_timeout_ms");
	int slowest = o->timeout_ms > o->ready_timeout_ms ? o->timeout_ms : o->ready_timeout_ms;
	rl->bound = (queue + slowest + 2000) * MS;
	/* Only what this call asked for (the defaults are no request). */
	if ((o->asked & CTX_LSPD_ASKED_TTL && ttl != o->idle_ttl_s) ||
	    (o->asked & CTX_LSPD_ASKED_INFLIGHT && inflight != o->max_inflight) ||
	    (o->asked & CTX_LSPD_ASKED_QUEUE && queue != o->queue_timeout_ms))
		ctx_warnx("the running daemon keeps --idle-ttl %ld --max-inflight %ld --queue-timeout-ms %ld "
			  "(asked %d, %d, %d); --daemon-stop it to change them",
		    ttl, inflight, queue, o->idle_ttl_s, o->max_inflight, o->queue_timeout_ms);
	const char *asked[] = { o->index, o->trace }, *names[] = { "index", "trace" };
	for (int i = 0; i < 2; i++) {
		const char *has = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, names[i]));
		char *real = asked[i] ? realpath(asked[i], NULL) : NULL;
		if (asked[i] && (!has || !real || strcmp(real, has) != 0))
			ctx_warnx("the running daemon keeps --%s %s (asked %s); --daemon-stop it to change it",
			    names[i], has ? has : "(none)", asked[i]);
		free(real);
	}
	ctx_buf_adds(&args, "{\"server\":");
	ctx_utf8_write_json(&args, server, strlen(server));
	ctx_buf_adds(&args, "}");
	ctx_buf_addf(&res, "{\"state\":");
	ctx_utf8_write_json(&res, state, strlen(state));
	ctx_buf_addf(&res, ",\"daemon_pid\":%ld,\"session_ms\":%ld,\"warm\":%s}",
	    ctx_lsp_num(h, "pid"),
	    ctx_lsp_num(h, "session_ms"),
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "warm")) ? "true" : "false");
	if (args.data && res.data)
		ctx_evstream_emit(o->events, "lsp.attach", args.data, res.data, -1, NULL);
	ctx_buf_release(&args);
	ctx_buf_release(&res);
	cJSON_Delete(h);
	return 0;
}

/* What the daemon did not answer, then what was read and not sent, for the caller. */
static int
leftovers(struct relay *rl, struct ctx_buf *unanswered)
{
	int rc = 0;

	for (size_t i = 0; i < rl->np; i++)
		rc |= ctx_buf_add(unanswered, rl->p[i].line, rl->p[i].len);
	if (rl->line.len)
		rc |= ctx_buf_add(unanswered, rl->line.data, rl->line.len);
	return rc < 0 ? -ENOMEM : 0;
}

/* Relay until every request is answered. A daemon that takes longer than it may over a
 * request (stopped, stuck) is given up, as is, after a signal, one that does not answer
 * what was sent within a request's deadline: the caller answers the rest itself. */
static int
relay(struct relay *rl)
{
	while ((!rl->in_eof || rl->np) && !rl->out_failed) {
		struct pollfd p[3] = {
			{ rl->fd, POLLIN, 0 },
			{ rl->in_eof ? -1 : rl->in_fd, POLLIN, 0 },
			{ rl->stop_by ? -1 : rl->o->stop_fd, POLLIN, 0 },
		};
		int64_t now = ctx_clock_ns(), due = rl->np ? rl->p[0].sent + rl->bound : INT64_MAX;
		if (rl->stop_by && rl->stop_by < due)
			due = rl->stop_by;
		if (due <= now)
			return -ETIMEDOUT;
		int64_t wait = due == INT64_MAX ? -1 : (due - now) / MS + 1;
		if (poll(p, 3, (int)(wait > INT_MAX ? INT_MAX : wait)) < 0 && errno != EINTR)
			return -errno;
		int rc;
		if (p[0].revents && (rc = read_daemon(rl)) <= 0)
			return rc < 0 ? rc : rl->in_eof && !rl->np ? 0 : -ECONNRESET;
		if (p[1].revents && (rc = read_caller(rl)) != 0)
			return rc;
		if (p[2].revents) { /* a signal: no more requests; what was sent is answered */
			rl->stop_by = ctx_clock_ns() + (int64_t)(rl->o->timeout_ms + 1000) * MS;
			if (!rl->in_eof)
				shutdown(rl->fd, SHUT_WR);
			rl->in_eof = true;
		}
	}
	return 0;
}

int
ctx_lspd_serve(const struct ctx_lspd_opts *o, int in_fd, FILE *out, int *status, struct ctx_buf *unanswered,
    char *why, size_t why_size)
{
	struct place pl;
	struct relay rl = { .o = o, .fd = -1, .in_fd = in_fd, .out = out, .rd = { .fd = -1, .stop_fd = -1 } };
	char *line = NULL;
	size_t len = 0;
	int rc;

	*status = 0;
	if ((rc = find_place(o, &pl, why, why_size)) != 0)
		return rc;
	/* A daemon that ends as we connect drops us before its hello: a second try starts a
	 * new one. */
	int64_t deadline = ctx_clock_ns() + (int64_t)o->ready_timeout_ms * MS;
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = reach(o, &pl, deadline, &rl.fd, why, why_size)) != 0)
			break;
		rl.rd = (struct reader){ .fd = rl.fd, .stop_fd = o->stop_fd };
		if ((rc = send_hello(o, rl.fd, NULL)) == 0 && (rc = next_line(&rl.rd, deadline, &line, &len)) == 1)
			rc = len > 2 && line[0] == 'H' ? attached(o, &rl, line + 2, len - 2) : -EPROTO;
		else if (rc == 0)
			rc = -ECONNRESET;
		if (rc == 0) {
			rl.rd.stop_fd = -1; /* relay() watches the signal itself */
			break;
		}
		snprintf(why, why_size, "no hello from the daemon at %s: %s", pl.sock,
		    rc == -ECANCELED ? "a signal came first" : strerror(-rc));
		if (rc == -ECANCELED)
			attempt++; /* no second try */
		ctx_buf_release(&rl.rd.buf);
		close(rl.fd);
		rl.fd = -1;
	}
	place_release(&pl);
	if (rc == 0 && (rc = relay(&rl)) != 0) {
		snprintf(why, why_size, "%s",
		    rc == -ETIMEDOUT ? "the daemon did not answer in time" : "the daemon went away");
		if (leftovers(&rl, unanswered) != 0)
			rc = -ENOMEM;
	}
	*status = rl.out_failed ? -EIO : rl.status;
	for (size_t i = 0; i < rl.np; i++)
		free(rl.p[i].line);
	free(rl.p);
	ctx_buf_release(&rl.line);
	ctx_buf_release(&rl.rd.buf);
	if (rl.fd >= 0)
		close(rl.fd);
	return rc;
}

/* True while pid is a live process (not a zombie). */
static bool
alive(long pid)
{
	char path[64], stat[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, stat, sizeof stat - 1);
	close(fd);
	stat[n > 0 ? n : 0] = '\0';
	const char *paren = strrchr(stat, ')');
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

int
ctx_lspd_control(const struct ctx_lspd_opts *o, const char *control, FILE *out)
{
	struct place pl;
	struct reader rd = { .fd = -1, .stop_fd = -1 };
	char why[PATH_MAX + 128], *line = NULL;
	size_t len = 0;

	if (find_place(o, &pl, why, sizeof why) != 0) {
		ctx_warnx("%s", why);
		return CTX_EXIT_SYSTEM;
	}
	cJSON *st = NULL;
	bool connected = connect_to(&pl, ctx_clock_ns() + 5000 * MS, &rd.fd) == 0;
	if (connected && send_hello(o, rd.fd, control) == 0 &&
	    next_line(&rd, ctx_clock_ns() + 5000 * MS, &line, &len) == 1 && len > 2 && line[0] == 'S')
		st = cJSON_ParseWithLength(line + 2, len - 2);
	/* A socket that takes connections has a daemon, answering or not (stopped, stuck). */
	bool responding = cJSON_IsObject(st), running = connected;
	if (!responding) {
		cJSON_Delete(st);
		st = cJSON_CreateObject();
	}
	cJSON_AddBoolToObject(st, "running", running);
	if (running && !responding)
		cJSON_AddBoolToObject(st, "responding", 0);
	cJSON_AddStringToObject(st, "socket", pl.sock);
	long pid = ctx_lsp_num(st, "pid");
	char *text = cJSON_PrintUnformatted(st);
	if (text)
		fprintf(out, "%s\n", text);
	free(text);
	cJSON_Delete(st);
	if (running && !responding)
		ctx_warnx("the daemon at %s does not answer", pl.sock);
	/* A stop returns once the daemon has ended, its server shut down. */
	bool stopping = responding && !strcmp(control, "stop") && pid > 0;
	for (int64_t end = ctx_clock_ns() + 15000 * MS; stopping && alive(pid) && ctx_clock_ns() < end;)
		usleep(10000);
	ctx_buf_release(&rd.buf);
	if (rd.fd >= 0)
		close(rd.fd);
	place_release(&pl);
	return !running ? 1 : responding || strcmp(control, "stop") != 0 ? 0 : CTX_EXIT_SYSTEM;
}

int
ctx_lspd_socket_of(int listen_fd, struct ctx_lspd_socket *sock)
{
	struct sockaddr_un sa = { 0 };
	socklen_t len = sizeof sa;
	struct stat st;

	memset(sock, 0, sizeof *sock);
	if (getsockname(listen_fd, (struct sockaddr *)&sa, &len) != 0)
		return -errno;
	if (len <= sizeof sa.sun_family || sa.sun_path[0] != '/' || len > sizeof sa)
		return -EINVAL;
	memcpy(sock->path, sa.sun_path, len - sizeof sa.sun_family);
	sock->path[sizeof sock->path - 1] = '\0';
	if (lstat(sock->path, &st) != 0)
		return -errno;
	sock->dev = st.st_dev;
	sock->ino = st.st_ino;
	return 0;
}

void
ctx_lspd_remove_socket(const struct ctx_lspd_socket *sock)
{
	char dir[sizeof sock->path], lock[sizeof sock->path];
	struct stat st;
	int dfd = -1, lfd = -1;

	snprintf(dir, sizeof dir, "%s", sock->path);
	char *slash = strrchr(dir, '/'), *dot = strrchr(dir, '.');
	if (!slash || !dot || dot < slash || strcmp(dot, ".sock") != 0)
		return;
	*slash = '\0';
	if (open_dir(dir, 0, &dfd) != 0) /* gone: nothing to remove, nothing re-created */
		return;
	snprintf(lock, sizeof lock, "%.*s.lock", (int)(dot - slash - 1), slash + 1);
	if (take_lock(dfd, lock, ctx_clock_ns() + 1000 * MS, &lfd) == 0) {
		/* Only our own socket: a new daemon may have replaced one that looked stale. */
		if (fstatat(dfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_ino == sock->ino &&
		    st.st_dev == sock->dev)
			unlinkat(dfd, slash + 1, 0);
		unlinkat(dfd, lock, 0);
		close(lfd);
	}
	close(dfd);
}
