/* Evaluation: percentiles, summary statistics of runs, splits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "eval/eval.h"
#include "unit.h"

static void test_percentile(void)
{
	double v[5] = {5, 1, 4, 2, 3}, w[4] = {1, 2, INFINITY, INFINITY}, one = 7;
	CHECK_NEAR(mph_percentile(v, 5, 0.5), 3, 0);
	CHECK_NEAR(mph_percentile(v, 5, 0), 1, 0);
	CHECK_NEAR(mph_percentile(v, 5, 1), 5, 0);
	CHECK_NEAR(mph_percentile(v, 5, 0.9), 4.6, 1e-12);   /* numpy: 4.6 */
	CHECK_NEAR(mph_percentile(v, 5, 0.1), 1.4, 1e-12);
	CHECK(v[0] == 5 && v[1] == 1);                       /* left unsorted */
	CHECK_NEAR(mph_percentile(w, 4, 0.25), 1.75, 1e-12);
	CHECK(isinf(mph_percentile(w, 4, 0.5)));              /* between 2 and inf */
	CHECK(isinf(mph_percentile(w, 4, 0.9)));
	CHECK_NEAR(mph_percentile(&one, 1, 0.9), 7, 0);
	CHECK(isnan(mph_percentile(v, 0, 0.5)));
}

static void test_stats(void)
{
	long budgets[3] = {2, 4, 10};
	double levels[3] = {0.7, 0.99, 1};
	/* run a reaches the optimum at sample 3; run b never does, cap 5 */
	double a[3] = {0.5, 0.8, 1}, b[5] = {0.6, 0.6, 0.7, 0.995, 0.995};
	mph_eval_stats *st = mph_eval_stats_new(budgets, 3, levels, 3);
	mph_eval_stat s;
	mph_eval_stats_add(st, "x", a, 3);
	mph_eval_stats_add(st, "x", b, 5);
	mph_eval_stats_add(st, "y", a, 3);
	CHECK(mph_eval_stats_nalgos(st) == 2);
	CHECK(strcmp(mph_eval_stats_algo(st, 1), "y") == 0);
	CHECK(mph_eval_stats_runs(st, 0) == 2);
	/* budget 2: 0.8 and 0.6 */
	CHECK(mph_eval_stats_budget(st, 0, 0, &s) == 0);
	CHECK(s.runs == 2 && s.reached == 0);
	CHECK_NEAR(s.median, 0.7, 1e-12);
	/* budget 4: a stays at 1 after it stopped, b is 0.995 */
	CHECK(mph_eval_stats_budget(st, 0, 1, &s) == 0);
	CHECK(s.runs == 2 && s.reached == 1);
	CHECK_NEAR(s.median, 0.9975, 1e-12);
	/* budget 10: b stopped short without the optimum and says nothing */
	CHECK(mph_eval_stats_budget(st, 0, 2, &s) == 0);
	CHECK(s.runs == 1 && s.reached == 1);
	CHECK_NEAR(s.median, 1, 0);
	/* 70 %: a at 2, b at 3 */
	CHECK(mph_eval_stats_level(st, 0, 0, &s) == 0);
	CHECK(s.reached == 2);
	CHECK_NEAR(s.median, 2.5, 1e-12);
	/* 99 %: a at 3, b at 4; 100 %: b never */
	mph_eval_stats_level(st, 0, 1, &s);
	CHECK_NEAR(s.median, 3.5, 1e-12);
	mph_eval_stats_level(st, 0, 2, &s);
	CHECK(s.reached == 1 && s.runs == 2);
	CHECK(isinf(s.p10) && isinf(s.median) && isinf(s.p90)); /* 3 and inf */
	mph_eval_stats_free(st);
	mph_eval_stats_free(NULL);
}

static void test_split(void)
{
	const char *tasks[6] = {"bert_a", "gpt2_a", "bert_b", "resnet_a", "gpt2_b", "vgg"};
	const char *test[2] = {"vgg", "bert_a"};
	const char *bad[1] = {"nope"};
	mph_error err;
	mph_split *sp;
	size_t f, t, n;

	sp = mph_split_names(tasks, 6, test, 2, 1, &err);
	CHECK(sp != NULL && sp->nfolds == 1);
	CHECK(mph_split_is_test(sp, 0, 5) && mph_split_is_test(sp, 0, 0) && !mph_split_is_test(sp, 0, 1));
	mph_split_free(sp);
	sp = mph_split_names(tasks, 6, test, 2, 0, &err);   /* the names are the training tasks */
	CHECK(sp != NULL && !mph_split_is_test(sp, 0, 5) && mph_split_is_test(sp, 0, 1));
	mph_split_free(sp);
	CHECK(mph_split_names(tasks, 6, bad, 1, 1, &err) == NULL);
	CHECK(strcmp(err.text, "no task 'nope' in the trace") == 0);
	CHECK(mph_split_names(tasks, 6, tasks, 6, 1, &err) == NULL);
	CHECK(strcmp(err.text, "the split leaves no task to train on") == 0);

	sp = mph_split_loo(6, &err);
	CHECK(sp != NULL && sp->nfolds == 6);
	for (f = 0; f < 6; f++)
		for (t = 0; t < 6; t++) CHECK(mph_split_is_test(sp, f, t) == (f == t));
	mph_split_free(sp);

	/* groups bert, gpt2, resnet, vgg dealt in name order to 2 folds */
	sp = mph_split_kfold(tasks, 6, 2, "_", &err);
	CHECK(sp != NULL && sp->nfolds == 2);
	CHECK(mph_split_is_test(sp, 0, 0) && mph_split_is_test(sp, 0, 2));  /* bert */
	CHECK(mph_split_is_test(sp, 1, 1) && mph_split_is_test(sp, 1, 4));  /* gpt2 */
	CHECK(mph_split_is_test(sp, 0, 3));                                 /* resnet */
	CHECK(mph_split_is_test(sp, 1, 5));                                 /* vgg */
	for (t = 0; t < 6; t++) {
		for (n = 0, f = 0; f < 2; f++) n += (size_t)mph_split_is_test(sp, f, t);
		CHECK(n == 1);   /* every task tested exactly once */
	}
	mph_split_free(sp);
	CHECK(mph_split_kfold(tasks, 6, 5, "_", &err) == NULL);
	CHECK(strcmp(err.text, "5 folds asked for, but the trace has 4 task groups (2..4 folds possible)") == 0);
	sp = mph_split_kfold(tasks, 6, 6, NULL, &err);
	CHECK(sp != NULL && sp->nfolds == 6);
	mph_split_free(sp);
}

/* Repeats by hand, objective rps per unit of cost (cost 1 + 0.5 x):
 *   key 7 (cost 2): 10, 30, failed, 20 -> median 20, score 10, min 10, max 30
 *   key 3 (cost 1): 9, 12            -> median 10.5, score 10.5
 *   key 9 (cost 2): 20               -> 20, score 10: ties key 7 on utility
 *                                       and cost; key 7 was measured first
 *   key 5: failed only               -> unranked */
static void test_repeats(void)
{
	json_error_t je;
	json_t *jo = json_loads("{\"metric\": \"rps\", \"direction\": \"max\", \"score\": \"metric_per_cost\","
	                        " \"cost\": {\"base\": 1, \"terms\": [{\"knob\": \"x\", \"price\": 0.5}]}}", 0, &je);
	mph_objective *o = mph_objective_from_json(jo, "objective", NULL);
	mph_repeat_row rows[8] = {
		{7, 1, 10, 2}, {3, 1, 9, 1}, {7, 1, 30, 2}, {5, 0, NAN, NAN},
		{7, 0, NAN, NAN}, {9, 1, 20, 2}, {3, 1, 12, 1}, {7, 1, 20, 2}};
	mph_repeat rep[8];
	size_t ranked[8], nranked;
	const char *f[4][2] = {{"1", "a"}, {"1.0", "a"}, {"1", "b"}, {"2", "a"}};
	const char *const *fields[4] = {f[0], f[1], f[2], f[3]};
	unsigned char both[2] = {1, 1}, first[2] = {1, 0};
	uint64_t key[4];
	CHECK(o != NULL);
	CHECK(mph_repeats_group(o, rows, 8, rep, ranked, &nranked, NULL) == 4);
	CHECK(rep[0].first == 0 && rep[0].nrows == 4 && rep[0].nvalid == 3);
	CHECK(rep[0].median == 20 && rep[0].min == 10 && rep[0].max == 30);
	CHECK(rep[0].res.score == 10 && rep[0].res.cost == 2);
	CHECK(rep[1].first == 1 && rep[1].nvalid == 2 && rep[1].median == 10.5 && rep[1].res.score == 10.5);
	CHECK(rep[2].first == 3 && rep[2].nvalid == 0 && rep[2].rank == 0 && isnan(rep[2].median));
	CHECK(rep[3].first == 5 && rep[3].median == 20);
	CHECK(nranked == 3 && ranked[0] == 1 && ranked[1] == 0 && ranked[2] == 3);
	CHECK(rep[1].rank == 1 && rep[0].rank == 2 && rep[3].rank == 3);
	/* configurations by their columns: 1 and 1.0 are one value */
	mph_repeats_keys(fields, 4, both, 2, key);
	CHECK(key[0] == 0 && key[1] == 0 && key[2] == 2 && key[3] == 3);
	mph_repeats_keys(fields, 4, first, 2, key);
	CHECK(key[0] == 0 && key[1] == 0 && key[2] == 0 && key[3] == 3);
	mph_objective_free(o);
	json_decref(jo);
}

/* The race by hand, latency minimised (utility -metric), top 2:
 *   key 1: 10, 12, 11      first 10  mean 11  sum of squares 2
 *   key 2: 9, 13           first 9   mean 11  sum of squares 8
 *   key 3: 20              first 20: not in the top 2
 *   key 4: failed, then 5  its first row failed: no contender
 * Contenders key 2, key 1 (by first row); equal means: the first
 * contender leads; sd sqrt(10 / 3), both in the race; with MOST 3 only
 * key 2 (2 rows) is to measure again. */
static void test_race(void)
{
	json_error_t je;
	json_t *jo = json_loads("{\"metric\": \"p99_ms\", \"direction\": \"min\", \"score\": \"metric\"}", 0, &je);
	mph_objective *o = mph_objective_from_json(jo, "objective", NULL);
	mph_repeat_row rows[8] = {
		{1, 1, 10, NAN}, {2, 1, 9, NAN}, {3, 1, 20, NAN}, {4, 0, NAN, NAN},
		{1, 1, 12, NAN}, {2, 1, 13, NAN}, {4, 1, 5, NAN}, {1, 1, 11, NAN}};
	mph_repeat_row flat[4] = {{1, 1, 10, NAN}, {2, 1, 12, NAN}, {1, 1, 10, NAN}, {2, 1, 12, NAN}};
	mph_repeat_row none[2] = {{1, 0, NAN, NAN}, {2, 0, NAN, NAN}};
	mph_repeat rep[8];
	mph_race race[8];
	size_t ranked[8], nranked, nc = 99;
	mph_race_opts ro;
	mph_race_opts_init(&ro);
	CHECK(ro.top == 8 && ro.most == 8 && ro.z == 2);
	ro.top = 2;
	ro.most = 3;
	CHECK(o != NULL);
	CHECK(mph_repeats_group(o, rows, 8, rep, ranked, &nranked, NULL) == 4);
	CHECK(mph_repeats_race(o, rows, 8, rep, 4, &ro, race, &nc, NULL) == 1);
	CHECK(nc == 2);
	CHECK(race[0].group == 1 && race[0].nrows == 2 && race[0].nvalid == 2 && race[0].mean == -11);
	CHECK(race[0].alive && race[0].again);
	CHECK(race[1].group == 0 && race[1].nrows == 3 && race[1].nvalid == 3 && race[1].mean == -11);
	CHECK(race[1].alive && !race[1].again);
	/* MOST 4: both again; top 1: alone, nothing to race */
	ro.most = 4;
	CHECK(mph_repeats_race(o, rows, 8, rep, 4, &ro, race, &nc, NULL) == 1);
	CHECK(race[0].again && race[1].again);
	ro.top = 1;
	CHECK(mph_repeats_race(o, rows, 8, rep, 4, &ro, race, &nc, NULL) == 1);
	CHECK(nc == 1 && race[0].group == 1 && !race[0].again);
	/* no spread in the repeats: any gap ends the race */
	ro.top = 8;
	ro.most = 8;
	CHECK(mph_repeats_group(o, flat, 4, rep, ranked, &nranked, NULL) == 2);
	CHECK(mph_repeats_race(o, flat, 4, rep, 2, &ro, race, &nc, NULL) == 0);
	CHECK(nc == 2 && race[0].group == 0 && race[0].mean == -10 && race[1].mean == -12);
	CHECK(race[0].alive && !race[1].alive && !race[0].again && !race[1].again);
	/* before any repeat: no noise to judge by, all in the race */
	CHECK(mph_repeats_race(o, flat, 2, rep, 2, &ro, race, &nc, NULL) == 0);
	CHECK(nc == 2 && race[0].alive && race[1].alive && race[0].again && race[1].again);
	/* nothing worked: no contender */
	CHECK(mph_repeats_group(o, none, 2, rep, ranked, &nranked, NULL) == 2);
	CHECK(mph_repeats_race(o, none, 2, rep, 2, &ro, race, &nc, NULL) == -1 && nc == 0);
	mph_objective_free(o);
	json_decref(jo);
}

/* The summary as mph-eval writes it: fractions of the optimum to 4 decimals
 * (never 1 below the optimum), samples to a tenth, and a percentile that
 * touches a run that never reached the level as ">" its lower bound, each
 * such run counted as the samples it took. */
static void test_stats_write(void)
{
	long budgets[1] = {2};
	double levels[2] = {0.5, 1};
	double r1[3] = {0.123456, 0.99996, 1}, r2[2] = {0.2, 0.99996}, r3[5] = {0.1, 0.123456, 0.2, 0.7, 0.8};
	const char *want =
		"algo,measure,at,runs,reached,p10,median,p90\n"
		"x,best,2,3,0,0.2988,0.9999,0.9999\n"
		"x,samples,50,3,3,2,2,3.6\n"
		"x,samples,100,3,1,>2.2,>3,>4.6\n"
		"x,stop,samples,2,1,7.5,9.5,11.5\n"
		"x,stop,quality,2,1,0.9999,0.9999,0.9999\n";
	mph_eval_stats *st = mph_eval_stats_new(budgets, 1, levels, 2);
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	mph_eval_stats_add(st, "x", r1, 3);
	mph_eval_stats_add(st, "x", r2, 2);
	mph_eval_stats_add(st, "x", r3, 5);
	mph_eval_stats_add_stop(st, "x", 7, 1, 0.99996);
	mph_eval_stats_add_stop(st, "x", 12, 0, 1);
	mph_eval_stats_write(st, fp);
	fclose(fp);
	CHECK(strcmp(text, want) == 0);
	if (strcmp(text, want) != 0) fprintf(stderr, "got:\n%s", text);
	free(text);
	mph_eval_stats_free(st);
}

int main(void)
{
	test_repeats();
	test_race();
	test_percentile();
	test_stats();
	test_stats_write();
	test_split();
	return UNIT_DONE();
}
