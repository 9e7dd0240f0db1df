/* stats: latency summaries in memory bounded by the number of distinct values, not of
 * samples: a histogram of value -> count, and the percentile formula of the Python
 * original (no interpolation): with the n samples sorted ascending as s[0..n-1],
 * p50 = s[floor(n*0.5)], p95 = s[floor(n*0.95)], max = s[n-1]. */
#ifndef CTX_STATS_H
#define CTX_STATS_H

#include <stddef.h>

struct ctx_hist_bin {
	double value;
	long count;
};

struct ctx_hist {
	struct ctx_hist_bin *bins; /* open addressing on value; count 0 marks an empty bin */
	size_t nbins, used;
	long n;      /* samples */
};

/* Add one sample (finite). 0, or -ENOMEM (the sample is not counted). */
int ctx_hist_add(struct ctx_hist *h, double value);
/* Add the samples of from to into. 0, or -ENOMEM (into then holds some of them). */
int ctx_hist_merge(struct ctx_hist *into, const struct ctx_hist *from);

struct ctx_summary {
	long count;
	double p50, p95, max, sum; /* sum saturates at DBL_MAX */
};

/* The summary of the samples (all zero when there are none). Returns 0 or -ENOMEM. */
int ctx_hist_summary(const struct ctx_hist *h, struct ctx_summary *out);

/* Release the bins of a histogram the caller owns; it is empty and reusable afterwards. */
void ctx_hist_release(struct ctx_hist *h);

#endif
