/* libFuzzer target: the aggregate of arbitrary lines, its documents, the runs' lines and
 * the HTML report. Checked: metrics.json, last_run.json and every run's line are JSON
 * objects, and the page holds no markup that came from the lines, whatever they held. */
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx_arena arena;
	struct ctx_agg *a = ctx_agg_new(NULL);
	struct ctx_buf metrics = { 0 }, last = { 0 }, prom = { 0 }, line = { 0 }, html = { 0 };
	const char *p = (const char *)data, *end = p + size;

	while (a && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		ctx_agg_line(a, p, n);
		p += n + 1;
	}
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
