/* mph-adapt: fine-tune a (meta-trained) model on one service's trials and
 * write the adapted model, or its predictions for given configurations. */
#include <getopt.h>
#include <math.h>
#include "tool.h"

static const char usage_line[] =
	"usage: mph-adapt [-hqv] [-M METRIC] [-o FILE] [-s SPACE] [--init meta|random] [--optimizer sgd|adam]\n"
	"                 [--steps N] [--lr X] [--batch N] [--l2 X] [--seed N] [--predict CONFIGS] MODEL [TRIALS]\n";


static void help(void)
{
	char a[32];
	printf("%s\n"
	       "Adapts MODEL to one service from its trials (CSV: the knob columns, the\n"
	       "metric, optionally `status`; rows whose status is not ok count as the\n"
	       "model's fail value) and writes the adapted model, or with --predict the\n"
	       "adapted model's prediction for each configuration of CONFIGS.\n\n"
	       "  -M, --metric NAME      trials column to fit [the model's metric]\n"
	       "  -o, --output FILE      write to FILE (complete or absent) [stdout]\n"
	       "  -s, --space FILE       check that MODEL was trained on this space; a role\n"
	       "                         model is fitted to it by its knobs' roles\n"
	       "      --init INIT        meta: start from MODEL's weights; random: train the\n"
	       "                         same network from scratch (the Ernest baseline) [meta]\n"
	       "      --predict FILE     write CONFIGS' rows with a pred_metric column\n"
	       "      --seed N           random seed (--init random, --batch) [1]\n"
	       "  -v, --verbose          report the fit on stderr\n"
	       "  -q, --quiet            no report\n"
	       "  -h, --help             this help\n"
	       "      --version          print the version\n\n"
	       "Training (defaults: the model's own adaptation settings; with --init random\n"
	       "adam, %d steps, lr %s):\n"
	       "      --optimizer OPT    sgd or adam\n"
	       "      --steps N          gradient steps\n"
	       "      --lr X             learning rate\n"
	       "      --batch N          rows per step, 0 = all\n"
	       "      --l2 X             weight decay\n\n"
	       "TRIALS defaults to standard input. See mph-adapt(1), mph-model(5).\n",
	       usage_line, mph_train_scratch.steps, mph_fmt_double(a, mph_train_scratch.lr));
}

enum { OPT_BATCH = 256, OPT_INIT, OPT_L2, OPT_LR, OPT_OPTIMIZER, OPT_PREDICT, OPT_SEED, OPT_STEPS, OPT_VERSION };

typedef struct {
	const char *output, *space, *metric, *predict, *model, *trials;
	int verbose, random_init, opt; /* opt: an mph_optimizer, -1 for the default */
	long steps, batch;             /* -1: the default */
	double lr, l2;                 /* -1: the default */
	uint64_t seed;
} settings;

/* Copies CONFIGS through with the prediction appended to each row as
 * pred_metric (a column of that name already there is replaced). */
static int predict(mph_model *m, const char *path, FILE *fp, mph_error *err)
{
	const mph_space *s = mph_model_space(m);
	mph_csv *c = mph_csv_open(path, err);
	size_t nk = mph_space_nknobs(s), nf = mph_space_nfeatures(s), nc, i, *cols, *idx;
	double *x, y;
	long skip;
	int rc;
	if (c == NULL) return -1;
	nc = mph_csv_ncols(c);
	cols = tool_alloc(nk * sizeof *cols);
	idx = tool_alloc(nk * sizeof *idx);
	x = tool_alloc(nf * sizeof *x);
	skip = mph_csv_col(c, "pred_metric");
	if ((rc = mph_space_bind(s, c, cols, err)) == 0) {
		const char *const *h = mph_csv_header(c);
		for (i = 0; i < nc; i++)
			if ((long)i != skip) { mph_csv_write_field(fp, h[i]); putc(',', fp); }
		fputs("pred_metric\n", fp);
	}
	while (rc == 0 && (rc = mph_csv_read(c, err)) == 1) {
		const char *const *f = mph_csv_fields(c);
		if ((rc = mph_space_parse(s, c, cols, idx, err)) != 0) break;
		mph_space_encode(s, idx, x);
		mph_model_predict(m, x, 1, &y);
		for (i = 0; i < nc; i++)
			if ((long)i != skip) { mph_csv_write_field(fp, f[i]); putc(',', fp); }
		mph_csv_write_double(fp, y);
		putc('\n', fp);
		rc = 0;
	}
	free(cols); free(idx); free(x);
	mph_csv_close(c);
	return rc < 0 ? -1 : 0;
}

/* The model's own adaptation, or from scratch's, with the options given. */
static mph_train_opts training(const settings *st, const mph_model *m)
{
	mph_train_opts o = st->random_init ? mph_train_scratch : *mph_model_adapt_opts(m);
	if (st->opt >= 0) o.opt = (mph_optimizer)st->opt;
	if (st->steps >= 0) o.steps = (int)st->steps;
	if (st->lr >= 0) o.lr = st->lr;
	if (st->batch >= 0) o.batch = (size_t)st->batch;
	if (st->l2 >= 0) o.l2 = st->l2;
	return o;
}

static void report_fit(mph_model *m, const double *x, const double *y, size_t n)
{
	double *pred = tool_alloc(n * sizeof *pred), se = 0;
	size_t i;
	mph_model_predict(m, x, n, pred);
	for (i = 0; i < n; i++) se += (pred[i] - y[i]) * (pred[i] - y[i]);
	fprintf(stderr, "%s: adapted on %zu trials, rms error %.4g\n", tool_prog, n, sqrt(se / (double)n));
	free(pred);
}

static void record(mph_model *m, int argc, char **argv, const settings *st, const mph_history *h,
                   uint64_t digest, const mph_train_opts *o)
{
	json_t *a = mph_train_opts_to_json(o);
	char hex[17];
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)digest);
	json_object_set_new(a, "tool", json_string("mph-adapt"));
	json_object_set_new(a, "version", json_string(MPH_VERSION));
	json_object_set_new(a, "args", tool_recorded_args(argc, argv));
	json_object_set_new(a, "init", json_string(st->random_init ? "random" : "meta"));
	json_object_set_new(a, "trials", json_integer((json_int_t)mph_history_n(h)));
	json_object_set_new(a, "failed", json_integer((json_int_t)mph_history_nfailed(h)));
	json_object_set_new(a, "digest", json_string(hex));
	json_object_set_new(mph_model_provenance(m), "adaptation", a);
}

/* Adapts m to the trials, then writes it, or its predictions. */
static int adapt(mph_model *m, int argc, char **argv, const settings *st, mph_error *err)
{
	const mph_space *s = mph_model_space(m);
	const char *metric = st->metric ? st->metric : mph_model_metric(m);
	mph_history *h;
	mph_train_opts o = training(st, m);
	mph_out *out = NULL;
	uint64_t digest;
	double *x = NULL, *y = NULL;
	size_t n;
	mph_rng rng;
	int rc = -1;
	h = mph_history_load_metric(st->trials, s, metric, mph_model_fail_value(m), &digest, err);
	if (h == NULL) return -1;
	if ((n = mph_history_n(h)) == 0) {
		mph_error_set(err, strcmp(st->trials, "-") == 0 ? "<stdin>" : st->trials, 0, 0,
		              "no trials to adapt on");
		goto done;
	}
	x = tool_alloc(n * mph_space_nfeatures(s) * sizeof *x);
	y = tool_alloc(n * sizeof *y);
	mph_history_encode(h, s, x, y);
	mph_rng_seed(&rng, st->seed);
	if (st->random_init) mph_model_init_random(m, &rng);
	if (mph_model_adapt(m, x, y, n, &o, &rng, err) != 0) goto done;
	if (st->verbose) report_fit(m, x, y, n);
	record(m, argc, argv, st, h, digest, &o);
	if (st->predict == NULL) {
		rc = mph_model_save(m, st->output, err);
	} else if ((out = mph_out_open(st->output, err)) != NULL) {
		if (predict(m, st->predict, mph_out_fp(out), err) != 0) mph_out_abort(out);
		else rc = mph_out_commit(out, err);
	}
done:
	free(x);
	free(y);
	mph_history_free(h);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"batch", required_argument, NULL, OPT_BATCH},
		{"help", no_argument, NULL, 'h'},
		{"init", required_argument, NULL, OPT_INIT},
		{"l2", required_argument, NULL, OPT_L2},
		{"lr", required_argument, NULL, OPT_LR},
		{"metric", required_argument, NULL, 'M'},
		{"optimizer", required_argument, NULL, OPT_OPTIMIZER},
		{"output", required_argument, NULL, 'o'},
		{"predict", required_argument, NULL, OPT_PREDICT},
		{"quiet", no_argument, NULL, 'q'},
		{"seed", required_argument, NULL, OPT_SEED},
		{"space", required_argument, NULL, 's'},
		{"steps", required_argument, NULL, OPT_STEPS},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0}};
	settings st = {NULL, NULL, NULL, NULL, NULL, "-", 0, 0, -1, -1, -1, -1, -1, 1};
	mph_optimizer opt;
	int ch;
	mph_error err;
	mph_model *m = NULL;
	mph_space *s = NULL;

	tool_start(argv, "mph-adapt");
	while ((ch = getopt_long(argc, argv, "hM:o:qs:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h': help(); return tool_stdout_status();
		case 'M': st.metric = optarg; break;
		case 'o': st.output = optarg; break;
		case 'q': st.verbose = 0; break;
		case 's': st.space = optarg; break;
		case 'v': st.verbose = 1; break;
		case OPT_BATCH: if (tool_long_opt("--batch", optarg, 0, 100000000, &st.batch)) goto usage; break;
		case OPT_INIT:
			if (strcmp(optarg, "meta") == 0) st.random_init = 0;
			else if (strcmp(optarg, "random") == 0) st.random_init = 1;
			else { tool_usage_error("--init: expected meta or random: '%s'", optarg); goto usage; }
			break;
		case OPT_L2: if (tool_double_opt("--l2", optarg, 0, 1e6, &st.l2)) goto usage; break;
		case OPT_LR: if (tool_double_opt("--lr", optarg, 0, 1e6, &st.lr)) goto usage; break;
		case OPT_OPTIMIZER:
			if (mph_optimizer_parse(optarg, &opt) != 0) {
				tool_usage_error("--optimizer: expected sgd or adam: '%s'", optarg);
				goto usage;
			}
			st.opt = (int)opt;
			break;
		case OPT_PREDICT: st.predict = optarg; break;
		case OPT_SEED: if (tool_seed_opt("--seed", optarg, &st.seed)) goto usage; break;
		case OPT_STEPS: if (tool_long_opt("--steps", optarg, 0, 10000000, &st.steps)) goto usage; break;
		case OPT_VERSION: printf("mph-adapt %s\n", MPH_VERSION); return tool_stdout_status();
		default: goto usage;
		}
	}
	if (optind == argc || argc - optind > 2) {
		tool_usage_error(optind == argc ? "missing MODEL" : "too many arguments");
		goto usage;
	}
	st.model = argv[optind];
	if (optind + 1 < argc) st.trials = argv[optind + 1];
	if (strcmp(st.model, "-") == 0 && strcmp(st.trials, "-") == 0) {
		tool_usage_error("MODEL and TRIALS cannot both be standard input");
		goto usage;
	}
	if (st.predict != NULL && strcmp(st.predict, "-") == 0 &&
	    (strcmp(st.model, "-") == 0 || strcmp(st.trials, "-") == 0)) {
		tool_usage_error("--predict, MODEL and TRIALS cannot share standard input");
		goto usage;
	}

	if ((m = mph_model_load(st.model, &err)) == NULL ||
	    (st.space != NULL && ((s = mph_space_load(st.space, &err)) == NULL ||
	                          mph_model_fit_space(m, s, st.model, &err) != 0)) ||
	    adapt(m, argc, argv, &st, &err) != 0) {
		tool_error(&err);
		mph_model_free(m);
		mph_space_free(s);
		return 1;
	}
	mph_model_free(m);
	mph_space_free(s);
	return 0;
usage:
	fputs(usage_line, stderr);
	return 2;
}
