/* Latency histogram with logarithmic buckets (HdrHistogram's layout): values
 * are whole microseconds from 1 us to 60 s; below 2048 us every microsecond
 * has its own bucket, above it each power of two is cut into 1024 buckets, so
 * any recorded value is known to 3 significant digits. Recording is O(1) and
 * allocation-free, which matters inside the load generator's event loop. */
#include <math.h>
#include <string.h>
#include "probe/probe.h"

#define SUB_BITS 11
#define SUB_COUNT (1 << SUB_BITS)   /* 2048 exact buckets */
#define HALF (SUB_COUNT / 2)
#define MAX_US 60000000ULL          /* 60 s */
#define MAX_EXP 15                  /* 60e6 >> 15 < 2048 */
#define NBUCKETS (SUB_COUNT + MAX_EXP * HALF)

struct mph_hist {
	uint64_t count, overflow;
	double sum_us, min_us, max_us;
	uint64_t b[NBUCKETS];
};

static size_t bucket_of(uint64_t v)
{
	int e;
	if (v < SUB_COUNT) return (size_t)v;
	e = 63 - __builtin_clzll(v) - (SUB_BITS - 1);
	return (size_t)SUB_COUNT + (size_t)(e - 1) * HALF + (size_t)((v >> e) - HALF);
}

/* The middle of the values a bucket stands for. */
static double bucket_value(size_t i)
{
	size_t e, sub;
	if (i < SUB_COUNT) return (double)i;
	e = (i - SUB_COUNT) / HALF + 1;
	sub = (i - SUB_COUNT) % HALF + HALF;
	return ((double)(sub << e) + (double)(((sub + 1) << e) - 1)) / 2.0;
}

mph_hist *mph_hist_new(void)
{
	mph_hist *h = mph_malloc(sizeof *h);
	mph_hist_reset(h);
	return h;
}

void mph_hist_free(mph_hist *h) { free(h); }

void mph_hist_reset(mph_hist *h)
{
	memset(h, 0, sizeof *h);
	h->min_us = INFINITY;
}

void mph_hist_record(mph_hist *h, double us)
{
	uint64_t v;
	if (!(us >= 1.0)) us = 1.0; /* also catches NaN */
	if (us > (double)MAX_US) { us = (double)MAX_US; h->overflow++; }
	v = (uint64_t)llround(us);
	h->b[bucket_of(v)]++;
	h->count++;
	h->sum_us += us;
	if (us < h->min_us) h->min_us = us;
	if (us > h->max_us) h->max_us = us;
}

void mph_hist_merge(mph_hist *dst, const mph_hist *src)
{
	size_t i;
	for (i = 0; i < NBUCKETS; i++) dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->overflow += src->overflow;
	dst->sum_us += src->sum_us;
	if (src->min_us < dst->min_us) dst->min_us = src->min_us;
	if (src->max_us > dst->max_us) dst->max_us = src->max_us;
}

uint64_t mph_hist_count(const mph_hist *h) { return h->count; }
uint64_t mph_hist_overflow(const mph_hist *h) { return h->overflow; }
double mph_hist_mean(const mph_hist *h) { return h->count ? h->sum_us / (double)h->count : NAN; }
double mph_hist_min(const mph_hist *h) { return h->count ? h->min_us : NAN; }
double mph_hist_max(const mph_hist *h) { return h->count ? h->max_us : NAN; }

double mph_hist_quantile(const mph_hist *h, double q)
{
	uint64_t rank, seen = 0;
	size_t i;
	double v;
	if (h->count == 0 || !(q >= 0.0 && q <= 1.0)) return NAN;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1) rank = 1;
	for (i = 0; i < NBUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) break;
	}
	v = bucket_value(i);
	/* The exact extremes are known; a bucket's middle must not pass them. */
	if (v < h->min_us) v = h->min_us;
	if (v > h->max_us) v = h->max_us;
	return v;
}
