#include "jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (256 * 1024)

struct ctx_jsonl {
	int fd;
	char *name;
	char *buf;
	size_t cap, start, end, scan; /* unread bytes are buf[start, end); no '\n' in [start, scan) */
	size_t max_line;
	long long left; /* bytes still to read from fd, or -1: until its end */
	long lineno;
	bool eof, skipping;
};

struct ctx_jsonl *
ctx_jsonl_open_fd(int fd, const char *name, long long limit, size_t max_line, int *err)
{
	struct ctx_jsonl *r = calloc(1, sizeof *r);

	if (!r || !(r->name = strdup(name)) || !(r->buf = malloc(CHUNK + 1))) {
		if (r)
			r->fd = fd;
		else if (fd > STDIN_FILENO)
			close(fd);
		ctx_jsonl_free(r);
		*err = -ENOMEM;
		return NULL;
	}
	r->fd = fd;
	r->cap = CHUNK;
	r->max_line = max_line;
	r->left = limit < 0 ? -1 : limit;
	return r;
}

struct ctx_jsonl *
ctx_jsonl_open(const char *path, size_t max_line, int *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	return ctx_jsonl_open_fd(fd, is_stdin ? "<stdin>" : path, -1, max_line, err);
}

void
ctx_jsonl_free(struct ctx_jsonl *r)
{
	if (!r)
		return;
	if (r->fd > STDIN_FILENO)
		close(r->fd);
	free(r->name);
	free(r->buf);
	free(r);
}

long
ctx_jsonl_lineno(const struct ctx_jsonl *r)
{
	return r->lineno;
}

const char *
ctx_jsonl_name(const struct ctx_jsonl *r)
{
	return r->name;
}

/* Make room at the end of the buffer: move unread bytes to the front, grow if needed. */
static int
make_room(struct ctx_jsonl *r)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->scan -= r->start;
		r->start = 0;
	}
	if (r->cap - r->end < CHUNK / 4) {
		char *p = realloc(r->buf, r->cap * 2 + 1);
		if (!p)
			return -ENOMEM;
		r->buf = p;
		r->cap *= 2;
	}
	return 0;
}

static int
fill(struct ctx_jsonl *r)
{
	int err = make_room(r);
	if (err < 0)
		return err;
	size_t want = r->cap - r->end;
	if (r->left >= 0 && (unsigned long long)r->left < want)
		want = (size_t)r->left;
	for (;;) {
		ssize_t n = want ? read(r->fd, r->buf + r->end, want) : 0;
		if (n > 0) {
			r->end += (size_t)n;
			r->left -= r->left >= 0 ? n : 0;
			return 0;
		}
		if (n == 0) {
			r->eof = true;
			return 0;
		}
		if (errno != EINTR)
			return -errno;
	}
}

/* Hand out buf[start, stop) as a line and move past it (and its '\n' when there is one). */
static int
take(struct ctx_jsonl *r, size_t stop, size_t next, const char **line, size_t *len)
{
	size_t n = stop - r->start;
	bool skipped = r->skipping;

	*line = r->buf + r->start;
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	r->buf[r->start + n] = '\0';
	*len = n;
	r->start = r->scan = next;
	r->lineno++;
	r->skipping = false;
	return skipped ? -E2BIG : 1;
}

int
ctx_jsonl_next(struct ctx_jsonl *r, const char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		if (nl) {
			size_t stop = (size_t)(nl - r->buf);
			if (stop - r->start > r->max_line)
				r->skipping = true;
			return take(r, stop, stop + 1, line, len);
		}
		r->scan = r->end;
		if (r->end - r->start > r->max_line) {
			/* Keep nothing of an overlong line: only its end is looked for. */
			r->skipping = true;
			r->start = r->scan = r->end;
		}
		if (r->eof) {
			if (r->start == r->end && !r->skipping)
				return 0;
			return take(r, r->end, r->end, line, len);
		}
		int err = fill(r);
		if (err < 0)
			return err;
	}
}

bool
ctx_jsonl_ready(struct ctx_jsonl *r)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };

	if (r->eof || memchr(r->buf + r->scan, '\n', r->end - r->scan))
		return true;
	return poll(&p, 1, 0) > 0;
}
