/* libFuzzer target: ctx-mcp's protocol loop over arbitrary client bytes. Checked: every
 * line it writes is one JSON-RPC 2.0 object (a result or an error), whatever came in. The
 * workspace is an empty directory and no ctx program can be found, so a call that needs a
 * child fails at once, as a tool error. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cJSON.h>

#include "evstream.h"
#include "mcp.h"

static char root[] = "/tmp/ctx-fuzz-mcp-XXXXXX";
static char dir[sizeof root + 32];
static struct ctx_evstream *events;
static int here = -1; /* the fuzzer's directory: its corpus and findings are relative to it */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int err;

	(void)argc;
	(void)argv;
	if (!mkdtemp(root) || (here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		abort();
	snprintf(dir, sizeof dir, "%s/_ctx/telemetry", root);
	setenv("PATH", "/nonexistent", 1);
	setenv("CTX_NO_TELEMETRY", "1", 1);
	if (!(events = ctx_evstream_open("", "fuzz", "00000000", &err)))
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int in = memfd_create("fuzz-mcp-in", MFD_CLOEXEC);
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);

	if (in < 0 || !f || (size && write(in, data, size) != (ssize_t)size) || lseek(in, 0, SEEK_SET) != 0 ||
	    chdir(root) != 0) /* ctx-mcp works in its root */
		abort();
	struct ctx_mcp_opts o = {
		.root = root, .root_given = root, .dir = dir, .timeout_ms = 50, .ready_timeout_ms = 100,
		.max_result_bytes = 65536, .max_file_bytes = 1 << 20, .events = events, .in_fd = in, .out = f,
		.stop_fd = -1,
	};
	ctx_mcp_run(&o);
	if (fchdir(here) != 0)
		abort();
	fclose(f);
	close(in);
	for (char *p = out, *end = out + outlen; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			abort(); /* every message ends its line */
		cJSON *m = cJSON_ParseWithLength(p, (size_t)(nl - p));
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "jsonrpc");
		if (!cJSON_IsObject(m) || !cJSON_IsString(v) || strcmp(v->valuestring, "2.0") != 0 ||
		    (!cJSON_HasObjectItem(m, "result") && !cJSON_HasObjectItem(m, "error")))
			abort();
		cJSON_Delete(m);
		p = nl + 1;
	}
	free(out);
	return 0;
}
