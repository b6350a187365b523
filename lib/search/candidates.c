/* What a search chooses from and what it has seen: the candidate set (the
 * configurations still open to measurement, with their text so that the
 * objective can price them) and the history of trials. */
#include <math.h>
#include <string.h>
#include "search/search.h"

struct mph_candidates {
	const mph_space *space;
	size_t n, cap, d, nknobs, ncols;
	char **header;              /* ncols */
	char **fields;              /* n x ncols */
	size_t *idx;                /* n x nknobs */
	uint64_t *id;               /* n */
	double *x;                  /* n x d */
	const mph_objective *obj;   /* NULL: no objective */
	mph_objective_bound *bound; /* obj bound to header, metric predicted */
	/* The hot path scores from numbers parsed once: with no constraint
	 * checked under the binding, a candidate's score is its metric (over
	 * its cost), so only the cost comes from its text. */
	int numeric;                /* the objective allows that */
	double *cost;               /* n; NaN where the text gave none (scored
	                               from the text, which says why) */
};

static void cand_reserve(mph_candidates *c, size_t n)
{
	if (n <= c->cap) return;
	c->cap = n > 2 * c->cap ? n : 2 * c->cap;
	c->fields = mph_realloc(c->fields, c->cap * c->ncols * sizeof *c->fields);
	c->idx = mph_realloc(c->idx, c->cap * (c->nknobs ? c->nknobs : 1) * sizeof *c->idx);
	c->id = mph_realloc(c->id, c->cap * sizeof *c->id);
	c->x = mph_realloc(c->x, c->cap * (c->d ? c->d : 1) * sizeof *c->x);
	c->cost = mph_realloc(c->cost, c->cap * sizeof *c->cost);
}

static mph_candidates *cand_new(const mph_space *s, const char *const *header, size_t ncols,
                                const mph_objective *o, mph_error *err)
{
	mph_candidates *c = mph_calloc(1, sizeof *c);
	size_t i;
	c->space = s;
	c->d = mph_space_nfeatures(s);
	c->nknobs = mph_space_nknobs(s);
	c->ncols = ncols;
	c->header = mph_malloc((ncols ? ncols : 1) * sizeof *c->header);
	for (i = 0; i < ncols; i++) c->header[i] = mph_strdup(header[i]);
	c->obj = o;
	if (o != NULL) {
		c->bound = mph_objective_bind(o, (const char *const *)c->header, ncols,
		                              MPH_OBJECTIVE_PREDICTED, err);
		if (c->bound == NULL) { mph_candidates_free(c); return NULL; }
		c->numeric = 1;
		for (i = 0; i < mph_objective_nconstraints(o); i++)
			if (mph_objective_bound_checks(c->bound, i)) c->numeric = 0;
	}
	return c;
}

static void add_row(mph_candidates *c, const size_t *idx, const char *const *fields)
{
	size_t i = c->n++, k;
	cand_reserve(c, c->n);
	memcpy(c->idx + i * c->nknobs, idx, c->nknobs * sizeof *idx);
	c->id[i] = mph_space_config_id(c->space, idx);
	mph_space_encode(c->space, idx, c->x + i * c->d);
	for (k = 0; k < c->ncols; k++) c->fields[i * c->ncols + k] = mph_strdup(fields[k]);
	if (c->numeric && mph_objective_cost(c->bound, fields, &c->cost[i], NULL) != 0) c->cost[i] = NAN;
}

mph_candidates *mph_candidates_read(mph_csv *csv, const mph_space *s, const mph_objective *o,
                                    mph_error *err)
{
	mph_candidates *c;
	size_t nk = mph_space_nknobs(s), *cols = mph_malloc((nk ? nk : 1) * sizeof *cols);
	size_t *idx = mph_malloc((nk ? nk : 1) * sizeof *idx);
	mph_idset seen;
	int rc;

	mph_idset_init(&seen, 1024);
	c = cand_new(s, mph_csv_header(csv), mph_csv_ncols(csv), o, err);
	if (c == NULL) {
		mph_error_locate(err, mph_csv_name(csv), 1);
		goto fail;
	}
	if (mph_space_bind(s, csv, cols, err) != 0) goto fail;
	while ((rc = mph_csv_read(csv, err)) == 1) {
		if (mph_space_parse(s, csv, cols, idx, err) != 0) goto fail;
		/* A configuration listed twice is one candidate: measuring it twice
		 * in one batch would waste a trial. */
		if (!mph_idset_add(&seen, mph_space_config_id(s, idx))) continue;
		add_row(c, idx, mph_csv_fields(csv));
	}
	if (rc < 0) goto fail;
	mph_idset_free(&seen);
	free(cols);
	free(idx);
	return c;
fail:
	mph_idset_free(&seen);
	free(cols);
	free(idx);
	mph_candidates_free(c);
	return NULL;
}

mph_candidates *mph_candidates_from_configs(const mph_space *s, const size_t *idx, size_t n,
                                            const mph_objective *o, mph_error *err)
{
	size_t nk = mph_space_nknobs(s), i, k;
	const char **names = mph_malloc((nk ? nk : 1) * sizeof *names);
	const char **vals = mph_malloc((nk ? nk : 1) * sizeof *vals);
	mph_candidates *c;
	mph_idset seen;

	for (k = 0; k < nk; k++) names[k] = mph_space_knob_name(s, k);
	c = cand_new(s, names, nk, o, err);
	if (c != NULL) {
		mph_idset_init(&seen, n);
		cand_reserve(c, n);
		for (i = 0; i < n; i++) {
			const size_t *row = idx + i * nk;
			if (!mph_idset_add(&seen, mph_space_config_id(s, row))) continue;
			for (k = 0; k < nk; k++) vals[k] = mph_space_value_str(s, k, row[k]);
			add_row(c, row, vals);
		}
		mph_idset_free(&seen);
	}
	free(names);
	free(vals);
	return c;
}

void mph_candidates_free(mph_candidates *c)
{
	size_t i;
	if (c == NULL) return;
	for (i = 0; i < c->n * c->ncols; i++) free(c->fields[i]);
	for (i = 0; i < c->ncols; i++) free(c->header[i]);
	free(c->header);
	free(c->fields);
	free(c->idx);
	free(c->id);
	free(c->x);
	free(c->cost);
	mph_objective_bound_free(c->bound);
	free(c);
}

size_t mph_candidates_n(const mph_candidates *c) { return c->n; }
size_t mph_candidates_nfeatures(const mph_candidates *c) { return c->d; }
const mph_space *mph_candidates_space(const mph_candidates *c) { return c->space; }
const double *mph_candidates_x(const mph_candidates *c) { return c->x; }
uint64_t mph_candidates_id(const mph_candidates *c, size_t i) { return c->id[i]; }
const size_t *mph_candidates_config(const mph_candidates *c, size_t i)
{
	return c->idx + i * c->nknobs;
}
size_t mph_candidates_ncols(const mph_candidates *c) { return c->ncols; }
const char *const *mph_candidates_header(const mph_candidates *c)
{
	return (const char *const *)c->header;
}
const char *const *mph_candidates_fields(const mph_candidates *c, size_t i)
{
	return (const char *const *)(c->fields + i * c->ncols);
}
const mph_objective *mph_candidates_objective(const mph_candidates *c) { return c->obj; }

int mph_candidates_score(const mph_candidates *c, size_t i, double metric,
                         mph_objective_result *r, mph_error *err)
{
	if (c->bound == NULL) return mph_error_set(err, NULL, 0, 0, "candidates: no objective");
	/* the text path only where the numbers were not enough: it says why */
	if (c->numeric && !isnan(metric) && !isnan(c->cost[i]) &&
	    mph_objective_score(c->obj, metric, c->cost[i], r, NULL) == 0)
		return 0;
	return mph_objective_eval(c->bound, mph_candidates_fields(c, i), metric, r, err);
}
