/* mph-adapt: fine-tune a (meta-trained) model on one service's trials and
 * write the adapted model, or its predictions for given configurations. */
#include <getopt.h>
#include <math.h>
#include "tool.h"

static const char usage_line[] =
	"usage: mph-adapt [-hqv] [-m METRIC] [-o FILE] [-s SPACE] [--init meta|random] [--optimizer sgd|adam]\n"
	"                 [--steps N] [--lr X] [--batch N] [--l2 X] [--seed N] [--predict CONFIGS] MODEL [TRIALS]\n";


static void help(void)
{
	char a[32];
	printf("%s\n"
	       "Adapts MODEL to one service from its trials (CSV: the knob columns, the\n"
	       "metric, optionally `status`; rows whose status is not ok count as the\n"
	       "model's fail value) and writes the adapted model, or with --predict the\n"
	       "adapted model's prediction for each configuration of CONFIGS.\n\n"
	       "  -m, --metric NAME      trials column to fit [the model's metric]\n"
	       "  -o, --output FILE      write to FILE (complete or absent) [stdout]\n"
	       "  -s, --space FILE       check that MODEL was trained on this space\n"
	       "      --init INIT        meta: start from MODEL's weights; random: train the\n"
	       "                         same network from scratch (the Ernest baseline) [meta]\n"
	       "      --predict FILE     write CONFIGS' rows with a pred_METRIC column\n"
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

/* Copies CONFIGS through with the prediction appended to each row (a
 * column of that name already there is replaced). */
static int predict(mph_model *m, const char *path, FILE *fp, mph_error *err)
{
	const mph_space *s = mph_model_space(m);
	mph_csv *c = mph_csv_open(path, err);
	size_t nk = mph_space_nknobs(s), nf = mph_space_nfeatures(s), nc, i, *cols, *idx;
	double *x, y;
	char *name;
	long skip;
	int rc;
	if (c == NULL) return -1;
	nc = mph_csv_ncols(c);
	cols = malloc((nk + 1) * sizeof *cols);
	idx = malloc((nk + 1) * sizeof *idx);
	x = malloc((nf + 1) * sizeof *x);
	name = malloc(strlen(m->metric) + 6);
	if (cols == NULL || idx == NULL || x == NULL || name == NULL) { perror(tool_prog); exit(1); }
	sprintf(name, "pred_%s", m->metric);
	skip = mph_csv_col(c, name);
	if ((rc = mph_space_bind(s, c, cols, err)) == 0) {
		const char *const *h = mph_csv_header(c);
		for (i = 0; i < nc; i++)
			if ((long)i != skip) { mph_csv_write_field(fp, h[i]); putc(',', fp); }
		mph_csv_write_field(fp, name);
		putc('\n', fp);
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
	free(cols); free(idx); free(x); free(name);
	mph_csv_close(c);
	return rc < 0 ? -1 : 0;
}

static json_t *adaptation(int argc, char **argv, const mph_trace *t, const mph_train_opts *o,
                          int random_init)
{
	json_t *a = json_object();
	char hex[17];
	size_t i, failed = 0;
	for (i = 0; i < t->tasks[0].n; i++) failed += t->tasks[0].failed[i];
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)t->digest);
	json_object_set_new(a, "tool", json_string("mph-adapt"));
	json_object_set_new(a, "version", json_string(MPH_VERSION));
	json_object_set_new(a, "args", tool_recorded_args(argc, argv));
	json_object_set_new(a, "init", json_string(random_init ? "random" : "meta"));
	json_object_set_new(a, "trials", json_integer((json_int_t)t->tasks[0].n));
	json_object_set_new(a, "failed", json_integer((json_int_t)failed));
	json_object_set_new(a, "digest", json_string(hex));
	json_object_set_new(a, "optimizer", json_string(o->opt == MPH_OPT_ADAM ? "adam" : "sgd"));
	json_object_set_new(a, "steps", json_integer(o->steps));
	json_object_set_new(a, "lr", json_real(o->lr));
	json_object_set_new(a, "batch", json_integer((json_int_t)o->batch));
	json_object_set_new(a, "l2", json_real(o->l2));
	return a;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"batch", required_argument, NULL, OPT_BATCH},
		{"help", no_argument, NULL, 'h'},
		{"init", required_argument, NULL, OPT_INIT},
		{"l2", required_argument, NULL, OPT_L2},
		{"lr", required_argument, NULL, OPT_LR},
		{"metric", required_argument, NULL, 'm'},
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
	const char *output = NULL, *space_path = NULL, *metric = NULL, *predict_path = NULL;
	const char *trials_path = "-", *model_path;
	int ch, verbose = 0, random_init = 0, opt = -1;
	long steps = -1, batch = -1;
	double lr = -1, l2 = -1;
	uint64_t seed = 1;
	mph_error err;
	mph_model *m = NULL;
	mph_trace *t = NULL;
	mph_space *s = NULL;
	mph_train_opts o;
	mph_rng rng;
	mph_out *out = NULL;
	json_t *adapt_prov;

	tool_prog = "mph-adapt";
	while ((ch = getopt_long(argc, argv, "hm:o:qs:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h': help(); return tool_stdout_status();
		case 'm': metric = optarg; break;
		case 'o': output = optarg; break;
		case 'q': verbose = 0; break;
		case 's': space_path = optarg; break;
		case 'v': verbose = 1; break;
		case OPT_BATCH: if (tool_long_opt("--batch", optarg, 0, 100000000, &batch)) goto usage; break;
		case OPT_INIT:
			if (strcmp(optarg, "meta") == 0) random_init = 0;
			else if (strcmp(optarg, "random") == 0) random_init = 1;
			else { tool_usage_error("--init: expected meta or random: '%s'", optarg); goto usage; }
			break;
		case OPT_L2: if (tool_double_opt("--l2", optarg, 0, 1e6, &l2)) goto usage; break;
		case OPT_LR: if (tool_double_opt("--lr", optarg, 0, 1e6, &lr)) goto usage; break;
		case OPT_OPTIMIZER:
			if (strcmp(optarg, "sgd") == 0) opt = MPH_OPT_SGD;
			else if (strcmp(optarg, "adam") == 0) opt = MPH_OPT_ADAM;
			else { tool_usage_error("--optimizer: expected sgd or adam: '%s'", optarg); goto usage; }
			break;
		case OPT_PREDICT: predict_path = optarg; break;
		case OPT_SEED: if (tool_seed_opt("--seed", optarg, &seed)) goto usage; break;
		case OPT_STEPS: if (tool_long_opt("--steps", optarg, 0, 10000000, &steps)) goto usage; break;
		case OPT_VERSION: printf("mph-adapt %s\n", MPH_VERSION); return tool_stdout_status();
		default: goto usage;
		}
	}
	if (optind == argc || argc - optind > 2) {
		tool_usage_error(optind == argc ? "missing MODEL" : "too many arguments");
		goto usage;
	}
	model_path = argv[optind];
	if (optind + 1 < argc) trials_path = argv[optind + 1];
	if (strcmp(model_path, "-") == 0 && strcmp(trials_path, "-") == 0) {
		tool_usage_error("MODEL and TRIALS cannot both be standard input");
		goto usage;
	}
	if (predict_path != NULL && strcmp(predict_path, "-") == 0 &&
	    (strcmp(model_path, "-") == 0 || strcmp(trials_path, "-") == 0)) {
		tool_usage_error("--predict, MODEL and TRIALS cannot share standard input");
		goto usage;
	}

	if ((m = mph_model_load(model_path, &err)) == NULL) goto fail;
	if (space_path != NULL) {
		if ((s = mph_space_load(space_path, &err)) == NULL) goto fail;
		if (mph_model_check_space(m, s, model_path, &err) != 0) goto fail;
	}
	t = mph_trials_load(trials_path, mph_model_space(m), metric ? metric : m->metric, m->fail_value, &err);
	if (t == NULL) goto fail;
	if (t->tasks[0].n == 0) {
		mph_error_set(&err, strcmp(trials_path, "-") == 0 ? "<stdin>" : trials_path, 0, 0,
		              "no trials to adapt on");
		goto fail;
	}
	mph_rng_seed(&rng, seed);
	o = random_init ? mph_train_scratch : m->adapt;
	if (opt >= 0) o.opt = (mph_optimizer)opt;
	if (steps >= 0) o.steps = (int)steps;
	if (lr >= 0) o.lr = lr;
	if (batch >= 0) o.batch = (size_t)batch;
	if (l2 >= 0) o.l2 = l2;
	if (random_init) mph_model_init_random(m, &rng);
	if (mph_model_adapt(m, t->tasks[0].x, t->tasks[0].y, t->tasks[0].n, &o, &rng, &err) != 0) goto fail;
	if (verbose) {
		mph_task *tk = &t->tasks[0];
		double *pred = malloc(tk->n * sizeof *pred), se = 0;
		size_t i;
		if (pred == NULL) { perror(tool_prog); exit(1); }
		mph_model_predict(m, tk->x, tk->n, pred);
		for (i = 0; i < tk->n; i++) se += (pred[i] - tk->y[i]) * (pred[i] - tk->y[i]);
		fprintf(stderr, "%s: adapted on %zu trials, rms error %.4g\n", tool_prog, tk->n,
		        sqrt(se / (double)tk->n));
		free(pred);
	}
	adapt_prov = adaptation(argc, argv, t, &o, random_init);
	json_object_set_new(m->provenance, "adaptation", adapt_prov);

	if (predict_path != NULL) {
		if ((out = mph_out_open(output, &err)) == NULL) goto fail;
		if (predict(m, predict_path, mph_out_fp(out), &err) != 0) goto fail;
		if (mph_out_commit(out, &err) != 0) { out = NULL; goto fail; }
		out = NULL;
	} else if (mph_model_save(m, output, &err) != 0) {
		goto fail;
	}
	mph_model_free(m);
	mph_trace_free(t);
	mph_space_free(s);
	return 0;
fail:
	tool_error(&err);
	mph_out_abort(out);
	mph_model_free(m);
	mph_trace_free(t);
	mph_space_free(s);
	return 1;
usage:
	fputs(usage_line, stderr);
	return 2;
}
