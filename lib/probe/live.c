/* mph-probe's live modes: per configuration, optionally start the service
 * (--start) and wait until it is ready, then measure it by running a command
 * (--exec) or by the built-in load generator's rate search (--url), then
 * stop it. Every way a trial can fail becomes a row with a status; only I/O
 * on the trials file itself stops the run. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include "probe/probe.h"

static const char *const measured[] = {
	"rps", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "error_rate", "status", "probe_s"
};
#define NMEASURED (sizeof measured / sizeof *measured)

void mph_live_opts_init(mph_live_opts *o)
{
	memset(o, 0, sizeof *o);
	mph_load_opts_init(&o->load);
	mph_rate_opts_init(&o->rate);
	mph_exec_opts_init(&o->exec);
	o->load.warmup_s = 1;
	o->load.measure_s = 3;
	o->ready_timeout_s = 30;
	o->grace_s = 5;
}

/* progress: 0 for a trial's problem, 1 for progress */
static void note_at(const mph_live_opts *o, int progress, const char *fmt, va_list ap)
{
	char buf[1024];
	if (!o->note) return;
	vsnprintf(buf, sizeof buf, fmt, ap);
	o->note(o->note_ctx, progress, buf);
}

static void note(const mph_live_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const mph_live_opts *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note_at(o, 0, fmt, ap);
	va_end(ap);
}

static void progress(const mph_live_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(const mph_live_opts *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note_at(o, 1, fmt, ap);
	va_end(ap);
}

typedef struct {
	const mph_live_opts *o;
	FILE *out;
	size_t nknobs, ncols;
	const char *const *knobs;
	char **cols;          /* measured columns written */
	const char *const *const *values;
	size_t toff;          /* trial number of values[0], for messages */
	double extra_s;       /* start-up and readiness time, added to probe_s */
	mph_service *svc;     /* the service of the current trial, or NULL */
	int dropped_warned;
} run;

/* The number of trial t: the file's numbering goes on across runs. */
static size_t trial_no(const run *R, size_t t)
{
	return R->o->batch.first_trial + R->toff + t + 1;
}

static void write_row(run *R, size_t t, const char *const *vals)
{
	size_t k;
	char num[32];
	for (k = 0; k < R->nknobs; k++) {
		if (k) putc(',', R->out);
		mph_csv_write_field(R->out, R->values[t][k]);
	}
	for (k = 0; k < R->ncols; k++) {
		putc(',', R->out);
		mph_csv_write_field(R->out, vals[k] ? vals[k] : "");
	}
	if (R->o->batch.number) { /* the column `trial`, last */
		snprintf(num, sizeof num, ",%zu", trial_no(R, t));
		fputs(num, R->out);
	}
	putc('\n', R->out);
	fflush(R->out);
}

static long col_of(const run *R, const char *name)
{
	size_t k;
	for (k = 0; k < R->ncols; k++) if (strcmp(R->cols[k], name) == 0) return (long)k;
	return -1;
}

static void status_row(run *R, size_t t, const char *status, double seconds)
{
	const char **vals = mph_calloc(R->ncols, sizeof *vals);
	char sbuf[32];
	vals[col_of(R, "status")] = status;
	vals[col_of(R, "probe_s")] = mph_fmt_double(sbuf, round(seconds * 1000) / 1000);
	write_row(R, t, vals);
	free(vals);
}

/* ---- --exec ---- */

static void exec_done(void *ctx, size_t t, const mph_exec_result *r)
{
	run *R = ctx;
	const char **vals = mph_calloc(R->ncols, sizeof *vals);
	char sbuf[32];
	size_t i;
	for (i = 0; i < r->n; i++) {
		long c = col_of(R, r->names[i]);
		if (c >= 0) vals[c] = r->values[i];
		else if (!R->dropped_warned) {
			note(R->o, "trial %zu: '%s' is not a column (see --columns); dropped",
			     trial_no(R, t), r->names[i]);
			R->dropped_warned = 1;
		}
	}
	vals[col_of(R, "status")] = r->status;
	vals[col_of(R, "probe_s")] = mph_fmt_double(sbuf, round((r->seconds + R->extra_s) * 1000) / 1000);
	if (r->message[0])
		note(R->o, "trial %zu: %s: %s%s%s", trial_no(R, t), r->status, r->message,
		     r->log_path ? "; log " : "", r->log_path ? r->log_path : "");
	if (R->svc && !mph_service_alive(R->svc)) {
		/* a measurement of a service that died under it measures nothing */
		note(R->o, "trial %zu: crash: the service died during the command (%s)", trial_no(R, t),
		     mph_service_how(R->svc));
		memset(vals, 0, R->ncols * sizeof *vals);
		vals[col_of(R, "status")] = "crash";
		vals[col_of(R, "probe_s")] = sbuf;
	}
	write_row(R, t, vals);
	free(vals);
}

/* ---- --url ---- */

typedef struct { const mph_live_opts *o; mph_service *svc; } step_ctx;

static int service_gone(void *ctx)
{
	mph_service *s = ctx;
	return !mph_service_alive(s);
}

static int url_step(void *ctx, double rate, mph_load_result *r, mph_error *err)
{
	step_ctx *sc = ctx;
	mph_load_opts lo = sc->o->load;
	lo.url = sc->o->url;
	lo.rate = rate;
	if (sc->svc) { lo.stop = service_gone; lo.stop_ctx = sc->svc; }
	if (mph_load_run(&lo, r, err) < 0) return -1;
	progress(sc->o, "  step %.6g req/s: %.6g ok/s, p%g %.4g ms, errors %.3g%s", rate, r->rps,
	     lo.percentile, r->pctl_ms, r->error_rate, r->stopped ? " (service died)" : "");
	return 0;
}

static int url_trial(run *R, size_t t, double t0, mph_error *err)
{
	const mph_live_opts *o = R->o;
	step_ctx sc = { o, R->svc };
	mph_rate_result res;
	const char **vals = mph_calloc(R->ncols, sizeof *vals);
	char b[6][32], sbuf[32];
	const char *status;
	const mph_load_result *m = &res.best;
	mph_rate_opts ro = o->rate;

	ro.step_seconds = o->load.warmup_s + o->load.measure_s;
	ro.use_mean = o->doubling; /* Morphling's client judges the mean latency */
	if (o->fixed_rate > 0) {
		memset(&res, 0, sizeof res);
		if (url_step(&sc, o->fixed_rate, &res.best, err) < 0) { free(vals); return -1; }
		res.steps = 1;
		if (mph_rate_step_passes(&ro, &res.best)) res.peak = o->fixed_rate;
	} else if ((o->doubling ? mph_rate_search_doubling : mph_rate_search)(&ro, url_step, &sc, &res, err) < 0) {
		free(vals);
		return -1;
	}
	if (R->svc && !mph_service_alive(R->svc)) {
		status = "crash";
		note(o, "trial %zu: crash: the service died during the load test (%s)", trial_no(R, t), mph_service_how(R->svc));
	} else if (m->ok == 0) {
		status = "error";
		note(o, "trial %zu: error: no request succeeded at %.6g req/s%s%s", trial_no(R, t), m->offered_rps,
		     m->first_error[0] ? ": " : "", m->first_error);
	} else if (res.peak == 0) {
		status = "slo";
		note(o, "trial %zu: slo: even %.6g req/s misses the SLO (p%g %.4g ms, errors %.3g)", trial_no(R, t),
		     m->offered_rps, o->load.percentile, m->pctl_ms, m->error_rate);
	} else {
		status = "ok";
	}
	vals[col_of(R, "rps")] = mph_fmt_double(b[0], res.peak > 0 ? round(m->rps * 10) / 10 : 0);
	if (strcmp(status, "crash") == 0) {
		vals[col_of(R, "rps")] = NULL; /* nothing measured is worth keeping */
	} else if (m->ok > 0) {
		vals[col_of(R, "p50_ms")] = mph_fmt_double(b[1], round(m->p50_ms * 1000) / 1000);
		vals[col_of(R, "p90_ms")] = mph_fmt_double(b[2], round(m->p90_ms * 1000) / 1000);
		vals[col_of(R, "p99_ms")] = mph_fmt_double(b[3], round(m->p99_ms * 1000) / 1000);
		vals[col_of(R, "p999_ms")] = mph_fmt_double(b[4], round(m->p999_ms * 1000) / 1000);
	}
	if (strcmp(status, "crash") != 0)
		vals[col_of(R, "error_rate")] = mph_fmt_double(b[5], round(m->error_rate * 1e5) / 1e5);
	vals[col_of(R, "status")] = status;
	vals[col_of(R, "probe_s")] = mph_fmt_double(sbuf, round((mph_now() - t0) * 1000) / 1000);
	progress(o, "trial %zu: %s, %.6g req/s in %d steps", trial_no(R, t), status, res.peak, res.steps);
	write_row(R, t, vals);
	free(vals);
	return 0;
}

/* ---- one trial with a service around it ---- */

static int service_trial(run *R, size_t t, mph_error *err)
{
	const mph_live_opts *o = R->o;
	double t0 = mph_now();
	char **env = mph_exec_env(R->nknobs, R->knobs, R->values[t], o->exec.extra_env);
	char *log = NULL;
	mph_service_state st;
	int ret = 0;

	if (mph_ready_probe(o->ready, 1, NULL) == 1) {
		note(o, "trial %zu: port-in-use: something already answers at %s", trial_no(R, t), o->ready);
		status_row(R, t, "port-in-use", mph_now() - t0);
		goto out;
	}
	if (o->exec.log_dir) {
		log = mph_probe_log_path(o->exec.log_dir, "service", trial_no(R, t));
		remove(log);
	}
	R->svc = mph_service_start(o->start_cmd, env, log, err);
	if (!R->svc) { ret = -1; goto out; }
	st = mph_service_wait_ready(R->svc, o->ready, o->ready_timeout_s);
	if (st != MPH_SERVICE_READY) {
		if (st == MPH_SERVICE_CRASHED)
			note(o, "trial %zu: crash: the service exited before it was ready (%s)", trial_no(R, t),
			     mph_service_how(R->svc));
		else
			note(o, "trial %zu: not-ready: %s did not answer within %g s", trial_no(R, t), o->ready,
			     o->ready_timeout_s);
		mph_service_stop(R->svc, o->grace_s);
		R->svc = NULL;
		status_row(R, t, st == MPH_SERVICE_CRASHED ? "crash" : "not-ready", mph_now() - t0);
		goto out;
	}
	if (o->url) {
		ret = url_trial(R, t, t0, err);
	} else {
		run one = *R;
		mph_exec_opts eo = o->exec;
		const char *const *v[1] = { R->values[t] };
		eo.jobs = 1;
		eo.first_trial = o->batch.first_trial + t;
		eo.measured = (const char *const *)R->cols;
		eo.nmeasured = R->ncols;
		one.values = v;
		one.toff = t;
		one.extra_s = mph_now() - t0;
		ret = mph_exec_batch(&eo, 1, R->nknobs, R->knobs, v, exec_done, &one, err);
	}
	mph_service_stop(R->svc, o->grace_s);
	R->svc = NULL;
out:
	mph_exec_env_free(env);
	free(log);
	return ret;
}

static int check_opts(const mph_live_opts *o, mph_error *err)
{
	if (!!o->url + !!o->exec.cmd != 1)
		return mph_error_set(err, "", 0, 0, "give exactly one of --url and --exec");
	if (o->start_cmd && !o->ready)
		return mph_error_set(err, "", 0, 0, "--start needs --ready (a URL or a port)");
	if (o->start_cmd && o->exec.jobs > 1)
		return mph_error_set(err, "", 0, 0, "--start runs one service at a time: -j must be 1");
	if (o->ready && mph_ready_probe(o->ready, 1, NULL) < 0 && mph_ready_probe(o->ready, 1, err) < 0)
		return -1;
	return 0;
}

int mph_live_probe(const mph_live_opts *o, mph_csv *in, FILE *out, mph_error *err)
{
	run R;
	size_t nk, k, t, n = 0, cap = 0;
	char ***rows = NULL;
	const char *const *hdr;
	int rc, ret = -1;

	if (check_opts(o, err) < 0) return -1;
	if (o->exec.log_dir && mph_probe_log_dir(o->exec.log_dir, err) < 0) return -1;
	if (mph_reaper_start(err) < 0) return -1;
	memset(&R, 0, sizeof R);
	R.o = o;
	R.out = out;
	nk = mph_csv_ncols(in);
	hdr = mph_csv_header(in);
	R.nknobs = nk;
	R.knobs = hdr;
	/* measured columns: the standard ones, then --columns */
	R.cols = mph_malloc((NMEASURED + o->ncolumns) * sizeof *R.cols);
	for (k = 0; k < NMEASURED; k++) R.cols[R.ncols++] = (char *)measured[k];
	for (k = 0; k < o->ncolumns; k++)
		if (col_of(&R, o->columns[k]) < 0) R.cols[R.ncols++] = (char *)o->columns[k];
	for (k = 0; k < nk; k++)
		if (col_of(&R, hdr[k]) >= 0) {
			mph_error_set(err, mph_csv_name(in), 1, 0,
			              "column '%s' is measured: configurations cannot set it", hdr[k]);
			goto out;
		}
	/* Every column reaches the command as a variable: two must not be one. */
	if (mph_knob_names_check_env(hdr, nk, NULL, err) != 0) {
		mph_error_locate(err, mph_csv_name(in), 1);
		goto out;
	}
	/* All configurations first: a malformed row fails before any service runs. */
	while ((rc = mph_csv_read(in, err)) == 1) {
		const char *const *f = mph_csv_fields(in);
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			rows = mph_realloc(rows, cap * sizeof *rows);
		}
		rows[n] = mph_malloc(nk * sizeof **rows);
		for (k = 0; k < nk; k++) rows[n][k] = mph_strdup(f[k]);
		n++;
	}
	if (rc < 0) goto out;
	R.values = (const char *const *const *)rows;

	for (k = 0; k < nk; k++) {
		if (k) putc(',', out);
		mph_csv_write_field(out, hdr[k]);
	}
	for (k = 0; k < R.ncols; k++) {
		if (k || nk) putc(',', out);
		mph_csv_write_field(out, R.cols[k]);
	}
	if (o->batch.number) fputs(R.ncols || nk ? ",trial" : "trial", out);
	putc('\n', out);
	fflush(out);

	if (o->start_cmd) {
		for (t = 0; t < n; t++) {
			progress(o, "trial %zu (%zu of %zu): %s", trial_no(&R, t), t + 1, n, o->start_cmd);
			if (service_trial(&R, t, err) < 0) goto out;
		}
	} else if (o->url) {
		for (t = 0; t < n; t++) {
			progress(o, "trial %zu (%zu of %zu): %s", trial_no(&R, t), t + 1, n, o->url);
			if (url_trial(&R, t, mph_now(), err) < 0) goto out;
		}
	} else {
		mph_exec_opts eo = o->exec;
		eo.first_trial = o->batch.first_trial;
		eo.measured = (const char *const *)R.cols;
		eo.nmeasured = R.ncols;
		if (mph_exec_batch(&eo, n, nk, hdr, R.values, exec_done, &R, err) < 0) goto out;
	}
	ret = ferror(out) ? mph_error_set(err, "", 0, 0, "write error: %s", strerror(errno)) : 0;
out:
	for (t = 0; t < n; t++) {
		for (k = 0; k < nk; k++) free(rows[t][k]);
		free(rows[t]);
	}
	free(rows);
	free(R.cols);
	mph_reaper_stop();
	return ret;
}
