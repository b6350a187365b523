/* Fuzz target: what the load generator makes of a service's answers. The
 * generator parses no text itself (libcurl reads HTTP, bodies are discarded,
 * only the status code and the timing count: lib/probe/loadgen.c), so what a
 * service under stress controls is the sequence of step results: how many
 * requests succeeded, failed or timed out, the throughput and the latencies.
 * Here the input is that sequence: the first bytes set the search's options
 * (invalid ones included), then each step's result comes from the next
 * bytes, its latencies through the latency histogram (mph_hist), as
 * mph_load_run files them. Both searches (mph_rate_search and Morphling's
 * doubling) must end within max_steps, try only rates within bounds, and
 * report a peak that was a passing step. (Rates may start below min_rate
 * when start_rate is: the options allow it.) */
#include "fuzz.h"
#include <math.h>
#include "probe/probe.h"

typedef struct {
	const uint8_t *p;
	size_t n;
	const mph_rate_opts *o;
	int steps;
	double tried[64];
} feed;

static int byte(feed *f)
{
	if (f->n == 0) return -1;
	f->n--;
	return *f->p++;
}

static int step(void *ctx, double rate, mph_load_result *r, mph_error *err)
{
	feed *f = ctx;
	int flags = byte(f), okb = byte(f), errb = byte(f), tob = byte(f), thr = byte(f), nlat = byte(f), i;
	static mph_hist *h; /* one, reset per step: a fresh one is 139 kB */
	double sched;
	if (!(rate > 0) || !isfinite(rate) || rate > f->o->max_rate * (1 + 1e-9) ||
	    rate < fmin(f->o->min_rate, f->o->start_rate) * (1 - 1e-9))
		fuzz_fail("a step at a rate out of bounds", NULL);
	if (f->steps < 64) f->tried[f->steps] = rate;
	f->steps++;
	if (nlat < 0) return mph_error_set(err, "", 0, 0, "out of input");
	memset(r, 0, sizeof *r);
	if (h == NULL) h = mph_hist_new();
	mph_hist_reset(h);
	for (i = 0; i < nlat % 16; i++) {
		int m = byte(f), e = byte(f);
		if (e < 0) break;
		/* from sub-microsecond to far past the histogram's 60 s, and negative */
		mph_hist_record(h, (e & 128 ? -1.0 : 1.0) * ldexp((double)m + 1, (e & 63) - 8));
	}
	sched = fmin(rate * 3, 1e12);
	r->offered_rps = rate;
	r->scheduled = (uint64_t)sched;
	r->ok = (uint64_t)(sched * okb / 255.0);
	r->errors = (uint64_t)((sched - (double)r->ok) * errb / 255.0);
	r->timeouts = (uint64_t)((sched - (double)r->ok - (double)r->errors) * tob / 255.0);
	if (flags & 1) r->ok = mph_hist_count(h);
	r->stopped = (flags & 2) != 0 && (flags & 4) != 0;
	r->error_rate = r->scheduled ? (double)(r->errors + r->timeouts) / (double)r->scheduled : 0.0;
	r->rps = rate * thr / 128.0;
	r->p50_ms = mph_hist_quantile(h, 0.50) / 1000.0;
	r->p99_ms = mph_hist_quantile(h, 0.99) / 1000.0;
	r->pctl_ms = mph_hist_quantile(h, 0.99) / 1000.0;
	r->mean_ms = mph_hist_mean(h) / 1000.0;
	r->min_ms = mph_hist_min(h) / 1000.0;
	r->max_ms = mph_hist_max(h) / 1000.0;
	if (mph_hist_count(h) > 0 && !(r->min_ms <= r->pctl_ms && r->pctl_ms <= r->max_ms * (1 + 1e-3) + 1e-3))
		fuzz_fail("histogram quantiles out of order", NULL);
	return 0;
}

static double scaled(feed *f, double lo, double hi)
{
	int b = byte(f);
	if (b < 0) b = 128;
	if (b == 255) return -1; /* an invalid value now and then */
	return lo * pow(hi / lo, b / 254.0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int guided;
	for (guided = 0; guided < 2; guided++) {
		mph_rate_opts o;
		mph_rate_result res;
		mph_error err;
		feed f = {data, size, &o, 0, {0}};
		int rc, i, mode = byte(&f);
		mph_rate_opts_init(&o);
		if (mode >= 0 && (mode & 1)) {
			o.slo_ms = scaled(&f, 0.01, 1e5);
			o.tolerance = scaled(&f, 1e-4, 2);
			o.start_rate = scaled(&f, 0.01, 1e6);
			o.min_rate = scaled(&f, 1e-3, 1e3);
			o.max_rate = scaled(&f, 1, 1e9);
			o.max_steps = byte(&f) % 40;
			o.use_mean = mode & 2;
			o.max_error = (mode & 4) ? 0 : 0.01;
		}
		rc = guided ? mph_rate_search(&o, step, &f, &res, &err)
		            : mph_rate_search_doubling(&o, step, &f, &res, &err);
		if (rc != 0) { fuzz_check_error(&err, "mph_rate_search"); continue; }
		if (res.steps > o.max_steps || f.steps != res.steps) fuzz_fail("more steps than allowed", NULL);
		if (res.peak != 0) {
			int found = 0;
			for (i = 0; i < f.steps && i < 64; i++) found |= f.tried[i] == res.peak;
			if (!found) fuzz_fail("a peak that no step tried", NULL);
			if (!mph_rate_step_passes(&o, &res.best)) fuzz_fail("the best step did not pass", NULL);
		}
		if (!isfinite(res.peak) || !isfinite(res.fail_rate)) fuzz_fail("a rate that is not finite", NULL);
	}
	return 0;
}
