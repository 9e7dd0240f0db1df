#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "ctx";

static const struct {
	const char *token, *phrase;
} refusals[] = {
	[CTX_REJECTED] = { "rejected", "is rejected" },
	[CTX_REFUSED_OUTSIDE_ROOT] = { "outside_root", "is outside the workspace root" },
	[CTX_REFUSED_DENYLISTED] = { "denylisted", "is denylisted" },
	[CTX_REFUSED_NOT_REGULAR] = { "not_regular", "is not a regular file" },
	[CTX_REFUSED_TOO_LARGE] = { "too_large", "is over the size limit" },
	[CTX_REFUSED_SYMLINK] = { "symlink", "is a symbolic link" },
	[CTX_REFUSED_NOT_OURS] = { "not_ours", "is not owned by this user" },
	[CTX_REFUSED_OPEN_TO_OTHERS] = { "open_to_others", "is open to group or others" },
	[CTX_REFUSED_HARD_LINK] = { "hard_link", "has other hard links" },
};

const char *
ctx_refusal_token(int refusal)
{
	if (refusal <= 0 || (size_t)refusal >= sizeof refusals / sizeof *refusals)
		return "?";
	return refusals[refusal].token;
}

const char *
ctx_refusal_phrase(int refusal)
{
	if (refusal <= 0 || (size_t)refusal >= sizeof refusals / sizeof *refusals)
		return "?";
	return refusals[refusal].phrase;
}

int
ctx_exit_of(int rc)
{
	return rc == 0 ? CTX_EXIT_OK : rc > 0 ? CTX_EXIT_FAIL : CTX_EXIT_SYSTEM;
}

void
ctx_err_init(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;

	if (argv0 && *argv0)
		prog = slash ? slash + 1 : argv0;
}

const char *
ctx_err_prog(void)
{
	return prog;
}

/* "prog: msg" or "prog: msg: why". */
static void
vwarn(const char *why, const char *fmt, va_list ap)
{
	char msg[4096];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (why)
		fprintf(stderr, "%s: %s: %s\n", prog, msg, why);
	else
		fprintf(stderr, "%s: %s\n", prog, msg);
}

void
ctx_warn(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vwarn(why, fmt, ap);
	va_end(ap);
}

void
ctx_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(NULL, fmt, ap);
	va_end(ap);
}

const char *
ctx_code_phrase(int code)
{
	return code > 0 ? ctx_refusal_phrase(code) : strerror(-code);
}

void
ctx_warn_code(int err, const char *fmt, ...)
{
	va_list ap;
	char refused[96];

	snprintf(refused, sizeof refused, "refused: %s", ctx_refusal_phrase(err));
	va_start(ap, fmt);
	vwarn(err < 0 ? strerror(-err) : err > 0 ? refused : NULL, fmt, ap);
	va_end(ap);
}

void
ctx_diex(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(0, fmt, ap);
	va_end(ap);
	exit(code);
}

int
ctx_err_close_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		ctx_warn("stdout");
		return CTX_EXIT_SYSTEM;
	}
	return rc;
}

int
ctx_exit_worse(int a, int b)
{
	return a > b ? a : b;
}
