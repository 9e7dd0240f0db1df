/* emitq: the queue between ctx-emit's reader and the append log. Events are written in
 * batches; in skip mode a batch that finds the lock busy stays queued (up to a bound, past
 * which the oldest non-critical events are dropped); every event dropped for any reason is
 * counted and reported by a telemetry.drop line on the next successful write. */
#ifndef CTX_EMITQ_H
#define CTX_EMITQ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "event.h"

struct ctx_emitq_opts {
	const char *dir;                 /* telemetry directory, created on the first write */
	const char *root;                /* the workspace root's real path (ctx_appendlog_open) */
	off_t max_bytes;                 /* rotation size of events.jsonl */
	int keep;                        /* rotated files kept */
	bool skip;                       /* lock mode skip (else wait) */
	int timeout_ms;                  /* wait-mode lock timeout */
	size_t bound;                    /* events kept queued in skip mode */
	const struct ctx_event_env *env; /* for telemetry.drop lines; must outlive the queue */
};

struct ctx_emitq_stats {
	long written; /* events in the log (telemetry.drop lines not counted) */
	long dropped; /* events lost: skip-mode overflow, lock timeout, failed writes */
};

/* A new queue; the options are copied (not the strings). NULL on out of memory. */
struct ctx_emitq *ctx_emitq_new(const struct ctx_emitq_opts *o);
/* Free the queue, closing the log; queued events are lost (flush first). NULL is fine. */
void ctx_emitq_free(struct ctx_emitq *q);

/* Queue one event line (with its '\n'). Returns 0 or -ENOMEM (the event is then counted
 * as dropped). */
int ctx_emitq_push(struct ctx_emitq *q, const char *line, size_t len, bool critical);

/* Bytes queued. */
size_t ctx_emitq_pending(const struct ctx_emitq *q);

/* Write what is queued. In skip mode, unless `final`, a busy lock leaves the events
 * queued and returns 0. Returns 0, or a refusal of the telemetry directory or a file in it
 * (enum ctx_refusal) or a negative errno when events were lost (lock timeout, I/O error;
 * *what names the step that failed). */
int ctx_emitq_flush(struct ctx_emitq *q, bool final, const char **what);

struct ctx_emitq_stats ctx_emitq_stats(const struct ctx_emitq *q);

#endif
