/* Replays inputs through a libFuzzer target without libFuzzer, so that the ordinary test
 * suite (and its sanitizer build) runs every seed and every input a fuzzer once crashed
 * on. Usage: replay FILE|DIR...; prints how many inputs ran; exits 1 when a path cannot
 * be read. A crash, a failed check or a sanitizer report in the target ends the process
 * the way it would under libFuzzer. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "safeopen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int
replay_file(const char *path, long *count)
{
	struct ctx_buf b = { 0 };

	if (ctx_file_read(path, (size_t)1 << 30, true, &b) != 0) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		ctx_buf_release(&b);
		return 1;
	}
	/* A copy of exactly size bytes, so that reading past the input is an ASan report. */
	uint8_t *copy = malloc(b.len ? b.len : 1);
	if (!copy)
		abort();
	if (b.len)
		memcpy(copy, b.data, b.len);
	LLVMFuzzerTestOneInput(copy, b.len);
	free(copy);
	ctx_buf_release(&b);
	(*count)++;
	return 0;
}

/* A directory's files, in name order. */
static int
replay_dir(const char *dir, long *count)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), rc = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: cannot read\n", dir);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			struct ctx_buf p = { 0 };
			ctx_buf_addf(&p, "%s/%s", dir, names[i]->d_name);
			rc |= replay_file(p.data, count);
			ctx_buf_release(&p);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	long count = 0;
	int rc = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc |= replay_dir(argv[i], &count);
		else
			rc |= replay_file(argv[i], &count);
	}
	printf("%ld inputs\n", count);
	return rc;
}
