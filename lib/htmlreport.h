/* htmlreport: the HTML report of SPEC.md §8 (ctx-report --html, ctx-aggregate --html): one
 * self-contained page (inline CSS and SVG drawn here; no script, font or style fetched)
 * that reads on screen and on paper. For one run: the latency distribution of ast.parse
 * and of each LSP method with p50, p95 and max marked, the cache hit rate, the language
 * server's readiness, timeouts and fallbacks by reason, and bytes by disclosure mode; and
 * the trends of the runs up to it (p95 per method, cache hit rate, fallback rate, events
 * dropped).
 *
 * Every number shown is read back from the runs' last_run documents as ctx-aggregate
 * writes them, so the page and last_run.json cannot disagree; each one carries where it
 * came from: data-k, the document path as a JSON array, and for the trends data-run, the
 * run id. */
#ifndef CTX_HTMLREPORT_H
#define CTX_HTMLREPORT_H

#include <stddef.h>

#include "aggregate.h"
#include "buf.h"

/* Append the page for run (NULL: the last run) with the trends of the trend_runs runs
 * that end with it, in the order their first events were read. The aggregate must keep
 * every run's detail (made with no detail run). 0 or -ENOMEM. */
int ctx_html_report(const struct ctx_agg *a, const char *run, size_t trend_runs, struct ctx_buf *out);

#endif
