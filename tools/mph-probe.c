/* mph-probe: measure configurations. Each mode is one backend behind the
 * same contract: configurations (CSV) in, the same rows followed by measured
 * columns and `status` out. Offline modes: --replay (a profiled trace),
 * --sim (the analytical simulator); live modes (lib/probe_live.c): --exec (a
 * command per configuration), --url (the built-in load generator). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <unistd.h>
#include "tool.h"

static const char usage_line[] =
	"usage: mph-probe --replay TRACE [--task NAME] [-k KNOB,...] [--missing error|skip]\n"
	"                 [--noise SD] [--seed S] [-a TRIALS | -o FILE] [CONFIGS]\n"
	"       mph-probe --sim MODEL [--zoo DIR] [--slo MS] [--noise SD] [--seed S] [-a TRIALS | -o FILE] [CONFIGS]\n"
	"       mph-probe --exec CMD | --url URL [--start CMD --ready URL|PORT] [live options]\n"
	"                 [-a TRIALS | -o FILE] [CONFIGS]\n";

#define DEFAULT_SLO_MS 1000.0

/* Everything the options say; each mode reads its own fields. */
struct opts {
	int mode;                 /* index into modes[], -1 until a mode flag */
	const char *target;       /* the mode flag's argument */
	const char *task, *knobs, *zoo, *output, *input;
	int missing_skip;
	double noise, slo_ms;
	uint64_t seed;
	mph_live_opts live;       /* --exec, --url */
	int live_only, verbose;   /* a live option was given; -v */
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
	       "  -a, --append TRIALS  append the rows to the trials file TRIALS by column\n"
	       "                       name (its header rules; new file: this header),\n"
	       "                       all rows of the run or none\n"
	       "  -h, --help           this help\n"
	       "      --version        print the version\n\n",
	       usage_line, o->slo_ms, o->noise, (unsigned long long)o->seed);
	live_help(o);
	printf("CONFIGS defaults to standard input. See mph-probe(1), mph-trace(5).\n");
}

/* ---- replay ------------------------------------------------------------- */

static int has_col(const mph_csv *in, const char *name) { return mph_csv_col(in, name) >= 0; }

/* The input's fields without the line end, so measured columns can follow. */
static void write_fields(FILE *out, const char *const *f, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		if (i) fputc(',', out);
		mph_csv_write_field(out, f[i]);
	}
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (p == NULL) { perror(tool_prog); exit(1); }
	return p;
}

static int replay_run(const struct opts *o, mph_csv *in, FILE *out, mph_error *err)
{
	mph_replay *r = mph_replay_load(o->target, o->task, err);
	size_t ncols = mph_csv_ncols(in), nk = 0, i, j, *in_col = NULL;
	const char *const *header = mph_csv_header(in);
	const char **knobs = NULL, **vals = NULL;
	long status_col, t = 0;
	int rc = -1, got;

	if (r == NULL) return -1;
	if (o->task == NULL && mph_replay_ntasks(r) > 1) {
		mph_error_set(err, o->target, 0, 0, "%zu tasks in the trace: choose one with --task",
		              mph_replay_ntasks(r));
		goto done;
	}
	if (o->knobs != NULL) {
		knobs = (const char **)tool_split(o->knobs, &nk);
	} else {
		knobs = xcalloc(ncols + 1, sizeof *knobs);
		for (i = 0; i < ncols; i++)
			if (strcmp(header[i], "task") != 0 && mph_replay_col(r, header[i]) >= 0)
				knobs[nk++] = header[i];
		if (nk == 0) {
			mph_error_set(err, mph_csv_name(in), 1, 0, "no column in common with trace '%s'",
			              o->target);
			goto done;
		}
	}
	if (mph_replay_index(r, knobs, nk, err) < 0) goto done;
	in_col = xcalloc(nk + 1, sizeof *in_col);
	for (i = 0; i < nk; i++) {
		long c = mph_csv_require(in, knobs[i], err);
		if (c < 0) goto done;
		in_col[i] = (size_t)c;
	}
	status_col = mph_replay_col(r, "status");
	for (j = 0; j < mph_replay_nmeasured(r); j++) {
		const char *name = mph_replay_col_name(r, mph_replay_measured_col(r, j));
		if (has_col(in, name)) {
			mph_error_set(err, mph_csv_name(in), 1, 0, "input already has column '%s'", name);
			goto done;
		}
	}
	if (status_col < 0 && has_col(in, "status")) {
		mph_error_set(err, mph_csv_name(in), 1, 0, "input already has column 'status'");
		goto done;
	}

	write_fields(out, header, ncols);
	for (j = 0; j < mph_replay_nmeasured(r); j++) {
		fputc(',', out);
		mph_csv_write_field(out, mph_replay_col_name(r, mph_replay_measured_col(r, j)));
	}
	if (status_col < 0) fputs(",status", out);
	fputc('\n', out);

	vals = xcalloc(nk + 1, sizeof *vals);
	while ((got = mph_csv_read(in, err)) == 1) {
		const char *const *f = mph_csv_fields(in);
		long row;
		mph_rng g;
		for (i = 0; i < nk; i++) vals[i] = f[in_col[i]];
		row = mph_replay_find(r, (size_t)t, vals);
		if (row < 0 && !o->missing_skip) {
			mph_error_set(err, mph_csv_name(in), mph_csv_line(in), 0,
			              "configuration not in trace '%s'%s%s%s", o->target,
			              o->task ? " for task '" : "", o->task ? o->task : "", o->task ? "'" : "");
			goto done;
		}
		write_fields(out, f, ncols);
		if (row >= 0) mph_noise_seed(&g, o->seed, mph_replay_row_key(r, (size_t)row));
		for (j = 0; j < mph_replay_nmeasured(r); j++) {
			size_t c = mph_replay_measured_col(r, j);
			double x;
			fputc(',', out);
			if (row < 0) {
				if ((long)c == status_col) fputs("missing", out);
				continue;
			}
			x = mph_replay_num(r, (size_t)row, c);
			/* Without noise the trace's text goes out untouched, so a
			 * replayed row is byte for byte the profiled one. */
			if (o->noise > 0 && !isnan(x))
				mph_csv_write_double(out, x * mph_noise_factor(&g, o->noise));
			else
				mph_csv_write_field(out, mph_replay_str(r, (size_t)row, c));
		}
		if (status_col < 0) fputs(row < 0 ? ",missing" : ",ok", out);
		fputc('\n', out);
	}
	rc = got < 0 ? -1 : 0;
done:
	free(knobs);
	free(vals);
	free(in_col);
	mph_replay_free(r);
	return rc;
}

/* ---- simulator ----------------------------------------------------------- */

/* The catalogue installed beside the program: BINDIR/../share/mph/zoo, in
 * the source tree as in an installation. */
static void default_zoo(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;
	if (n <= 0) { snprintf(buf, size, "share/mph/zoo"); return; }
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL) *slash = '\0';
	snprintf(buf, size, "%s/../share/mph/zoo", exe);
}

static const char *const sim_metrics[] = { "rps", "p50_ms", "p99_ms", "status" };
#define NSIM_METRICS 4
enum { SIM_CPU, SIM_GPU_MEM, SIM_BATCH, SIM_GPU_TYPE, NSIM_KNOBS };
static const char *const sim_knobs[NSIM_KNOBS] = { "cpu", "gpu_mem", "batch", "gpu_type" };

static int positive_int(const mph_csv *in, size_t col, long max, long *out, mph_error *err)
{
	const char *s = mph_csv_field(in, col);
	double x;
	if (mph_parse_double(s, &x) == 0 && x >= 1 && x <= max && x == floor(x)) {
		*out = (long)x;
		return 0;
	}
	return mph_error_set(err, mph_csv_name(in), mph_csv_line(in), 0,
	                     "column '%s': not an integer in 1..%ld: '%s'",
	                     mph_csv_header(in)[col], max, s);
}

/* Measurements a stress test would report: requests/s to 0.01, latencies
 * to the microsecond; rounding also keeps the trace's bytes independent of
 * the last bits of libm. */
static void write_rounded(FILE *out, double x, double per_unit)
{
	mph_csv_write_double(out, round(x * per_unit) / per_unit);
}

static int sim_run(const struct opts *o, mph_csv *in, FILE *out, mph_error *err)
{
	char dir[PATH_MAX + 64], models[PATH_MAX + 96], gpus[PATH_MAX + 96];
	const mph_sim_model *m;
	mph_zoo *z;
	long col[NSIM_KNOBS];
	size_t ncols = mph_csv_ncols(in), i;
	int rc = -1, got;

	if (o->zoo) snprintf(dir, sizeof dir, "%s", o->zoo); else default_zoo(dir, sizeof dir);
	snprintf(models, sizeof models, "%s/models.csv", dir);
	snprintf(gpus, sizeof gpus, "%s/gpus.csv", dir);
	if ((z = mph_zoo_load(models, gpus, err)) == NULL) return -1;
	if ((m = mph_zoo_find_model(z, o->target)) == NULL) {
		mph_error_set(err, models, 0, 0, "no model '%s'", o->target);
		goto done;
	}
	for (i = 0; i < NSIM_KNOBS; i++)
		if ((col[i] = mph_csv_require(in, sim_knobs[i], err)) < 0) goto done;
	for (i = 0; i < NSIM_METRICS; i++)
		if (has_col(in, sim_metrics[i])) {
			mph_error_set(err, mph_csv_name(in), 1, 0, "input already has column '%s'",
			              sim_metrics[i]);
			goto done;
		}

	write_fields(out, mph_csv_header(in), ncols);
	for (i = 0; i < NSIM_METRICS; i++) fprintf(out, ",%s", sim_metrics[i]);
	fputc('\n', out);
	while ((got = mph_csv_read(in, err)) == 1) {
		const mph_sim_gpu *g;
		mph_sim_result res;
		long cpu, batch;
		double mem;
		mph_rng noise;
		uint64_t key;
		char buf[32];

		if (positive_int(in, col[SIM_CPU], 1024, &cpu, err) < 0) goto done;
		if (positive_int(in, col[SIM_BATCH], 1 << 20, &batch, err) < 0) goto done;
		if (mph_csv_double(in, col[SIM_GPU_MEM], &mem, err) < 0) goto done;
		if (!(mem > 0 && mem <= 1)) {
			mph_error_set(err, mph_csv_name(in), mph_csv_line(in), 0,
			              "column 'gpu_mem': not a share in (0, 1]: '%s'",
			              mph_csv_field(in, col[SIM_GPU_MEM]));
			goto done;
		}
		if ((g = mph_zoo_find_gpu(z, mph_csv_field(in, col[SIM_GPU_TYPE]))) == NULL) {
			mph_error_set(err, mph_csv_name(in), mph_csv_line(in), 0,
			              "column 'gpu_type': no GPU '%s' in %s",
			              mph_csv_field(in, col[SIM_GPU_TYPE]), gpus);
			goto done;
		}
		mph_sim_run(m, g, (int)cpu, mem, (int)batch, o->slo_ms, &res);

		/* Noise keyed by the model and the configuration's values, as
		 * replay keys it by the trace row. */
		key = mph_hash64(m->name, strlen(m->name) + 1, 0);
		key = mph_hash64(g->name, strlen(g->name) + 1, key);
		mph_fmt_double(buf, mem);
		key = mph_hash64(buf, strlen(buf) + 1, key);
		key = mph_hash64(&cpu, sizeof cpu, key);
		key = mph_hash64(&batch, sizeof batch, key);
		mph_noise_seed(&noise, o->seed, key);
		if (o->noise > 0) {
			res.rps *= mph_noise_factor(&noise, o->noise);
			res.p50_ms *= mph_noise_factor(&noise, o->noise);
			res.p99_ms *= mph_noise_factor(&noise, o->noise);
		}

		write_fields(out, mph_csv_fields(in), ncols);
		fputc(',', out);
		write_rounded(out, res.rps, 100);
		fputc(',', out);
		if (!isnan(res.p50_ms)) write_rounded(out, res.p50_ms, 1000);
		fputc(',', out);
		if (!isnan(res.p99_ms)) write_rounded(out, res.p99_ms, 1000);
		fprintf(out, ",%s\n", mph_sim_status_name(res.status));
	}
	rc = got < 0 ? -1 : 0;
done:
	mph_zoo_free(z);
	return rc;
}

/* ---- live: --exec and --url (lib/probe_live.c) ---------------------------- */

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
	       "  -j, --jobs N         --exec: trials at once [%d]\n"
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
	       "      --poisson        --url: Poisson arrivals (seeded by --seed) [constant]\n"
	       "  -v, --verbose        report each trial and load step on stderr\n\n",
	       o->live.ready_timeout_s, l->grace_s, l->exec.retries, l->exec.jobs, DEFAULT_SLO_MS,
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

static int live_run(const struct opts *o, mph_csv *in, FILE *out, mph_error *err)
{
	mph_live_opts l = o->live;
	l.rate.slo_ms = o->slo_ms;
	l.load.seed = o->seed;
	l.note = live_note;
	l.note_ctx = (void *)o;
	return mph_live_probe(&l, in, out, err);
}

/* Reads --body FILE whole; it lives as long as the program. */
static int read_body(struct opts *o, const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, k;
	if (!fp) { tool_usage_error("--body: %s: %s", path, strerror(errno)); return -1; }
	do {
		if (len + 65536 > cap && (buf = realloc(buf, cap = 2 * cap + 65536)) == NULL) {
			perror(tool_prog);
			exit(1);
		}
		k = fread(buf + len, 1, cap - len, fp);
		len += k;
	} while (k > 0);
	if (ferror(fp)) { fclose(fp); tool_usage_error("--body: %s: read error", path); return -1; }
	fclose(fp);
	o->live.load.body = buf;
	o->live.load.body_len = len;
	return 0;
}

/* ---- modes ---------------------------------------------------------------
 * A mode is its flag and one function that streams the configurations of
 * `in` to `out`. To add one: an entry here, its option in longopts. */
struct mode {
	const char *flag;
	int (*run)(const struct opts *o, mph_csv *in, FILE *out, mph_error *err);
};
enum { MODE_REPLAY, MODE_SIM, MODE_EXEC, MODE_URL, NMODES };
static const struct mode modes[NMODES] = {
	[MODE_REPLAY] = { "--replay", replay_run },
	[MODE_SIM] = { "--sim", sim_run },
	[MODE_EXEC] = { "--exec", live_run },
	[MODE_URL] = { "--url", live_run },
};

enum {
	OPT_MISSING = 256, OPT_NOISE, OPT_REPLAY, OPT_SEED, OPT_SIM, OPT_SLO, OPT_TASK,
	OPT_VERSION, OPT_ZOO,
	OPT_BODY, OPT_COLUMNS, OPT_CONNECTIONS, OPT_EXEC, OPT_GRACE, OPT_HEADER, OPT_LOG_DIR,
	OPT_MAX_ERROR, OPT_MAX_PROBE, OPT_MAX_RATE, OPT_MEASURE, OPT_METHOD, OPT_PERCENTILE,
	OPT_POISSON, OPT_RATE, OPT_RATE_TOL, OPT_READY, OPT_READY_TIMEOUT, OPT_REQ_TIMEOUT,
	OPT_RETRIES, OPT_SEARCH, OPT_START, OPT_START_RATE, OPT_TIMEOUT, OPT_URL, OPT_WARMUP
};

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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"append", required_argument, NULL, 'a'},
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
		{"output", required_argument, NULL, 'o'},
		{"percentile", required_argument, NULL, OPT_PERCENTILE},
		{"poisson", no_argument, NULL, OPT_POISSON},
		{"rate", required_argument, NULL, OPT_RATE},
		{"rate-tolerance", required_argument, NULL, OPT_RATE_TOL},
		{"ready", required_argument, NULL, OPT_READY},
		{"ready-timeout", required_argument, NULL, OPT_READY_TIMEOUT},
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
	struct opts o = { .mode = -1, .slo_ms = DEFAULT_SLO_MS, .seed = 1 };
	int ch, replay_only, sim_only;
	const char **headers = NULL;
	size_t nheaders = 0;
	long num;
	mph_error err;
	mph_csv *in;
	mph_out *out;
	const char *append = NULL;
	char *buf = NULL;
	size_t buflen = 0;
	FILE *mem = NULL;

	tool_prog = "mph-probe";
	mph_live_opts_init(&o.live);
	while ((ch = getopt_long(argc, argv, "a:hj:k:o:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': append = optarg; break;
		case 'h': help(&o); return tool_stdout_status();
		case 'j': if (tool_long_opt("-j", optarg, 1, 256, &num)) goto usage; o.live.exec.jobs = (int)num; break;
		case 'v': o.verbose = 1; break;
		case OPT_BODY: if (read_body(&o, optarg)) goto usage; o.live_only = 1; break;
		case OPT_COLUMNS:
			o.live.columns = (const char *const *)tool_split(optarg, &o.live.ncolumns);
			break;
		case OPT_CONNECTIONS:
			if (tool_long_opt("--connections", optarg, 1, 10000, &num)) goto usage;
			o.live.load.connections = (int)num; o.live_only = 1;
			break;
		case OPT_EXEC: if (set_mode(&o, MODE_EXEC, optarg)) goto usage; o.live.exec.cmd = optarg; break;
		case OPT_GRACE: if (tool_double_opt("--grace", optarg, 0, 3600, &o.live.grace_s)) goto usage; break;
		case OPT_HEADER:
			if ((headers = realloc(headers, (nheaders + 1) * sizeof *headers)) == NULL) { perror(tool_prog); return 1; }
			headers[nheaders++] = optarg;
			o.live.load.headers = headers; o.live.load.nheaders = nheaders; o.live_only = 1;
			break;
		case OPT_LOG_DIR: o.live.exec.log_dir = optarg; break;
		case OPT_MAX_ERROR: if (tool_double_opt("--max-error", optarg, 0, 1, &o.live.rate.max_error)) goto usage; o.live_only = 1; break;
		case OPT_MAX_PROBE: if (tool_double_opt("--max-probe-s", optarg, 0.1, 86400, &o.live.rate.max_seconds)) goto usage; o.live_only = 1; break;
		case OPT_MAX_RATE: if (tool_double_opt("--max-rate", optarg, 0.001, 1e7, &o.live.rate.max_rate)) goto usage; o.live_only = 1; break;
		case OPT_MEASURE: if (tool_double_opt("--measure", optarg, 0.01, 3600, &o.live.load.measure_s)) goto usage; o.live_only = 1; break;
		case OPT_METHOD: o.live.load.method = optarg; o.live_only = 1; break;
		case OPT_PERCENTILE: if (tool_double_opt("--percentile", optarg, 1, 100, &o.live.load.percentile)) goto usage; o.live_only = 1; break;
		case OPT_POISSON: o.live.load.poisson = 1; o.live_only = 1; break;
		case OPT_RATE: if (tool_double_opt("--rate", optarg, 0.001, 1e7, &o.live.fixed_rate)) goto usage; o.live_only = 1; break;
		case OPT_RATE_TOL: if (tool_double_opt("--rate-tolerance", optarg, 0.001, 1, &o.live.rate.tolerance)) goto usage; o.live_only = 1; break;
		case OPT_READY: o.live.ready = optarg; break;
		case OPT_READY_TIMEOUT: if (tool_double_opt("--ready-timeout", optarg, 0, 86400, &o.live.ready_timeout_s)) goto usage; break;
		case OPT_REQ_TIMEOUT: if (tool_double_opt("--request-timeout", optarg, 0.001, 3600, &o.live.load.timeout_s)) goto usage; o.live_only = 1; break;
		case OPT_RETRIES: if (tool_long_opt("--retries", optarg, 0, 100, &num)) goto usage; o.live.exec.retries = (int)num; break;
		case OPT_SEARCH:
			if (strcmp(optarg, "guided") == 0) o.live.doubling = 0;
			else if (strcmp(optarg, "doubling") == 0) o.live.doubling = 1;
			else { tool_usage_error("--search: expected guided or doubling: '%s'", optarg); goto usage; }
			o.live_only = 1;
			break;
		case OPT_START: o.live.start_cmd = optarg; break;
		case OPT_START_RATE: if (tool_double_opt("--start-rate", optarg, 0.001, 1e7, &o.live.rate.start_rate)) goto usage; o.live_only = 1; break;
		case OPT_TIMEOUT: if (tool_double_opt("--timeout", optarg, 0.001, 86400, &o.live.exec.timeout_s)) goto usage; break;
		case OPT_URL: if (set_mode(&o, MODE_URL, optarg)) goto usage; o.live.url = optarg; break;
		case OPT_WARMUP: if (tool_double_opt("--warmup", optarg, 0, 3600, &o.live.load.warmup_s)) goto usage; o.live_only = 1; break;
		case 'k': o.knobs = optarg; break;
		case 'o': o.output = optarg; break;
		case OPT_MISSING:
			if (strcmp(optarg, "error") == 0) o.missing_skip = 0;
			else if (strcmp(optarg, "skip") == 0) o.missing_skip = 1;
			else { tool_usage_error("--missing: expected error or skip: '%s'", optarg); goto usage; }
			break;
		case OPT_NOISE: if (tool_double_opt("--noise", optarg, 0, 10, &o.noise)) goto usage; break;
		case OPT_REPLAY: if (set_mode(&o, MODE_REPLAY, optarg)) goto usage; break;
		case OPT_SEED: if (tool_seed_opt("--seed", optarg, &o.seed)) goto usage; break;
		case OPT_SIM: if (set_mode(&o, MODE_SIM, optarg)) goto usage; break;
		case OPT_SLO: if (tool_double_opt("--slo", optarg, 1e-3, 1e9, &o.slo_ms)) goto usage; break;
		case OPT_TASK: o.task = optarg; break;
		case OPT_VERSION: printf("mph-probe %s\n", MPH_VERSION); return tool_stdout_status();
		case OPT_ZOO: o.zoo = optarg; break;
		default: goto usage;
		}
	}
	if (o.mode < 0) { tool_usage_error("choose a mode: --replay, --sim, --exec or --url"); goto usage; }
	if (optind + 1 < argc) { tool_usage_error("too many arguments"); goto usage; }
	o.input = optind < argc ? argv[optind] : "-";
	replay_only = o.task || o.knobs || o.missing_skip;
	sim_only = o.zoo || (o.slo_ms != DEFAULT_SLO_MS && o.mode != MODE_URL);
	if (replay_only && o.mode != MODE_REPLAY) {
		tool_usage_error("--task, -k and --missing go with --replay");
		goto usage;
	}
	if (sim_only && o.mode != MODE_SIM) { tool_usage_error("--zoo and --slo go with --sim or --url"); goto usage; }
	if (o.live_only && o.mode != MODE_URL) {
		tool_usage_error("load generator options go with --url");
		goto usage;
	}
	if ((o.live.start_cmd || o.live.ready || o.live.exec.log_dir) && o.mode != MODE_EXEC && o.mode != MODE_URL) {
		tool_usage_error("--start, --ready and --log-dir go with --exec or --url");
		goto usage;
	}
	if ((o.live.exec.timeout_s > 0 || o.live.exec.retries || o.live.exec.jobs > 1 || o.live.ncolumns) &&
	    o.mode != MODE_EXEC) {
		tool_usage_error("--timeout, --retries, -j and --columns go with --exec");
		goto usage;
	}
	if (o.live.start_cmd && !o.live.ready) { tool_usage_error("--start needs --ready"); goto usage; }
	if (o.live.start_cmd && o.live.exec.jobs > 1) { tool_usage_error("--start runs one service at a time: -j must be 1"); goto usage; }

	if (append && o.output) { tool_usage_error("-a and -o exclude each other"); goto usage; }

	if ((in = mph_csv_open(o.input, &err)) == NULL) goto fail;
	if (append) {
		/* measured rows are appended by column name once all are in, so
		 * the trials file gets every row of this run or none */
		if ((mem = open_memstream(&buf, &buflen)) == NULL) { perror(tool_prog); return 1; }
		if (modes[o.mode].run(&o, in, mem, &err) != 0) {
			mph_csv_close(in);
			fclose(mem); free(buf);
			goto fail;
		}
		mph_csv_close(in);
		fclose(mem);
		mem = fmemopen(buf, buflen, "r");
		if (mem == NULL || mph_append_csv(append, mem, "<measured>", &err) != 0) {
			if (mem) fclose(mem);
			free(buf);
			goto fail;
		}
		fclose(mem);
		free(buf);
		return 0;
	}
	if ((out = mph_out_open(o.output, &err)) == NULL) { mph_csv_close(in); goto fail; }
	if (modes[o.mode].run(&o, in, mph_out_fp(out), &err) != 0) {
		mph_csv_close(in);
		mph_out_abort(out);
		goto fail;
	}
	mph_csv_close(in);
	if (mph_out_commit(out, &err) != 0) goto fail;
	return 0;
fail:
	tool_error(&err);
	return 1;
usage:
	fputs(usage_line, stderr);
	return 2;
}
