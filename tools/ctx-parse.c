/* ctx-parse: tree-sitter skeletons with a content-hash cache, and symbol selection
 * (SPEC.md §6). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "clock.h"
#include "err.h"
#include "evstream.h"
#include "index.h"
#include "lang.h"
#include "opt.h"
#include "select.h"
#include "version.h"
#include "workspace.h"

struct opts {
	const char *root, *cache, *events, *get, *find, *mode;
	bool no_cache, nul, progress, no_progress, languages;
	long jobs, max_bytes, context;
};

struct progress {
	bool on;
	int64_t start_ns;
	int unreadable;
};

static const char *const modes[] = { "skeleton", "excerpt", "raw", NULL };
static const char synopsis[] = "[OPTIONS] [FILE ... | -]\n"
			       "--get URI [--mode skeleton|excerpt|raw] [--context N] [OPTIONS]\n"
			       "--find NAME [--mode skeleton|excerpt|raw] [OPTIONS] [FILE ... | -]\n"
			       "--languages";

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	const struct ctx_opt table[] = {
		CTX_OPT_ROOT(&o->root),
		CTX_OPT_STRING(0, "cache", &o->cache, "DIR", "the cache ($CTX_CACHE_DIR, else ROOT/_ctx/cache/ast)"),
		CTX_OPT_FLAG(0, "no-cache", &o->no_cache, "use no cache"),
		CTX_OPT_LONG('j', "jobs", &o->jobs, "N", 1, 256, "parsing threads (the online CPUs)"),
		CTX_OPT_FLAG('0', "null", &o->nul, "names on stdin are NUL-separated"),
		CTX_OPT_LONG(0, "max-file-bytes", &o->max_bytes, "N", 0, 1L << 40, "skip larger files (1 MiB)"),
		CTX_OPT_EVENTS(&o->events),
		CTX_OPT_FLAG(0, "progress", &o->progress, "a progress line on stderr"),
		CTX_OPT_FLAG(0, "no-progress", &o->no_progress, "none, even on a terminal"),
		CTX_OPT_STRING(0, "get", &o->get, "URI", "select a module or symbol by sym:// URI"),
		CTX_OPT_STRING(0, "find", &o->find, "NAME", "select a symbol by name or qualname over the files"),
		CTX_OPT_ENUM(0, "mode", &o->mode, "skeleton|excerpt|raw", modes, "what a selection returns (skeleton)"),
		CTX_OPT_LONG(0, "context", &o->context, "N", 0, 1000000, "lines around an excerpt (5)"),
		CTX_OPT_FLAG(0, "languages", &o->languages, "list the languages parsed, one JSON line each"),
	};
	const struct ctx_opt_spec spec = CTX_OPT_SPEC("ctx-parse", synopsis, table);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	*o = (struct opts){ .jobs = cpus > 0 ? cpus : 1, .max_bytes = 1024 * 1024, .context = 5, .mode = "skeleton" };
	int first = ctx_opt_parse(&spec, argc, argv);
	if (o->get && o->find)
		ctx_opt_die(&spec, "--get and --find exclude each other");
	if (o->cache && o->no_cache)
		ctx_opt_die(&spec, "--cache and --no-cache exclude each other");
	return first;
}

/* The files to work on: the arguments, or standard input one path a line (-0: NUL). */
static char **
file_list(int argc, char **argv, bool nul, size_t *n)
{
	char **list = NULL;
	size_t cap = 0;
	bool from_stdin = argc == 0 || (argc == 1 && strcmp(argv[0], "-") == 0);

	*n = 0;
	if (!from_stdin) {
		*n = (size_t)argc;
		return argv;
	}
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while ((len = getdelim(&line, &lcap, nul ? '\0' : '\n', stdin)) > 0) {
		if (line[len - 1] == (nul ? '\0' : '\n'))
			line[--len] = '\0';
		if (!nul && len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			char **p = realloc(list, cap * sizeof *p);
			if (!p)
				ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
			list = p;
		}
		if (!(list[(*n)++] = strdup(line)))
			ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
	}
	free(line);
	return list;
}

static void
on_unreadable(void *arg, const char *path, int err)
{
	struct progress *p = arg;

	if (p->on)
		fputs("\r\033[K", stderr);
	ctx_warn_code(err, "%s", path);
	p->unreadable++;
}

static void
on_progress(void *arg, size_t done, size_t total)
{
	struct progress *p = arg;

	if (!p->on || (done % 16 != 0 && done != total))
		return;
	double secs = (double)(ctx_clock_ns() - p->start_ns) / 1e9;
	fprintf(stderr, "\r\033[Kctx-parse: %zu/%zu files, %.0f files/s%s", done, total,
	    secs > 0 ? (double)done / secs : 0.0, done == total ? "\n" : "");
}

static void
free_list(char **files, char **argv, size_t n)
{
	if (files == argv)
		return;
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
}

/* The cache, or NULL (--no-cache, or it cannot be used: said on stderr, *rc 1). */
static struct ctx_cache *
open_cache(const struct opts *o, const struct ctx_workspace *ws, int *rc)
{
	struct ctx_cache *c = NULL;
	char *dir = o->no_cache ? NULL : ctx_cache_dir(o->cache, ws->root);
	char why[PATH_MAX + 64];

	if (!o->no_cache && !dir)
		ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
	if (dir && ctx_cache_open(dir, ws->root, &c, why, sizeof why) != 0) {
		ctx_warnx("cache not used: %s", why);
		*rc = CTX_EXIT_FAIL;
	}
	free(dir);
	return c;
}

static int
index_files(const struct opts *o, const struct ctx_workspace *ws, struct ctx_evstream *ev, int argc, char **argv)
{
	size_t n;
	char **files = file_list(argc, argv, o->nul, &n);
	struct progress p = { .start_ns = ctx_clock_ns() };
	struct ctx_index_counts counts;
	int rc = CTX_EXIT_OK;

	p.on = !o->no_progress && (o->progress || (isatty(STDERR_FILENO) && n > 200));
	static char outbuf[1 << 16]; /* records are written in big pieces, not a page at a time */
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	struct ctx_cache *cache = open_cache(o, ws, &rc);
	struct ctx_statindex stat = { 0 };
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (cache && ctx_statindex_load(&stat, cache, ws->root, (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec) < 0)
		ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
	struct ctx_index_opts io = {
		.root = ws->root, .root_given = ws->root_given, .cache = cache, .stat = cache ? &stat : NULL,
		.max_file_bytes = (size_t)o->max_bytes, .jobs = (int)o->jobs, .events = ev,
		.unreadable = on_unreadable, .progress = on_progress, .arg = &p,
	};
	int err = ctx_index_run(&io, files, n, stdout, &counts);
	if (err < 0)
		ctx_warn_code(err, "writing records");
	if (counts.cache_errors)
		ctx_warn_code(counts.cache_err, "%zu cache entries could not be stored, the first",
		    counts.cache_errors);
	free_list(files, argv, n);
	int put = cache && err == 0 ? ctx_statindex_store(&stat, cache) : 0;
	if (put != 0) {
		ctx_warn_code(put, "the stat index could not be stored");
		rc = CTX_EXIT_FAIL;
	}
	ctx_statindex_release(&stat);
	ctx_cache_free(io.cache);
	if (p.unreadable)
		rc = CTX_EXIT_FAIL;
	return err < 0 ? CTX_EXIT_SYSTEM : rc;
}

/* One line per language with a grammar: its name, languageId, extensions and grammar. */
static int
list_languages(void)
{
	struct ctx_buf b = { 0 };
	const struct ctx_lang *l;

	for (size_t i = 0; (l = ctx_lang_at(i)) != NULL; i++) {
		if (!l->grammar)
			continue;
		ctx_buf_addf(&b, "{\"lang\":\"%s\",\"lsp_id\":\"%s\",\"extensions\":[", l->name, l->lsp_id);
		for (size_t e = 0; e < 8 && l->exts[e]; e++)
			ctx_buf_addf(&b, "%s\"%s\"", e ? "," : "", l->exts[e]);
		ctx_buf_addf(&b, "],\"grammar\":\"%s\"}\n", l->grammar);
	}
	if (!b.data)
		ctx_diex(CTX_EXIT_SYSTEM, "out of memory");
	fwrite(b.data, 1, b.len, stdout);
	ctx_buf_release(&b);
	return ctx_err_close_stdout(CTX_EXIT_OK);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct ctx_workspace ws;
	char why[PATH_MAX + 64];
	int err, rc;

	ctx_err_init(argv[0]);
	int first = parse_opts(argc, argv, &o);
	if (o.languages)
		return list_languages();
	if (ctx_workspace_init(&ws, o.root, NULL, why, sizeof why) != 0) {
		ctx_warnx("%s", why);
		return CTX_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN); /* a closed pipe is an error we report, not a signal */
	struct ctx_evstream *ev = ctx_evstream_open(o.events, ws.run_id, ws.segment_id, &err);
	if (!ev) {
		ctx_warn_code(err, "--events %s", o.events ? o.events : getenv("CTX_EVENTS"));
		ctx_workspace_release(&ws);
		return CTX_EXIT_USAGE;
	}
	argc -= first;
	argv += first;
	struct ctx_select_opts so = { ws.root, ws.root_given, o.mode, o.context, (size_t)o.max_bytes, ev };
	if (o.get)
		rc = ctx_exit_of(ctx_select_get(&so, o.get, stdout));
	else if (o.find) {
		size_t n;
		char **files = file_list(argc, argv, o.nul, &n);
		rc = ctx_exit_of(ctx_select_find(&so, o.find, files, n, stdout));
		free_list(files, argv, n);
	} else
		rc = index_files(&o, &ws, ev, argc, argv);
	if ((err = ctx_evstream_failed(ev)) < 0)
		ctx_warn_code(err, "events: telemetry stream closed early");
	ctx_evstream_close(ev);
	ctx_workspace_release(&ws);
	return ctx_err_close_stdout(rc);
}
