#include "safeopen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "path.h"

bool
ctx_denylisted(const char *path)
{
	/* SPEC §6's list, and the files that hold credentials by convention. */
	static const char *const names[] = { ".git", ".env", "node_modules", "__pycache__", ".venv", "venv", ".envrc",
		".netrc", ".pypirc", ".npmrc" };

	for (const char *p = path; *p;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		for (size_t i = 0; i < sizeof names / sizeof *names; i++)
			if (n == strlen(names[i]) && memcmp(p, names[i], n) == 0)
				return true;
		if (n > 5 && memcmp(p, ".env.", 5) == 0)
			return true;
		p += n;
		while (*p == '/')
			p++;
	}
	return false;
}

int
ctx_wsfile_resolve(const char *root, const char *path, char **real)
{
	const char *under;

	if (!(*real = realpath(path, NULL)))
		return -errno;
	if (!(under = ctx_path_under(*real, root)) || ctx_denylisted(under)) {
		free(*real);
		*real = NULL;
		return under ? CTX_REFUSED_DENYLISTED : CTX_REFUSED_OUTSIDE_ROOT;
	}
	return 0;
}

int
ctx_file_read_fd(int fd, size_t max, struct ctx_buf *out)
{
	struct stat st;

	ctx_buf_truncate(out, 0);
	/* Room for all of a regular file at once: a big one is not copied as it grows. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (size_t)st.st_size <= max &&
	    ctx_buf_reserve(out, (size_t)st.st_size + 1) < 0)
		return -ENOMEM;
	for (;;) {
		/* Room for one byte past max, so that a file grown past it is seen. */
		size_t want = max + 1 - out->len, room = out->cap - out->len;
		if (room > 0 && want > room)
			want = room; /* the room made for the whole file */
		else if (want > 65536)
			want = 65536;
		if (ctx_buf_reserve(out, want) < 0)
			return -ENOMEM;
		ssize_t n = read(fd, out->data + out->len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		out->len += (size_t)n;
		if (out->len > max)
			return CTX_REFUSED_TOO_LARGE;
	}
	return ctx_buf_add(out, "", 0);
}

/* What a stat says of a file we are about to read: 0, or a refusal. A hard-linked file is
 * refused when it must be the workspace's own (its other name may be anywhere on the
 * file system: an archive unpacked as root can link /etc/shadow into the tree). */
static int
refusal_of(const struct stat *st, size_t max, bool own)
{
	if (S_ISLNK(st->st_mode))
		return CTX_REFUSED_SYMLINK;
	if (!S_ISREG(st->st_mode))
		return CTX_REFUSED_NOT_REGULAR;
	if (own && st->st_nlink > 1)
		return CTX_REFUSED_HARD_LINK;
	return (unsigned long long)st->st_size > max ? CTX_REFUSED_TOO_LARGE : 0;
}

/* The real path of directory path[0, len) (absolute), from its parent's when it is a
 * plain directory (one lstat), else from realpath; NULL when it has none. Kept in dc. */
static const char *
dir_real(struct ctx_dircache *dc, const char *path, size_t len, int depth)
{
	int created;
	struct ctx_strmap_entry *en = ctx_strmap_get(&dc->dirs, path, len, &created);

	if (!en || !created)
		return en ? en->value : NULL;
	const char *slash = len ? memrchr(path, '/', len) : NULL;
	const char *last = slash ? slash + 1 : path;
	size_t llen = (size_t)(path + len - last);
	char *real = NULL;
	if (len == 0) {
		real = strdup("/");
	} else if (slash && depth < 256 && llen && !(llen == 1 && last[0] == '.') &&
		   !(llen == 2 && last[0] == '.' && last[1] == '.')) {
		const char *parent = dir_real(dc, path, (size_t)(slash - path), depth + 1);
		size_t plen = parent ? strlen(parent) : 0;
		struct stat st;
		if (parent && (real = malloc(plen + llen + 2)) != NULL) {
			snprintf(real, plen + llen + 2, "%s%s%.*s", parent, plen > 1 ? "/" : "", (int)llen, last);
			if (lstat(real, &st) != 0 || !S_ISDIR(st.st_mode)) { /* a symlink: let realpath follow it */
				free(real);
				real = NULL;
			}
		}
	}
	if (!real)
		real = realpath(en->key, NULL);
	/* The map may have grown under the recursion: look the entry up again. */
	en = ctx_strmap_find(&dc->dirs, path, len);
	if (en)
		en->value = real;
	else
		free(real);
	return en ? en->value : NULL;
}

int
ctx_wsfile_resolve_cached(const char *root, const char *path, struct ctx_dircache *dc, char **real,
    struct stat *st)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) : 0;

	*real = NULL;
	st->st_mode = 0;
	if (slash && *base && strcmp(base, ".") != 0 && strcmp(base, "..") != 0) {
		if (dc->dirs.n >= 4096)
			ctx_dircache_release(dc);
		const char *dreal = dir_real(dc, path, dlen, 0);
		size_t rlen = dreal ? strlen(dreal) : 0, size = rlen + strlen(base) + 2;
		char *cand = dreal ? malloc(size) : NULL;
		if (cand) {
			snprintf(cand, size, "%s%s%s", dreal, rlen && dreal[rlen - 1] == '/' ? "" : "/", base);
			if (lstat(cand, st) == 0 && !S_ISLNK(st->st_mode)) { /* a symlink: realpath below */
				const char *under = ctx_path_under(cand, root);
				if (!under || ctx_denylisted(under)) {
					free(cand);
					return under ? CTX_REFUSED_DENYLISTED : CTX_REFUSED_OUTSIDE_ROOT;
				}
				*real = cand;
				return 0;
			}
			free(cand);
			st->st_mode = 0;
		}
	}
	return ctx_wsfile_resolve(root, path, real);
}

void
ctx_dircache_release(struct ctx_dircache *dc)
{
	for (size_t i = 0; i < dc->dirs.n; i++)
		free(dc->dirs.entries[i].value);
	ctx_strmap_release(&dc->dirs);
}

int
ctx_file_stat(const char *path, size_t max, struct stat *st)
{
	if (fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return refusal_of(st, max, true);
}

int
ctx_file_check(const char *path, size_t max, struct stat *st)
{
	return st->st_mode ? refusal_of(st, max, true) : ctx_file_stat(path, max, st);
}

int
ctx_file_read(const char *path, size_t max, bool follow, struct ctx_buf *out)
{
	struct stat st;
	int fd, rc;

	ctx_buf_truncate(out, 0);
	/* Looked at before it is opened: opening a device can act (a tape rewinds). */
	if (fstatat(AT_FDCWD, path, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if ((rc = refusal_of(&st, max, !follow)) != 0)
		return rc;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW))) < 0)
		return errno == ELOOP && !follow ? CTX_REFUSED_SYMLINK : -errno;
	/* And again on the descriptor read: the name may have changed meanwhile. */
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if ((rc = refusal_of(&st, max, !follow)) == 0)
		rc = ctx_file_read_fd(fd, max, out);
	close(fd);
	return rc;
}

int
ctx_wsfile_read(const char *root, const char *path, size_t max, struct ctx_buf *out, char **real)
{
	char *r;
	int rc = ctx_wsfile_resolve(root, path, &r);

	ctx_buf_truncate(out, 0);
	if (rc != 0)
		return rc;
	/* The real path has no symlink left: O_NOFOLLOW only refuses one made meanwhile. */
	rc = ctx_file_read(r, max, false, out);
	if (rc == 0 && real)
		*real = r;
	else
		free(r);
	return rc;
}

/* Why openat(dfd, name, O_NOFOLLOW...) failed with ELOOP or ENOTDIR: a refusal if it is a
 * symlink or not a directory, else the errno. */
static int
why_not(int dfd, const char *name, int err)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return CTX_REFUSED_SYMLINK;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	return -err;
}

/* Open each component of rel below dfd (consumed) without following symlinks. */
static int
walk(int dfd, char *rel, int flags, int *out)
{
	for (char *save = NULL, *c = strtok_r(rel, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next = openat(dfd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && (flags & CTX_PRIVDIR_CREATE)) {
			if (mkdirat(dfd, c, 0700) < 0 && errno != EEXIST) {
				int err = -errno;
				close(dfd);
				return err;
			}
			next = openat(dfd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			int rc = errno == ELOOP || errno == ENOTDIR ? why_not(dfd, c, errno) : -errno;
			close(dfd);
			return rc;
		}
		close(dfd);
		dfd = next;
	}
	*out = dfd;
	return 0;
}

/* mkdir -p of an absolute path, mode 0700 for what it creates, following symlinks (the
 * part of a private directory's path outside the root is the caller's choice). */
static int
mkdirs(char *p)
{
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		int rc = mkdir(p, 0700) < 0 && errno != EEXIST ? -errno : 0;
		if ((*s = c) == '\0' || rc < 0)
			return rc;
	}
}

/* The directory descriptor of dir (a normalised absolute path, modified): walked from the
 * root below it, else from its parent as named. */
static int
reach(char *dir, const char *root, int flags, int *dfd)
{
	const char *under = root ? ctx_path_under(dir, root) : NULL;
	char *rel;
	int fd;

	if (under) {
		fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* under points into dir, or is "." (a literal) for the root itself. */
		rel = strcmp(under, ".") == 0 ? dir + strlen(dir) : dir + (under - dir);
	} else {
		char *slash = strrchr(dir, '/');
		*slash = '\0';
		int rc = (flags & CTX_PRIVDIR_CREATE) && *dir ? mkdirs(dir) : 0;
		if (rc < 0)
			return rc;
		fd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		rel = slash + 1;
	}
	if (fd < 0)
		return -errno;
	return walk(fd, rel, flags, dfd);
}

int
ctx_privdir_open(const char *dir, const char *root, int flags, int *dfd)
{
	char *p = strdup(dir);
	struct stat st;
	int fd = -1, rc;

	*dfd = -1;
	if (!p)
		return -ENOMEM;
	if (p[0] != '/') {
		free(p);
		return -EINVAL;
	}
	ctx_path_normalize(p);
	rc = reach(p, root, flags, &fd);
	free(p);
	if (rc != 0)
		return rc;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
	} else if (!(flags & CTX_PRIVDIR_READONLY)) {
		if (st.st_uid != geteuid())
			rc = CTX_REFUSED_NOT_OURS;
		else if (st.st_mode & (S_IWGRP | S_IWOTH))
			rc = CTX_REFUSED_OPEN_TO_OTHERS;
	}
	if (rc != 0) {
		close(fd);
		return rc;
	}
	*dfd = fd;
	return 0;
}

int
ctx_privfile_open(int dfd, const char *name, int flags, mode_t mode, int *fd)
{
	bool writing = (flags & O_ACCMODE) != O_RDONLY;
	struct stat st;
	int rc = 0;

	*fd = -1;
	/* Looked at before it is opened: opening a device can act. */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (rc = refusal_of(&st, SIZE_MAX, writing)) != 0)
		return rc;
	*fd = openat(dfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
	if (*fd < 0)
		return errno == ELOOP ? CTX_REFUSED_SYMLINK : -errno;
	if (fstat(*fd, &st) < 0)
		rc = -errno;
	else if ((rc = refusal_of(&st, SIZE_MAX, writing)) == 0 && writing && st.st_uid != geteuid())
		rc = CTX_REFUSED_NOT_OURS;
	if (rc != 0) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}
