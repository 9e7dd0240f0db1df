#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appendlog.h"
#include "sha256.h"
#include "skeleton.h"

void
ctx_cache_key(const char *content_hex, const char *grammar, char key[65])
{
	struct ctx_buf b = { 0 };

	if (ctx_buf_addf(&b, "%s\nschema %d\n%s\n", content_hex, CTX_SKELETON_SCHEMA, grammar) < 0) {
		memset(key, '0', 64); /* out of memory: a key that no entry will match */
		key[64] = '\0';
		return;
	}
	ctx_sha256_hex(b.data, b.len, key);
	ctx_buf_free(&b);
}

static int
entry_path(const char *dir, const char *key, struct ctx_buf *p)
{
	return ctx_buf_addf(p, "%s/%.2s/%s", dir, key, key + 2);
}

int
ctx_cache_get(const char *dir, const char *key, struct ctx_buf *out)
{
	struct ctx_buf path = { 0 };
	int err;

	if (entry_path(dir, key, &path) < 0)
		return -ENOMEM;
	err = ctx_buf_read_file(out, path.data);
	ctx_buf_free(&path);
	if (err == -ENOENT)
		return 0;
	return err < 0 ? err : 1;
}

int
ctx_cache_put(const char *dir, const char *key, const char *data, size_t len)
{
	struct ctx_buf path = { 0 }, tmp = { 0 };
	int fd = -1, err = 0;

	if (entry_path(dir, key, &path) < 0 || ctx_buf_addf(&tmp, "%s/%.2s/.%s.XXXXXX", dir, key, key + 2) < 0) {
		err = -ENOMEM;
		goto out;
	}
	fd = mkostemp(tmp.data, O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* The fan-out directory is new. mkostemp spent the template: write it again. */
		char *slash = strrchr(tmp.data, '/');
		*slash = '\0';
		err = ctx_appendlog_mkdirs(tmp.data, 0700);
		ctx_buf_truncate(&tmp, 0);
		if (err == 0 && ctx_buf_addf(&tmp, "%s/%.2s/.%s.XXXXXX", dir, key, key + 2) < 0)
			err = -ENOMEM;
		if (err == 0)
			fd = mkostemp(tmp.data, O_CLOEXEC);
	}
	if (fd < 0) {
		err = err ? err : -errno;
		goto out;
	}
	for (size_t off = 0; off < len && !err;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			err = w < 0 ? -errno : -EIO;
		else
			off += (size_t)w;
	}
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp.data, path.data) < 0)
		err = -errno;
	if (err)
		unlink(tmp.data);
out:
	ctx_buf_free(&path);
	ctx_buf_free(&tmp);
	return err;
}
