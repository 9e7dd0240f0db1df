#include "emitq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "appendlog.h"
#include "buf.h"
#include "clock.h"

struct item {
	size_t off, len;
	bool critical;
};

struct ctx_emitq {
	struct ctx_emitq_opts o;
	struct ctx_appendlog *log;
	struct ctx_buf buf;
	struct item *items;
	size_t n, cap;
	long unreported_dropped, unreported_attempted; /* since the last telemetry.drop */
	struct ctx_emitq_stats stats;
	/* Skip mode while the lock is busy: the lock is tried again no sooner than retry_ns,
	 * and the queue compacted to the bound only once it passes compact_at, so that a
	 * producer pays neither a flock nor a move of the whole queue per event. */
	int64_t retry_ns;
	size_t compact_at;
	struct ctx_buf what; /* the path a failure names */
};

#define RETRY_NS (2 * 1000000LL)

struct ctx_emitq *
ctx_emitq_new(const struct ctx_emitq_opts *o)
{
	struct ctx_emitq *q = calloc(1, sizeof *q);

	if (q) {
		q->o = *o;
		q->compact_at = o->bound;
	}
	return q;
}

void
ctx_emitq_free(struct ctx_emitq *q)
{
	if (!q)
		return;
	ctx_appendlog_free(q->log);
	ctx_buf_release(&q->buf);
	ctx_buf_release(&q->what);
	free(q->items);
	free(q);
}

static void
drop(struct ctx_emitq *q, long n)
{
	q->unreported_dropped += n;
	q->stats.dropped += n;
}

int
ctx_emitq_push(struct ctx_emitq *q, const char *line, size_t len, bool critical)
{
	q->unreported_attempted++;
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 1024;
		struct item *p = realloc(q->items, cap * sizeof *p);
		if (!p) {
			drop(q, 1);
			return -ENOMEM;
		}
		q->items = p;
		q->cap = cap;
	}
	size_t off = q->buf.len;
	if (ctx_buf_add(&q->buf, line, len) < 0) {
		drop(q, 1);
		return -ENOMEM;
	}
	q->items[q->n++] = (struct item){ off, len, critical };
	return 0;
}

size_t
ctx_emitq_pending(const struct ctx_emitq *q)
{
	return q->buf.len;
}

struct ctx_emitq_stats
ctx_emitq_stats(const struct ctx_emitq *q)
{
	return q->stats;
}

static void
clear(struct ctx_emitq *q)
{
	q->n = 0;
	ctx_buf_truncate(&q->buf, 0);
}

/* Skip mode's bound: drop the oldest non-critical events until at most `bound` remain. */
static void
enforce_bound(struct ctx_emitq *q)
{
	size_t excess = q->n > q->o.bound ? q->n - q->o.bound : 0, kept = 0, pos = 0;

	if (excess == 0)
		return;
	for (size_t i = 0; i < q->n; i++) {
		struct item it = q->items[i];
		if (excess > 0 && !it.critical) {
			excess--;
			drop(q, 1);
			continue;
		}
		memmove(q->buf.data + pos, q->buf.data + it.off, it.len);
		q->items[kept++] = (struct item){ pos, it.len, it.critical };
		pos += it.len;
	}
	q->n = kept;
	ctx_buf_truncate(&q->buf, pos);
}

/* enforce_bound, amortised: only once the queue has grown a quarter past the bound (or
 * past what it kept last time, when critical events could not be dropped). */
static void
enforce_bound_lazily(struct ctx_emitq *q)
{
	if (q->n <= q->compact_at)
		return;
	enforce_bound(q);
	q->compact_at = (q->n > q->o.bound ? q->n : q->o.bound) + q->o.bound / 4 + 16;
}

int
ctx_emitq_flush(struct ctx_emitq *q, bool final, const char **what)
{
	int err = 0;
	size_t done = 0, events_end;

	*what = "events.jsonl";
	if (q->n == 0 && q->unreported_dropped == 0)
		return 0;
	if (q->o.skip && !final && q->retry_ns && ctx_clock_ns() < q->retry_ns) {
		enforce_bound_lazily(q);
		return 0;
	}
	const char *file;
	if (!q->log && !(q->log = ctx_appendlog_open(q->o.dir, q->o.root, q->o.max_bytes, q->o.keep, &err, &file))) {
		ctx_buf_truncate(&q->what, 0);
		if (ctx_buf_addf(&q->what, "%s%s%s", q->o.dir, file ? "/" : "", file ? file : "") == 0)
			*what = q->what.data;
		else
			*what = q->o.dir;
		drop(q, (long)q->n);
		clear(q);
		return err;
	}
	err = ctx_appendlog_lock(q->log, q->o.skip && !final ? 0 : q->o.timeout_ms);
	if (err == -EWOULDBLOCK) {
		q->retry_ns = ctx_clock_ns() + RETRY_NS;
		enforce_bound_lazily(q);
		return 0;
	}
	q->retry_ns = 0;
	if (err < 0) {
		*what = "events.lock";
		drop(q, (long)q->n);
		clear(q);
		return err;
	}
	events_end = q->buf.len;
	if (q->unreported_dropped > 0 &&
	    ctx_event_drop_line(q->o.env, q->unreported_dropped, q->unreported_attempted, &q->buf) < 0)
		ctx_buf_truncate(&q->buf, events_end); /* out of memory: report it next time */
	err = ctx_appendlog_append(q->log, q->buf.data, q->buf.len, &done);
	ctx_appendlog_unlock(q->log);

	long written = 0;
	while ((size_t)written < q->n && q->items[written].off + q->items[written].len <= done)
		written++;
	q->stats.written += written;
	if (done == q->buf.len && done > events_end)
		q->unreported_dropped = q->unreported_attempted = 0;
	drop(q, (long)q->n - written);
	clear(q);
	return err;
}
