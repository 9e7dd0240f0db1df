#include "htmlreport.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "stats.h"
#include "utf8.h"
#include "version.h"

#define MAX_PATH 4
#define MAX_EDGES 48
#define MAX_SERIES 8
#define MAX_TABLE_CMDS 256 /* rows of the latency table; the rest are in last_run.json */

/* Plot geometry (SVG user units, 1 = 1 CSS pixel at 100 %). */
#define PLOT_W 380
#define PLOT_H 200
#define M_LEFT 44
#define M_RIGHT 12
#define M_TOP 46
#define M_BOTTOM 30

static const char *const palette[MAX_SERIES] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
};

/* The LSP methods whose latencies are drawn (the requests of SPEC.md §2.1), then ast.parse. */
static const char *const drawn_cmds[] = {
	"ast.parse", "lsp.definition", "lsp.references", "lsp.hover", "lsp.symbols", "lsp.workspace_symbols",
	"lsp.diagnostics", "lsp.request",
};

struct page {
	struct ctx_buf *out;
	struct ctx_buf tmp;
	int err;
};

static void __attribute__((format(printf, 2, 3)))
put(struct page *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!p->err && ctx_buf_vaddf(p->out, fmt, ap) < 0)
		p->err = -ENOMEM;
	va_end(ap);
}

static void
puts_raw(struct page *p, const char *s)
{
	if (!p->err && ctx_buf_adds(p->out, s) < 0)
		p->err = -ENOMEM;
}

/* The entity for the byte c in text or an attribute value, or NULL when c stands as it
 * is: markup characters, and control characters (a newline as &#10; so that an attribute
 * keeps it; the others, which HTML does not allow, as U+FFFD). */
static const char *
entity(unsigned char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	case '\t': return "&#9;";
	case '\n': return "&#10;";
	case '\r': return "&#13;";
	default: return c < 0x20 || c == 0x7f ? "&#xFFFD;" : NULL;
	}
}

/* Text from the log (a run id, a cmd, a warning; valid UTF-8, as the documents are):
 * escaped for text and attribute values; a C1 control character (U+0080 to U+009F,
 * 0xC2 0x80-0x9F in UTF-8) is U+FFFD too. */
static void
esc(struct page *p, const char *s)
{
	const char *run = s;

	for (;; s++) {
		bool c1 = (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9F;
		const char *e = c1 ? "&#xFFFD;" : *s ? entity((unsigned char)*s) : NULL;
		if (!e && *s)
			continue;
		if (!p->err && ctx_buf_add(p->out, run, (size_t)(s - run)) < 0)
			p->err = -ENOMEM;
		if (!*s)
			return;
		puts_raw(p, e);
		s += c1;
		run = s + 1;
	}
}

/* ---- reading the documents ---- */

/* The documents are read with lib/json, whose numbers keep their source text: the page
 * shows each number exactly as last_run.json has it (9223372036854775807 too). */

/* The member at path (n keys) of doc, or NULL. */
static const struct ctx_json *
at(const struct ctx_json *doc, const char *const *path, int n)
{
	for (int i = 0; i < n && doc; i++)
		doc = ctx_json_get(doc, path[i]);
	return doc;
}

static double
num_of(const struct ctx_json *v)
{
	return v && v->type == CTX_JSON_NUMBER ? strtod(v->str, NULL) : NAN;
}

static double
num_at(const struct ctx_json *doc, const char *const *path, int n)
{
	return num_of(at(doc, path, n));
}

static bool
has_members(const struct ctx_json *v)
{
	return v && (v->type == CTX_JSON_OBJECT || v->type == CTX_JSON_ARRAY) && v->child;
}

#define EACH(e, v) for ((e) = has_members(v) ? (v)->child : NULL; (e); (e) = (e)->next)


/* The number v (its text in the document, or "-") with where it came from, path:
 * <TAG data-run="RUN" data-k='["a","b"]'>TEXT</TAG>. */
static void
show(struct page *p, const char *tag, const char *run, const struct ctx_json *v, const char *const *path, int n)
{
	ctx_buf_truncate(&p->tmp, 0);
	ctx_buf_adds(&p->tmp, "[");
	for (int i = 0; i < n; i++) {
		if (i)
			ctx_buf_adds(&p->tmp, ",");
		if (ctx_json_write_string(&p->tmp, path[i], strlen(path[i])) < 0)
			p->err = -ENOMEM;
	}
	if (ctx_buf_adds(&p->tmp, "]") < 0)
		p->err = -ENOMEM;
	put(p, "<%s", tag);
	if (run) {
		puts_raw(p, " data-run=\"");
		esc(p, run);
		puts_raw(p, "\"");
	}
	puts_raw(p, " data-k=\"");
	esc(p, p->tmp.data ? p->tmp.data : "[]");
	puts_raw(p, "\">");
	esc(p, v && v->type == CTX_JSON_NUMBER ? v->str : "-");
	put(p, "</%s>", tag);
}

/* The number at path in doc, shown with its path. */
static void
value_at(struct page *p, const char *tag, const char *run, const struct ctx_json *doc, const char *const *path,
    int n)
{
	show(p, tag, run, at(doc, path, n), path, n);
}

/* A path as value_at takes it: the keys, and how many. */
#define PATH(...) (const char *[]){ __VA_ARGS__ }, (int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *))

/* Our text with the document's numbers in it: each {a.b} of tmpl is the number at the
 * path a, b (keys without a dot), shown as value() shows it, in a span. */
static void
say(struct page *p, const struct ctx_json *doc, const char *tmpl)
{
	const char *open, *close;

	while ((open = strchr(tmpl, '{')) && (close = strchr(open, '}'))) {
		char keys[128], *save = NULL;
		const char *path[MAX_PATH];
		int n = 0;
		put(p, "%.*s", (int)(open - tmpl), tmpl);
		snprintf(keys, sizeof keys, "%.*s", (int)(close - open - 1), open + 1);
		for (char *k = strtok_r(keys, ".", &save); k && n < MAX_PATH; k = strtok_r(NULL, ".", &save))
			path[n++] = k;
		value_at(p, "span", NULL, doc, path, n);
		tmpl = close + 1;
	}
	puts_raw(p, tmpl);
}

static const char *
str_at(const struct ctx_json *doc, const char *key, const char *none)
{
	const struct ctx_json *v = ctx_json_get(doc, key);

	return v && v->type == CTX_JSON_STRING ? v->str : none;
}

/* ---- plots ---- */

static void
svg_open(struct page *p, int w, int h, const char *label)
{
	put(p, "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
	       "height=\"%d\" role=\"img\" aria-label=\"", w, h, w, h);
	esc(p, label);
	put(p, "\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>", w, h);
}

/* The x of v on the histogram's axis: log10(1 + v), so that 0 has a place, scaled so that
 * top lands on the right edge. */
static double
hist_x(double v, double top)
{
	double w = PLOT_W - M_LEFT - M_RIGHT;

	if (v > top)
		v = top;
	return M_LEFT + w * log10(1 + (v > 0 ? v : 0)) / log10(1 + top);
}

/* Bucket edges 0, 1, 2, 5, 10, 20, 50, ... up to the first one above max; how many. */
static int
hist_edges(double max, double *edges)
{
	static const double steps[] = { 1, 2, 5 };
	int n = 0;

	edges[n++] = 0;
	for (int decade = 0; n < MAX_EDGES; decade++)
		for (int i = 0; i < 3 && n < MAX_EDGES; i++) {
			edges[n++] = steps[i] * pow(10, decade);
			if (edges[n - 1] > max)
				return n;
		}
	return n;
}

static void
tick_label(double v, char *buf, size_t size)
{
	if (v >= 1e6)
		snprintf(buf, size, "%gM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, size, "%gk", v / 1e3);
	else
		snprintf(buf, size, "%g", v);
}

/* A marker at the value of latencies.CMD.KEY: a line across the plot and its label, one
 * row of the top margin per marker so that close values stay readable. */
static void
marker(struct page *p, const struct ctx_json *doc, const char *cmd, const char *key, const char *name, int row,
    const char *color, double top)
{
	const char *path[] = { "latencies", cmd, key };
	double v = num_at(doc, path, 3);

	if (isnan(v))
		return;
	double x = hist_x(v, top);
	int y = 14 + 13 * row;
	bool right = x < PLOT_W - 110;
	put(p, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.5\"%s/>", x, y - 4, x,
	    PLOT_H - M_BOTTOM, color, row ? " stroke-dasharray=\"4 2\"" : "");
	put(p, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" fill=\"%s\">%s ", right ? x + 3 : x - 3, y,
	    right ? "start" : "end", color, name);
	value_at(p, "tspan", NULL, doc, path, 3);
	puts_raw(p, " ms</text>");
}

/* The distribution of one cmd's latencies in the run: a histogram on 1-2-5 buckets. */
static void
histogram(struct page *p, const struct ctx_json *doc, const char *cmd, const struct ctx_hist *h)
{
	const char *path[] = { "latencies", cmd, "max_ms" };
	double max = num_at(doc, path, 3), edges[MAX_EDGES];
	long counts[MAX_EDGES] = { 0 }, most = 1;
	int ne = hist_edges(isnan(max) ? 0 : max, edges);
	double top = edges[ne - 1];
	char label[160], lo[16], hi[16];

	for (size_t i = 0; h && i < h->nbins; i++) {
		const struct ctx_hist_bin *b = &h->bins[i];
		int k = 0;
		if (b->count == 0)
			continue;
		while (k + 2 < ne && b->value >= edges[k + 1])
			k++;
		counts[k] += b->count;
	}
	for (int k = 0; k + 1 < ne; k++)
		most = counts[k] > most ? counts[k] : most;

	snprintf(label, sizeof label, "Histogram of %s latencies in milliseconds", cmd);
	puts_raw(p, "<figure>");
	svg_open(p, PLOT_W, PLOT_H, label);
	int base = PLOT_H - M_BOTTOM, height = PLOT_H - M_BOTTOM - M_TOP;
	for (int k = 0; k + 1 < ne; k++) {
		if (!counts[k])
			continue;
		double x0 = hist_x(edges[k], top), x1 = hist_x(edges[k + 1], top);
		double bh = (double)height * (double)counts[k] / (double)most;
		tick_label(edges[k], lo, sizeof lo);
		tick_label(edges[k + 1], hi, sizeof hi);
		put(p, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#9ecae1\" stroke=\"#3182bd\">"
		       "<title>%s to %s ms: %ld</title></rect>",
		    x0 + 0.5, base - bh, x1 - x0 - 1 > 1 ? x1 - x0 - 1 : 1, bh, lo, hi, counts[k]);
	}
	put(p, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", M_LEFT, base, PLOT_W - M_RIGHT, base);
	put(p, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", M_LEFT, M_TOP, M_LEFT, base);
	put(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%ld</text>", M_LEFT - 4, M_TOP + 4, most);
	put(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>", M_LEFT - 4, base);
	/* Ticks at 0 and the powers of ten: the 1-2-5 edges would crowd. */
	for (int k = 0; k < ne; k++) {
		if (k > 0 && edges[k] != pow(10, round(log10(edges[k]))))
			continue;
		tick_label(edges[k], lo, sizeof lo);
		double x = hist_x(edges[k], top);
		put(p, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>", x, base, x, base + 4);
		put(p, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, base + 15, lo);
	}
	put(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"unit\">ms (log scale)</text>", PLOT_W - M_RIGHT,
	    PLOT_H - 2);
	marker(p, doc, cmd, "max_ms", "max", 0, "#000", top);
	marker(p, doc, cmd, "p95_ms", "p95", 1, "#d62728", top);
	marker(p, doc, cmd, "p50_ms", "p50", 2, "#2ca02c", top);
	puts_raw(p, "</svg><figcaption><b>");
	esc(p, cmd);
	puts_raw(p, "</b>: ");
	value_at(p, "span", NULL, doc, PATH("latencies", cmd, "count"));
	puts_raw(p, " calls</figcaption></figure>\n");
}

struct bar {
	const char *name;
	const char *path[MAX_PATH];
	int n;
	const char *color;
};

/* Horizontal bars, one per item, lengths to scale, each labelled with its value. */
static void
bar_chart(struct page *p, const struct ctx_json *doc, const struct bar *bars, size_t n, const char *label,
    const char *unit)
{
	double most = 0;
	size_t longest = 0;
	int row = 22, h = (int)n * row + 10;

	for (size_t i = 0; i < n; i++) {
		double v = num_at(doc, bars[i].path, bars[i].n);
		most = v > most ? v : most;
		longest = strlen(bars[i].name) > longest ? strlen(bars[i].name) : longest;
	}
	/* Room for the longest name at about 6.5 pixels a character, within bounds. */
	int x0 = 16 + (int)(6.5 * (double)(longest < 32 ? longest : 32)), w = PLOT_W + 120 - x0 - 100;
	svg_open(p, PLOT_W + 120, h, label);
	for (size_t i = 0; i < n; i++) {
		double v = num_at(doc, bars[i].path, bars[i].n);
		double bw = most > 0 && v > 0 ? w * v / most : 0;
		int y = 5 + (int)i * row;
		put(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", x0 - 6, y + 14);
		esc(p, bars[i].name);
		put(p, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"%s\"/>", x0, y + 2,
		    bw < 1 && v > 0 ? 1 : bw, bars[i].color);
		put(p, "<text x=\"%.1f\" y=\"%d\">", x0 + bw + 5, y + 14);
		value_at(p, "tspan", NULL, doc, bars[i].path, bars[i].n);
		put(p, " %s</text>", unit);
	}
	puts_raw(p, "</svg>\n");
}

/* The smallest of 1, 2, 4, 5 or 8 times a power of ten that is at least v (1 for none):
 * an axis whose quarters are round numbers. */
static double
nice_ceiling(double v)
{
	static const double steps[] = { 1, 2, 4, 5, 8, 10 };

	if (!(v > 0) || !isfinite(v))
		return 1;
	double decade = pow(10, floor(log10(v)));
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
		if (steps[i] * decade >= v)
			return steps[i] * decade;
	return 10 * decade;
}

/* One trend: a value per run, from the same path in each run's document. */
struct series {
	const char *name;
	const char *path[MAX_PATH];
	int n;
};

/* The x of the i-th of n runs on a trend's axis (one run: the middle). */
static double
run_x(size_t i, size_t n)
{
	double w = PLOT_W - M_LEFT - M_RIGHT;

	return M_LEFT + (n > 1 ? w * (double)i / (double)(n - 1) : w / 2);
}

/* Lines across the runs, one per series; a point per run that has the value (its title
 * says which run and what value); the y axis from 0 to 1 for a rate, else to the largest
 * value. */
static void
line_chart(struct page *p, const struct ctx_json *const *docs, size_t nruns, const struct series *s, size_t ns,
    bool rate, const char *label)
{
	double most = rate ? 1 : 0;
	int base = PLOT_H - M_BOTTOM, height = PLOT_H - M_BOTTOM - 20;
	char text[40];
	/* Each series' number in each run, looked up once: v[j * nruns + i]. */
	const struct ctx_json **v = calloc(ns * nruns + 1, sizeof(const struct ctx_json *));

	if (!v) {
		p->err = -ENOMEM;
		return;
	}
	for (size_t j = 0; j < ns; j++)
		for (size_t i = 0; i < nruns; i++) {
			const struct ctx_json *n = at(docs[i], s[j].path, s[j].n);
			v[j * nruns + i] = n && n->type == CTX_JSON_NUMBER ? n : NULL;
			if (!rate && v[j * nruns + i] && num_of(n) > most)
				most = num_of(n);
		}
	most = nice_ceiling(most);
	svg_open(p, PLOT_W, PLOT_H, label);
	for (int t = 0; t <= 4; t++) {
		int y = base - height * t / 4;
		put(p, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"/>", M_LEFT, y, PLOT_W - M_RIGHT, y,
		    t ? "#e5e5e5" : "#333");
		ctx_json_format_double(most * t / 4, text, sizeof text);
		put(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.6s</text>", M_LEFT - 4, y + 4, text);
	}
	for (size_t j = 0; j < ns; j++) {
		const struct ctx_json *const *row = v + j * nruns;
		const char *color = palette[j % MAX_SERIES];
		puts_raw(p, "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"");
		put(p, "%s\" points=\"", color);
		for (size_t i = 0; i < nruns; i++)
			if (row[i])
				put(p, "%.1f,%.1f ", run_x(i, nruns), base - height * num_of(row[i]) / most);
		puts_raw(p, "\"/>");
		for (size_t i = 0; i < nruns; i++) {
			if (!row[i])
				continue;
			put(p, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"><title>", run_x(i, nruns),
			    base - height * num_of(row[i]) / most, color);
			esc(p, str_at(docs[i], "run_id", "?"));
			puts_raw(p, " ");
			esc(p, s[j].name);
			ctx_json_format_double(num_of(row[i]), text, sizeof text);
			put(p, ": %s</title></circle>", text);
		}
	}
	free(v);
	/* The first and the last run's dates under the axis. */
	for (size_t i = 0; i < nruns; i += nruns > 1 ? nruns - 1 : 1) {
		const char *ts = str_at(docs[i], "ts", "-");
		char date[11];
		snprintf(date, sizeof date, "%.*s", (int)ctx_utf8_cut_bytes(ts, strlen(ts), 10), ts);
		put(p, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">", run_x(i, nruns), base + 15,
		    i == 0 && nruns > 1 ? "start" : "end");
		esc(p, date);
		puts_raw(p, "</text>");
	}
	puts_raw(p, "</svg>");
	if (ns > 1) {
		puts_raw(p, "<p class=\"legend\">");
		for (size_t j = 0; j < ns; j++) {
			put(p, "<span><i style=\"background:%s\"></i>", palette[j % MAX_SERIES]);
			esc(p, s[j].name);
			puts_raw(p, "</span> ");
		}
		puts_raw(p, "</p>");
	}
	puts_raw(p, "\n");
}

/* ---- the page ---- */

static const char style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#222;"
    "margin:24px auto;max-width:1040px;padding:0 16px}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 8px;border-bottom:1px solid #ccc}"
    "section{margin:18px 0 22px;break-inside:avoid-page}"
    "table{border-collapse:collapse;margin:6px 0 10px}td,th{padding:2px 10px;text-align:right;"
    "border-bottom:1px solid #eee;white-space:nowrap}td:first-child,th:first-child{text-align:left}"
    "th{background:#f4f4f4}"
    "code{font-size:13px}.meta{color:#555}"
    ".plots{display:flex;flex-wrap:wrap;gap:10px 18px}figure{margin:0;break-inside:avoid}"
    "figcaption{font-size:13px;text-align:center}"
    "svg.plot{font:11px system-ui,'DejaVu Sans',sans-serif;display:block;border:1px solid #ddd}"
    "svg .unit{fill:#666}.legend{font-size:12px;margin:4px 0}.legend span{margin-right:10px;white-space:nowrap}"
    ".legend i{display:inline-block;width:10px;height:10px;margin-right:4px}"
    ".none{color:#777;font-style:italic}.wide{overflow-x:auto}table.trend{font-size:12px}"
    "@media print{body{margin:0;max-width:none;font-size:11px}section{break-inside:avoid}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

static void
section_latency(struct page *p, const struct ctx_json *doc, const struct ctx_agg *a, const char *run)
{
	const struct ctx_json *lat = ctx_json_get(doc, "latencies"), *e;
	size_t rows = 0;

	puts_raw(p, "<section id=\"latency\"><h2>Latency of the run</h2>\n");
	if (!has_members(lat)) {
		puts_raw(p, "<p class=\"none\">No timed event in this run.</p></section>\n");
		return;
	}
	puts_raw(p, "<table><tr><th>cmd</th><th>count</th><th>p50 ms</th><th>p95 ms</th><th>max ms</th></tr>\n");
	/* Each row from its own member (a lookup from the root per cell would be quadratic in
	 * the cmds of a hostile log), at most MAX_TABLE_CMDS of them. */
	EACH(e, lat) {
		if (rows++ >= MAX_TABLE_CMDS)
			continue;
		puts_raw(p, "<tr><td>");
		esc(p, e->key);
		puts_raw(p, "</td>");
		show(p, "td", NULL, ctx_json_get(e, "count"), PATH("latencies", e->key, "count"));
		show(p, "td", NULL, ctx_json_get(e, "p50_ms"), PATH("latencies", e->key, "p50_ms"));
		show(p, "td", NULL, ctx_json_get(e, "p95_ms"), PATH("latencies", e->key, "p95_ms"));
		show(p, "td", NULL, ctx_json_get(e, "max_ms"), PATH("latencies", e->key, "max_ms"));
		puts_raw(p, "</tr>\n");
	}
	puts_raw(p, "</table>\n");
	if (rows > MAX_TABLE_CMDS)
		put(p, "<p class=\"none\">And %zu more cmds: see last_run.json.</p>\n", rows - MAX_TABLE_CMDS);
	puts_raw(p, "<div class=\"plots\">\n");
	for (size_t i = 0; i < sizeof drawn_cmds / sizeof *drawn_cmds; i++)
		if (ctx_json_get(lat, drawn_cmds[i]))
			histogram(p, doc, drawn_cmds[i], ctx_agg_hist(a, run, drawn_cmds[i]));
	puts_raw(p, "</div></section>\n");
}

/* A map of names to counts (ast.by_lang, mcp.by_tool) as "name N, name N.", each count
 * marked with its path, closing the paragraph. */
static void
name_counts(struct page *p, const struct ctx_json *names, const char *section, const char *key)
{
	const struct ctx_json *e;

	EACH(e, names) {
		esc(p, e->key);
		puts_raw(p, " ");
		show(p, "span", NULL, e, PATH(section, key, e->key));
		puts_raw(p, e->next ? ", " : ".");
	}
	puts_raw(p, "</p>\n");
}

static void
section_cache(struct page *p, const struct ctx_json *doc)
{
	const char *hit[] = { "ast", "ast_cache_hit_count" }, *miss[] = { "ast", "ast_cache_miss_count" };
	double h = num_at(doc, hit, 2), m = num_at(doc, miss, 2);
	int w = PLOT_W + 120 - 20;
	const struct ctx_json *langs = at(doc, PATH("ast", "by_lang"));

	say(p, doc, "<section id=\"cache\"><h2>Skeleton cache</h2>\n<p>Hit rate <b>{ast.ast_cache_hit_rate}</b>: "
		    "{ast.ast_cache_hit_count} hits, {ast.ast_cache_miss_count} misses of {ast.ast_parse_count} files "
		    "parsed (the rest skipped or failed).</p>\n");
	svg_open(p, w + 20, 34, "Cache hits and misses");
	double hw = h + m > 0 ? w * h / (h + m) : 0;
	if (h + m > 0)
		put(p, "<rect x=\"10\" y=\"4\" width=\"%.1f\" height=\"26\" fill=\"#2ca02c\"><title>hits</title></rect>"
		       "<rect x=\"%.1f\" y=\"4\" width=\"%.1f\" height=\"26\" fill=\"#ff7f0e\">"
		       "<title>misses</title></rect><text x=\"16\" y=\"22\" fill=\"#fff\">hits</text>",
		    hw, 10 + hw, w - hw);
	else
		put(p, "<rect x=\"10\" y=\"4\" width=\"%d\" height=\"26\" fill=\"#eee\"/>"
		       "<text x=\"16\" y=\"22\">no parse in this run</text>", w);
	puts_raw(p, "</svg>\n");
	if (has_members(langs)) {
		puts_raw(p, "<p>By language: ");
		name_counts(p, langs, "ast", "by_lang");
	}
	puts_raw(p, "</section>\n");
}

static void
section_lsp(struct page *p, const struct ctx_json *doc)
{
	static const char *const rows[][3] = {
		{ "spawned", "lsp_spawn_count", NULL },
		{ "attached to a daemon", "lsp_attach_count", NULL },
		{ "attached to a warm daemon", "lsp_attach_warm_count", NULL },
		{ "ready", "lsp_ready_count", "lsp_ready_rate" },
		{ "requests", "lsp_request_count", NULL },
		{ "timeouts", "lsp_timeout_count", "lsp_timeout_rate" },
		{ "answered by the fallback", "lsp_fallback_count", "lsp_fallback_rate" },
		{ "failed", "lsp_failed_count", NULL },
	};
	const struct ctx_json *reasons = at(doc, PATH("lsp", "fallback_by_reason")), *e;
	struct bar bars[MAX_SERIES];
	size_t n = 0;

	puts_raw(p, "<section id=\"lsp\"><h2>Language server</h2>\n<table><tr><th></th><th>count</th>"
		    "<th>rate</th></tr>\n");
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		put(p, "<tr><td>%s</td>", rows[i][0]);
		value_at(p, "td", NULL, doc, PATH("lsp", rows[i][1]));
		if (rows[i][2])
			value_at(p, "td", NULL, doc, PATH("lsp", rows[i][2]));
		else
			puts_raw(p, "<td></td>");
		puts_raw(p, "</tr>\n");
	}
	puts_raw(p, "</table>\n<h3>Fallbacks by reason</h3>\n");
	EACH(e, reasons) {
		if (n == MAX_SERIES)
			break;
		bars[n] = (struct bar){ e->key, { "lsp", "fallback_by_reason", e->key }, 3, palette[n] };
		n++;
	}
	if (n)
		bar_chart(p, doc, bars, n, "Fallback answers by reason", "");
	else
		puts_raw(p, "<p class=\"none\">No fallback in this run.</p>\n");
	puts_raw(p, "</section>\n");
}

static void
section_bytes(struct page *p, const struct ctx_json *doc)
{
	const struct bar bars[] = {
		{ "skeleton", { "file_read", "skeleton_bytes" }, 2, "#1f77b4" },
		{ "excerpt", { "file_read", "excerpt_bytes" }, 2, "#9467bd" },
		{ "raw", { "file_read", "raw_bytes" }, 2, "#d62728" },
	};

	puts_raw(p, "<section id=\"bytes\"><h2>Bytes read by disclosure mode</h2>\n");
	bar_chart(p, doc, bars, 3, "Bytes read by disclosure mode", "bytes");
	say(p, doc, "<p>In all <b>{file_read.total_bytes}</b> bytes. Selector: "
		    "{selector.selector_resolve_success_count} of {selector.selector_resolve_count} queries resolved "
		    "(rate {selector.selector_resolve_success_rate}). Telemetry: {telemetry_drops.lock_skipped} of "
		    "{telemetry_drops.attempted} events dropped.</p>\n");
	const struct ctx_json *tools = at(doc, PATH("mcp", "by_tool"));
	if (has_members(tools)) {
		say(p, doc, "<p>MCP: <b>{mcp.mcp_call_count}</b> calls, {mcp.mcp_error_count} errors, "
			    "{mcp.mcp_cancelled_count} cancelled, {mcp.mcp_bytes_total} bytes besides selections. "
			    "By tool: ");
		name_counts(p, tools, "mcp", "by_tool");
	}
	puts_raw(p, "</section>\n");
}

static void
section_trends(struct page *p, const struct ctx_json *const *docs, size_t nruns)
{
	struct series p95[MAX_SERIES];
	size_t np95 = 0;

	put(p, "<section id=\"trends\"><h2>Trends over the last %zu run%s</h2>\n", nruns, nruns == 1 ? "" : "s");
	for (size_t c = 0; c < sizeof drawn_cmds / sizeof *drawn_cmds && np95 < MAX_SERIES; c++)
		for (size_t i = 0; i < nruns; i++)
			if (at(docs[i], PATH("latencies", drawn_cmds[c]))) {
				p95[np95++] =
				    (struct series){ drawn_cmds[c], { "latencies", drawn_cmds[c], "p95_ms" }, 3 };
				break;
			}
	const struct series hit = { "cache hit rate", { "ast", "ast_cache_hit_rate" }, 2 };
	const struct series fallback = { "fallback rate", { "lsp", "lsp_fallback_rate" }, 2 };
	const struct series dropped = { "events dropped", { "telemetry_drops", "lock_skipped" }, 2 };
	puts_raw(p, "<div class=\"plots\">\n<figure>");
	line_chart(p, docs, nruns, p95, np95, false, "p95 latency per method, ms");
	puts_raw(p, "<figcaption>p95 latency per method (ms)</figcaption></figure>\n<figure>");
	line_chart(p, docs, nruns, &hit, 1, true, "cache hit rate");
	puts_raw(p, "<figcaption>cache hit rate</figcaption></figure>\n<figure>");
	line_chart(p, docs, nruns, &fallback, 1, true, "fallback rate");
	puts_raw(p, "<figcaption>LSP fallback rate</figcaption></figure>\n<figure>");
	line_chart(p, docs, nruns, &dropped, 1, false, "telemetry events dropped");
	puts_raw(p, "<figcaption>telemetry events dropped</figcaption></figure>\n</div>\n");

	/* The same numbers as a table, the newest run first. */
	puts_raw(p, "<div class=\"wide\"><table class=\"trend\"><tr><th>run</th><th>last event</th><th>events</th>"
		    "<th>hit rate</th><th>fallback rate</th><th>dropped</th>");
	for (size_t j = 0; j < np95; j++) {
		puts_raw(p, "<th>p95 ");
		esc(p, p95[j].name);
		puts_raw(p, "</th>");
	}
	puts_raw(p, "</tr>\n");
	for (size_t i = nruns; i-- > 0;) {
		const char *id = str_at(docs[i], "run_id", "");
		const char *events[] = { "events" };
		const char *ts = str_at(docs[i], "ts", "-");
		puts_raw(p, "<tr><td><code>");
		esc(p, id);
		puts_raw(p, "</code></td><td>");
		/* The date and time to the second: 2026-11-01T00:00:19.999Z as 2026-11-01 00:00:19. */
		char when[32];
		if (strlen(ts) >= 19 && ts[10] == 'T' && ctx_utf8_valid(ts, 19, NULL))
			snprintf(when, sizeof when, "%.10s %.8s", ts, ts + 11);
		else
			snprintf(when, sizeof when, "%.*s", (int)ctx_utf8_cut_bytes(ts, strlen(ts), 31), ts);
		esc(p, when);
		puts_raw(p, "</td>");
		value_at(p, "td", id, docs[i], events, 1);
		value_at(p, "td", id, docs[i], hit.path, hit.n);
		value_at(p, "td", id, docs[i], fallback.path, fallback.n);
		value_at(p, "td", id, docs[i], dropped.path, dropped.n);
		for (size_t j = 0; j < np95; j++)
			value_at(p, "td", id, docs[i], p95[j].path, p95[j].n);
		puts_raw(p, "</tr>\n");
	}
	puts_raw(p, "</table></div></section>\n");
}

/* The warnings of the run: its timeouts and fallbacks first, as ctx-report says them, then
 * top_warnings. */
static void
section_warnings(struct page *p, const struct ctx_json *doc)
{
	const struct ctx_json *w = ctx_json_get(doc, "top_warnings"), *e;
	const char *timeouts[] = { "lsp", "lsp_timeout_count" }, *fallbacks[] = { "lsp", "lsp_fallback_count" };
	bool t = num_at(doc, timeouts, 2) > 0, f = num_at(doc, fallbacks, 2) > 0;

	puts_raw(p, "<section id=\"warnings\"><h2>Warnings</h2>\n");
	if (!has_members(w) && !t && !f) {
		puts_raw(p, "<p class=\"none\">None.</p></section>\n");
		return;
	}
	puts_raw(p, "<ol>");
	if (t)
		say(p, doc, "<li>{lsp.lsp_timeout_count} language-server requests timed out</li>");
	if (f)
		say(p, doc, "<li>{lsp.lsp_fallback_count} answers came from the fallback</li>");
	EACH(e, w) {
		puts_raw(p, "<li>");
		esc(p, e->type == CTX_JSON_STRING ? e->str : "");
		puts_raw(p, "</li>");
	}
	puts_raw(p, "</ol></section>\n");
}

/* The document of run, compact, parsed into the arena; NULL on out of memory. */
static const struct ctx_json *
run_doc(const struct ctx_agg *a, const char *run, struct ctx_arena *arena, struct ctx_buf *line)
{
	size_t off;

	ctx_buf_truncate(line, 0);
	if (ctx_agg_last_run_doc(a, run, true, line) == -ENOMEM)
		return NULL;
	return ctx_json_parse(arena, line->data ? line->data : "", line->len, &off);
}

/* The documents of the n runs that end with run (at most n), oldest first, parsed into
 * the arena; how many in *count. NULL on out of memory. */
static const struct ctx_json **
trend_docs(const struct ctx_agg *a, const char *run, size_t n, struct ctx_arena *arena, size_t *count)
{
	size_t nids = 0;
	const char **ids = ctx_agg_runs(a, run, n, &nids);
	struct ctx_buf line = { 0 };
	const struct ctx_json **docs = ids ? calloc(nids + 1, sizeof(const struct ctx_json *)) : NULL;

	*count = 0;
	for (size_t i = 0; docs && i < nids; i++) {
		if (!(docs[(*count)++] = run_doc(a, ids[i], arena, &line))) {
			free(docs);
			docs = NULL;
		}
	}
	free(ids);
	ctx_buf_release(&line);
	return docs;
}

int
ctx_html_report(const struct ctx_agg *a, const char *run, size_t trend_runs, struct ctx_buf *out)
{
	struct page p = { out, { 0 }, 0 };
	struct ctx_arena arena = { 0 };
	struct ctx_buf text = { 0 };
	size_t ndocs = 0;
	const struct ctx_json *doc = run_doc(a, run, &arena, &text);
	const struct ctx_json **docs = doc ? trend_docs(a, run, trend_runs, &arena, &ndocs) : NULL;

	ctx_buf_release(&text);
	if (!docs) {
		ctx_arena_release(&arena);
		return -ENOMEM;
	}
	const char *id = str_at(doc, "run_id", NULL);
	puts_raw(&p, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		     "<title>ctx report: ");
	esc(&p, id ? id : "no run");
	put(&p, "</title><style>%s</style></head>\n<body>\n<header><h1>ctx report</h1>\n<p class=\"meta\">", style);
	if (id) {
		puts_raw(&p, "Run <code>");
		esc(&p, id);
		puts_raw(&p, "</code>, workspace segment <code>");
		esc(&p, str_at(doc, "segment_id", "-"));
		puts_raw(&p, "</code>, from ");
		esc(&p, str_at(doc, "ts_first", "-"));
		puts_raw(&p, " to ");
		esc(&p, str_at(doc, "ts", "-"));
		say(&p, doc, ": <b>{events}</b> events.");
	} else {
		puts_raw(&p, "No run in the event log.");
	}
	puts_raw(&p, "</p></header>\n");
	section_latency(&p, doc, a, run);
	section_cache(&p, doc);
	section_lsp(&p, doc);
	section_bytes(&p, doc);
	section_trends(&p, docs, ndocs);
	section_warnings(&p, doc);
	put(&p, "<footer class=\"meta\">ctx-aggregate %s; the numbers are last_run.json's.</footer>\n</body></html>\n",
	    CTX_VERSION);
	free(docs);
	ctx_arena_release(&arena);
	ctx_buf_release(&p.tmp);
	return p.err;
}
