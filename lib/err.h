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

/* What a lib/ function returns: 0 when all went well; a positive code when the input is
 * refused (the caller reports it, goes past it, and its exit status becomes 1); a negative
 * errno when a system call failed (exit status 3). ctx_exit_of maps one to the other, in
 * tools/ only. The positive codes: */
enum ctx_refusal {
	CTX_REJECTED = 1,             /* input refused: a malformed line, a bad request */
	CTX_REFUSED_OUTSIDE_ROOT,     /* a real path outside the root's real path */
	CTX_REFUSED_DENYLISTED,       /* a component .git, .env, .env.*, node_modules, ... */
	CTX_REFUSED_NOT_REGULAR,      /* a FIFO, device, socket or directory */
	CTX_REFUSED_TOO_LARGE,        /* over the size bound */
	CTX_REFUSED_SYMLINK,          /* a symbolic link where none may be */
	CTX_REFUSED_NOT_OURS,         /* owned by another user */
	CTX_REFUSED_OPEN_TO_OTHERS,   /* a directory writable by group or others */
	CTX_REFUSED_HARD_LINK,        /* a file with other names: possibly one outside the root */
};

/* A refusal's token as records and answers spell it ("outside_root", "not_regular"...),
 * and a phrase for messages ("is a symbolic link"). Static strings; "?" for another code. */
const char *ctx_refusal_token(int refusal);
const char *ctx_refusal_phrase(int refusal);
/* What a lib/ code says: a refusal's phrase, or strerror of a negative errno. */
const char *ctx_code_phrase(int code);

/* The exit status of a lib/ result: 0 OK, positive FAIL, negative SYSTEM. */
int ctx_exit_of(int rc);

/* Remember the program name (the basename of argv0; not copied, must outlive the program). */
void ctx_err_init(const char *argv0);
const char *ctx_err_prog(void);

/* "prog: <fmt>: <strerror(errno)>" on stderr. */
void ctx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: <fmt>" on stderr. */
void ctx_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: <fmt>: <strerror(-err)>" for a negative error code returned by lib/, "prog:
 * <fmt>: <phrase>" for a refusal. */
void ctx_warn_code(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ctx_warnx, then exit(code). */
void ctx_diex(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

/* The worse of two exit statuses (the higher: FAIL < SYSTEM; USAGE is never combined). */
int ctx_exit_worse(int a, int b);

/* Flush and close stdout; on failure report it and return CTX_EXIT_SYSTEM, else rc. */
int ctx_err_close_stdout(int rc);

#endif
