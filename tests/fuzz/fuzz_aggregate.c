/* libFuzzer target: the aggregate of arbitrary lines, its documents, the runs' lines and
 * the HTML report. Checked: metrics.json, last_run.json and every run's line are JSON
 * objects, the page holds no markup that came from the lines, whatever they held, and the
 * same lines counted in three parts merged in order (as ctx-aggregate -j does) give the
 * same documents, Prometheus text and run lines byte for byte. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "arena.h"
#include "buf.h"
#include "htmlreport.h"
#include "json.h"

static void
check_object(struct ctx_arena *a, const struct ctx_buf *doc)
{
	size_t off;
	const struct ctx_json *v = ctx_json_parse(a, doc->data ? doc->data : "", doc->len, &off);

	if (!v || v->type != CTX_JSON_OBJECT)
		abort();
	ctx_arena_reset(a);
}

/* Count the lines of [p, end) into a. */
static void
count_lines(struct ctx_agg *a, const char *p, const char *end)
{
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		ctx_agg_line(a, p, n);
		p += n + 1;
	}
}

/* Everything a writes, in out. */
static int
outputs(const struct ctx_agg *a, struct ctx_buf *out)
{
	size_t n;
	const char **ids;

	if (ctx_agg_metrics(a, out) < 0 || ctx_agg_last_run_doc(a, NULL, false, out) == -ENOMEM ||
	    ctx_agg_prom(a, NULL, "0000000a", out) < 0 || !(ids = ctx_agg_runs(a, NULL, SIZE_MAX, &n)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		ctx_agg_last_run_doc(a, ids[i], true, out);
	free(ids);
	return 0;
}

/* The lines counted in three parts, cut at the line starts after a third and two thirds
 * of the bytes, merged in order into a new aggregate, write what the whole counted alone
 * wrote. */
static void
check_merge(const struct ctx_agg *whole, const char *data, size_t size)
{
	struct ctx_agg *m = ctx_agg_new(NULL);
	struct ctx_buf want = { 0 }, got = { 0 };
	const char *cut[4] = { data, NULL, NULL, data + size };

	for (int k = 1; k < 3; k++) {
		const char *at = data + size * (size_t)k / 3;
		const char *nl = at > cut[k - 1] ? memchr(at - 1, '\n', (size_t)(data + size - (at - 1))) : NULL;
		cut[k] = at <= cut[k - 1] ? cut[k - 1] : nl ? nl + 1 : data + size;
	}
	for (int k = 0; m && k < 3; k++) {
		struct ctx_agg *part = ctx_agg_new_part(m);
		if (!part)
			break;
		count_lines(part, cut[k], cut[k + 1]);
		if (ctx_agg_merge(m, part) < 0) {
			ctx_agg_free(part);
			break;
		}
		ctx_agg_free(part);
	}
	if (m && outputs(whole, &want) == 0 && outputs(m, &got) == 0 &&
	    (want.len != got.len || (want.len && memcmp(want.data, got.data, want.len) != 0)))
		abort();
	ctx_agg_free(m);
	ctx_buf_release(&want);
	ctx_buf_release(&got);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx_arena arena;
	struct ctx_agg *a = ctx_agg_new(NULL);
	struct ctx_buf metrics = { 0 }, last = { 0 }, prom = { 0 }, line = { 0 }, html = { 0 };
	const char *p = (const char *)data, *end = p + size;

	if (a)
		count_lines(a, p, end);
	if (a)
		check_merge(a, p, size);
	if (a && ctx_agg_metrics(a, &metrics) == 0 && ctx_agg_last_run_doc(a, NULL, false, &last) != -ENOMEM) {
		check_object(&arena, &metrics);
		check_object(&arena, &last);
		ctx_agg_prom(a, NULL, "0000000a", &prom);
		size_t n;
		const char **ids = ctx_agg_runs(a, NULL, SIZE_MAX, &n);
		for (size_t i = 0; ids && i < n; i++) {
			ctx_buf_truncate(&line, 0);
			if (ctx_agg_last_run_doc(a, ids[i], true, &line) == 0)
				check_object(&arena, &line);
		}
		free(ids);
		/* The page never holds a script: nothing from the lines becomes markup. */
		if (ctx_html_report(a, NULL, 30, &html) == 0 && html.data && strstr(html.data, "<script"))
			abort();
	}
	ctx_agg_free(a);
	ctx_buf_release(&line);
	ctx_buf_release(&html);
	ctx_buf_release(&metrics);
	ctx_buf_release(&last);
	ctx_buf_release(&prom);
	return 0;
}
