/* aggscan: the lines of the event log's files accounted into one aggregate, on several
 * threads. One reader (this thread) cuts the input into blocks of whole lines, a pipe as
 * well as a file; workers account each block into a part (ctx_agg_new_part); the parts
 * are merged in input order, so the aggregate is the one a single reader would make.
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
	size_t block;       /* bytes read at a time (0: 1 MiB); a longer line makes its block grow */
	void (*report)(void *arg, const struct ctx_logfile *f, enum ctx_aggscan_what what, long line, int err);
	void *arg;
	long malformed;     /* out: malformed and too-long lines in all */
	bool read_error;    /* out: some file could not be read to its end */
};

/* Account the lines of files[0, n) into a: each file's first size bytes (to its end when
 * size < 0) from its descriptor, which is closed after (fd then -1; standard input is left
 * open). A file with fd < 0 and refused == 0 is skipped in silence (a rotation removed
 * it). Returns 0, or -ENOMEM (a is then incomplete). */
int ctx_aggscan_run(struct ctx_agg *a, struct ctx_logfile *files, int n, struct ctx_aggscan *s);

#endif
