/* Choosing the next configurations to measure: the paper's method and the
 * baselines it was compared against, behind one call.
 *
 * A suggestion is a pure function of (candidates, history in order, options,
 * seed): every random stream is seeded from the seed and the number of
 * trials it works on, so the pipeline (one process per step) and mph-eval
 * (one object for a whole search) choose the same configurations. The
 * search object only caches what that function would recompute anyway.
 *
 * Everything is maximised in utility units (mph_objective_utility: higher
 * is better). A model predicts the objective's metric; a candidate's
 * predicted utility comes from the objective applied to that prediction, so
 * one model serves every objective over the same metric. */
#include <math.h>
#include <string.h>
#include "search/search.h"

/* The one table of what each algorithm needs and how it searches. kappa:
 * measured (bench/bench-suggest.sh, Falcon 6-fold and the zoo): the
 * residual GPs find the optimum sooner with 1, gp-ucb needs 2. */
static const struct {
	const char *name;
	mph_model_kind model;
	int needs_objective;
	int uses_gp;
	double kappa;
} algos[MPH_ALGO_COUNT] = {
	[MPH_ALGO_RANDOM] = {"random", MPH_MODEL_NONE, 0, 0, 2.0},
	[MPH_ALGO_GRID] = {"grid", MPH_MODEL_NONE, 0, 0, 2.0},
	[MPH_ALGO_GP_UCB] = {"gp-ucb", MPH_MODEL_NONE, 1, 1, 2.0},
	[MPH_ALGO_GP_EI] = {"gp-ei", MPH_MODEL_NONE, 1, 1, 2.0},
	[MPH_ALGO_ERNEST] = {"ernest", MPH_MODEL_ARCHITECTURE, 1, 0, 2.0},
	[MPH_ALGO_FINETUNE] = {"finetune", MPH_MODEL_PRETRAINED, 1, 0, 2.0},
	[MPH_ALGO_VIZIER] = {"vizier", MPH_MODEL_PRETRAINED, 1, 1, 1.0},
	[MPH_ALGO_MORPHLING] = {"morphling", MPH_MODEL_META, 1, 0, 2.0},
	[MPH_ALGO_MORPHLING_ENS] = {"morphling-ens", MPH_MODEL_META, 1, 0, 2.0},
	[MPH_ALGO_MORPHLING_GP] = {"morphling-gp", MPH_MODEL_META, 1, 1, 1.0},
};

const char *mph_algo_name(mph_algo a)
{
	return (unsigned)a < MPH_ALGO_COUNT ? algos[a].name : "?";
}

int mph_algo_parse(const char *name, mph_algo *a)
{
	int i;
	for (i = 0; i < MPH_ALGO_COUNT; i++)
		if (strcmp(name, algos[i].name) == 0) { *a = (mph_algo)i; return 0; }
	return -1;
}

mph_model_kind mph_algo_model(mph_algo a)
{
	return (unsigned)a < MPH_ALGO_COUNT ? algos[a].model : MPH_MODEL_NONE;
}

int mph_algo_needs_model(mph_algo a)
{
	mph_model_kind k = mph_algo_model(a);
	return k == MPH_MODEL_META || k == MPH_MODEL_PRETRAINED;
}

int mph_algo_needs_objective(mph_algo a)
{
	return (unsigned)a < MPH_ALGO_COUNT && algos[a].needs_objective;
}

int mph_algo_uses_gp(mph_algo a)
{
	return (unsigned)a < MPH_ALGO_COUNT && algos[a].uses_gp;
}

const mph_model *mph_algo_pick_model(mph_algo a, const mph_model *meta, const mph_model *pretrained)
{
	switch (mph_algo_model(a)) {
	case MPH_MODEL_META: return meta;
	case MPH_MODEL_PRETRAINED: return pretrained;
	default: return NULL;
	}
}

void mph_search_opts_init(mph_search_opts *o, mph_algo a)
{
	memset(o, 0, sizeof *o);
	o->algo = a;
	o->seed = 1;
	o->delta = 1.0;
	o->kappa = (unsigned)a < MPH_ALGO_COUNT ? algos[a].kappa : 2.0;
	o->xi = 0.01;
	o->acq = MPH_ACQ_UCB;
	o->members = 5;
	o->cover = 0;
	/* morphling-gp: local steps once the best is 5 trials old
	 * (TUNING.md section 7: on the held-out Falcon and zoo models, 1 and 0
	 * runs of 54 and 96 never found the optimum instead of 4 and 6) */
	o->local.age = a == MPH_ALGO_MORPHLING_GP ? 5 : 0;
	o->local.top = 3;
	o->local.every = 2;
	o->profiles = NULL;
	o->profiles_weight = MPH_PROFILES_MODEL_WEIGHT;
	o->adapt.steps = -1; /* the model's own */
	o->scratch = mph_train_scratch;
	o->hidden[0] = o->hidden[1] = 128;
	o->nhidden = 2;
	mph_gp_opts_init(&o->gp);
}

void mph_search_args_init(mph_search_args *g)
{
	g->seed = 1;
	g->delta = g->kappa = g->xi = NAN;
	g->acq = -1;
	g->members = 0;
	g->cover = 0;
	g->fail_worst = 0;
	g->adapt_steps = -1;
	g->adapt_lr = -1;
	g->local.age = -1;
	g->local.top = g->local.every = 0;
	g->profiles = NULL;
	g->profiles_weight = NAN;
}

void mph_search_opts_apply(mph_search_opts *o, mph_algo a, const mph_search_args *g, const mph_model *model)
{
	mph_search_opts_init(o, a);
	o->seed = g->seed;
	if (!isnan(g->delta)) o->delta = g->delta;
	if (!isnan(g->kappa)) o->kappa = g->kappa;
	if (!isnan(g->xi)) o->xi = g->xi;
	if (g->acq >= 0) o->acq = (mph_acq)g->acq;
	if (g->members > 0) o->members = g->members;
	if (g->cover) o->cover = 1;
	if (g->fail_worst) o->fail_worst = 1;
	if (g->local.age >= 0) o->local.age = g->local.age;
	if (g->local.top > 0) o->local.top = g->local.top;
	if (g->local.every > 0) o->local.every = g->local.every;
	o->profiles = g->profiles;
	if (!isnan(g->profiles_weight)) o->profiles_weight = g->profiles_weight;
	if (g->profiles != NULL && a == MPH_ALGO_MORPHLING_GP && isnan(g->kappa)) o->kappa = MPH_PROFILES_KAPPA;
	if (g->adapt_steps >= 0 || g->adapt_lr >= 0) {
		/* an override of one setting keeps the model's others */
		if (model != NULL) o->adapt = model->adapt;
		if (g->adapt_steps >= 0) o->adapt.steps = g->adapt_steps;
		if (g->adapt_lr >= 0) o->adapt.lr = g->adapt_lr;
		if (o->adapt.steps < 0) {
			/* only a learning rate, and nothing says how many steps:
			 * those of MAML's default inner loop */
			mph_meta_opts d;
			mph_meta_opts_default(&d);
			o->adapt.steps = d.inner_steps;
		}
	}
}

int mph_search_check_metric(const mph_model *model, const char *model_path, const mph_objective *obj,
                            const char *obj_path, mph_error *err)
{
	if (strcmp(mph_objective_metric(obj), model->metric) == 0) return 0;
	return mph_error_set(err, obj_path, 0, 0, "metric '%s' is not the one model %s predicts ('%s')",
	                     mph_objective_metric(obj), model_path, model->metric);
}

/* Predictions over the candidate set, remembered by what produced them, so
 * that the model adapted on the previous step's trials (morphling's
 * f_before) is computed once per search in mph-eval and not every step. */
#define CACHE_SLOTS 4
typedef struct {
	uint64_t key;
	size_t n;
	double *pred;
	int used;
} cache_slot;

struct mph_search {
	mph_search_opts o;
	const mph_space *space;
	const mph_model *meta;  /* not owned: the model given */
	mph_model *own;         /* ernest without a model: a fresh network */
	mph_model *work;        /* what adapts */
	mph_gp *gp;
	size_t d;
	/* trials as the algorithms see them (history, then fantasies) */
	size_t nt, tcap;
	mph_trial *trials;
	double *trial_x;        /* nt x d: their features */
	double *trial_y;        /* nt: targets or residuals */
	double *trial_pred;     /* nt: a model's predictions at the trials */
	mph_trial *gp_trials;   /* the trials the GP sees (morphling-gp: those that worked) */
	double *gp_x, *gp_y;    /* their features and targets */
	size_t *config_scratch; /* nknobs: a trial's configuration while it is encoded */
	/* per candidate, what mph_suggestion reports */
	size_t ccap;
	double *pred_metric, *pred_utility, *uncertainty, *acquisition;
	double *scratch[3];     /* per-candidate working arrays, named where they are used */
	unsigned char *taken;
	uint64_t *sorted;       /* trial ids, sorted */
	size_t *perm;
	double *theta;          /* gp hyper-parameters kept across fantasies */
	int frozen;
	cache_slot cache[CACHE_SLOTS];
	struct { uint64_t key; double *theta; int used; } theta_cache[CACHE_SLOTS];
	unsigned tick;
	uint64_t cand_digest;
	double fail_u;          /* utility of a failed trial */
	int maximize;           /* the objective's direction (1 without one) */
	double ei;              /* the stopping rule's statistic of the last call */
};

static uint64_t mix(uint64_t a, uint64_t b)
{
	return mph_hash64(&b, sizeof b, mph_hash64(&a, sizeof a, 0x6d7068ULL));
}

mph_search *mph_search_new(const mph_space *space, const mph_model *model,
                           const mph_search_opts *o, mph_error *err)
{
	mph_search *s;
	if ((unsigned)o->algo >= MPH_ALGO_COUNT)
		return mph_error_set(err, NULL, 0, 0, "unknown algorithm"), NULL;
	if (mph_algo_needs_model(o->algo) && model == NULL) {
		mph_error_set(err, NULL, 0, 0, "algorithm '%s' needs a model", mph_algo_name(o->algo));
		return NULL;
	}
	if (model != NULL && mph_model_check_space(model, space, NULL, err) != 0) return NULL;
	s = mph_calloc(1, sizeof *s);
	s->o = *o;
	s->space = space;
	s->d = mph_space_nfeatures(space);
	s->meta = model;
	if (o->algo == MPH_ALGO_ERNEST && model == NULL) {
		mph_space *sc = mph_space_clone(space);
		s->own = mph_model_new(sc, mph_mlp_new(s->d, o->nhidden, o->hidden), "metric",
		                       MPH_NORM_MAX, err);
		if (s->own == NULL) { mph_space_free(sc); free(s); return NULL; }
		s->meta = s->own;
	}
	if (s->meta != NULL) s->work = mph_model_clone(s->meta);
	s->gp = mph_gp_new(s->d);
	s->theta = mph_malloc((s->d + 2) * sizeof *s->theta);
	return s;
}

void mph_search_free(mph_search *s)
{
	int i;
	if (s == NULL) return;
	mph_model_free(s->work);
	mph_model_free(s->own);
	mph_gp_free(s->gp);
	free(s->trials);
	free(s->trial_x);
	free(s->trial_y);
	free(s->trial_pred);
	free(s->gp_trials); free(s->gp_x); free(s->gp_y);
	free(s->config_scratch);
	free(s->pred_metric); free(s->pred_utility); free(s->uncertainty); free(s->acquisition);
	free(s->scratch[0]); free(s->scratch[1]); free(s->scratch[2]);
	free(s->taken);
	free(s->sorted);
	free(s->perm);
	free(s->theta);
	for (i = 0; i < CACHE_SLOTS; i++) {
		free(s->cache[i].pred);
		free(s->theta_cache[i].theta);
	}
	free(s);
}

const mph_search_opts *mph_search_options(const mph_search *s) { return &s->o; }

double mph_search_ei(const mph_search *s) { return s->ei; }

void mph_search_set_seed(mph_search *s, uint64_t seed) { s->o.seed = seed; }

/* ---- trials ---------------------------------------------------------------- */

static void push_trial(mph_search *s, const mph_trial *t)
{
	size_t nk = mph_space_nknobs(s->space);
	if (s->nt == s->tcap) {
		s->tcap = s->tcap ? 2 * s->tcap : 64;
		s->trials = mph_realloc(s->trials, s->tcap * sizeof *s->trials);
		s->trial_x = mph_realloc(s->trial_x, s->tcap * (s->d ? s->d : 1) * sizeof *s->trial_x);
		s->config_scratch = mph_realloc(s->config_scratch, (nk ? nk : 1) * sizeof *s->config_scratch);
	}
	s->trials[s->nt] = *t;
	mph_space_config_from_id(s->space, t->id, s->config_scratch);
	mph_space_encode(s->space, s->config_scratch, s->trial_x + s->nt * s->d);
	s->nt++;
}

/* What a failed or constraint-violating trial is worth: the worst any
 * working trial scored, and never more than 0 when maximising (a
 * configuration that does not run serves nothing). */
static double fail_utility(const mph_search *s, const mph_objective *obj)
{
	double worst = INFINITY;
	size_t i;
	for (i = 0; i < s->nt; i++)
		if (isfinite(s->trials[i].utility) && s->trials[i].utility < worst) worst = s->trials[i].utility;
	if (obj == NULL || mph_objective_maximize(obj)) return worst < 0.0 ? worst : 0.0;
	return isfinite(worst) ? worst : 0.0;
}

static double trial_utility(const mph_search *s, size_t i)
{
	return isfinite(s->trials[i].utility) ? s->trials[i].utility : s->fail_u;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Marks every candidate measured or fantasised; returns how many are open. */
static size_t mark_taken(mph_search *s, const mph_candidates *c)
{
	size_t i, n = mph_candidates_n(c), open = 0;
	s->sorted = mph_realloc(s->sorted, (s->nt ? s->nt : 1) * sizeof *s->sorted);
	for (i = 0; i < s->nt; i++) s->sorted[i] = s->trials[i].id;
	qsort(s->sorted, s->nt, sizeof *s->sorted, cmp_u64);
	for (i = 0; i < n; i++) {
		uint64_t id = mph_candidates_id(c, i);
		s->taken[i] = s->nt > 0 && bsearch(&id, s->sorted, s->nt, sizeof id, cmp_u64) != NULL;
		open += !s->taken[i];
	}
	return open;
}

/* ---- candidate utilities --------------------------------------------------- */

/* The utility of candidate i if its metric were m. A predicted constraint
 * violation is worth what a failure is. */
static int cand_utility(mph_search *s, const mph_candidates *c, size_t i, double m, double *u,
                        mph_error *err)
{
	mph_objective_result r;
	if (mph_candidates_score(c, i, m, &r, err) != 0) return -1;
	*u = r.violated >= 0 || !isfinite(r.utility) ? s->fail_u : r.utility;
	return 0;
}

/* Utility mean and sd for a metric mean m and sd sd, through the objective's
 * local slope (exact for the paper's objectives, linear in the metric). */
static int cand_utility_sd(mph_search *s, const mph_candidates *c, size_t i, double m, double sd,
                           double *u, double *usd, mph_error *err)
{
	double h = 1e-6 * (fabs(m) + sd) + 1e-12, u2;
	if (cand_utility(s, c, i, m, u, err) != 0) return -1;
	if (cand_utility(s, c, i, m + h, &u2, err) != 0) return -1;
	*usd = fabs(u2 - *u) / h * sd;
	return 0;
}

/* ---- models: adaptation, cached -------------------------------------------- */

static uint64_t trials_key(const mph_search *s, size_t k, int variant)
{
	uint64_t h = mix(s->cand_digest, ((uint64_t)variant << 32) ^ (uint64_t)k);
	size_t i;
	h = mix(h, s->o.seed);
	for (i = 0; i < k; i++) {
		h = mph_hash64(&s->trials[i].id, sizeof s->trials[i].id, h);
		h = mph_hash64(&s->trials[i].metric, sizeof s->trials[i].metric, h);
	}
	return h;
}

static double *cache_get(mph_search *s, uint64_t key, size_t n)
{
	int i;
	for (i = 0; i < CACHE_SLOTS; i++)
		if (s->cache[i].pred && s->cache[i].key == key && s->cache[i].n == n) {
			s->cache[i].used = (int)++s->tick;
			return s->cache[i].pred;
		}
	return NULL;
}

static double *cache_put(mph_search *s, uint64_t key, size_t n)
{
	int i, lru = 0;
	for (i = 1; i < CACHE_SLOTS; i++)
		if (s->cache[i].used < s->cache[lru].used) lru = i;
	s->cache[lru].pred = mph_realloc(s->cache[lru].pred, (n ? n : 1) * sizeof(double));
	s->cache[lru].key = key;
	s->cache[lru].n = n;
	s->cache[lru].used = (int)++s->tick;
	return s->cache[lru].pred;
}


/* Trial targets for the model: the metric, failures at the model's fail
 * value; with fail_worst, failures and constraint violations at the worst
 * metric of the trials that worked and met the constraints (a crash that
 * came early is not a cheap configuration, whatever it measured). */
static const double *targets(mph_search *s)
{
	double fail = s->work->fail_value, worst = NAN;
	size_t i;
	if (s->o.fail_worst) {
		for (i = 0; i < s->nt; i++) {
			const mph_trial *t = &s->trials[i];
			if (t->failed || !isfinite(t->utility) || !isfinite(t->metric)) continue;
			if (isnan(worst) || (s->maximize ? t->metric < worst : t->metric > worst)) worst = t->metric;
		}
		if (!isnan(worst)) fail = worst;
	}
	for (i = 0; i < s->nt; i++) {
		const mph_trial *t = &s->trials[i];
		int bad = t->failed || !isfinite(t->metric) || (s->o.fail_worst && !isfinite(t->utility));
		s->trial_y[i] = bad ? fail : t->metric;
	}
	return s->trial_y;
}

enum { ADAPT_FULL, ADAPT_NORM_ONLY };

/* The model adapted on the first k trials: its predictions over the
 * candidates into cand, and, when trial is non-NULL, over all trials. */
static int adapted_predict(mph_search *s, const mph_candidates *c, size_t k, int how,
                           double *cand, double *trial, mph_error *err)
{
	size_t n = mph_candidates_n(c), m = trial ? s->nt : 0;
	uint64_t key = trials_key(s, k, how + 1 + (trial ? 8 : 0));
	double *hit = cache_get(s, key, n + m), *slot;
	mph_train_opts none, *o = NULL;
	mph_rng rng;

	if (hit != NULL) {
		memcpy(cand, hit, n * sizeof *cand);
		if (trial) memcpy(trial, hit + n, m * sizeof *trial);
		return 0;
	}
	mph_model_reset(s->work, s->meta);
	mph_rng_seed(&rng, mix(s->o.seed, (uint64_t)k));
	if (s->o.algo == MPH_ALGO_ERNEST) {
		mph_model_init_random(s->work, &rng);
		o = &s->o.scratch;
	} else if (s->o.adapt.steps >= 0) {
		o = &s->o.adapt;
	}
	if (how == ADAPT_NORM_ONLY) {
		none = o ? *o : s->work->adapt;
		none.steps = 0;
		o = &none;
	}
	if (mph_model_adapt(s->work, s->trial_x, targets(s), k, o, &rng, err) != 0) return -1;
	mph_model_predict(s->work, mph_candidates_x(c), n, cand);
	if (trial) mph_model_predict(s->work, s->trial_x, m, trial);
	slot = cache_put(s, key, n + m);
	memcpy(slot, cand, n * sizeof *cand);
	if (trial) memcpy(slot + n, trial, m * sizeof *trial);
	return 0;
}

/* ---- the algorithms: each fills pred_metric, pred_utility, uncertainty and
 * acquisition of the open candidates ---- */

/* The paper's acquisition: predicted utility + delta * |change the latest
 * trial made to it|. ernest, finetune and morphling differ only in where
 * the network starts (random, pretrained, meta-trained). */
static int score_conf(mph_search *s, const mph_candidates *c, mph_error *err)
{
	size_t n = mph_candidates_n(c), i;
	double *before = s->scratch[0];
	if (adapted_predict(s, c, s->nt, ADAPT_FULL, s->pred_metric, NULL, err) != 0) return -1;
	/* With one trial or none there is no earlier adaptation in the same
	 * units: the prior (normalisation only) stands in for f_before. */
	if (s->nt >= 2) {
		if (adapted_predict(s, c, s->nt - 1, ADAPT_FULL, before, NULL, err) != 0) return -1;
	} else if (adapted_predict(s, c, s->nt, ADAPT_NORM_ONLY, before, NULL, err) != 0) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		double ub;
		if (s->taken[i]) continue;
		if (cand_utility(s, c, i, s->pred_metric[i], &s->pred_utility[i], err) != 0) return -1;
		if (cand_utility(s, c, i, before[i], &ub, err) != 0) return -1;
		s->uncertainty[i] = fabs(s->pred_utility[i] - ub);
		s->acquisition[i] = s->pred_utility[i] + s->o.delta * s->uncertainty[i];
	}
	return 0;
}

/* Adaptations on bootstrap resamples of the trials: the spread of their
 * predicted utilities is an uncertainty that stays where the trials do not
 * pin the surface down. acq = mean utility + kappa * sd. */
static int score_ensemble(mph_search *s, const mph_candidates *c, mph_error *err)
{
	size_t n = mph_candidates_n(c), nt = s->nt, i, e;
	size_t members = s->o.members > 1 ? (size_t)s->o.members : 2;
	double *su = s->scratch[0], *su2 = s->scratch[1], *pred = s->scratch[2];
	double *bx = mph_malloc((nt ? nt : 1) * (s->d ? s->d : 1) * sizeof *bx);
	double *bz = mph_malloc((nt ? nt : 1) * sizeof *bz);
	const double *y = targets(s);
	mph_train_opts o = s->o.adapt.steps >= 0 ? s->o.adapt : s->meta->adapt, none;
	int rc = 0;

	for (i = 0; i < n; i++) su[i] = su2[i] = s->pred_metric[i] = 0.0;
	none = o;
	none.steps = 0;
	for (e = 0; e < members && rc == 0; e++) {
		mph_rng rng;
		mph_rng_seed(&rng, mix(mix(s->o.seed, (uint64_t)nt), 1000 + e));
		mph_model_reset(s->work, s->meta);
		/* The normalisation comes from all trials, so that a resample that
		 * misses the best one does not rescale the member. */
		if (mph_model_adapt(s->work, s->trial_x, y, nt, &none, &rng, err) != 0) { rc = -1; break; }
		for (i = 0; i < nt; i++) {
			size_t j = (size_t)mph_rng_below(&rng, nt);
			memcpy(bx + i * s->d, s->trial_x + j * s->d, s->d * sizeof *bx);
			bz[i] = y[j];
		}
		mph_norm_apply(&s->work->task_norm, bz, nt, bz);
		if (nt > 0 && !isfinite(mph_mlp_train(s->work->mlp, bx, bz, nt, &o, &rng))) {
			rc = mph_error_set(err, NULL, 0, 0, "adaptation diverged (try a smaller learning rate)");
			break;
		}
		mph_model_predict(s->work, mph_candidates_x(c), n, pred);
		for (i = 0; i < n; i++) {
			double u;
			if (s->taken[i]) continue;
			if (cand_utility(s, c, i, pred[i], &u, err) != 0) { rc = -1; break; }
			su[i] += u;
			su2[i] += u * u;
			s->pred_metric[i] += pred[i];
		}
	}
	free(bx);
	free(bz);
	if (rc != 0) return -1;
	for (i = 0; i < n; i++) {
		double m, v;
		if (s->taken[i]) continue;
		m = su[i] / (double)members;
		v = (su2[i] - (double)members * m * m) / (double)(members - 1);
		s->pred_metric[i] /= (double)members;
		s->pred_utility[i] = m;
		s->uncertainty[i] = sqrt(v > 0.0 ? v : 0.0);
		s->acquisition[i] = m + s->o.kappa * s->uncertainty[i];
	}
	return 0;
}

/* The trials the GP's hyper-parameters are fitted on: all of them while
 * they are few, then the longest prefix whose length is a multiple of a
 * tenth of their number. A fit costs O(n^3) per likelihood evaluation and
 * hundreds of evaluations; between refits the hyper-parameters move little,
 * and a fit on a prefix is still a function of the history alone, so a
 * sequential search can take it from the cache. */
size_t mph_search_gp_refit_point(size_t n)
{
	size_t step = n / 10;
	if (n <= 30 || step <= 1) return n;
	return n - n % step;
}

/* Fits (or takes from the cache) the GP's hyper-parameters on a prefix of
 * the n points (trials t, features x, targets y), then conditions on all. */
static int gp_fit_or_condition(mph_search *s, const mph_trial *t, const double *x, const double *y,
                               size_t n, mph_error *err)
{
	mph_gp_opts go = s->o.gp;
	size_t m = mph_search_gp_refit_point(n), i;
	uint64_t key;
	int k;
	if (s->frozen) {
		/* a fantasy of the batch: same hyper-parameters, new data */
		mph_gp_set_hyper(s->gp, s->theta);
		return mph_gp_condition(s->gp, x, y, n, go.normalize, err);
	}
	key = mix(mix(s->o.seed, go.seed), (uint64_t)m);
	for (i = 0; i < m; i++) {
		key = mph_hash64(&t[i].id, sizeof t[i].id, key);
		key = mph_hash64(&y[i], sizeof y[i], key);
	}
	for (k = 0; k < CACHE_SLOTS; k++)
		if (s->theta_cache[k].used && s->theta_cache[k].key == key) break;
	if (k < CACHE_SLOTS) {
		memcpy(s->theta, s->theta_cache[k].theta, (s->d + 2) * sizeof *s->theta);
		s->theta_cache[k].used = (int)++s->tick;
	} else {
		int lru = 0;
		go.seed = mix(s->o.seed ^ go.seed, (uint64_t)m);
		if (mph_gp_fit(s->gp, x, y, m, &go, err) != 0) return -1;
		mph_gp_hyper(s->gp, s->theta);
		for (k = 1; k < CACHE_SLOTS; k++)
			if (s->theta_cache[k].used < s->theta_cache[lru].used) lru = k;
		s->theta_cache[lru].theta = mph_realloc(s->theta_cache[lru].theta, (s->d + 2) * sizeof *s->theta);
		memcpy(s->theta_cache[lru].theta, s->theta, (s->d + 2) * sizeof *s->theta);
		s->theta_cache[lru].key = key;
		s->theta_cache[lru].used = (int)++s->tick;
		if (m == n) return 0;
	}
	mph_gp_set_hyper(s->gp, s->theta);
	return mph_gp_condition(s->gp, x, y, n, go.normalize, err);
}

static double best_utility(const mph_search *s)
{
	double b = -INFINITY;
	size_t i;
	for (i = 0; i < s->nt; i++)
		if (trial_utility(s, i) > b) b = trial_utility(s, i);
	return b;
}

/* EI's margin xi is given as a fraction of the spread of the utilities seen,
 * so that one setting fits every objective's units. */
static double utility_sd(const mph_search *s)
{
	double m = 0.0, v = 0.0;
	size_t i;
	if (s->nt < 2) return 1.0;
	for (i = 0; i < s->nt; i++) m += trial_utility(s, i);
	m /= (double)s->nt;
	for (i = 0; i < s->nt; i++) v += (trial_utility(s, i) - m) * (trial_utility(s, i) - m);
	v = sqrt(v / (double)(s->nt - 1));
	return v > 0.0 ? v : 1.0;
}

/* CherryPick-style BO: a GP straight on the trials' utilities. */
static int score_gp(mph_search *s, const mph_candidates *c, mph_acq acq, mph_error *err)
{
	size_t n = mph_candidates_n(c), i;
	double best = best_utility(s), xi = s->o.xi * utility_sd(s);
	for (i = 0; i < s->nt; i++) s->trial_y[i] = trial_utility(s, i);
	if (gp_fit_or_condition(s, s->trials, s->trial_x, s->trial_y, s->nt, err) != 0) return -1;
	if (mph_gp_predict(s->gp, mph_candidates_x(c), n, s->pred_utility, s->uncertainty) != 0)
		return mph_error_set(err, NULL, 0, 0, "gaussian process: prediction failed");
	for (i = 0; i < n; i++) {
		double v = s->uncertainty[i];
		s->pred_metric[i] = NAN;
		s->uncertainty[i] = sqrt(v);
		s->acquisition[i] = acq == MPH_ACQ_UCB ? mph_gp_ucb(s->pred_utility[i], v, s->o.kappa)
		                               : mph_gp_ei(s->pred_utility[i], v, best, xi);
	}
	return 0;
}

/* A GP on the residuals of a model, in metric units: the model brings what
 * the profiled services share, the GP an uncertainty that grows away from
 * the trials, so a confident but wrong model cannot hold the search in one
 * region. vizier: the prior model unadapted (its normalisation fitted to
 * the trials only); morphling-gp: the model adapted on the trials. */
static int score_residual_gp(mph_search *s, const mph_candidates *c, int adapt, mph_error *err)
{
	size_t n = mph_candidates_n(c), i;
	double *prior = s->scratch[1], *residual = s->scratch[0], *r = s->trial_y, best, xi;
	const double *y;
	s->trial_pred = mph_realloc(s->trial_pred, (s->nt ? s->nt : 1) * sizeof *s->trial_pred);
	if (adapted_predict(s, c, s->nt, adapt ? ADAPT_FULL : ADAPT_NORM_ONLY, prior, s->trial_pred, err) != 0)
		return -1;
	y = targets(s);
	if (adapt && s->o.profiles != NULL)
		mph_profiles_blend(s->o.profiles, c, s->taken, s->trials, s->nt, s->o.profiles_weight, prior, s->trial_pred);
	for (i = 0; i < s->nt; i++) r[i] = y[i] - s->trial_pred[i];
	if (!adapt) {
		if (gp_fit_or_condition(s, s->trials, s->trial_x, r, s->nt, err) != 0) return -1;
	} else {
		/* morphling-gp: the GP models the residual of the working surface,
		 * so a failed trial (OOM...) is left to the adapted model, which
		 * learnt from every service where configurations fail. As a
		 * residual, its fail value would pull down its neighbours, and on
		 * the zoo the optimum is the neighbour of a failure: the smallest
		 * memory share its batch fits in (TUNING.md section 6). A failed
		 * configuration is never suggested again either way. */
		size_t ng = 0, j;
		s->gp_trials = mph_realloc(s->gp_trials, (s->nt ? s->nt : 1) * sizeof *s->gp_trials);
		s->gp_x = mph_realloc(s->gp_x, (s->nt ? s->nt : 1) * (s->d ? s->d : 1) * sizeof *s->gp_x);
		s->gp_y = mph_realloc(s->gp_y, (s->nt ? s->nt : 1) * sizeof *s->gp_y);
		for (i = 0; i < s->nt; i++) {
			if (s->trials[i].failed) continue;
			s->gp_trials[ng] = s->trials[i];
			for (j = 0; j < s->d; j++) s->gp_x[ng * s->d + j] = s->trial_x[i * s->d + j];
			s->gp_y[ng++] = r[i];
		}
		if (ng == 0) { /* nothing worked yet: every trial, as vizier */
			if (gp_fit_or_condition(s, s->trials, s->trial_x, r, s->nt, err) != 0) return -1;
		} else if (gp_fit_or_condition(s, s->gp_trials, s->gp_x, s->gp_y, ng, err) != 0) {
			return -1;
		}
	}
	if (mph_gp_predict(s->gp, mph_candidates_x(c), n, residual, s->uncertainty) != 0)
		return mph_error_set(err, NULL, 0, 0, "gaussian process: prediction failed");
	best = best_utility(s);
	xi = s->o.xi * utility_sd(s);
	for (i = 0; i < n; i++) {
		double usd;
		if (s->taken[i]) continue;
		s->pred_metric[i] = prior[i] + residual[i];
		if (cand_utility_sd(s, c, i, s->pred_metric[i], sqrt(s->uncertainty[i]), &s->pred_utility[i], &usd, err) != 0)
			return -1;
		s->uncertainty[i] = usd;
		s->acquisition[i] = s->o.acq == MPH_ACQ_UCB ? mph_gp_ucb(s->pred_utility[i], usd * usd, s->o.kappa)
		                                    : mph_gp_ei(s->pred_utility[i], usd * usd, best, xi);
	}
	return 0;
}

/* ---- coverage of categorical values ------------------------------------------ */

/* covered[off[k] + v]: value v of categorical knob k is in a trial that
 * worked, or in COVER_TRIES that failed. A failure says little about the
 * value (a memory share too small for the batch fails on any GPU), so it
 * does not end the look; two do, as a value may never work at all. */
#define COVER_TRIES 2
static unsigned char *coverage(const mph_search *s, size_t *off)
{
	size_t nk = mph_space_nknobs(s->space), k, i, tot = 0;
	size_t *idx = mph_malloc((nk ? nk : 1) * sizeof *idx);
	unsigned char *cov;
	for (k = 0; k < nk; k++) {
		off[k] = tot;
		if (mph_space_knob_type(s->space, k) == MPH_KNOB_CATEGORICAL) tot += mph_space_nvalues(s->space, k);
	}
	cov = mph_calloc(tot ? tot : 1, 1);
	for (i = 0; i < s->nt; i++) {
		mph_space_config_from_id(s->space, s->trials[i].id, idx);
		for (k = 0; k < nk; k++) {
			unsigned char *c = &cov[off[k] + idx[k]];
			if (mph_space_knob_type(s->space, k) != MPH_KNOB_CATEGORICAL) continue;
			if (!s->trials[i].failed) *c = COVER_TRIES;
			else if (*c < COVER_TRIES) (*c)++;
		}
	}
	free(idx);
	return cov;
}

/* Candidate i has a categorical value no trial has: the model's view of
 * it is a guess across services, not a measurement of this one. */
static int uncovered(const mph_search *s, const mph_candidates *c, size_t i, const unsigned char *cov,
                     const size_t *off)
{
	const size_t *cfg = mph_candidates_config(c, i);
	size_t nk = mph_space_nknobs(s->space), k;
	for (k = 0; k < nk; k++)
		if (mph_space_knob_type(s->space, k) == MPH_KNOB_CATEGORICAL && cov[off[k] + cfg[k]] < COVER_TRIES)
			return 1;
	return 0;
}

/* ---- the stopping rule's statistic ------------------------------------------- */

/* The most any open candidate is expected to improve on the best trial,
 * E[max(u - best, 0)] with u ~ N(predicted utility, uncertainty^2), over
 * |best| (the spread of the utilities seen when best is 0): what one more
 * sample is worth by the search's own model, in units that fit every
 * objective. The uncertainty is what the algorithm has: a GP's or an
 * ensemble's sd, morphling's |u_after - u_before|. NaN while no trial
 * worked. */
static double expected_improvement(const mph_search *s, const mph_candidates *c)
{
	size_t n = mph_candidates_n(c), i;
	double best = -INFINITY, scale, top = -INFINITY;
	for (i = 0; i < s->nt; i++)
		if (isfinite(s->trials[i].utility) && s->trials[i].utility > best) best = s->trials[i].utility;
	if (!isfinite(best)) return NAN;
	scale = best != 0.0 ? fabs(best) : utility_sd(s);
	for (i = 0; i < n; i++) {
		double sd = s->uncertainty[i], ei;
		if (s->taken[i] || isnan(s->pred_utility[i])) continue;
		if (!(sd >= 0.0)) sd = 0.0;
		ei = mph_gp_ei(s->pred_utility[i], sd * sd, best, 0.0);
		if (ei > top) top = ei;
	}
	return isfinite(top) ? top / scale : NAN;
}

/* ---- suggest ----------------------------------------------------------------- */

static void reserve_cand(mph_search *s, size_t n)
{
	if (n <= s->ccap) return;
	s->ccap = n;
	s->pred_metric = mph_realloc(s->pred_metric, n * sizeof *s->pred_metric);
	s->pred_utility = mph_realloc(s->pred_utility, n * sizeof *s->pred_utility);
	s->uncertainty = mph_realloc(s->uncertainty, n * sizeof *s->uncertainty);
	s->acquisition = mph_realloc(s->acquisition, n * sizeof *s->acquisition);
	s->scratch[0] = mph_realloc(s->scratch[0], n * sizeof *s->scratch[0]);
	s->scratch[1] = mph_realloc(s->scratch[1], n * sizeof *s->scratch[1]);
	s->scratch[2] = mph_realloc(s->scratch[2], n * sizeof *s->scratch[2]);
	s->taken = mph_realloc(s->taken, n);
	s->perm = mph_realloc(s->perm, n * sizeof *s->perm);
}

long mph_search_suggest(mph_search *s, const mph_candidates *c, const mph_history *h, size_t want,
                        mph_suggestion *out, mph_error *err)
{
	size_t n = mph_candidates_n(c), i, k;
	const mph_objective *obj = mph_candidates_objective(c);
	mph_rng rng;
	mph_algo a = s->o.algo;

	if (mph_space_digest(mph_candidates_space(c)) != mph_space_digest(s->space))
		return mph_error_set(err, NULL, 0, 0, "candidates come from another space than the search's");
	if (obj == NULL && mph_algo_needs_objective(a))
		return mph_error_set(err, NULL, 0, 0, "algorithm '%s' needs an objective", mph_algo_name(a));
	reserve_cand(s, n);
	s->cand_digest = 0x63616e64ULL;
	for (i = 0; i < n; i++) {
		uint64_t id = mph_candidates_id(c, i);
		s->cand_digest = mph_hash64(&id, sizeof id, s->cand_digest);
	}
	s->nt = 0;
	s->ei = NAN;
	s->maximize = obj == NULL || mph_objective_maximize(obj);
	for (i = 0; i < mph_history_n(h); i++) push_trial(s, mph_history_get(h, i));
	s->frozen = 0;
	/* random visits one permutation, drawn from the seed and the first
	 * trial's measurement (so every service is visited in an order of its
	 * own, and a pipeline's steps agree: a function of the trials); the
	 * others fall back on it when they have nothing to learn from yet */
	for (i = 0; i < n; i++) s->perm[i] = i;
	{
		uint64_t first = 0x72616e64ULL;
		if (s->nt > 0) {
			first = mix(first, s->trials[0].id);
			first = mph_hash64(&s->trials[0].metric, sizeof s->trials[0].metric, first);
		}
		mph_rng_seed(&rng, mix(s->o.seed, first));
	}
	mph_rng_shuffle(&rng, s->perm, n);

	for (k = 0; k < want; k++) {
		long pick = -1;
		int rc = 0, learnt = 1;
		mph_trial fantasy;
		if (mark_taken(s, c) == 0) break;
		s->trial_y = mph_realloc(s->trial_y, (s->nt ? s->nt : 1) * sizeof *s->trial_y);
		s->fail_u = fail_utility(s, obj);
		for (i = 0; i < n; i++) s->pred_metric[i] = s->pred_utility[i] = s->uncertainty[i] = s->acquisition[i] = NAN;
		switch (a) {
		case MPH_ALGO_RANDOM: case MPH_ALGO_GRID:
			learnt = 0;
			break;
		case MPH_ALGO_GP_UCB: case MPH_ALGO_GP_EI:
			if ((learnt = s->nt > 0))
				rc = score_gp(s, c, a == MPH_ALGO_GP_UCB ? MPH_ACQ_UCB : MPH_ACQ_EI, err);
			break;
		case MPH_ALGO_ERNEST:
			if ((learnt = s->nt > 0)) rc = score_conf(s, c, err);
			break;
		case MPH_ALGO_FINETUNE: case MPH_ALGO_MORPHLING:
			rc = score_conf(s, c, err);
			break;
		case MPH_ALGO_MORPHLING_ENS:
			rc = score_ensemble(s, c, err);
			break;
		case MPH_ALGO_VIZIER: case MPH_ALGO_MORPHLING_GP:
			if (s->nt == 0) rc = score_conf(s, c, err);
			else rc = score_residual_gp(s, c, a == MPH_ALGO_MORPHLING_GP, err);
			break;
		default:
			rc = mph_error_set(err, NULL, 0, 0, "unknown algorithm");
		}
		if (rc != 0) return -1;
		if (k == 0) s->ei = learnt ? expected_improvement(s, c) : NAN;
		if (a == MPH_ALGO_GRID) {
			for (i = 0; i < n && pick < 0; i++) if (!s->taken[i]) pick = (long)i;
		} else if (!learnt) {
			for (i = 0; i < n && pick < 0; i++) if (!s->taken[s->perm[i]]) pick = (long)s->perm[i];
		} else {
			/* highest acquisition; ties (and NaN) go to the earlier
			 * candidate. With cover, first among the candidates that
			 * bring a categorical value (a GPU type...) no trial has:
			 * the initial design fixes such knobs, so the model's view
			 * of the other values is extrapolated from other services,
			 * and one measurement of each, where the model rates it
			 * best, is cheap next to a search that never leaves it. */
			double best = -INFINITY;
			int pass;
			size_t *off = NULL;
			unsigned char *cov = NULL;
			/* once the best trial is old, a configuration a knob or two from
			 * the best trials (region.c): the surrogate may rank the
			 * optimum low forever */
			if (a == MPH_ALGO_MORPHLING_GP && mph_local_due(&s->o.local, s->trials, s->nt))
				pick = mph_local_pick(s->space, c, s->trials, s->nt, s->taken, s->pred_utility,
				                      s->o.local.top, MPH_LOCAL_KNOBS);
			if (pick < 0 && s->o.cover && a == MPH_ALGO_MORPHLING_GP) {
				off = mph_malloc((mph_space_nknobs(s->space) + 1) * sizeof *off);
				cov = coverage(s, off);
			}
			for (pass = cov ? 0 : 1; pass < 2 && pick < 0; pass++)
				for (i = 0; i < n; i++)
					if (!s->taken[i] && (pass == 1 || uncovered(s, c, i, cov, off)) &&
					    (pick < 0 || s->acquisition[i] > best)) {
						pick = (long)i;
						best = isnan(s->acquisition[i]) ? -INFINITY : s->acquisition[i];
					}
			free(off);
			free(cov);
		}
		out[k].cand = (size_t)pick;
		out[k].pred_metric = s->pred_metric[pick];
		out[k].pred_utility = s->pred_utility[pick];
		out[k].uncertainty = s->uncertainty[pick];
		out[k].acquisition = s->acquisition[pick];
		/* Batches by kriging believer (a constant liar whose lie is the
		 * model's own prediction): the pick joins the trials as if measured
		 * at its predicted value and the next pick is made from there, so it
		 * goes where the first one leaves uncertainty. GP hyper-parameters
		 * stay those fitted on the real trials. */
		fantasy.id = mph_candidates_id(c, (size_t)pick);
		fantasy.metric = s->pred_metric[pick];
		fantasy.utility = s->pred_utility[pick];
		fantasy.failed = 0;
		push_trial(s, &fantasy);
		if (learnt && mph_algo_uses_gp(a)) s->frozen = 1;
	}
	return (long)k;
}
