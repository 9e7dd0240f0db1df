/* path: lexical path work shared by redaction and indexing. */
#ifndef CTX_PATH_H
#define CTX_PATH_H

#include <stddef.h>

/* Normalise an absolute POSIX path in place, without touching the disk: no "//", "/./" or
 * "/x/..", no trailing slash ("/" stays). A relative path is left as it is. */
void ctx_path_normalize(char *p);

/* The part of the normalised absolute path after root when path is root or under it ("."
 * for the root itself), else NULL. Points into path. */
const char *ctx_path_under(const char *path, const char *root);

/* Append s[0, n), the path of a file:// URI, to out with each %XX decoded; a %00 is
 * dropped, a '%' without two hex digits kept as it is. 0 or -ENOMEM. */
struct ctx_buf;
int ctx_path_percent_decode(struct ctx_buf *out, const char *s, size_t n);

/* realpath() of the longest existing prefix of path, with the rest appended unresolved.
 * Returns a new string the caller frees, or NULL when nothing of it exists or on out of
 * memory. */
char *ctx_path_resolve_existing(const char *path);

#endif
