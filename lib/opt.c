#include "opt.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define HELP_VAL 1000
#define VERSION_VAL 1001
#define MAX_OPTS 32

int
ctx_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static void
usage_lines(const struct ctx_opt_spec *spec, FILE *f)
{
	const char *p = spec->synopsis;

	for (int i = 0; *p; i++) {
		int n = (int)strcspn(p, "\n");
		fprintf(f, "%s %s %.*s\n", i ? "      " : "usage:", spec->prog, n, p);
		p += n + (p[n] == '\n');
	}
}

static void
help(const struct ctx_opt_spec *spec)
{
	usage_lines(spec, stdout);
	fputs("options:\n", stdout);
	for (int i = 0; i < spec->n; i++) {
		const struct ctx_opt *o = &spec->opts[i];
		char left[64];
		int n = o->letter ? snprintf(left, sizeof left, "-%c, --%s", o->letter, o->name)
				  : snprintf(left, sizeof left, "    --%s", o->name);
		if (o->arg && n > 0 && (size_t)n < sizeof left)
			snprintf(left + n, sizeof left - (size_t)n, " %s", o->arg);
		printf("  %-34s %s\n", left, o->help);
	}
	printf("  %-34s %s\n  %-34s %s\n", "    --help", "this text", "    --version", "the version");
}

void
ctx_opt_die(const struct ctx_opt_spec *spec, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ctx_warnx("%s", msg);
	usage_lines(spec, stderr);
	fprintf(stderr, "Try '%s --help' for more.\n", spec->prog);
	exit(CTX_EXIT_USAGE);
}

/* Store one option's value, or exit with the one message for a bad value. */
static void
store(const struct ctx_opt_spec *spec, const struct ctx_opt *o, const char *v)
{
	if (o->kind == CTX_OPT_LONG_OPTIONAL && !v) {
		*(long *)o->value = o->max;
		return;
	}
	if (o->kind != CTX_OPT_FLAG && !v) /* getopt_long gives a required value: never here */
		ctx_opt_die(spec, "--%s needs a value", o->name);
	switch (o->kind) {
	case CTX_OPT_FLAG:
		*(bool *)o->value = true;
		return;
	case CTX_OPT_LONG_OPTIONAL:
	case CTX_OPT_LONG:
		if (ctx_parse_long(v, o->min, o->max, (long *)o->value) < 0)
			ctx_opt_die(spec, "bad value for --%s: '%s' (a whole number from %ld to %ld)", o->name, v,
			    o->min, o->max);
		return;
	case CTX_OPT_ENUM:
		for (const char *const *c = o->choices; *c; c++)
			if (strcmp(*c, v) == 0) {
				*(const char **)o->value = v;
				return;
			}
		ctx_opt_die(spec, "bad value for --%s: '%s' (one of %s)", o->name, v, o->arg);
	case CTX_OPT_STRING:
		*(const char **)o->value = v;
		return;
	}
}

int
ctx_opt_parse(const struct ctx_opt_spec *spec, int argc, char **argv)
{
	struct option longopts[MAX_OPTS + 3];
	char shorts[2 * MAX_OPTS + 2] = ":"; /* ':' first: a missing value is reported as such */
	size_t ns = 1;
	int c, idx;

	if (spec->n > MAX_OPTS)
		abort(); /* a table this long is a programming error */
	for (int i = 0; i < spec->n; i++) {
		const struct ctx_opt *o = &spec->opts[i];
		int has_arg = o->kind == CTX_OPT_FLAG ? no_argument
		    : o->kind == CTX_OPT_LONG_OPTIONAL ? optional_argument : required_argument;
		longopts[i] = (struct option){ o->name, has_arg, NULL, o->letter ? o->letter : 256 + i };
		if (o->letter) {
			shorts[ns++] = o->letter;
			if (o->kind != CTX_OPT_FLAG)
				shorts[ns++] = ':';
		}
	}
	longopts[spec->n] = (struct option){ "help", no_argument, NULL, HELP_VAL };
	longopts[spec->n + 1] = (struct option){ "version", no_argument, NULL, VERSION_VAL };
	longopts[spec->n + 2] = (struct option){ NULL, 0, NULL, 0 };
	shorts[ns] = '\0';
	opterr = 0;
	while (idx = -1, (c = getopt_long(argc, argv, shorts, longopts, &idx)) != -1) {
		if (c == HELP_VAL) {
			help(spec);
			exit(ctx_err_close_stdout(CTX_EXIT_OK));
		}
		if (c == VERSION_VAL) {
			printf("%s %s\n", spec->prog, spec->version);
			exit(ctx_err_close_stdout(CTX_EXIT_OK));
		}
		if (c == '?' || c == ':') {
			const char *arg = argv[optind - 1];
			if (c == ':')
				ctx_opt_die(spec, "%s needs a value", arg);
			if (optopt && optopt < 256)
				ctx_opt_die(spec, "unknown option '-%c'", optopt);
			ctx_opt_die(spec, "unknown option '%s'", arg);
		}
		int i = c >= 256 ? c - 256 : 0;
		if (c < 256)
			while (i < spec->n && spec->opts[i].letter != c)
				i++;
		const char *v = optarg;
		/* An optional value given as the next argument: taken when it is a whole number. */
		if (!v && spec->opts[i].kind == CTX_OPT_LONG_OPTIONAL && optind < argc &&
		    argv[optind][0] && strspn(argv[optind], "0123456789") == strlen(argv[optind]))
			v = argv[optind++];
		store(spec, &spec->opts[i], v);
	}
	return optind;
}
