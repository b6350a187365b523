/* mph-loadtest: drives the library's load generator and rate searches from
 * the command line, for benchmarks and for tests of lib/ before mph-probe.
 *   mph-loadtest [-P] [-c conns] [-m measure_s] [-w warmup_s] -r RATE URL
 *   mph-loadtest [-D] [-l slo_ms] [-q pct] [-S start] -s URL   (rate search)
 * Prints name=value lines. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "probe/probe.h"

static mph_load_opts lo;
static int steps_verbose = 0;

static int step(void *ctx, double rate, mph_load_result *r, mph_error *err)
{
	(void)ctx;
	lo.rate = rate;
	if (mph_load_run(&lo, r, err) < 0) return -1;
	if (steps_verbose)
		fprintf(stderr, "step rate=%.1f rps=%.1f p99_ms=%.3f mean_ms=%.3f errors=%.4f\n",
		        rate, r->rps, r->p99_ms, r->mean_ms, r->error_rate);
	return 0;
}

static void print_result(const char *pre, const mph_load_result *r)
{
	printf("%soffered_rps=%.1f\n%srps=%.1f\n%ssent_rps=%.1f\n%sp50_ms=%.3f\n%sp90_ms=%.3f\n"
	       "%sp99_ms=%.3f\n%sp999_ms=%.3f\n%smean_ms=%.3f\n%serror_rate=%.5f\n%smax_lag_ms=%.3f\n"
	       "%sok=%llu\n%stimeouts=%llu\n%serrors=%llu\n%sseconds=%.3f\n",
	       pre, r->offered_rps, pre, r->rps, pre, r->sent_rps, pre, r->p50_ms, pre, r->p90_ms,
	       pre, r->p99_ms, pre, r->p999_ms, pre, r->mean_ms, pre, r->error_rate, pre,
	       r->max_lag_s * 1000, pre, (unsigned long long)r->ok, pre,
	       (unsigned long long)r->timeouts, pre, (unsigned long long)r->errors, pre, r->seconds);
}

int main(int argc, char **argv)
{
	mph_rate_opts ro;
	mph_error err;
	int c, search = 0, doubling = 0;
	char buf[1200];

	mph_load_opts_init(&lo);
	mph_rate_opts_init(&ro);
	while ((c = getopt(argc, argv, "DPS:c:l:m:q:r:st:vw:x:")) != -1) {
		switch (c) {
		case 'D': doubling = 1; ro.use_mean = 1; break;
		case 'P': lo.poisson = 1; break;
		case 'S': ro.start_rate = atof(optarg); break;
		case 'c': lo.connections = atoi(optarg); break;
		case 'l': ro.slo_ms = atof(optarg); break;
		case 'm': lo.measure_s = atof(optarg); break;
		case 'q': lo.percentile = atof(optarg); break;
		case 'r': lo.rate = atof(optarg); break;
		case 's': search = 1; break;
		case 't': lo.timeout_s = atof(optarg); break;
		case 'v': steps_verbose = 1; break;
		case 'w': lo.warmup_s = atof(optarg); break;
		case 'x': ro.max_seconds = atof(optarg); break;
		default: return 2;
		}
	}
	if (optind + 1 != argc) { fputs("usage: mph-loadtest [options] URL\n", stderr); return 2; }
	lo.url = argv[optind];
	if (search) {
		mph_rate_result res;
		ro.step_seconds = lo.warmup_s + lo.measure_s;
		if ((doubling ? mph_rate_search_doubling : mph_rate_search)(&ro, step, NULL, &res, &err) < 0) {
			fprintf(stderr, "mph-loadtest: %s\n", mph_error_format(&err, buf, sizeof buf));
			return 1;
		}
		printf("peak=%.1f\nfail_rate=%.1f\nsteps=%d\nsearch_s=%.2f\nconverged=%d\n",
		       res.peak, res.fail_rate, res.steps, res.seconds, res.converged);
		print_result("best_", &res.best);
		return 0;
	}
	{
		mph_load_result r;
		if (mph_load_run(&lo, &r, &err) < 0) {
			fprintf(stderr, "mph-loadtest: %s\n", mph_error_format(&err, buf, sizeof buf));
			return 1;
		}
		print_result("", &r);
		if (r.first_error[0]) printf("first_error=%s\n", r.first_error);
	}
	return 0;
}
