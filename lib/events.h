/* events: the telemetry events a producing tool (ctx-parse, ctx-lsp) writes to the stream
 * named by --events or $CTX_EVENTS ("-" is standard output), one JSON line per event,
 * each with one write(2), so lines from threads never interleave and lines under
 * PIPE_BUF bytes reach a pipe whole. ctx-emit validates and redacts them. */
#ifndef CTX_EVENTS_H
#define CTX_EVENTS_H

#include <stdbool.h>

#include "buf.h"

struct ctx_events;

/* Open the stream: path, else $CTX_EVENTS; neither, or CTX_NO_TELEMETRY=1, gives a stream
 * that writes nothing. run_id and segment_id are copied. Returns the stream, or NULL with
 * *err a negative errno when the path cannot be opened. */
struct ctx_events *ctx_events_open(const char *path, const char *run_id, const char *segment_id, int *err);
/* True when events are written at all (so callers can skip building them). */
bool ctx_events_on(const struct ctx_events *ev);

/* Write one event. args, result and x are JSON object texts (NULL for {}); timing_ms < 0
 * leaves timing_ms out. Thread-safe. A write error turns the stream off (telemetry never
 * stops the work); ctx_events_failed then gives its negative errno, else 0. */
void ctx_events_emit(struct ctx_events *ev, const char *cmd, const char *args, const char *result,
    long timing_ms, const char *x);
int ctx_events_failed(const struct ctx_events *ev);

/* Close the stream (not standard output). NULL is fine. */
void ctx_events_close(struct ctx_events *ev);

#endif
