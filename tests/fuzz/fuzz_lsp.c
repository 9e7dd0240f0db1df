/* libFuzzer target: ctx-lsp's dispatch of what a language server says, through the
 * session's step-by-step interface (lspclient.h), without a process: the input's bytes up
 * to the first NUL are the caller's request lines; the rest is the server's stdout
 * (Content-Length framing and all), fed in two pieces. At the end every request still
 * waiting passes its deadline. Checked on every input, besides the sanitizers: each
 * request line gets exactly one answer, every answer is one JSON object on one line, and
 * ctx-emit accepts every event. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "event.h"
#include "json.h"
#include "lspclient.h"
#include "redact.h"
#include "safeopen.h"
#include "symindex.h"

/* A fixed root, so that seeds can name its files by URI. */
static const char root[] = "/tmp/ctx-fuzz-lsp";
static char events_path[96];
static struct ctx_evstream *events;
static struct ctx_symindex *shared_index;
static int devnull = -1, events_fd = -1;

/* Two files the requests name, one with characters outside the BMP (UTF-16 pairs). */
static const char a_py[] = "import os\n\n\nclass Shop:\n    \"\"\"A shop.\"\"\"\n\n    def buy(self, item):\n"
			   "        return item\n\n\ndef total(xs):\n    s = \"\xf0\x9f\x98\x80\xc3\xa9\" + str(xs)\n"
			   "    return Shop().buy(s)\n";
static const char b_py[] = "from a import total\n\nprint(total([1, 2]))\n";

/* The caller's requests before the input's own: every method, both files. */
static const char default_requests[] =
    "{\"id\":1,\"method\":\"definition\",\"file\":\"b.py\",\"line\":3,\"col\":8}\n"
    "{\"id\":2,\"method\":\"references\",\"file\":\"a.py\",\"line\":11,\"col\":5}\n"
    "{\"id\":3,\"method\":\"hover\",\"file\":\"a.py\",\"line\":12,\"col\":20}\n"
    "{\"id\":4,\"method\":\"symbols\",\"file\":\"a.py\"}\n"
    "{\"id\":5,\"method\":\"workspace_symbols\",\"query\":\"Sh\"}\n"
    "{\"id\":6,\"method\":\"diagnostics\",\"file\":\"a.py\"}\n";

/* Written whole then renamed: fuzzing jobs share the root. */
static void
write_file(const char *name, const char *text)
{
	char path[128], tmp[160];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, name);
	snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
	if (!(f = fopen(tmp, "w")) || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0)
		abort();
}

static void
remove_events(void)
{
	unlink(events_path);
	*strrchr(events_path, '/') = '\0';
	rmdir(events_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/ctx-fuzz-lsp-events-XXXXXX";
	int err;

	(void)argc;
	(void)argv;
	if ((mkdir(root, 0700) != 0 && errno != EEXIST) || !mkdtemp(dir))
		abort();
	write_file("a.py", a_py);
	write_file("b.py", b_py);
	snprintf(events_path, sizeof events_path, "%s/events.jsonl", dir);
	atexit(remove_events);
	if (!(events = ctx_evstream_open(events_path, "run_fuzz", "0123abcd", &err)))
		abort();
	if ((events_fd = open(events_path, O_RDWR)) < 0 || (devnull = open("/dev/null", O_WRONLY)) < 0)
		abort();
	if (!(shared_index = ctx_symindex_build(root, &err)))
		abort();
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Each line of text[0, len) must be one JSON object; returns the number of lines. */
static long
check_lines(const char *what, const char *text, size_t len)
{
	static struct ctx_arena a;
	long lines = 0;

	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at, off;
		struct ctx_json *v = ctx_json_parse(&a, text + at, n, &off);
		if (!v || v->type != CTX_JSON_OBJECT || !nl) {
			fprintf(stderr, "fuzz_lsp: %s line %ld is not a JSON object line: %.*s\n", what, lines + 1, (int)n,
			    text + at);
			abort();
		}
		ctx_arena_reset(&a);
		lines++;
		at += n + 1;
	}
	return lines;
}

/* Each event line must pass ctx-emit's validation. */
static void
check_events(void)
{
	static struct ctx_redact *redact;
	static struct ctx_arena a;
	struct ctx_buf ev = { 0 }, out = { 0 };
	struct ctx_event_env env = { "run_fuzz", "0123abcd", NULL };
	char why[256];
	bool critical;

	if (!redact && !(redact = ctx_redact_new(root, root, false)))
		abort();
	env.redact = redact;
	ctx_file_read(events_path, (size_t)1 << 30, true, &ev);
	for (size_t at = 0; at < ev.len;) {
		const char *line = ev.data + at, *nl = memchr(line, '\n', ev.len - at);
		size_t n = nl ? (size_t)(nl - line) : ev.len - at;
		if (!nl || ctx_event_normalize(&env, &a, line, n, &out, &critical, why, sizeof why) != 0) {
			fprintf(stderr, "fuzz_lsp: ctx-emit rejects an event (%s): %.*s\n", nl ? why : "no newline", (int)n, line);
			abort();
		}
		ctx_buf_truncate(&out, 0);
		at += n + 1;
	}
	ctx_buf_release(&ev);
	ctx_buf_release(&out);
}

static long
count_requests(const char *p, size_t len)
{
	long n = 0;

	for (size_t at = 0; at < len;) {
		const char *nl = memchr(p + at, '\n', len - at);
		size_t l = nl ? (size_t)(nl - (p + at)) : len - at;
		n += strspn(p + at, " \t\r") < l && (nl || strspn(p + at, " \t\r\n") < l);
		at += l + 1;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *nul = memchr(in, '\0', size);
	size_t nreq = nul ? (size_t)(nul - in) : 0, rest = nul ? size - nreq - 1 : size;
	const char *srv = nul ? nul + 1 : in;
	struct ctx_buf requests = { 0 };
	char *answers = NULL;
	size_t answers_len = 0;

	if (nreq > 16384 || rest > 1 << 20)
		return 0;
	ctx_buf_adds(&requests, default_requests);
	ctx_buf_add(&requests, in, nreq);
	FILE *out = open_memstream(&answers, &answers_len);
	struct ctx_lsp_opts o = { .server = "fuzz", .root = root, .timeout_ms = 1000, .ready_timeout_ms = 1000,
		.max_inflight = 1 + (int)(size % 3), .queue_timeout_ms = 1000, .events = events, .out = out,
		.in_fd = -1, .stop_fd = -1, .listen_fd = -1 };
	struct ctx_lsp_session *s = ctx_lsp_session_open(&o, dup(devnull), shared_index);
	long expected = count_requests(requests.data, requests.len);

	if (!s)
		abort();
	ctx_lsp_session_requests(s, requests.data, requests.len);
	size_t half = rest ? (unsigned char)srv[0] % (rest + 1) : 0;
	ctx_lsp_session_server(s, srv, half);
	ctx_lsp_session_server(s, srv + half, rest - half);
	ctx_lsp_session_close(s);
	fclose(out);
	if (check_lines("answer", answers, answers_len) != expected) {
		fprintf(stderr, "fuzz_lsp: %ld requests, answers:\n%.*s", expected, (int)answers_len, answers);
		abort();
	}
	free(answers);

	check_events();
	if (ftruncate(events_fd, 0) != 0)
		abort();

	ctx_buf_release(&requests);
	return 0;
}
