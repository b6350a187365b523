/* Loading profiled traces into encoded per-task matrices: the one reader
 * every learner and evaluator shares, so all of them treat failed
 * configurations the same way (mph_status_failed, as trials files). */
#include <math.h>
#include <string.h>
#include "learn/learn.h"

static void task_push(mph_task *t, size_t *cap, const size_t *idx, size_t nk, const double *x,
                      size_t nf, double y, int failed)
{
	if (t->n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		t->idx = mph_realloc(t->idx, *cap * (nk ? nk : 1) * sizeof *t->idx);
		t->x = mph_realloc(t->x, *cap * nf * sizeof *t->x);
		t->y = mph_realloc(t->y, *cap * sizeof *t->y);
		t->failed = mph_realloc(t->failed, *cap * sizeof *t->failed);
	}
	if (nk) memcpy(t->idx + t->n * nk, idx, nk * sizeof *idx);
	memcpy(t->x + t->n * nf, x, nf * sizeof *x);
	t->y[t->n] = y;
	t->failed[t->n] = (unsigned char)failed;
	t->n++;
}

void mph_trace_free(mph_trace *t)
{
	size_t k;
	if (t == NULL) return;
	for (k = 0; k < t->ntasks; k++) {
		mph_task *tk = &t->tasks[k];
		free(tk->name); free(tk->idx); free(tk->x); free(tk->y); free(tk->failed);
	}
	free(t->tasks);
	free(t);
}

mph_trace *mph_trace_select(const mph_trace *t, const unsigned char *keep)
{
	mph_trace *c = mph_calloc(1, sizeof *c);
	size_t k, cap = 0;
	*c = *t;
	c->ntasks = 0;
	c->tasks = mph_calloc(t->ntasks ? t->ntasks : 1, sizeof *c->tasks);
	for (k = 0; k < t->ntasks; k++) {
		const mph_task *tk = &t->tasks[k];
		size_t i;
		if (!keep[k]) continue;
		c->tasks[c->ntasks].name = mph_strdup(tk->name);
		cap = 0;
		for (i = 0; i < tk->n; i++)
			task_push(&c->tasks[c->ntasks], &cap, tk->idx + i * t->nknobs, t->nknobs,
			          tk->x + i * t->nfeatures, t->nfeatures, tk->y[i], tk->failed[i]);
		c->ntasks++;
	}
	return c;
}

size_t mph_trace_ntasks(const mph_trace *t) { return t->ntasks; }
size_t mph_trace_nfeatures(const mph_trace *t) { return t->nfeatures; }
const char *mph_trace_task_name(const mph_trace *t, size_t k) { return t->tasks[k].name; }
size_t mph_trace_task_rows(const mph_trace *t, size_t k) { return t->tasks[k].n; }
const size_t *mph_trace_task_configs(const mph_trace *t, size_t k) { return t->tasks[k].idx; }
const double *mph_trace_task_features(const mph_trace *t, size_t k) { return t->tasks[k].x; }
const double *mph_trace_task_metric(const mph_trace *t, size_t k) { return t->tasks[k].y; }
const unsigned char *mph_trace_task_failed(const mph_trace *t, size_t k) { return t->tasks[k].failed; }
uint64_t mph_trace_digest(const mph_trace *t) { return t->digest; }

size_t mph_trace_rows(const mph_trace *t)
{
	size_t k, n = 0;
	for (k = 0; k < t->ntasks; k++) n += t->tasks[k].n;
	return n;
}

long mph_trace_task_index(const mph_trace *t, const char *name)
{
	size_t k;
	for (k = 0; k < t->ntasks; k++)
		if (strcmp(t->tasks[k].name, name) == 0) return (long)k;
	return -1;
}

void mph_trace_opts_init(mph_trace_opts *o)
{
	o->fail_value = 0.0;
	o->objective = NULL;
	o->fail_worst = 0;
}

mph_trace *mph_trace_load(const char *path, const mph_space *s, const char *metric,
                          double fail_value, mph_error *err)
{
	mph_trace_opts o;
	mph_trace_opts_init(&o);
	o.fail_value = fail_value;
	return mph_trace_load_opts(path, s, metric, &o, err);
}

/* With fail_worst, a row that did not serve (failed, or broke a
 * constraint) is read as NaN, which no row that served can be (the CSV
 * reader refuses it); once every row of the task is read it becomes the
 * worst metric of those that served, or fail_value where none did. */
static void worst_targets(mph_task *tk, int maximize, double fail_value)
{
	double worst = NAN;
	size_t i;
	for (i = 0; i < tk->n; i++)
		if (!isnan(tk->y[i]) && (isnan(worst) || (maximize ? tk->y[i] < worst : tk->y[i] > worst))) worst = tk->y[i];
	for (i = 0; i < tk->n; i++)
		if (isnan(tk->y[i])) tk->y[i] = isnan(worst) ? fail_value : worst;
}

mph_trace *mph_trace_load_opts(const char *path, const mph_space *s, const char *metric,
                               const mph_trace_opts *o, mph_error *err)
{
	mph_csv *c;
	mph_trace *t;
	size_t nk = mph_space_nknobs(s), nf = mph_space_nfeatures(s), *cols, *idx, *caps = NULL, k;
	size_t tcap = 0;
	long task_col, metric_col, status_col;
	double *x, fail_value = o->fail_worst ? NAN : o->fail_value; /* NaN: worst_targets' */
	mph_objective_bound *b = NULL;
	int rc;
	if (o->objective && strcmp(mph_objective_metric(o->objective), metric) != 0) {
		mph_error_set(err, NULL, 0, 0, "the objective's metric is '%s', not '%s'",
		              mph_objective_metric(o->objective), metric);
		return NULL;
	}
	if ((c = mph_csv_open(path, err)) == NULL) return NULL;
	t = mph_calloc(1, sizeof *t);
	t->nknobs = nk;
	t->nfeatures = nf;
	cols = mph_malloc((nk ? nk : 1) * sizeof *cols);
	idx = mph_malloc((nk ? nk : 1) * sizeof *idx);
	x = mph_malloc((nf ? nf : 1) * sizeof *x);
	if ((task_col = mph_csv_require(c, "task", err)) < 0 ||
	    mph_space_bind(s, c, cols, err) < 0 ||
	    (metric_col = mph_csv_require(c, metric, err)) < 0 ||
	    (o->objective && (b = mph_objective_bind_csv(o->objective, c, 0, err)) == NULL))
		goto fail;
	status_col = mph_csv_col(c, "status");
	while ((rc = mph_csv_read(c, err)) == 1) {
		const char *name = mph_csv_field(c, (size_t)task_col);
		int failed;
		double y;
		long ti;
		if (mph_space_parse(s, c, cols, idx, err) < 0) goto fail;
		failed = status_col >= 0 && mph_status_failed(mph_csv_field(c, (size_t)status_col));
		if (failed) y = fail_value;
		else if (mph_csv_double(c, (size_t)metric_col, &y, err) < 0) goto fail;
		if (!failed && b != NULL) {
			mph_objective_result r;
			if (mph_objective_eval_csv(b, c, y, &r, err) != 0) goto fail;
			if (r.violated >= 0) y = fail_value;
		}
		if (*name == '\0') {
			mph_error_set(err, mph_csv_name(c), mph_csv_line(c), 0, "column 'task': empty");
			goto fail;
		}
		/* Rows of one task usually come together: try the last first. */
		ti = (long)t->ntasks - 1;
		if (ti < 0 || strcmp(t->tasks[ti].name, name) != 0) ti = mph_trace_task_index(t, name);
		if (ti < 0) {
			if (t->ntasks == tcap) {
				tcap = tcap ? 2 * tcap : 16;
				t->tasks = mph_realloc(t->tasks, tcap * sizeof *t->tasks);
				caps = mph_realloc(caps, tcap * sizeof *caps);
			}
			memset(&t->tasks[t->ntasks], 0, sizeof *t->tasks);
			t->tasks[t->ntasks].name = mph_strdup(name);
			caps[t->ntasks] = 0;
			ti = (long)t->ntasks++;
		}
		mph_space_encode(s, idx, x);
		task_push(&t->tasks[ti], &caps[ti], idx, nk, x, nf, y, failed);
		t->digest = mph_trial_digest(t->digest, name, c, cols, nk, (size_t)metric_col, failed);
	}
	if (rc < 0) goto fail;
	if (t->ntasks == 0) {
		mph_error_set(err, mph_csv_name(c), 0, 0, "no rows after the header");
		goto fail;
	}
	if (o->fail_worst)
		for (k = 0; k < t->ntasks; k++)
			worst_targets(&t->tasks[k], o->objective ? mph_objective_maximize(o->objective) : 1, o->fail_value);
	mph_objective_bound_free(b);
	mph_csv_close(c);
	free(cols); free(idx); free(x); free(caps);
	return t;
fail:
	mph_objective_bound_free(b);
	mph_csv_close(c);
	free(cols); free(idx); free(x); free(caps);
	mph_trace_free(t);
	return NULL;
}

mph_trace *mph_trace_pool(mph_trace **parts, size_t n, mph_error *err)
{
	mph_trace *t;
	size_t i, k, nt = 0;
	uint64_t h[2];
	if (n == 0) return mph_error_set(err, NULL, 0, 0, "no trace to pool"), NULL;
	for (i = 0; i < n; i++) {
		if (parts[i]->nfeatures != parts[0]->nfeatures)
			return mph_error_set(err, NULL, 0, 0, "traces encode %zu and %zu features: they cannot be pooled",
			                     parts[0]->nfeatures, parts[i]->nfeatures), NULL;
		nt += parts[i]->ntasks;
	}
	t = mph_calloc(1, sizeof *t);
	t->nfeatures = parts[0]->nfeatures;
	t->nknobs = parts[0]->nknobs;
	for (i = 1; i < n; i++)
		if (parts[i]->nknobs != t->nknobs) t->nknobs = 0;
	t->tasks = mph_calloc(nt ? nt : 1, sizeof *t->tasks);
	for (i = 0; i < n; i++) {
		for (k = 0; k < parts[i]->ntasks; k++) {
			mph_task *tk = &t->tasks[t->ntasks++];
			/* with parts over different spaces nknobs is 0: configurations
			 * of different spaces do not compare, only features do */
			*tk = parts[i]->tasks[k];
		}
		h[0] = t->digest;
		h[1] = parts[i]->digest;
		t->digest = i == 0 ? parts[0]->digest : mph_hash64(h, sizeof h, 0x706f6f6cULL);
		parts[i]->ntasks = 0;
		mph_trace_free(parts[i]);
		parts[i] = NULL;
	}
	return t;
}
