#include "tsguard.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static bool
word_byte(unsigned char c)
{
	return c == '_' || c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Parse src in a child; true when it exits 0 within the bound. */
static bool
probe(const TSLanguage *lang, const char *src, size_t len)
{
	pid_t pid = fork();
	int st = 0;

	if (pid < 0)
		return false;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, STDERR_FILENO); /* a sanitizer's report of the crash is not ours to show */
		TSParser *p = ts_parser_new();
		TSTree *t = NULL;
		if (p && ts_parser_set_language(p, lang))
			t = ts_parser_parse_string(p, NULL, src, (uint32_t)len);
		ts_tree_delete(t);
		ts_parser_delete(p);
		_exit(t ? 0 : 1);
	}
	int64_t deadline = ctx_clock_ns() + (int64_t)CTX_TS_PROBE_MS * 1000000;
	struct timespec pause = { 0, 200000 };
	pid_t got;
	while ((got = waitpid(pid, &st, WNOHANG)) == 0 && ctx_clock_ns() < deadline) {
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 20000000)
			pause.tv_nsec *= 2;
	}
	if (got == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return false;
	}
	return got == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

bool
ctx_ts_parseable(const TSLanguage *lang, const char *src, size_t len)
{
	long depth = 0, tokens = 0;

	if (len > UINT32_MAX - 1)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		if (word_byte(c)) {
			tokens += i == 0 || !word_byte((unsigned char)src[i - 1]);
			continue;
		}
		tokens += c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f';
		if (c == '(' || c == '[' || c == '{') {
			if (++depth > CTX_TS_MAX_NESTING)
				return false;
		} else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return tokens < CTX_TS_SAFE_TOKENS || probe(lang, src, len);
}
