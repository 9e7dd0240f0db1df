/* atomicfile: replace a file so that a reader sees the old or the new content, never half:
 * a temporary file in the same directory, fsync, rename, fsync of the directory. */
#ifndef CTX_ATOMICFILE_H
#define CTX_ATOMICFILE_H

#include <stddef.h>

/* Write data[0, len) to path atomically (mode 0600). Returns 0 or a negative errno; on
 * failure path is unchanged and no temporary file is left. */
int ctx_atomicfile_write(const char *path, const char *data, size_t len);

#endif
