/* Replayed searches: a fully profiled task stands in for the service, and a
 * search runs against it in process, one sample at a time, with the same
 * search code mph-suggest runs and the same trials mph-probe --replay would
 * write, so what it costs to find the optimum can be counted exactly. */
#include <math.h>
#include <string.h>
#include "eval/eval.h"

struct mph_eval_task {
	char *name;
	const mph_space *space;
	size_t nknobs, n;
	mph_candidates *cand;   /* the task's configurations, in id order */
	size_t *idx;            /* n x nknobs */
	long *row;              /* replay row of each candidate */
	mph_trial *trial;       /* what measuring it gives */
	double *score;          /* objective score, NaN when failed or violated */
	double *norm;           /* score as a fraction of the optimum, 0 when invalid */
	double opt_score, opt_utility;
	size_t nopt;            /* candidates at the optimum */
};

/* A configuration's worth as a fraction of the optimum: score / optimum when
 * maximising (optimum / score when minimising) for positive scores, which is
 * how the paper normalises RPS per dollar; otherwise where the utility lies
 * between the worst and the best of the task. */
static void normalise(mph_eval_task *t, int maximize)
{
	double umin = INFINITY;
	size_t i;
	int ratio = t->opt_score > 0;
	for (i = 0; i < t->n; i++) {
		if (isnan(t->trial[i].utility)) continue;
		if (t->trial[i].utility < umin) umin = t->trial[i].utility;
		if (t->score[i] <= 0 && !maximize) ratio = 0;
	}
	for (i = 0; i < t->n; i++) {
		double u = t->trial[i].utility, v;
		if (isnan(u)) v = 0;
		else if (u >= t->opt_utility) v = 1;
		else if (ratio) v = maximize ? fmax(t->score[i], 0) / t->opt_score : t->opt_score / t->score[i];
		else v = t->opt_utility > umin ? (u - umin) / (t->opt_utility - umin) : 1;
		/* only the optimum itself counts as 100 % */
		t->norm[i] = v >= 1 && u < t->opt_utility ? nextafter(1.0, 0.0) : v;
	}
}

mph_eval_task *mph_eval_task_new(const mph_replay *r, size_t task, const mph_space *s,
                                 const mph_objective *o, double fail_value, mph_error *err)
{
	mph_eval_task *t = mph_calloc(1, sizeof *t);
	size_t nk = mph_space_nknobs(s), ncols = mph_replay_ncols(r), cap = 64, i, c;
	size_t *idx = mph_calloc(nk ? nk : 1, sizeof *idx);
	const char **header = mph_malloc(ncols * sizeof *header), **fields = mph_malloc(ncols * sizeof *fields);
	long status_col = mph_replay_col(r, "status");
	mph_objective_bound *b = NULL;

	t->name = mph_strdup(mph_replay_task(r, task));
	t->space = s;
	t->nknobs = nk;
	t->idx = mph_malloc(cap * (nk ? nk : 1) * sizeof *t->idx);
	t->row = mph_malloc(cap * sizeof *t->row);
	for (c = 0; c < ncols; c++) header[c] = mph_replay_col_name(r, c);
	if ((b = mph_objective_bind(o, header, ncols, 0, err)) == NULL) goto fail;
	/* Candidates in the order mph-space writes them, so that grid and any
	 * tie-breaking by position see what the shell pipeline sees; a
	 * configuration the trace lacks cannot be measured and is left out. */
	do {
		long row;
		if (!mph_space_feasible(s, idx)) continue;
		if ((row = mph_replay_find_config(r, task, idx)) < 0) continue;
		if (t->n == cap) {
			cap *= 2;
			t->idx = mph_realloc(t->idx, cap * (nk ? nk : 1) * sizeof *t->idx);
			t->row = mph_realloc(t->row, cap * sizeof *t->row);
		}
		memcpy(t->idx + t->n * nk, idx, nk * sizeof *idx);
		t->row[t->n++] = row;
	} while (mph_space_next(s, idx));
	if (t->n == 0) {
		mph_error_set(err, NULL, 0, 0, "task '%s': no configuration of the space in the trace", t->name);
		goto fail;
	}
	t->trial = mph_malloc(t->n * sizeof *t->trial);
	t->score = mph_malloc(t->n * sizeof *t->score);
	t->norm = mph_malloc(t->n * sizeof *t->norm);
	t->opt_utility = -INFINITY;
	/* each trial valued as mph-suggest values it when it reads the
	 * probe's output back (mph_trial_from_row) */
	for (i = 0; i < t->n; i++) {
		mph_trial *tr = &t->trial[i];
		mph_objective_result res;
		for (c = 0; c < ncols; c++) fields[c] = mph_replay_str(r, (size_t)t->row[i], c);
		if (mph_trial_from_row(b, fields, status_col, fail_value, mph_space_config_id(s, t->idx + i * nk),
		                       tr, &res, err) != 0) {
			char text[sizeof err->text];
			snprintf(text, sizeof text, "%s", err->text);
			mph_error_set(err, NULL, 0, 0, "task '%s': %s", t->name, text);
			goto fail;
		}
		t->score[i] = res.score;
		if (!isnan(tr->utility) && tr->utility > t->opt_utility) {
			t->opt_utility = tr->utility;
			t->opt_score = t->score[i];
		}
	}
	if (isinf(t->opt_utility)) {
		mph_error_set(err, NULL, 0, 0, "task '%s': no configuration that works and meets the constraints", t->name);
		goto fail;
	}
	for (i = 0; i < t->n; i++) t->nopt += t->trial[i].utility >= t->opt_utility;
	normalise(t, mph_objective_maximize(o));
	if ((t->cand = mph_candidates_from_configs(s, t->idx, t->n, o, err)) == NULL) goto fail;
	mph_objective_bound_free(b);
	free(header);
	free(fields);
	free(idx);
	return t;
fail:
	mph_objective_bound_free(b);
	free(header);
	free(fields);
	free(idx);
	mph_eval_task_free(t);
	return NULL;
}

void mph_eval_task_free(mph_eval_task *t)
{
	if (t == NULL) return;
	mph_candidates_free(t->cand);
	free(t->name);
	free(t->idx);
	free(t->row);
	free(t->trial);
	free(t->score);
	free(t->norm);
	free(t);
}

const char *mph_eval_task_name(const mph_eval_task *t) { return t->name; }
size_t mph_eval_task_n(const mph_eval_task *t) { return t->n; }
const mph_candidates *mph_eval_task_candidates(const mph_eval_task *t) { return t->cand; }
double mph_eval_task_optimum(const mph_eval_task *t) { return t->opt_score; }
size_t mph_eval_task_nopt(const mph_eval_task *t) { return t->nopt; }
const size_t *mph_eval_task_config(const mph_eval_task *t, size_t i) { return t->idx + i * t->nknobs; }

/* Candidate index of a configuration id, by bisection: candidates are in id
 * order. */
static long find_cand(const mph_eval_task *t, uint64_t id)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->trial[mid].id < id) lo = mid + 1;
		else hi = mid;
	}
	return lo < t->n && t->trial[lo].id == id ? (long)lo : -1;
}

long mph_eval_task_find(const mph_eval_task *t, const size_t *config)
{
	return find_cand(t, mph_space_config_id(t->space, config));
}

int mph_eval_task_check_initial(const mph_eval_task *t, const size_t *initial, size_t n, mph_error *err)
{
	size_t i, k, len;
	char buf[512];
	for (i = 0; i < n; i++) {
		const size_t *cfg = initial + i * t->nknobs;
		if (mph_eval_task_find(t, cfg) >= 0) continue;
		for (k = 0, len = 0; k < t->nknobs && len < sizeof buf; k++)
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s=%s", k ? "," : "",
			                        mph_space_knob_name(t->space, k), mph_space_value_str(t->space, k, cfg[k]));
		return mph_error_set(err, NULL, 0, 0, "task '%s': the trace has no row for initial configuration %s",
		                     t->name, buf);
	}
	return 0;
}

void mph_eval_run_opts_init(mph_eval_run_opts *o)
{
	memset(o, 0, sizeof *o);
	o->cap = 100;
}

/* What the search is shown when candidate c is measured: the trace's
 * trial, its metric times exp(noise N(0,1)) under noise (a failed or
 * constraint-violating trial stays so). value gets its score, cost its cost. */
static int measure(const mph_eval_task *t, size_t c, double noise, mph_rng *rng, mph_trial *tr,
                   double *value, double *cost, mph_error *err)
{
	mph_objective_result r;
	*tr = t->trial[c];
	*value = t->score[c];
	*cost = NAN;
	if (tr->failed) return 0;
	if (noise > 0) tr->metric *= exp(noise * mph_rng_normal(rng));
	if (mph_candidates_score(t->cand, c, tr->metric, &r, err) != 0) return -1;
	*cost = r.cost;
	if (isnan(tr->utility) || noise <= 0) return 0;
	*value = r.score;
	tr->utility = r.violated >= 0 || !isfinite(r.utility) ? NAN : r.utility;
	if (isnan(tr->utility)) *value = NAN;
	return 0;
}

/* Measures candidate c once more, into row (key: the candidate index). */
static int again(const mph_eval_task *t, const mph_eval_run_opts *o, size_t c, mph_repeat_row *row, mph_rng *rng,
                 mph_error *err)
{
	mph_trial tr;
	double v;
	if (measure(t, c, o->noise, rng, &tr, &v, &row->cost, err) != 0) return -1;
	row->key = c;
	row->valid = !isnan(tr.utility);
	row->metric = tr.metric;
	return 0;
}

/* The configuration recommended from the rows seen (key: candidate index):
 * mph-pick --median's after confirm_top of its ranking are each measured
 * confirm_times more, or, with a race, its leader once the race is over
 * (mph_repeats_race, as mph-pick --race in a loop). Its candidate index,
 * or -1 when no row is valid; *group: its group in rep. */
static long recommend(const mph_eval_task *t, const mph_eval_run_opts *o, mph_repeat_row *rows, size_t n,
                      mph_repeat *rep, size_t *ranked, mph_race *race, size_t *group, mph_rng *rng, mph_error *err)
{
	const mph_objective *obj = mph_candidates_objective(t->cand);
	size_t nr, j, k, m = n;
	long ng;
	if ((ng = mph_repeats_group(obj, rows, n, rep, ranked, &nr, err)) < 0) return -2;
	if (nr == 0) return -1;
	if (o->race != NULL) {
		for (;;) {
			size_t nc, more = 0;
			long lead = mph_repeats_race(obj, rows, m, rep, (size_t)ng, o->race, race, &nc, err);
			if (lead < -1) return -2;
			if (lead < 0) return -1;
			for (j = 0; j < nc; j++)
				if (race[j].again) {
					if (again(t, o, (size_t)rows[rep[race[j].group].first].key, &rows[m++], rng, err) != 0) return -2;
					more++;
				}
			if (more == 0) {
				*group = (size_t)lead;
				return (long)rows[rep[lead].first].key;
			}
			if ((ng = mph_repeats_group(obj, rows, m, rep, ranked, &nr, err)) < 0) return -2;
		}
	}
	if (o->confirm_top > 0 && o->confirm_times > 0) {
		size_t top = nr < o->confirm_top ? nr : o->confirm_top;
		for (j = 0; j < top; j++)
			for (k = 0; k < o->confirm_times; k++)
				if (again(t, o, (size_t)rows[rep[ranked[j]].first].key, &rows[m++], rng, err) != 0) return -2;
		if (mph_repeats_group(obj, rows, m, rep, ranked, &nr, err) < 0) return -2;
	}
	*group = ranked[0];
	return (long)rows[rep[ranked[0]].first].key;
}

long mph_eval_run(const mph_eval_task *t, mph_search *search, const mph_eval_run_opts *o,
                  double *norm_best, mph_error *err)
{
	mph_history *h = mph_history_new();
	mph_eval_step st;
	mph_suggestion sg;
	mph_trial tr;
	mph_rng noise_rng, confirm_rng;
	size_t next_init = 0, n, i, extra = o->confirm_top * o->confirm_times, ninit = o->ninitial, group = 0;
	size_t *initial = NULL; /* a random initial design */
	size_t room;
	double best = NAN, best_u = -INFINITY, nbest = 0, value, cost;
	int judged;
	mph_repeat_row *rows;
	mph_repeat *rep;
	size_t *ranked;
	mph_race *race = o->race ? mph_malloc((o->race->top ? o->race->top : 1) * sizeof *race) : NULL;
	long rc = -1;

	/* a race measures each of its contenders at most most times */
	if (o->race) extra += o->race->top * o->race->most;
	room = (size_t)o->cap + extra + 1;
	judged = o->noise > 0 || extra > 0; /* the recommendation, not the best measured */
	rows = judged ? mph_malloc(room * sizeof *rows) : NULL;
	rep = judged ? mph_malloc(room * sizeof *rep) : NULL;
	ranked = judged ? mph_malloc(room * sizeof *ranked) : NULL;

	/* the same noise for every algorithm and meta-seed on a task and seed:
	 * their differences are the searches' */
	mph_rng_seed(&noise_rng, mph_hash64(t->name, strlen(t->name), o->seed));
	if (o->ninitial == 0 && o->random_initial > 0) {
		mph_rng init_rng;
		size_t *perm = mph_malloc(t->n * sizeof *perm);
		ninit = o->random_initial < t->n ? o->random_initial : t->n;
		for (i = 0; i < t->n; i++) perm[i] = i;
		mph_rng_seed(&init_rng, mph_hash64(t->name, strlen(t->name), o->seed ^ 0x696e6974ULL));
		mph_rng_shuffle(&init_rng, perm, t->n);
		initial = mph_malloc(ninit * (t->nknobs ? t->nknobs : 1) * sizeof *initial);
		for (i = 0; i < ninit; i++)
			memcpy(initial + i * t->nknobs, t->idx + perm[i] * t->nknobs, t->nknobs * sizeof *initial);
		free(perm);
	}
	memset(&st, 0, sizeof st);
	while ((n = mph_history_n(h)) < (size_t)o->cap && n < t->n && (judged || o->stop || nbest < 1)) {
		long c;
		st.ei = NAN;
		st.age = mph_stop_best_age(h);
		if (next_init < ninit) {
			const size_t *cfg = (initial ? initial : o->initial) + next_init++ * t->nknobs;
			uint64_t id = mph_space_config_id(t->space, cfg);
			if ((c = find_cand(t, id)) < 0) {
				mph_eval_task_check_initial(t, cfg, 1, err);
				goto out;
			}
			/* an initial configuration listed twice is measured once */
			for (i = 0; i < n; i++)
				if (mph_history_get(h, i)->id == id) break;
			if (i < n) continue;
			st.initial = 1;
			st.suggestion = NULL;
		} else {
			char why[256];
			long got = mph_search_suggest(search, t->cand, h, 1, &sg, err);
			if (got < 0) goto out;
			if (got == 0) break;
			st.ei = mph_search_ei(search);
			if (o->stop && mph_stop_check(o->stop, h, st.ei, why, sizeof why)) break;
			c = (long)sg.cand;
			st.initial = 0;
			st.suggestion = &sg;
		}
		if (measure(t, (size_t)c, o->noise, &noise_rng, &tr, &value, &cost, err) != 0) goto out;
		mph_history_add(h, &tr);
		if (judged) {
			long rec;
			rows[n].key = (uint64_t)c;
			rows[n].valid = !isnan(tr.utility);
			rows[n].metric = tr.metric;
			rows[n].cost = cost;
			/* the confirmations of step n come from a stream of their own,
			 * so that they change nothing the search sees */
			mph_rng_seed(&confirm_rng, mph_hash64(&n, sizeof n, mph_hash64(t->name, strlen(t->name),
			                                                               o->seed ^ 0x636f6e66ULL)));
			if ((rec = recommend(t, o, rows, n + 1, rep, ranked, race, &group, &confirm_rng, err)) < -1) goto out;
			nbest = rec < 0 ? 0 : t->norm[rec];
			best = rec < 0 ? NAN : rep[group].res.score;
		} else {
			if (!isnan(tr.utility) && tr.utility > best_u) {
				best_u = tr.utility;
				best = value;
			}
			if (t->norm[c] > nbest) nbest = t->norm[c];
		}
		norm_best[n] = nbest;
		st.step = n + 1;
		st.cand = (size_t)c;
		st.config = t->idx + (size_t)c * t->nknobs;
		st.trial = &t->trial[c];
		st.value = value;
		st.best = best;
		st.norm_best = nbest;
		if (o->on_step) o->on_step(o->ctx, t, &st);
	}
	rc = (long)mph_history_n(h);
out:
	free(initial);
	free(rows);
	free(rep);
	free(ranked);
	free(race);
	mph_history_free(h);
	return rc;
}
