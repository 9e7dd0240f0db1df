#include "emitq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "appendlog.h"
#include "buf.h"

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
};

struct ctx_emitq *
ctx_emitq_new(const struct ctx_emitq_opts *o)
{
	struct ctx_emitq *q = calloc(1, sizeof *q);

	if (q)
		q->o = *o;
	return q;
}

void
ctx_emitq_free(struct ctx_emitq *q)
{
	if (!q)
		return;
	ctx_appendlog_free(q->log);
	ctx_buf_free(&q->buf);
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

int
ctx_emitq_flush(struct ctx_emitq *q, bool final, const char **what)
{
	int err = 0;
	size_t done = 0, events_end;

	*what = "events.jsonl";
	if (q->n == 0 && q->unreported_dropped == 0)
		return 0;
	if (!q->log && !(q->log = ctx_appendlog_open(q->o.dir, q->o.max_bytes, q->o.keep, &err))) {
		*what = q->o.dir;
		drop(q, (long)q->n);
		clear(q);
		return err;
	}
	err = ctx_appendlog_lock(q->log, q->o.skip && !final ? 0 : q->o.timeout_ms);
	if (err == -EWOULDBLOCK) {
		enforce_bound(q);
		return 0;
	}
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
