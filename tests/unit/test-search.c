/* Search: a suggestion depends only on the candidates, history, options and
 * seed. One search object reused over a whole search (mph-eval, with its
 * caches) must choose what a fresh object per step (mph-suggest) chooses;
 * batches are distinct and skip the history; failures are never re-picked. */
#include <string.h>
#include "search/search.h"
#include "unit.h"
#include "fixture.h"

static const char *space_text =
	"{\"knobs\": [{\"name\": \"x\", \"type\": \"int\", \"range\": [1, 6], \"step\": 1},"
	"{\"name\": \"y\", \"type\": \"int\", \"range\": [1, 4], \"step\": 1},"
	"{\"name\": \"kind\", \"type\": \"categorical\", \"values\": [\"a\", \"b\"]}]}";
static const char *obj_text =
	"{\"metric\": \"perf\", \"direction\": \"max\", \"score\": \"metric_per_cost\","
	" \"cost\": {\"base\": 1, \"terms\": [{\"knob\": \"x\", \"price\": 0.5}]}}";

static double perf(const mph_space *s, uint64_t id, int *failed)
{
	size_t idx[3];
	double x, y;
	mph_space_config_from_id(s, id, idx);
	x = mph_space_value(s, 0, idx[0]);
	y = mph_space_value(s, 1, idx[1]);
	*failed = x == 6 && y == 4;
	return *failed ? 0.0 : 20 - (x - 4) * (x - 4) - (y - 3) * (y - 3) + 3.0 * (double)idx[2];
}

static void measure(const mph_space *s, const mph_candidates *c, mph_history *h, size_t cand)
{
	mph_trial t;
	mph_objective_result r;
	t.id = mph_candidates_id(c, cand);
	t.metric = perf(s, t.id, &t.failed);
	t.utility = NAN;
	if (!t.failed && mph_candidates_score(c, cand, t.metric, &r, NULL) == 0) t.utility = r.utility;
	mph_history_add(h, &t);
}

static void same_as_fresh(const mph_space *s, const mph_model *model, const mph_candidates *c,
                          mph_algo a, int steps)
{
	mph_search_opts o;
	mph_search *kept, *fresh;
	mph_history *h = mph_history_new();
	mph_suggestion sk, sf;
	mph_error err;
	int i, differ = 0;

	mph_search_opts_init(&o, a);
	o.seed = 5;
	kept = mph_search_new(s, model, &o, &err);
	CHECK(kept != NULL);
	if (kept == NULL) return;
	measure(s, c, h, 0);
	measure(s, c, h, 47);
	for (i = 0; i < steps; i++) {
		fresh = mph_search_new(s, model, &o, &err);
		CHECK(mph_search_suggest(kept, c, h, 1, &sk, &err) == 1);
		CHECK(mph_search_suggest(fresh, c, h, 1, &sf, &err) == 1);
		if (sk.cand != sf.cand || memcmp(&sk.acquisition, &sf.acquisition, sizeof(double)) != 0) differ++;
		mph_search_free(fresh);
		measure(s, c, h, sk.cand);
	}
	if (differ) fprintf(stderr, "%s: %d steps differ\n", mph_algo_name(a), differ);
	CHECK(differ == 0);
	mph_search_free(kept);
	mph_history_free(h);
}

static void batch(const mph_space *s, const mph_model *model, const mph_candidates *c, mph_algo a)
{
	mph_search_opts o;
	mph_search *se;
	mph_history *h = mph_history_new();
	mph_suggestion sg[6];
	mph_error err;
	long got, i, j;
	size_t k;

	mph_search_opts_init(&o, a);
	se = mph_search_new(s, model, &o, &err);
	for (k = 0; k < 48; k += 7) measure(s, c, h, k);
	for (k = 0; k < mph_candidates_n(c); k++) /* the failing configurations */
		if (mph_candidates_config(c, k)[0] == 5 && mph_candidates_config(c, k)[1] == 3) measure(s, c, h, k);
	got = mph_search_suggest(se, c, h, 6, sg, &err);
	CHECK(got == 6);
	for (i = 0; i < got; i++) {
		for (j = 0; j < i; j++) CHECK(sg[i].cand != sg[j].cand);
		for (k = 0; k < mph_history_n(h); k++) CHECK(mph_history_get(h, k)->id != mph_candidates_id(c, sg[i].cand));
	}
	mph_search_free(se);
	mph_history_free(h);
}

/* morphling-gp's GP sees only the trials that worked: with a model that
 * does not adapt (no steps, no normalisation), adding a failed trial leaves
 * every suggestion as it was, while vizier's GP (every trial) moves. */
static void gp_ignores_failures(const mph_space *s, const mph_candidates *c)
{
	size_t hidden[1] = {8}, i, fail = 0;
	mph_rng rng;
	json_t *js = mph_space_to_json(s);
	mph_model *m = mph_model_new(mph_space_from_json(js, NULL, NULL),
	                             mph_mlp_new(mph_space_nfeatures(s), 1, hidden), "perf", MPH_NORM_NONE, NULL);
	mph_history *h1 = mph_history_new(), *h2 = mph_history_new();
	static const size_t ok[] = {0, 7, 13, 22, 30, 41};
	mph_algo algos[2] = {MPH_ALGO_MORPHLING_GP, MPH_ALGO_VIZIER};
	int a;
	json_decref(js);
	mph_rng_seed(&rng, 4);
	mph_mlp_init(m->mlp, &rng);
	for (i = 0; i < mph_candidates_n(c); i++) {
		int failed;
		perf(s, mph_candidates_id(c, i), &failed);
		if (failed) fail = i;
	}
	for (i = 0; i < sizeof ok / sizeof *ok; i++) {
		measure(s, c, h1, ok[i]);
		measure(s, c, h2, ok[i]);
	}
	measure(s, c, h2, fail);
	CHECK(mph_history_get(h2, mph_history_n(h2) - 1)->failed);
	for (a = 0; a < 2; a++) {
		mph_search_opts o;
		mph_search *se;
		mph_suggestion g1[3], g2[3];
		mph_error err;
		mph_search_opts_init(&o, algos[a]);
		o.adapt.steps = 0;
		se = mph_search_new(s, m, &o, &err);
		CHECK(mph_search_suggest(se, c, h1, 3, g1, &err) == 3);
		CHECK(mph_search_suggest(se, c, h2, 3, g2, &err) == 3);
		for (i = 0; i < 3; i++) CHECK(g1[i].cand != fail);
		if (algos[a] == MPH_ALGO_MORPHLING_GP) {
			for (i = 0; i < 3; i++)
				CHECK(g1[i].cand == g2[i].cand && g1[i].pred_metric == g2[i].pred_metric &&
				      g1[i].acquisition == g2[i].acquisition);
		} else {
			int differ = 0;
			for (i = 0; i < 3; i++) differ |= g1[i].acquisition != g2[i].acquisition;
			CHECK(differ);
		}
		mph_search_free(se);
	}
	mph_history_free(h1);
	mph_history_free(h2);
	mph_model_free(m);
}

int main(void)
{
	unit_fixture f;
	int ok = unit_fixture_open(&f, space_text, obj_text) == 0;
	mph_space *s = f.space;
	mph_candidates *c = f.cand;
	size_t hidden[2] = {16, 16}, i;
	mph_rng rng;
	mph_model *model;
	mph_history *h;
	mph_suggestion sg;
	mph_error err;
	json_t *js2;

	CHECK(ok && mph_candidates_n(c) == 48);
	if (!ok) return UNIT_DONE();
	js2 = mph_space_to_json(s);
	mph_rng_seed(&rng, 1);
	model = mph_model_new(mph_space_from_json(js2, NULL, NULL),
	                      mph_mlp_new(mph_space_nfeatures(s), 2, hidden), "perf", MPH_NORM_MAX, NULL);
	mph_mlp_init(model->mlp, &rng);

	same_as_fresh(s, model, c, MPH_ALGO_MORPHLING, 12);
	same_as_fresh(s, model, c, MPH_ALGO_MORPHLING_GP, 12);
	same_as_fresh(s, model, c, MPH_ALGO_VIZIER, 6);
	same_as_fresh(s, model, c, MPH_ALGO_ERNEST, 4);
	same_as_fresh(s, NULL, c, MPH_ALGO_GP_UCB, 40); /* past 30 trials: fits on a prefix */
	same_as_fresh(s, NULL, c, MPH_ALGO_RANDOM, 10);
	for (i = 0; i < MPH_ALGO_COUNT; i++) batch(s, model, c, (mph_algo)i);
	gp_ignores_failures(s, c);

	/* every candidate measured: nothing, no error */
	h = mph_history_new();
	for (i = 0; i < 48; i++) measure(s, c, h, i);
	{
		mph_search_opts o;
		mph_search *se;
		mph_search_opts_init(&o, MPH_ALGO_MORPHLING);
		se = mph_search_new(s, model, &o, &err);
		CHECK(mph_search_suggest(se, c, h, 3, &sg, &err) == 0);
		mph_search_free(se);
		/* a model-based algorithm without a model is refused */
		CHECK(mph_search_new(s, NULL, &o, &err) == NULL);
		CHECK(strcmp(err.text, "algorithm 'morphling' needs a model") == 0);
	}
	/* the stopping rule: the best trial's age, and the rule on it and ei */
	{
		mph_history *g = mph_history_new();
		mph_trial t = {0, 5.0, 5.0, 0};
		mph_stop_opts so;
		char why[256];
		mph_search_opts o;
		mph_search *se, *fresh;
		mph_suggestion two[2];
		double ei;
		CHECK(mph_stop_best_age(g) == -1);
		t.utility = NAN; t.failed = 1;
		mph_history_add(g, &t);
		CHECK(mph_stop_best_age(g) == -1);
		t.id = 1; t.utility = 5.0; t.failed = 0;
		mph_history_add(g, &t);
		CHECK(mph_stop_best_age(g) == 0);
		t.id = 2; t.utility = 4.0;
		mph_history_add(g, &t);
		t.id = 3; t.utility = 5.0; /* a tie is no improvement */
		mph_history_add(g, &t);
		CHECK(mph_stop_best_age(g) == 2);
		mph_stop_opts_init(&so);
		so.patience = 2;
		so.ei = 0.01;
		CHECK(mph_stop_fires(&so, 2, 0.005) == 1);
		CHECK(mph_stop_fires(&so, 2, 0.01) == 0);
		CHECK(mph_stop_fires(&so, 1, 0.0) == 0);
		CHECK(mph_stop_fires(&so, 2, NAN) == 1);  /* nothing predicted: patience alone */
		CHECK(mph_stop_fires(&so, -1, NAN) == 0); /* nothing worked */
		CHECK(mph_stop_check(&so, g, NAN, why, sizeof why) == 1);
		CHECK(strcmp(why, "the best trial is 2 samples old (patience 2) after 4 trials") == 0);
		CHECK(mph_stop_check(&so, g, 0.00123, why, sizeof why) == 1);
		CHECK(strcmp(why, "expected improvement 0.123% of the best (below 1%), the best trial 2 samples old "
		                  "(patience 2), after 4 trials") == 0);
		mph_history_free(g);
		/* ei: NaN for random, for a GP a number >= 0 that a fresh search
		 * object gives alike (a function of the trials) */
		g = mph_history_new();
		for (i = 0; i < 10; i++) measure(s, c, g, (i * 7) % 48);
		mph_search_opts_init(&o, MPH_ALGO_RANDOM);
		se = mph_search_new(s, NULL, &o, &err);
		CHECK(mph_search_suggest(se, c, g, 1, &sg, &err) == 1 && isnan(mph_search_ei(se)));
		mph_search_free(se);
		mph_search_opts_init(&o, MPH_ALGO_MORPHLING_GP);
		se = mph_search_new(s, model, &o, &err);
		fresh = mph_search_new(s, model, &o, &err);
		/* a batch's fantasies do not count: ei is the first pick's */
		CHECK(mph_search_suggest(se, c, g, 2, two, &err) == 2);
		ei = mph_search_ei(se);
		CHECK(isfinite(ei) && ei >= 0);
		CHECK(mph_search_suggest(fresh, c, g, 1, &sg, &err) == 1 && mph_search_ei(fresh) == ei);
		mph_search_free(se);
		mph_search_free(fresh);
		mph_history_free(g);
	}
	CHECK(mph_search_gp_refit_point(30) == 30);
	CHECK(mph_search_gp_refit_point(47) == 44);
	CHECK(mph_search_gp_refit_point(100) == 100);
	CHECK(mph_search_gp_refit_point(109) == 100);
	{
		mph_algo a;
		CHECK(mph_algo_parse("morphling-gp", &a) == 0 && a == MPH_ALGO_MORPHLING_GP);
		CHECK(mph_algo_parse("nope", &a) == -1);
		for (i = 0; i < MPH_ALGO_COUNT; i++)
			CHECK(mph_algo_parse(mph_algo_name((mph_algo)i), &a) == 0 && a == (mph_algo)i);
	}
	mph_history_free(h);
	mph_model_free(model);
	unit_fixture_close(&f);
	json_decref(js2);
	return UNIT_DONE();
}
