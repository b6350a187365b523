/* mph-suggest: choose the next configurations to stress-test, from the
 * candidates on stdin, the trials so far, the objective and a model. */
#include <getopt.h>
#include <stdlib.h>
#include <math.h>
#include <sys/stat.h>
#include "tool.h"

/* The meta-model mph-suggest uses without -m: share/mph/models/ (make models). */
#define DEFAULT_MODEL "zoo-roles.json"

static const char usage_line[] =
	"usage: mph-suggest [-h] [-a ALGO] [-m MODEL] [-n N] [-O OBJECTIVE] [-s SPACE] [-t TRIALS]\n"
	"                   [--seed N] [--delta X] [--kappa X] [--xi X] [--acq ucb|ei] [--members N]\n"
	"                   [--cover] [--fail-worst] [--local AGE[,TOP[,EVERY]]] [--adapt-steps N]\n"
	"                   [--adapt-lr X] [--profiles TRACE [--profiles-weight W]] [--stop]\n"
	"                   [--stop-ei X] [--stop-patience K] [CANDIDATES]\n";

static void help(void)
{
	char delta[32], xi[32], lr[32], ei[32];
	mph_search_opts d, ucb, gp;
	mph_stop_opts so;
	mph_stop_opts_init(&so);
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
	       "                       the candidate columns. Without -m and -a, with -s: the\n"
	       "                       shipped meta-model %s when the space's\n"
	       "                       knob roles fit it, else gp-ucb (stderr says which)\n"
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
	       "                       morphling-gp and vizier, %g for the others; %g for\n"
	       "                       morphling-gp with --profiles]\n"
	       "      --xi X           EI margin, in sds of the utilities seen [%s]\n"
	       "      --acq ACQ        ucb or ei, for vizier and morphling-gp [%s]\n"
	       "      --members N      adaptations in morphling-ens [%d]\n"
	       "      --cover          morphling-gp: first measure each value of a categorical\n"
	       "                       knob (e.g. a GPU type) that no trial has\n"
	       "      --fail-worst     the models learn a failed or constraint-violating trial\n"
	       "                       as the worst metric that worked, not the fail value\n"
	       "      --local AGE[,TOP[,EVERY]]  morphling-gp: once the best trial is AGE\n"
	       "                       trials old, every EVERY-th step [2] the best-predicted\n"
	       "                       configuration fewest knobs (at most 2) away from one\n"
	       "                       of the TOP [3] best trials; off (or 0): never [5]\n"
	       "      --adapt-steps N  fine-tuning steps [the model's own]\n"
	       "      --adapt-lr X     fine-tuning learning rate [the model's own]\n"
	       "      --profiles TRACE morphling-gp: the measured surfaces of the services in\n"
	       "                       TRACE (mph-trace(5), as the model's metric; e.g. the\n"
	       "                       trace it was trained on) blended into its prior, each\n"
	       "                       weighted by how well it fits the trials\n"
	       "      --profiles-weight W  the adapted model's share of that prior [%g]\n"
	       "      --stop           the stopping rule: suggest nothing (exit 3) once the best\n"
	       "                       trial is --stop-patience samples old and no candidate's\n"
	       "                       expected improvement over it is --stop-ei of it\n"
	       "      --stop-ei X      relative expected improvement to stop below [%s]\n"
	       "      --stop-patience K  samples the best trial must be old [%ld]\n"
	       "  -h, --help           this help\n"
	       "      --version        print the version\n\n"
	       "CANDIDATES defaults to standard input. Ernest trains from scratch with Adam,\n"
	       "%d steps, lr %s. Exit status: 0 suggested, 1 bad data, 2 usage, 3 the\n"
	       "stopping rule fired, 4 every candidate is measured. See mph-suggest(1).\n",
	       usage_line, mph_algo_name(d.algo), DEFAULT_MODEL, (unsigned long long)d.seed,
	       mph_fmt_double(delta, d.delta), gp.kappa, ucb.kappa, MPH_PROFILES_KAPPA,
	       mph_fmt_double(xi, d.xi), d.acq == MPH_ACQ_UCB ? "ucb" : "ei", d.members,
	       d.profiles_weight, mph_fmt_double(ei, so.ei), so.patience, d.scratch.steps,
	       mph_fmt_double(lr, d.scratch.lr));
}

typedef struct {
	const char *model, *objective, *space, *history, *candidates;
	int default_model; /* no -m nor -a: the shipped model if it fits */
	const char *profiles; /* --profiles TRACE */
	mph_algo algo;
	long count;
	mph_search_args search;
	int stop, stop_set;       /* --stop; a --stop-* option was given */
	mph_stop_opts stop_opts;
} settings;

enum { OPT_SEARCH = 256, OPT_VERSION, OPT_STOP, OPT_STOP_OPT, OPT_PROFILES };
/* The exit statuses beyond 0, 1 and 2 (mph-suggest(1), EXIT STATUS). */
enum { EXIT_STOP = 3, EXIT_EXHAUSTED = 4 };

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
	mph_trace *ptrace;
	mph_profiles *profiles;
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
	mph_profiles_free(r->profiles);
	mph_trace_free(r->ptrace);
	mph_objective_free(r->obj);
	mph_space_free(r->space);
	mph_model_free(r->model);
}

/* No -m and no -a: the meta-model shipped in share/mph/models (trained on
 * the zoo by role) when the roles of the space's knobs fit it; otherwise
 * gp-ucb, which needs no model. Either way one line on stderr says so. */
static void use_default_model(settings *st, run_state *r)
{
	static char path[4200]; /* st->model points here */
	char roles[256], *real;
	mph_error why;
	tool_share_path("models/" DEFAULT_MODEL, path, sizeof path);
	if ((real = realpath(path, NULL)) != NULL) {
		snprintf(path, sizeof path, "%s", real);
		free(real);
	}
	if ((r->model = mph_model_load(path, &why)) != NULL &&
	    mph_model_fit_space(r->model, r->space, NULL, &why) == 0) {
		st->model = path;
		fprintf(stderr, "%s: model %s (shipped; the space's roles it knows: %s)\n", tool_prog, path,
		        mph_roles_text(mph_space_roles(r->space) & mph_model_roles(r->model), roles, sizeof roles));
		return;
	}
	mph_model_free(r->model);
	r->model = NULL;
	st->algo = MPH_ALGO_GP_UCB;
	fprintf(stderr, "%s: no model fits %s (shipped %s: %s): searching with %s\n", tool_prog, st->space,
	        DEFAULT_MODEL, why.text, mph_algo_name(st->algo));
}

/* Loads the inputs, asks the library for st->count suggestions and writes
 * them: 0, EXIT_STOP or EXIT_EXHAUSTED (the header only, the reason on
 * stderr), or -1 with err filled. */
static int suggest(settings *st, run_state *r, mph_error *err)
{
	const mph_space *sp;
	mph_search_opts so;
	long got;
	int status = 0;
	char why[512];

	if (st->model && (r->model = mph_model_load(st->model, err)) == NULL) return -1;
	if (st->space) {
		if ((r->space = mph_space_load(st->space, err)) == NULL) return -1;
		if (r->model && mph_model_fit_space(r->model, r->space, st->model, err) != 0) return -1;
		if (st->default_model) use_default_model(st, r);
	}
	sp = r->model ? mph_model_space(r->model) : r->space;
	if (st->objective && (r->obj = mph_objective_load(st->objective, err)) == NULL) return -1;
	if (r->model && r->obj && mph_model_roles(r->model) &&
	    strcmp(mph_model_metric(r->model), mph_objective_metric(r->obj)) != 0) {
		fprintf(stderr, "%s: role model %s learnt '%s': it stands for '%s'\n", tool_prog, st->model,
		        mph_model_metric(r->model), mph_objective_metric(r->obj));
		if (mph_model_use_metric(r->model, mph_objective_metric(r->obj), err) != 0) return -1;
	}
	if (r->model && r->obj && mph_algo_needs_model(st->algo) &&
	    mph_search_check_metric(r->model, st->model, r->obj, st->objective, err) != 0)
		return -1;
	if (st->profiles) {
		if (st->algo != MPH_ALGO_MORPHLING_GP)
			return mph_error_set(err, NULL, 0, 0, "--profiles: %s does not use profiles (morphling-gp does)",
			                     mph_algo_name(st->algo));
		if ((r->ptrace = mph_trace_load(st->profiles, sp, mph_model_metric(r->model), mph_model_fail_value(r->model),
		                                err)) == NULL ||
		    (r->profiles = mph_profiles_new(r->ptrace, NULL, sp, err)) == NULL)
			return -1;
		st->search.profiles = r->profiles;
	}
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
	if (got == 0) {
		status = EXIT_EXHAUSTED;
		snprintf(why, sizeof why, "every one of the %zu candidates has been measured",
		         mph_candidates_n(r->cand));
	} else if (st->stop && mph_stop_check(&st->stop_opts, r->hist, mph_search_ei(r->search), why, sizeof why)) {
		status = EXIT_STOP;
		got = 0;
	} else if (got < st->count) {
		fprintf(stderr, "%s: only %ld unmeasured candidates left\n", tool_prog, got);
	}
	write_rows(stdout, r->cand, r->sg, got, r->obj);
	if (fflush(stdout) != 0 || ferror(stdout)) return mph_error_set(err, "<stdout>", 0, 0, "write error");
	if (status != 0)
		fprintf(stderr, "%s: %s: %s\n", tool_prog, status == EXIT_STOP ? "stop" : "exhausted", why);
	return status;
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
		{"fail-worst", no_argument, NULL, OPT_SEARCH},
		{"delta", required_argument, NULL, OPT_SEARCH},
		{"help", no_argument, NULL, 'h'},
		{"history", required_argument, NULL, 't'},
		{"kappa", required_argument, NULL, OPT_SEARCH},
		{"local", required_argument, NULL, OPT_SEARCH},
		{"members", required_argument, NULL, OPT_SEARCH},
		{"profiles", required_argument, NULL, OPT_PROFILES},
		{"profiles-weight", required_argument, NULL, OPT_SEARCH},
		{"model", required_argument, NULL, 'm'},
		{"objective", required_argument, NULL, 'O'},
		{"seed", required_argument, NULL, OPT_SEARCH},
		{"space", required_argument, NULL, 's'},
		{"stop", no_argument, NULL, OPT_STOP},
		{"stop-ei", required_argument, NULL, OPT_STOP_OPT},
		{"stop-patience", required_argument, NULL, OPT_STOP_OPT},
		{"version", no_argument, NULL, OPT_VERSION},
		{"xi", required_argument, NULL, OPT_SEARCH},
		{NULL, 0, NULL, 0}};
	settings st = {NULL, NULL, NULL, NULL, "-", 0, NULL, MPH_ALGO_MORPHLING_GP, 1, {0}, 0, 0, {0.0, 0}};
	run_state r = {0};
	mph_error err;
	int ch, li = 0, rc, algo_given = 0;

	tool_start(argv, "mph-suggest");
	mph_search_args_init(&st.search);
	mph_stop_opts_init(&st.stop_opts);
	while ((ch = getopt_long(argc, argv, "O:a:hm:n:s:t:", longopts, &li)) != -1) {
		switch (ch) {
		case 'O': st.objective = optarg; break;
		case 'a':
			if (mph_algo_parse(optarg, &st.algo) != 0) {
				tool_usage_error("--algo: unknown algorithm: '%s'", optarg);
				goto usage;
			}
			algo_given = 1;
			break;
		case 'h': help(); return tool_stdout_status();
		case 'm': st.model = optarg; break;
		case 'n': if (tool_long_opt("--count", optarg, 1, 1000000, &st.count)) goto usage; break;
		case 's': st.space = optarg; break;
		case 't': st.history = optarg; break;
		case OPT_SEARCH: if (tool_search_opt(longopts[li].name, optarg, &st.search) != 0) goto usage; break;
		case OPT_STOP: st.stop = 1; break;
		case OPT_PROFILES: st.profiles = optarg; break;
		case OPT_STOP_OPT:
			st.stop_set = 1;
			if (tool_stop_opt(longopts[li].name, optarg, &st.stop_opts) != 0) goto usage;
			break;
		case OPT_VERSION: printf("mph-suggest %s\n", MPH_VERSION); return tool_stdout_status();
		default: goto usage;
		}
	}
	if (argc - optind > 1) { tool_usage_error("too many arguments"); goto usage; }
	if (st.stop_set && !st.stop) { tool_usage_error("--stop-ei and --stop-patience go with --stop"); goto usage; }
	if (optind < argc) st.candidates = argv[optind];
	st.default_model = !algo_given && st.model == NULL && st.space != NULL;
	if (mph_algo_needs_model(st.algo) && st.model == NULL && !st.default_model) {
		tool_usage_error("--algo %s needs --model", mph_algo_name(st.algo));
		goto usage;
	}
	if (mph_algo_needs_objective(st.algo) && st.objective == NULL) {
		tool_usage_error("--algo %s needs --objective", mph_algo_name(st.algo));
		goto usage;
	}
	if (st.model == NULL && st.space == NULL) { tool_usage_error("--space or --model is needed"); goto usage; }
	if (!isnan(st.search.profiles_weight) && st.profiles == NULL) {
		tool_usage_error("--profiles-weight goes with --profiles");
		goto usage;
	}
	if (st.profiles && algo_given && st.algo != MPH_ALGO_MORPHLING_GP) {
		tool_usage_error("--profiles goes with -a morphling-gp (no other algorithm uses them)");
		goto usage;
	}
	if (st.profiles && strcmp(st.profiles, "-") == 0) { tool_usage_error("--profiles cannot be standard input"); goto usage; }
	if (st.history && strcmp(st.history, "-") == 0 && strcmp(st.candidates, "-") == 0) {
		tool_usage_error("--history and CANDIDATES cannot both be standard input");
		goto usage;
	}

	if ((rc = suggest(&st, &r, &err)) < 0) {
		tool_error(&err);
		rc = 1;
	}
	run_free(&r);
	return rc;
usage:
	fputs(usage_line, stderr);
	return 2;
}
