/* What a trial is and the trials so far: the one rule that turns a measured
 * row into a trial (a status other than "ok" failed), shared by every tool
 * that reads trials and by mph-eval's replay, and the history, in the order
 * measured. */
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

int mph_trial_from_row(const mph_objective_bound *b, const char *const *fields, long status_col,
                       double fail_value, uint64_t id, mph_trial *t, mph_objective_result *res,
                       mph_error *err)
{
	mph_objective_result r;
	t->id = id;
	t->failed = status_col >= 0 && strcmp(fields[status_col], "ok") != 0;
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

mph_history *mph_history_load(const char *path, const mph_space *s, const mph_objective *o,
                              double fail_value, mph_error *err)
{
	mph_csv *csv = mph_csv_open(path, err);
	mph_history *h = NULL;
	mph_objective_bound *b = NULL;
	size_t nk = mph_space_nknobs(s), *cols = NULL, *idx = NULL;
	long status_col;
	int rc;

	if (csv == NULL) return NULL;
	cols = mph_malloc((nk ? nk : 1) * sizeof *cols);
	idx = mph_malloc((nk ? nk : 1) * sizeof *idx);
	if (mph_space_bind(s, csv, cols, err) != 0) goto fail;
	if (o != NULL && (b = mph_objective_bind_csv(o, csv, 0, err)) == NULL) goto fail;
	status_col = mph_csv_col(csv, "status");
	h = mph_history_new();
	while ((rc = mph_csv_read(csv, err)) == 1) {
		mph_trial t;
		if (mph_space_parse(s, csv, cols, idx, err) != 0) goto fail;
		if (mph_trial_from_row(b, mph_csv_fields(csv), status_col, fail_value,
		                       mph_space_config_id(s, idx), &t, NULL, err) != 0) {
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
