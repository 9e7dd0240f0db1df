#include "tsguard.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "safeopen.h"

static bool
word_byte(unsigned char c)
{
	return c == '_' || c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

#define PROBE_ENV "CTX_TS_PROBE"
#define PROBE_ARGV0 "ctx-ts-probe"

/* In the child (argv is just "ctx-ts-probe", and $CTX_TS_PROBE is set): parse standard
 * input as the language of extension $CTX_TS_PROBE, exit 0 when the parse ends. Runs
 * before main, in a process with one thread (glibc passes a constructor main's
 * arguments). */
__attribute__((constructor)) static void
probe_child(int argc, char **argv)
{
	const char *ext = getenv(PROBE_ENV);
	struct ctx_buf src = { 0 };
	char name[32];

	if (!ext || argc != 1 || !argv || !argv[0] || strcmp(argv[0], PROBE_ARGV0) != 0)
		return;
	snprintf(name, sizeof name, "probe%s", ext);
	const struct ctx_lang *l = ctx_lang_parsed(name);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, STDERR_FILENO); /* a sanitizer's report of the crash is not ours to show */
	if (!l || ctx_file_read_fd(STDIN_FILENO, (size_t)UINT32_MAX - 2, &src) != 0)
		_exit(2);
	TSParser *p = ts_parser_new();
	TSTree *t = NULL;
	if (p && ts_parser_set_language(p, l->language()))
		t = ts_parser_parse_string(p, NULL, src.data, (uint32_t)src.len);
	bool parsed = t != NULL;
	ts_tree_delete(t); /* the crash may come here, as in the parent's own delete */
	ts_parser_delete(p);
	_exit(parsed ? 0 : 1);
}

/* Parse src in a child; true when it exits 0 within the bound. */
static bool
probe(const struct ctx_lang *l, const char *src, size_t len)
{
	extern char **environ;
	size_t nenv = 0;
	int sv[2];
	pid_t pid;
	char var[64];
	bool ok = false;

	while (environ[nenv])
		nenv++;
	char **env = calloc(nenv + 2, sizeof *env);
	if (!env || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		free(env);
		return false;
	}
	snprintf(var, sizeof var, "%s=%s", PROBE_ENV, l->exts[0]);
	env[0] = var;
	for (size_t i = 0, k = 1; i < nenv; i++) /* the caller's environment but any other probe */
		if (strncmp(environ[i], PROBE_ENV "=", sizeof PROBE_ENV) != 0)
			env[k++] = environ[i];
	posix_spawn_file_actions_t fa;
	char *argv[] = { PROBE_ARGV0, NULL };
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], STDIN_FILENO);
	int rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	free(env);
	if (rc != 0) {
		close(sv[0]);
		return false;
	}
	/* The text, then end of file; a child that dies early is an error, never a signal. */
	int64_t deadline = ctx_clock_ns() + (int64_t)CTX_TS_PROBE_MS * 1000000;
	for (size_t off = 0; off < len && ctx_clock_ns() < deadline;) {
		ssize_t n = send(sv[0], src + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(sv[0]);
	struct timespec pause = { 0, 200000 };
	pid_t got;
	int st = 0;
	while ((got = waitpid(pid, &st, WNOHANG)) == 0 && ctx_clock_ns() < deadline) {
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 20000000)
			pause.tv_nsec *= 2;
	}
	if (got == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	} else {
		ok = got == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	return ok;
}

bool
ctx_ts_parseable(const struct ctx_lang *l, const char *src, size_t len)
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
	return tokens < CTX_TS_SAFE_TOKENS || probe(l, src, len);
}
