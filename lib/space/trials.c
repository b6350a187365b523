/* What a trial is and the trials so far: the one rule that turns a measured
 * row into a trial (a status other than "ok" failed), shared by every tool
 * that reads trials or traces and by mph-eval's replay; the history, in the
 * order measured; and the one reader of the trials format, for searching
 * (scored by an objective) and for adaptation (a metric column). */
#include <math.h>
#include <string.h>
#include "space/space.h"

struct mph_history {
	size_t n, cap;
	mph_trial *t;
};

mph_history *mph_history_new(void) { return mph_calloc(1, sizeof(mph_history)); }

void mph_history_free(mph_history *h)
{
	if (h == NULL) return;
	free(h->t);
	free(h);
}

void mph_history_add(mph_history *h, const mph_trial *t)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->t = mph_realloc(h->t, h->cap * sizeof *h->t);
	}
	h->t[h->n++] = *t;
}

void mph_history_truncate(mph_history *h, size_t n)
{
	if (n < h->n) h->n = n;
}

size_t mph_history_n(const mph_history *h) { return h->n; }
const mph_trial *mph_history_get(const mph_history *h, size_t i) { return &h->t[i]; }

size_t mph_history_nfailed(const mph_history *h)
{
	size_t i, n = 0;
	for (i = 0; i < h->n; i++) n += h->t[i].failed != 0;
	return n;
}

void mph_history_encode(const mph_history *h, const mph_space *s, double *x, double *y)
{
	size_t nk = mph_space_nknobs(s), nf = mph_space_nfeatures(s), i;
	size_t *idx = mph_malloc((nk ? nk : 1) * sizeof *idx);
	for (i = 0; i < h->n; i++) {
		mph_space_config_from_id(s, h->t[i].id, idx);
		mph_space_encode(s, idx, x + i * nf);
		y[i] = h->t[i].metric;
	}
	free(idx);
}

int mph_status_failed(const char *status) { return strcmp(status, "ok") != 0; }

static uint64_t hash_field(const char *s, uint64_t h)
{
	return mph_hash64(s, strlen(s) + 1, h); /* the NUL separates fields */
}

uint64_t mph_trial_digest(uint64_t h, const char *task, const mph_csv *c, const size_t *cols,
                          size_t nknobs, size_t metric_col, int failed)
{
	size_t k;
	h = hash_field(task, h);
	for (k = 0; k < nknobs; k++) h = hash_field(mph_csv_field(c, cols[k]), h);
	return hash_field(failed ? "failed" : mph_csv_field(c, metric_col), h);
}

int mph_trial_from_row(const mph_objective_bound *b, const char *const *fields, long status_col,
                       double fail_value, uint64_t id, mph_trial *t, mph_objective_result *res,
                       mph_error *err)
{
	mph_objective_result r;
	t->id = id;
	t->failed = status_col >= 0 && mph_status_failed(fields[status_col]);
	t->metric = fail_value;
	t->utility = NAN;
	r.score = NAN;
	if (b != NULL && !t->failed) {
		if (mph_objective_eval(b, fields, NAN, &r, err) != 0) return -1;
		t->metric = r.metric;
		if (r.violated < 0) t->utility = r.utility;
		else r.score = NAN;
	}
	if (res != NULL) *res = r;
	return 0;
}

/* A row as adaptation reads it: no objective, the metric column as is. */
static int trial_with_metric(const mph_csv *c, long status_col, size_t metric_col,
                             double fail_value, uint64_t id, mph_trial *t, mph_error *err)
{
	t->id = id;
	t->failed = status_col >= 0 && mph_status_failed(mph_csv_field(c, (size_t)status_col));
	t->metric = fail_value;
	t->utility = NAN;
	return t->failed ? 0 : mph_csv_double(c, metric_col, &t->metric, err);
}

/* The trials format's one reader: scored by o, or, with metric named, the
 * metric column read as it is (digest then gets the rows read). */
static mph_history *read_trials(const char *path, const mph_space *s, const mph_objective *o,
                                const char *metric, double fail_value, uint64_t *digest,
                                mph_error *err)
{
	mph_csv *csv = mph_csv_open(path, err);
	mph_history *h = NULL;
	mph_objective_bound *b = NULL;
	size_t nk = mph_space_nknobs(s), *cols = NULL, *idx = NULL;
	long status_col, metric_col = -1;
	int rc;

	if (csv == NULL) return NULL;
	cols = mph_malloc((nk ? nk : 1) * sizeof *cols);
	idx = mph_malloc((nk ? nk : 1) * sizeof *idx);
	if (mph_space_bind(s, csv, cols, err) != 0) goto fail;
	if (metric != NULL && (metric_col = mph_csv_require(csv, metric, err)) < 0) goto fail;
	if (o != NULL && (b = mph_objective_bind_csv(o, csv, 0, err)) == NULL) goto fail;
	status_col = mph_csv_col(csv, "status");
	h = mph_history_new();
	while ((rc = mph_csv_read(csv, err)) == 1) {
		mph_trial t;
		uint64_t id;
		if (mph_space_parse(s, csv, cols, idx, err) != 0) goto fail;
		id = mph_space_config_id(s, idx);
		if (metric != NULL) {
			if (trial_with_metric(csv, status_col, (size_t)metric_col, fail_value, id, &t, err) != 0)
				goto fail;
			*digest = mph_trial_digest(*digest, "", csv, cols, nk, (size_t)metric_col, t.failed);
		} else if (mph_trial_from_row(b, mph_csv_fields(csv), status_col, fail_value, id, &t,
		                              NULL, err) != 0) {
			mph_error_locate(err, mph_csv_name(csv), mph_csv_line(csv));
			goto fail;
		}
		mph_history_add(h, &t);
	}
	if (rc < 0) goto fail;
	mph_objective_bound_free(b);
	mph_csv_close(csv);
	free(cols);
	free(idx);
	return h;
fail:
	mph_history_free(h);
	mph_objective_bound_free(b);
	mph_csv_close(csv);
	free(cols);
	free(idx);
	return NULL;
}

mph_history *mph_history_load(const char *path, const mph_space *s, const mph_objective *o,
                              double fail_value, mph_error *err)
{
	return read_trials(path, s, o, NULL, fail_value, NULL, err);
}

mph_history *mph_history_load_metric(const char *path, const mph_space *s, const char *metric,
                                     double fail_value, uint64_t *digest, mph_error *err)
{
	*digest = 0;
	return read_trials(path, s, NULL, metric, fail_value, digest, err);
}
