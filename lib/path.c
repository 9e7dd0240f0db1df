#include "path.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Lexically normalise an absolute POSIX path in place: no "//", "/./", "/x/..". The output
 * is never longer than the input because it starts with the input's '/'. */
void
ctx_path_normalize(char *p)
{
	char *out = p;
	const char *in = p;

	if (p[0] != '/') /* would grow by the '/' written first (found by fuzz_lsp) */
		return;
	while (*in) {
		while (*in == '/')
			in++;
		const char *seg = in;
		while (*in && *in != '/')
			in++;
		size_t n = (size_t)(in - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > p && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, n);
		out += n;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

/* The root-relative form of path if it is root or under it ("." for the root itself). */
const char *
ctx_path_under(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (strncmp(path, root, n) != 0)
		return NULL;
	if (path[n] == '\0')
		return ".";
	if (n == 1) /* root is "/" */
		return path + 1;
	return path[n] == '/' ? path + n + 1 : NULL;
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10 : -1;
}

int
ctx_path_percent_decode(struct ctx_buf *out, const char *s, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
			char c = (char)(hi * 16 + lo);
			err = c ? ctx_buf_add(out, &c, 1) : 0;
			i += 2;
		} else {
			err = ctx_buf_add(out, s + i, 1);
		}
	}
	return err;
}

/* realpath() of the longest existing prefix of path, with the rest appended unresolved.
 * Returns a new string, or NULL when nothing of it exists or on out of memory. */
char *
ctx_path_resolve_existing(const char *path)
{
	char *copy = strdup(path);
	size_t cut = strlen(path); /* copy holds path[0, cut) */

	while (copy) {
		char *real = realpath(copy, NULL);
		if (real) {
			struct ctx_buf b = { 0 };
			const char *tail = path + cut;
			if (*tail && strcmp(real, "/") == 0)
				tail++;
			int err = ctx_buf_adds(&b, real) | ctx_buf_adds(&b, tail);
			free(real);
			free(copy);
			if (err) {
				ctx_buf_release(&b);
				return NULL;
			}
			return b.data;
		}
		char *slash = strrchr(copy, '/');
		if (!slash || slash == copy)
			break;
		*slash = '\0';
		cut = (size_t)(slash - copy);
	}
	free(copy);
	return NULL;
}
