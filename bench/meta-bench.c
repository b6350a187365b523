/* meta-bench: how well each way of starting the performance model predicts
 * a held-out service after K measured configurations (MAML, pretraining +
 * fine-tuning, from scratch), and how fast adaptation and prediction are.
 * Built and run by `make bench` (mk/bench-meta.mk); not installed. */
#include <getopt.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include "mph.h"

static const char usage_line[] =
	"usage: meta-bench -s SPACE [-m METRIC] [--folds N | --test T,...] [--reps R] [--ks K,...]\n"
	"                  [--methods M,...] [hyper-parameters] TRACE\n"
	"       meta-bench --speed -s SPACE [-m METRIC] [--configs N] TRACE\n";

static void die(const char *what, const mph_error *e)
{
	char buf[1400];
	fprintf(stderr, "meta-bench: %s%s%s\n", what, e ? ": " : "", e ? mph_error_format(e, buf, sizeof buf) : "");
	exit(1);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- ranking metrics ---- */

typedef struct { double v; size_t i; } vi;
static int cmp_vi(const void *a, const void *b)
{
	double x = ((const vi *)a)->v, y = ((const vi *)b)->v;
	if (x < y) return -1;
	if (x > y) return 1;
	return ((const vi *)a)->i < ((const vi *)b)->i ? -1 : 1;
}

/* Average ranks (ties share the mean rank). */
static void ranks(const double *x, size_t n, double *r, vi *tmp)
{
	size_t i, j, k;
	for (i = 0; i < n; i++) { tmp[i].v = x[i]; tmp[i].i = i; }
	qsort(tmp, n, sizeof *tmp, cmp_vi);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && tmp[j].v == tmp[i].v; j++) ;
		for (k = i; k < j; k++) r[tmp[k].i] = 0.5 * (double)(i + j - 1);
	}
}

static double spearman(const double *a, const double *b, size_t n, double *ra, double *rb, vi *tmp)
{
	double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
	size_t i;
	ranks(a, n, ra, tmp);
	ranks(b, n, rb, tmp);
	for (i = 0; i < n; i++) { ma += ra[i]; mb += rb[i]; }
	ma /= (double)n; mb /= (double)n;
	for (i = 0; i < n; i++) {
		sab += (ra[i] - ma) * (rb[i] - mb);
		saa += (ra[i] - ma) * (ra[i] - ma);
		sbb += (rb[i] - mb) * (rb[i] - mb);
	}
	return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0.0;
}

/* 1 if a truly best configuration (ties count: several configurations
 * often share the best value) is among the 10 best predicted. */
static int best_in_top10(const double *truth, const double *pred, size_t n, vi *tmp)
{
	double best = truth[0];
	size_t i;
	for (i = 1; i < n; i++)
		if (truth[i] > best) best = truth[i];
	for (i = 0; i < n; i++) { tmp[i].v = -pred[i]; tmp[i].i = i; }
	qsort(tmp, n, sizeof *tmp, cmp_vi);
	for (i = 0; i < n && i < 10; i++)
		if (truth[tmp[i].i] == best) return 1;
	return 0;
}

/* ---- settings ---- */

enum { M_MAML, M_FOMAML, M_PRETRAIN, M_SCRATCH, NMETHODS };
static const char *method_names[NMETHODS] = {"maml", "fomaml", "pretrain", "scratch"};

typedef struct {
	mph_meta_opts meta;
	size_t hidden[MPH_MLP_MAX_HIDDEN], nh;
	mph_train_opts adapt[NMETHODS]; /* how each method adapts */
	int use[NMETHODS];
	int pretrain_iters;
	int ks[8], nk;
	int reps, folds;
	uint64_t seed;
} settings;

static void split_ints(const char *s, int *v, int *n, int max)
{
	char *buf = strdup(s), *tok, *save;
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok && *n < max; tok = strtok_r(NULL, ",", &save)) v[(*n)++] = atoi(tok);
	free(buf);
}

/* ---- quality ---- */

typedef struct { double rho, hit; long n; } acc;

static mph_model *train(const mph_trace *t, const char *space_path, const char *metric, const settings *st,
                        int method, uint64_t seed)
{
	mph_error err;
	mph_space *s = mph_space_load(space_path, &err);
	mph_mlp *mlp;
	mph_meta_opts o = st->meta;
	mph_model *m;
	mph_rng rng;
	if (s == NULL) die("space", &err);
	mlp = mph_mlp_new(mph_space_nfeatures(s), st->nh, st->hidden);
	mph_rng_seed(&rng, seed);
	mph_mlp_init(mlp, &rng);
	if (method == M_MAML || method == M_FOMAML || method == M_PRETRAIN) {
		o.mode = method == M_MAML ? MPH_META_MAML : method == M_FOMAML ? MPH_META_FOMAML : MPH_META_PRETRAIN;
		if (method == M_PRETRAIN && st->pretrain_iters > 0) o.iters = st->pretrain_iters;
		if (mph_meta_train(mlp, t, &o, &rng, &err) != 0) die("meta-training", &err);
	}
	m = mph_model_new(s, mlp, metric, st->meta.norm, &err);
	if (m == NULL) die("model", &err);
	mph_model_set_adapt_opts(m, &st->adapt[method]);
	return m;
}

static void evaluate(const mph_trace *train_t, const mph_trace *test_t, const char *space_path,
                     const char *metric, const settings *st, uint64_t fold, acc res[NMETHODS][8])
{
	int meth, ki, rep;
	size_t nmax = 0, k, nf = mph_trace_nfeatures(test_t);
	for (k = 0; k < mph_trace_ntasks(test_t); k++)
		if (mph_trace_task_rows(test_t, k) > nmax) nmax = mph_trace_task_rows(test_t, k);
	{
		double *pred = malloc(nmax * sizeof *pred), *ra = malloc(nmax * sizeof *ra);
		double *rb = malloc(nmax * sizeof *rb), *X = malloc(nmax * nf * sizeof *X), *y = malloc(nmax * sizeof *y);
		size_t *perm = malloc(nmax * sizeof *perm);
		vi *tmp = malloc(nmax * sizeof *tmp);
		for (meth = 0; meth < NMETHODS; meth++) {
			mph_model *meta, *work;
			double t0;
			if (!st->use[meth]) continue;
			t0 = now();
			meta = train(train_t, space_path, metric, st, meth, st->seed * 1000 + fold);
			work = mph_model_clone(meta);
			fprintf(stderr, "meta-bench: fold %llu %s trained in %.1fs\n", (unsigned long long)fold,
			        method_names[meth], now() - t0);
			for (k = 0; k < mph_trace_ntasks(test_t); k++) {
				size_t n = mph_trace_task_rows(test_t, k);
				const double *tx = mph_trace_task_features(test_t, k), *ty = mph_trace_task_metric(test_t, k);
				for (ki = 0; ki < st->nk; ki++) {
					size_t K = (size_t)st->ks[ki], i;
					if (K > n) continue;
					for (rep = 0; rep < st->reps; rep++) {
						mph_rng rng;
						mph_error err;
						/* The same support sets for every method. */
						mph_rng_seed(&rng, st->seed ^ (fold << 40) ^ ((uint64_t)k << 24) ^ (K << 12) ^ (uint64_t)rep);
						for (i = 0; i < n; i++) perm[i] = i;
						mph_rng_shuffle(&rng, perm, n);
						for (i = 0; i < K; i++) {
							memcpy(X + i * nf, tx + perm[i] * nf, nf * sizeof *X);
							y[i] = ty[perm[i]];
						}
						mph_model_reset(work, meta);
						if (meth == M_SCRATCH) mph_model_init_random(work, &rng);
						if (mph_model_adapt(work, X, y, K, NULL, &rng, &err) != 0) die("adapt", &err);
						mph_model_predict(work, tx, n, pred);
						res[meth][ki].rho += spearman(ty, pred, n, ra, rb, tmp);
						res[meth][ki].hit += best_in_top10(ty, pred, n, tmp);
						res[meth][ki].n++;
					}
				}
			}
			mph_model_free(work);
			mph_model_free(meta);
		}
		free(pred); free(ra); free(rb); free(X); free(y); free(perm); free(tmp);
	}
}

/* The tasks named (or, with invert, not named) as a new trace. */
static mph_trace *subset(const mph_trace *t, char **names, size_t nn, int invert)
{
	size_t k, i, nt = mph_trace_ntasks(t);
	unsigned char *keep = calloc(nt ? nt : 1, 1);
	mph_trace *s;
	for (k = 0; k < nt; k++) {
		int in = 0;
		for (i = 0; i < nn; i++) in |= strcmp(mph_trace_task_name(t, k), names[i]) == 0;
		keep[k] = in != invert;
	}
	s = mph_trace_select(t, keep);
	free(keep);
	return s;
}

/* ---- speed ---- */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void speed(const mph_trace *t, const char *space_path, const char *metric, const settings *st,
                  size_t nconfigs, const char *model_path)
{
	mph_error err;
	mph_model *meta, *work;
	size_t rows = mph_trace_task_rows(t, 0), n = nconfigs < rows ? nconfigs : rows, nf = mph_trace_nfeatures(t), i;
	const double *tx = mph_trace_task_features(t, 0), *ty = mph_trace_task_metric(t, 0);
	double *pred = malloc(n * sizeof *pred), ta[200], tp[2000], X[30 * 64], y[30];
	mph_rng rng;
	int r;
	(void)st;
	if (nf > 64) die("too many features for --speed", NULL);
	meta = model_path ? mph_model_load(model_path, &err) : train(t, space_path, metric, st, M_SCRATCH, 1);
	if (meta == NULL) die("model", &err);
	work = mph_model_clone(meta);
	mph_rng_seed(&rng, 5);
	for (i = 0; i < 30; i++) {
		memcpy(X + i * nf, tx + i * 37 % rows * nf, nf * sizeof *X);
		y[i] = ty[i * 37 % rows];
	}
	for (r = 0; r < 200; r++) {
		double t0 = now();
		mph_model_reset(work, meta);
		if (mph_model_adapt(work, X, y, 30, NULL, &rng, &err) != 0) die("adapt", &err);
		ta[r] = now() - t0;
	}
	for (r = 0; r < 2000; r++) {
		double t0 = now();
		mph_model_predict(work, tx, n, pred);
		tp[r] = now() - t0;
	}
	printf("adapt on 30 trials (%s, %d steps): median %.3f ms\n",
	       mph_optimizer_name(mph_model_adapt_opts(meta)->opt), mph_model_adapt_opts(meta)->steps,
	       1e3 * median(ta, 200));
	printf("predict %zu configurations: median %.3f ms\n", n, 1e3 * median(tp, 2000));
	mph_model_free(work);
	mph_model_free(meta);
	free(pred);
}

enum {
	O_CONFIGS = 256, O_FOLDS, O_FT_LR, O_FT_OPT, O_FT_STEPS, O_HIDDEN, O_INNER_LR, O_INNER_STEPS, O_ITERS, O_KS,
	O_META_BATCH, O_METHODS, O_MODEL, O_NORM, O_OUTER_LR, O_PRE_ITERS, O_QUERY, O_REPS, O_SC_LR,
	O_SC_STEPS, O_SEED, O_SHOTS, O_SPEED, O_TEST, O_ADAPT_STEPS, O_ADAPT_LR
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"adapt-lr", required_argument, NULL, O_ADAPT_LR},
		{"adapt-steps", required_argument, NULL, O_ADAPT_STEPS},
		{"configs", required_argument, NULL, O_CONFIGS},
		{"folds", required_argument, NULL, O_FOLDS},
		{"ft-lr", required_argument, NULL, O_FT_LR},
		{"ft-opt", required_argument, NULL, O_FT_OPT},
		{"ft-steps", required_argument, NULL, O_FT_STEPS},
		{"hidden", required_argument, NULL, O_HIDDEN},
		{"inner-lr", required_argument, NULL, O_INNER_LR},
		{"inner-steps", required_argument, NULL, O_INNER_STEPS},
		{"iters", required_argument, NULL, O_ITERS},
		{"ks", required_argument, NULL, O_KS},
		{"meta-batch", required_argument, NULL, O_META_BATCH},
		{"methods", required_argument, NULL, O_METHODS},
		{"metric", required_argument, NULL, 'm'},
		{"model", required_argument, NULL, O_MODEL},
		{"norm", required_argument, NULL, O_NORM},
		{"outer-lr", required_argument, NULL, O_OUTER_LR},
		{"pretrain-iters", required_argument, NULL, O_PRE_ITERS},
		{"query", required_argument, NULL, O_QUERY},
		{"reps", required_argument, NULL, O_REPS},
		{"scratch-lr", required_argument, NULL, O_SC_LR},
		{"scratch-steps", required_argument, NULL, O_SC_STEPS},
		{"seed", required_argument, NULL, O_SEED},
		{"shots", required_argument, NULL, O_SHOTS},
		{"space", required_argument, NULL, 's'},
		{"speed", no_argument, NULL, O_SPEED},
		{"test", required_argument, NULL, O_TEST},
		{NULL, 0, NULL, 0}};
	settings st;
	const char *space_path = NULL, *metric = "rps", *test = NULL, *model_path = NULL;
	int ch, do_speed = 0, i, m, ki, adapt_steps = -1;
	double adapt_lr = -1;
	size_t nconfigs = 720, k;
	mph_error err;
	mph_space *s;
	mph_trace *t;
	acc res[NMETHODS][8];

	memset(&st, 0, sizeof st);
	mph_meta_opts_default(&st.meta);
	st.nh = 2; st.hidden[0] = st.hidden[1] = 128;
	st.use[M_MAML] = st.use[M_PRETRAIN] = st.use[M_SCRATCH] = 1;
	st.adapt[M_PRETRAIN] = (mph_train_opts){MPH_OPT_SGD, 20, 0.01, 0, 0};
	st.adapt[M_SCRATCH] = (mph_train_opts){MPH_OPT_ADAM, 300, 0.01, 0, 0};
	st.ks[0] = 8; st.ks[1] = 16; st.ks[2] = 32; st.nk = 3;
	st.reps = 10;
	st.folds = 3;
	st.seed = 1;
	while ((ch = getopt_long(argc, argv, "m:s:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm': metric = optarg; break;
		case 's': space_path = optarg; break;
		case O_ADAPT_LR: adapt_lr = atof(optarg); break;
		case O_ADAPT_STEPS: adapt_steps = atoi(optarg); break;
		case O_CONFIGS: nconfigs = (size_t)atol(optarg); break;
		case O_FOLDS: st.folds = atoi(optarg); break;
		case O_FT_LR: st.adapt[M_PRETRAIN].lr = atof(optarg); break;
		case O_FT_OPT: st.adapt[M_PRETRAIN].opt = strcmp(optarg, "adam") == 0 ? MPH_OPT_ADAM : MPH_OPT_SGD; break;
		case O_FT_STEPS: st.adapt[M_PRETRAIN].steps = atoi(optarg); break;
		case O_HIDDEN: {
			int v[MPH_MLP_MAX_HIDDEN], n, j;
			split_ints(optarg, v, &n, MPH_MLP_MAX_HIDDEN);
			for (j = 0; j < n; j++) st.hidden[j] = (size_t)v[j];
			st.nh = (size_t)n;
			break;
		}
		case O_INNER_LR: st.meta.inner_lr = atof(optarg); break;
		case O_INNER_STEPS: st.meta.inner_steps = atoi(optarg); break;
		case O_ITERS: st.meta.iters = atoi(optarg); break;
		case O_KS: split_ints(optarg, st.ks, &st.nk, 8); break;
		case O_META_BATCH: st.meta.meta_batch = atoi(optarg); break;
		case O_METHODS: {
			char *buf = strdup(optarg), *tok, *save;
			memset(st.use, 0, sizeof st.use);
			for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				for (m = 0; m < NMETHODS; m++)
					if (strcmp(tok, method_names[m]) == 0) st.use[m] = 1;
			free(buf);
			break;
		}
		case O_MODEL: model_path = optarg; break;
		case O_NORM: mph_norm_parse(optarg, &st.meta.norm); break;
		case O_OUTER_LR: st.meta.outer_lr = atof(optarg); break;
		case O_PRE_ITERS: st.pretrain_iters = atoi(optarg); break;
		case O_QUERY: st.meta.query = atoi(optarg); break;
		case O_REPS: st.reps = atoi(optarg); break;
		case O_SC_LR: st.adapt[M_SCRATCH].lr = atof(optarg); break;
		case O_SC_STEPS: st.adapt[M_SCRATCH].steps = atoi(optarg); break;
		case O_SEED: st.seed = strtoull(optarg, NULL, 10); break;
		case O_SHOTS: st.meta.shots = atoi(optarg); break;
		case O_SPEED: do_speed = 1; break;
		case O_TEST: test = optarg; break;
		default: fputs(usage_line, stderr); return 2;
		}
	}
	if (optind + 1 != argc || space_path == NULL) { fputs(usage_line, stderr); return 2; }
	st.adapt[M_MAML] = st.adapt[M_FOMAML] = (mph_train_opts){
		MPH_OPT_SGD, adapt_steps >= 0 ? adapt_steps : st.meta.inner_steps,
		adapt_lr >= 0 ? adapt_lr : st.meta.inner_lr, 0, 0};

	if ((s = mph_space_load(space_path, &err)) == NULL) die("space", &err);
	if ((t = mph_trace_load(argv[optind], s, metric, 0.0, &err)) == NULL) die("trace", &err);
	mph_space_free(s);
	if (do_speed) {
		speed(t, space_path, metric, &st, nconfigs, model_path);
		mph_trace_free(t);
		return 0;
	}
	memset(res, 0, sizeof res);
	if (test != NULL) {
		char *buf = strdup(test), *names[256], *tok, *save;
		size_t nn = 0;
		mph_trace *tr, *te;
		for (tok = strtok_r(buf, ",", &save); tok && nn < 256; tok = strtok_r(NULL, ",", &save)) names[nn++] = tok;
		tr = subset(t, names, nn, 1);
		te = subset(t, names, nn, 0);
		fprintf(stderr, "meta-bench: train on %zu tasks, test on %zu\n", mph_trace_ntasks(tr), mph_trace_ntasks(te));
		evaluate(tr, te, space_path, metric, &st, 0, res);
		mph_trace_free(tr); mph_trace_free(te);
		free(buf);
	} else {
		/* k-fold over tasks in a seeded order: every task is held out once. */
		size_t nt = mph_trace_ntasks(t), *order = malloc(nt * sizeof *order);
		char **names = malloc(nt * sizeof *names);
		mph_rng rng;
		int f;
		for (k = 0; k < nt; k++) order[k] = k;
		mph_rng_seed(&rng, st.seed);
		mph_rng_shuffle(&rng, order, nt);
		for (f = 0; f < st.folds; f++) {
			size_t nn = 0;
			mph_trace *tr, *te;
			for (k = 0; k < nt; k++)
				if ((int)(k % (size_t)st.folds) == f) names[nn++] = (char *)mph_trace_task_name(t, order[k]);
			tr = subset(t, names, nn, 1);
			te = subset(t, names, nn, 0);
			fprintf(stderr, "meta-bench: fold %d: train on %zu tasks, test on %zu:", f, mph_trace_ntasks(tr),
			        mph_trace_ntasks(te));
			for (k = 0; k < nn; k++) fprintf(stderr, " %s", names[k]);
			fputc('\n', stderr);
			evaluate(tr, te, space_path, metric, &st, (uint64_t)f, res);
			mph_trace_free(tr); mph_trace_free(te);
		}
		free(order); free(names);
	}
	printf("%-9s", "method");
	for (ki = 0; ki < st.nk; ki++) printf("  rho@K=%-3d top10@K=%-3d", st.ks[ki], st.ks[ki]);
	printf("\n");
	for (m = 0; m < NMETHODS; m++) {
		if (!st.use[m]) continue;
		printf("%-9s", method_names[m]);
		for (ki = 0; ki < st.nk; ki++) {
			acc *a = &res[m][ki];
			printf("  %9.3f %12.2f", a->n ? a->rho / (double)a->n : NAN, a->n ? a->hit / (double)a->n : NAN);
		}
		printf("\n");
	}
	(void)i;
	mph_trace_free(t);
	return 0;
}
