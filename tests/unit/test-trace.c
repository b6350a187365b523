/* Traces as training targets (learn/trace.c, mph_trace_load_opts): a row
 * that ran but broke one of the objective's constraints is learnt as a
 * failed one (the fail value, or with fail_worst its task's worst metric
 * among the rows that served, which way is worst following the objective),
 * so that an infeasible configuration (a job that crashed early is
 * "cheap", one too slow for the SLO serves "many") does not teach the
 * model that it is good. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "learn/learn.h"
#include "unit.h"

static const char *space_text = "{\"knobs\": [{\"name\": \"x\", \"type\": \"int\", \"range\": [1, 4], \"step\": 1}]}";

/* task a: x=1..4, rps 10 20 30 40, p99 50 80 120 300 (x=4 breaks p99 <= 200);
 * task b: x=1 oom, x=2 breaks, x=3 and 4 serve; task c: nothing serves. */
static const char *rows =
	"task,x,rps,p99_ms,status\n"
	"a,1,10,50,ok\na,2,20,80,ok\na,3,30,120,ok\na,4,40,300,ok\n"
	"b,1,,,oom\nb,2,90,250,ok\nb,3,15,100,ok\nb,4,25,150,ok\n"
	"c,1,5,900,ok\nc,2,,,oom\n";

static mph_objective *objective(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	mph_objective *o = j ? mph_objective_from_json(j, "objective", NULL) : NULL;
	json_decref(j);
	return o;
}

static const double *y(const mph_trace *t, const char *task)
{
	long k = mph_trace_task_index(t, task);
	return k >= 0 ? mph_trace_task_metric(t, (size_t)k) : NULL;
}

int main(void)
{
	char path[] = "/tmp/mph-test-trace-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	json_error_t je;
	json_t *js = json_loads(space_text, 0, &je);
	mph_space *s = mph_space_from_json(js, "space", NULL);
	mph_objective *slo = objective("{\"metric\": \"rps\", \"direction\": \"max\", \"constraints\": [\"p99_ms <= 200\"]}");
	mph_objective *none = objective("{\"metric\": \"rps\", \"direction\": \"max\"}");
	mph_objective *lat = objective("{\"metric\": \"p99_ms\", \"direction\": \"min\", \"constraints\": [\"rps >= 12\"]}");
	mph_trace_opts o;
	mph_trace *t, *plain;
	mph_error err;
	const double *a, *b, *c;

	CHECK(fp != NULL && s != NULL && slo != NULL && none != NULL && lat != NULL);
	if (fp == NULL || s == NULL) return UNIT_DONE();
	fputs(rows, fp);
	fclose(fp);

	/* without an objective: every row that ran keeps its metric */
	plain = mph_trace_load(path, s, "rps", -1.0, &err);
	CHECK(plain != NULL && y(plain, "a")[3] == 40.0 && y(plain, "b")[0] == -1.0 && y(plain, "b")[1] == 90.0);

	/* with it: the rows that broke the SLO are learnt as failed ones */
	mph_trace_opts_init(&o);
	o.fail_value = -1.0;
	o.objective = slo;
	t = mph_trace_load_opts(path, s, "rps", &o, &err);
	CHECK(t != NULL);
	if (t != NULL) {
		a = y(t, "a"), b = y(t, "b"), c = y(t, "c");
		CHECK(a[0] == 10.0 && a[1] == 20.0 && a[2] == 30.0 && a[3] == -1.0);
		CHECK(b[0] == -1.0 && b[1] == -1.0 && b[2] == 15.0 && b[3] == 25.0);
		CHECK(c[0] == -1.0 && c[1] == -1.0);
		/* only a row that did not run is failed; the data read is the same */
		CHECK(!mph_trace_task_failed(t, 0)[3] && mph_trace_task_failed(t, 1)[0]);
		CHECK(mph_trace_digest(t) == mph_trace_digest(plain));
	}
	mph_trace_free(t);

	/* fail_worst: the task's worst metric that served (lowest rps), or
	 * the fail value where nothing served */
	o.fail_worst = 1;
	t = mph_trace_load_opts(path, s, "rps", &o, &err);
	CHECK(t != NULL);
	if (t != NULL) {
		a = y(t, "a"), b = y(t, "b"), c = y(t, "c");
		CHECK(a[3] == 10.0 && a[0] == 10.0);
		CHECK(b[0] == 15.0 && b[1] == 15.0 && b[2] == 15.0 && b[3] == 25.0);
		CHECK(c[0] == -1.0 && c[1] == -1.0);
	}
	mph_trace_free(t);

	/* minimising: the worst is the highest; rows below 12 rps break it */
	o.objective = lat;
	t = mph_trace_load_opts(path, s, "p99_ms", &o, &err);
	CHECK(t != NULL);
	if (t != NULL) {
		a = y(t, "a"), b = y(t, "b");
		CHECK(a[0] == 300.0 && a[1] == 80.0 && a[3] == 300.0); /* 10 rps broke it */
		CHECK(b[0] == 250.0 && b[1] == 250.0 && b[2] == 100.0 && b[3] == 150.0);
	}
	mph_trace_free(t);

	/* an objective without constraints changes nothing but fail_worst's
	 * failed rows */
	o.objective = none;
	o.fail_worst = 0;
	t = mph_trace_load_opts(path, s, "rps", &o, &err);
	CHECK(t != NULL && memcmp(y(t, "a"), y(plain, "a"), 4 * sizeof(double)) == 0 &&
	      memcmp(y(t, "b"), y(plain, "b"), 4 * sizeof(double)) == 0);
	mph_trace_free(t);

	/* the objective must judge the metric learnt, and bind to the trace */
	o.objective = slo;
	CHECK(mph_trace_load_opts(path, s, "p99_ms", &o, &err) == NULL);
	CHECK(strcmp(err.text, "the objective's metric is 'rps', not 'p99_ms'") == 0);
	{
		mph_objective *gone = objective("{\"metric\": \"rps\", \"direction\": \"max\", \"constraints\": [\"p50_ms <= 10\"]}");
		o.objective = gone;
		CHECK(mph_trace_load_opts(path, s, "rps", &o, &err) == NULL);
		CHECK(strstr(err.text, "p50_ms") != NULL);
		mph_objective_free(gone);
	}

	mph_trace_free(plain);
	unlink(path);
	mph_objective_free(slo);
	mph_objective_free(none);
	mph_objective_free(lat);
	mph_space_free(s);
	json_decref(js);
	return UNIT_DONE();
}
