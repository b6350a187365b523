/* Enumeration and sampling of a space's feasible configurations, in
 * constant memory for enumeration and O(N) memory for a sample of N. */
#include <string.h>
#include "space/space.h"

int mph_space_next(const mph_space *s, size_t *idx)
{
	size_t k = mph_space_nknobs(s);
	while (k-- > 0) {
		if (++idx[k] < mph_space_nvalues(s, k)) return 1;
		idx[k] = 0;
	}
	return 0;
}

/* The product of the knobs' value counts as decimal digits, least
 * significant first: exact however large (no 64-bit saturation). */
static size_t product_digits(const mph_space *s, unsigned char *d, size_t max)
{
	size_t nd = 1, k, i;
	d[0] = 1;
	for (k = 0; k < mph_space_nknobs(s); k++) {
		unsigned long long carry = 0, f = mph_space_nvalues(s, k);
		for (i = 0; i < nd || carry; i++) {
			unsigned long long x;
			if (i == max) return 0;
			x = (i < nd ? d[i] : 0) * f + carry;
			d[i] = (unsigned char)(x % 10);
			carry = x / 10;
		}
		if (i > nd) nd = i;
	}
	return nd;
}

int mph_space_count(const mph_space *s, char *buf, size_t size, mph_error *err)
{
	unsigned char d[MPH_SPACE_COUNT_DIGITS];
	size_t nd = product_digits(s, d, sizeof d), i;
	if (nd == 0 || nd + 1 > size)
		return mph_error_set(err, NULL, 0, 0, "more than 10^%d configurations",
		                     MPH_SPACE_COUNT_DIGITS);
	if (mph_space_nconstraints(s) > 0) {
		/* Only enumeration knows how many satisfy the constraints: bounded. */
		size_t nk = mph_space_nknobs(s), *idx;
		uint64_t n = 0, size0 = mph_space_size(s);
		if (size0 > MPH_SPACE_COUNT_ENUMERATE) {
			for (i = 0; i < nd; i++) buf[i] = (char)('0' + d[nd - 1 - i]);
			buf[nd] = '\0';
			return mph_error_set(err, NULL, 0, 0,
			                     "%s configurations before constraints: too many to count "
			                     "the feasible ones (at most %llu are enumerated)", buf,
			                     (unsigned long long)MPH_SPACE_COUNT_ENUMERATE);
		}
		idx = mph_calloc(nk, sizeof *idx);
		do n += mph_space_feasible(s, idx) != 0; while (mph_space_next(s, idx));
		free(idx);
		snprintf(buf, size, "%llu", (unsigned long long)n);
		return 0;
	}
	for (i = 0; i < nd; i++) buf[i] = (char)('0' + d[nd - 1 - i]);
	buf[nd] = '\0';
	return 0;
}

/* Spaces up to this size are sampled exactly (shuffle of every feasible id);
 * larger ones by rejection against a hash set of the ids drawn so far. */
#define EXACT_LIMIT ((uint64_t)1 << 22)

long mph_space_sample(const mph_space *s, size_t n, mph_rng *rng, uint64_t *ids, mph_error *err)
{
	uint64_t size = mph_space_size(s);
	size_t nk = mph_space_nknobs(s), *idx = mph_calloc(nk, sizeof *idx), got = 0;
	if (size <= EXACT_LIMIT) {
		size_t *all = mph_malloc((size_t)size * sizeof *all), m = 0;
		uint64_t id;
		for (id = 0; id < size; id++) {
			mph_space_config_from_id(s, id, idx);
			if (mph_space_feasible(s, idx)) all[m++] = (size_t)id;
		}
		mph_rng_draw(rng, all, m, n);
		for (; got < n && got < m; got++) ids[got] = all[got];
		free(all);
	} else {
		size_t tries = 0;
		mph_idset drawn;
		mph_idset_init(&drawn, n);
		while (got < n) {
			uint64_t id = mph_rng_below(rng, size);
			if (++tries > 1000 * (n + 1)) {
				mph_idset_free(&drawn); free(idx);
				return mph_error_set(err, NULL, 0, 0, "could only find %zu feasible configurations of %zu asked", got, n);
			}
			mph_space_config_from_id(s, id, idx);
			if (mph_space_feasible(s, idx) && mph_idset_add(&drawn, id)) ids[got++] = id;
		}
		mph_idset_free(&drawn);
	}
	free(idx);
	return (long)got;
}
