#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"

/* Create ".<name>.<12 hex>" in dfd, exclusively. Returns the descriptor or -errno. */
static int
create_temp(int dfd, const char *name, mode_t mode, struct ctx_buf *tmp)
{
	for (int tries = 0; tries < 16; tries++) {
		unsigned char r[6];
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
			return -EIO;
		tmp->len = 0;
		if (ctx_buf_addf(tmp, ".%s.%02x%02x%02x%02x%02x%02x", name, r[0], r[1], r[2], r[3], r[4], r[5]) < 0)
			return -ENOMEM;
		int fd = openat(dfd, tmp->data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			if (fchmod(fd, mode) < 0) {
				int err = -errno;
				close(fd);
				unlinkat(dfd, tmp->data, 0);
				return err;
			}
			return fd;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int
ctx_atomicfile_write_at(int dfd, const char *name, const char *data, size_t len, mode_t mode,
    bool durable)
{
	struct ctx_buf tmp = { 0 };
	struct stat st;
	int fd, err = 0;

	/* A device, FIFO, socket or directory at the name is never replaced: a root user's
	 * --prom /dev/null must not turn /dev/null into a file. A symlink is (it is a name). */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return CTX_REFUSED_NOT_REGULAR;
	if ((fd = create_temp(dfd, name, mode, &tmp)) < 0) {
		ctx_buf_release(&tmp);
		return fd;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)w;
	}
	if (!err && durable && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && renameat(dfd, tmp.data, dfd, name) < 0)
		err = -errno;
	if (err)
		unlinkat(dfd, tmp.data, 0);
	else if (durable)
		fsync(dfd); /* the rename itself made durable; a failure here loses nothing */
	ctx_buf_release(&tmp);
	return err;
}

int
ctx_atomicfile_write(const char *path, const char *data, size_t len, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	int dfd, err;

	if (!dir)
		return -ENOMEM;
	dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (dfd < 0)
		return -errno;
	if (slash && !slash[1])
		err = -EISDIR;
	else
		err = ctx_atomicfile_write_at(dfd, slash ? slash + 1 : path, data, len, mode, true);
	close(dfd);
	return err;
}
