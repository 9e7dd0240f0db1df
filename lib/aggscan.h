/* aggscan: the lines of the event log's files accounted into one aggregate, on several
 * threads. A regular file is cut into ranges (one share per thread), each read with pread
 * by the thread that accounts it; a pipe is read by this thread in blocks of whole lines.
 * Each piece is accounted into a part (ctx_agg_new_part) and the parts are merged in
 * input order, so the aggregate is the one a single reader would make.
 *
 * Lines are as ctx_jsonl hands them out: split at '\n', a final '\r' removed, a last line
 * without '\n' still a line, one longer than 16 MiB skipped as malformed, a line of only
 * blanks skipped. */
#ifndef CTX_AGGSCAN_H
#define CTX_AGGSCAN_H

#include "aggregate.h"
#include "appendlog.h"

/* What is reported of a file, in input order. */
enum ctx_aggscan_what {
	CTX_AGGSCAN_MALFORMED,  /* line: not a JSON object with a string "cmd" */
	CTX_AGGSCAN_TOO_LONG,   /* line: longer than 16 MiB */
	CTX_AGGSCAN_READ_ERROR, /* after line: err; the rest of the file is not read */
	CTX_AGGSCAN_REFUSED,    /* the file was refused when the log was taken (its refused) */
};

/* How many malformed and too-long lines are reported: the first ones, in input order. */
#define CTX_AGGSCAN_REPORTS 10

struct ctx_aggscan {
	int jobs;           /* threads accounting blocks; 1: this thread alone */
	size_t block;       /* a pipe's blocks and the smallest range, in bytes (0: 1 MiB) */
	void (*report)(void *arg, const struct ctx_logfile *f, enum ctx_aggscan_what what, long line, int err);
	void *arg;
	long malformed;     /* out: malformed and too-long lines in all */
};

/* Account the lines of files[0, n) into a: each file's first size bytes (to its end when
 * size < 0) from its descriptor, which is closed after (fd then -1; standard input is left
 * open). A file with fd < 0 and refused == 0 is skipped in silence (a rotation removed
 * it). Returns 0, or -ENOMEM (a is then incomplete). */
int ctx_aggscan_run(struct ctx_agg *a, struct ctx_logfile *files, int n, struct ctx_aggscan *s);

#endif
