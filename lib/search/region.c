/* Local steps for a search whose surrogate is confidently wrong.
 *
 * On held-out services a meta-model plus residual GP can reach 99.5 % of
 * the optimum within a few samples and then rank the optimum itself low
 * for the rest of the search: the measured neighbourhood looks settled to
 * the model, so UCB spends its samples elsewhere. The knob lattice knows
 * better: on the shared traces a missed optimum differs from one of the best
 * trials in one or two knobs (a knob whose value hardly matters changed by
 * several steps, say), while its neighbours one step away can be far below
 * it. Once the best trial is old, every few steps go to the open
 * configuration predicted best among those fewest knobs away from one of
 * the best trials instead (TUNING.md section 7).
 *
 * Everything here is a function of the trials in order (their age is
 * recomputed from the history), so one process per step and mph-eval's one
 * object choose alike. */
#include <math.h>
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

/* The best trials that worked, best first (ties: the earlier trial); at
 * most top of them (top <= 0: all). Returns how many. */
static size_t top_trials(const mph_trial *t, size_t nt, int top, size_t *ord)
{
	size_t i, j, n = 0;
	for (i = 0; i < nt; i++) {
		if (t[i].failed || !isfinite(t[i].utility)) continue;
		for (j = n; j > 0 && t[ord[j - 1]].utility < t[i].utility; j--) ord[j] = ord[j - 1];
		ord[j] = i;
		n++;
	}
	return top > 0 && (size_t)top < n ? (size_t)top : n;
}

long mph_local_pick(const mph_space *sp, const mph_candidates *c, const mph_trial *t, size_t nt,
                    const unsigned char *taken, const double *score, int top, size_t maxd)
{
	size_t n = mph_candidates_n(c), nk = mph_space_nknobs(sp), i, r, k, ntop, bestd = (size_t)-1;
	size_t *ord = mph_malloc((nt ? nt : 1) * sizeof *ord);
	size_t *cfg;
	long pick = -1;
	double best = -INFINITY;

	ntop = top_trials(t, nt, top, ord);
	cfg = mph_malloc((ntop ? ntop : 1) * (nk ? nk : 1) * sizeof *cfg);
	for (r = 0; r < ntop; r++) mph_space_config_from_id(sp, t[ord[r]].id, cfg + r * nk);
	for (i = 0; i < n && ntop > 0; i++) {
		const size_t *x = mph_candidates_config(c, i);
		size_t d = (size_t)-1;
		if (taken[i] || isnan(score[i])) continue;
		/* knobs that differ from the nearest top trial */
		for (r = 0; r < ntop && d > 1; r++) {
			size_t h = 0;
			for (k = 0; k < nk; k++) h += x[k] != cfg[r * nk + k];
			if (h < d) d = h;
		}
		if (d == 0 || d > maxd) continue;
		if (d < bestd || (d == bestd && score[i] > best)) {
			bestd = d;
			best = score[i];
			pick = (long)i;
		}
	}
	free(ord);
	free(cfg);
	return pick;
}
