/* Local steps (search/region.c): the age of the best trial, when a step is
 * local, which configurations are near the best trials, and a search that
 * UCB alone keeps away from an isolated optimum next to its best trial
 * while the local steps find it. */
#include <string.h>
#include "search/search.h"
#include "unit.h"
#include "fixture.h"

/* x 1..12 (int), y 1..6 (int), kind a|b|c (categorical): 216 configurations */
static const char *space_text =
	"{\"knobs\": [{\"name\": \"x\", \"type\": \"int\", \"range\": [1, 12], \"step\": 1},"
	"{\"name\": \"y\", \"type\": \"int\", \"range\": [1, 6], \"step\": 1},"
	"{\"name\": \"kind\", \"type\": \"categorical\", \"values\": [\"a\", \"b\", \"c\"]}]}";
static const char *obj_text = "{\"metric\": \"perf\", \"direction\": \"max\", \"score\": \"metric\"}";

static mph_trial trial(double u)
{
	mph_trial t;
	t.id = 0;
	t.metric = u;
	t.utility = u;
	t.failed = 0;
	return t;
}

static void age_and_due(void)
{
	mph_trial t[6];
	mph_local_opts o = {3, 3, 2};
	t[0] = trial(1);
	t[1] = trial(5);
	t[2] = trial(5);  /* a tie does not raise the best */
	t[3] = trial(2);
	t[4] = trial(NAN);
	t[4].failed = 1;
	t[5] = trial(9);
	CHECK(mph_local_age(t, 0) == 0);
	CHECK(mph_local_age(t, 1) == 0);
	CHECK(mph_local_age(t, 2) == 0);
	CHECK(mph_local_age(t, 3) == 1);
	CHECK(mph_local_age(t, 5) == 3);
	CHECK(mph_local_age(t, 6) == 0);
	t[5].failed = 1; /* a failure never raises it, whatever its utility */
	CHECK(mph_local_age(t, 6) == 4);
	/* age 3: local, 4: not (every 2nd), 5: local */
	CHECK(mph_local_due(&o, t, 5));
	CHECK(!mph_local_due(&o, t, 6));
	t[5] = trial(0);
	CHECK(!mph_local_due(&o, t, 4));
	o.every = 1;
	CHECK(mph_local_due(&o, t, 6));
	o.age = 0; /* off */
	CHECK(!mph_local_due(&o, t, 6));
}

static size_t cand_at(const mph_space *s, const mph_candidates *c, size_t x, size_t y, size_t kind)
{
	size_t i, idx[3] = {x, y, kind};
	uint64_t id = mph_space_config_id(s, idx);
	for (i = 0; i < mph_candidates_n(c); i++)
		if (mph_candidates_id(c, i) == id) return i;
	return (size_t)-1;
}

/* The configurations near the best trials: those that differ from one of
 * them in the fewest knobs (one value changed, by any number of steps, is
 * one knob), at most maxd; measured ones and NaN scores are not. */
static void rings(const mph_space *s, const mph_candidates *c)
{
	size_t n = mph_candidates_n(c), i, x, y;
	double *score = mph_malloc(n * sizeof *score);
	unsigned char *taken = mph_calloc(n, 1);
	mph_trial t[3];
	for (i = 0; i < n; i++) score[i] = 0;
	t[0] = trial(10);
	t[0].id = mph_candidates_id(c, cand_at(s, c, 1, 1, 0)); /* x=2, y=2, a: the best */
	t[1] = trial(4);
	t[1].id = mph_candidates_id(c, cand_at(s, c, 4, 3, 1));
	t[2] = trial(7);
	t[2].id = mph_candidates_id(c, cand_at(s, c, 0, 0, 0));
	taken[cand_at(s, c, 1, 1, 0)] = taken[cand_at(s, c, 4, 3, 1)] = taken[cand_at(s, c, 0, 0, 0)] = 1;
	/* top 1: one knob from the best trial first, the highest score */
	score[cand_at(s, c, 1, 1, 2)] = 9;   /* kind c */
	score[cand_at(s, c, 1, 1, 1)] = 8;   /* kind b */
	score[cand_at(s, c, 3, 1, 0)] = 7;   /* x two steps on: still one knob */
	score[cand_at(s, c, 2, 2, 0)] = 100; /* two knobs: after every one-knob one */
	CHECK(mph_local_pick(s, c, t, 3, taken, score, 1, 2) == (long)cand_at(s, c, 1, 1, 2));
	taken[cand_at(s, c, 1, 1, 2)] = 1;
	CHECK(mph_local_pick(s, c, t, 3, taken, score, 1, 2) == (long)cand_at(s, c, 1, 1, 1));
	taken[cand_at(s, c, 1, 1, 1)] = 1;
	CHECK(mph_local_pick(s, c, t, 3, taken, score, 1, 2) == (long)cand_at(s, c, 3, 1, 0));
	for (x = 0; x < 12; x++) taken[cand_at(s, c, x, 1, 0)] = 1;
	for (y = 0; y < 6; y++) taken[cand_at(s, c, 1, y, 0)] = 1;
	CHECK(mph_local_pick(s, c, t, 3, taken, score, 1, 2) == (long)cand_at(s, c, 2, 2, 0));
	CHECK(mph_local_pick(s, c, t, 3, taken, score, 1, 1) == -1); /* one knob only: none open */
	/* top 2 brings the third trial (7 beats 4), top 3 the second */
	memset(taken, 0, n);
	taken[cand_at(s, c, 1, 1, 0)] = taken[cand_at(s, c, 4, 3, 1)] = taken[cand_at(s, c, 0, 0, 0)] = 1;
	for (i = 0; i < n; i++) score[i] = 0;
	score[cand_at(s, c, 4, 3, 2)] = 100; /* one knob from the worst trial only */
	score[cand_at(s, c, 0, 0, 2)] = 60;  /* one knob from the third only */
	score[cand_at(s, c, 1, 1, 1)] = 50;  /* one knob from the best */
	CHECK(mph_local_pick(s, c, t, 3, taken, score, 1, 2) == (long)cand_at(s, c, 1, 1, 1));
	CHECK(mph_local_pick(s, c, t, 3, taken, score, 2, 2) == (long)cand_at(s, c, 0, 0, 2));
	CHECK(mph_local_pick(s, c, t, 3, taken, score, 3, 2) == (long)cand_at(s, c, 4, 3, 2));
	CHECK(mph_local_pick(s, c, t, 3, taken, score, 0, 2) == (long)cand_at(s, c, 4, 3, 2)); /* 0: all */
	/* a failed trial is never a top one, whatever its utility */
	t[1].failed = 1;
	CHECK(mph_local_pick(s, c, t, 3, taken, score, 3, 2) == (long)cand_at(s, c, 0, 0, 2));
	t[1].failed = 0;
	/* three knobs from every top trial is too far; a NaN score is never picked */
	for (i = 0; i < n; i++) score[i] = NAN;
	score[cand_at(s, c, 3, 3, 2)] = 1; /* 3 knobs from the best, 2 from the worst */
	CHECK(mph_local_pick(s, c, t, 3, taken, score, 1, 2) == -1);
	CHECK(mph_local_pick(s, c, t, 3, taken, score, 3, 2) == (long)cand_at(s, c, 3, 3, 2));
	CHECK(mph_local_pick(s, c, t, 3, taken, score, 3, 1) == -1);
	free(score);
	free(taken);
}

/* The surface: a gentle slope up towards large x and y, which the model
 * has learnt, and the incumbent (x=2, y=2, a) alone above it in a dip,
 * next to the isolated optimum (x=2, y=3, a), its one open neighbour: the
 * model knows nothing of either, and the dip around the incumbent tells
 * the residual GP that nothing good is near it. */
static double perf(const mph_space *s, uint64_t id)
{
	size_t idx[3];
	mph_space_config_from_id(s, id, idx);
	if (idx[0] == 1 && idx[1] == 2 && idx[2] == 0) return 12.0;  /* the spike */
	if (idx[0] == 1 && idx[1] == 1 && idx[2] == 0) return 10.0;  /* the incumbent */
	if ((idx[0] <= 2 && idx[1] == 1 && idx[2] == 0) || (idx[0] == 1 && idx[1] <= 1)) return 6.0;
	return 6.0 + 0.3 * (double)idx[0] + 0.1 * (double)idx[1] - 0.3 * (double)idx[2];
}

static double trend(const size_t *idx)
{
	return 6.0 + 0.3 * (double)idx[0] + 0.1 * (double)idx[1];
}

static void measure(const mph_space *s, const mph_candidates *c, mph_history *h, size_t cand)
{
	mph_trial t;
	t.id = mph_candidates_id(c, cand);
	t.metric = t.utility = perf(s, t.id);
	t.failed = 0;
	mph_history_add(h, &t);
}

/* steps taken until the spike is suggested (steps + 1: never) */
static int search(const mph_space *s, const mph_model *m, const mph_candidates *c, int age, int steps)
{
	mph_search_opts o;
	mph_search *se;
	mph_history *h = mph_history_new();
	mph_suggestion sg;
	mph_error err;
	int k, found = steps + 1;
	size_t spike = cand_at(s, c, 1, 2, 0), i;
	/* the corners, the incumbent and its neighbours but the spike */
	static const size_t start[][3] = {{0, 0, 0}, {11, 0, 0}, {0, 5, 0}, {11, 5, 0}, {1, 1, 0},
	                                  {0, 1, 0}, {2, 1, 0}, {1, 0, 0}, {1, 1, 1}, {1, 1, 2}};
	mph_search_opts_init(&o, MPH_ALGO_MORPHLING_GP);
	o.local.age = age;
	o.local.top = 1;
	o.local.every = 1;
	o.adapt.steps = 0; /* the model stays as taught */
	o.seed = 3;
	se = mph_search_new(s, m, &o, &err);
	CHECK(se != NULL);
	if (se == NULL) return -1;
	for (i = 0; i < sizeof start / sizeof *start; i++) measure(s, c, h, cand_at(s, c, start[i][0], start[i][1], start[i][2]));
	for (k = 1; k <= steps; k++) {
		CHECK(mph_search_suggest(se, c, h, 1, &sg, &err) == 1);
		if (sg.cand == spike) { found = k; break; }
		measure(s, c, h, sg.cand);
	}
	mph_search_free(se);
	mph_history_free(h);
	return found;
}

static void finds_spike(const mph_space *s, const mph_candidates *c)
{
	size_t hidden[1] = {16}, n = mph_candidates_n(c), i;
	json_t *js = mph_space_to_json(s);
	mph_model *m = mph_model_new(mph_space_from_json(js, NULL, NULL),
	                             mph_mlp_new(mph_space_nfeatures(s), 1, hidden), "perf", MPH_NORM_NONE, NULL);
	double *y = mph_malloc(n * sizeof *y);
	mph_train_opts to = {MPH_OPT_ADAM, 3000, 0.01, 0, 0};
	mph_rng rng;
	int plain, local;
	json_decref(js);
	mph_rng_seed(&rng, 2);
	mph_mlp_init(m->mlp, &rng);
	for (i = 0; i < n; i++) y[i] = trend(mph_candidates_config(c, i));
	mph_mlp_train(m->mlp, mph_candidates_x(c), y, n, &to, &rng);
	free(y);
	/* the best trial is the incumbent, the 5th of 10: 5 old at once */
	plain = search(s, m, c, 0, 40);
	local = search(s, m, c, 6, 30);
	fprintf(stderr, "spike suggested after %d steps by UCB alone (41: not within 40), %d with local steps\n", plain, local);
	CHECK(plain > 40); /* 57 when written */
	/* local steps from step 2 (the incumbent 6 trials old) over the 13 open
	 * configurations one knob from it, the spike among them */
	CHECK(local >= 2 && local <= 14);
	mph_model_free(m);
}

int main(void)
{
	unit_fixture f;
	CHECK(unit_fixture_open(&f, space_text, obj_text) == 0 && mph_candidates_n(f.cand) == 216);
	age_and_due();
	if (f.cand) {
		rings(f.space, f.cand);
		finds_spike(f.space, f.cand);
	}
	unit_fixture_close(&f);
	return UNIT_DONE();
}
