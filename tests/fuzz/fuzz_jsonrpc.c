/* libFuzzer target: Content-Length framing, fed in two pieces, and the messages parsed
 * the way ctx-lsp parses them. */
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "jsonrpc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx_jsonrpc_decoder d = { 0 };
	const char *body;
	size_t len, half = size ? data[0] % (size + 1) : 0;

	ctx_jsonrpc_feed(&d, (const char *)data, half);
	for (int piece = 0; piece < 2; piece++) {
		int rc;
		while ((rc = ctx_jsonrpc_next(&d, &body, &len)) == CTX_JSONRPC_MESSAGE)
			cJSON_Delete(cJSON_ParseWithLength(body, len));
		if (rc < 0 || piece == 1)
			break;
		ctx_jsonrpc_feed(&d, (const char *)data + half, size - half);
	}
	ctx_jsonrpc_release(&d);
	return 0;
}
