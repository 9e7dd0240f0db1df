#include "clock.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t
ctx_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
ctx_clock_ms(void)
{
	return ctx_clock_ns() / 1000000;
}

int64_t
ctx_clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static char *
put_digits(char *o, int v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		o[i] = (char)('0' + v % 10);
	return o + n;
}

void
ctx_clock_format_ts(int64_t epoch_ms, char out[CTX_TS_LEN])
{
	int64_t days = epoch_ms >= 0 ? epoch_ms / 86400000 : -((-epoch_ms + 86399999) / 86400000);
	int rem = (int)(epoch_ms - days * 86400000);
	int y, m, d;
	char *o = out;

	/* By hand rather than snprintf: this runs once per event on ctx-emit's hot path. */
	civil_from_days(days, &y, &m, &d);
	o = put_digits(o, y < 0 ? 0 : y % 10000, 4);
	*o++ = '-';
	o = put_digits(o, m, 2);
	*o++ = '-';
	o = put_digits(o, d, 2);
	*o++ = 'T';
	o = put_digits(o, rem / 3600000, 2);
	*o++ = ':';
	o = put_digits(o, rem / 60000 % 60, 2);
	*o++ = ':';
	o = put_digits(o, rem / 1000 % 60, 2);
	*o++ = '.';
	o = put_digits(o, rem % 1000, 3);
	*o++ = 'Z';
	*o = '\0';
}

/* Read exactly n digits at *p; advance. Returns the value or -1. */
static int
digits(const char **p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

int
ctx_clock_parse_ts(const char *s, int64_t *epoch_ms)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, ms = 0, off = 0;

	if ((y = digits(&p, 4)) < 0 || *p++ != '-' || (mo = digits(&p, 2)) < 1 || mo > 12 ||
	    *p++ != '-' || (d = digits(&p, 2)) < 1 || d > 31 || (*p != 'T' && *p != 't' && *p != ' '))
		return -EINVAL;
	p++;
	if ((h = digits(&p, 2)) < 0 || h > 23 || *p++ != ':' || (mi = digits(&p, 2)) < 0 ||
	    mi > 59 || *p++ != ':' || (sec = digits(&p, 2)) < 0 || sec > 60)
		return -EINVAL;
	if (*p == '.' || *p == ',') {
		int scale = 100, n = 0;

		for (p++; isdigit((unsigned char)*p); p++, n++) {
			ms += (*p - '0') * scale;
			scale /= 10;
		}
		if (n == 0)
			return -EINVAL;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om = 0;

		if ((oh = digits(&p, 2)) < 0 || oh > 23)
			return -EINVAL;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)*p) && ((om = digits(&p, 2)) < 0 || om > 59))
			return -EINVAL;
		off = sign * (oh * 60 + om);
	}
	if (*p != '\0')
		return -EINVAL;
	if (sec == 60)
		sec = 59; /* a leap second stays inside its minute */
	*epoch_ms = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - off * 60) * 1000 + ms;
	return 0;
}
