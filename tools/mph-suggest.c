/* mph-suggest: choose the next configurations to stress-test, from the
 * candidates on stdin, the trials so far, the objective and a model. */
#include <getopt.h>
#include <math.h>
#include <sys/stat.h>
#include "tool.h"

static const char usage_line[] =
	"usage: mph-suggest [-h] [-a ALGO] [-m MODEL] [-n N] [-O OBJECTIVE] [-s SPACE] [-t TRIALS]\n"
	"                   [--seed N] [--delta X] [--kappa X] [--xi X] [--acq ucb|ei] [--members N]\n"
	"                   [--cover] [--local AGE[,TOP[,EVERY]]] [--adapt-steps N] [--adapt-lr X]\n"
	"                   [CANDIDATES]\n";

static void help(void)
{
	char delta[32], xi[32], lr[32];
	mph_search_opts d, ucb, gp;
	mph_search_opts_init(&d, MPH_ALGO_MORPHLING_GP);
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
	       "  -O, --objective FILE what to maximise or minimise (mph-objective(5));\n"
	       "                       every algorithm but random and grid needs it\n"
	       "  -s, --space FILE     the space (needed without --model; checked against it)\n"
	       "  -t, --history FILE   trials so far (CSV: knob columns, the metric, optional\n"
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
	       "      --local AGE[,TOP[,EVERY]]  morphling-gp: once the best trial is AGE\n"
	       "                       trials old, every EVERY-th step [2] the best-predicted\n"
	       "                       configuration fewest knobs (at most 2) away from one\n"
	       "                       of the TOP [3] best trials; off (or 0): never [5]\n"
	       "      --adapt-steps N  fine-tuning steps [the model's own]\n"
	       "      --adapt-lr X     fine-tuning learning rate [the model's own]\n"
	       "  -h, --help           this help\n"
	       "      --version        print the version\n\n"
	       "CANDIDATES defaults to standard input. Ernest trains from scratch with Adam,\n"
	       "%d steps, lr %s. See mph-suggest(1).\n",
	       usage_line, mph_algo_name(d.algo), (unsigned long long)d.seed,
	       mph_fmt_double(delta, d.delta), gp.kappa, ucb.kappa,
	       mph_fmt_double(xi, d.xi), d.acq == MPH_ACQ_UCB ? "ucb" : "ei", d.members,
	       d.scratch.steps, mph_fmt_double(lr, d.scratch.lr));
}

typedef struct {
	const char *model, *objective, *space, *history, *candidates;
	mph_algo algo;
	long count;
	mph_search_args search;
} settings;

enum { OPT_SEARCH = 256, OPT_VERSION };

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
	fputs(MPH_SUGGEST_COLUMNS "\n", fp);
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

/* What one run holds, freed in one place whether it succeeded or not. */
typedef struct {
	mph_model *model;
	mph_space *space;
	mph_objective *obj;
	mph_history *hist;
	mph_csv *csv;
	mph_candidates *cand;
	mph_search *search;
	mph_suggestion *sg;
} run_state;

static void run_free(run_state *r)
{
	free(r->sg);
	mph_search_free(r->search);
	mph_candidates_free(r->cand);
	mph_csv_close(r->csv);
	mph_history_free(r->hist);
	mph_objective_free(r->obj);
	mph_space_free(r->space);
	mph_model_free(r->model);
}

/* Loads the inputs, asks the library for st->count suggestions and writes
 * them: 0, or -1 with err filled. */
static int suggest(const settings *st, run_state *r, mph_error *err)
{
	const mph_space *sp;
	mph_search_opts so;
	long got;

	if (st->model && (r->model = mph_model_load(st->model, err)) == NULL) return -1;
	if (st->space) {
		if ((r->space = mph_space_load(st->space, err)) == NULL) return -1;
		if (r->model && mph_model_check_space(r->model, r->space, st->model, err) != 0) return -1;
	}
	sp = r->model ? mph_model_space(r->model) : r->space;
	if (st->objective && (r->obj = mph_objective_load(st->objective, err)) == NULL) return -1;
	if (r->model && r->obj && mph_algo_needs_model(st->algo) &&
	    mph_search_check_metric(r->model, st->model, r->obj, st->objective, err) != 0)
		return -1;
	mph_search_opts_apply(&so, st->algo, &st->search, r->model);

	if ((r->csv = mph_csv_open(st->candidates, err)) == NULL) return -1;
	if ((r->cand = mph_candidates_read(r->csv, sp, r->obj, err)) == NULL) {
		if (r->model && !r->space) {
			size_t len = strlen(err->text);
			snprintf(err->text + len, sizeof err->text - len, " (not the space of model %s)", st->model);
		}
		return -1;
	}
	if (mph_candidates_n(r->cand) == 0)
		return mph_error_set(err, mph_csv_name(r->csv), 0, 0, "no candidate configurations");
	if (st->history && !empty_file(st->history) &&
	    (r->hist = mph_history_load(st->history, sp, r->obj, r->model ? mph_model_fail_value(r->model) : 0.0,
	                                err)) == NULL)
		return -1;
	if (r->hist == NULL) r->hist = mph_history_new();

	if ((r->search = mph_search_new(sp, r->model, &so, err)) == NULL) return -1;
	r->sg = tool_alloc((size_t)st->count * sizeof *r->sg);
	if ((got = mph_search_suggest(r->search, r->cand, r->hist, (size_t)st->count, r->sg, err)) < 0) return -1;
	if (got == 0)
		fprintf(stderr, "%s: every candidate has been measured: nothing to suggest\n", tool_prog);
	else if (got < st->count)
		fprintf(stderr, "%s: only %ld unmeasured candidates left\n", tool_prog, got);
	write_rows(stdout, r->cand, r->sg, got, r->obj);
	if (fflush(stdout) != 0 || ferror(stdout)) return mph_error_set(err, "<stdout>", 0, 0, "write error");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"acq", required_argument, NULL, OPT_SEARCH},
		{"adapt-lr", required_argument, NULL, OPT_SEARCH},
		{"adapt-steps", required_argument, NULL, OPT_SEARCH},
		{"algo", required_argument, NULL, 'a'},
		{"count", required_argument, NULL, 'n'},
		{"cover", no_argument, NULL, OPT_SEARCH},
		{"delta", required_argument, NULL, OPT_SEARCH},
		{"help", no_argument, NULL, 'h'},
		{"history", required_argument, NULL, 't'},
		{"kappa", required_argument, NULL, OPT_SEARCH},
		{"local", required_argument, NULL, OPT_SEARCH},
		{"members", required_argument, NULL, OPT_SEARCH},
		{"model", required_argument, NULL, 'm'},
		{"objective", required_argument, NULL, 'O'},
		{"seed", required_argument, NULL, OPT_SEARCH},
		{"space", required_argument, NULL, 's'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"xi", required_argument, NULL, OPT_SEARCH},
		{NULL, 0, NULL, 0}};
	settings st = {NULL, NULL, NULL, NULL, "-", MPH_ALGO_MORPHLING_GP, 1, {0}};
	run_state r = {0};
	mph_error err;
	int ch, li = 0, rc;

	tool_start(argv, "mph-suggest");
	mph_search_args_init(&st.search);
	while ((ch = getopt_long(argc, argv, "O:a:hm:n:s:t:", longopts, &li)) != -1) {
		switch (ch) {
		case 'O': st.objective = optarg; break;
		case 'a':
			if (mph_algo_parse(optarg, &st.algo) != 0) {
				tool_usage_error("--algo: unknown algorithm: '%s'", optarg);
				goto usage;
			}
			break;
		case 'h': help(); return tool_stdout_status();
		case 'm': st.model = optarg; break;
		case 'n': if (tool_long_opt("--count", optarg, 1, 1000000, &st.count)) goto usage; break;
		case 's': st.space = optarg; break;
		case 't': st.history = optarg; break;
		case OPT_SEARCH: if (tool_search_opt(longopts[li].name, optarg, &st.search) != 0) goto usage; break;
		case OPT_VERSION: printf("mph-suggest %s\n", MPH_VERSION); return tool_stdout_status();
		default: goto usage;
		}
	}
	if (argc - optind > 1) { tool_usage_error("too many arguments"); goto usage; }
	if (optind < argc) st.candidates = argv[optind];
	if (mph_algo_needs_model(st.algo) && st.model == NULL) {
		tool_usage_error("--algo %s needs --model", mph_algo_name(st.algo));
		goto usage;
	}
	if (mph_algo_needs_objective(st.algo) && st.objective == NULL) {
		tool_usage_error("--algo %s needs --objective", mph_algo_name(st.algo));
		goto usage;
	}
	if (st.model == NULL && st.space == NULL) { tool_usage_error("--space or --model is needed"); goto usage; }
	if (st.history && strcmp(st.history, "-") == 0 && strcmp(st.candidates, "-") == 0) {
		tool_usage_error("--history and CANDIDATES cannot both be standard input");
		goto usage;
	}

	rc = suggest(&st, &r, &err) == 0 ? 0 : 1;
	if (rc != 0) tool_error(&err);
	run_free(&r);
	return rc;
usage:
	fputs(usage_line, stderr);
	return 2;
}
