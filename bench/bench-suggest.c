/* bench-suggest: speed of one search step, and quick replayed searches.
 *
 *   bench-suggest speed [REPS]
 *       morphling step (adapt + score) over the paper's 720 configurations
 *       with 30 trials; gp-ucb step with 100 trials over 1440 (the Falcon
 *       grid). Medians of REPS runs [7]. Synthetic surfaces: speed does not
 *       depend on the values.
 *   bench-suggest step MODEL OBJECTIVE HISTORY CANDIDATES [REPS]
 *       the step mph-suggest takes with these files and its defaults, in
 *       process: the inputs loaded once, then the search made and asked
 *       for one configuration REPS times [21]; prints the median in ms
 *       (bench/bench-suggest-process.sh sets it beside the whole process).
 *   bench-suggest process REPS COMMAND [ARG...]
 *       runs COMMAND REPS times (stdout to /dev/null) and prints the median
 *       wall time in ms: the whole process, start to exit.
 *   bench-suggest replay TRACE SPACE OBJECTIVE META PRETRAIN TASKS ALGOS SEEDS CAP [KEY=VAL...]
 *       replays whole searches in process, as mph-eval will: the space's
 *       initial design, then one suggestion at a time measured from the
 *       trace, until the task's optimum is measured or CAP trials. Prints
 *       one line per run and, per algorithm, the median samples to reach
 *       95, 99 and 100 % of the optimum. KEY=VAL sets delta, kappa, xi,
 *       acq (ucb|ei), members, adapt_steps, adapt_lr.
 * Not installed: run by `make bench`. */
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "mph.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void die(const char *what, const mph_error *e)
{
	char buf[1400];
	fprintf(stderr, "bench-suggest: %s: %s\n", what, e ? mph_error_format(e, buf, sizeof buf) : "");
	exit(1);
}

static const char *paper_space =
	"{\"knobs\": ["
	"{\"name\": \"cpu\", \"type\": \"int\", \"range\": [1, 5], \"step\": 1},"
	"{\"name\": \"gpu_mem\", \"type\": \"float\", \"range\": [0.1, 0.6], \"step\": 0.1},"
	"{\"name\": \"batch\", \"type\": \"ordinal\", \"range\": [1, 128], \"factor\": 2},"
	"{\"name\": \"gpu_type\", \"type\": \"categorical\", \"values\": [\"T4\", \"M60\", \"V100\"]}]}";
static const char *falcon_space =
	"{\"knobs\": ["
	"{\"name\": \"batch\", \"type\": \"ordinal\", \"values\": [4, 8, 16, 32, 64, 128], \"log\": true},"
	"{\"name\": \"cpu\", \"type\": \"int\", \"values\": [1, 2, 3, 4, 5]},"
	"{\"name\": \"gpu_mem_gb\", \"type\": \"ordinal\", \"values\": [0.8, 1.2, 1.6, 2.4]},"
	"{\"name\": \"gpu_power_pct\", \"type\": \"int\", \"values\": [50, 75, 100]},"
	"{\"name\": \"gpu_type\", \"type\": \"categorical\", \"values\": [\"K80\", \"M60\", \"T4\", \"V100\"]}]}";
static const char *plain_objective = "{\"metric\": \"metric\", \"direction\": \"max\", \"score\": \"metric\"}";

static mph_space *space_of(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	mph_error err;
	mph_space *s = mph_space_from_json(j, "bench", &err);
	json_decref(j);
	if (s == NULL) die("space", &err);
	return s;
}

static mph_objective *objective_of(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	mph_error err;
	mph_objective *o = mph_objective_from_json(j, "bench", &err);
	json_decref(j);
	if (o == NULL) die("objective", &err);
	return o;
}

/* All configurations of s as candidates. */
static mph_candidates *all_configs(const mph_space *s, const mph_objective *o)
{
	size_t nk = mph_space_nknobs(s), n = (size_t)mph_space_size(s), i;
	size_t *idx = malloc(n * nk * sizeof *idx);
	mph_error err;
	mph_candidates *c;
	for (i = 0; i < n; i++) mph_space_config_from_id(s, i, idx + i * nk);
	c = mph_candidates_from_configs(s, idx, n, o, &err);
	free(idx);
	if (c == NULL) die("candidates", &err);
	return c;
}

/* A smooth synthetic metric over the encoded features. */
static double surface(const double *x, size_t d)
{
	double v = 1.0;
	size_t k;
	for (k = 0; k < d; k++) v += sin(3.0 * x[k] + (double)k) * (1.0 + 0.3 * (double)k);
	return v > 0 ? v : 0;
}

static double time_step(mph_search *s, const mph_candidates *c, const mph_history *h, int reps,
                        int warm_prefix)
{
	double *t = malloc((size_t)reps * sizeof *t), m;
	mph_suggestion sg;
	mph_error err;
	int r;
	for (r = 0; r < reps; r++) {
		double t0;
		mph_history *hh = mph_history_new();
		size_t i;
		for (i = 0; i < mph_history_n(h); i++) mph_history_add(hh, mph_history_get(h, i));
		if (warm_prefix) {
			/* the previous step of the same search: what a sequential search has cached */
			mph_history_truncate(hh, mph_history_n(h) - 1);
			if (mph_search_suggest(s, c, hh, 1, &sg, &err) < 0) die("suggest", &err);
			mph_history_add(hh, mph_history_get(h, mph_history_n(h) - 1));
		}
		t0 = now();
		if (mph_search_suggest(s, c, hh, 1, &sg, &err) < 0) die("suggest", &err);
		t[r] = now() - t0;
		mph_history_free(hh);
		/* a different seed each rep so that the cache cannot serve the step itself */
		mph_search_set_seed(s, mph_search_options(s)->seed + 1);
	}
	m = median(t, (size_t)reps);
	free(t);
	return m;
}

static void speed(int reps)
{
	mph_space *sp = space_of(paper_space), *sf = space_of(falcon_space);
	mph_objective *obj = objective_of(plain_objective);
	mph_candidates *cp = all_configs(sp, obj), *cf = all_configs(sf, obj);
	size_t hidden[2] = {128, 128}, i;
	mph_mlp *mlp = mph_mlp_new(mph_space_nfeatures(sp), 2, hidden);
	mph_error err;
	mph_model *model;
	mph_rng rng;
	mph_search_opts o;
	mph_search *s;
	mph_history *h;
	uint64_t ids[100];

	mph_rng_seed(&rng, 3);
	mph_mlp_init(mlp, &rng);
	model = mph_model_new(mph_space_clone(sp), mlp, "metric", MPH_NORM_MAX, &err);
	if (model == NULL) die("model", &err);

	h = mph_history_new();
	if (mph_space_sample(sp, 30, &rng, ids, &err) != 30) die("sample", &err);
	for (i = 0; i < 30; i++) {
		mph_trial t;
		size_t idx[8];
		double x[64];
		mph_space_config_from_id(sp, ids[i], idx);
		mph_space_encode(sp, idx, x);
		t.id = ids[i]; t.metric = t.utility = surface(x, mph_space_nfeatures(sp)); t.failed = 0;
		mph_history_add(h, &t);
	}
	mph_search_opts_init(&o, MPH_ALGO_MORPHLING);
	if ((s = mph_search_new(sp, model, &o, &err)) == NULL) die("search", &err);
	printf("morphling step, 720 candidates, 30 trials, one search in process: %.2f ms (target < 20)\n",
	       1e3 * time_step(s, cp, h, reps, 1));
	printf("morphling step, 720 candidates, 30 trials, cold (mph-suggest): %.2f ms\n",
	       1e3 * time_step(s, cp, h, reps, 0));
	mph_search_free(s);
	mph_search_opts_init(&o, MPH_ALGO_MORPHLING_GP);
	if ((s = mph_search_new(sp, model, &o, &err)) == NULL) die("search", &err);
	printf("morphling-gp step, 720 candidates, 30 trials: %.2f ms\n", 1e3 * time_step(s, cp, h, reps, 1));
	mph_search_free(s);
	{
		/* the same with the default ensemble (mph-metatrain's --ensemble) */
		mph_model *ens = mph_model_clone(model);
		for (i = 1; i < MPH_ENSEMBLE_DEFAULT; i++) {
			mph_mlp *m = mph_mlp_new(mph_space_nfeatures(sp), 2, hidden);
			mph_mlp_init(m, &rng);
			mph_model_add_member(ens, m, NULL);
		}
		if ((s = mph_search_new(sp, ens, &o, &err)) == NULL) die("search", &err);
		printf("morphling-gp step, %d-network ensemble, 720 candidates, 30 trials: %.2f ms\n",
		       MPH_ENSEMBLE_DEFAULT, 1e3 * time_step(s, cp, h, reps, 1));
		mph_search_free(s);
		mph_model_free(ens);
	}
	mph_history_free(h);

	h = mph_history_new();
	if (mph_space_sample(sf, 100, &rng, ids, &err) != 100) die("sample", &err);
	for (i = 0; i < 100; i++) {
		mph_trial t;
		size_t idx[8];
		double x[64];
		mph_space_config_from_id(sf, ids[i], idx);
		mph_space_encode(sf, idx, x);
		t.id = ids[i]; t.metric = t.utility = surface(x, mph_space_nfeatures(sf)); t.failed = 0;
		mph_history_add(h, &t);
	}
	mph_search_opts_init(&o, MPH_ALGO_GP_UCB);
	if ((s = mph_search_new(sf, NULL, &o, &err)) == NULL) die("search", &err);
	printf("gp-ucb step, 1440 candidates, 100 trials: %.2f ms (target < 200)\n",
	       1e3 * time_step(s, cf, h, reps, 0));
	mph_search_free(s);
	mph_history_free(h);
	mph_candidates_free(cp);
	mph_candidates_free(cf);
	mph_model_free(model);
	mph_objective_free(obj);
	mph_space_free(sp);
	mph_space_free(sf);
}

/* ---- one step of mph-suggest, in process ---- */

static int step(int argc, char **argv)
{
	mph_error err;
	mph_model *model;
	mph_objective *obj;
	mph_csv *csv;
	mph_candidates *cand;
	mph_history *hist;
	mph_search_args args;
	mph_search_opts so;
	int reps = argc > 4 ? atoi(argv[4]) : 21, r;
	double *t;

	if ((model = mph_model_load(argv[0], &err)) == NULL) die(argv[0], &err);
	if ((obj = mph_objective_load(argv[1], &err)) == NULL) die(argv[1], &err);
	if ((hist = mph_history_load(argv[2], mph_model_space(model), obj, mph_model_fail_value(model),
	                             &err)) == NULL)
		die(argv[2], &err);
	if ((csv = mph_csv_open(argv[3], &err)) == NULL) die(argv[3], &err);
	if ((cand = mph_candidates_read(csv, mph_model_space(model), obj, &err)) == NULL) die(argv[3], &err);
	mph_search_args_init(&args);
	mph_search_opts_apply(&so, MPH_ALGO_MORPHLING_GP, &args, model);
	if (reps < 1) reps = 1;
	t = malloc((size_t)reps * sizeof *t);
	for (r = 0; r < reps; r++) {
		mph_suggestion sg;
		double t0 = now();
		mph_search *s = mph_search_new(mph_model_space(model), model, &so, &err);
		if (s == NULL || mph_search_suggest(s, cand, hist, 1, &sg, &err) < 0) die("suggest", &err);
		mph_search_free(s);
		t[r] = now() - t0;
	}
	printf("%.2f\n", 1e3 * median(t, (size_t)reps));
	free(t);
	mph_candidates_free(cand);
	mph_csv_close(csv);
	mph_history_free(hist);
	mph_objective_free(obj);
	mph_model_free(model);
	return 0;
}

/* ---- a whole process ---- */

static int process(char **argv)
{
	int reps = atoi(argv[0]), r;
	double *t;
	if (reps < 1) reps = 1;
	t = malloc((size_t)reps * sizeof *t);
	for (r = 0; r < reps; r++) {
		double t0 = now();
		int status;
		pid_t pid = fork();
		if (pid < 0) die("fork", NULL);
		if (pid == 0) {
			if (freopen("/dev/null", "w", stdout) == NULL) _exit(127);
			execv(argv[1], argv + 1);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "bench-suggest: %s failed\n", argv[1]);
			exit(1);
		}
		t[r] = now() - t0;
	}
	printf("%.2f\n", 1e3 * median(t, (size_t)reps));
	free(t);
	return 0;
}

/* ---- replay ---- */

static char **split(const char *s, size_t *n)
{
	char *buf = strdup(s), *tok, *save, **v = NULL;
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		v = realloc(v, (*n + 1) * sizeof *v);
		v[(*n)++] = tok;
	}
	return v;
}

static int replay(int argc, char **argv)
{
	const char *trace_path = argv[0], *space_path = argv[1], *obj_path = argv[2];
	const char *meta_path = argv[3], *pre_path = argv[4];
	size_t ntasks, nalgos, nseeds, cap = (size_t)atol(argv[8]), ta, al, se, i, k;
	char **tasks = split(argv[5], &ntasks), **algos = split(argv[6], &nalgos);
	char **seeds = split(argv[7], &nseeds);
	mph_error err;
	mph_space *sp = mph_space_load(space_path, &err);
	mph_objective *obj;
	mph_trace *tr;
	mph_model *meta, *pre;
	mph_search_args base;
	size_t nk, *init, ninit;
	double *res[3];

	if (sp == NULL) die(space_path, &err);
	if ((obj = mph_objective_load(obj_path, &err)) == NULL) die(obj_path, &err);
	if ((tr = mph_trace_load(trace_path, sp, mph_objective_metric(obj), 0.0, &err)) == NULL) die(trace_path, &err);
	if ((meta = mph_model_load(meta_path, &err)) == NULL) die(meta_path, &err);
	if ((pre = mph_model_load(pre_path, &err)) == NULL) die(pre_path, &err);
	mph_search_args_init(&base);
	for (i = 9; i < (size_t)argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq) continue;
		*eq = '\0';
		if (!strcmp(argv[i], "delta")) base.delta = atof(eq + 1);
		else if (!strcmp(argv[i], "kappa")) base.kappa = atof(eq + 1);
		else if (!strcmp(argv[i], "xi")) base.xi = atof(eq + 1);
		else if (!strcmp(argv[i], "acq")) base.acq = !strcmp(eq + 1, "ei") ? MPH_ACQ_EI : MPH_ACQ_UCB;
		else if (!strcmp(argv[i], "members")) base.members = atoi(eq + 1);
		else if (!strcmp(argv[i], "adapt_steps")) base.adapt_steps = atoi(eq + 1);
		else if (!strcmp(argv[i], "adapt_lr")) base.adapt_lr = atof(eq + 1);
		else { fprintf(stderr, "bench-suggest: unknown setting '%s'\n", argv[i]); return 2; }
	}
	nk = mph_space_nknobs(sp);
	init = malloc(64 * nk * sizeof *init);
	ninit = mph_space_initial(sp, init, 64);
	for (k = 0; k < 3; k++) res[k] = malloc(ntasks * nseeds * sizeof(double));

	for (al = 0; al < nalgos; al++) {
		size_t nrun = 0;
		double t0 = now();
		for (ta = 0; ta < ntasks; ta++) {
			long ti = mph_trace_task_index(tr, tasks[ta]);
			size_t rows;
			const double *y;
			const unsigned char *failed;
			mph_candidates *c;
			double *util, opt = -INFINITY;
			if (ti < 0) { fprintf(stderr, "bench-suggest: no task '%s'\n", tasks[ta]); return 1; }
			rows = mph_trace_task_rows(tr, (size_t)ti);
			y = mph_trace_task_metric(tr, (size_t)ti);
			failed = mph_trace_task_failed(tr, (size_t)ti);
			if ((c = mph_candidates_from_configs(sp, mph_trace_task_configs(tr, (size_t)ti), rows, obj, &err)) == NULL)
				die("candidates", &err);
			/* truth, by candidate (the trace has one row per configuration) */
			util = malloc(rows * sizeof *util);
			for (i = 0; i < rows; i++) {
				mph_objective_result r;
				mph_candidates_score(c, i, y[i], &r, &err);
				util[i] = failed[i] || r.violated >= 0 ? NAN : r.utility;
				if (util[i] > opt) opt = util[i];
			}
			for (se = 0; se < nseeds; se++) {
				mph_search_opts o;
				mph_algo algo;
				mph_search *s;
				mph_history *h = mph_history_new();
				const mph_model *m = NULL;
				double best = -INFINITY;
				size_t reach[3] = {0, 0, 0}, step;
				double lv[3] = {0.95, 0.99, 1.0};
				if (mph_algo_parse(algos[al], &algo) != 0) { fprintf(stderr, "bad algo %s\n", algos[al]); return 2; }
				/* ernest takes the meta-model's architecture */
				m = mph_algo_model(algo) == MPH_MODEL_ARCHITECTURE ? meta : mph_algo_pick_model(algo, meta, pre);
				mph_search_opts_apply(&o, algo, &base, m);
				o.seed = (uint64_t)atol(seeds[se]);
				if ((s = mph_search_new(sp, m, &o, &err)) == NULL) die("search", &err);
				for (step = 0; step < cap; step++) {
					size_t ci = 0;
					mph_trial t;
					if (step < ninit) {
						uint64_t id = mph_space_config_id(sp, init + step * nk);
						for (ci = 0; ci < mph_candidates_n(c); ci++) if (mph_candidates_id(c, ci) == id) break;
						if (ci == mph_candidates_n(c)) continue;
					} else {
						mph_suggestion sg;
						long got = mph_search_suggest(s, c, h, 1, &sg, &err);
						if (got < 0) die("suggest", &err);
						if (got == 0) break;
						ci = sg.cand;
					}
					t.id = mph_candidates_id(c, ci);
					t.failed = failed[ci];
					t.metric = y[ci];
					t.utility = util[ci];
					mph_history_add(h, &t);
					if (isfinite(util[ci]) && util[ci] > best) best = util[ci];
					for (k = 0; k < 3; k++)
						if (!reach[k] && best >= lv[k] * opt - 1e-12 * fabs(opt)) reach[k] = mph_history_n(h);
					if (reach[2]) break;
				}
				for (k = 0; k < 3; k++) res[k][nrun] = reach[k] ? (double)reach[k] : INFINITY;
				printf("%s %s seed %s: 95%% %zu, 99%% %zu, 100%% %zu\n", algos[al], tasks[ta], seeds[se],
				       reach[0], reach[1], reach[2]);
				nrun++;
				mph_search_free(s);
				mph_history_free(h);
			}
			free(util);
			mph_candidates_free(c);
		}
		{
			size_t never = 0;
			for (i = 0; i < nrun; i++) never += isinf(res[2][i]);
			printf("SUMMARY %-14s runs %zu  median samples to 95%% %.1f  99%% %.1f  100%% %.1f  never %zu  (%.1f s)\n",
			       algos[al], nrun, median(res[0], nrun), median(res[1], nrun), median(res[2], nrun), never,
			       now() - t0);
			fflush(stdout);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && strcmp(argv[1], "step") == 0) return step(argc - 2, argv + 2);
	if (argc >= 4 && strcmp(argv[1], "process") == 0) return process(argv + 2);
	if (argc >= 2 && strcmp(argv[1], "speed") == 0) {
		speed(argc > 2 ? atoi(argv[2]) : 7);
		return 0;
	}
	if (argc >= 11 && strcmp(argv[1], "replay") == 0) return replay(argc - 2, argv + 2);
	fprintf(stderr, "usage: bench-suggest speed [REPS]\n"
	                "       bench-suggest step MODEL OBJECTIVE HISTORY CANDIDATES [REPS]\n"
	                "       bench-suggest process REPS COMMAND [ARG...]\n"
	                "       bench-suggest replay TRACE SPACE OBJECTIVE META PRETRAIN TASKS ALGOS SEEDS CAP [KEY=VAL...]\n");
	return 2;
}
