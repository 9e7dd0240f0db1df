/* opt: a tool's command line from one table, as git's parse_options does: each option is
 * declared once, with its long name, short letter, kind, where its value goes and its help
 * text, and parsing, the usage lines, --help and --version all come from that table, so
 * they cannot drift. Like err, this is a module that talks to the user: on --help,
 * --version or a bad option it prints and exits; no other lib/ module does.
 *
 * Adding a flag: one row in the tool's table, e.g.
 *   CTX_OPT_LONG(0, "keep", &o.keep, "N", 0, 1000, "rotated files kept (3)"),
 * and the code that reads o.keep. */
#ifndef CTX_OPT_H
#define CTX_OPT_H

#include <stdbool.h>
#include <stdio.h>

enum ctx_opt_kind {
	CTX_OPT_FLAG,   /* no value: sets a bool to true */
	CTX_OPT_LONG,   /* a decimal integer within [min, max], into a long */
	CTX_OPT_STRING, /* any value, into a const char * (points into argv) */
	CTX_OPT_ENUM,   /* one of choices, into a const char * (points into argv) */
	CTX_OPT_LONG_OPTIONAL, /* as CTX_OPT_LONG, the value optional: --NAME=N, --NAME N when the next
				* argument is a whole number, else --NAME alone, which stores max */
};

struct ctx_opt {
	const char *name;           /* long name, without "--" */
	char letter;                /* short option, or 0 */
	enum ctx_opt_kind kind;
	void *value;                /* bool *, long * or const char ** by kind */
	const char *arg;            /* the value's name in the usage ("DIR", "N"), or the choices */
	long min, max;              /* CTX_OPT_LONG */
	const char *const *choices; /* CTX_OPT_ENUM: NULL-terminated */
	const char *help;
};

#define CTX_OPT_FLAG(l, n, v, h) { (n), (l), CTX_OPT_FLAG, (v), NULL, 0, 0, NULL, (h) }
#define CTX_OPT_LONG(l, n, v, a, lo, hi, h) { (n), (l), CTX_OPT_LONG, (v), (a), (lo), (hi), NULL, (h) }
#define CTX_OPT_LONG_OPTIONAL(n, v, a, lo, hi, h) { (n), 0, CTX_OPT_LONG_OPTIONAL, (v), (a), (lo), (hi), NULL, (h) }
#define CTX_OPT_STRING(l, n, v, a, h) { (n), (l), CTX_OPT_STRING, (v), (a), 0, 0, NULL, (h) }
#define CTX_OPT_ENUM(l, n, v, a, c, h) { (n), (l), CTX_OPT_ENUM, (v), (a), 0, 0, (c), (h) }

/* Rows that every tool having them spells the same way. */
#define CTX_OPT_ROOT(v) CTX_OPT_STRING(0, "root", (v), "DIR", "the workspace root ($CTX_ROOT, else .)")
#define CTX_OPT_DIR(v) CTX_OPT_STRING(0, "dir", (v), "DIR", "the log ($CTX_TELEMETRY_DIR, else ROOT/_ctx/telemetry)")
#define CTX_OPT_EVENTS(v) CTX_OPT_STRING(0, "events", (v), "PATH", "telemetry events ($CTX_EVENTS; - is stdout)")

struct ctx_opt_spec {
	const char *prog;            /* "ctx-emit" */
	const char *version;
	const char *synopsis;        /* the forms after the program name, one a line, e.g.
				      * "[OPTIONS] [FILE ...]"; the first is the usage line */
	const struct ctx_opt *opts;
	int n;
};

/* The spec of a tool whose table is the array `table` (CTX_VERSION from version.h). */
#define CTX_OPT_SPEC(prog, synopsis, table) \
	{ (prog), CTX_VERSION, (synopsis), (table), (int)(sizeof(table) / sizeof *(table)) }

/* Parse argv into the table's values and return the index of the first operand. --help
 * prints the usage and one line per option on stdout and exits 0; --version prints
 * "PROG VERSION" and exits 0; an unknown option, a missing value or a bad value prints
 * "PROG: bad value for --NAME: 'VALUE'" (or what is wrong) and the usage on stderr and
 * exits CTX_EXIT_USAGE. Operands may follow options or be mixed with them (GNU order). */
int ctx_opt_parse(const struct ctx_opt_spec *spec, int argc, char **argv);

/* For a usage error the table cannot see (two options that exclude each other): "PROG:
 * MSG" and the usage on stderr, exit CTX_EXIT_USAGE. */
void ctx_opt_die(const struct ctx_opt_spec *spec, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

/* Parse a decimal integer in [min, max]. Returns 0, or -EINVAL (*out unchanged). */
int ctx_parse_long(const char *s, long min, long max, long *out);

#endif
