/* safeopen: opening what an attacker may have placed. A cloned workspace, its _ctx/
 * included, is hostile input: a file there may be a symlink out of the root or into .git,
 * a FIFO that blocks a reader forever, a device that never ends, or a directory another
 * user can write to. Everything the tools read from a workspace or write into a private
 * directory (the telemetry directory, the cache) is opened through this module:
 *
 * - a workspace file is read only when its real path is inside the root's real path, no
 *   component of it below the root is denylisted, and the descriptor we read is a regular
 *   file within a size bound (checked with fstat on that descriptor, opened O_NONBLOCK);
 * - a private directory is reached from a descriptor without following a symlink in any
 *   component below the root (outside the root, in its last component), and must be ours
 *   and closed to group and others before anything in it is written;
 * - a file in a private directory is opened with openat(O_NOFOLLOW | O_NONBLOCK), must be
 *   a regular file, and must be ours when it is opened for writing.
 *
 * Functions return 0, a positive enum ctx_refusal (err.h) when the input is refused, or a
 * negative errno when a system call failed. */
#ifndef CTX_SAFEOPEN_H
#define CTX_SAFEOPEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "err.h"
#include "strmap.h"

struct ctx_buf;

/* True when a path is never to be opened: a component .git, .env, .env.*, node_modules,
 * __pycache__, .venv or venv. Lexical; the path may be relative. */
bool ctx_denylisted(const char *path);

/* The real path of a workspace file: path (absolute, or relative to the current
 * directory) resolved, which must lie inside root (a real path) with no denylisted
 * component below it. Returns 0 with *real (the caller frees it), a refusal
 * (OUTSIDE_ROOT, DENYLISTED; *real NULL), or a negative errno (-ENOENT...). Nothing is
 * opened. */
int ctx_wsfile_resolve(const char *root, const char *path, char **real);

/* ctx_wsfile_resolve for many files of few directories: the real paths of the directories
 * seen are kept (4,096 at most), and a file in one that is not a symlink is resolved with
 * one lstat. The caller zeroes it first and releases it with ctx_dircache_release. */
struct ctx_dircache {
	struct ctx_strmap dirs; /* a directory as given -> its real path (NULL: none) */
};
/* As ctx_wsfile_resolve; *st is the file's lstat when that was taken on the way (else
 * its st_mode is 0). */
int ctx_wsfile_resolve_cached(const char *root, const char *path, struct ctx_dircache *dc, char **real,
    struct stat *st);
void ctx_dircache_release(struct ctx_dircache *dc);

/* Read a regular file whole into out (cleared first, NUL-terminated), at most max bytes:
 * looked at with stat before it is opened (a device is never opened), opened O_NONBLOCK
 * (and O_NOFOLLOW unless follow), checked again with fstat on that descriptor. Unless
 * follow, a file with several hard links is refused too (its other name may be outside
 * the root). Returns 0, a refusal (NOT_REGULAR, TOO_LARGE, SYMLINK, HARD_LINK), or -errno. */
int ctx_file_read(const char *path, size_t max, bool follow, struct ctx_buf *out);

/* What ctx_file_read(path, max, false, …) checks before it opens: lstat, then the same
 * refusals. Returns 0 with *st, a refusal, or -errno. Nothing is opened. */
int ctx_file_stat(const char *path, size_t max, struct stat *st);
/* ctx_file_stat, but with *st already taken when its st_mode is not 0. */
int ctx_file_check(const char *path, size_t max, struct stat *st);

/* Read what the descriptor of a regular file holds, at most max bytes (TOO_LARGE when it
 * has more, as a file that grew). Returns 0, a refusal or -errno; fd is not closed. */
int ctx_file_read_fd(int fd, size_t max, struct ctx_buf *out);

/* ctx_wsfile_resolve, then ctx_file_read of the real path. *real (may be NULL: not
 * wanted) receives the real path on success. */
int ctx_wsfile_read(const char *root, const char *path, size_t max, struct ctx_buf *out, char **real);

enum {
	CTX_PRIVDIR_CREATE = 1,   /* create missing components, mode 0700 */
	CTX_PRIVDIR_READONLY = 2, /* only read: skip the owner and mode checks */
};

/* Open the private directory dir (absolute) for openat. Below root (a real path, or NULL)
 * every component is walked without following a symlink; outside it, the parent is
 * reached as the caller named it and the last component is not followed. Unless
 * READONLY, the directory must be owned by the effective user and not writable by group
 * or others. Returns 0 with *dfd, a refusal (SYMLINK, NOT_REGULAR for a non-directory,
 * NOT_OURS, OPEN_TO_OTHERS), or -errno (-ENOENT when missing and not CREATE). */
int ctx_privdir_open(const char *dir, const char *root, int flags, int *dfd);

/* openat(dfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode) of a name that is
 * not a symlink nor anything but a regular file when it exists (checked before opening),
 * then fstat: a regular file, and, when flags open it for writing, ours with no other hard
 * link (writing through one would write outside). Returns 0 with *fd, a refusal (SYMLINK,
 * NOT_REGULAR, NOT_OURS, HARD_LINK), or -errno. */
int ctx_privfile_open(int dfd, const char *name, int flags, mode_t mode, int *fd);

#endif
