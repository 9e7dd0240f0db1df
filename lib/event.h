/* event: validation and normalisation of one telemetry event line (SPEC.md §2), with
 * redaction (§3), into the compact line that ctx-emit appends to events.jsonl. */
#ifndef CTX_EVENT_H
#define CTX_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "redact.h"

#define CTX_EVENT_MAX_LINE 65536 /* bytes of a normalised line, without its '\n' */
#define CTX_CMD_MAX 64

/* What an event is normalised against. Nothing here is owned by the event module. */
struct ctx_event_env {
	const char *run_id;     /* for events without one; should pass ctx_workspace_run_id_ok, and
				 * is written with every other byte as '_' when it does not */
	const char *segment_id; /* 8 hex digits of the workspace root */
	struct ctx_redact *redact;
};

/* Validate, normalise and redact one input line (len bytes, no '\n'), and append the
 * event line with its '\n' to out. The arena a is reset and used as scratch. Returns 0;
 * or CTX_REJECTED (err.h) when the line is rejected, with the reason in why (out
 * unchanged); or -ENOMEM.
 * *critical tells whether the event may never be dropped by skip mode. */
int ctx_event_normalize(const struct ctx_event_env *env, struct ctx_arena *a, const char *line,
    size_t len, struct ctx_buf *out, bool *critical, char *why, size_t whylen);

/* Append the telemetry.drop event line for `dropped` of `attempted` events. 0 or -ENOMEM. */
int ctx_event_drop_line(const struct ctx_event_env *env, long dropped, long attempted,
    struct ctx_buf *out);

/* True when cmd matches ^[a-z0-9_]+(\.[a-z0-9_]+)*$ and is at most 64 bytes. */
bool ctx_event_cmd_valid(const char *cmd);
/* True for cmds that skip mode never drops: lsp.ready, file.read, telemetry.*, *.end. */
bool ctx_event_cmd_critical(const char *cmd);


#endif
