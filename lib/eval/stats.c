/* Summary statistics of replayed searches, measured the way the Morphling
 * paper measures search cost: how good the best configuration found is after
 * a budget of samples, and how many samples a search needs to come within a
 * given fraction of the task's optimum. */
#include <math.h>
#include <string.h>
#include "eval/eval.h"

/* What one algorithm's runs gave, kept per statistic so percentiles can be
 * taken at the end: at_budget[b] holds the normalised best of every run that
 * lasted to budget b (or had reached the optimum before), to_level[l] the
 * samples each run needed for level l (INFINITY when it never got there). */
typedef struct {
	char *name;
	size_t runs, cap;
	double **at_budget;  /* nbudgets arrays of runs values (count in nat) */
	size_t *nat;
	size_t *optimal_at;  /* per budget: runs whose best was the optimum then */
	double **to_level;   /* nlevels arrays of runs values */
	double *len;         /* the samples each run took */
	double *stop_n, *stop_q; /* runs under a stopping rule: where, and the worth there */
	size_t nstop, stopcap, fired, stop_opt;
} algo_stats;

struct mph_eval_stats {
	long *budgets;
	size_t nbudgets;
	double *levels;      /* fractions of the optimum, e.g. 0.99 */
	char **level_text;   /* as given, e.g. "99" */
	size_t nlevels;
	algo_stats *algos;
	size_t nalgos;
};

/* Linear interpolation between the closest ranks (numpy's default), so a
 * median of an even count is the mean of the middle two. Infinity sorts last
 * and wins any interpolation that touches it. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double mph_percentile(const double *v, size_t n, double q)
{
	double *s, h, frac, r;
	size_t lo;
	if (n == 0 || !(q >= 0 && q <= 1)) return NAN;
	s = mph_malloc(n * sizeof *s);
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	h = (double)(n - 1) * q;
	lo = (size_t)floor(h);
	frac = h - (double)lo;
	if (lo + 1 >= n || frac == 0) r = s[lo];
	else if (isinf(s[lo + 1])) r = INFINITY;
	else r = s[lo] + frac * (s[lo + 1] - s[lo]);
	free(s);
	return r;
}

mph_eval_stats *mph_eval_stats_new(const long *budgets, size_t nbudgets, const double *levels,
                                   size_t nlevels)
{
	mph_eval_stats *st = mph_calloc(1, sizeof *st);
	size_t i;
	char buf[32];
	st->budgets = mph_malloc((nbudgets ? nbudgets : 1) * sizeof *st->budgets);
	memcpy(st->budgets, budgets, nbudgets * sizeof *budgets);
	st->nbudgets = nbudgets;
	st->levels = mph_malloc((nlevels ? nlevels : 1) * sizeof *st->levels);
	st->level_text = mph_malloc((nlevels ? nlevels : 1) * sizeof *st->level_text);
	for (i = 0; i < nlevels; i++) {
		st->levels[i] = levels[i];
		st->level_text[i] = mph_strdup(mph_fmt_double(buf, levels[i] * 100));
	}
	st->nlevels = nlevels;
	return st;
}

void mph_eval_stats_free(mph_eval_stats *st)
{
	size_t a, i;
	if (st == NULL) return;
	for (a = 0; a < st->nalgos; a++) {
		algo_stats *as = &st->algos[a];
		for (i = 0; i < st->nbudgets; i++) free(as->at_budget[i]);
		for (i = 0; i < st->nlevels; i++) free(as->to_level[i]);
		free(as->at_budget);
		free(as->nat);
		free(as->optimal_at);
		free(as->to_level);
		free(as->len);
		free(as->stop_n);
		free(as->stop_q);
		free(as->name);
	}
	for (i = 0; i < st->nlevels; i++) free(st->level_text[i]);
	free(st->level_text);
	free(st->algos);
	free(st->budgets);
	free(st->levels);
	free(st);
}

static algo_stats *find_algo(mph_eval_stats *st, const char *name)
{
	size_t a;
	algo_stats *as;
	for (a = 0; a < st->nalgos; a++)
		if (strcmp(st->algos[a].name, name) == 0) return &st->algos[a];
	st->algos = mph_realloc(st->algos, (st->nalgos + 1) * sizeof *st->algos);
	as = &st->algos[st->nalgos++];
	memset(as, 0, sizeof *as);
	as->name = mph_strdup(name);
	as->at_budget = mph_calloc(st->nbudgets ? st->nbudgets : 1, sizeof *as->at_budget);
	as->nat = mph_calloc(st->nbudgets ? st->nbudgets : 1, sizeof *as->nat);
	as->optimal_at = mph_calloc(st->nbudgets ? st->nbudgets : 1, sizeof *as->optimal_at);
	as->to_level = mph_calloc(st->nlevels ? st->nlevels : 1, sizeof *as->to_level);
	return as;
}

/* A level counts as reached a hair below it, so 0.7 * opt / opt reads as 70 %
 * whatever the rounding; 100 % is only ever the optimum itself, whose ratio
 * to itself is exactly 1. */
static int reaches(double best, double level)
{
	return level >= 1 ? best >= 1 : best >= level - 1e-12;
}

void mph_eval_stats_add(mph_eval_stats *st, const char *algo, const double *best, size_t n)
{
	algo_stats *as = find_algo(st, algo);
	size_t i, b, l;
	int done = n > 0 && best[n - 1] >= 1;
	if (as->runs == as->cap) {
		as->cap = as->cap ? 2 * as->cap : 16;
		for (b = 0; b < st->nbudgets; b++)
			as->at_budget[b] = mph_realloc(as->at_budget[b], as->cap * sizeof **as->at_budget);
		for (l = 0; l < st->nlevels; l++)
			as->to_level[l] = mph_realloc(as->to_level[l], as->cap * sizeof **as->to_level);
		as->len = mph_realloc(as->len, as->cap * sizeof *as->len);
	}
	as->len[as->runs] = (double)n;
	for (b = 0; b < st->nbudgets; b++) {
		size_t k = (size_t)st->budgets[b];
		double v;
		/* A run that stopped short of the budget without the optimum says
		 * nothing about it; one that stopped at the optimum stays there. */
		if (k == 0 || (k > n && !done)) continue;
		v = k > n ? best[n - 1] : best[k - 1];
		as->at_budget[b][as->nat[b]++] = v;
		as->optimal_at[b] += v >= 1;
	}
	for (l = 0; l < st->nlevels; l++) {
		double need = INFINITY;
		for (i = 0; i < n; i++)
			if (reaches(best[i], st->levels[l])) { need = (double)(i + 1); break; }
		as->to_level[l][as->runs] = need;
	}
	as->runs++;
}

void mph_eval_stats_add_stop(mph_eval_stats *st, const char *algo, size_t n, int fired, double quality)
{
	algo_stats *as = find_algo(st, algo);
	if (as->nstop == as->stopcap) {
		as->stopcap = as->stopcap ? 2 * as->stopcap : 16;
		as->stop_n = mph_realloc(as->stop_n, as->stopcap * sizeof *as->stop_n);
		as->stop_q = mph_realloc(as->stop_q, as->stopcap * sizeof *as->stop_q);
	}
	as->stop_n[as->nstop] = (double)n;
	as->stop_q[as->nstop++] = quality;
	as->fired += fired != 0;
	as->stop_opt += quality >= 1;
}

size_t mph_eval_stats_nalgos(const mph_eval_stats *st) { return st->nalgos; }
const char *mph_eval_stats_algo(const mph_eval_stats *st, size_t a) { return st->algos[a].name; }
size_t mph_eval_stats_runs(const mph_eval_stats *st, size_t a) { return st->algos[a].runs; }

int mph_eval_stats_budget(const mph_eval_stats *st, size_t a, size_t b, mph_eval_stat *out)
{
	const algo_stats *as = &st->algos[a];
	out->runs = as->nat[b];
	out->reached = as->optimal_at[b];
	out->p10 = mph_percentile(as->at_budget[b], as->nat[b], 0.10);
	out->median = mph_percentile(as->at_budget[b], as->nat[b], 0.50);
	out->p90 = mph_percentile(as->at_budget[b], as->nat[b], 0.90);
	return as->nat[b] > 0 ? 0 : -1;
}

int mph_eval_stats_level(const mph_eval_stats *st, size_t a, size_t l, mph_eval_stat *out)
{
	const algo_stats *as = &st->algos[a];
	size_t i;
	out->runs = as->runs;
	out->reached = 0;
	for (i = 0; i < as->runs; i++) out->reached += !isinf(as->to_level[l][i]);
	out->p10 = mph_percentile(as->to_level[l], as->runs, 0.10);
	out->median = mph_percentile(as->to_level[l], as->runs, 0.50);
	out->p90 = mph_percentile(as->to_level[l], as->runs, 0.90);
	return as->runs > 0 ? 0 : -1;
}

/* A percentile of the samples to a level, where a run that never got there
 * counts as infinitely many: 0 and the value, or 1 and a lower bound where
 * the percentile touches such a run: the percentile with each of them
 * counted as the samples it took (it needed more). */
static int samples_percentile(const double *v, const double *len, size_t n, double q, double *x)
{
	double *w;
	size_t i;
	*x = mph_percentile(v, n, q);
	if (!isinf(*x)) return 0;
	w = mph_malloc(n * sizeof *w);
	for (i = 0; i < n; i++) w[i] = isinf(v[i]) ? len[i] : v[i];
	*x = mph_percentile(w, n, q);
	free(w);
	return 1;
}

/* Samples to a level: whole numbers interpolated at the 10th, 50th and 90th
 * percentile, so a tenth says all (the rounding only drops the binary
 * noise: 7.800000000000001); a lower bound is written ">X". */
static void write_samples(FILE *fp, double x, int bound)
{
	char buf[40];
	if (isnan(x)) return;
	if (bound) fputc('>', fp);
	fputs(mph_fmt_double(buf, round(x * 10) / 10), fp);
}

/* A fraction of the optimum, to 4 decimals; below 1 it never shows as 1,
 * which means the optimum itself. */
static void write_share(FILE *fp, double x)
{
	char buf[40];
	double r;
	if (isnan(x)) return;
	r = round(x * 1e4) / 1e4;
	if (r >= 1 && x < 1) r = 0.9999;
	fputs(mph_fmt_double(buf, r), fp);
}

static void write_head(FILE *fp, const char *algo, const char *measure, const char *at, size_t runs,
                       size_t reached)
{
	mph_csv_write_field(fp, algo);
	fprintf(fp, ",%s,%s,%zu,%zu", measure, at, runs, reached);
}

/* p10, median and p90 of n shares of the optimum, then the line's end. */
static void write_shares(FILE *fp, const double *v, size_t n)
{
	static const double q[3] = {0.10, 0.50, 0.90};
	size_t i;
	for (i = 0; i < 3; i++) {
		fputc(',', fp);
		write_share(fp, mph_percentile(v, n, q[i]));
	}
	fputc('\n', fp);
}

void mph_eval_stats_write(const mph_eval_stats *st, FILE *fp)
{
	static const double q[3] = {0.10, 0.50, 0.90};
	size_t a, b, l, i;
	char at[32];
	mph_eval_stat s;
	fputs("algo,measure,at,runs,reached,p10,median,p90\n", fp);
	for (a = 0; a < st->nalgos; a++) {
		const algo_stats *as = &st->algos[a];
		for (b = 0; b < st->nbudgets; b++) {
			if (mph_eval_stats_budget(st, a, b, &s) != 0) continue;
			snprintf(at, sizeof at, "%ld", st->budgets[b]);
			write_head(fp, as->name, "best", at, s.runs, s.reached);
			write_shares(fp, as->at_budget[b], as->nat[b]);
		}
		for (l = 0; l < st->nlevels; l++) {
			if (mph_eval_stats_level(st, a, l, &s) != 0) continue;
			write_head(fp, as->name, "samples", st->level_text[l], s.runs, s.reached);
			for (i = 0; i < 3; i++) {
				double x;
				int bound = samples_percentile(as->to_level[l], as->len, as->runs, q[i], &x);
				fputc(',', fp);
				write_samples(fp, x, bound);
			}
			fputc('\n', fp);
		}
		if (as->nstop > 0) {
			write_head(fp, as->name, "stop", "samples", as->nstop, as->fired);
			for (i = 0; i < 3; i++) {
				fputc(',', fp);
				write_samples(fp, mph_percentile(as->stop_n, as->nstop, q[i]), 0);
			}
			fputc('\n', fp);
			write_head(fp, as->name, "stop", "quality", as->nstop, as->stop_opt);
			write_shares(fp, as->stop_q, as->nstop);
		}
	}
}

/* What names a run in a log: algo, task, seed and meta_seed (cm -1: no such
 * column), joined by a separator no field holds. */
static char *run_key(const mph_csv *c, long ca, long ct, long cs, long cm)
{
	const char *a = mph_csv_field(c, (size_t)ca), *t = mph_csv_field(c, (size_t)ct);
	const char *s = mph_csv_field(c, (size_t)cs), *m = cm >= 0 ? mph_csv_field(c, (size_t)cm) : "";
	size_t klen = strlen(a) + strlen(t) + strlen(s) + strlen(m) + 4;
	char *k = mph_malloc(klen);
	snprintf(k, klen, "%s%c%s%c%s%c%s", a, 1, t, 1, s, 1, m);
	return k;
}

static int step_error(mph_csv *c, size_t want, long ca, long ct, long cs, long cstep, mph_error *err)
{
	return mph_error_set(err, mph_csv_name(c), mph_csv_line(c), 0,
	                     "column 'step': expected %zu for task '%s', algo '%s', seed %s, got '%s'", want,
	                     mph_csv_field(c, (size_t)ct), mph_csv_field(c, (size_t)ca), mph_csv_field(c, (size_t)cs),
	                     mph_csv_field(c, (size_t)cstep));
}

/* Runs are consecutive rows of one (algo, task, seed, meta_seed when the
 * column is there) with step counting up from 1; anything else in the log is
 * a sign it was cut or mixed up. */
int mph_eval_stats_read_log(mph_eval_stats *st, mph_csv *c, mph_error *err)
{
	long ca, ct, cs, cstep, cn, cm;
	char *key = NULL;
	char *algo = NULL;
	double *best = NULL;
	size_t n = 0, cap = 0;
	int r, rc = 0;
	if ((ca = mph_csv_require(c, "algo", err)) < 0 || (ct = mph_csv_require(c, "task", err)) < 0 ||
	    (cs = mph_csv_require(c, "seed", err)) < 0 || (cstep = mph_csv_require(c, "step", err)) < 0 ||
	    (cn = mph_csv_require(c, "norm_best", err)) < 0) {
		return mph_error_locate(err, mph_csv_name(c), -1);
	}
	cm = mph_csv_col(c, "meta_seed");
	while ((r = mph_csv_read(c, err)) == 1) {
		const char *a = mph_csv_field(c, (size_t)ca);
		char *k = run_key(c, ca, ct, cs, cm);
		double step, nb;
		if (mph_csv_double(c, (size_t)cstep, &step, err) != 0 ||
		    mph_csv_double(c, (size_t)cn, &nb, err) != 0) {
			free(k);
			rc = -1;
			break;
		}
		/* a run starts at step 1, even right after one of the same key
		 * (logs of several evaluations concatenated) */
		if (key == NULL || strcmp(k, key) != 0 || step == 1) {
			if (key != NULL) mph_eval_stats_add(st, algo, best, n);
			free(key);
			free(algo);
			key = k;
			algo = mph_strdup(a);
			n = 0;
		} else {
			free(k);
		}
		if (step != (double)(n + 1)) {
			rc = step_error(c, n + 1, ca, ct, cs, cstep, err);
			break;
		}
		if (n == cap) best = mph_realloc(best, (cap = cap ? 2 * cap : 64) * sizeof *best);
		best[n++] = nb;
	}
	if (r < 0) rc = -1;
	if (rc == 0 && key != NULL) mph_eval_stats_add(st, algo, best, n);
	free(key);
	free(algo);
	free(best);
	return rc;
}

/* One run of a log under a stopping rule, its rows read so far. */
typedef struct {
	char *key, *algo;
	size_t n;            /* samples seen */
	double last;         /* norm_best of the latest */
	int stopped;         /* the rule fired: the rest of the run is past its stop */
} stop_run;

static void stop_run_end(mph_eval_stats *st, stop_run *r)
{
	if (r->key != NULL && !r->stopped) mph_eval_stats_add_stop(st, r->algo, r->n, 0, r->last);
	free(r->key);
	free(r->algo);
	memset(r, 0, sizeof *r);
}

int mph_eval_stats_read_stops(mph_eval_stats *st, mph_csv *c, const mph_stop_opts *o, mph_error *err)
{
	long ca, ct, cs, cstep, cn, cm, cph, cei, cage;
	stop_run run = {0};
	int r, rc = 0;
	if ((ca = mph_csv_require(c, "algo", err)) < 0 || (ct = mph_csv_require(c, "task", err)) < 0 ||
	    (cs = mph_csv_require(c, "seed", err)) < 0 || (cstep = mph_csv_require(c, "step", err)) < 0 ||
	    (cph = mph_csv_require(c, "phase", err)) < 0 || (cn = mph_csv_require(c, "norm_best", err)) < 0 ||
	    (cei = mph_csv_require(c, "ei", err)) < 0 || (cage = mph_csv_require(c, "age", err)) < 0)
		return mph_error_locate(err, mph_csv_name(c), -1);
	cm = mph_csv_col(c, "meta_seed");
	while ((r = mph_csv_read(c, err)) == 1) {
		const char *a = mph_csv_field(c, (size_t)ca);
		char *k = run_key(c, ca, ct, cs, cm);
		double step, nb, ei = NAN, age;
		if (mph_csv_double(c, (size_t)cstep, &step, err) != 0 || mph_csv_double(c, (size_t)cn, &nb, err) != 0 ||
		    mph_csv_double(c, (size_t)cage, &age, err) != 0 ||
		    (mph_csv_field(c, (size_t)cei)[0] && mph_csv_double(c, (size_t)cei, &ei, err) != 0)) {
			free(k);
			rc = -1;
			break;
		}
		if (run.key == NULL || strcmp(k, run.key) != 0 || step == 1) {
			stop_run_end(st, &run);
			run.key = k;
			run.algo = mph_strdup(a);
		} else {
			free(k);
		}
		if (step != (double)(run.n + 1)) {
			rc = step_error(c, run.n + 1, ca, ct, cs, cstep, err);
			break;
		}
		/* the rule is asked before each suggestion: here, before this row */
		if (!run.stopped && strcmp(mph_csv_field(c, (size_t)cph), "search") == 0 &&
		    mph_stop_fires(o, (long)age, ei)) {
			mph_eval_stats_add_stop(st, run.algo, run.n, 1, run.last);
			run.stopped = 1;
		}
		run.n++;
		run.last = nb;
	}
	if (r < 0) rc = -1;
	if (rc == 0) stop_run_end(st, &run);
	free(run.key);
	free(run.algo);
	return rc;
}
