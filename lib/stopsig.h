/* stopsig: SIGINT and SIGTERM end a long-running tool the orderly way (ctx-lsp, ctx-mcp):
 * the first one makes a pipe readable that the tool's poll loop watches, and arms a bound
 * after which SIGALRM's default action ends the process whatever it is doing (a tool stuck
 * in work it cannot leave); a second signal ends it at once. */
#ifndef CTX_STOPSIG_H
#define CTX_STOPSIG_H

/* Install the handlers (SIGPIPE ignored: a closed pipe is an error the tool reports).
 * Returns the pipe's read end, or a negative errno. Called again, it returns the same. */
int ctx_stopsig_install(unsigned bound_s);

#endif
