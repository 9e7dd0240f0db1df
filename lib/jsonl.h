/* jsonl: a reader of newline-terminated lines from a file descriptor, for JSON Lines.
 * Lines of any length up to a limit; a longer line is skipped and reported once; a final
 * "\r" is removed; a last line without "\n" is still returned. Counts line numbers. */
#ifndef CTX_JSONL_H
#define CTX_JSONL_H

#include <stdbool.h>
#include <stddef.h>

struct ctx_jsonl;

/* Open path for reading ("-" is standard input, named "<stdin>" in messages). Returns a
 * reader the caller frees with ctx_jsonl_free, or NULL with *err set to a negative errno. */
struct ctx_jsonl *ctx_jsonl_open(const char *path, size_t max_line, int *err);

/* A reader of the first `limit` bytes of fd (all of it when limit < 0), which it owns from
 * now on (even on failure); name is for messages. NULL with *err set on out of memory. */
struct ctx_jsonl *ctx_jsonl_open_fd(int fd, const char *name, long long limit, size_t max_line, int *err);

/* Read the next line. Returns 1 and sets *line and *len (the line is the reader's, valid
 * until the next call, and line[len] is '\0'); 0 at end of input;
 * -E2BIG for a line longer than max_line (skipped; its number is current); another
 * negative errno on a read error. */
int ctx_jsonl_next(struct ctx_jsonl *r, const char **line, size_t *len);

/* The number of the line last returned (1-based), and the name given at open. */
long ctx_jsonl_lineno(const struct ctx_jsonl *r);
const char *ctx_jsonl_name(const struct ctx_jsonl *r);

/* True when the next ctx_jsonl_next would not block: a whole line is buffered, input is
 * at its end, or the descriptor is readable now. */
bool ctx_jsonl_ready(struct ctx_jsonl *r);

/* Close the descriptor (unless it is standard input) and free the reader. NULL is fine. */
void ctx_jsonl_free(struct ctx_jsonl *r);

#endif
