/* evstream: a producing tool's stream of telemetry events (ctx-parse, ctx-lsp), to the
 * path named by --events or $CTX_EVENTS ("-" is standard output), one JSON line per event,
 * each with one write(2), so lines from threads never interleave and lines under
 * PIPE_BUF bytes reach a pipe whole. ctx-emit validates and redacts them. */
#ifndef CTX_EVSTREAM_H
#define CTX_EVSTREAM_H

#include <stdbool.h>

#include <sys/types.h>

#include "buf.h"

struct ctx_evstream;

/* Open the stream: path, else $CTX_EVENTS; neither, or CTX_NO_TELEMETRY=1, gives a stream
 * that writes nothing. run_id and segment_id are copied. Returns the stream, or NULL with
 * *err a negative errno when the path cannot be opened. */
struct ctx_evstream *ctx_evstream_open(const char *path, const char *run_id, const char *segment_id, int *err);
/* The same over a descriptor the stream then owns (a pipe to a ctx-emit child). */
struct ctx_evstream *ctx_evstream_open_fd(int fd, const char *run_id, const char *segment_id, int *err);
/* The same into a ctx-emit child of ours writing to root's telemetry directory (the one
 * beside this program, else on PATH), *pid its pid; with CTX_NO_TELEMETRY=1, or when it
 * cannot be started, a stream that writes nothing (*pid -1). Close it with
 * ctx_evstream_close_emit, which waits for the child to write what it was given. */
struct ctx_evstream *ctx_evstream_open_emit(const char *root, const char *run_id, const char *segment_id,
    pid_t *pid, int *err);
void ctx_evstream_close_emit(struct ctx_evstream *ev, pid_t pid);
/* The descriptor events are written to, or -1: a child given it writes to the same stream
 * (each event is one write(2), so its lines and ours do not interleave). */
int ctx_evstream_fd(const struct ctx_evstream *ev);
/* True when events are written at all (so callers can skip building them). */
bool ctx_evstream_on(const struct ctx_evstream *ev);

/* Write one event. args, result and x are JSON object texts (NULL for {}); timing_ms < 0
 * leaves timing_ms out. Thread-safe. A write error turns the stream off (telemetry never
 * stops the work); ctx_evstream_failed then gives its negative errno, else 0. */
void ctx_evstream_emit(struct ctx_evstream *ev, const char *cmd, const char *args, const char *result,
    long timing_ms, const char *x);
/* The same with another run id (NULL: the stream's own). */
void ctx_evstream_emit_as(struct ctx_evstream *ev, const char *run_id, const char *cmd, const char *args,
    const char *result, long timing_ms, const char *x);
int ctx_evstream_failed(const struct ctx_evstream *ev);
/* True when the events go to standard output ("-"). */
bool ctx_evstream_is_stdout(const struct ctx_evstream *ev);

/* Close the stream (not standard output). NULL is fine. */
void ctx_evstream_close(struct ctx_evstream *ev);

#endif
