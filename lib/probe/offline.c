/* mph-probe's offline modes: measurements that need no service. --replay
 * looks each configuration up in a profiled trace, --sim asks the
 * analytical simulator. Both stream: each input row goes out as soon as it
 * is measured, the input's fields first, untouched, then the measured
 * columns. The live modes are in live.c. */
#include <math.h>
#include <string.h>
#include "probe/probe.h"

/* The input's fields without the line end, so measured columns can follow. */
static void write_fields(FILE *out, const char *const *f, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		if (i) fputc(',', out);
		mph_csv_write_field(out, f[i]);
	}
}

/* A measured column the input already has would be written twice. */
static int check_not_input(const mph_csv *in, const char *name, mph_error *err)
{
	if (mph_csv_col(in, name) < 0) return 0;
	return mph_error_set(err, mph_csv_name(in), 1, 0, "input already has column '%s'", name);
}

/* The noise key of input row t's measurement: a repeat draws anew, the
 * first measurement as it always did (and as mph-eval's replay does). */
static uint64_t repeat_key(const mph_probe_batch *b, size_t t, uint64_t key)
{
	uint64_t rep = b->repeat ? (uint64_t)b->repeat[t] : 0;
	return rep ? mph_hash64(&rep, sizeof rep, key) : key;
}

/* The row's end: its trial number when the run is recorded. */
static void end_row(const mph_probe_batch *b, size_t t, FILE *out)
{
	if (b->number) fprintf(out, ",%zu", b->first_trial + t + 1);
	fputc('\n', out);
}

static void end_header(const mph_probe_batch *b, FILE *out)
{
	fputs(b->number ? ",trial\n" : "\n", out);
}

/* ---- replay --------------------------------------------------------------- */

void mph_replay_probe_opts_init(mph_replay_probe_opts *o)
{
	memset(o, 0, sizeof *o);
	o->seed = 1;
}

/* Without knobs given, the knobs are the input's columns the trace has too
 * (task aside); returns how many, in a list the caller frees. */
static size_t shared_knobs(const mph_replay *r, const mph_csv *in, const char ***knobs)
{
	const char *const *header = mph_csv_header(in);
	size_t ncols = mph_csv_ncols(in), nk = 0, i;
	*knobs = mph_calloc(ncols + 1, sizeof **knobs);
	for (i = 0; i < ncols; i++)
		if (strcmp(header[i], "task") != 0 && mph_replay_col(r, header[i]) >= 0)
			(*knobs)[nk++] = header[i];
	return nk;
}

/* The header: the input's, the trace's measured columns, then `status`
 * unless the trace measures it. */
static void write_replay_header(const mph_replay_probe_opts *o, const mph_replay *r, const mph_csv *in,
                                int own_status, FILE *out)
{
	size_t j;
	write_fields(out, mph_csv_header(in), mph_csv_ncols(in));
	for (j = 0; j < mph_replay_nmeasured(r); j++) {
		fputc(',', out);
		mph_csv_write_field(out, mph_replay_col_name(r, mph_replay_measured_col(r, j)));
	}
	if (own_status) fputs(",status", out);
	end_header(&o->batch, out);
}

/* One configuration's measured fields: the trace row (noise on its numbers
 * only when asked), or nothing but status=missing for row -1. */
static void write_replay_row(const mph_replay_probe_opts *o, const mph_replay *r, size_t t, long row,
                             long status_col, FILE *out)
{
	size_t j;
	mph_rng g;
	if (row >= 0) mph_noise_seed(&g, o->seed, repeat_key(&o->batch, t, mph_replay_row_key(r, (size_t)row)));
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
	end_row(&o->batch, t, out);
}

int mph_replay_probe(const mph_replay_probe_opts *o, mph_csv *in, FILE *out, mph_error *err)
{
	mph_replay *r = mph_replay_load(o->trace, o->task, err);
	size_t nk = o->nknobs, i, j, *in_col = NULL, t = 0;
	const char **found = NULL, **vals = NULL;
	const char *const *knobs = o->knobs;
	long status_col;
	int rc = -1, got;

	if (r == NULL) return -1;
	if (o->task == NULL && mph_replay_ntasks(r) > 1) {
		mph_error_set(err, o->trace, 0, 0, "%zu tasks in the trace: choose one with --task",
		              mph_replay_ntasks(r));
		goto done;
	}
	if (knobs == NULL) {
		if ((nk = shared_knobs(r, in, &found)) == 0) {
			mph_error_set(err, mph_csv_name(in), 1, 0, "no column in common with trace '%s'",
			              o->trace);
			goto done;
		}
		knobs = found;
	}
	if (mph_replay_index(r, knobs, nk, err) < 0) goto done;
	in_col = mph_calloc(nk + 1, sizeof *in_col);
	for (i = 0; i < nk; i++) {
		long c = mph_csv_require(in, knobs[i], err);
		if (c < 0) goto done;
		in_col[i] = (size_t)c;
	}
	status_col = mph_replay_col(r, "status");
	for (j = 0; j < mph_replay_nmeasured(r); j++)
		if (check_not_input(in, mph_replay_col_name(r, mph_replay_measured_col(r, j)), err) < 0)
			goto done;
	if (status_col < 0 && check_not_input(in, "status", err) < 0) goto done;

	write_replay_header(o, r, in, status_col < 0, out);
	vals = mph_calloc(nk + 1, sizeof *vals);
	while ((got = mph_csv_read(in, err)) == 1) {
		const char *const *f = mph_csv_fields(in);
		long row;
		for (i = 0; i < nk; i++) vals[i] = f[in_col[i]];
		row = mph_replay_find(r, 0, vals);
		if (row < 0 && !o->missing_skip) {
			mph_error_set(err, mph_csv_name(in), mph_csv_line(in), 0,
			              "configuration not in trace '%s'%s%s%s", o->trace,
			              o->task ? " for task '" : "", o->task ? o->task : "", o->task ? "'" : "");
			goto done;
		}
		write_fields(out, f, mph_csv_ncols(in));
		write_replay_row(o, r, t++, row, status_col, out);
	}
	rc = got < 0 ? -1 : 0;
done:
	free(found);
	free(vals);
	free(in_col);
	mph_replay_free(r);
	return rc;
}

/* ---- simulator ------------------------------------------------------------ */

void mph_sim_probe_opts_init(mph_sim_probe_opts *o)
{
	memset(o, 0, sizeof *o);
	o->slo_ms = 1000;
	o->seed = 1;
}

static const char *const sim_metrics[] = { "rps", "p50_ms", "p99_ms", "status" };
#define NSIM_METRICS (sizeof sim_metrics / sizeof *sim_metrics)
enum { SIM_CPU, SIM_GPU_MEM, SIM_BATCH, SIM_GPU_TYPE, NSIM_KNOBS };
static const char *const sim_knobs[NSIM_KNOBS] = { "cpu", "gpu_mem", "batch", "gpu_type" };

/* A simulated configuration, read from one input row. */
typedef struct {
	const mph_sim_gpu *gpu;
	long cpu, batch;
	double mem;
} sim_config;

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

static int read_sim_config(const mph_csv *in, const long *col, const mph_zoo *z,
                           const char *gpus_csv, sim_config *c, mph_error *err)
{
	if (positive_int(in, (size_t)col[SIM_CPU], 1024, &c->cpu, err) < 0) return -1;
	if (positive_int(in, (size_t)col[SIM_BATCH], 1 << 20, &c->batch, err) < 0) return -1;
	if (mph_csv_double(in, (size_t)col[SIM_GPU_MEM], &c->mem, err) < 0) return -1;
	if (!(c->mem > 0 && c->mem <= 1))
		return mph_error_set(err, mph_csv_name(in), mph_csv_line(in), 0,
		                     "column 'gpu_mem': not a share in (0, 1]: '%s'",
		                     mph_csv_field(in, (size_t)col[SIM_GPU_MEM]));
	if ((c->gpu = mph_zoo_find_gpu(z, mph_csv_field(in, (size_t)col[SIM_GPU_TYPE]))) == NULL)
		return mph_error_set(err, mph_csv_name(in), mph_csv_line(in), 0,
		                     "column 'gpu_type': no GPU '%s' in %s",
		                     mph_csv_field(in, (size_t)col[SIM_GPU_TYPE]), gpus_csv);
	return 0;
}

/* Noise keyed by the model and the configuration's values, as replay keys
 * it by the trace row. */
static void sim_noise(const mph_sim_probe_opts *o, size_t t, const mph_sim_model *m, const sim_config *c,
                      mph_sim_result *res)
{
	uint64_t key;
	mph_rng noise;
	char buf[32];
	key = mph_hash64(m->name, strlen(m->name) + 1, 0);
	key = mph_hash64(c->gpu->name, strlen(c->gpu->name) + 1, key);
	mph_fmt_double(buf, c->mem);
	key = mph_hash64(buf, strlen(buf) + 1, key);
	key = mph_hash64(&c->cpu, sizeof c->cpu, key);
	key = mph_hash64(&c->batch, sizeof c->batch, key);
	mph_noise_seed(&noise, o->seed, repeat_key(&o->batch, t, key));
	if (o->noise > 0) {
		res->rps *= mph_noise_factor(&noise, o->noise);
		res->p50_ms *= mph_noise_factor(&noise, o->noise);
		res->p99_ms *= mph_noise_factor(&noise, o->noise);
	}
}

/* Measurements a stress test would report: requests/s to 0.01, latencies
 * to the microsecond; rounding also keeps the trace's bytes independent of
 * the last bits of libm. */
static void write_rounded(FILE *out, double x, double per_unit)
{
	mph_csv_write_double(out, round(x * per_unit) / per_unit);
}

static void write_sim_row(const mph_sim_probe_opts *o, size_t t, const mph_sim_result *res, FILE *out)
{
	fputc(',', out);
	write_rounded(out, res->rps, 100);
	fputc(',', out);
	if (!isnan(res->p50_ms)) write_rounded(out, res->p50_ms, 1000);
	fputc(',', out);
	if (!isnan(res->p99_ms)) write_rounded(out, res->p99_ms, 1000);
	fprintf(out, ",%s", mph_sim_status_name(res->status));
	end_row(&o->batch, t, out);
}

static char *zoo_file(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *path = mph_malloc(n);
	snprintf(path, n, "%s/%s", dir, name);
	return path;
}

int mph_sim_probe(const mph_sim_probe_opts *o, mph_csv *in, FILE *out, mph_error *err)
{
	char *models = zoo_file(o->zoo, "models.csv"), *gpus = zoo_file(o->zoo, "gpus.csv");
	const mph_sim_model *m;
	mph_zoo *z;
	long col[NSIM_KNOBS];
	size_t i, t = 0;
	int rc = -1, got;

	if ((z = mph_zoo_load(models, gpus, err)) == NULL) goto done;
	if ((m = mph_zoo_find_model(z, o->model)) == NULL) {
		mph_error_set(err, models, 0, 0, "no model '%s'", o->model);
		goto done;
	}
	for (i = 0; i < NSIM_KNOBS; i++)
		if ((col[i] = mph_csv_require(in, sim_knobs[i], err)) < 0) goto done;
	for (i = 0; i < NSIM_METRICS; i++)
		if (check_not_input(in, sim_metrics[i], err) < 0) goto done;

	write_fields(out, mph_csv_header(in), mph_csv_ncols(in));
	for (i = 0; i < NSIM_METRICS; i++) fprintf(out, ",%s", sim_metrics[i]);
	end_header(&o->batch, out);
	while ((got = mph_csv_read(in, err)) == 1) {
		sim_config c;
		mph_sim_result res;
		if (read_sim_config(in, col, z, gpus, &c, err) < 0) goto done;
		mph_sim_run(m, c.gpu, (int)c.cpu, c.mem, (int)c.batch, o->slo_ms, &res);
		sim_noise(o, t, m, &c, &res);
		write_fields(out, mph_csv_fields(in), mph_csv_ncols(in));
		write_sim_row(o, t++, &res, out);
	}
	rc = got < 0 ? -1 : 0;
done:
	mph_zoo_free(z);
	free(models);
	free(gpus);
	return rc;
}
