/* aggregate: the numbers of SPEC.md §5 from event lines read once, in order:
 * metrics.json (counters over every event), last_run.json (one run's latencies and
 * summaries) and the Prometheus text format. */
#ifndef CTX_AGGREGATE_H
#define CTX_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "stats.h"

struct ctx_agg;

/* A new aggregate. detail_run: the one run whose latencies and warnings will be asked for,
 * when known before reading (other runs then keep counters only); NULL keeps them for
 * every run. Copied. NULL on out of memory. */
struct ctx_agg *ctx_agg_new(const char *detail_run);
/* Free the aggregate. NULL is fine. */
void ctx_agg_free(struct ctx_agg *a);

/* Account one line. Returns 0, 1 when the line is not a JSON object with a string "cmd"
 * (counted as malformed), or -ENOMEM. */
int ctx_agg_line(struct ctx_agg *a, const char *line, size_t len);

/* Count a line that could not even be read (longer than the reader's limit) as malformed. */
void ctx_agg_malformed(struct ctx_agg *a);

/* A part of a: an empty aggregate with a's detail run, for lines to be merged into a
 * later. Its names of languages and fallback reasons are not capped, so that the merge
 * caps them as a would have. NULL on out of memory. */
struct ctx_agg *ctx_agg_new_part(const struct ctx_agg *a);
/* Merge part (from ctx_agg_new_part(a)) into a, exactly as if a had read part's lines
 * after its own: counters add, histograms and warning counts merge, the order in which
 * names and runs first came and the run of the last event are kept. Runs that start in
 * the part are moved out of it; the caller still frees it. 0 or -ENOMEM. */
int ctx_agg_merge(struct ctx_agg *a, struct ctx_agg *part);

/* The run of the last well-formed event with a run id in the first `size` bytes of the
 * regular file open on fd, found by reading their last `window` bytes only (pread: the
 * file offset stays); in out. Returns 1 when found, 0 when there is none in that tail, a
 * negative errno when it cannot be read. */
int ctx_agg_tail_run(int fd, off_t size, size_t window, struct ctx_buf *out);

/* How many runs the aggregate has met. */
size_t ctx_agg_run_count(const struct ctx_agg *a);

/* The run of the last well-formed event with a run id, or NULL. Owned by the aggregate. */
const char *ctx_agg_last_run(const struct ctx_agg *a);

/* Append metrics.json. 0 or -ENOMEM. */
int ctx_agg_metrics(const struct ctx_agg *a, struct ctx_buf *out);
/* Append last_run.json for run (NULL: the last run), 2-space indented or compact (one
 * line). 0, -ENOENT when no such run (a document with "run_id" and zeros is still
 * written), -ENOMEM. */
int ctx_agg_last_run_doc(const struct ctx_agg *a, const char *run, bool compact, struct ctx_buf *out);

/* The ids of the last n runs that end with the run `until` (NULL: with the last run),
 * oldest first: in the order of their last events, so that the last run is the one
 * last_run.json describes by default. An array of *count ids (owned by the aggregate)
 * that the caller frees, none when until is no run; NULL on out of memory. */
const char **ctx_agg_runs(const struct ctx_agg *a, const char *until, size_t n, size_t *count);

/* The latencies (timing_ms) of cmd's events in run (NULL: the last run), or NULL when the
 * run has none or keeps no detail. Owned by the aggregate. */
const struct ctx_hist *ctx_agg_hist(const struct ctx_agg *a, const char *run, const char *cmd);
/* Append the Prometheus text exposition: the counters, and run's gauges and latency
 * summaries, every series labelled segment_id="segment" (NULL or "": no label), the
 * workspace whose log this is (its 8 hex digits). */
int ctx_agg_prom(const struct ctx_agg *a, const char *run, const char *segment, struct ctx_buf *out);

#endif
