/* mph-probe: measure configurations. Each mode is one backend behind the
 * same contract: configurations (CSV) in, the same rows followed by measured
 * columns and `status` out. Offline modes (lib/probe/offline.c): --replay (a
 * profiled trace), --sim (the analytical simulator); live modes
 * (lib/probe/live.c): --exec (a command per configuration), --url (the
 * built-in load generator). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <unistd.h>
#include "tool.h"

static const char usage_line[] =
	"usage: mph-probe --replay TRACE [--task NAME] [-k KNOB,...] [--missing error|skip]\n"
	"                 [--noise SD] [--seed S] [-t TRIALS [trials options] | -o FILE] [CONFIGS]\n"
	"       mph-probe --sim MODEL [--zoo DIR] [--slo MS] [--noise SD] [--seed S]\n"
	"                 [-t TRIALS [trials options] | -o FILE] [CONFIGS]\n"
	"       mph-probe --exec CMD | --url URL [--start CMD --ready URL|PORT] [live options]\n"
	"                 [-t TRIALS [trials options] | -o FILE] [CONFIGS]\n";

/* Everything the options say: each backend's options as the library takes
 * them (the shared --noise, --seed and --slo set each that has them). */
struct opts {
	int mode;                 /* index into modes[], -1 until a mode flag */
	const char *target;       /* the mode flag's argument */
	mph_replay_probe_opts replay;
	mph_sim_probe_opts sim;
	mph_live_opts live;
	const char *output, *append;
	mph_record_opts record;   /* -t: repeats, progress */
	const char *objective;    /* -O, for progress */
	int quiet, progress_asked, record_only;
	const char **headers;     /* --header, repeatable */
	int replay_only, live_only; /* an option of that mode only was given */
	int slo_given, verbose;
};

static void live_help(const struct opts *o);

static void help(const struct opts *o)
{
	printf("%s\n"
	       "Reads configurations (CSV: a header of knob names, one configuration a row;\n"
	       "other columns pass through) and writes each followed by measured columns\n"
	       "and `status` (ok, or why not).\n\n"
	       "Modes:\n"
	       "      --replay TRACE   look each configuration up in a profiled trace\n"
	       "      --sim MODEL      simulate MODEL of the zoo's catalogue serving it\n\n"
	       "Replay:\n"
	       "      --task NAME      the trace's task to replay [the only one]\n"
	       "  -k, --knobs K,...    knob columns [those the input shares with the trace]\n"
	       "      --missing WHAT   a configuration not in the trace: error, or skip\n"
	       "                       (written with status=missing) [error]\n\n"
	       "Simulator:\n"
	       "      --zoo DIR        catalogue folder (models.csv, gpus.csv)\n"
	       "                       [BINDIR/../share/mph/zoo]\n"
	       "      --slo MS         p99 latency objective in milliseconds [%g]\n\n"
	       "Both:\n"
	       "      --noise SD       multiply numeric measurements by exp(SD * N(0,1)) [%g]\n"
	       "      --seed S         seed of the noise [%llu]\n"
	       "  -o, --output FILE    write to FILE (complete or absent) [stdout]\n"
	       "  -t, --append TRIALS  append each row to the trials file TRIALS by column\n"
	       "                       name (its header rules; new file: this header) as\n"
	       "                       soon as it is measured, one synced line, numbered in\n"
	       "                       a column `trial` on from the file's; a configuration\n"
	       "                       the file holds is not measured again\n"
	       "  -j, --jobs N         trials at once (--exec; replay and sim are instant) [%d]\n"
	       "  -q, --quiet          no progress lines\n"
	       "  -v, --verbose        more: skipped configurations, each live trial and step\n"
	       "  -h, --help           this help\n"
	       "      --version        print the version\n\n"
	       "Trials file (-t):\n"
	       "      --repeats N      measure each configuration until TRIALS holds N\n"
	       "                       trials of it (repeats for a choice that survives\n"
	       "                       noise) [%zu]\n"
	       "      --again          measure each input row once more, held or not\n"
	       "      --budget N       progress: trial k of N\n"
	       "  -O, --objective FILE progress: each trial's score and the best so far\n"
	       "Progress (a line per trial on stderr: the trial, its configuration and\n"
	       "result, the best so far, time spent and left) is on with -t when stderr\n"
	       "is a terminal or --budget, -O or -v is given, off with -q.\n\n",
	       usage_line, o->sim.slo_ms, o->sim.noise, (unsigned long long)o->sim.seed, o->live.exec.jobs,
	       o->record.repeats);
	live_help(o);
	printf("CONFIGS defaults to standard input. See mph-probe(1), mph-trace(5).\n");
}

/* ---- offline: --replay and --sim (lib/probe/offline.c) -------------------- */

static int replay_run(const struct opts *o, mph_csv *in, const mph_probe_batch *b, FILE *out,
                      mph_error *err)
{
	mph_replay_probe_opts r = o->replay;
	r.trace = o->target;
	r.batch = *b;
	return mph_replay_probe(&r, in, out, err);
}

static int sim_run(const struct opts *o, mph_csv *in, const mph_probe_batch *b, FILE *out,
                   mph_error *err)
{
	mph_sim_probe_opts s = o->sim;
	char zoo[PATH_MAX + 32];
	s.model = o->target;
	s.batch = *b;
	if (s.zoo == NULL) {
		s.zoo = tool_share_path("zoo", zoo, sizeof zoo);
	}
	return mph_sim_probe(&s, in, out, err);
}

/* ---- live: --exec and --url (lib/probe/live.c) ---------------------------- */

static void live_help(const struct opts *o)
{
	const mph_live_opts *l = &o->live;
	printf("Live modes (knob values reach commands only as environment variables\n"
	       "MPH_<KNOB>, MPH_CONFIG, MPH_CONFIG_HEADER; never in the command text):\n"
	       "      --exec CMD       run /bin/sh -c CMD per configuration; it prints\n"
	       "                       name=value lines or one JSON object\n"
	       "      --url URL        find the peak rate within the SLO with the built-in\n"
	       "                       open-loop load generator\n"
	       "      --start CMD      start the service per configuration (own process group)\n"
	       "      --ready WHERE    URL (2xx) or [HOST:]PORT (accepts) that says it is ready\n"
	       "      --ready-timeout S  wait at most S seconds for readiness [%g]\n"
	       "      --grace S        SIGTERM, then SIGKILL after S seconds [%g]\n"
	       "      --timeout S      --exec: kill a trial's process group after S s [none]\n"
	       "      --retries N      --exec: attempts more after a failure [%d]\n"
	       "      --log-dir DIR    keep DIR/trial-N.log and DIR/service-N.log\n"
	       "      --columns A,...  --exec: measured columns beyond the standard ones\n"
	       "      --method M       --url: HTTP method [GET, or POST with --body]\n"
	       "      --header H       --url: add a header \"Name: value\" (repeatable)\n"
	       "      --body FILE      --url: request body\n"
	       "      --slo MS         --url: latency objective in milliseconds [%g]\n"
	       "      --percentile P   --url: the latency percentile held to the SLO [%g]\n"
	       "      --max-error F    --url: error rate that fails a step [%g]\n"
	       "      --rate-tolerance F  --url: stop when the bracket is within F [%g]\n"
	       "      --start-rate R   --url: first step's rate [%g]\n"
	       "      --max-rate R     --url: highest rate tried [%g]\n"
	       "      --rate R         --url: one step at R instead of a search\n"
	       "      --search WHAT    --url: guided, or doubling (Morphling's client,\n"
	       "                       judging the mean latency) [guided]\n"
	       "      --warmup S       --url: warm-up per step, not measured [%g]\n"
	       "      --measure S      --url: measurement window per step [%g]\n"
	       "      --max-probe-s S  --url: no step starts after S s of a trial [%g]\n"
	       "      --request-timeout S  --url: a request unanswered after S s fails [%g]\n"
	       "      --connections N  --url: keep-alive connections [%d]\n"
	       "      --poisson        --url: Poisson arrivals (seeded by --seed) [constant]\n\n",
	       l->ready_timeout_s, l->grace_s, l->exec.retries, l->rate.slo_ms,
	       l->load.percentile, l->rate.max_error, l->rate.tolerance, l->rate.start_rate,
	       l->rate.max_rate, l->load.warmup_s, l->load.measure_s, l->rate.max_seconds,
	       l->load.timeout_s, l->load.connections);
}

static void live_note(void *ctx, int progress, const char *msg)
{
	const struct opts *o = ctx;
	if (!progress) fprintf(stderr, "%s: warning: %s\n", tool_prog, msg);
	else if (o->verbose) fprintf(stderr, "%s: %s\n", tool_prog, msg);
}

static int live_run(const struct opts *o, mph_csv *in, const mph_probe_batch *b, FILE *out,
                    mph_error *err)
{
	mph_live_opts l = o->live;
	char share[PATH_MAX + 32] = "MPH_SHARE=";
	const char *env[2] = { share, NULL };
	l.batch = *b;
	/* the adapters and probes under share/ are $MPH_SHARE/... from anywhere */
	tool_share_path("", share + strlen(share), sizeof share - strlen(share));
	l.exec.extra_env = env;
	l.note = live_note;
	l.note_ctx = (void *)o;
	return mph_live_probe(&l, in, out, err);
}

/* Reads --body FILE whole; the last --body counts, freed by free_opts. */
static int read_body(struct opts *o, const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, k;
	if (!fp) { tool_usage_error("--body: %s: %s", path, strerror(errno)); return -1; }
	do {
		if (len + 65536 > cap) buf = tool_realloc(buf, cap = 2 * cap + 65536);
		k = fread(buf + len, 1, cap - len, fp);
		len += k;
	} while (k > 0);
	if (ferror(fp)) { fclose(fp); free(buf); tool_usage_error("--body: %s: read error", path); return -1; }
	fclose(fp);
	free((void *)o->live.load.body);
	o->live.load.body = buf;
	o->live.load.body_len = len;
	return 0;
}

/* ---- modes ---------------------------------------------------------------
 * A mode is its flag and one function that streams the configurations of
 * `in` to `out`. To add one: an entry here, its option in longopts. */
struct mode {
	const char *flag;
	int (*run)(const struct opts *o, mph_csv *in, const mph_probe_batch *b, FILE *out, mph_error *err);
};
enum { MODE_REPLAY, MODE_SIM, MODE_EXEC, MODE_URL, NMODES };
static const struct mode modes[NMODES] = {
	[MODE_REPLAY] = { "--replay", replay_run },
	[MODE_SIM] = { "--sim", sim_run },
	[MODE_EXEC] = { "--exec", live_run },
	[MODE_URL] = { "--url", live_run },
};

enum {
	OPT_AGAIN = 256, OPT_BUDGET, OPT_REPEATS, OPT_MISSING, OPT_NOISE, OPT_REPLAY, OPT_SEED, OPT_SIM, OPT_SLO, OPT_TASK,
	OPT_VERSION, OPT_ZOO,
	OPT_BODY, OPT_COLUMNS, OPT_CONNECTIONS, OPT_EXEC, OPT_GRACE, OPT_HEADER, OPT_LOG_DIR,
	OPT_MAX_ERROR, OPT_MAX_PROBE, OPT_MAX_RATE, OPT_MEASURE, OPT_METHOD, OPT_PERCENTILE,
	OPT_POISSON, OPT_RATE, OPT_RATE_TOL, OPT_READY, OPT_READY_TIMEOUT, OPT_REQ_TIMEOUT,
	OPT_RETRIES, OPT_SEARCH, OPT_START, OPT_START_RATE, OPT_TIMEOUT, OPT_URL, OPT_WARMUP
};

static const struct option longopts[] = {
	{"again", no_argument, NULL, OPT_AGAIN},
	{"append", required_argument, NULL, 't'},
	{"budget", required_argument, NULL, OPT_BUDGET},
	{"body", required_argument, NULL, OPT_BODY},
	{"columns", required_argument, NULL, OPT_COLUMNS},
	{"connections", required_argument, NULL, OPT_CONNECTIONS},
	{"exec", required_argument, NULL, OPT_EXEC},
	{"grace", required_argument, NULL, OPT_GRACE},
	{"header", required_argument, NULL, OPT_HEADER},
	{"help", no_argument, NULL, 'h'},
	{"jobs", required_argument, NULL, 'j'},
	{"knobs", required_argument, NULL, 'k'},
	{"log-dir", required_argument, NULL, OPT_LOG_DIR},
	{"max-error", required_argument, NULL, OPT_MAX_ERROR},
	{"max-probe-s", required_argument, NULL, OPT_MAX_PROBE},
	{"max-rate", required_argument, NULL, OPT_MAX_RATE},
	{"measure", required_argument, NULL, OPT_MEASURE},
	{"method", required_argument, NULL, OPT_METHOD},
	{"missing", required_argument, NULL, OPT_MISSING},
	{"noise", required_argument, NULL, OPT_NOISE},
	{"objective", required_argument, NULL, 'O'},
	{"output", required_argument, NULL, 'o'},
	{"percentile", required_argument, NULL, OPT_PERCENTILE},
	{"poisson", no_argument, NULL, OPT_POISSON},
	{"quiet", no_argument, NULL, 'q'},
	{"rate", required_argument, NULL, OPT_RATE},
	{"rate-tolerance", required_argument, NULL, OPT_RATE_TOL},
	{"ready", required_argument, NULL, OPT_READY},
	{"ready-timeout", required_argument, NULL, OPT_READY_TIMEOUT},
	{"repeats", required_argument, NULL, OPT_REPEATS},
	{"replay", required_argument, NULL, OPT_REPLAY},
	{"request-timeout", required_argument, NULL, OPT_REQ_TIMEOUT},
	{"retries", required_argument, NULL, OPT_RETRIES},
	{"search", required_argument, NULL, OPT_SEARCH},
	{"seed", required_argument, NULL, OPT_SEED},
	{"sim", required_argument, NULL, OPT_SIM},
	{"slo", required_argument, NULL, OPT_SLO},
	{"start", required_argument, NULL, OPT_START},
	{"start-rate", required_argument, NULL, OPT_START_RATE},
	{"task", required_argument, NULL, OPT_TASK},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"url", required_argument, NULL, OPT_URL},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"warmup", required_argument, NULL, OPT_WARMUP},
	{"zoo", required_argument, NULL, OPT_ZOO},
	{NULL, 0, NULL, 0}};

static int set_mode(struct opts *o, int mode, const char *arg)
{
	if (o->mode >= 0) {
		tool_usage_error("%s and %s exclude each other", modes[o->mode].flag, modes[mode].flag);
		return -1;
	}
	o->mode = mode;
	o->target = arg;
	return 0;
}

/* The live modes' options into o->live: 0 when parsed, -1 after a usage
 * error, 1 when ch is none of them. */
static int live_opt(struct opts *o, int ch, const char *arg)
{
	mph_live_opts *l = &o->live;
	long num;
	switch (ch) {
	case 'j': if (tool_long_opt("-j", arg, 1, 256, &num)) return -1; l->exec.jobs = (int)num; return 0;
	case OPT_COLUMNS:
		free((void *)l->columns); /* the last --columns counts */
		l->columns = (const char *const *)tool_split(arg, &l->ncolumns);
		return 0;
	case OPT_EXEC: l->exec.cmd = arg; return set_mode(o, MODE_EXEC, arg);
	case OPT_GRACE: return tool_double_opt("--grace", arg, 0, 3600, &l->grace_s);
	case OPT_LOG_DIR: l->exec.log_dir = arg; return 0;
	case OPT_READY: l->ready = arg; return 0;
	case OPT_READY_TIMEOUT: return tool_double_opt("--ready-timeout", arg, 0, 86400, &l->ready_timeout_s);
	case OPT_RETRIES: if (tool_long_opt("--retries", arg, 0, 100, &num)) return -1; l->exec.retries = (int)num; return 0;
	case OPT_START: l->start_cmd = arg; return 0;
	case OPT_TIMEOUT: return tool_double_opt("--timeout", arg, 0.001, 86400, &l->exec.timeout_s);
	case OPT_URL: l->url = arg; return set_mode(o, MODE_URL, arg);
	}
	/* the rest are the load generator's, for --url only */
	o->live_only = 1;
	switch (ch) {
	case OPT_BODY: return read_body(o, arg);
	case OPT_CONNECTIONS:
		if (tool_long_opt("--connections", arg, 1, 10000, &num)) return -1;
		l->load.connections = (int)num;
		return 0;
	case OPT_HEADER:
		o->headers = tool_realloc(o->headers, (l->load.nheaders + 1) * sizeof *o->headers);
		o->headers[l->load.nheaders++] = arg;
		l->load.headers = o->headers;
		return 0;
	case OPT_MAX_ERROR: return tool_double_opt("--max-error", arg, 0, 1, &l->rate.max_error);
	case OPT_MAX_PROBE: return tool_double_opt("--max-probe-s", arg, 0.1, 86400, &l->rate.max_seconds);
	case OPT_MAX_RATE: return tool_double_opt("--max-rate", arg, 0.001, 1e7, &l->rate.max_rate);
	case OPT_MEASURE: return tool_double_opt("--measure", arg, 0.01, 3600, &l->load.measure_s);
	case OPT_METHOD: l->load.method = arg; return 0;
	case OPT_PERCENTILE: return tool_double_opt("--percentile", arg, 1, 100, &l->load.percentile);
	case OPT_POISSON: l->load.poisson = 1; return 0;
	case OPT_RATE: return tool_double_opt("--rate", arg, 0.001, 1e7, &l->fixed_rate);
	case OPT_RATE_TOL: return tool_double_opt("--rate-tolerance", arg, 0.001, 1, &l->rate.tolerance);
	case OPT_REQ_TIMEOUT: return tool_double_opt("--request-timeout", arg, 0.001, 3600, &l->load.timeout_s);
	case OPT_SEARCH:
		if (strcmp(arg, "guided") == 0) l->doubling = 0;
		else if (strcmp(arg, "doubling") == 0) l->doubling = 1;
		else { tool_usage_error("--search: expected guided or doubling: '%s'", arg); return -1; }
		return 0;
	case OPT_START_RATE: return tool_double_opt("--start-rate", arg, 0.001, 1e7, &l->rate.start_rate);
	case OPT_WARMUP: return tool_double_opt("--warmup", arg, 0, 3600, &l->load.warmup_s);
	}
	return 1;
}

/* The mode flags, the offline modes' options and those the modes share
 * (--noise, --seed, --slo), then the live ones: 0 when parsed, -1 after a
 * usage error, 1 when ch is no option at all. */
static int mode_opt(struct opts *o, int ch, const char *arg)
{
	size_t nk;
	switch (ch) {
	case 'k': /* the last -k counts */
		free((void *)o->replay.knobs);
		o->replay.knobs = (const char *const *)tool_split(arg, &nk);
		o->replay.nknobs = nk;
		break;
	case OPT_MISSING:
		if (strcmp(arg, "error") == 0) o->replay.missing_skip = 0;
		else if (strcmp(arg, "skip") == 0) o->replay.missing_skip = 1;
		else { tool_usage_error("--missing: expected error or skip: '%s'", arg); return -1; }
		break;
	case OPT_NOISE:
		if (tool_double_opt("--noise", arg, 0, 10, &o->replay.noise)) return -1;
		o->sim.noise = o->replay.noise;
		return 0;
	case OPT_REPLAY: return set_mode(o, MODE_REPLAY, arg);
	case OPT_SEED:
		if (tool_seed_opt("--seed", arg, &o->replay.seed)) return -1;
		o->sim.seed = o->live.load.seed = o->replay.seed;
		return 0;
	case OPT_SIM: return set_mode(o, MODE_SIM, arg);
	case OPT_SLO:
		if (tool_double_opt("--slo", arg, 1e-3, 1e9, &o->sim.slo_ms)) return -1;
		o->live.rate.slo_ms = o->sim.slo_ms;
		o->slo_given = 1;
		return 0;
	case OPT_TASK: o->replay.task = arg; break;
	case OPT_ZOO: o->sim.zoo = arg; return 0;
	default: return live_opt(o, ch, arg);
	}
	o->replay_only = 1;
	return 0;
}

/* The rules that tie options to modes; -1 after a usage error. */
static int check_opts(const struct opts *o, int nargs)
{
	const mph_live_opts *l = &o->live;
	const char *bad = NULL;
	if (o->mode < 0) bad = "choose a mode: --replay, --sim, --exec or --url";
	else if (nargs > 1) bad = "too many arguments";
	else if (o->replay_only && o->mode != MODE_REPLAY) bad = "--task, -k and --missing go with --replay";
	else if ((o->sim.zoo || (o->slo_given && o->mode != MODE_URL)) && o->mode != MODE_SIM)
		bad = "--zoo and --slo go with --sim or --url";
	else if (o->live_only && o->mode != MODE_URL) bad = "load generator options go with --url";
	else if ((l->start_cmd || l->ready || l->exec.log_dir) && o->mode != MODE_EXEC && o->mode != MODE_URL)
		bad = "--start, --ready and --log-dir go with --exec or --url";
	else if ((l->exec.timeout_s > 0 || l->exec.retries || l->ncolumns) && o->mode != MODE_EXEC)
		bad = "--timeout, --retries and --columns go with --exec";
	else if (l->exec.jobs > 1 && o->mode == MODE_URL)
		bad = "-j goes with --exec, --replay or --sim";
	else if (l->start_cmd && !l->ready) bad = "--start needs --ready";
	else if (l->start_cmd && l->exec.jobs > 1) bad = "--start runs one service at a time: -j must be 1";
	else if (o->append && o->output) bad = "-t and -o exclude each other";
	else if (o->record_only && !o->append) bad = "--repeats, --again, --budget and -O go with -t";
	else if (o->record.again && o->record.repeats != 1) bad = "--again and --repeats exclude each other";
	if (bad) tool_usage_error("%s", bad);
	return bad ? -1 : 0;
}

/* The chosen mode, as mph_probe_record runs it. */
static int run_mode(void *ctx, mph_csv *in, const mph_probe_batch *b, FILE *out, mph_error *err)
{
	const struct opts *o = ctx;
	return modes[o->mode].run(o, in, b, out, err);
}

static void record_note(void *ctx, int kind, const char *msg)
{
	const struct opts *o = ctx;
	if (kind == MPH_RECORD_WARN) fprintf(stderr, "%s: warning: %s\n", tool_prog, msg);
	else if (kind == MPH_RECORD_PROGRESS || o->verbose) fprintf(stderr, "%s: %s\n", tool_prog, msg);
}

/* Measures the configurations of CONFIGS (- for stdin) in the chosen mode,
 * into the trials file (-t) or to -o FILE or stdout, complete or absent. */
static int probe(const struct opts *o, const char *configs, mph_error *err)
{
	mph_csv *in = mph_csv_open(configs, err);
	mph_out *out = NULL;
	mph_record_result res;
	int rc;
	if (in == NULL) return -1;
	if (!o->append && (out = mph_out_open(o->output, err)) == NULL) {
		mph_csv_close(in);
		return -1;
	}
	rc = mph_probe_record(o->append, out ? mph_out_fp(out) : NULL, &o->record, run_mode, (void *)o, in,
	                      &res, err);
	if (out && rc != 0) mph_out_abort(out);
	else if (out) rc = mph_out_commit(out, err);
	mph_csv_close(in);
	if (rc == 0 && res.dropped[0])
		tool_warn("%s has no column for %s: not recorded", o->append, res.dropped);
	return rc == 0 ? mph_record_check(&res, err) : rc;
}

/* What the options allocated: a leak checker over the tests sees no noise. */
static void free_opts(struct opts *o)
{
	free((void *)o->live.load.body);
	free(o->headers);
	free((void *)o->live.columns);
	free((void *)o->replay.knobs);
}

int main(int argc, char **argv)
{
	struct opts o = { .mode = -1 };
	mph_objective *objective = NULL;
	long num;
	int ch, rc;
	mph_error err;

	tool_start(argv, "mph-probe");
	mph_replay_probe_opts_init(&o.replay);
	mph_sim_probe_opts_init(&o.sim);
	mph_live_opts_init(&o.live);
	mph_record_opts_init(&o.record);
	while ((ch = getopt_long(argc, argv, "hj:k:o:O:qt:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h': help(&o); free_opts(&o); return tool_stdout_status();
		case 'o': o.output = optarg; break;
		case 'O': o.objective = optarg; o.record_only = o.progress_asked = 1; break;
		case 'q': o.quiet = 1; break;
		case 't': o.append = optarg; break;
		case 'v': o.verbose = 1; break;
		case OPT_AGAIN: o.record.again = 1; o.record_only = 1; break;
		case OPT_BUDGET:
			if (tool_long_opt("--budget", optarg, 1, 1000000, &num)) goto usage;
			o.record.budget = (size_t)num;
			o.record_only = o.progress_asked = 1;
			break;
		case OPT_REPEATS:
			if (tool_long_opt("--repeats", optarg, 1, 1000, &num)) goto usage;
			o.record.repeats = (size_t)num;
			o.record_only = 1;
			break;
		case OPT_VERSION: printf("mph-probe %s\n", MPH_VERSION); free_opts(&o); return tool_stdout_status();
		default: if (mode_opt(&o, ch, optarg) != 0) goto usage;
		}
	}
	if (check_opts(&o, argc - optind) < 0) goto usage;
	o.record.progress = o.append && !o.quiet && (o.progress_asked || o.verbose || isatty(2));
	o.record.note = record_note;
	o.record.note_ctx = &o;
	if (o.objective) {
		if ((objective = mph_objective_load(o.objective, &err)) == NULL) {
			free_opts(&o);
			return tool_fail(&err);
		}
		o.record.objective = objective;
	}

	rc = probe(&o, optind < argc ? argv[optind] : "-", &err) == 0 ? 0 : 1;
	if (rc != 0) tool_error(&err);
	mph_objective_free(objective);
	free_opts(&o);
	return rc;
usage:
	fputs(usage_line, stderr);
	free_opts(&o);
	return 2;
}
