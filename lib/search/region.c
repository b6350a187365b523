/* Local steps for a search whose surrogate is confidently wrong.
 *
 * On held-out services a meta-model plus residual GP can reach 99.5 % of
 * the optimum within a few samples and then rank the optimum itself low
 * for the rest of the search: the measured neighbourhood looks settled to
 * the model, so UCB spends its samples elsewhere. The knob lattice knows
 * better: near-optimal configurations of a service are mostly a knob step
 * apart. Once the best trial is old, some steps go to the best-predicted
 * open neighbour of the best trials instead (TUNING.md section 7).
 *
 * Everything here is a function of the trials in order (their age is
 * recomputed from the history), so one process per step and mph-eval's one
 * object choose alike. */
#include <math.h>
#include <stdlib.h>
#include "search/search.h"

/* How many trials came after the one that last raised the best utility
 * (failed trials and those without a utility never raise it). */
size_t mph_local_age(const mph_trial *t, size_t nt)
{
	double best = -INFINITY;
	size_t i, at = 0;
	for (i = 0; i < nt; i++)
		if (!t[i].failed && isfinite(t[i].utility) && t[i].utility > best) {
			best = t[i].utility;
			at = i;
		}
	return isfinite(best) ? nt - 1 - at : 0;
}

int mph_local_due(const mph_local_opts *o, const mph_trial *t, size_t nt)
{
	size_t age, every;
	if (o->age <= 0 || nt == 0) return 0;
	age = mph_local_age(t, nt);
	every = o->every > 1 ? (size_t)o->every : 1;
	return age >= (size_t)o->age && (age - (size_t)o->age) % every == 0;
}

typedef struct {
	uint64_t id;
	size_t cand;
} id_cand;

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = ((const id_cand *)a)->id, y = ((const id_cand *)b)->id;
	return x < y ? -1 : x > y;
}

static int cmp_rank(const void *a, const void *b, const double *u)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	double x = isnan(u[i]) ? -INFINITY : u[i], y = isnan(u[j]) ? -INFINITY : u[j];
	if (x != y) return x > y ? -1 : 1;
	return i < j ? -1 : i > j; /* ties: the earlier trial */
}

/* qsort has no context argument in C11: rank by insertion, nt is small */
static void rank_trials(size_t *ord, size_t n, const double *u)
{
	size_t i, j;
	for (i = 1; i < n; i++) {
		size_t v = ord[i];
		for (j = i; j > 0 && cmp_rank(&ord[j - 1], &v, u) > 0; j--) ord[j] = ord[j - 1];
		ord[j] = v;
	}
}

long mph_local_pick(const mph_space *sp, const mph_candidates *c, const mph_trial *t, size_t nt,
                    const unsigned char *taken, const double *score, int top)
{
	size_t n = mph_candidates_n(c), nk = mph_space_nknobs(sp), i, k, v, r, ntop;
	id_cand *map = mph_malloc((n ? n : 1) * sizeof *map);
	size_t *ord = mph_malloc((nt ? nt : 1) * sizeof *ord);
	size_t *idx = mph_malloc((nk ? nk : 1) * sizeof *idx);
	double *u = mph_malloc((nt ? nt : 1) * sizeof *u);
	long pick = -1;
	double best = -INFINITY;

	for (i = 0; i < n; i++) {
		map[i].id = mph_candidates_id(c, i);
		map[i].cand = i;
	}
	qsort(map, n, sizeof *map, cmp_id);
	for (i = 0; i < nt; i++) {
		ord[i] = i;
		u[i] = t[i].failed || !isfinite(t[i].utility) ? -INFINITY : t[i].utility;
	}
	rank_trials(ord, nt, u);
	ntop = top > 0 && (size_t)top < nt ? (size_t)top : nt;
	for (r = 0; r < ntop; r++) {
		if (!isfinite(u[ord[r]])) break; /* only trials that worked */
		for (k = 0; k < nk; k++) {
			size_t nv = mph_space_nvalues(sp, k), orig;
			mph_space_config_from_id(sp, t[ord[r]].id, idx);
			orig = idx[k];
			for (v = 0; v < nv; v++) {
				id_cand key, *hit;
				if (v == orig) continue;
				/* an ordered knob steps to its next value; a categorical one
				 * has no order, so every other value is one step away */
				if (mph_space_knob_type(sp, k) != MPH_KNOB_CATEGORICAL && v + 1 != orig && v != orig + 1)
					continue;
				idx[k] = v;
				key.id = mph_space_config_id(sp, idx);
				idx[k] = orig;
				hit = bsearch(&key, map, n, sizeof *map, cmp_id);
				if (hit == NULL || taken[hit->cand] || isnan(score[hit->cand])) continue;
				if (pick < 0 || score[hit->cand] > best ||
				    (score[hit->cand] == best && hit->cand < (size_t)pick)) {
					pick = (long)hit->cand;
					best = score[hit->cand];
				}
			}
		}
	}
	free(map);
	free(ord);
	free(idx);
	free(u);
	return pick;
}
