/* eval/eval.h: libmph's private header for the eval layer: replayed searches,
 * their summary statistics and train/test splits. Not installed; the library's
 * files and the unit tests include it. What the tools call is in mph.h. */
#ifndef MPH_EVAL_H
#define MPH_EVAL_H
#include "mph.h"
#include "search/search.h"
#include "probe/probe.h"

/* ---- splits ---- */
struct mph_split {
	size_t nfolds, ntasks;
	unsigned char *test; /* nfolds x ntasks: 1 where the task is tested in that fold */
};
/* One fold: the tasks named are the test tasks (names_are_test) or the train
 * tasks, the rest of the trace the other side. */
mph_split *mph_split_names(const char *const *tasks, size_t ntasks, const char *const *names,
                           size_t nnames, int names_are_test, mph_error *err);
/* The same with the names read from a file, one a line (blank lines and
 * '#' comments skipped). */
mph_split *mph_split_read(const char *path, const char *const *tasks, size_t ntasks,
                          int names_are_test, mph_error *err);

/* ---- evaluation ---- */
/* Percentile q in [0,1] of n values by linear interpolation between the
 * closest ranks (numpy's default); INFINITY sorts last and any interpolation
 * that touches it is INFINITY; NaN when n is 0. v is not changed. */
double mph_percentile(const double *v, size_t n, double q);
size_t mph_eval_stats_nalgos(const mph_eval_stats *st);
const char *mph_eval_stats_algo(const mph_eval_stats *st, size_t a);
size_t mph_eval_stats_runs(const mph_eval_stats *st, size_t a);

/* Statistic of algorithm a at budget b or level l: 0, or -1 when no run counts. */
int mph_eval_stats_budget(const mph_eval_stats *st, size_t a, size_t b, mph_eval_stat *out);
int mph_eval_stats_level(const mph_eval_stats *st, size_t a, size_t l, mph_eval_stat *out);
const mph_candidates *mph_eval_task_candidates(const mph_eval_task *t);
const size_t *mph_eval_task_config(const mph_eval_task *t, size_t i);
double mph_eval_task_optimum(const mph_eval_task *t);   /* the best score */

size_t mph_eval_task_nopt(const mph_eval_task *t);      /* configurations at it */

/* Candidate index of a configuration, or -1 when the task lacks it. */
long mph_eval_task_find(const mph_eval_task *t, const size_t *config);

#endif
