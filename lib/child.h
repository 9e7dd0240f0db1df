/* child: a child process we can always end. It runs in its own process group (so helpers
 * it starts are reached too), dies with us (PR_SET_PDEATHSIG), has its stdin, stdout and
 * stderr on non-blocking pipes, and its stderr is drained into a ring of its last lines so
 * that it never fills. Knows nothing of what is said on the pipes. */
#ifndef CTX_CHILD_H
#define CTX_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

#define CTX_CHILD_STDERR_LINES 8

struct ctx_child {
	pid_t pid;             /* > 0 from the spawn until it is reaped */
	pid_t group;           /* its process group, still signalled after the reaping (helpers) */
	int in, out, err;      /* our ends of its stdin, stdout, stderr; -1 once closed */
	int status;            /* once reaped: the exit code, or 128 + the signal */
	bool reaped;
	char name[64];         /* the base name of its program */
	struct ctx_buf errbuf; /* a partial stderr line */
	char errlines[CTX_CHILD_STDERR_LINES][200];
	int nerr;
};

/* Start cmdline (split into words like a shell would, no shell, no command substitution)
 * with cwd as its directory. 0, or -errno: -EINVAL for an empty or bad command line,
 * -ENOENT or -EACCES when the program cannot be run (the exec's own error). On failure
 * nothing is left running and c holds no descriptor. */
int ctx_child_spawn(struct ctx_child *c, const char *cmdline, const char *cwd);
/* The same with the words given (argv[0] looked up on PATH unless it has a '/'), and, when
 * fd3 >= 0, that descriptor as the child's descriptor 3. */
int ctx_child_spawnv(struct ctx_child *c, char *const *argv, const char *cwd, int fd3);

/* The path of the ctx program name beside this one (/proc/self/exe) when it is there and
 * executable, else name itself (looked up on PATH when run). */
void ctx_child_sibling(const char *name, char *out, size_t size);

/* Read what its stderr holds now; keep the last lines. */
void ctx_child_drain_stderr(struct ctx_child *c);
/* Its last stderr line, or "". */
const char *ctx_child_last_stderr(const struct ctx_child *c);

/* Reap it if it has exited (never blocks); then its group is sent SIGKILL, so helpers it
 * left do not outlive it. True once reaped. */
bool ctx_child_reap(struct ctx_child *c);
/* Signal its group while it runs (nothing once reaped: the ids may be reused). */
void ctx_child_signal(const struct ctx_child *c, int sig);
/* SIGKILL to the group and wait for it: for a child that must go now. */
void ctx_child_kill(struct ctx_child *c);
/* Close our ends of its pipes (one, or all). */
void ctx_child_close(int *fd);
void ctx_child_release(struct ctx_child *c);

#endif
