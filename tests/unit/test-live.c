/* Live probing pieces that need no network: histogram accuracy, the rate
 * searches against a synthetic service, and running commands per trial. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "probe/probe.h"
#include "unit.h"

static void test_histogram(void)
{
	mph_hist *h = mph_hist_new();
	int i;
	CHECK(isnan(mph_hist_quantile(h, 0.5)));
	for (i = 1; i <= 100000; i++) mph_hist_record(h, (double)i * 10.0); /* 10 us .. 1 s */
	CHECK(mph_hist_count(h) == 100000);
	CHECK_NEAR(mph_hist_quantile(h, 0.5), 500000, 500);
	CHECK_NEAR(mph_hist_quantile(h, 0.99), 990000, 990);
	CHECK_NEAR(mph_hist_quantile(h, 0.999), 999000, 999);
	CHECK_NEAR(mph_hist_quantile(h, 1.0), 1000000, 0);
	CHECK_NEAR(mph_hist_quantile(h, 0.0), 10, 0);
	CHECK_NEAR(mph_hist_mean(h), 500005, 1e-6);
	mph_hist_reset(h);
	for (i = 0; i < 1000; i++) mph_hist_record(h, 1234.0); /* exact below 2048 us */
	CHECK_NEAR(mph_hist_quantile(h, 0.5), 1234, 0);
	mph_hist_record(h, 1e9); /* beyond 60 s */
	CHECK(mph_hist_overflow(h) == 1);
	CHECK_NEAR(mph_hist_max(h), 60e6, 0);
	{ /* 3 significant digits across the range */
		double v;
		for (v = 2500; v < 59e6; v *= 1.37) {
			mph_hist_reset(h);
			mph_hist_record(h, v);
			mph_hist_record(h, v * 1.5); /* so min/max do not clamp the answer */
			mph_hist_record(h, v / 1.5);
			CHECK(fabs(mph_hist_quantile(h, 0.5) - v) <= v * 1e-3);
		}
	}
	mph_hist_free(h);
}

/* A service that sustains `capacity` requests/s: beyond it, queueing blows
 * the latency up, and only `capacity` answers a second come back. */
typedef struct { double capacity; int steps; } fake;

static int fake_step(void *ctx, double rate, mph_load_result *r, mph_error *err)
{
	fake *f = ctx;
	(void)err;
	memset(r, 0, sizeof *r);
	f->steps++;
	r->offered_rps = rate;
	r->scheduled = r->ok = 1000;
	r->rps = rate <= f->capacity ? rate : f->capacity;
	r->pctl_ms = r->mean_ms = rate <= f->capacity ? 10 : 10 + 1000 * (rate / f->capacity - 1);
	return 0;
}

static void test_rate_search(void)
{
	static const double caps[] = { 37, 300, 350, 777, 1000, 4321 };
	mph_rate_opts o;
	mph_rate_result res;
	mph_error err;
	size_t i;
	int guided_total = 0, doubling_total = 0;
	mph_rate_opts_init(&o);
	o.slo_ms = 50;
	o.start_rate = 10;
	for (i = 0; i < sizeof caps / sizeof *caps; i++) {
		fake f = { caps[i], 0 };
		CHECK(mph_rate_search(&o, fake_step, &f, &res, &err) == 0);
		CHECK(res.converged);
		CHECK(res.peak <= caps[i] * 1.04 && res.peak >= caps[i] * 0.95);
		CHECK(res.fail_rate <= res.peak * 1.05);
		guided_total += res.steps;
		f.steps = 0;
		CHECK(mph_rate_search_doubling(&o, fake_step, &f, &res, &err) == 0);
		CHECK(res.converged);
		CHECK(res.peak <= caps[i] * 1.04 && res.peak >= caps[i] * 0.95);
		doubling_total += res.steps;
	}
	CHECK(guided_total < doubling_total);
	{ /* nothing meets the SLO: peak 0, lowest step reported */
		fake f = { 0.5, 0 };
		CHECK(mph_rate_search(&o, fake_step, &f, &res, &err) == 0);
		CHECK(res.peak == 0);
		CHECK(res.best.offered_rps == o.min_rate);
	}
	{ /* bounded in steps */
		fake f = { 1e9, 0 };
		o.max_steps = 4;
		CHECK(mph_rate_search(&o, fake_step, &f, &res, &err) == 0);
		CHECK(res.steps == 4 && f.steps == 4 && !res.converged);
	}
}

typedef struct {
	int n;
	char status[8][32], rps[8][64], msg[8][512], log[8][300];
	size_t order[8];
} collected;

static void collect(void *ctx, size_t trial, const mph_exec_result *r)
{
	collected *c = ctx;
	const char *v = mph_exec_result_get(r, "rps");
	c->order[c->n] = trial;
	snprintf(c->status[c->n], sizeof c->status[0], "%s", r->status);
	snprintf(c->rps[c->n], sizeof c->rps[0], "%s", v ? v : "");
	snprintf(c->msg[c->n], sizeof c->msg[0], "%s", r->message);
	snprintf(c->log[c->n], sizeof c->log[0], "%s", r->log_path ? r->log_path : "");
	c->n++;
}

static void test_exec(void)
{
	const char *names[2] = { "threads", "max-batch" };
	const char *v0[2] = { "4", "1; touch pwned" }, *v1[2] = { "8", "$(touch pwned)" };
	const char *const *values[2] = { v0, v1 };
	char dir[] = "/tmp/mph-test-live-XXXXXX", path[256], cwd[4096];
	mph_exec_opts o;
	mph_exec_result r;
	mph_error err;
	collected c;
	struct stat st;

	memset(&r, 0, sizeof r);
	CHECK(mph_exec_parse_output("# comment\nrps=12.5\n p99_ms = 3 \nnoise\n9bad=1\n", &r, &err) == 0);
	CHECK(r.n == 2 && strcmp(mph_exec_result_get(&r, "rps"), "12.5") == 0);
	CHECK(strcmp(mph_exec_result_get(&r, "p99_ms"), "3") == 0);
	mph_exec_result_clear(&r);
	CHECK(mph_exec_parse_output(" {\"rps\": 100, \"status\": \"ok\", \"x\": true}\n", &r, &err) == 0);
	CHECK(r.n == 3 && strcmp(mph_exec_result_get(&r, "rps"), "100") == 0);
	CHECK(strcmp(mph_exec_result_get(&r, "x"), "1") == 0);
	mph_exec_result_clear(&r);
	CHECK(mph_exec_parse_output("{\"rps\": ", &r, &err) == -1);
	mph_exec_result_clear(&r);

	CHECK(mkdtemp(dir) != NULL);
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK(chdir(dir) == 0);
	mph_exec_opts_init(&o);
	o.log_dir = dir;
	/* knob values only in the environment, never run */
	o.cmd = "echo \"rps=$MPH_THREADS\"; echo \"b=$MPH_MAX_BATCH\"; echo \"c=$MPH_CONFIG\"";
	memset(&c, 0, sizeof c);
	CHECK(mph_exec_batch(&o, 2, 2, names, values, collect, &c, &err) == 0);
	CHECK(c.n == 2 && strcmp(c.rps[0], "4") == 0 && strcmp(c.rps[1], "8") == 0);
	CHECK(strcmp(c.status[0], "ok") == 0);
	CHECK(stat("pwned", &st) != 0);
	snprintf(path, sizeof path, "%s/trial-2.log", dir);
	CHECK(stat(path, &st) == 0);
	/* the result names the log the trial wrote */
	CHECK(strcmp(c.log[1], path) == 0);
	{
		char *service = mph_probe_log_path(dir, "service", 3);
		snprintf(path, sizeof path, "%s/service-3.log", dir);
		CHECK(strcmp(service, path) == 0);
		free(service);
		snprintf(path, sizeof path, "%s/trial-2.log", dir);
	}

	/* failure, timeout, retries under -j */
	o.cmd = "if [ \"$MPH_THREADS\" = 4 ]; then sleep 30; else echo boom >&2; exit 3; fi";
	o.timeout_s = 0.3;
	o.kill_grace_s = 0.2;
	o.retries = 1;
	o.jobs = 2;
	memset(&c, 0, sizeof c);
	{
		double t0 = mph_now();
		CHECK(mph_exec_batch(&o, 2, 2, names, values, collect, &c, &err) == 0);
		CHECK(mph_now() - t0 < 3);
	}
	/* reported as they finish: the quick failure before the timeout */
	CHECK(c.n == 2 && c.order[0] == 1 && c.order[1] == 0);
	CHECK(strcmp(c.status[1], "timeout") == 0);
	CHECK(strcmp(c.status[0], "error") == 0);
	CHECK(strcmp(c.msg[0], "exit status 3: boom") == 0);
	{
		char line[256];
		int attempts = 0;
		FILE *fp = fopen(path, "r");
		CHECK(fp != NULL);
		while (fp && fgets(line, sizeof line, fp)) attempts += strncmp(line, "# trial 2, attempt", 18) == 0;
		if (fp) fclose(fp);
		CHECK(attempts == 2);
	}
	/* no measurements is an error; a printed status wins */
	o.cmd = "echo status=oom; echo rps=0";
	o.timeout_s = 5;
	memset(&c, 0, sizeof c);
	CHECK(mph_exec_batch(&o, 1, 2, names, values, collect, &c, &err) == 0);
	CHECK(strcmp(c.status[0], "oom") == 0);
	o.cmd = "true";
	memset(&c, 0, sizeof c);
	CHECK(mph_exec_batch(&o, 1, 2, names, values, collect, &c, &err) == 0);
	CHECK(strcmp(c.status[0], "error") == 0 && strcmp(c.msg[0], "printed no name=value measurements") == 0);
	CHECK(chdir(cwd) == 0);
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		CHECK(system(cmd) == 0);
	}
}

int main(void)
{
	test_histogram();
	test_rate_search();
	test_exec();
	return UNIT_DONE();
}
