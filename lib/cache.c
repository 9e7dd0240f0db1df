#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "path.h"
#include "safeopen.h"
#include "sha256.h"
#include "skeleton.h"

#define MAC_HEX 64
#define KEY_BYTES 32

struct ctx_cache {
	int dfd;
	unsigned char key[KEY_BYTES];
};

char *
ctx_cache_dir(const char *opt, const char *root)
{
	const char *env = getenv("CTX_CACHE_DIR");
	const char *dir = opt && *opt ? opt : env && *env ? env : NULL;
	struct ctx_buf b = { 0 };
	char cwd[PATH_MAX];
	int err;

	if (!dir)
		err = ctx_buf_addf(&b, "%s/_ctx/cache/ast", root);
	else if (*dir == '/')
		err = ctx_buf_adds(&b, dir);
	else
		err = getcwd(cwd, sizeof cwd) ? ctx_buf_addf(&b, "%s/%s", cwd, dir) : -ENOMEM;
	if (err) {
		ctx_buf_release(&b);
		return NULL;
	}
	ctx_path_normalize(b.data);
	return b.data;
}

/* $XDG_CACHE_HOME/ctx, else HOME/.cache/ctx (HOME from the environment or passwd, and
 * only when it exists: a home like /nonexistent is never created). */
static char *
key_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	const struct passwd *pw;
	struct ctx_buf b = { 0 };
	struct stat st;

	if (xdg && *xdg == '/')
		return ctx_buf_addf(&b, "%s/ctx", xdg) < 0 ? NULL : b.data;
	if ((!home || *home != '/') && (pw = getpwuid(geteuid())) != NULL)
		home = pw->pw_dir;
	if (!home || *home != '/' || stat(home, &st) < 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return ctx_buf_addf(&b, "%s/.cache/ctx", home) < 0 ? NULL : b.data;
}

/* Read the key file in kfd; a file not ours or readable by others is refused. */
static int
read_key(int kfd, unsigned char key[KEY_BYTES])
{
	struct ctx_buf b = { 0 };
	struct stat st;
	int fd, rc = ctx_privfile_open(kfd, "key", O_RDONLY, 0, &fd);

	if (rc != 0)
		return rc;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (st.st_uid != geteuid())
		rc = CTX_REFUSED_NOT_OURS;
	else if (st.st_mode & 077)
		rc = CTX_REFUSED_OPEN_TO_OTHERS;
	else if ((rc = ctx_file_read_fd(fd, KEY_BYTES, &b)) == 0 && b.len != KEY_BYTES)
		rc = -EINVAL;
	if (rc == 0 && b.data) /* b.len is KEY_BYTES */
		memcpy(key, b.data, KEY_BYTES);
	close(fd);
	ctx_buf_release(&b);
	return rc;
}

/* The user's key, made on first use. Two processes making it at once: the file is
 * written under a temporary name and linked to "key", which fails if the other won; the
 * winner's key is then read. */
static int
load_key(const char *dir, unsigned char key[KEY_BYTES], bool *of_file)
{
	int kfd, rc = ctx_privdir_open(dir, NULL, CTX_PRIVDIR_CREATE, &kfd);

	*of_file = false;
	if (rc != 0)
		return rc;
	*of_file = true;
	if ((rc = read_key(kfd, key)) == -ENOENT) {
		unsigned char fresh[KEY_BYTES];
		char tmp[64];
		snprintf(tmp, sizeof tmp, ".key.%ld", (long)getpid());
		if (getrandom(fresh, sizeof fresh, 0) != (ssize_t)sizeof fresh)
			rc = -EIO;
		else if ((rc = ctx_atomicfile_write_at(kfd, tmp, (const char *)fresh, sizeof fresh, 0600, true)) == 0) {
			if (linkat(kfd, tmp, kfd, "key", 0) < 0 && errno != EEXIST)
				rc = -errno;
			unlinkat(kfd, tmp, 0);
			if (rc == 0)
				rc = read_key(kfd, key);
		}
	}
	close(kfd);
	return rc;
}

/* The message for a failure rc of path. */
static void
say(char *why, size_t size, const char *path, int rc)
{
	snprintf(why, size, "%s: %s%s", path, rc > 0 ? "refused: " : "", ctx_code_phrase(rc));
}

int
ctx_cache_open(const char *dir, const char *root, struct ctx_cache **c, char *why, size_t size)
{
	struct ctx_cache *k = calloc(1, sizeof *k);
	char *kdir = NULL;
	bool of_file;
	int rc = -ENOMEM;

	*c = NULL;
	if (!k) {
		say(why, size, dir, rc);
		return rc;
	}
	k->dfd = -1;
	if (!(kdir = key_dir())) {
		rc = -ENOENT;
		snprintf(why, size, "no $XDG_CACHE_HOME nor an existing home directory for the cache key");
	} else if ((rc = load_key(kdir, k->key, &of_file)) != 0) {
		char key_path[PATH_MAX + 8];
		snprintf(key_path, sizeof key_path, "%s%s", kdir, of_file ? "/key" : "");
		say(why, size, key_path, rc == -EINVAL ? -EBADMSG : rc); /* -EINVAL: not 32 bytes */
	} else if ((rc = ctx_privdir_open(dir, root, CTX_PRIVDIR_CREATE, &k->dfd)) != 0) {
		say(why, size, dir, rc);
	}
	free(kdir);
	if (rc != 0) {
		ctx_cache_free(k);
		return rc;
	}
	*c = k;
	return 0;
}

void
ctx_cache_free(struct ctx_cache *c)
{
	if (!c)
		return;
	if (c->dfd >= 0)
		close(c->dfd);
	OPENSSL_cleanse(c->key, sizeof c->key);
	free(c);
}

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
	ctx_buf_release(&b);
}

/* The entry's MAC in hex: HMAC(HMAC(user key, cache key), data), so an entry verifies
 * only under the name it was written for. */
static void
entry_mac(const struct ctx_cache *c, const char *key, const char *data, size_t len, char hex[MAC_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char sub[32], mac[32];

	ctx_hmac_sha256(c->key, sizeof c->key, key, 64, sub);
	ctx_hmac_sha256(sub, sizeof sub, data, len, mac);
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 15];
	}
	hex[MAC_HEX] = '\0';
}

int
ctx_cache_get(struct ctx_cache *c, const char *key, struct ctx_buf *out)
{
	char fan[3] = { key[0], key[1], '\0' }, mac[MAC_HEX + 1];
	int sub, fd, rc;

	ctx_buf_truncate(out, 0);
	/* The fan-out directory is opened without following a symlink too: openat of "ab/cd..."
	 * would follow "ab". */
	if ((sub = openat(c->dfd, fan, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? 0 : -errno;
	rc = ctx_privfile_open(sub, key + 2, O_RDONLY, 0, &fd);
	close(sub);
	if (rc != 0)
		return rc == -ENOENT || rc > 0 ? 0 : rc;
	rc = ctx_file_read_fd(fd, CTX_CACHE_MAX_ENTRY, out);
	close(fd);
	if (rc < 0)
		return rc;
	if (rc > 0 || out->len < MAC_HEX + 1 || out->data[MAC_HEX] != '\n')
		return 0;
	entry_mac(c, key, out->data + MAC_HEX + 1, out->len - MAC_HEX - 1, mac);
	if (CRYPTO_memcmp(mac, out->data, MAC_HEX) != 0)
		return 0;
	memmove(out->data, out->data + MAC_HEX + 1, out->len - MAC_HEX); /* and the NUL */
	out->len -= MAC_HEX + 1;
	return 1;
}

int
ctx_cache_put(struct ctx_cache *c, const char *key, const char *data, size_t len)
{
	char fan[3] = { key[0], key[1], '\0' }, mac[MAC_HEX + 1];
	struct ctx_buf b = { 0 };
	int sub, rc;

	if (mkdirat(c->dfd, fan, 0700) < 0 && errno != EEXIST)
		return -errno;
	if ((sub = openat(c->dfd, fan, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -errno;
	entry_mac(c, key, data, len, mac);
	if (ctx_buf_add(&b, mac, MAC_HEX) < 0 || ctx_buf_add(&b, "\n", 1) < 0 || ctx_buf_add(&b, data, len) < 0)
		rc = -ENOMEM;
	else
		rc = ctx_atomicfile_write_at(sub, key + 2, b.data, b.len, 0600, false);
	close(sub);
	ctx_buf_release(&b);
	return rc;
}
