/* atomicfile: replace a file so that a reader sees the old or the new content, never half:
 * a temporary file in the same directory, fsync, rename, fsync of the directory. The
 * temporary file is created O_EXCL | O_NOFOLLOW and the rename replaces whatever name
 * stood at the target (a symlink there is replaced, never followed). */
#ifndef CTX_ATOMICFILE_H
#define CTX_ATOMICFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Write data[0, len) as name in the directory dfd atomically, with exactly the given mode
 * (not masked by the umask); durable: fsync the file and the directory (without, a crash
 * may leave an empty or torn file under the name, which a reader must detect). Returns 0,
 * CTX_REFUSED_NOT_REGULAR (err.h) when a device, FIFO, socket or directory has the name
 * (it is left alone), or a negative errno; on failure the file is unchanged and no
 * temporary file is left. */
int ctx_atomicfile_write_at(int dfd, const char *name, const char *data, size_t len, mode_t mode,
    bool durable);

/* The same, durable, for a path, whose directory is reached as named (symlinks in it followed: the
 * caller chose it). */
int ctx_atomicfile_write(const char *path, const char *data, size_t len, mode_t mode);

#endif
