/* Profiles (search/profiles.c): the measured surfaces of other services
 * blended into morphling-gp's prior: a profile that fits the trials up to a
 * factor takes the weight and brings its shape where the trials say
 * nothing; one that failed where the trials worked loses its weight;
 * configurations no profile knows keep the model's prediction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "search/search.h"
#include "unit.h"
#include "fixture.h"

/* x 1..4 (int), kind a|b (categorical): 8 configurations, id = 2 (x - 1) + kind */
static const char *space_text =
	"{\"knobs\": [{\"name\": \"x\", \"type\": \"int\", \"range\": [1, 4], \"step\": 1},"
	"{\"name\": \"kind\", \"type\": \"categorical\", \"values\": [\"a\", \"b\"]}]}";
static const char *obj_text = "{\"metric\": \"perf\", \"direction\": \"max\", \"score\": \"metric\"}";

/* The service searched: perf = 10 x on a, 5 x on b (its best: x=4, a). */
static double truth(size_t id) { return (id % 2 ? 5.0 : 10.0) * (double)(id / 2 + 1); }

static mph_trial trial(size_t id, double v)
{
	mph_trial t;
	t.id = id;
	t.metric = t.utility = v;
	t.failed = 0;
	return t;
}

/* like: the truth times 3 everywhere (a relative measured elsewhere);
 * flat: 1 everywhere; oom: the truth, but x=1 failed and x=4 never measured. */
static mph_trace *write_trace(const mph_space *s, const char *rows, mph_error *err)
{
	char path[] = "/tmp/mph-test-profiles-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	mph_trace *t;
	if (fp == NULL) return NULL;
	fputs("task,x,kind,perf,status\n", fp);
	fputs(rows, fp);
	fclose(fp);
	t = mph_trace_load(path, s, "perf", 0.0, err);
	unlink(path);
	return t;
}

static void blend(const mph_space *s, const mph_candidates *c)
{
	char rows[2048] = "";
	size_t id, n = mph_candidates_n(c), i;
	mph_error err;
	mph_trace *t;
	mph_profiles *p;
	mph_trial tr[3];
	double cand[8], tp[3];
	unsigned char keep[3] = {1, 1, 0};
	for (id = 0; id < 8; id++) {
		char line[128];
		snprintf(line, sizeof line, "like,%zu,%s,%.17g,ok\nflat,%zu,%s,1,ok\n", id / 2 + 1, id % 2 ? "b" : "a",
		         3.0 * truth(id), id / 2 + 1, id % 2 ? "b" : "a");
		strcat(rows, line);
		if (id / 2 == 3) continue; /* oom never measured x=4 */
		if (id / 2 == 0) snprintf(line, sizeof line, "oom,1,%s,,oom\n", id % 2 ? "b" : "a");
		else snprintf(line, sizeof line, "oom,%zu,%s,%.17g,ok\n", id / 2 + 1, id % 2 ? "b" : "a", truth(id));
		strcat(rows, line);
	}
	t = write_trace(s, rows, &err);
	CHECK(t != NULL && mph_trace_ntasks(t) == 3);
	if (t == NULL) return;
	/* the trials: x=1 a, x=2 b, x=3 a, all at the truth */
	tr[0] = trial(0, truth(0));
	tr[1] = trial(3, truth(3));
	tr[2] = trial(4, truth(4));

	/* like alone beside flat: like fits exactly (offset log 1/3), flat does
	 * not, so the prior is model^0.7 * truth^0.3 wherever the model is 2 */
	p = mph_profiles_new(t, keep, s, &err);
	CHECK(p != NULL && mph_profiles_ntasks(p) == 2);
	for (i = 0; i < n; i++) cand[i] = 2.0;
	for (i = 0; i < 3; i++) tp[i] = 2.0;
	mph_profiles_blend(p, c, NULL, tr, 3, 0.7, cand, tp);
	{
		/* flat's offset is the trials' mean log, its mse their variance;
		 * its weight exp(-mse / 0.2) against like's 1 */
		double m = 0.0, e = 0.0, wf;
		size_t k;
		for (k = 0; k < 3; k++) m += log(truth(tr[k].id)) / 3.0;
		for (k = 0; k < 3; k++) e += (log(truth(tr[k].id)) - m) * (log(truth(tr[k].id)) - m) / 3.0;
		wf = exp(-e / 0.2);
		CHECK(wf > 0.01 && wf < 0.9); /* both count */
		for (i = 0; i < n; i++) {
			double lt = (log(truth(mph_candidates_id(c, i))) + wf * m) / (1.0 + wf);
			CHECK_NEAR(cand[i], exp(0.7 * log(2.0) + 0.3 * lt), 1e-9);
		}
		for (k = 0; k < 3; k++) {
			double lt = (log(truth(tr[k].id)) + wf * m) / (1.0 + wf);
			CHECK_NEAR(tp[k], exp(0.7 * log(2.0) + 0.3 * lt), 1e-9);
		}
	}
	/* the candidates skipped and those the model predicts no positive value
	 * for keep the model's */
	{
		unsigned char skip[8] = {0, 0, 0, 0, 0, 0, 0, 1};
		for (i = 0; i < n; i++) cand[i] = 2.0;
		cand[6] = -1.0;
		mph_profiles_blend(p, c, skip, tr, 3, 0.7, cand, NULL);
		CHECK(cand[7] == 2.0);
		CHECK(cand[6] == -1.0);
		CHECK(cand[5] != 2.0);
	}
	/* model weight 1: the model alone */
	for (i = 0; i < n; i++) cand[i] = 2.0;
	mph_profiles_blend(p, c, NULL, tr, 3, 1.0, cand, NULL);
	for (i = 0; i < n; i++) CHECK_NEAR(cand[i], 2.0, 1e-12);
	mph_profiles_free(p);

	/* oom alone: it failed at x=1 where the trial worked, yet it is the only
	 * profile, so it takes the weight; x=4 it never measured: the model */
	keep[0] = keep[1] = 0;
	keep[2] = 1;
	p = mph_profiles_new(t, keep, s, &err);
	CHECK(p != NULL && mph_profiles_ntasks(p) == 1);
	for (i = 0; i < n; i++) cand[i] = 2.0;
	mph_profiles_blend(p, c, NULL, tr, 3, 0.5, cand, NULL);
	CHECK_NEAR(cand[6], 2.0, 1e-12);
	CHECK_NEAR(cand[7], 2.0, 1e-12);
	CHECK_NEAR(cand[5], exp(0.5 * log(2.0) + 0.5 * log(truth(5))), 1e-9);
	CHECK_NEAR(cand[0], 2.0, 1e-12); /* a failure is no value */
	mph_profiles_free(p);

	/* like beside oom: oom fits the values that worked as well as like, but
	 * its failure where the trial worked costs it the weight (10 x 1/3 in
	 * squared log error): the blend is like's to 1e-7 */
	keep[0] = 1;
	keep[1] = 0;
	p = mph_profiles_new(t, keep, s, &err);
	for (i = 0; i < n; i++) cand[i] = 2.0;
	mph_profiles_blend(p, c, NULL, tr, 3, 0.0, cand, NULL);
	CHECK_NEAR(cand[5], truth(5), 1e-6 * truth(5));
	mph_profiles_free(p);

	/* no task kept: an error, not an empty blend */
	keep[0] = keep[1] = keep[2] = 0;
	CHECK(mph_profiles_new(t, keep, s, &err) == NULL);
	CHECK(strcmp(err.text, "profiles: no task to take a profile from") == 0);
	mph_trace_free(t);
}

int main(void)
{
	unit_fixture f;
	size_t i;
	CHECK(unit_fixture_open(&f, space_text, obj_text) == 0 && mph_candidates_n(f.cand) == 8);
	for (i = 0; f.cand && i < 8; i++) CHECK(mph_candidates_id(f.cand, i) == i);
	if (f.cand) blend(f.space, f.cand);
	unit_fixture_close(&f);
	return UNIT_DONE();
}
