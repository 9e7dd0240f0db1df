/* libFuzzer target: event validation, normalisation and redaction of one line. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "event.h"
#include "redact.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx_redact *r;
	static struct ctx_arena a;
	struct ctx_buf out = { 0 };
	char why[256];
	bool critical;

	if (!r)
		r = ctx_redact_new("/tmp/ws", "/tmp/link", false);
	struct ctx_event_env env = { "run_fuzz", "0123abcd", r };
	ctx_event_normalize(&env, &a, (const char *)data, size, &out, &critical, why, sizeof why);
	ctx_buf_free(&out);
	return 0;
}
