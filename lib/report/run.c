/* A tuning run read back for its report: the trials in the order they
 * finished, scored by the objective as mph-suggest reads them
 * (mph_trial_from_row), grouped by configuration (a repeated configuration is
 * judged on the median of its metric), ranked, and the Pareto front of cost
 * and metric; then, optionally, why it stopped and what the adapted model
 * predicts over the two knobs the page draws. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "report/report.h"
#include "search/search.h"

void mph_report_free(mph_report *r)
{
	size_t i;
	if (!r) return;
	for (i = 0; i < r->nt; i++) {
		free(r->t[i].label);
		free(r->t[i].idx);
		free(r->t[i].status);
	}
	free(r->t);
	free(r->c);
	free(r->ranked);
	free(r->name);
	free(r->stop);
	free(r->pred);
	free(r);
}

/* The leading rows whose configurations are the space's initial design are
 * the initial design; the search's own choices start at the first other. */
static void mark_initial(mph_report *r)
{
	size_t nk = mph_space_nknobs(r->s), max = 4096, n, i, j;
	size_t *idx = mph_malloc(max * (nk ? nk : 1) * sizeof *idx);
	uint64_t *ids;
	n = mph_space_initial(r->s, idx, max);
	ids = mph_malloc((n ? n : 1) * sizeof *ids);
	for (j = 0; j < n; j++) ids[j] = mph_space_config_id(r->s, idx + j * nk);
	for (i = 0; i < r->nt; i++) {
		for (j = 0; j < n && ids[j] != r->t[i].id; j++) {}
		if (j == n) break;
		r->t[i].initial = 1;
	}
	free(ids);
	free(idx);
}

/* The trials as mph_repeats_group reads them: keyed by configuration,
 * valid where they ran and met the constraints. */
static mph_repeat_row *repeat_rows(const mph_report *r)
{
	mph_repeat_row *rows = mph_malloc((r->nt ? r->nt : 1) * sizeof *rows);
	size_t i;
	for (i = 0; i < r->nt; i++) {
		rows[i].key = r->t[i].id;
		rows[i].valid = !isnan(r->t[i].res.score);
		rows[i].metric = r->t[i].res.metric;
		rows[i].cost = r->t[i].res.cost;
	}
	return rows;
}

/* Configurations grouped and ranked by the rule of mph-pick --median
 * (mph_repeats_group), then the Pareto front of cost and median metric. */
static int group(mph_report *r, mph_error *err)
{
	size_t i, j, nc;
	long got;
	int maximize = mph_objective_maximize(r->o);
	mph_repeat_row *rows = repeat_rows(r);
	mph_repeat *rep = mph_malloc((r->nt ? r->nt : 1) * sizeof *rep);
	r->ranked = mph_malloc((r->nt ? r->nt : 1) * sizeof *r->ranked);
	if ((got = mph_repeats_group(r->o, rows, r->nt, rep, r->ranked, &r->nranked, err)) < 0) {
		/* the configuration whose median could not be scored */
		for (j = 0; j < r->nt && !(rep[j].nvalid > 0 && isnan(rep[j].res.score)); j++) {}
		mph_error_locate(err, r->name, j < r->nt ? r->t[rep[j].first].line : -1);
		free(rows);
		free(rep);
		return -1;
	}
	nc = (size_t)got;
	r->c = mph_calloc(nc ? nc : 1, sizeof *r->c);
	r->nc = nc;
	for (j = 0; j < nc; j++) {
		mph_report_config *c = &r->c[j];
		c->first = rep[j].first;
		c->nrows = rep[j].nrows;
		c->nvalid = rep[j].nvalid;
		c->median = rep[j].median;
		c->min = rep[j].min;
		c->max = rep[j].max;
		c->res = rep[j].res;
		c->rank = rep[j].rank;
	}
	for (i = 0; i < r->nt; i++)
		for (j = 0; j < nc; j++)
			if (r->t[r->c[j].first].id == r->t[i].id) { r->t[i].config = j; break; }
	free(rows);
	free(rep);
	/* On the front: no other configuration costs no more and measures at
	 * least as well, one of the two strictly. */
	for (i = 0; i < r->nranked; i++) {
		const mph_report_config *a = &r->c[r->ranked[i]];
		double ma = maximize ? a->median : -a->median;
		int beaten = 0;
		for (j = 0; j < r->nranked && !beaten; j++) {
			const mph_report_config *b = &r->c[r->ranked[j]];
			double mb = maximize ? b->median : -b->median;
			beaten = b->res.cost <= a->res.cost && mb >= ma && (b->res.cost < a->res.cost || mb > ma);
		}
		r->c[r->ranked[i]].front = !beaten;
	}
	return 0;
}

int mph_report_set_race(mph_report *r, const mph_race_opts *ro, mph_error *err)
{
	/* the rows and groups of group(), again: the same order, so a group's
	 * index is its configuration's in r->c */
	mph_repeat_row *rows = repeat_rows(r);
	mph_repeat *rep = mph_malloc((r->nt ? r->nt : 1) * sizeof *rep);
	size_t *ranked = mph_malloc((r->nt ? r->nt : 1) * sizeof *ranked);
	mph_race *rs = mph_malloc((ro->top ? ro->top : 1) * sizeof *rs);
	size_t i, j, nr, nrace;
	long ng, lead = -1;
	int rc = -1;
	if ((ng = mph_repeats_group(r->o, rows, r->nt, rep, ranked, &nr, err)) < 0) goto out;
	if ((lead = mph_repeats_race(r->o, rows, r->nt, rep, (size_t)ng, ro, rs, &nrace, err)) < -1) goto out;
	r->raced = 1;
	r->race = *ro;
	rc = 0;
	if (lead < 0) goto out;
	for (i = 0; i < r->nranked && r->ranked[i] != (size_t)lead; i++) {}
	if (i == r->nranked) goto out; /* cannot be: the leader has a valid row */
	for (j = i; j > 0; j--) r->ranked[j] = r->ranked[j - 1];
	r->ranked[0] = (size_t)lead;
	for (i = 0; i < r->nranked; i++) r->c[r->ranked[i]].rank = (long)(i + 1);
out:
	free(rows);
	free(rep);
	free(ranked);
	free(rs);
	return rc;
}

mph_report *mph_report_load(const char *path, const mph_space *s, const mph_objective *o,
                            mph_error *err)
{
	mph_report *r = mph_calloc(1, sizeof *r);
	mph_csv *csv = NULL;
	mph_objective_bound *b = NULL;
	size_t nk = mph_space_nknobs(s), *cols = mph_malloc((nk ? nk : 1) * sizeof *cols), cap = 0;
	long status_col, trial_col;
	int got;

	r->s = s;
	r->o = o;
	r->kx = r->ky = -1;
	if ((csv = mph_csv_open(path, err)) == NULL) goto fail;
	r->name = mph_strdup(mph_csv_name(csv));
	if (mph_space_bind(s, csv, cols, err) != 0) goto fail;
	if ((b = mph_objective_bind_csv(o, csv, 0, err)) == NULL) goto fail;
	status_col = mph_csv_col(csv, "status");
	trial_col = mph_csv_col(csv, "trial");
	while ((got = mph_csv_read(csv, err)) == 1) {
		const char *const *f = mph_csv_fields(csv);
		mph_report_trial *t;
		mph_trial tr;
		char num[32];
		if (r->nt == cap) {
			cap = cap ? 2 * cap : 64;
			r->t = mph_realloc(r->t, cap * sizeof *r->t);
		}
		t = &r->t[r->nt];
		memset(t, 0, sizeof *t);
		t->idx = mph_malloc((nk ? nk : 1) * sizeof *t->idx);
		r->nt++;
		t->line = mph_csv_line(csv);
		snprintf(num, sizeof num, "%zu", r->nt);
		t->label = mph_strdup(trial_col >= 0 && f[trial_col][0] ? f[trial_col] : num);
		t->status = mph_strdup(status_col >= 0 ? f[status_col] : "ok");
		if (mph_space_parse(s, csv, cols, t->idx, err) != 0) goto fail;
		t->id = mph_space_config_id(s, t->idx);
		if (mph_trial_from_row(b, f, status_col, NAN, t->id, &tr, &t->res, err) != 0) {
			mph_error_locate(err, mph_csv_name(csv), t->line);
			goto fail;
		}
		t->failed = tr.failed;
		t->violated = tr.failed ? -1 : t->res.violated;
		if (tr.failed) t->res = (mph_objective_result){NAN, NAN, NAN, NAN, -1};
	}
	if (got < 0) goto fail;
	if (r->nt == 0) {
		mph_error_set(err, r->name, 0, 0, "no trials");
		goto fail;
	}
	mark_initial(r);
	if (group(r, err) != 0) goto fail;
	if (mph_report_set_knobs(r, NULL, err) != 0) goto fail;
	mph_objective_bound_free(b);
	mph_csv_close(csv);
	free(cols);
	return r;
fail:
	mph_objective_bound_free(b);
	mph_csv_close(csv);
	free(cols);
	mph_report_free(r);
	return NULL;
}

/* Distinct values knob k takes in the trials. */
static size_t distinct(const mph_report *r, size_t k)
{
	size_t n = 0, i, j;
	for (i = 0; i < r->nt; i++) {
		for (j = 0; j < i && r->t[j].idx[k] != r->t[i].idx[k]; j++) {}
		n += j == i;
	}
	return n;
}

int mph_report_set_knobs(mph_report *r, const char *knobs, mph_error *err)
{
	size_t nk = mph_space_nknobs(r->s), k;
	free(r->pred);
	r->pred = NULL;
	r->kx = r->ky = -1;
	if (knobs == NULL) {
		/* The two the run varied most, in the space's order on ties. */
		size_t best = 0, second = 0;
		for (k = 0; k < nk; k++) {
			size_t d = distinct(r, k);
			if (r->kx < 0 || d > best) {
				second = best; r->ky = r->kx;
				best = d; r->kx = (long)k;
			} else if (r->ky < 0 || d > second) {
				second = d; r->ky = (long)k;
			}
		}
		if (r->ky >= 0 && r->ky < r->kx) { long t = r->kx; r->kx = r->ky; r->ky = t; }
		return 0;
	} else {
		const char *comma = strchr(knobs, ',');
		char x[256], y[256];
		size_t lx = comma ? (size_t)(comma - knobs) : strlen(knobs);
		if (!comma || lx >= sizeof x || strlen(comma + 1) >= sizeof y || strchr(comma + 1, ','))
			return mph_error_set(err, "", 0, 0, "--knobs: two knobs X,Y: '%s'", knobs);
		memcpy(x, knobs, lx);
		x[lx] = '\0';
		strcpy(y, comma + 1);
		if ((r->kx = mph_space_knob_index(r->s, x)) < 0)
			return mph_error_set(err, "", 0, 0, "--knobs: no knob '%s' in the space", x);
		if ((r->ky = mph_space_knob_index(r->s, y)) < 0)
			return mph_error_set(err, "", 0, 0, "--knobs: no knob '%s' in the space", y);
		if (r->kx == r->ky)
			return mph_error_set(err, "", 0, 0, "--knobs: two different knobs: '%s'", knobs);
	}
	return 0;
}

int mph_report_read_stop(mph_report *r, const char *path, mph_error *err)
{
	FILE *fp = fopen(path, "r");
	char line[1024];
	size_t n;
	if (!fp) return mph_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
	if (!fgets(line, sizeof line, fp)) line[0] = '\0';
	if (ferror(fp)) {
		fclose(fp);
		return mph_error_set(err, path, 0, 0, "read error");
	}
	fclose(fp);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (n == 0) return mph_error_set(err, path, 1, 0, "empty: the reason the run stopped is missing");
	free(r->stop);
	r->stop = mph_strdup(line);
	return 0;
}

/* Enumerating a space to predict over it is cheap to this size (the Falcon
 * grid is 1440); larger spaces are refused rather than sampled, so a page
 * never shows a partial surface as the whole. */
#define PREDICT_MAX 200000

int mph_report_predict(mph_report *r, const mph_model *meta, uint64_t seed, mph_error *err)
{
	const mph_space *s = r->s;
	size_t nk = mph_space_nknobs(s), nf = mph_space_nfeatures(mph_model_space(meta)), nx, ny, n = 0, i, cap = 1024;
	size_t *all = NULL, *idx = mph_calloc(nk ? nk : 1, sizeof *idx);
	double *x = NULL, *y = NULL, *pred = NULL, fv = mph_model_fail_value(meta);
	mph_model *m = NULL;
	mph_history *h = NULL;
	mph_candidates *cand = NULL;
	mph_rng rng;
	int rc = -1;

	if (mph_space_size(s) > PREDICT_MAX) {
		mph_error_set(err, "", 0, 0, "the space has %llu configurations: more than %d to predict over",
		              (unsigned long long)mph_space_size(s), PREDICT_MAX);
		goto out;
	}
	all = mph_malloc(cap * (nk ? nk : 1) * sizeof *all);
	do {
		if (!mph_space_feasible(s, idx)) continue;
		if (n == cap) { cap *= 2; all = mph_realloc(all, cap * nk * sizeof *all); }
		memcpy(all + n * nk, idx, nk * sizeof *idx);
		n++;
	} while (mph_space_next(s, idx));
	/* Adapted on every row, as mph-adapt would be on this trials file. */
	h = mph_history_new();
	for (i = 0; i < r->nt; i++) {
		const mph_report_trial *t = &r->t[i];
		mph_trial tr = {t->id, t->failed ? fv : t->res.metric, t->res.utility, t->failed};
		mph_history_add(h, &tr);
	}
	x = mph_malloc((r->nt > n ? r->nt : n) * (nf ? nf : 1) * sizeof *x);
	y = mph_malloc((r->nt ? r->nt : 1) * sizeof *y);
	/* in the model's encoding: a role model's is its own (same knobs) */
	mph_history_encode(h, mph_model_space(meta), x, y);
	m = mph_model_clone(meta);
	mph_rng_seed(&rng, seed);
	if (mph_model_adapt(m, x, y, r->nt, NULL, &rng, err) != 0) goto out;
	for (i = 0; i < n; i++) mph_space_encode(mph_model_space(meta), all + i * nk, x + i * nf);
	pred = mph_malloc((n ? n : 1) * sizeof *pred);
	mph_model_predict(m, x, n, pred);
	if ((cand = mph_candidates_from_configs(s, all, n, r->o, err)) == NULL) goto out;
	nx = mph_space_nvalues(s, (size_t)r->kx);
	ny = r->ky >= 0 ? mph_space_nvalues(s, (size_t)r->ky) : 1;
	free(r->pred);
	r->pred = mph_malloc(nx * ny * sizeof *r->pred);
	for (i = 0; i < nx * ny; i++) r->pred[i] = NAN;
	/* Candidates keep their order: candidate i is configuration i. */
	for (i = 0; i < n; i++) {
		const size_t *c = all + i * nk;
		size_t cell = c[r->kx] * ny + (r->ky >= 0 ? c[r->ky] : 0);
		mph_objective_result res;
		if (mph_candidates_score(cand, i, pred[i], &res, err) != 0) goto out;
		if (res.violated >= 0 || isnan(res.utility)) continue;
		if (isnan(r->pred[cell]) || res.utility > mph_objective_utility(r->o, r->pred[cell]))
			r->pred[cell] = res.score;
	}
	r->npred_configs = n;
	rc = 0;
out:
	mph_candidates_free(cand);
	mph_history_free(h);
	mph_model_free(m);
	free(all); free(idx); free(x); free(y); free(pred);
	return rc;
}
