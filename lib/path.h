/* path: lexical path work shared by redaction and indexing. */
#ifndef CTX_PATH_H
#define CTX_PATH_H

/* Normalise an absolute POSIX path in place, without touching the disk: no "//", "/./" or
 * "/x/..", no trailing slash ("/" stays). */
void ctx_path_normalize(char *p);

/* The part of the normalised absolute path after root when path is root or under it ("."
 * for the root itself), else NULL. Points into path. */
const char *ctx_path_under(const char *path, const char *root);

/* realpath() of the longest existing prefix of path, with the rest appended unresolved.
 * Returns a new string the caller frees, or NULL when nothing of it exists or on out of
 * memory. */
char *ctx_path_resolve_existing(const char *path);

#endif
