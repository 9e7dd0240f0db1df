#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

int
ctx_child_spawn(struct ctx_child *c, const char *cmdline, const char *cwd)
{
	wordexp_t we;

	*c = (struct ctx_child){ .in = -1, .out = -1, .err = -1 };
	if (wordexp(cmdline, &we, WRDE_NOCMD) != 0)
		return -EINVAL;
	int rc = we.we_wordc == 0 ? -EINVAL : ctx_child_spawnv(c, we.we_wordv, cwd, -1);
	wordfree(&we);
	return rc;
}

int
ctx_child_spawnv(struct ctx_child *c, char *const *argv, const char *cwd, int fd3)
{
	int p[4][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 } };
	int *in = p[0], *out = p[1], *err = p[2], *ex = p[3];

	*c = (struct ctx_child){ .in = -1, .out = -1, .err = -1 };
	const char *base = strrchr(argv[0], '/');
	snprintf(c->name, sizeof c->name, "%s", base ? base + 1 : argv[0]);
	for (int i = 0; i < 4; i++) {
		if (pipe2(p[i], O_CLOEXEC) == 0)
			continue;
		int e = -errno;
		while (i-- > 0) {
			close(p[i][0]);
			close(p[i][1]);
		}
		return e;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		/* Its own process group, so the whole group can be signalled; dies with us. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		if (chdir(cwd) == 0 && dup2(in[0], 0) == 0 && dup2(out[1], 1) == 1 && dup2(err[1], 2) == 2 &&
		    (fd3 < 0 || dup2(fd3, 3) == 3))
			execvp(argv[0], argv);
		int e = errno;
		(void)!write(ex[1], &e, sizeof e);
		_exit(127);
	}
	int saved = errno;
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(ex[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		close(err[0]);
		close(ex[0]);
		return -saved;
	}
	setpgid(pid, pid); /* also here: no race with the first kill() */
	c->pid = c->group = pid;
	c->in = in[1];
	c->out = out[0];
	c->err = err[0];
	int e = 0;
	ssize_t got = read(ex[0], &e, sizeof e); /* nothing: the exec closed it */
	close(ex[0]);
	if (got == (ssize_t)sizeof e) {
		ctx_child_kill(c);
		ctx_child_release(c);
		return -e;
	}
	fcntl(c->in, F_SETFL, O_NONBLOCK);
	fcntl(c->out, F_SETFL, O_NONBLOCK);
	fcntl(c->err, F_SETFL, O_NONBLOCK);
	return 0;
}

void
ctx_child_drain_stderr(struct ctx_child *c)
{
	char chunk[4096];
	ssize_t n;

	while (c->err >= 0 && (n = read(c->err, chunk, sizeof chunk)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				ctx_child_close(&c->err);
			return;
		}
		ctx_buf_add(&c->errbuf, chunk, (size_t)n);
		size_t at = 0;
		const char *nl;
		while (at < c->errbuf.len && (nl = memchr(c->errbuf.data + at, '\n', c->errbuf.len - at)) != NULL) {
			snprintf(c->errlines[c->nerr++ % CTX_CHILD_STDERR_LINES], sizeof c->errlines[0], "%.*s",
			    (int)(nl - (c->errbuf.data + at)), c->errbuf.data + at);
			at = (size_t)(nl - c->errbuf.data) + 1;
		}
		memmove(c->errbuf.data, c->errbuf.data + at, c->errbuf.len - at);
		ctx_buf_truncate(&c->errbuf, c->errbuf.len - at);
		if (c->errbuf.len > 4096) /* a line that long is not kept */
			ctx_buf_truncate(&c->errbuf, 0);
	}
	if (c->err >= 0)
		ctx_child_close(&c->err);
}

const char *
ctx_child_last_stderr(const struct ctx_child *c)
{
	return c->nerr ? c->errlines[(c->nerr - 1) % CTX_CHILD_STDERR_LINES] : "";
}

static void
reaped(struct ctx_child *c, int status)
{
	c->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	c->reaped = true;
	c->pid = 0;
	/* Helpers it started in its group outlive it otherwise. The group's id cannot be
	 * reused while any member lives, so this reaches only them. */
	kill(-c->group, SIGKILL);
}

bool
ctx_child_reap(struct ctx_child *c)
{
	int status;

	if (c->pid > 0 && waitpid(c->pid, &status, WNOHANG) == c->pid)
		reaped(c, status);
	return c->reaped;
}

void
ctx_child_signal(const struct ctx_child *c, int sig)
{
	if (c->pid > 0)
		kill(-c->group, sig);
}

void
ctx_child_kill(struct ctx_child *c)
{
	int status;

	if (c->pid <= 0)
		return;
	kill(-c->group, SIGKILL);
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	reaped(c, status);
}

void
ctx_child_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
ctx_child_release(struct ctx_child *c)
{
	ctx_child_close(&c->in);
	ctx_child_close(&c->out);
	ctx_child_close(&c->err);
	ctx_buf_release(&c->errbuf);
}

void
ctx_child_sibling(const char *name, char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash = n > 0 ? memrchr(self, '/', (size_t)n) : NULL;

	if (slash) {
		*slash = '\0';
		snprintf(out, size, "%s/%s", self, name);
		if (access(out, X_OK) == 0)
			return;
	}
	snprintf(out, size, "%s", name);
}
