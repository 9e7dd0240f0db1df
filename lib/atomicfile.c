#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

int
ctx_atomicfile_write(const char *path, const char *data, size_t len)
{
	struct ctx_buf tmp = { 0 };
	char *copy = strdup(path);
	const char *dir = copy ? dirname(copy) : NULL;
	const char *base = strrchr(path, '/');
	int fd = -1, err = 0;

	base = base ? base + 1 : path;
	if (!dir || ctx_buf_addf(&tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
		err = -ENOMEM;
		goto out;
	}
	if ((fd = mkostemp(tmp.data, O_CLOEXEC)) < 0) {
		err = -errno;
		goto out;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? -errno : -EIO;
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		err = -errno;
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp.data, path) < 0) {
		err = -errno;
		goto out;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd); /* the rename itself made durable; a failure here loses nothing */
		close(dfd);
	}
out:
	if (fd >= 0)
		close(fd);
	if (err && tmp.data)
		unlink(tmp.data);
	ctx_buf_free(&tmp);
	free(copy);
	return err;
}
