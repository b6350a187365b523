/* mph-suggest: choose the next configurations to stress-test, from the
 * candidates on stdin, the trials so far, the objective and a model. */
#include <getopt.h>
#include <math.h>
#include <sys/stat.h>
#include "tool.h"

static const char usage_line[] =
	"usage: mph-suggest [-h] [-a ALGO] [-m MODEL] [-n N] [-o OBJECTIVE] [-s SPACE] [--history TRIALS]\n"
	"                   [--seed N] [--delta X] [--kappa X] [--xi X] [--acq ucb|ei] [--members N]\n"
	"                   [--cover] [--adapt-steps N] [--adapt-lr X] [CANDIDATES]\n";

static void help(const mph_search_opts *d)
{
	char delta[32], xi[32], lr[32];
	mph_search_opts ucb, gp;
	mph_search_opts_init(&ucb, MPH_ALGO_GP_UCB);
	mph_search_opts_init(&gp, MPH_ALGO_MORPHLING_GP);
	printf("%s\n"
	       "Reads candidate configurations (CSV with the space's knob columns, e.g. from\n"
	       "mph-space) and writes the next N to measure, best first, never one already\n"
	       "in the history, each row followed by the columns that explain the choice:\n"
	       "pred_metric, pred_objective, uncertainty, acquisition (empty where the\n"
	       "algorithm has no such quantity).\n\n"
	       "  -a, --algo ALGO      morphling, morphling-gp, morphling-ens, finetune, ernest,\n"
	       "                       vizier, gp-ucb, gp-ei, random, grid [%s]\n"
	       "  -m, --model FILE     meta-model (morphling*), pretrained model (finetune,\n"
	       "                       vizier), or the architecture for ernest; its space binds\n"
	       "                       the candidate columns\n"
	       "  -n, --count N        configurations to suggest (a batch, by kriging\n"
	       "                       believer) [1]\n"
	       "  -o, --objective FILE what to maximise or minimise (mph-objective(5));\n"
	       "                       every algorithm but random and grid needs it\n"
	       "  -s, --space FILE     the space (needed without --model; checked against it)\n"
	       "      --history FILE   trials so far (CSV: knob columns, the metric, optional\n"
	       "                       status; an empty file is no trials) [none]\n"
	       "      --seed N         random seed [%llu]\n"
	       "      --delta X        weight of morphling's confidence |u_after - u_before| [%s]\n"
	       "      --kappa X        weight of the sd in UCB and morphling-ens [%g for\n"
	       "                       morphling-gp and vizier, %g for the others]\n"
	       "      --xi X           EI margin, in sds of the utilities seen [%s]\n"
	       "      --acq ACQ        ucb or ei, for vizier and morphling-gp [%s]\n"
	       "      --members N      adaptations in morphling-ens [%d]\n"
	       "      --cover          morphling-gp: first measure each value of a categorical\n"
	       "                       knob (e.g. a GPU type) that no trial has\n"
	       "      --adapt-steps N  fine-tuning steps [the model's own]\n"
	       "      --adapt-lr X     fine-tuning learning rate [the model's own]\n"
	       "  -h, --help           this help\n"
	       "      --version        print the version\n\n"
	       "CANDIDATES defaults to standard input. Ernest trains from scratch with Adam,\n"
	       "%d steps, lr %s. See mph-suggest(1).\n",
	       usage_line, mph_algo_name(d->algo), (unsigned long long)d->seed,
	       mph_fmt_double(delta, d->delta), gp.kappa, ucb.kappa,
	       mph_fmt_double(xi, d->xi), d->acq == MPH_ACQ_UCB ? "ucb" : "ei", d->members,
	       d->scratch.steps, mph_fmt_double(lr, d->scratch.lr));
}

enum { OPT_ACQ = 256, OPT_ADAPT_LR, OPT_ADAPT_STEPS, OPT_DELTA, OPT_HISTORY, OPT_KAPPA,
       OPT_COVER, OPT_MEMBERS, OPT_SEED, OPT_VERSION, OPT_XI };

/* An empty trials file is a search that has not started: no header needed. */
static int empty_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
}

static void write_rows(FILE *fp, const mph_candidates *c, const mph_suggestion *sg, long n,
                       const mph_objective *obj)
{
	size_t nc = mph_candidates_ncols(c), j;
	const char *const *h = mph_candidates_header(c);
	long i;
	for (j = 0; j < nc; j++) { mph_csv_write_field(fp, h[j]); putc(',', fp); }
	fputs("pred_metric,pred_objective,uncertainty,acquisition\n", fp);
	for (i = 0; i < n; i++) {
		const char *const *f = mph_candidates_fields(c, sg[i].cand);
		/* the objective in its own units: utility is negated when minimising */
		double obj_val = obj && !mph_objective_maximize(obj) ? -sg[i].pred_utility : sg[i].pred_utility;
		for (j = 0; j < nc; j++) { mph_csv_write_field(fp, f[j]); putc(',', fp); }
		mph_csv_write_double(fp, sg[i].pred_metric); putc(',', fp);
		mph_csv_write_double(fp, obj_val); putc(',', fp);
		mph_csv_write_double(fp, sg[i].uncertainty); putc(',', fp);
		mph_csv_write_double(fp, sg[i].acquisition); putc('\n', fp);
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"acq", required_argument, NULL, OPT_ACQ},
		{"adapt-lr", required_argument, NULL, OPT_ADAPT_LR},
		{"adapt-steps", required_argument, NULL, OPT_ADAPT_STEPS},
		{"algo", required_argument, NULL, 'a'},
		{"count", required_argument, NULL, 'n'},
		{"cover", no_argument, NULL, OPT_COVER},
		{"delta", required_argument, NULL, OPT_DELTA},
		{"help", no_argument, NULL, 'h'},
		{"history", required_argument, NULL, OPT_HISTORY},
		{"kappa", required_argument, NULL, OPT_KAPPA},
		{"members", required_argument, NULL, OPT_MEMBERS},
		{"model", required_argument, NULL, 'm'},
		{"objective", required_argument, NULL, 'o'},
		{"seed", required_argument, NULL, OPT_SEED},
		{"space", required_argument, NULL, 's'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"xi", required_argument, NULL, OPT_XI},
		{NULL, 0, NULL, 0}};
	const char *model_path = NULL, *obj_path = NULL, *space_path = NULL, *hist_path = NULL;
	const char *cand_path = "-";
	mph_search_opts so;
	mph_algo algo = MPH_ALGO_MORPHLING_GP;
	long count = 1, lval;
	double adapt_lr = -1, kappa = -1;
	long adapt_steps = -1;
	int ch;
	mph_error err;
	mph_model *model = NULL;
	mph_space *space = NULL;
	mph_objective *obj = NULL;
	mph_history *hist = NULL;
	mph_candidates *cand = NULL;
	mph_search *search = NULL;
	mph_suggestion *sg = NULL;
	mph_csv *csv = NULL;
	const mph_space *sp;
	long got;

	tool_prog = "mph-suggest";
	mph_search_opts_init(&so, algo);
	while ((ch = getopt_long(argc, argv, "a:hm:n:o:s:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (mph_algo_parse(optarg, &algo) != 0) {
				tool_usage_error("--algo: unknown algorithm: '%s'", optarg);
				goto usage;
			}
			break;
		case 'h': help(&so); return 0;
		case 'm': model_path = optarg; break;
		case 'n': if (tool_long_opt("--count", optarg, 1, 1000000, &count)) goto usage; break;
		case 'o': obj_path = optarg; break;
		case 's': space_path = optarg; break;
		case OPT_ACQ:
			if (strcmp(optarg, "ucb") == 0) so.acq = MPH_ACQ_UCB;
			else if (strcmp(optarg, "ei") == 0) so.acq = MPH_ACQ_EI;
			else { tool_usage_error("--acq: expected ucb or ei: '%s'", optarg); goto usage; }
			break;
		case OPT_ADAPT_LR: if (tool_double_opt("--adapt-lr", optarg, 0, 1e6, &adapt_lr)) goto usage; break;
		case OPT_ADAPT_STEPS:
			if (tool_long_opt("--adapt-steps", optarg, 0, 1000000, &adapt_steps)) goto usage;
			break;
		case OPT_DELTA: if (tool_double_opt("--delta", optarg, 0, 1e12, &so.delta)) goto usage; break;
		case OPT_HISTORY: hist_path = optarg; break;
		case OPT_KAPPA: if (tool_double_opt("--kappa", optarg, 0, 1e12, &kappa)) goto usage; break;
		case OPT_MEMBERS:
			if (tool_long_opt("--members", optarg, 2, 1000, &lval)) goto usage;
			so.members = (int)lval;
			break;
		case OPT_COVER: so.cover = 1; break;
		case OPT_SEED: if (tool_seed_opt("--seed", optarg, &so.seed)) goto usage; break;
		case OPT_VERSION: printf("mph-suggest %s\n", MPH_VERSION); return 0;
		case OPT_XI: if (tool_double_opt("--xi", optarg, 0, 1e12, &so.xi)) goto usage; break;
		default: goto usage;
		}
	}
	if (argc - optind > 1) { tool_usage_error("too many arguments"); goto usage; }
	if (optind < argc) cand_path = argv[optind];
	so.algo = algo;
	if (kappa >= 0) so.kappa = kappa;
	else {
		mph_search_opts d;
		mph_search_opts_init(&d, algo);
		so.kappa = d.kappa;
	}
	if (mph_algo_needs_model(algo) && model_path == NULL) {
		tool_usage_error("--algo %s needs --model", mph_algo_name(algo));
		goto usage;
	}
	if (mph_algo_needs_objective(algo) && obj_path == NULL) {
		tool_usage_error("--algo %s needs --objective", mph_algo_name(algo));
		goto usage;
	}
	if (model_path == NULL && space_path == NULL) {
		tool_usage_error("--space or --model is needed");
		goto usage;
	}
	if (hist_path != NULL && strcmp(hist_path, "-") == 0 && strcmp(cand_path, "-") == 0) {
		tool_usage_error("--history and CANDIDATES cannot both be standard input");
		goto usage;
	}

	if (model_path && (model = mph_model_load(model_path, &err)) == NULL) goto fail;
	if (space_path) {
		if ((space = mph_space_load(space_path, &err)) == NULL) goto fail;
		if (model && mph_model_check_space(model, space, model_path, &err) != 0) goto fail;
	}
	sp = model ? mph_model_space(model) : space;
	if (obj_path && (obj = mph_objective_load(obj_path, &err)) == NULL) goto fail;
	if (model && obj && strcmp(mph_objective_metric(obj), model->metric) != 0 &&
	    algo != MPH_ALGO_ERNEST && mph_algo_needs_model(algo)) {
		mph_error_set(&err, obj_path, 0, 0, "metric '%s' is not the model's ('%s')",
		              mph_objective_metric(obj), model->metric);
		goto fail;
	}
	if (adapt_steps >= 0 || adapt_lr >= 0) {
		so.adapt = model ? model->adapt : so.adapt;
		if (adapt_steps >= 0) so.adapt.steps = (int)adapt_steps;
		if (adapt_lr >= 0) so.adapt.lr = adapt_lr;
		if (so.adapt.steps < 0) so.adapt.steps = 10;
	}

	if ((csv = mph_csv_open(cand_path, &err)) == NULL) goto fail;
	if ((cand = mph_candidates_read(csv, sp, obj, &err)) == NULL) {
		if (model && !space) {
			size_t len = strlen(err.text);
			snprintf(err.text + len, sizeof err.text - len, " (not the space of model %s)", model_path);
		}
		goto fail;
	}
	if (mph_candidates_n(cand) == 0) {
		mph_error_set(&err, mph_csv_name(csv), 0, 0, "no candidate configurations");
		goto fail;
	}
	if (hist_path && !empty_file(hist_path) &&
	    (hist = mph_history_load(hist_path, sp, obj, model ? model->fail_value : 0.0, &err)) == NULL)
		goto fail;
	if (hist == NULL) hist = mph_history_new();

	if ((search = mph_search_new(sp, model, &so, &err)) == NULL) goto fail;
	sg = malloc((size_t)count * sizeof *sg);
	if (sg == NULL) { perror(tool_prog); exit(1); }
	if ((got = mph_search_suggest(search, cand, hist, (size_t)count, sg, &err)) < 0) goto fail;
	if (got == 0)
		fprintf(stderr, "%s: every candidate has been measured: nothing to suggest\n", tool_prog);
	else if (got < count)
		fprintf(stderr, "%s: only %ld unmeasured candidates left\n", tool_prog, got);
	write_rows(stdout, cand, sg, got, obj);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		mph_error_set(&err, "<stdout>", 0, 0, "write error");
		goto fail;
	}

	free(sg);
	mph_search_free(search);
	mph_candidates_free(cand);
	mph_csv_close(csv);
	mph_history_free(hist);
	mph_objective_free(obj);
	mph_space_free(space);
	mph_model_free(model);
	return 0;
fail:
	tool_error(&err);
	free(sg);
	mph_search_free(search);
	mph_candidates_free(cand);
	mph_csv_close(csv);
	mph_history_free(hist);
	mph_objective_free(obj);
	mph_space_free(space);
	mph_model_free(model);
	return 1;
usage:
	fputs(usage_line, stderr);
	return 2;
}
