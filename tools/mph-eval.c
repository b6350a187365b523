/* mph-eval: replay whole searches over a fully profiled trace, in process,
 * with the library code mph-suggest and mph-probe --replay run, and measure
 * what each algorithm costs to find every test task's optimum. */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <unistd.h>
#include "tool.h"

static const char usage_line[] =
	"usage: mph-eval [-hqv] -O OBJECTIVE [-a ALGO,...] [-m MODEL] [-p MODEL] [-s SPACE] [-r RUNS]\n"
	"                [--seed N] [--cap N] [--summary] [--log FILE] [--stop] [--noise SD]\n"
	"                [--race TOP,MOST[,Z] | --race off | --confirm N,R] [split] [options] TRACE\n"
	"       mph-eval --from-log [--budgets N,...] [--levels P,...] [--stop] LOG...\n";

typedef struct {
	const char *algos, *model, *pretrained, *objective, *space, *log;
	const char *test_tasks, *train_tasks, *group_sep, *corners, *fix, *meta_seeds;
	const char *budgets, *levels;
	long cap, runs, kfold;
	int loo, summary, from_log, no_initial, verbose, quiet, keep_going;
	int stop, stop_set;       /* --stop; a --stop-* option was given */
	mph_stop_opts stop_opts;
	double noise;             /* --noise SD */
	long confirm_top, confirm_times; /* --confirm N,R */
	long random_initial;      /* --random-initial K */
	int profiles;             /* --profiles: each fold's training tasks as profiles */
	int race;                 /* --race: 1 race, 0 off, -1 unset (a race under --noise) */
	mph_race_opts race_opts;  /* --race TOP,MOST[,Z] */
	mph_search_args search;   /* seed: the first run's */
	mph_model_train_opts train;
} settings;

static void defaults(settings *st)
{
	memset(st, 0, sizeof *st);
	st->algos = "morphling";
	st->cap = 100;
	st->runs = 1;
	st->meta_seeds = "1";
	st->budgets = "10,20,30,50";
	st->levels = "70,80,90,95,99,100";
	mph_search_args_init(&st->search);
	mph_model_train_opts_init(&st->train);
	mph_stop_opts_init(&st->stop_opts);
	mph_race_opts_init(&st->race_opts);
	st->race = -1;
}

static void help(void)
{
	settings d;
	char a[32], b[32], c[32], e[32], z[32];
	defaults(&d);
	printf("%s\n"
	       "For each test task of TRACE (CSV with a `task` column, the knob columns and\n"
	       "the measured columns), each algorithm and each seed: measure the initial\n"
	       "design, then one suggested configuration at a time, looked up in the trace,\n"
	       "until the task's optimum under OBJECTIVE is measured or --cap samples are\n"
	       "taken. Writes one CSV row per sample: task, algo, meta_seed, seed, step,\n"
	       "phase, the configuration, status, value (objective score), best (so far),\n"
	       "norm_best (best / optimum). With --summary, writes instead the statistics of\n"
	       "mph-eval(1): normalised best at each budget, samples to each level.\n\n"
	       "  -O, --objective FILE   what to optimise (mph-objective(5)); required\n"
	       "  -a, --algos A,...      algorithms, as mph-suggest --algo names them [%s]\n"
	       "  -m, --model FILE       meta-model for morphling* (one fold; else trained here)\n"
	       "  -p, --pretrained FILE  pretrained model for finetune and vizier (one fold)\n"
	       "  -s, --space FILE       the space [the model's, else derived from TRACE]\n"
	       "  -r, --runs N           seeds per task and algorithm: --seed .. --seed+N-1 [%ld]\n"
	       "      --seed N           first search seed [%llu]\n"
	       "      --cap N            the most samples per search, initial design included [%ld]\n"
	       "      --summary          write the summary statistics instead of the log\n"
	       "      --log FILE         also write the per-step log to FILE (complete or absent)\n"
	       "      --budgets N,...    budgets of the summary, in samples [%s]\n"
	       "      --levels P,...     levels of the summary, percent of the optimum [%s]\n"
	       "      --from-log         summarise the logs given as operands; run nothing\n"
	       "      --keep-going       a search that fails (e.g. its adaptation diverges) is\n"
	       "                         counted as stuck at its last sample, with a warning\n"
	       "      --stop             the stopping rule of mph-suggest --stop: a search goes on\n"
	       "                         past the optimum until the rule fires (or the cap);\n"
	       "                         the log gets columns ei and age, the summary rows\n"
	       "                         stop,samples and stop,quality; with --from-log, where\n"
	       "                         the rule would have stopped the logged runs\n"
	       "      --stop-ei X        relative expected improvement to stop below [%s]\n"
	       "      --stop-patience K  samples the best trial must be old [%ld]\n"
	       "      --noise SD         each measurement the search sees is the trace's value\n"
	       "                         times exp(SD N(0,1)); norm_best is then the true worth\n"
	       "                         of the configuration recommended (as --race says), and\n"
	       "                         searches run to the cap [0]\n"
	       "      --race TOP,MOST[,Z] before each recommendation, race the best TOP\n"
	       "                         configurations as mph-pick --race does (each measured\n"
	       "                         at most MOST times; out Z standard errors behind the\n"
	       "                         leader [%s]) and recommend its leader, as tune.mk\n"
	       "                         does; off: recommend as mph-pick --median does from\n"
	       "                         the search's measurements [%zu,%zu with --noise]\n"
	       "      --confirm N,R      instead, measure the best N configurations by\n"
	       "                         mph-pick --median R more times each [none]\n"
	       "  -v, --verbose          one line per search and per model trained on stderr\n"
	       "  -q, --quiet            not even a line per model trained when stderr is a\n"
	       "                         terminal\n"
	       "  -h, --help             this help\n"
	       "      --version          print the version\n\n"
	       "Split (which tasks are tested; the others train the models):\n"
	       "      --test-tasks T,... test tasks by name, or a FILE of names, one a line\n"
	       "      --train-tasks T,... train tasks, likewise; the others are tested\n"
	       "      --loo              leave one task out: one fold per task\n"
	       "      --kfold K          K folds of task groups (held out together)\n"
	       "      --group-sep CHARS  a task's group is its name up to one of CHARS [each\n"
	       "                         task its own group]\n"
	       "  With -m and no split: the tasks the model was not trained on.\n\n"
	       "Initial design (as mph-space -i):\n"
	       "      --corners K,...    corner knobs [the space's]\n"
	       "      --fix K=V,...      values of the other knobs [the space's]\n"
	       "      --no-initial       no initial design: the algorithm chooses from the start\n"
	       "      --random-initial K K configurations of each task drawn at random (seeded\n"
	       "                         by the search seed and the task) instead of the corners\n\n"
	       "Search (as mph-suggest; unset: each algorithm's default):\n"
	       "      --delta X, --kappa X, --xi X, --acq ucb|ei, --members N, --cover, --fail-worst,\n"
	       "      --local AGE[,TOP[,EVERY]],\n"
	       "      --adapt-steps N, --adapt-lr X\n"
	       "      --profiles         morphling-gp: the tasks the fold does not test as\n"
	       "                         profiles (mph-suggest --profiles)\n"
	       "      --profiles-weight W  the adapted model's share of the prior [%g]\n\n"
	       "Models trained here, per fold and meta-seed (as mph-metatrain -O OBJECTIVE: rows\n"
	       "that break its constraints are learnt as failed ones, with --fail-worst as the\n"
	       "worst that served):\n"
	       "      --meta-seeds N,... training seeds; each gives its own runs [%s]\n"
	       "      --ensemble N       networks per model, each from its own seed [%zu]\n"
	       "      --hidden N,...     hidden layers [128,128]\n"
	       "      --iters N [%d]  --meta-batch N [%d]  --shots K [%d]  --query N [%d]\n"
	       "      --inner-steps D [%d]  --inner-lr A [%s]  --outer-lr B [%s]\n"
	       "      --first-order      first-order MAML\n"
	       "      --norm RULE        max, zscore, none [%s]\n"
	       "      --fail-value X     metric of a failed configuration [%s]\n\n"
	       "See mph-eval(1).\n",
	       usage_line, d.algos, d.runs, (unsigned long long)d.search.seed, d.cap, d.budgets, d.levels,
	       mph_fmt_double(e, d.stop_opts.ei), d.stop_opts.patience, mph_fmt_double(z, d.race_opts.z), d.race_opts.top, d.race_opts.most,
	       MPH_PROFILES_MODEL_WEIGHT, d.meta_seeds, d.train.members,
	       d.train.meta.iters, d.train.meta.meta_batch, d.train.meta.shots,
	       d.train.meta.query, d.train.meta.inner_steps, mph_fmt_double(a, d.train.meta.inner_lr),
	       mph_fmt_double(b, d.train.meta.outer_lr), mph_norm_name(d.train.meta.norm),
	       mph_fmt_double(c, d.train.fail_value));
}

/* OPT_SEARCH options go to tool_search_opt, OPT_TRAIN ones to tool_train_opt. */
enum {
	OPT_BUDGETS = 256, OPT_CAP, OPT_CORNERS, OPT_FIRST_ORDER, OPT_FIX, OPT_FROM_LOG, OPT_GROUP_SEP,
	OPT_HIDDEN, OPT_KEEP_GOING, OPT_KFOLD, OPT_LEVELS, OPT_LOG, OPT_LOO, OPT_META_SEEDS, OPT_NO_INITIAL,
	OPT_SEARCH, OPT_SUMMARY, OPT_TEST_TASKS, OPT_TRAIN, OPT_TRAIN_TASKS, OPT_VERSION, OPT_STOP,
	OPT_STOP_OPT, OPT_NOISE, OPT_CONFIRM, OPT_RANDOM_INITIAL, OPT_RACE, OPT_PROFILES
};

/* ---- lists of numbers ---- */

static long *parse_longs(const char *opt, const char *s, long lo, long hi, size_t *n)
{
	char **v = tool_split(s, n);
	long *out = tool_alloc((*n + 1) * sizeof *out);
	size_t i;
	for (i = 0; i < *n; i++)
		if (tool_long_opt(opt, v[i], lo, hi, &out[i]) != 0) { free(v); free(out); return NULL; }
	free(v);
	return out;
}

static double *parse_levels(const char *s, size_t *n)
{
	char **v = tool_split(s, n);
	double *out = tool_alloc((*n + 1) * sizeof *out);
	size_t i;
	for (i = 0; i < *n; i++) {
		if (tool_double_opt("--levels", v[i], 1e-9, 100, &out[i]) != 0) { free(v); free(out); return NULL; }
		out[i] /= 100;
	}
	free(v);
	return out;
}

/* ---- the per-step log ---- */

typedef struct {
	FILE *fp;                 /* NULL: no log */
	const mph_space *space;
	const char *algo;
	const char *meta_seed;    /* "" when no model was trained here */
	uint64_t seed;
	size_t steps;             /* samples logged so far */
	int stop;                 /* columns ei and age */
} log_ctx;

static void log_header(FILE *fp, const mph_space *s, int stop)
{
	size_t k;
	fputs("task,algo,meta_seed,seed,step,phase", fp);
	for (k = 0; k < mph_space_nknobs(s); k++) {
		putc(',', fp);
		mph_csv_write_field(fp, mph_space_knob_name(s, k));
	}
	fputs(stop ? ",status,value,best,norm_best,ei,age\n" : ",status,value,best,norm_best\n", fp);
}

static void log_step(void *ctx, const mph_eval_task *t, const mph_eval_step *st)
{
	log_ctx *lc = ctx;
	size_t k;
	lc->steps = st->step;
	if (lc->fp == NULL) return;
	mph_csv_write_field(lc->fp, mph_eval_task_name(t));
	putc(',', lc->fp);
	mph_csv_write_field(lc->fp, lc->algo);
	fprintf(lc->fp, ",%s,%llu,%zu,%s", lc->meta_seed, (unsigned long long)lc->seed, st->step,
	        st->initial ? "initial" : "search");
	for (k = 0; k < mph_space_nknobs(lc->space); k++) {
		putc(',', lc->fp);
		mph_csv_write_field(lc->fp, mph_space_value_str(lc->space, k, st->config[k]));
	}
	fputs(st->trial->failed ? ",failed," : isnan(st->trial->utility) ? ",violated," : ",ok,", lc->fp);
	mph_csv_write_double(lc->fp, st->value);
	putc(',', lc->fp);
	mph_csv_write_double(lc->fp, st->best);
	putc(',', lc->fp);
	mph_csv_write_double(lc->fp, st->norm_best);
	if (lc->stop) {
		putc(',', lc->fp);
		mph_csv_write_double(lc->fp, st->ei);
		fprintf(lc->fp, ",%ld", st->age);
	}
	putc('\n', lc->fp);
}

/* ---- the evaluation ---- */

typedef struct {
	settings *st;
	mph_space *space;
	mph_objective *obj;
	mph_replay *replay;
	mph_trace *trace;         /* for training, only when models are trained here */
	mph_trace *ptrace;        /* --profiles: the whole trace, as the model's metric */
	mph_profiles *profiles;   /* --profiles: the fold's training tasks */
	mph_model *model, *pretrained;  /* given by file */
	mph_algo *algos;
	size_t nalgos;
	size_t *initial;
	size_t ninitial;
	mph_eval_stats *stats;
	FILE *log;
	long failed;              /* searches that failed, with --keep-going */
	double fail_value;
	double t0;
} eval_ctx;

static void search_opts(const settings *st, mph_algo a, uint64_t seed, const mph_profiles *profiles,
                        mph_search_opts *so, const mph_model *model)
{
	mph_search_args g = st->search;
	g.profiles = profiles;
	mph_search_opts_apply(so, a, &g, model);
	so->seed = seed;
	/* ernest without a model: the architecture of the models trained here */
	so->nhidden = st->train.nhidden;
	memcpy(so->hidden, st->train.hidden, sizeof so->hidden);
}

static int run_task(eval_ctx *ec, const mph_eval_task *t, mph_model *meta, mph_model *pre,
                    const char *meta_seed, int first_meta, mph_error *err)
{
	settings *st = ec->st;
	double *best = tool_alloc((size_t)st->cap * sizeof *best);
	size_t a;
	long r;
	int rc = 0;
	for (a = 0; a < ec->nalgos && rc == 0; a++) {
		mph_algo al = ec->algos[a];
		const mph_model *m = mph_algo_pick_model(al, meta, pre);
		/* runs that use no trained model are the same under every meta-seed */
		if (m == NULL && !first_meta) continue;
		for (r = 0; r < st->runs && rc == 0; r++) {
			mph_search_opts so;
			mph_search *s;
			mph_eval_run_opts ro;
			log_ctx lc;
			long n;
			search_opts(st, al, st->search.seed + (uint64_t)r, ec->profiles, &so, m);
			if ((s = mph_search_new(ec->space, m, &so, err)) == NULL) { rc = -1; break; }
			lc.fp = ec->log;
			lc.space = ec->space;
			lc.algo = mph_algo_name(al);
			lc.meta_seed = m != NULL ? meta_seed : "";
			lc.seed = so.seed;
			lc.steps = 0;
			lc.stop = st->stop;
			mph_eval_run_opts_init(&ro);
			ro.cap = st->cap;
			ro.initial = ec->initial;
			ro.ninitial = ec->ninitial;
			ro.stop = st->stop ? &st->stop_opts : NULL;
			ro.noise = st->noise;
			ro.seed = so.seed;
			ro.random_initial = (size_t)st->random_initial;
			ro.confirm_top = (size_t)st->confirm_top;
			ro.confirm_times = (size_t)st->confirm_times;
			/* under noise, what tune.mk does unless told otherwise */
			ro.race = st->race > 0 || (st->race < 0 && st->noise > 0 && st->confirm_top == 0) ? &st->race_opts : NULL;
			ro.on_step = log_step;
			ro.ctx = &lc;
			n = mph_eval_run(t, s, &ro, best, err);
			mph_search_free(s);
			if (n < 0 && st->keep_going) {
				/* the search stopped where a pipeline would have: it
				 * never gets further than its last sample */
				char buf[1400];
				long k = (long)lc.steps;
				tool_warn("%s %s meta_seed=%s seed=%llu: search failed after %ld samples, counted as stuck there: %s",
				          mph_eval_task_name(t), lc.algo, *lc.meta_seed ? lc.meta_seed : "-",
				          (unsigned long long)so.seed, k, mph_error_format(err, buf, sizeof buf));
				for (n = k; n < st->cap; n++) best[n] = k > 0 ? best[k - 1] : 0;
				ec->failed++;
			} else if (n < 0) {
				char text[sizeof err->text];
				snprintf(text, sizeof text, "%s", err->text);
				mph_error_set(err, NULL, 0, 0, "task '%s', %s, meta_seed %s, seed %llu: %s (--keep-going goes on)",
				              mph_eval_task_name(t), lc.algo, *lc.meta_seed ? lc.meta_seed : "-",
				              (unsigned long long)so.seed, text);
				rc = -1;
				break;
			}
			/* the log's temporary file grows as it goes (renamed complete
			 * at the end): a long evaluation can be watched */
			if (ec->log) fflush(ec->log);
			if (ec->stats) mph_eval_stats_add(ec->stats, lc.algo, best, (size_t)n);
			if (ec->stats && st->stop)
				mph_eval_stats_add_stop(ec->stats, lc.algo, (size_t)n,
				                        n < st->cap && n < (long)mph_eval_task_n(t), n > 0 ? best[n - 1] : 0);
			if (st->verbose)
				fprintf(stderr, "%s: %s %s meta_seed=%s seed=%llu: %ld samples, best %.4g of the optimum%s (%.0fs)\n",
				        tool_prog, mph_eval_task_name(t), lc.algo, *lc.meta_seed ? lc.meta_seed : "-",
				        (unsigned long long)so.seed, n, n > 0 ? best[n - 1] : 0.0,
				        n > 0 && best[n - 1] >= 1 ? " (optimum)" : "", mph_now() - ec->t0);
		}
	}
	free(best);
	return rc;
}

/* Some algorithm searches with a model of this kind. */
static int needs(const eval_ctx *ec, mph_model_kind kind)
{
	size_t a;
	for (a = 0; a < ec->nalgos; a++)
		if (mph_algo_model(ec->algos[a]) == kind) return 1;
	return 0;
}

static int run_fold(eval_ctx *ec, const mph_split *sp, size_t fold, mph_error *err)
{
	settings *st = ec->st;
	size_t nt = mph_replay_ntasks(ec->replay), k, ms, nms = 1;
	long *meta_seeds = NULL;
	unsigned char *use = NULL;
	int rc = 0;
	char seedtext[24] = "";

	if (ec->trace != NULL) {
		meta_seeds = parse_longs("--meta-seeds", st->meta_seeds, 0, LONG_MAX, &nms);
		if (meta_seeds == NULL) return mph_error_set(err, NULL, 0, 0, "bad --meta-seeds");
		use = tool_alloc(mph_trace_ntasks(ec->trace) + 1);
		/* train on what the fold does not test */
		for (k = 0; k < mph_trace_ntasks(ec->trace); k++) {
			long rt = mph_replay_task_index(ec->replay, mph_trace_task_name(ec->trace, k));
			use[k] = rt >= 0 && !mph_split_is_test(sp, fold, (size_t)rt);
		}
	}
	if (ec->ptrace != NULL) {
		/* the profiles are the tasks the fold does not test, as the models
		 * trained on them: never the tested service itself */
		unsigned char *keep = tool_alloc(mph_trace_ntasks(ec->ptrace) + 1);
		for (k = 0; k < mph_trace_ntasks(ec->ptrace); k++) {
			long rt = mph_replay_task_index(ec->replay, mph_trace_task_name(ec->ptrace, k));
			keep[k] = rt >= 0 && !mph_split_is_test(sp, fold, (size_t)rt);
		}
		ec->profiles = mph_profiles_new(ec->ptrace, keep, ec->space, err);
		free(keep);
		if (ec->profiles == NULL) rc = -1;
	}
	for (ms = 0; ms < nms && rc == 0; ms++) {
		mph_model *meta = ec->model, *pre = ec->pretrained;
		if (ec->trace != NULL) {
			mph_model_train_opts to = st->train;
			to.seed = (uint64_t)meta_seeds[ms];
			snprintf(seedtext, sizeof seedtext, "%ld", meta_seeds[ms]);
			if (st->verbose || (!st->quiet && isatty(2)))
				fprintf(stderr, "%s: fold %zu/%zu, meta-seed %s: training (%.0fs)\n", tool_prog,
				        fold + 1, mph_split_nfolds(sp), seedtext, mph_now() - ec->t0);
			if (needs(ec, MPH_MODEL_META)) {
				to.meta.mode = st->train.meta.mode == MPH_META_PRETRAIN ? MPH_META_MAML : st->train.meta.mode;
				if ((meta = mph_model_train(ec->trace, use, ec->space, mph_objective_metric(ec->obj), &to, err)) == NULL) {
					rc = -1;
					break;
				}
			}
			if (needs(ec, MPH_MODEL_PRETRAINED)) {
				to.meta.mode = MPH_META_PRETRAIN;
				if ((pre = mph_model_train(ec->trace, use, ec->space, mph_objective_metric(ec->obj), &to, err)) == NULL) {
					mph_model_free(meta);
					rc = -1;
					break;
				}
			}
		}
		for (k = 0; k < nt && rc == 0; k++) {
			mph_eval_task *t;
			if (!mph_split_is_test(sp, fold, k)) continue;
			if ((t = mph_eval_task_new(ec->replay, k, ec->space, ec->obj, ec->fail_value, err)) == NULL ||
			    mph_eval_task_check_initial(t, ec->initial, ec->ninitial, err) != 0) {
				mph_eval_task_free(t);
				rc = -1;
				break;
			}
			rc = run_task(ec, t, meta, pre, seedtext, ms == 0, err);
			mph_eval_task_free(t);
		}
		if (meta != ec->model) mph_model_free(meta);
		if (pre != ec->pretrained) mph_model_free(pre);
	}
	mph_profiles_free(ec->profiles);
	ec->profiles = NULL;
	free(meta_seeds);
	free(use);
	return rc;
}

/* ---- set-up ---- */

/* No task of the trace is one the model was trained on (its provenance's
 * data.tasks): a role model meta-trained on other traces. */
static int trained_on_none(mph_model *m, const char *const *names, size_t nt)
{
	json_t *data = json_object_get(mph_model_provenance(m), "data");
	json_t *tasks = data ? json_object_get(data, "tasks") : NULL, *v;
	size_t i, j;
	if (!json_is_array(tasks)) return 0;
	for (i = 0; i < nt; i++)
		json_array_foreach(tasks, j, v)
			if (json_is_string(v) && strcmp(json_string_value(v), names[i]) == 0) return 0;
	return 1;
}

static mph_split *make_split(eval_ctx *ec, mph_error *err)
{
	settings *st = ec->st;
	size_t nt = mph_replay_ntasks(ec->replay), k;
	const char **names = tool_alloc((nt + 1) * sizeof *names);
	mph_split *sp;
	for (k = 0; k < nt; k++) names[k] = mph_replay_task(ec->replay, k);
	if (st->test_tasks) sp = mph_split_tasks(st->test_tasks, names, nt, 1, err);
	else if (st->train_tasks) sp = mph_split_tasks(st->train_tasks, names, nt, 0, err);
	else if (st->loo) sp = mph_split_loo(nt, err);
	else if (st->kfold) sp = mph_split_kfold(names, nt, (size_t)st->kfold, st->group_sep, err);
	else if (ec->model != NULL && mph_model_roles(ec->model) && trained_on_none(ec->model, names, nt))
		sp = mph_split_all(nt); /* a role model from other traces: every task is new to it */
	else if (ec->model != NULL) sp = mph_split_untrained(names, nt, ec->model, st->model, err);
	else sp = mph_split_all(nt); /* nothing to train: every task is a test task */
	free(names);
	return sp;
}

static int parse_algos(const char *s, mph_algo **out, size_t *n)
{
	char **v = tool_split(s, n);
	size_t i;
	*out = tool_alloc((*n + 1) * sizeof **out);
	for (i = 0; i < *n; i++)
		if (mph_algo_parse(v[i], &(*out)[i]) != 0) {
			tool_usage_error("--algos: unknown algorithm: '%s'", v[i]);
			free(v);
			return -1;
		}
	free(v);
	return 0;
}

/* --profiles needs an algorithm that uses them: 0, or -1 after a usage error. */
static int check_profiles(const settings *st, const mph_algo *a, size_t n)
{
	size_t i;
	if (!st->profiles) return 0;
	for (i = 0; i < n; i++)
		if (a[i] == MPH_ALGO_MORPHLING_GP) return 0;
	tool_usage_error("--profiles goes with -a morphling-gp (no other algorithm uses them)");
	return -1;
}

static int from_logs(settings *st, int nfiles, char **files, mph_error *err)
{
	size_t nb, nl;
	long *b = parse_longs("--budgets", st->budgets, 1, 100000000, &nb);
	double *l = parse_levels(st->levels, &nl);
	mph_eval_stats *stats;
	mph_out *out;
	int i, rc = 0;
	if (b == NULL || l == NULL) { free(b); free(l); return 2; }
	stats = mph_eval_stats_new(b, nb, l, nl);
	for (i = 0; i < nfiles && rc == 0; i++) {
		mph_csv *c = mph_csv_open(files[i], err);
		if (c == NULL || (st->stop ? mph_eval_stats_read_stops(stats, c, &st->stop_opts, err)
		                           : mph_eval_stats_read_log(stats, c, err)) != 0)
			rc = 1;
		mph_csv_close(c);
	}
	if (rc == 0 && (out = mph_out_open(NULL, err)) != NULL) {
		mph_eval_stats_write(stats, mph_out_fp(out));
		if (mph_out_commit(out, err) != 0) rc = 1;
	} else if (rc == 0) rc = 1;
	mph_eval_stats_free(stats);
	free(b);
	free(l);
	if (rc == 1) tool_error(err);
	return rc;
}

static const struct option longopts[] = {
	{"acq", required_argument, NULL, OPT_SEARCH},
	{"adapt-lr", required_argument, NULL, OPT_SEARCH},
	{"adapt-steps", required_argument, NULL, OPT_SEARCH},
	{"algos", required_argument, NULL, 'a'},
	{"budgets", required_argument, NULL, OPT_BUDGETS},
	{"cap", required_argument, NULL, OPT_CAP},
	{"confirm", required_argument, NULL, OPT_CONFIRM},
	{"corners", required_argument, NULL, OPT_CORNERS},
	{"cover", no_argument, NULL, OPT_SEARCH},
	{"fail-worst", no_argument, NULL, OPT_SEARCH},
	{"delta", required_argument, NULL, OPT_SEARCH},
	{"ensemble", required_argument, NULL, OPT_TRAIN},
	{"fail-value", required_argument, NULL, OPT_TRAIN},
	{"first-order", no_argument, NULL, OPT_FIRST_ORDER},
	{"fix", required_argument, NULL, OPT_FIX},
	{"from-log", no_argument, NULL, OPT_FROM_LOG},
	{"group-sep", required_argument, NULL, OPT_GROUP_SEP},
	{"help", no_argument, NULL, 'h'},
	{"hidden", required_argument, NULL, OPT_HIDDEN},
	{"inner-lr", required_argument, NULL, OPT_TRAIN},
	{"inner-steps", required_argument, NULL, OPT_TRAIN},
	{"iters", required_argument, NULL, OPT_TRAIN},
	{"kappa", required_argument, NULL, OPT_SEARCH},
	{"local", required_argument, NULL, OPT_SEARCH},
	{"keep-going", no_argument, NULL, OPT_KEEP_GOING},
	{"kfold", required_argument, NULL, OPT_KFOLD},
	{"levels", required_argument, NULL, OPT_LEVELS},
	{"log", required_argument, NULL, OPT_LOG},
	{"loo", no_argument, NULL, OPT_LOO},
	{"members", required_argument, NULL, OPT_SEARCH},
	{"meta-batch", required_argument, NULL, OPT_TRAIN},
	{"meta-seeds", required_argument, NULL, OPT_META_SEEDS},
	{"model", required_argument, NULL, 'm'},
	{"profiles", no_argument, NULL, OPT_PROFILES},
	{"profiles-weight", required_argument, NULL, OPT_SEARCH},
	{"no-initial", no_argument, NULL, OPT_NO_INITIAL},
	{"noise", required_argument, NULL, OPT_NOISE},
	{"norm", required_argument, NULL, OPT_TRAIN},
	{"objective", required_argument, NULL, 'O'},
	{"outer-lr", required_argument, NULL, OPT_TRAIN},
	{"pretrained", required_argument, NULL, 'p'},
	{"random-initial", required_argument, NULL, OPT_RANDOM_INITIAL},
	{"race", required_argument, NULL, OPT_RACE},
	{"query", required_argument, NULL, OPT_TRAIN},
	{"quiet", no_argument, NULL, 'q'},
	{"runs", required_argument, NULL, 'r'},
	{"seed", required_argument, NULL, OPT_SEARCH},
	{"shots", required_argument, NULL, OPT_TRAIN},
	{"space", required_argument, NULL, 's'},
	{"stop", no_argument, NULL, OPT_STOP},
	{"stop-ei", required_argument, NULL, OPT_STOP_OPT},
	{"stop-patience", required_argument, NULL, OPT_STOP_OPT},
	{"summary", no_argument, NULL, OPT_SUMMARY},
	{"test-tasks", required_argument, NULL, OPT_TEST_TASKS},
	{"train-tasks", required_argument, NULL, OPT_TRAIN_TASKS},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"xi", required_argument, NULL, OPT_SEARCH},
	{NULL, 0, NULL, 0}};

/* One option into st: 0, -1 after a usage error. */
static int set_option(settings *st, int ch, const char *name, const char *arg)
{
	switch (ch) {
	case 'O': st->objective = arg; return 0;
	case 'a': st->algos = arg; return 0;
	case 'm': st->model = arg; return 0;
	case 'p': st->pretrained = arg; return 0;
	case 'q': st->quiet = 1; return 0;
	case 'r': return tool_long_opt("--runs", arg, 1, 1000000, &st->runs);
	case 's': st->space = arg; return 0;
	case 'v': st->verbose = 1; return 0;
	case OPT_BUDGETS: st->budgets = arg; return 0;
	case OPT_CAP: return tool_long_opt("--cap", arg, 1, 100000000, &st->cap);
	case OPT_CORNERS: st->corners = arg; return 0;
	case OPT_FIRST_ORDER: st->train.meta.mode = MPH_META_FOMAML; return 0;
	case OPT_FIX: st->fix = arg; return 0;
	case OPT_FROM_LOG: st->from_log = 1; return 0;
	case OPT_GROUP_SEP: st->group_sep = arg; return 0;
	case OPT_HIDDEN: return tool_hidden_opt(arg, st->train.hidden, &st->train.nhidden);
	case OPT_KEEP_GOING: st->keep_going = 1; return 0;
	case OPT_KFOLD: return tool_long_opt("--kfold", arg, 2, 1000000, &st->kfold);
	case OPT_LEVELS: st->levels = arg; return 0;
	case OPT_LOG: st->log = arg; return 0;
	case OPT_LOO: st->loo = 1; return 0;
	case OPT_META_SEEDS: st->meta_seeds = arg; return 0;
	case OPT_NO_INITIAL: st->no_initial = 1; return 0;
	case OPT_SEARCH: return tool_search_opt(name, arg, &st->search) != 0 ? -1 : 0;
	case OPT_SUMMARY: st->summary = 1; return 0;
	case OPT_PROFILES: st->profiles = 1; return 0;
	case OPT_STOP: st->stop = 1; return 0;
	case OPT_STOP_OPT: st->stop_set = 1; return tool_stop_opt(name, arg, &st->stop_opts) != 0 ? -1 : 0;
	case OPT_RANDOM_INITIAL: return tool_long_opt("--random-initial", arg, 1, 100000000, &st->random_initial);
	case OPT_NOISE: return tool_double_opt("--noise", arg, 0, 10, &st->noise);
	case OPT_RACE:
		if (strcmp(arg, "off") == 0) { st->race = 0; return 0; }
		st->race = 1;
		return tool_race_opt("--race", arg, &st->race_opts);
	case OPT_CONFIRM: {
		size_t n;
		long *v = parse_longs("--confirm", arg, 1, 1000, &n);
		if (v == NULL) return -1;
		if (n != 2) {
			free(v);
			tool_usage_error("--confirm: expected N,R (configurations, times): '%s'", arg);
			return -1;
		}
		st->confirm_top = v[0];
		st->confirm_times = v[1];
		free(v);
		return 0;
	}
	case OPT_TEST_TASKS: st->test_tasks = arg; return 0;
	case OPT_TRAIN: return tool_train_opt(name, arg, &st->train) != 0 ? -1 : 0;
	case OPT_TRAIN_TASKS: st->train_tasks = arg; return 0;
	default: return -1;
	}
}

/* The rules that tie the options together: 0, or -1 after a usage error. */
static int check_options(const settings *st)
{
	int nsplit = (st->test_tasks != NULL) + (st->train_tasks != NULL) + st->loo + (st->kfold > 0);
	if (st->objective == NULL) { tool_usage_error("missing -O OBJECTIVE"); return -1; }
	if (st->stop_set && !st->stop) { tool_usage_error("--stop-ei and --stop-patience go with --stop"); return -1; }
	if (st->race == 1 && st->confirm_top > 0) { tool_usage_error("--confirm and --race exclude each other"); return -1; }
	if (nsplit > 1) {
		tool_usage_error("--test-tasks, --train-tasks, --loo and --kfold exclude each other");
		return -1;
	}
	if (st->group_sep && !st->kfold) { tool_usage_error("--group-sep goes with --kfold"); return -1; }
	if (!isnan(st->search.profiles_weight) && !st->profiles) {
		tool_usage_error("--profiles-weight goes with --profiles");
		return -1;
	}
	if ((st->model || st->pretrained) && (st->loo || st->kfold)) {
		tool_usage_error("-m and -p give one fold's models: not with --loo or --kfold");
		return -1;
	}
	if (st->no_initial && (st->corners || st->fix)) {
		tool_usage_error("--no-initial excludes --corners and --fix");
		return -1;
	}
	if (st->random_initial && (st->no_initial || st->corners || st->fix)) {
		tool_usage_error("--random-initial excludes --no-initial, --corners and --fix");
		return -1;
	}
	return 0;
}

/* Loads what the evaluation reads: the objective, the models given, the
 * space, the initial design, the trace (replayed, and for training where
 * the files given do not cover the algorithms) and the split. */
static int load(eval_ctx *ec, const char *trace_path, mph_split **sp, mph_error *err)
{
	const settings *st = ec->st;
	const char *metric;
	if ((ec->obj = mph_objective_load(st->objective, err)) == NULL) return -1;
	metric = mph_objective_metric(ec->obj);
	if (st->model && (ec->model = mph_model_load(st->model, err)) == NULL) return -1;
	if (st->pretrained && (ec->pretrained = mph_model_load(st->pretrained, err)) == NULL) return -1;
	if (st->space) ec->space = mph_space_load(st->space, err);
	else if (ec->model || ec->pretrained)
		ec->space = mph_space_clone(mph_model_space(ec->model ? ec->model : ec->pretrained));
	else ec->space = tool_space_from_trace(trace_path, metric, err);
	if (ec->space == NULL) return -1;
	if (ec->model && mph_model_roles(ec->model)) {
		/* a role model over another space than its own: the search
		 * encodes the space as the model does (by roles) */
		if (mph_model_fit_space(ec->model, ec->space, st->model, err) != 0 ||
		    (strcmp(mph_model_metric(ec->model), metric) != 0 && mph_model_use_metric(ec->model, metric, err) != 0))
			return -1;
		mph_space_free(ec->space);
		ec->space = mph_space_clone(mph_model_space(ec->model));
	}
	if (ec->model && (mph_model_check_space(ec->model, ec->space, st->model, err) != 0 ||
	                  mph_search_check_metric(ec->model, st->model, ec->obj, st->objective, err) != 0))
		return -1;
	if (ec->pretrained && (mph_model_check_space(ec->pretrained, ec->space, st->pretrained, err) != 0 ||
	                       mph_search_check_metric(ec->pretrained, st->pretrained, ec->obj, st->objective, err) != 0))
		return -1;
	ec->fail_value = ec->model ? mph_model_fail_value(ec->model)
	                 : ec->pretrained ? mph_model_fail_value(ec->pretrained) : st->train.fail_value;
	if (!st->no_initial && !st->random_initial) {
		size_t nk = mph_space_nknobs(ec->space), max = 1 << 12;
		if (mph_space_set_initial(ec->space, st->corners, st->fix, err) != 0) return -1;
		ec->initial = tool_alloc(max * nk * sizeof *ec->initial + 1);
		ec->ninitial = mph_space_initial(ec->space, ec->initial, max);
	}
	if ((ec->replay = mph_replay_load(trace_path, NULL, err)) == NULL ||
	    mph_replay_index_space(ec->replay, ec->space, err) != 0 || (*sp = make_split(ec, err)) == NULL)
		return -1;
	/* models are trained here for whatever the given files do not cover */
	if ((needs(ec, MPH_MODEL_META) && ec->model == NULL) || (needs(ec, MPH_MODEL_PRETRAINED) && ec->pretrained == NULL)) {
		if (ec->model || ec->pretrained)
			return mph_error_set(err, NULL, 0, 0, "give both -m and -p, or neither, for algorithms %s", st->algos);
		/* as mph-metatrain -O OBJECTIVE [--fail-worst]: rows that broke a
		 * constraint are learnt as failed ones */
		mph_trace_opts to;
		mph_trace_opts_init(&to);
		to.fail_value = st->train.fail_value;
		to.objective = ec->obj;
		to.fail_worst = st->search.fail_worst;
		if ((ec->trace = mph_trace_load_opts(trace_path, ec->space, metric, &to, err)) == NULL)
			return -1;
	}
	if (st->profiles && (ec->ptrace = mph_trace_load(trace_path, ec->space, metric, ec->fail_value, err)) == NULL)
		return -1;
	return 0;
}

static void eval_free(eval_ctx *ec)
{
	mph_eval_stats_free(ec->stats);
	mph_replay_free(ec->replay);
	mph_trace_free(ec->trace);
	mph_trace_free(ec->ptrace);
	mph_model_free(ec->model);
	mph_model_free(ec->pretrained);
	mph_objective_free(ec->obj);
	mph_space_free(ec->space);
	free(ec->initial);
	free(ec->algos);
}

int main(int argc, char **argv)
{
	settings st;
	eval_ctx ec;
	mph_error err;
	mph_split *sp = NULL;
	mph_out *out = NULL, *logout = NULL;
	const char *trace_path;
	int ch, li = 0, rc = 1;
	size_t f, nb = 0, nl = 0;
	long *budgets = NULL;
	double *levels = NULL;

	tool_start(argv, "mph-eval");
	defaults(&st);
	memset(&ec, 0, sizeof ec);
	while ((ch = getopt_long(argc, argv, "O:a:hm:p:qr:s:v", longopts, &li)) != -1) {
		if (ch == 'h') { help(); return tool_stdout_status(); }
		if (ch == OPT_VERSION) { printf("mph-eval %s\n", MPH_VERSION); return tool_stdout_status(); }
		if (set_option(&st, ch, longopts[li].name, optarg) != 0) goto usage;
	}
	if (st.from_log) {
		if (optind == argc) { tool_usage_error("--from-log needs at least one LOG"); goto usage; }
		if (st.stop_set && !st.stop) { tool_usage_error("--stop-ei and --stop-patience go with --stop"); goto usage; }
		if ((rc = from_logs(&st, argc - optind, argv + optind, &err)) == 2) goto usage;
		return rc;
	}
	if (optind + 1 != argc) {
		tool_usage_error(optind == argc ? "missing TRACE" : "too many arguments");
		goto usage;
	}
	trace_path = argv[optind];
	if (check_options(&st) != 0 || parse_algos(st.algos, &ec.algos, &ec.nalgos) != 0 ||
	    check_profiles(&st, ec.algos, ec.nalgos) != 0)
		goto usage;
	if ((budgets = parse_longs("--budgets", st.budgets, 1, 100000000, &nb)) == NULL) goto usage;
	if ((levels = parse_levels(st.levels, &nl)) == NULL) goto usage;
	if (strcmp(trace_path, "-") == 0) { tool_usage_error("TRACE cannot be standard input"); goto usage; }

	ec.st = &st;
	ec.t0 = mph_now();
	if (load(&ec, trace_path, &sp, &err) != 0) goto fail;
	if (st.summary) ec.stats = mph_eval_stats_new(budgets, nb, levels, nl);
	if (st.log && (logout = mph_out_open(st.log, &err)) == NULL) goto fail;
	if ((out = mph_out_open(NULL, &err)) == NULL) goto fail;
	ec.log = logout ? mph_out_fp(logout) : st.summary ? NULL : mph_out_fp(out);
	if (ec.log) log_header(ec.log, ec.space, st.stop);
	for (f = 0; f < mph_split_nfolds(sp); f++)
		if (run_fold(&ec, sp, f, &err) != 0) goto fail;
	if (ec.stats) mph_eval_stats_write(ec.stats, mph_out_fp(out));
	if (ec.failed)
		tool_warn("%ld search%s failed and %s counted as stuck", ec.failed, ec.failed == 1 ? "" : "es",
		          ec.failed == 1 ? "was" : "were");
	if (logout) {
		rc = mph_out_commit(logout, &err);
		logout = NULL;
		if (rc != 0) goto fail;
	}
	rc = mph_out_commit(out, &err);
	out = NULL;
	if (rc != 0) goto fail;
	goto done;
fail:
	rc = tool_fail(&err);
done:
	if (logout) mph_out_abort(logout);
	if (out) mph_out_abort(out);
	mph_split_free(sp);
	eval_free(&ec);
	free(budgets);
	free(levels);
	return rc;
usage:
	fputs(usage_line, stderr);
	free(budgets);
	free(levels);
	free(ec.algos);
	return 2;
}
