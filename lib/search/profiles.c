/* Profiles: the measured surfaces of services profiled before (the trace a
 * meta-model was trained on) as members beside the adapted model in
 * morphling-gp's prior.
 *
 * Why: on the Falcon traces the adapted meta-model misplaces whole regions
 * of a new service's surface (TUNING.md section 10), while the measured
 * surfaces of the services that fit the new one's trials best rank its
 * optimum well for other services than the ones the model gets right
 * (section 11). Blended in log units, each profile shifted by the offset
 * that fits it to the trials, weighted by how well it fits them, with
 * morphling-gp's kappa at 0.5, they cut Falcon's median from 23 to 18
 * samples, packrat-pytorch's from 9 to 8 and the zoo's from 16.5 to 15.5.
 * They need the measurements themselves, so they are an option.
 *
 * A profile value is a trace row that worked with a positive metric; a row
 * that failed is remembered as a failure; a configuration the trace lacks
 * is unknown. Everything is a pure function of the trials and the trace. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "search/search.h"

/* How sharply the profiles are weighted by their fit: exp(-(mse - best mse)
 * / TAU), mse of log values (TUNING.md section 11: 0.2 against 0.05, 1 and
 * 5). */
#define PROFILE_TAU 0.2
/* A trial that failed where a profile worked, or the reverse, counts as
 * this much squared log error, spread over the trials: on the zoo the
 * services differ most in which configurations run out of memory. */
#define PROFILE_FAIL_MISMATCH 10.0

typedef struct {
	uint64_t id;
	double logv; /* NaN: the row failed */
} profile_point;

typedef struct {
	profile_point *p; /* sorted by id */
	size_t n;
} profile;

struct mph_profiles {
	profile *t;
	size_t nt;
};

static int by_id(const void *a, const void *b)
{
	uint64_t x = ((const profile_point *)a)->id, y = ((const profile_point *)b)->id;
	return (x > y) - (x < y);
}

mph_profiles *mph_profiles_new(const mph_trace *t, const unsigned char *keep, const mph_space *s,
                               mph_error *err)
{
	size_t nk = mph_space_nknobs(s), k, i, nt = 0;
	mph_profiles *p = mph_calloc(1, sizeof *p);
	p->t = mph_calloc(mph_trace_ntasks(t) + 1, sizeof *p->t);
	for (k = 0; k < mph_trace_ntasks(t); k++) {
		size_t rows = mph_trace_task_rows(t, k), n = 0;
		const size_t *cfg = mph_trace_task_configs(t, k);
		const double *m = mph_trace_task_metric(t, k);
		const unsigned char *failed = mph_trace_task_failed(t, k);
		profile *pr;
		if (keep != NULL && !keep[k]) continue;
		pr = &p->t[nt++];
		pr->p = mph_malloc((rows ? rows : 1) * sizeof *pr->p);
		for (i = 0; i < rows; i++) {
			profile_point *q = &pr->p[n++];
			q->id = mph_space_config_id(s, cfg + i * nk);
			q->logv = !failed[i] && m[i] > 0.0 ? log(m[i]) : NAN;
		}
		qsort(pr->p, n, sizeof *pr->p, by_id);
		pr->n = n;
	}
	p->nt = nt;
	if (nt == 0) {
		mph_profiles_free(p);
		mph_error_set(err, NULL, 0, 0, "profiles: no task to take a profile from");
		return NULL;
	}
	return p;
}

void mph_profiles_free(mph_profiles *p)
{
	size_t k;
	if (p == NULL) return;
	for (k = 0; k < p->nt; k++) free(p->t[k].p);
	free(p->t);
	free(p);
}

size_t mph_profiles_ntasks(const mph_profiles *p) { return p->nt; }

/* 1: the profile holds a value at id (into *logv), 0: a failure, -1: unknown. */
static int lookup(const profile *pr, uint64_t id, double *logv)
{
	size_t lo = 0, hi = pr->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pr->p[mid].id < id) lo = mid + 1;
		else hi = mid;
	}
	if (lo == pr->n || pr->p[lo].id != id) return -1;
	*logv = pr->p[lo].logv;
	return isnan(*logv) ? 0 : 1;
}

static int trial_worked(const mph_trial *t) { return !t->failed && t->metric > 0.0; }

/* The profile's offset to the trials (mean log ratio) and its fit (mean
 * squared log error after the offset, plus the failure mismatches); 0, or
 * -1 when fewer than 2 trials that worked are known to it. */
static int fit(const profile *pr, const mph_trial *t, size_t nt, double *offset, double *mse)
{
	double sa = 0.0, se = 0.0, v;
	size_t i, m = 0, known = 0, mismatch = 0;
	for (i = 0; i < nt; i++) {
		int r = lookup(pr, t[i].id, &v);
		if (r < 0) continue;
		known++;
		if ((r == 1) != trial_worked(&t[i])) mismatch++;
		if (r == 1 && trial_worked(&t[i])) { sa += log(t[i].metric) - v; m++; }
	}
	if (m < 2) return -1;
	*offset = sa / (double)m;
	for (i = 0; i < nt; i++) {
		if (!trial_worked(&t[i]) || lookup(pr, t[i].id, &v) != 1) continue;
		v = log(t[i].metric) - v - *offset;
		se += v * v;
	}
	*mse = se / (double)m + PROFILE_FAIL_MISMATCH * (double)mismatch / (double)known;
	return 0;
}

/* The weighted mean of the profiles' shifted log values at id; 0 when no
 * profile with weight knows a value there. */
static int blend_at(const mph_profiles *p, const double *w, const double *offset, uint64_t id, double *out)
{
	double sw = 0.0, m = 0.0, v;
	size_t k;
	for (k = 0; k < p->nt; k++) {
		if (w[k] <= 0.0 || lookup(&p->t[k], id, &v) != 1) continue;
		sw += w[k];
		m += w[k] * (v + offset[k]);
	}
	if (sw <= 0.0) return 0;
	*out = m / sw;
	return 1;
}

void mph_profiles_blend(const mph_profiles *p, const mph_candidates *c, const unsigned char *skip,
                        const mph_trial *t, size_t nt, double model_weight, double *cand, double *trial)
{
	size_t n = mph_candidates_n(c), k, i;
	double *w = mph_malloc(p->nt * sizeof *w), *offset = mph_malloc(p->nt * sizeof *offset);
	double best = INFINITY, v;
	for (k = 0; k < p->nt; k++) {
		if (fit(&p->t[k], t, nt, &offset[k], &w[k]) != 0) w[k] = INFINITY;
		if (w[k] < best) best = w[k];
	}
	if (isfinite(best)) {
		for (k = 0; k < p->nt; k++) w[k] = isfinite(w[k]) ? exp(-(w[k] - best) / PROFILE_TAU) : 0.0;
		/* in log units, where the model predicts a positive metric and a
		 * profile knows a value: elsewhere the model alone */
		for (i = 0; i < n; i++)
			if ((skip == NULL || !skip[i]) && cand[i] > 0.0 && blend_at(p, w, offset, mph_candidates_id(c, i), &v))
				cand[i] = exp(model_weight * log(cand[i]) + (1.0 - model_weight) * v);
		for (i = 0; trial != NULL && i < nt; i++)
			if (trial[i] > 0.0 && blend_at(p, w, offset, t[i].id, &v))
				trial[i] = exp(model_weight * log(trial[i]) + (1.0 - model_weight) * v);
	}
	free(w);
	free(offset);
}
