/* Objective spec: loading and its messages, binding, cost, score, utility,
 * constraints, and scoring with a predicted metric. */
#include <string.h>
#include "space/space.h"
#include "unit.h"

static const char *paper =
	"{\"name\": \"rpd\", \"metric\": \"rps\", \"direction\": \"max\", \"score\": \"metric_per_cost\","
	" \"cost\": {\"base\": 0.2, \"terms\": [{\"knob\": \"cpu\", \"price\": 0.02},"
	" {\"knob\": \"gpu_mem\", \"price_by\": \"gpu_type\", \"prices\": {\"T4\": 0.4, \"M60\": 0.4, \"V100\": 2.6}},"
	" {\"price_by\": \"zone\", \"prices\": {\"eu\": 0.1, \"us\": 0}}]},"
	" \"constraints\": [\"p99_ms <= 1000\", \"rps >= 1 || gpu_type == 'T4'\"]}";

static mph_objective *parse(const char *text, mph_error *err)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	mph_objective *o;
	if (j == NULL) { fprintf(stderr, "bad test JSON: %s\n", je.text); return NULL; }
	o = mph_objective_from_json(j, "obj.json", err);
	json_decref(j);
	return o;
}

/* The spec fails to load with exactly this message. */
static int rejects(const char *text, const char *msg)
{
	mph_error err;
	char buf[1400];
	mph_objective *o = parse(text, &err);
	int ok = o == NULL && strcmp(mph_error_format(&err, buf, sizeof buf), msg) == 0;
	if (!ok) fprintf(stderr, "%s\n  got: %s\n", text, o ? "(loaded)" : buf);
	mph_objective_free(o);
	return ok;
}

static int bind_fails(const mph_objective *o, const char *const *h, size_t n, unsigned flags,
                      const char *msg)
{
	mph_error err;
	mph_objective_bound *b = mph_objective_bind(o, h, n, flags, &err);
	int ok = b == NULL && strcmp(err.text, msg) == 0;
	if (!ok) fprintf(stderr, "bind: got %s\n", b ? "(bound)" : err.text);
	mph_objective_bound_free(b);
	return ok;
}

int main(void)
{
	static const char *const header[] = { "task", "cpu", "gpu_mem", "gpu_type", "zone", "rps", "p99_ms" };
	static const char *const knobs[] = { "cpu", "gpu_mem", "gpu_type", "zone" };
	mph_error err;
	mph_objective *o = parse(paper, &err);
	mph_objective_bound *b;
	mph_objective_result r;
	double cost;

	CHECK(o != NULL);
	if (o == NULL) return UNIT_DONE();
	CHECK(strcmp(mph_objective_name(o), "rpd") == 0);
	CHECK(strcmp(mph_objective_metric(o), "rps") == 0);
	CHECK(mph_objective_maximize(o) == 1 && mph_objective_per_cost(o) == 1);
	CHECK(mph_objective_has_cost(o) == 1);
	CHECK(mph_objective_nconstraints(o) == 2);
	CHECK(strcmp(mph_objective_constraint(o, 0), "p99_ms <= 1000") == 0);
	CHECK(mph_objective_utility(o, 3) == 3);

	b = mph_objective_bind(o, header, 7, 0, &err);
	CHECK(b != NULL);
	{
		/* 0.2 + 0.02*2 + 2.6*0.5 + 0.1 = 1.64; 82 / 1.64 = 50 */
		const char *row[] = { "bert", "2", "0.5", "V100", "eu", "82", "900" };
		CHECK(mph_objective_eval(b, row, NAN, &r, &err) == 0);
		CHECK_NEAR(r.cost, 1.64, 1e-12);
		CHECK_NEAR(r.score, 50, 1e-12);
		CHECK(r.utility == r.score && r.metric == 82 && r.violated == -1);
		CHECK(mph_objective_cost(b, row, &cost, &err) == 0 && cost == r.cost);
		/* a prediction replaces the measurement, also inside constraints */
		CHECK(mph_objective_eval(b, row, 164, &r, &err) == 0);
		CHECK_NEAR(r.score, 100, 1e-12);
		CHECK(mph_objective_eval(b, row, 0.5, &r, &err) == 0 && r.violated == 1);
	}
	{
		const char *row[] = { "bert", "2", "0.5", "T4", "us", "0.5", "1000.5" };
		CHECK(mph_objective_eval(b, row, NAN, &r, &err) == 0);
		CHECK(r.violated == 0);            /* first violated constraint */
		CHECK_NEAR(r.cost, 0.44, 1e-12);   /* 0.2 + 0.04 + 0.2 + 0 */
		row[6] = "1000";
		CHECK(mph_objective_eval(b, row, NAN, &r, &err) == 0 && r.violated == -1);
	}
	{
		const char *row[] = { "bert", "2", "0.5", "T4", "us", "abc", "5" };
		CHECK(mph_objective_eval(b, row, NAN, &r, &err) == -1);
		CHECK(strcmp(err.text, "column 'rps': not a number: 'abc'") == 0);
		row[5] = "1"; row[1] = "two";
		CHECK(mph_objective_eval(b, row, NAN, &r, &err) == -1);
		CHECK(strcmp(err.text, "column 'cpu': not a number: 'two'") == 0);
		row[1] = "2"; row[3] = "K80";
		CHECK(mph_objective_eval(b, row, NAN, &r, &err) == -1);
		CHECK(strcmp(err.text, "column 'gpu_type': no price for 'K80'") == 0);
		row[3] = "T4"; row[6] = "";
		CHECK(mph_objective_eval(b, row, NAN, &r, &err) == -1);
		CHECK(strcmp(err.text, "constraint 'p99_ms <= 1000': column 'p99_ms': not a number: ''") == 0);
		row[6] = "5"; row[1] = "-30";  /* 0.2 - 0.6 + 0.2 */
		CHECK(mph_objective_eval(b, row, NAN, &r, &err) == -1);
		CHECK(strcmp(err.text, "cost is not positive: -0.2") == 0);
	}
	mph_objective_bound_free(b);

	/* binding: every named column must exist ... */
	CHECK(bind_fails(o, header, 5, 0, "missing required column 'rps'"));
	CHECK(bind_fails(o, header, 6, 0, "constraint 'p99_ms <= 1000': missing column 'p99_ms'"));
	CHECK(bind_fails(o, header + 2, 5, 0, "missing required column 'cpu'"));
	CHECK(bind_fails(o, knobs, 3, MPH_OBJECTIVE_PREDICTED, "missing required column 'zone'"));
	/* ... except the metric and measured columns when the metric is predicted */
	b = mph_objective_bind(o, knobs, 4, MPH_OBJECTIVE_PREDICTED, &err);
	CHECK(b != NULL);
	if (b) {
		const char *row[] = { "1", "0.1", "M60", "us" };  /* 0.2 + 0.02 + 0.04 = 0.26 */
		CHECK(mph_objective_bound_checks(b, 0) == 0);    /* p99_ms is not known */
		CHECK(mph_objective_bound_checks(b, 1) == 1);    /* the metric is predicted */
		CHECK(mph_objective_eval(b, row, 2.6, &r, &err) == 0);
		CHECK_NEAR(r.score, 10, 1e-12);
		CHECK(mph_objective_eval(b, row, 0.25, &r, &err) == 0 && r.violated == 1);
		CHECK(mph_objective_eval(b, row, NAN, &r, &err) == -1);
		CHECK(strcmp(err.text, "no value for metric 'rps'") == 0);
		mph_objective_bound_free(b);
	}
	mph_objective_free(o);

	/* minimising: utility is the negated score; no cost model costs 0 */
	o = parse("{\"metric\": \"p99_ms\", \"direction\": \"min\", \"description\": \"latency\"}", &err);
	CHECK(o != NULL);
	if (o) {
		const char *h[] = { "p99_ms" }, *row[] = { "12.5" };
		CHECK(strcmp(mph_objective_name(o), "p99_ms") == 0);
		CHECK(mph_objective_maximize(o) == 0 && mph_objective_has_cost(o) == 0);
		CHECK(mph_objective_utility(o, 4) == -4);
		b = mph_objective_bind(o, h, 1, 0, &err);
		CHECK(b && mph_objective_eval(b, row, NAN, &r, &err) == 0);
		CHECK(r.cost == 0 && r.score == 12.5 && r.utility == -12.5);
		mph_objective_bound_free(b);
		mph_objective_free(o);
	}

	/* the shipped objectives load */
	o = mph_objective_load("share/mph/objectives/rps-per-dollar.json", &err);
	CHECK(o != NULL && mph_objective_per_cost(o));
	mph_objective_free(o);
	o = mph_objective_load("share/mph/objectives/nope.json", &err);
	CHECK(o == NULL && strcmp(err.text, "cannot open: No such file or directory") == 0);

	/* bad specs */
	CHECK(rejects("[]", "obj.json: objective: expected an object, got an array"));
	CHECK(rejects("{\"direction\": \"max\"}", "obj.json: missing key 'metric'"));
	CHECK(rejects("{\"metric\": \"rps\"}", "obj.json: missing key 'direction'"));
	CHECK(rejects("{\"metric\": 3, \"direction\": \"max\"}", "obj.json: metric: expected a non-empty string, got 3"));
	CHECK(rejects("{\"metric\": \"\", \"direction\": \"max\"}", "obj.json: metric: expected a non-empty string, got ''"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"up\"}", "obj.json: direction: expected 'max' or 'min', got 'up'"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": null}", "obj.json: direction: expected 'max' or 'min', got null"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"metrc\": 1}", "obj.json: unknown key 'metrc'"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"score\": \"ratio\"}",
	              "obj.json: score: expected 'metric' or 'metric_per_cost', got 'ratio'"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"score\": \"metric_per_cost\"}",
	              "obj.json: score 'metric_per_cost' needs a 'cost' model"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"min\", \"score\": \"metric_per_cost\", \"cost\": {}}",
	              "obj.json: score 'metric_per_cost' needs direction 'max'"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": []}", "obj.json: cost: expected an object, got an array"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"bse\": 1}}", "obj.json: cost: unknown key 'bse'"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"base\": -0.2}}",
	              "obj.json: cost.base: expected a non-negative number, got -0.2"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"base\": \"0.2\"}}",
	              "obj.json: cost.base: expected a non-negative number, got '0.2'"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": {}}}",
	              "obj.json: cost.terms: expected an array, got an object"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": [5]}}",
	              "obj.json: cost.terms[0]: expected an object, got 5"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": [{\"knob\": \"cpu\", \"price\": 1, \"unit\": 2}]}}",
	              "obj.json: cost.terms[0]: unknown key 'unit'"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": [{\"knob\": \"cpu\", \"price\": 1}, {\"knob\": \"gpu\", \"price\": \"cheap\"}]}}",
	              "obj.json: cost.terms[1].price: expected a non-negative number, got 'cheap'"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": [{\"knob\": \"cpu\", \"price\": -1}]}}",
	              "obj.json: cost.terms[0].price: expected a non-negative number, got -1"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": [{\"knob\": \"cpu\"}]}}",
	              "obj.json: cost.terms[0]: missing key 'price' (or 'prices' with 'price_by')"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": [{\"price\": 1}]}}",
	              "obj.json: cost.terms[0]: a 'price' without 'knob' belongs in 'base'"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": [{\"knob\": 7, \"price\": 1}]}}",
	              "obj.json: cost.terms[0].knob: expected a non-empty string, got 7"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": [{\"knob\": \"m\", \"price_by\": \"g\", \"price\": 1, \"prices\": {\"a\": 1}}]}}",
	              "obj.json: cost.terms[0]: 'price' and 'prices' exclude each other"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": [{\"knob\": \"m\", \"prices\": {\"a\": 1}}]}}",
	              "obj.json: cost.terms[0]: 'prices' needs 'price_by'"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": [{\"knob\": \"m\", \"price_by\": \"g\", \"price\": 1}]}}",
	              "obj.json: cost.terms[0]: 'price_by' needs 'prices'"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": [{\"price_by\": \"g\", \"prices\": {}}]}}",
	              "obj.json: cost.terms[0].prices: no prices"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": [{\"price_by\": \"g\", \"prices\": [1]}]}}",
	              "obj.json: cost.terms[0].prices: expected an object, got an array"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"cost\": {\"terms\": [{\"price_by\": \"g\", \"prices\": {\"T4\": 0.4, \"V100\": \"2.6\"}}]}}",
	              "obj.json: cost.terms[0].prices.V100: expected a non-negative number, got '2.6'"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"constraints\": \"p99_ms <= 1000\"}",
	              "obj.json: constraints: expected an array, got 'p99_ms <= 1000'"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"constraints\": [true]}",
	              "obj.json: constraints[0]: expected a string, got true"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"constraints\": [\"rps > 0\", \"(p99_ms <= 1000\"]}",
	              "obj.json: constraints[1] '(p99_ms <= 1000': expected ')' at column 16"));
	CHECK(rejects("{\"metric\": \"rps\", \"direction\": \"max\", \"description\": 1}",
	              "obj.json: description: expected a string, got 1"));
	return UNIT_DONE();
}
