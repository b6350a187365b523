/* Which measured configuration to recommend when measurements are noisy:
 * the one the search's model rates best. The model (the adapted network
 * plus morphling-gp's residual GP with its fitted noise term) weighs each
 * measurement against its neighbours', so a lucky measurement of a
 * configuration among worse ones counts for less than the same value among
 * good ones (TUNING.md section 8). */
#include <math.h>
#include <string.h>
#include "search/search.h"

static const double *rank_mean;
static int by_mean(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	if (rank_mean[a] != rank_mean[b]) return rank_mean[a] > rank_mean[b] ? -1 : 1;
	return (a > b) - (a < b);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

long mph_recommend(mph_search *s, const mph_candidates *c, const mph_history *h, size_t *order,
                   double *mean, double *sd, mph_error *err)
{
	size_t n = mph_candidates_n(c), nh = mph_history_n(h), i, m = 0, nid = 0;
	uint64_t *ids = mph_malloc((nh ? nh : 1) * sizeof *ids);
	double *sum = NULL;
	size_t *cnt = NULL;
	int rc;

	for (i = 0; i < nh; i++) {
		const mph_trial *t = mph_history_get(h, i);
		if (!t->failed && isfinite(t->utility)) ids[nid++] = t->id;
	}
	qsort(ids, nid, sizeof *ids, cmp_u64);
	if ((rc = mph_search_posterior(s, c, h, mean, sd, err)) < 0) {
		free(ids);
		return -1;
	}
	if (rc == 1) {
		/* no model: the mean of the measured utilities */
		sum = mph_calloc(n ? n : 1, sizeof *sum);
		cnt = mph_calloc(n ? n : 1, sizeof *cnt);
		for (i = 0; i < n; i++) mean[i] = sd[i] = NAN;
	}
	for (i = 0; i < n; i++) {
		uint64_t id = mph_candidates_id(c, i);
		if (nid == 0 || bsearch(&id, ids, nid, sizeof id, cmp_u64) == NULL) continue;
		order[m++] = i;
		if (sum == NULL) continue;
		for (size_t k = 0; k < nh; k++) {
			const mph_trial *t = mph_history_get(h, k);
			if (t->id == id && !t->failed && isfinite(t->utility)) {
				sum[i] += t->utility;
				cnt[i]++;
			}
		}
		mean[i] = sum[i] / (double)cnt[i];
	}
	free(ids);
	free(sum);
	free(cnt);
	for (i = 0; i < m; i++)
		if (isnan(mean[order[i]])) mean[order[i]] = -INFINITY;
	rank_mean = mean;
	qsort(order, m, sizeof *order, by_mean);
	return (long)m;
}
