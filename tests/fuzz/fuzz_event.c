/* libFuzzer target: event validation, normalisation and redaction of one line. Checked:
 * an accepted line comes out as one JSON object line, and ctx-emit accepts its own output
 * again (what --tee prints can be piped into another ctx-emit). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "event.h"
#include "json.h"
#include "redact.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx_redact *r;
	static struct ctx_arena a;
	struct ctx_buf out = { 0 }, again = { 0 };
	char why[256];
	bool critical;
	size_t off;

	if (!r)
		r = ctx_redact_new("/tmp/ws", "/tmp/link", false);
	struct ctx_event_env env = { "run_fuzz", "0123abcd", r };
	if (ctx_event_normalize(&env, &a, (const char *)data, size, &out, &critical, why, sizeof why) == 0) {
		if (!out.len || out.data[out.len - 1] != '\n' || memchr(out.data, '\n', out.len - 1))
			abort();
		const struct ctx_json *v = ctx_json_parse(&a, out.data, out.len - 1, &off);
		if (!v || v->type != CTX_JSON_OBJECT)
			abort();
		if (ctx_event_normalize(&env, &a, out.data, out.len - 1, &again, &critical, why, sizeof why) != 0) {
			fprintf(stderr, "fuzz_event: its own output rejected (%s): %s", why, out.data);
			abort();
		}
	}
	ctx_buf_release(&out);
	ctx_buf_release(&again);
	return 0;
}
