/* appendlog: the event log on disk. Whole lines are appended with write(2) to a descriptor
 * opened O_APPEND, under an exclusive flock(2) on a stable lock file beside the log, so that
 * concurrent writers never interleave or tear a line; the log is rotated by size under the
 * same lock; a failed or short write is truncated back so the log always ends in a whole line.
 *
 * Files in DIR: events.jsonl (the live log), events.1.jsonl ... events.K.jsonl (older,
 * 1 the newest), events.lock (never rotated). DIR is created mode 0700, files 0600. */
#ifndef CTX_APPENDLOG_H
#define CTX_APPENDLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ctx_appendlog;

/* Open (creating DIR and its parents as needed) the log in dir, a private directory
 * reached and checked as ctx_privdir_open does (root: the workspace's real path, or NULL);
 * events.jsonl and events.lock are opened without following symlinks and must be regular
 * files of ours. max_bytes > 0 rotates before events.jsonl would grow past it; keep is
 * the number of rotated files kept. Returns the log, to be freed with ctx_appendlog_free,
 * or NULL with *err a refusal (enum ctx_refusal: nothing was written) or a negative errno,
 * and *what the file that failed ("events.lock", "events.jsonl"; NULL: the directory). */
struct ctx_appendlog *ctx_appendlog_open(const char *dir, const char *root, off_t max_bytes, int keep,
    int *err, const char **what);

/* Take the lock. timeout_ms == 0: try once, -EWOULDBLOCK if another writer holds it;
 * timeout_ms > 0: wait at most that long, -ETIMEDOUT after. Returns 0 or a negative errno.
 * Waiting uses SIGALRM ticks (its handler and the real-time timer are restored after):
 * call it from a single-threaded program. */
int ctx_appendlog_lock(struct ctx_appendlog *l, int timeout_ms);
void ctx_appendlog_unlock(struct ctx_appendlog *l);

/* Append buf[0, len), whole '\n'-terminated lines, holding the lock. Rotates as needed
 * between lines. Returns 0, or a negative errno when a write failed: the file is then
 * truncated back to where that write started. *done is the number of leading bytes of buf
 * that are in the log (always a whole number of lines). */
int ctx_appendlog_append(struct ctx_appendlog *l, const char *buf, size_t len, size_t *done);

/* Close the files. NULL is fine. */
void ctx_appendlog_free(struct ctx_appendlog *l);

/* One file of the log as a reader took it: its path, an open descriptor, and how many
 * bytes of it to read; or, when refused is not 0, why it is not read (a refusal such as
 * not_regular for a FIFO, or a negative errno; fd is then -1). */
struct ctx_logfile {
	char *path;
	int fd;
	off_t size;
	int refused;
};

/* The log in dir as it was at one moment, for a reader: the rotated files, oldest first,
 * then events.jsonl, each opened and its length taken under a shared lock on events.lock
 * (writers append and rotate under it exclusively). Reading each file's first `size`
 * bytes afterwards gives exactly the batches written before that moment, whatever writers
 * and rotation do meanwhile. The lock is waited for at most timeout_ms (*locked false
 * after: the files are then taken without it); a log without a lock file (no writer ever
 * opened it) is taken as it is. Returns the number of files (in *files, to be freed with
 * ctx_appendlog_snapshot_free; their number in *count). Returns 0, or a refusal or
 * negative errno when dir
 * cannot be opened (ctx_privdir_open, read-only, with root) or listed. A file that cannot
 * be opened is left with fd -1 and `refused` saying why; without the lock, a file removed
 * by rotation meanwhile is left with fd -1, size 0 and refused 0. Files are opened
 * O_NONBLOCK without following symlinks, so a FIFO never blocks the reader holding the
 * lock. Uses SIGALRM like ctx_appendlog_lock. */
int ctx_appendlog_snapshot(const char *dir, const char *root, int timeout_ms, struct ctx_logfile **files,
    int *count, bool *locked);
/* Close and free what ctx_appendlog_snapshot gave; NULL with n 0 is fine. */
void ctx_appendlog_snapshot_free(struct ctx_logfile *files, int n);

#endif
