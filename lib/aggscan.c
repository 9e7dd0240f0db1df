#include "aggscan.h"

#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINE (16 * 1024 * 1024)
#define OFF_MAX ((off_t)INT64_MAX) /* read to the end of the file */

/* A buffer that grows for a long line. */
struct buffer {
	char *data;
	size_t cap, len;
};

/* A piece of the input, in order, and what accounting it gave. A piece of a regular file
 * is a range: the lines that start in [from, to), read by whoever accounts them. A piece
 * of a pipe is a block of whole lines the reader (this thread) has read into buf. */
struct piece {
	int file;         /* index in the files */
	bool range, last; /* a range; the file's last piece (its descriptor is closed after) */
	bool first;       /* the file's first piece: from is the start of a line */
	off_t from, to, size;
	struct buffer buf;
	bool too_long;    /* a block without lines: one line longer than MAX_LINE, not kept */
	int after;        /* a read error (negative errno) or a refusal after the lines; 0: none */
	enum { FREE, READY, DONE } state;
	struct ctx_agg *part; /* the lines' accounting (NULL: accounted into the aggregate) */
	long lines;           /* lines in the piece, blank ones too */
	long malformed;
	int nreports;
	struct report {
		long line; /* in the piece, from 1 */
		enum ctx_aggscan_what what;
	} reports[CTX_AGGSCAN_REPORTS];
	int err;              /* -ENOMEM while accounting */
};

struct scan {
	struct ctx_agg *a;
	struct ctx_logfile *files;
	int nfiles;
	struct ctx_aggscan *s;
	size_t block;  /* a pipe's blocks and the smallest range */
	size_t scan;   /* bytes a file is read in at a time: the block, 64 KiB at least */
	off_t chunk;   /* bytes of a regular file per range */

	/* The producer: the next file, where its next range starts or, for a pipe, the
	 * start of a line the last block left over. */
	int file;
	bool open;
	off_t next_from, size, cut_end; /* the next range; where reading stops; the last cut */
	struct buffer carry;
	long *lines;    /* lines of each file merged so far */
	bool *failed;   /* a read error ended that file */

	/* The pieces in flight: produced and merged count up; workers take pieces in order
	 * from taken. */
	struct piece *slots;
	size_t nslots, produced, taken, merged;
	pthread_mutex_t mu;
	pthread_cond_t ready, done;
	bool stop;
	bool serial; /* the pipe's blocks are accounted here: their parts cost more than they save */
};

/* At least need bytes in b (exactly need when it grows). */
static int
ensure(struct buffer *b, size_t need)
{
	if (need <= b->cap)
		return 0;
	char *p = realloc(b->data, need);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = need;
	return 0;
}

static void
note(struct piece *pc, enum ctx_aggscan_what what)
{
	pc->malformed++;
	if (pc->nreports < CTX_AGGSCAN_REPORTS)
		pc->reports[pc->nreports++] = (struct report){ pc->lines, what };
}

static bool
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* Account the line p[0, n) (without its '\n') of pc into into. */
static void
account_line(struct ctx_agg *into, struct piece *pc, const char *p, size_t n)
{
	pc->lines++;
	if (n > MAX_LINE) {
		ctx_agg_malformed(into);
		note(pc, CTX_AGGSCAN_TOO_LONG);
		return;
	}
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (blank(p, n))
		return;
	int rc = ctx_agg_line(into, p, n);
	if (rc < 0)
		pc->err = rc;
	else if (rc == 1)
		note(pc, CTX_AGGSCAN_MALFORMED);
}

/* ---- a range of a regular file, read with pread ---- */

/* Read up to want bytes at pos: how many (fewer at the end). A read that fails is tried
 * again on half as many bytes, down to one, so that what is read before a bad spot never
 * depends on where the read began; *err is then the error (0: none). */
static size_t
read_at(int fd, char *buf, size_t want, off_t pos, int *err)
{
	size_t got = 0, ask = want;

	*err = 0;
	while (got < want) {
		ssize_t n = pread(fd, buf + got, ask < want - got ? ask : want - got, pos + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && ask > 1) {
			ask /= 2;
			continue;
		}
		if (n < 0)
			*err = -errno;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* Where the line after the first '\n' at or after pos starts, when that is before stop;
 * else stop (the line at pos runs on to there at least). Or a negative errno. */
static off_t
line_after(int fd, off_t pos, off_t stop, struct buffer *b)
{
	while (pos < stop && b->data) { /* b always has a buffer: the analyzer cannot tell */
		int err;
		size_t want = (off_t)b->cap < stop - pos ? b->cap : (size_t)(stop - pos);
		size_t n = read_at(fd, b->data, want, pos, &err);
		const char *nl = memchr(b->data, '\n', n);
		if (nl)
			return pos + (nl - b->data) + 1;
		if (err || n < want)
			return err ? err : stop;
		pos += (off_t)n;
	}
	return stop;
}

/* Account the lines of the range pc of the file open on fd into into, reading through b. */
static void
account_range(struct ctx_agg *into, struct piece *pc, int fd, struct buffer *b)
{
	off_t pos = pc->from;

	if (!pc->first && (pos = line_after(fd, pos - 1, pc->to, b)) < 0) {
		pc->after = (int)pos;
		return;
	}
	while (pos < pc->to && pos < pc->size && !pc->err) {
		int err;
		size_t want = (off_t)b->cap < pc->size - pos ? b->cap : (size_t)(pc->size - pos);
		size_t n = read_at(fd, b->data, want, pos, &err);
		/* The end: of the range's file, or of what can be read before an error. */
		bool at_end = !err && (n < want || pos + (off_t)n >= pc->size);
		const char *p = b->data, *end = b->data + n;
		while (p < end && pos + (p - b->data) < pc->to && !pc->err) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			if (!nl && !at_end)
				break; /* read again from this line's start */
			account_line(into, pc, p, (size_t)((nl ? nl : end) - p));
			p = nl ? nl + 1 : end;
		}
		if (err) { /* the lines before the bad spot are counted; the rest of the file is not */
			pc->after = err;
			return;
		}
		if (p > b->data || at_end) {
			pos += p - b->data;
			if (at_end)
				return;
			continue;
		}
		/* A line longer than the buffer: a bigger one, or, past MAX_LINE, only its end. */
		if (n <= MAX_LINE) {
			if (ensure(b, b->cap * 2 < MAX_LINE + 2 ? b->cap * 2 : MAX_LINE + 2) < 0)
				pc->err = -ENOMEM;
			continue;
		}
		pc->lines++;
		ctx_agg_malformed(into);
		note(pc, CTX_AGGSCAN_TOO_LONG);
		if ((pos = line_after(fd, pos + (off_t)n, pc->size, b)) < 0) {
			pc->after = (int)pos;
			return;
		}
	}
}

/* ---- a pipe, read by this thread in blocks ---- */

/* Read into b after its len until it is full, the input ends (1) or read fails (negative
 * errno). 0 when full. */
static int
fill(int fd, struct buffer *b)
{
	while (b->len < b->cap) {
		ssize_t n = read(fd, b->data + b->len, b->cap - b->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 1;
		b->len += (size_t)n;
	}
	return 0;
}

/* Skip the rest of a line longer than MAX_LINE, reading into b; what follows its '\n' is
 * the carry. 0, 1 at the end of the input, or a negative errno. */
static int
skip_line(int fd, struct buffer *b, struct buffer *carry)
{
	for (;;) {
		b->len = 0;
		int rc = fill(fd, b);
		const char *nl = memchr(b->data, '\n', b->len);
		if (nl) {
			carry->len = b->len - (size_t)(nl + 1 - b->data);
			memcpy(carry->data, nl + 1, carry->len);
			b->len = 0;
			return 0;
		}
		b->len = 0;
		if (rc != 0)
			return rc;
	}
}

/* The next block of whole lines of the pipe into pc->buf: 1 when the pipe is at its end
 * (or failed: pc->after) after this block, 0 when there is more, or -ENOMEM. */
static int
read_block(struct scan *sc, struct piece *pc, int fd)
{
	struct buffer *b = &pc->buf, *carry = &sc->carry;

	if (ensure(b, carry->len > sc->block / 2 ? carry->len * 2 : sc->block) < 0)
		return -ENOMEM;
	if (carry->len)
		memcpy(b->data, carry->data, carry->len);
	b->len = carry->len;
	carry->len = 0;
	for (;;) {
		int rc = fill(fd, b);
		if (rc == 1)
			return 1; /* every byte is in the block, a last line without '\n' too */
		const char *nl = b->len ? memrchr(b->data, '\n', b->len) : NULL;
		size_t cut = nl ? (size_t)(nl + 1 - b->data) : 0;
		if (rc < 0) { /* the lines before the error are read, the rest is not */
			b->len = cut;
			pc->after = rc;
			return 1;
		}
		if (nl) {
			if (ensure(carry, b->len - cut) < 0)
				return -ENOMEM;
			carry->len = b->len - cut;
			if (carry->len)
				memcpy(carry->data, b->data + cut, carry->len);
			b->len = cut;
			return 0;
		}
		if (b->len > MAX_LINE) { /* one line, longer than any kept: only its end is looked for */
			char *small = realloc(b->data, sc->scan);
			if (!small)
				return -ENOMEM;
			b->data = small;
			b->cap = sc->scan;
			if (ensure(carry, sc->scan) < 0)
				return -ENOMEM;
			pc->too_long = true;
			rc = skip_line(fd, b, carry);
			pc->after = rc < 0 ? rc : 0;
			return rc != 0;
		}
		if (ensure(b, b->cap * 2 < MAX_LINE + 2 ? b->cap * 2 : MAX_LINE + 2) < 0)
			return -ENOMEM;
	}
}

static void
account_block(struct ctx_agg *into, struct piece *pc)
{
	const char *p = pc->buf.data, *end = pc->buf.len ? p + pc->buf.len : p;

	while (p < end && !pc->err) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		account_line(into, pc, p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : end;
	}
	if (pc->too_long) {
		pc->lines++;
		ctx_agg_malformed(into);
		note(pc, CTX_AGGSCAN_TOO_LONG);
	}
}

/* ---- the producer ---- */

/* The next piece of the input into pc (a FREE slot): 1, 0 at the end of every file, or
 * -ENOMEM. */
static int
produce(struct scan *sc, struct piece *pc)
{
	struct stat st;

	pc->range = pc->last = pc->first = pc->too_long = false;
	pc->after = 0;
	pc->buf.len = 0;
	for (;;) {
		if (sc->file >= sc->nfiles)
			return 0;
		struct ctx_logfile *f = &sc->files[sc->file];
		pc->file = sc->file;
		if (sc->open)
			break;
		if (f->refused) {
			pc->after = f->refused;
			pc->last = true;
			sc->file++;
			return 1;
		}
		if (f->fd < 0) { /* removed by a rotation while the log was taken without its lock */
			sc->file++;
			continue;
		}
		sc->open = true;
		sc->size = -1;
		if (fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode)) {
			/* A file of the log is read to the length taken under the lock. A FILE or
			 * standard input is read from where its offset stands to its end, whatever
			 * st_size says (procfs says 0), and its offset is left at the end as a
			 * reader's would be; st_size only says where to cut it. */
			off_t at = f->size < 0 ? lseek(f->fd, 0, SEEK_CUR) : 0;
			sc->next_from = at > 0 ? at : 0;
			sc->size = f->size >= 0 ? f->size : OFF_MAX;
			sc->cut_end = f->size >= 0 ? f->size : st.st_size;
			if (f->size < 0)
				lseek(f->fd, 0, SEEK_END);
		}
		pc->first = true;
		break;
	}
	int fd = sc->files[sc->file].fd;
	if (sc->size >= 0) { /* a regular file: the next range, read by whoever accounts it */
		pc->range = true;
		pc->from = sc->next_from;
		pc->size = sc->size;
		pc->to = sc->cut_end - pc->from > sc->chunk ? pc->from + sc->chunk : sc->size;
		sc->next_from = pc->to;
		pc->last = pc->to >= sc->size;
	} else {
		int rc = read_block(sc, pc, fd);
		if (rc < 0)
			return rc;
		pc->last = rc == 1;
	}
	if (pc->last) {
		sc->open = false;
		sc->carry.len = 0;
		sc->file++;
	}
	return 1;
}

/* Account piece pc into into, reading a range through b. */
static void
account(struct scan *sc, struct ctx_agg *into, struct piece *pc, struct buffer *b)
{
	if (!pc->range)
		account_block(into, pc);
	else if (ensure(b, sc->scan) < 0)
		pc->err = -ENOMEM;
	else
		account_range(into, pc, sc->files[pc->file].fd, b);
}

static void *
worker(void *arg)
{
	struct scan *sc = arg;
	struct buffer b = { 0 };

	pthread_mutex_lock(&sc->mu);
	for (;;) {
		while (!sc->stop && sc->taken == sc->produced)
			pthread_cond_wait(&sc->ready, &sc->mu);
		if (sc->taken == sc->produced)
			break;
		struct piece *pc = &sc->slots[sc->taken++ % sc->nslots];
		pthread_mutex_unlock(&sc->mu);
		if (!(pc->part = ctx_agg_new_part(sc->a)))
			pc->err = -ENOMEM;
		else
			account(sc, pc->part, pc, &b);
		if (b.cap > sc->scan) { /* grown for a long line */
			free(b.data);
			b = (struct buffer){ 0 };
		}
		pthread_mutex_lock(&sc->mu);
		pc->state = DONE;
		pthread_cond_broadcast(&sc->done);
	}
	pthread_mutex_unlock(&sc->mu);
	free(b.data);
	return NULL;
}

/* Merge piece pc into the aggregate and report its lines, in input order; after a read
 * error, the rest of that file counts for nothing, as when it is read alone. */
static int
finish(struct scan *sc, struct piece *pc)
{
	struct ctx_aggscan *s = sc->s;
	struct ctx_logfile *f = &sc->files[pc->file];
	int err = pc->err;

	if (!err && pc->part && !sc->failed[pc->file])
		err = ctx_agg_merge(sc->a, pc->part);
	/* A block of a pipe with a run for every few lines (thousands of runs interleaved):
	 * merging it redoes most of its accounting, here, and holds as much memory again. */
	if (pc->part && !pc->range && ctx_agg_run_count(pc->part) * 4 > (size_t)pc->lines)
		sc->serial = true;
	ctx_agg_free(pc->part);
	pc->part = NULL;
	if (!sc->failed[pc->file]) {
		for (int i = 0; i < pc->nreports && s->report; i++)
			if (s->malformed + i < CTX_AGGSCAN_REPORTS)
				s->report(s->arg, f, pc->reports[i].what, sc->lines[pc->file] + pc->reports[i].line, 0);
		s->malformed += pc->malformed;
		sc->lines[pc->file] += pc->lines;
		if (pc->after && s->report)
			s->report(s->arg, f, f->refused ? CTX_AGGSCAN_REFUSED : CTX_AGGSCAN_READ_ERROR,
			    sc->lines[pc->file], pc->after);
		if (pc->after && !f->refused)
			sc->failed[pc->file] = true;
	}
	if (pc->last && f->fd > STDIN_FILENO) {
		close(f->fd);
		f->fd = -1;
	}
	if (pc->last)
		sc->serial = false; /* the next file may well be read in parallel */
	if (pc->buf.cap > sc->scan) { /* grown for a long line */
		free(pc->buf.data);
		pc->buf = (struct buffer){ 0 };
	}
	pc->lines = pc->malformed = 0;
	pc->nreports = 0;
	pc->err = 0;
	pc->state = FREE;
	return err;
}

/* The bytes of each range: the regular files shared out between the workers, a range no
 * smaller than a block. One worker: a file is one range. */
static off_t
chunk_size(const struct ctx_logfile *files, int n, int workers, size_t block)
{
	off_t total = 0;
	struct stat st;

	if (workers == 0)
		return (off_t)1 << 62;
	for (int i = 0; i < n; i++)
		if (!files[i].refused && files[i].fd >= 0 && fstat(files[i].fd, &st) == 0 && S_ISREG(st.st_mode))
			total += files[i].size >= 0 ? files[i].size : st.st_size;
	off_t share = total / workers + 1;
	return share > (off_t)block ? share : (off_t)block;
}

int
ctx_aggscan_run(struct ctx_agg *a, struct ctx_logfile *files, int n, struct ctx_aggscan *s)
{
	int jobs = s->jobs > 1 ? s->jobs : 0; /* 1: no worker, this thread accounts */
	struct scan sc = { .a = a, .files = files, .nfiles = n, .s = s, .block = s->block ? s->block : 1024 * 1024 };
	sc.scan = sc.block > 64 * 1024 ? sc.block : 64 * 1024;
	struct buffer own = { 0 }; /* this thread's, when it accounts a range itself */
	pthread_t *threads = NULL;
	int started = 0, err = 0;

	s->malformed = 0;
	sc.nslots = jobs ? (size_t)jobs + 2 : 1; /* a piece for each thread, one read, one merged */
	sc.slots = calloc(sc.nslots, sizeof *sc.slots);
	sc.lines = calloc(n > 0 ? (size_t)n : 1, sizeof *sc.lines);
	sc.failed = calloc(n > 0 ? (size_t)n : 1, sizeof *sc.failed);
	if (jobs)
		threads = calloc((size_t)jobs, sizeof *threads);
	if (!sc.slots || !sc.lines || !sc.failed || (jobs && !threads)) {
		err = -ENOMEM;
		goto out;
	}
	pthread_mutex_init(&sc.mu, NULL);
	pthread_cond_init(&sc.ready, NULL);
	pthread_cond_init(&sc.done, NULL);
	while (started < jobs && pthread_create(&threads[started], NULL, worker, &sc) == 0)
		started++;
	if (started && started < jobs)
		sc.nslots = (size_t)started + 2;
	sc.chunk = chunk_size(files, n, started, sc.block);

	bool input_done = false;
	while (!err || sc.merged < sc.produced) {
		while (!input_done && !err && sc.produced - sc.merged < sc.nslots) {
			/* Accounted here, into the aggregate itself: with no worker, or, when the
			 * pieces before are all merged, serially. */
			bool here = !started || sc.serial;
			if (here && sc.produced != sc.merged)
				break;
			struct piece *pc = &sc.slots[sc.produced % sc.nslots];
			int rc = produce(&sc, pc);
			if (rc <= 0) {
				err = rc;
				input_done = true;
				break;
			}
			if (here) {
				account(&sc, a, pc, &own);
				pthread_mutex_lock(&sc.mu);
				pc->state = DONE;
				sc.taken = ++sc.produced; /* no worker takes it */
				pthread_mutex_unlock(&sc.mu);
				break;
			}
			pthread_mutex_lock(&sc.mu);
			pc->state = READY;
			sc.produced++;
			pthread_cond_signal(&sc.ready);
			pthread_mutex_unlock(&sc.mu);
		}
		if (sc.merged == sc.produced)
			break;
		struct piece *pc = &sc.slots[sc.merged % sc.nslots];
		pthread_mutex_lock(&sc.mu);
		while (pc->state != DONE)
			pthread_cond_wait(&sc.done, &sc.mu);
		pthread_mutex_unlock(&sc.mu);
		int rc = finish(&sc, pc);
		err = err ? err : rc;
		sc.merged++;
	}

	pthread_mutex_lock(&sc.mu);
	sc.stop = true;
	pthread_cond_broadcast(&sc.ready);
	pthread_mutex_unlock(&sc.mu);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&sc.mu);
	pthread_cond_destroy(&sc.ready);
	pthread_cond_destroy(&sc.done);
out:
	for (size_t i = 0; sc.slots && i < sc.nslots; i++) {
		ctx_agg_free(sc.slots[i].part);
		free(sc.slots[i].buf.data);
	}
	for (int i = 0; i < n; i++) /* after an error, what was not read is closed too */
		if (files[i].fd > STDIN_FILENO) {
			close(files[i].fd);
			files[i].fd = -1;
		}
	free(sc.slots);
	free(sc.lines);
	free(sc.failed);
	free(sc.carry.data);
	free(own.data);
	free(threads);
	return err;
}
