/* err: exit codes shared by every tool, and messages on stderr in one form:
 * "prog: what is wrong[: strerror]". Only tool code calls these; lib/ returns errors. */
#ifndef CTX_ERR_H
#define CTX_ERR_H

enum ctx_exit {
	CTX_EXIT_OK = 0,      /* all good */
	CTX_EXIT_FAIL = 1,    /* some input was rejected or some item failed; the rest was done */
	CTX_EXIT_USAGE = 2,   /* bad flag or value */
	CTX_EXIT_SYSTEM = 3,  /* I/O, out of memory, lock timeout */
};

/* Remember the program name (the basename of argv0; not copied, must outlive the program). */
void ctx_err_init(const char *argv0);
const char *ctx_err_prog(void);

/* "prog: <fmt>: <strerror(errno)>" on stderr. */
void ctx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: <fmt>" on stderr. */
void ctx_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: <fmt>: <strerror(-err)>" for a negative error code returned by lib/. */
void ctx_warn_code(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ctx_warnx, then exit(code). */
void ctx_diex(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

/* The worse of two exit statuses (the higher: FAIL < SYSTEM; USAGE is never combined). */
int ctx_exit_worse(int a, int b);

/* Flush and close stdout; on failure report it and return CTX_EXIT_SYSTEM, else rc. */
int ctx_err_close_stdout(int rc);

#endif
