#include "appendlog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "safeopen.h"

struct ctx_appendlog {
	int dfd; /* the telemetry directory, opened by ctx_privdir_open */
	int fd, lockfd;
	off_t max_bytes;
	int keep;
};

static int
open_log(struct ctx_appendlog *l)
{
	int fd, rc = ctx_privfile_open(l->dfd, "events.jsonl", O_RDWR | O_APPEND | O_CREAT, 0600, &fd);

	if (rc != 0)
		return rc;
	if (l->fd >= 0)
		close(l->fd);
	l->fd = fd;
	return 0;
}

struct ctx_appendlog *
ctx_appendlog_open(const char *dir, const char *root, off_t max_bytes, int keep, int *err, const char **what)
{
	struct ctx_appendlog *l = calloc(1, sizeof *l);

	*err = -ENOMEM;
	*what = NULL;
	if (!l)
		return NULL;
	l->dfd = l->fd = l->lockfd = -1;
	l->max_bytes = max_bytes;
	l->keep = keep;
	if ((*err = ctx_privdir_open(dir, root, CTX_PRIVDIR_CREATE, &l->dfd)) != 0)
		goto fail;
	*what = "events.lock";
	if ((*err = ctx_privfile_open(l->dfd, *what, O_RDWR | O_CREAT, 0600, &l->lockfd)) != 0)
		goto fail;
	*what = "events.jsonl";
	if ((*err = open_log(l)) != 0)
		goto fail;
	return l;
fail:
	ctx_appendlog_free(l);
	return NULL;
}

void
ctx_appendlog_free(struct ctx_appendlog *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	if (l->lockfd >= 0)
		close(l->lockfd);
	if (l->dfd >= 0)
		close(l->dfd);
	free(l);
}

static void
on_alarm(int sig)
{
	(void)sig; /* only there to interrupt flock() */
}

/* flock(fd, op) (LOCK_EX or LOCK_SH) within timeout_ms; see ctx_appendlog_lock. */
static int
lock_within(int fd, int op, int timeout_ms)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old_sa;
	struct itimerval tick = { { 0, 20000 }, { 0, 20000 } }, old_tick;
	int64_t deadline = ctx_clock_ms() + timeout_ms;
	int rc = -ETIMEDOUT;

	if (flock(fd, op | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return -errno;
	if (timeout_ms <= 0)
		return -EWOULDBLOCK;
	/* A blocking flock() is woken in the kernel's order as the lock frees: fairer and
	 * faster under contention than polling. A periodic SIGALRM (no SA_RESTART) bounds it;
	 * periodic, so a tick lost just before flock() is entered only delays by one tick. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old_sa);
	setitimer(ITIMER_REAL, &tick, &old_tick);
	for (;;) {
		if (flock(fd, op) == 0) {
			rc = 0;
			break;
		}
		if (errno != EINTR) {
			rc = -errno;
			break;
		}
		if (ctx_clock_ms() >= deadline)
			break;
	}
	setitimer(ITIMER_REAL, &old_tick, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	return rc;
}

int
ctx_appendlog_lock(struct ctx_appendlog *l, int timeout_ms)
{
	return lock_within(l->lockfd, LOCK_EX, timeout_ms);
}

void
ctx_appendlog_unlock(struct ctx_appendlog *l)
{
	flock(l->lockfd, LOCK_UN);
}

static void
rotated_name(int k, char name[32])
{
	snprintf(name, 32, "events.%d.jsonl", k);
}

/* events.jsonl -> events.1.jsonl -> ... -> events.K.jsonl (the old K is replaced). Names
 * are renamed within the directory's descriptor: a symlink is moved, never followed. */
static int
rotate(struct ctx_appendlog *l)
{
	char from[32], to[32];

	for (int k = l->keep; k >= 2; k--) {
		rotated_name(k - 1, from);
		rotated_name(k, to);
		if (renameat(l->dfd, from, l->dfd, to) < 0 && errno != ENOENT)
			return -errno;
	}
	if (l->keep >= 1) {
		rotated_name(1, to);
		if (renameat(l->dfd, "events.jsonl", l->dfd, to) < 0 && errno != ENOENT)
			return -errno;
	} else if (unlinkat(l->dfd, "events.jsonl", 0) < 0 && errno != ENOENT) {
		return -errno;
	}
	return open_log(l);
}

/* Reopen events.jsonl when our descriptor no longer names it (another writer rotated). */
static int
follow_rotation(struct ctx_appendlog *l)
{
	struct stat fs, ps;

	if (fstat(l->fd, &fs) < 0)
		return -errno;
	if (fstatat(l->dfd, "events.jsonl", &ps, AT_SYMLINK_NOFOLLOW) == 0 && ps.st_ino == fs.st_ino &&
	    ps.st_dev == fs.st_dev)
		return 0;
	return open_log(l);
}

/* Write all of p[0, n) at the end; on failure truncate back to `size`. */
static int
write_whole(int fd, const char *p, size_t n, off_t size)
{
	size_t off = 0;

	while (off < n) {
		ssize_t w = write(fd, p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = w < 0 ? -errno : -EIO;
			if (ftruncate(fd, size) < 0 && err == 0)
				err = -errno;
			return err;
		}
		off += (size_t)w; /* a short write is continued: a failure then says why */
	}
	return 0;
}

/* A writer killed inside write(2) can leave part of a batch: the kernel stops a buffered
 * write at a page boundary when a fatal signal is pending, and a dead process truncates
 * nothing back. The next writer, under the lock, cuts the log back to its last '\n'.
 * Returns the (new) size or a negative errno. */
static off_t
repair_tail(int fd, off_t size)
{
	char block[4096];
	off_t end = size;

	while (end > 0) {
		size_t n = end < (off_t)sizeof block ? (size_t)end : sizeof block;
		ssize_t got = pread(fd, block, n, end - (off_t)n);
		if (got != (ssize_t)n)
			return got < 0 ? -errno : -EIO;
		if (end == size && block[n - 1] == '\n')
			return size; /* the usual case: one byte read */
		for (size_t i = n; i > 0; i--)
			if (block[i - 1] == '\n') {
				end = end - (off_t)n + (off_t)i;
				return ftruncate(fd, end) < 0 ? -errno : end;
			}
		end -= (off_t)n;
	}
	return ftruncate(fd, 0) < 0 ? -errno : 0;
}

int
ctx_appendlog_append(struct ctx_appendlog *l, const char *buf, size_t len, size_t *done)
{
	struct stat st;
	int err;

	*done = 0;
	if ((err = follow_rotation(l)) < 0)
		return err;
	if (fstat(l->fd, &st) < 0)
		return -errno;
	off_t size = repair_tail(l->fd, st.st_size);
	if (size < 0)
		return (int)size;
	size_t pos = 0;
	while (pos < len) {
		size_t end = len;
		if (l->max_bytes > 0) {
			/* The longest run of whole lines that keeps the file within max_bytes. */
			end = pos;
			for (;;) {
				const char *nl = memchr(buf + end, '\n', len - end);
				size_t next = nl ? (size_t)(nl - buf) + 1 : len;
				if (end > pos && size + (off_t)(next - pos) > l->max_bytes)
					break;
				if (end == pos && size > 0 && size + (off_t)(next - pos) > l->max_bytes)
					break;
				end = next;
				if (end == len)
					break;
			}
			if (end == pos) {
				if ((err = rotate(l)) < 0)
					return err;
				size = 0;
				continue;
			}
		}
		if ((err = write_whole(l->fd, buf + pos, end - pos, size)) < 0)
			return err;
		size += (off_t)(end - pos);
		pos = end;
		*done = pos;
	}
	return 0;
}

/* ---- readers ---- */

/* The number K of a name events.K.jsonl, or -1 for any other name. */
static long
rotation_of(const char *name)
{
	size_t len = strlen(name), digits = len > 13 ? strspn(name + 7, "0123456789") : 0;

	if (strncmp(name, "events.", 7) != 0 || digits == 0 || digits != len - 13 ||
	    strcmp(name + len - 6, ".jsonl") != 0)
		return -1;
	return strtol(name + 7, NULL, 10);
}

static int
by_age(const void *a, const void *b)
{
	long x = rotation_of(strrchr(((const struct ctx_logfile *)a)->path, '/') + 1);
	long y = rotation_of(strrchr(((const struct ctx_logfile *)b)->path, '/') + 1);

	return (x < y) - (x > y); /* oldest (highest number) first; events.jsonl (-1) last */
}

/* The log's files in the directory dfd (named dir in their paths), oldest first; *n of
 * them. 0 or a negative errno. */
static int
list_files(int dfd, const char *dir, struct ctx_logfile **out, int *n)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	const struct dirent *de;
	int err = 0;

	*out = NULL;
	*n = 0;
	if (!d) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	rewinddir(d);
	while (!err && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, "events.jsonl") != 0 && rotation_of(de->d_name) < 0)
			continue;
		struct ctx_logfile *p = realloc(*out, (size_t)(*n + 1) * sizeof *p);
		struct ctx_buf path = { 0 };
		if (!p || ctx_buf_addf(&path, "%s/%s", dir, de->d_name) < 0) {
			free(p ? p : *out);
			*out = NULL;
			*n = 0;
			err = -ENOMEM;
			break;
		}
		*out = p;
		p[(*n)++] = (struct ctx_logfile){ path.data, -1, 0, 0 };
	}
	closedir(d);
	if (*n > 1)
		qsort(*out, (size_t)*n, sizeof **out, by_age);
	return err;
}

int
ctx_appendlog_snapshot(const char *dir, const char *root, int timeout_ms, struct ctx_logfile **files,
    int *count, bool *locked)
{
	int dfd, lockfd = -1, n = 0, err;

	*files = NULL;
	*count = 0;
	if ((err = ctx_privdir_open(dir, root, CTX_PRIVDIR_READONLY, &dfd)) != 0)
		return err;
	/* No lock file: no writer ever opened the log. */
	*locked = ctx_privfile_open(dfd, "events.lock", O_RDONLY, 0, &lockfd) != 0 ||
		  lock_within(lockfd, LOCK_SH, timeout_ms) == 0;
	/* Listed under the lock too: a rotation between listing and opening would hide a file. */
	err = list_files(dfd, dir, files, &n);
	for (int i = 0; i < n && !err; i++) {
		struct ctx_logfile *f = &(*files)[i];
		struct stat st;
		f->refused = ctx_privfile_open(dfd, strrchr(f->path, '/') + 1, O_RDONLY, 0, &f->fd);
		if (f->refused == 0 && fstat(f->fd, &st) == 0)
			f->size = st.st_size;
		else if (f->refused == 0)
			f->refused = -errno;
		if (f->refused == -ENOENT && !*locked) /* without the lock, rotation may remove one */
			f->refused = 0;
	}
	if (lockfd >= 0)
		close(lockfd); /* and the lock with it */
	close(dfd);
	if (err) {
		ctx_appendlog_snapshot_free(*files, n);
		*files = NULL;
		return err;
	}
	*count = n;
	return 0;
}

void
ctx_appendlog_snapshot_free(struct ctx_logfile *files, int n)
{
	for (int i = 0; i < n; i++) {
		if (files[i].fd >= 0)
			close(files[i].fd);
		free(files[i].path);
	}
	free(files);
}
