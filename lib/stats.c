#include "stats.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t
bin_of(const struct ctx_hist_bin *bins, size_t nbins, double v)
{
	uint64_t x;

	v = v == 0 ? 0 : v; /* -0 and 0 are one value */
	memcpy(&x, &v, sizeof x);
	/* A full mix (splitmix64's finaliser): an integer-valued double has its low mantissa
	 * bits all zero, and a bare multiply left them zero in every bucket index. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	size_t mask = nbins - 1, i = (size_t)x & mask;
	while (bins[i].count != 0 && bins[i].value != v)
		i = (i + 1) & mask;
	return i;
}

static int
grow(struct ctx_hist *h)
{
	size_t nbins = h->nbins ? h->nbins * 2 : 8; /* small first: one histogram per run and cmd */
	struct ctx_hist_bin *bins = calloc(nbins, sizeof *bins);

	if (!bins)
		return -ENOMEM;
	for (size_t i = 0; i < h->nbins; i++)
		if (h->bins[i].count)
			bins[bin_of(bins, nbins, h->bins[i].value)] = h->bins[i];
	free(h->bins);
	h->bins = bins;
	h->nbins = nbins;
	return 0;
}

/* Add count samples of value. */
static int
add_n(struct ctx_hist *h, double value, long count)
{
	if ((h->used + 1) * 4 > h->nbins * 3 && grow(h) < 0)
		return -ENOMEM;
	value = value == 0 ? 0 : value;
	struct ctx_hist_bin *b = &h->bins[bin_of(h->bins, h->nbins, value)];
	if (b->count == 0) {
		b->value = value;
		h->used++;
	}
	b->count += count;
	h->n += count;
	return 0;
}

int
ctx_hist_add(struct ctx_hist *h, double value)
{
	return add_n(h, value, 1);
}

int
ctx_hist_merge(struct ctx_hist *into, const struct ctx_hist *from)
{
	for (size_t i = 0; i < from->nbins; i++)
		if (from->bins[i].count && add_n(into, from->bins[i].value, from->bins[i].count) < 0)
			return -ENOMEM;
	return 0;
}

static int
by_value(const void *a, const void *b)
{
	double x = ((const struct ctx_hist_bin *)a)->value, y = ((const struct ctx_hist_bin *)b)->value;
	return (x > y) - (x < y);
}

/* The sample at sorted index k. */
static double
at(const struct ctx_hist_bin *sorted, size_t nsorted, long k)
{
	long seen = 0;

	for (size_t i = 0; i < nsorted; i++) {
		seen += sorted[i].count;
		if (k < seen)
			return sorted[i].value;
	}
	return nsorted ? sorted[nsorted - 1].value : 0;
}

int
ctx_hist_summary(const struct ctx_hist *h, struct ctx_summary *out)
{
	memset(out, 0, sizeof *out);
	if (h->n == 0)
		return 0;
	struct ctx_hist_bin *sorted = malloc(h->used * sizeof *sorted);
	size_t k = 0;
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < h->nbins; i++)
		if (h->bins[i].count)
			sorted[k++] = h->bins[i];
	qsort(sorted, k, sizeof *sorted, by_value);
	out->count = h->n;
	out->p50 = at(sorted, k, (long)floor((double)h->n * 0.5));
	out->p95 = at(sorted, k, (long)floor((double)h->n * 0.95));
	out->max = sorted[k - 1].value;
	/* Summed in value order, so that the order the samples came in (or the parts a log
	 * was read in) never changes the last digit; saturates, never inf. */
	for (size_t i = 0; i < k; i++) {
		double next = out->sum + sorted[i].value * (double)sorted[i].count;
		out->sum = isfinite(next) ? next : DBL_MAX;
	}
	free(sorted);
	return 0;
}

void
ctx_hist_release(struct ctx_hist *h)
{
	free(h->bins);
	memset(h, 0, sizeof *h);
}
