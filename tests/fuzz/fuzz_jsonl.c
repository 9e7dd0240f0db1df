/* libFuzzer target: the JSON Lines reader, over a file holding the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jsonl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("jsonl", 0), err;
	char path[64];
	const char *line;
	size_t len;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct ctx_jsonl *r = ctx_jsonl_open(path, 64, &err); /* a small limit: overlong lines too */
	while (r && ctx_jsonl_next(r, &line, &len) != 0)
		;
	ctx_jsonl_free(r);
	close(fd);
	return 0;
}
