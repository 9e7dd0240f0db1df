/* libFuzzer target: the aggregate of arbitrary lines, and its three documents. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aggregate.h"
#include "buf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx_agg *a = ctx_agg_new(NULL);
	struct ctx_buf out = { 0 };
	const char *p = (const char *)data, *end = p + size;

	while (a && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		ctx_agg_line(a, p, n);
		p += n + 1;
	}
	if (a) {
		ctx_agg_metrics(a, &out);
		ctx_agg_last_run_doc(a, NULL, &out);
		ctx_agg_prom(a, NULL, &out);
	}
	ctx_agg_free(a);
	ctx_buf_free(&out);
	return 0;
}
