/* clock: monotonic durations and the RFC 3339 timestamps of the event line. */
#ifndef CTX_CLOCK_H
#define CTX_CLOCK_H

#include <stdint.h>

#define CTX_TS_LEN 25 /* "2026-01-01T12:00:00.123Z" plus NUL */

/* Monotonic time (CLOCK_MONOTONIC) in nanoseconds and milliseconds. */
int64_t ctx_clock_ns(void);
int64_t ctx_clock_ms(void);

/* Wall-clock time now, in milliseconds since the epoch. */
int64_t ctx_clock_wall_ms(void);

/* Format epoch milliseconds as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out. */
void ctx_clock_format_ts(int64_t epoch_ms, char out[CTX_TS_LEN]);

/* Parse an ISO 8601 / RFC 3339 date-time: "T" or a space between date and time, optional
 * fraction (truncated to milliseconds), and "Z", "+HH:MM", "+HHMM", "+HH" or no offset
 * (taken as UTC). Returns 0 and sets *epoch_ms, or -EINVAL. */
int ctx_clock_parse_ts(const char *s, int64_t *epoch_ms);

#endif
