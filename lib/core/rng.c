/* xoshiro256** seeded through splitmix64: small, fast, and the same stream on
 * every platform, so a seed names one experiment everywhere. */
#include <math.h>
#include "core/core.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void mph_rng_seed(mph_rng *r, uint64_t seed)
{
	int i;
	for (i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t mph_rng_u64(mph_rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
	s[2] ^= t; s[3] = rotl(s[3], 45);
	return res;
}

double mph_rng_uniform(mph_rng *r) { return (mph_rng_u64(r) >> 11) * 0x1.0p-53; }

double mph_rng_normal(mph_rng *r)
{
	/* Box-Muller without caching the second value, so the stream position
	 * depends only on how many normals were drawn. */
	double u1, u2;
	do u1 = mph_rng_uniform(r); while (u1 <= 0.0);
	u2 = mph_rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

uint64_t mph_rng_below(mph_rng *r, uint64_t n)
{
	uint64_t lim, x;
	if (n <= 1) return 0;
	lim = UINT64_MAX - UINT64_MAX % n; /* reject the biased tail */
	do x = mph_rng_u64(r); while (x >= lim);
	return x % n;
}

void mph_rng_draw(mph_rng *r, size_t *a, size_t n, size_t k)
{
	size_t i, j, t;
	for (i = 0; i < k && i < n; i++) {
		j = i + (size_t)mph_rng_below(r, n - i);
		t = a[i]; a[i] = a[j]; a[j] = t;
	}
}

void mph_rng_shuffle(mph_rng *r, size_t *a, size_t n)
{
	size_t i, j, t;
	for (i = n; i > 1; i--) {
		j = (size_t)mph_rng_below(r, i);
		t = a[i - 1]; a[i - 1] = a[j]; a[j] = t;
	}
}
