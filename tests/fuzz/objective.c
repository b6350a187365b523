/* Fuzz target: the objective loader (mph_objective_load, what -O reads),
 * then the objective bound to a fixed trials header, with and without
 * MPH_OBJECTIVE_PREDICTED, and evaluated on a few rows (numbers, empty
 * fields, text where a number belongs). */
#include "fuzz.h"
#include "space/space.h"

static const char TRIALS[] =
	"cpu,gpu_mem,batch,gpu_type,gpu,rps,p50_ms,p99_ms,status,cost,latency_ms\n"
	"1,0.5,1,T4,a,70,10,120,ok,1,3\n"
	"4,1,8,V100,b,520,20,480.5,ok,2.5,4\n"
	"2,0.25,4,M60,a,,,,oom,,\n"
	"0,0,0,x,b,-1,nan,1e300,ok,0,-0\n";

static void bind_and_eval(const mph_objective *o, unsigned flags)
{
	mph_error err;
	FILE *fp = fuzz_stream((const uint8_t *)TRIALS, sizeof TRIALS - 1);
	mph_csv *c = mph_csv_open_fp(fp, "trials", &err);
	mph_objective_bound *b;
	if (c == NULL) fuzz_fail("built-in trials", err.text);
	if ((b = mph_objective_bind_csv(o, c, flags, &err)) == NULL) fuzz_check_error(&err, "mph_objective_bind_csv");
	else {
		int rc;
		while ((rc = mph_csv_read(c, &err)) == 1) {
			mph_objective_result r;
			mph_error e2;
			if (mph_objective_eval_csv(b, c, 100.0, &r, &e2) != 0) fuzz_check_error(&e2, "mph_objective_eval_csv");
		}
		if (rc < 0) fuzz_fail("built-in trials", err.text);
	}
	mph_objective_bound_free(b);
	mph_csv_close(c);
	fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mph_error err;
	mph_objective *o = mph_objective_load(fuzz_path(data, size), &err);
	size_t i;
	if (o == NULL) { fuzz_check_error(&err, "mph_objective_load"); return 0; }
	if (mph_objective_metric(o) == NULL || mph_objective_metric(o)[0] == '\0') fuzz_fail("no metric", NULL);
	(void)mph_objective_maximize(o);
	for (i = 0; i < mph_objective_nconstraints(o); i++)
		if (mph_objective_constraint(o, i) == NULL) fuzz_fail("a NULL constraint", NULL);
	bind_and_eval(o, 0);
	bind_and_eval(o, MPH_OBJECTIVE_PREDICTED);
	mph_objective_free(o);
	return 0;
}
