/* mph-report: one self-contained HTML page of a tuning run from its trials
 * file, the space and the objective (and the model, to show what it
 * predicts). */
#include <getopt.h>
#include "tool.h"

static const char usage_line[] =
	"usage: mph-report -s SPACE -O OBJECTIVE [-m MODEL] [-k X,Y] [--stop FILE] [--race TOP,MOST[,Z]]\n"
	"                  [--seed N] [--title TEXT] [-o FILE] [TRIALS]\n";

static void help(void)
{
	printf("%s\n"
	       "Draws a tuning run as one HTML file (inline SVG, no script, nothing loaded\n"
	       "from anywhere): why it stopped, the chosen configuration with its repeated\n"
	       "measurements, the best so far against trials (initial design marked), the\n"
	       "measured objective over two knobs as a heat map beside the adapted model's\n"
	       "prediction (with -m), the search path, metric against cost with the Pareto\n"
	       "front, and the ranked configurations.\n\n"
	       "  -s, --space FILE      the space spec (required)\n"
	       "  -O, --objective FILE  the objective (required)\n"
	       "  -m, --model FILE      a meta-model to adapt to the trials and draw\n"
	       "  -k, --knobs X,Y       the knobs of the heat maps and the search path\n"
	       "                        [the two with the most distinct values in the trials]\n"
	       "      --stop FILE       why the run stopped (tune.mk's stop.txt)\n"
	       "      --race TOP,MOST[,Z]\n"
	       "                        the chosen configuration is the race's leader, as\n"
	       "                        mph-pick --race chooses (tune.mk's RACE) [the best\n"
	       "                        median, as mph-pick --median]\n"
	       "      --seed N          seed of the model's adaptation [1]\n"
	       "      --title TEXT      the page's title [the trials file's name]\n"
	       "  -o, --output FILE     the page, complete or absent [-: standard output]\n"
	       "  -h, --help            this help\n"
	       "      --version         print the version\n\n"
	       "TRIALS is a file or - for standard input [-]. See mph-report(1).\n",
	       usage_line);
}

enum { OPT_SEED = 256, OPT_STOP, OPT_RACE, OPT_TITLE, OPT_VERSION };

typedef struct {
	const char *space, *objective, *model, *knobs, *stop, *title, *output, *trials;
	uint64_t seed;
	int raced;
	mph_race_opts race;
} settings;

typedef struct {
	mph_space *space;
	mph_objective *obj;
	mph_model *model;
	mph_report *report;
} run_state;

static void run_free(run_state *r)
{
	mph_report_free(r->report);
	mph_model_free(r->model);
	mph_objective_free(r->obj);
	mph_space_free(r->space);
}

/* The model must draw the space and predict what the objective scores. */
static int load_model(const settings *st, run_state *r, mph_error *err)
{
	if ((r->model = mph_model_load(st->model, err)) == NULL) return -1;
	if (mph_model_fit_space(r->model, r->space, st->model, err) != 0) return -1;
	return mph_search_check_metric(r->model, st->model, r->obj, st->objective, err);
}

static int write_page(const settings *st, const run_state *r, mph_error *err)
{
	mph_report_names names = {st->title, st->space, st->objective, st->model};
	mph_out *out = mph_out_open(st->output, err);
	if (out == NULL) return -1;
	if (mph_report_write_html(r->report, &names, mph_out_fp(out), err) != 0) {
		mph_out_abort(out);
		return -1;
	}
	return mph_out_commit(out, err);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"knobs", required_argument, NULL, 'k'},
		{"model", required_argument, NULL, 'm'},
		{"objective", required_argument, NULL, 'O'},
		{"output", required_argument, NULL, 'o'},
		{"race", required_argument, NULL, OPT_RACE},
		{"seed", required_argument, NULL, OPT_SEED},
		{"space", required_argument, NULL, 's'},
		{"stop", required_argument, NULL, OPT_STOP},
		{"title", required_argument, NULL, OPT_TITLE},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0}};
	settings st = {NULL, NULL, NULL, NULL, NULL, NULL, "-", "-", 1, 0, {0, 0, 0}};
	run_state r = {0};
	mph_error err;
	int ch;

	tool_start(argv, "mph-report");
	mph_race_opts_init(&st.race);
	while ((ch = getopt_long(argc, argv, "O:hk:m:o:s:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'O': st.objective = optarg; break;
		case 'h': help(); return tool_stdout_status();
		case 'k': st.knobs = optarg; break;
		case 'm': st.model = optarg; break;
		case 'o': st.output = optarg; break;
		case 's': st.space = optarg; break;
		case OPT_SEED: if (tool_seed_opt("--seed", optarg, &st.seed)) goto usage; break;
		case OPT_STOP: st.stop = optarg; break;
		case OPT_RACE: if (tool_race_opt("--race", optarg, &st.race)) goto usage; st.raced = 1; break;
		case OPT_TITLE: st.title = optarg; break;
		case OPT_VERSION: printf("mph-report %s\n", MPH_VERSION); return tool_stdout_status();
		default: goto usage;
		}
	}
	if (st.space == NULL) { tool_usage_error("missing -s SPACE"); goto usage; }
	if (st.objective == NULL) { tool_usage_error("missing -O OBJECTIVE"); goto usage; }
	if (argc - optind > 1) { tool_usage_error("too many arguments"); goto usage; }
	if (optind < argc) st.trials = argv[optind];

	if ((r.space = mph_space_load(st.space, &err)) == NULL) goto fail;
	if ((r.obj = mph_objective_load(st.objective, &err)) == NULL) goto fail;
	if (st.model && load_model(&st, &r, &err) != 0) goto fail;
	if ((r.report = mph_report_load(st.trials, r.space, r.obj, &err)) == NULL) goto fail;
	if (st.knobs && mph_report_set_knobs(r.report, st.knobs, &err) != 0) {
		tool_usage_error("%s", err.text);
		run_free(&r);
		goto usage;
	}
	if (st.stop && mph_report_read_stop(r.report, st.stop, &err) != 0) goto fail;
	if (st.raced && mph_report_set_race(r.report, &st.race, &err) != 0) goto fail;
	if (r.model && mph_report_predict(r.report, r.model, st.seed, &err) != 0) goto fail;
	if (write_page(&st, &r, &err) != 0) goto fail;
	run_free(&r);
	return 0;
fail:
	tool_error(&err);
	run_free(&r);
	return 1;
usage:
	fputs(usage_line, stderr);
	return 2;
}
