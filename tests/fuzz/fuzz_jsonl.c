/* libFuzzer target: the JSON Lines reader, over a file holding the input, read to its
 * end or up to a limit taken from the first byte. Checked: the lines handed out (and the
 * overlong ones skipped) are exactly the lines of the bytes within the limit, none longer
 * than the maximum, none holding a '\n'. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jsonl.h"

#define MAX_LINE 64 /* small: overlong lines too */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("jsonl", MFD_CLOEXEC), err, got;
	long long limit = size && data[0] & 1 ? (long long)(data[0] % (size + 1)) : -1;
	size_t upto = limit < 0 ? size : (size_t)limit, lines = 0, want = 0, len;
	const char *line;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	for (size_t i = 0; i < upto; i++)
		want += data[i] == '\n';
	want += upto && data[upto - 1] != '\n'; /* a last line without '\n' */
	struct ctx_jsonl *r = ctx_jsonl_open_fd(fd, "fuzz", limit, MAX_LINE, &err);
	while (r && (got = ctx_jsonl_next(r, &line, &len)) != 0) {
		if (got == 1 && (len > MAX_LINE || memchr(line, '\n', len) || line[len] != '\0'))
			abort();
		lines++;
	}
	if (r && lines != want)
		abort();
	ctx_jsonl_free(r);
	return 0;
}
