/* Loading profiled traces and trials files into encoded per-task matrices:
 * the one reader every learner and evaluator shares, so all of them treat
 * failed configurations the same way. */
#include <string.h>
#include "learn/learn.h"

static void task_push(mph_task *t, size_t *cap, const size_t *idx, size_t nk, const double *x,
                      size_t nf, double y, int failed)
{
	if (t->n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		t->idx = mph_realloc(t->idx, *cap * nk * sizeof *t->idx);
		t->x = mph_realloc(t->x, *cap * nf * sizeof *t->x);
		t->y = mph_realloc(t->y, *cap * sizeof *t->y);
		t->failed = mph_realloc(t->failed, *cap * sizeof *t->failed);
	}
	memcpy(t->idx + t->n * nk, idx, nk * sizeof *idx);
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

size_t mph_trace_ntasks(const mph_trace *t) { return t->ntasks; }
const char *mph_trace_task_name(const mph_trace *t, size_t k) { return t->tasks[k].name; }

long mph_trace_task_index(const mph_trace *t, const char *name)
{
	size_t k;
	for (k = 0; k < t->ntasks; k++)
		if (strcmp(t->tasks[k].name, name) == 0) return (long)k;
	return -1;
}

static uint64_t hash_field(const char *s, uint64_t h)
{
	return mph_hash64(s, strlen(s) + 1, h); /* the NUL separates fields */
}

static mph_trace *load(const char *path, const mph_space *s, const char *metric, double fail_value,
                       int with_task, mph_error *err)
{
	mph_csv *c = mph_csv_open(path, err);
	mph_trace *t;
	size_t nk = mph_space_nknobs(s), nf = mph_space_nfeatures(s), *cols, *idx, *caps = NULL;
	size_t k, tcap = 0;
	long task_col = -1, metric_col, status_col;
	double *x;
	int rc;
	if (c == NULL) return NULL;
	t = mph_calloc(1, sizeof *t);
	t->nknobs = nk;
	t->nfeatures = nf;
	cols = mph_malloc((nk ? nk : 1) * sizeof *cols);
	idx = mph_malloc((nk ? nk : 1) * sizeof *idx);
	x = mph_malloc((nf ? nf : 1) * sizeof *x);
	if ((with_task && (task_col = mph_csv_require(c, "task", err)) < 0) ||
	    mph_space_bind(s, c, cols, err) < 0 ||
	    (metric_col = mph_csv_require(c, metric, err)) < 0)
		goto fail;
	status_col = mph_csv_col(c, "status");
	if (!with_task) {
		t->ntasks = tcap = 1;
		t->tasks = mph_calloc(1, sizeof *t->tasks);
		t->tasks[0].name = mph_strdup("");
		caps = mph_calloc(1, sizeof *caps);
	}
	while ((rc = mph_csv_read(c, err)) == 1) {
		const char *name = with_task ? mph_csv_field(c, (size_t)task_col) : "";
		int failed = 0;
		double y;
		long ti;
		if (mph_space_parse(s, c, cols, idx, err) < 0) goto fail;
		if (status_col >= 0 && strcmp(mph_csv_field(c, (size_t)status_col), "ok") != 0)
			failed = 1;
		if (failed) y = fail_value;
		else if (mph_csv_double(c, (size_t)metric_col, &y, err) < 0) goto fail;
		if (with_task) {
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
		} else {
			ti = 0;
		}
		mph_space_encode(s, idx, x);
		task_push(&t->tasks[ti], &caps[ti], idx, nk, x, nf, y, failed);
		/* The digest covers what was learnt from: task, knob values as
		 * written, the metric and the failure flag. */
		t->digest = hash_field(name, t->digest);
		for (k = 0; k < nk; k++) t->digest = hash_field(mph_csv_field(c, cols[k]), t->digest);
		t->digest = hash_field(failed ? "failed" : mph_csv_field(c, (size_t)metric_col), t->digest);
	}
	if (rc < 0) goto fail;
	if (with_task && t->ntasks == 0) {
		mph_error_set(err, mph_csv_name(c), 0, 0, "no rows after the header");
		goto fail;
	}
	mph_csv_close(c);
	free(cols); free(idx); free(x); free(caps);
	return t;
fail:
	mph_csv_close(c);
	free(cols); free(idx); free(x); free(caps);
	mph_trace_free(t);
	return NULL;
}

mph_trace *mph_trace_load(const char *path, const mph_space *s, const char *metric,
                          double fail_value, mph_error *err)
{
	return load(path, s, metric, fail_value, 1, err);
}

mph_trace *mph_trials_load(const char *path, const mph_space *s, const char *metric,
                           double fail_value, mph_error *err)
{
	return load(path, s, metric, fail_value, 0, err);
}
