/* libFuzzer target: the C, Go, JavaScript and TypeScript fallback (declresolve) on an
 * arbitrary file. The first byte picks the language; the rest is the file, written into a
 * workspace of its own beside a second file it may import; then definition and hover
 * are asked at every 5th byte's line and column. Every answer must be a JSON array or
 * object with a resolution, and nothing may crash, leak or loop. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "declresolve.h"
#include "pyresolve.h"

static char root[64];
static const char *const files[] = { "f.c", "f.go", "f.js", "f.ts", "m.js", "m.h", "go.mod" };

/* The workspace goes when the process does. */
static void
clean(void)
{
	char path[128];

	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(path, sizeof path, "%s/%s", root, files[i]);
		unlink(path);
	}
	rmdir(root);
}

static void
put(const char *name, const uint8_t *data, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, name);
	if ((f = fopen(path, "wb")) != NULL) {
		fwrite(data, 1, size, f);
		fclose(f);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char other[] = "export const x = 1;\nint x;\nfunc X() {}\n";
	struct ctx_declindex *x;
	struct ctx_buf out = { 0 };

	if (size < 1 || size > 4096)
		return 0;
	if (!root[0]) {
		snprintf(root, sizeof root, "/tmp/ctx-fuzz-declresolve-%d", (int)getpid());
		if (mkdir(root, 0700) != 0 && access(root, F_OK) != 0)
			return 0;
		put("m.js", (const uint8_t *)other, sizeof other - 1);
		put("m.h", (const uint8_t *)other, sizeof other - 1);
		put("go.mod", (const uint8_t *)"module m\n", 9);
		atexit(clean);
	}
	const char *name = files[data[0] % 4];
	put(name, data + 1, size - 1);
	if (!(x = ctx_declindex_new(root)))
		return 0;
	long line = 1, col = 1;
	for (size_t i = 1; i < size; i++) {
		if (i % 5 == 0) {
			for (int hover = 0; hover < 2; hover++) {
				ctx_buf_truncate(&out, 0);
				int res = hover ? ctx_declindex_hover(x, name, line, col, &out)
						: ctx_declindex_definition(x, name, line, col, &out);
				if (res < 0 || res > CTX_RES_DYNAMIC || !out.data ||
				    (out.data[0] != '[' && out.data[0] != '{' && strcmp(out.data, "null") != 0))
					__builtin_trap();
			}
		}
		if (data[i] == '\n') {
			line++;
			col = 1;
		} else if ((data[i] & 0xC0) != 0x80) {
			col++;
		}
	}
	ctx_declindex_free(x);
	ctx_buf_release(&out);
	return 0;
}
