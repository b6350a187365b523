/* The report layer: escaping, number labels, the colour scale, and a run
 * read back (the initial design, repeats judged on their median, ranking,
 * the Pareto front, the default knobs). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report/report.h"
#include "unit.h"

static json_t *json(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (!j) fprintf(stderr, "bad test JSON: %s\n", je.text);
	return j;
}

static void test_text(void)
{
	char buf[64];
	char *s = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&s, &len);
	mph_report_esc(fp, "<a href='x'>&\"");
	fclose(fp);
	CHECK(strcmp(s, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;") == 0);
	free(s);
	CHECK(strcmp(mph_report_num(buf, 940.5652), "940.6") == 0);
	CHECK(strcmp(mph_report_num(buf, -0.0), "0") == 0);
	CHECK(strcmp(mph_report_num(buf, NAN), "") == 0);
	mph_report_color(0, buf);
	CHECK(strcmp(buf, "#440154") == 0);
	mph_report_color(0.5, buf);
	CHECK(strcmp(buf, "#21918c") == 0);
	mph_report_color(1, buf);
	CHECK(strcmp(buf, "#fde725") == 0);
	mph_report_color(-3, buf);
	CHECK(strcmp(buf, "#440154") == 0);
	mph_report_color(NAN, buf);
	CHECK(strcmp(buf, "#440154") == 0);
	mph_report_color(7, buf);
	CHECK(strcmp(buf, "#fde725") == 0);
}

/* Cost 1 + a, score m / cost: (1,x) is measured three times (10, 14, 11:
 * median 11, score 5.5), (2,y) once (30: 10), (3,y) once (20: 5), (3,x)
 * failed. The initial design is a's corners with b at x: the first two rows. */
static const char *trials =
	"trial,a,b,m,status\n"
	"1,1,x,10,ok\n"
	"2,3,x,,crash\n"
	"3,2,y,30,ok\n"
	"4,1,x,14,ok\n"
	"5,1,x,11,ok\n"
	"6,3,y,20,ok\n";

static void test_run(void)
{
	json_t *js = json("{\"knobs\": [{\"name\": \"a\", \"type\": \"int\", \"range\": [1, 3]},"
	                  " {\"name\": \"b\", \"type\": \"categorical\", \"values\": [\"x\", \"y\"]}]}");
	json_t *jo = json("{\"metric\": \"m\", \"direction\": \"max\", \"score\": \"metric_per_cost\","
	                  " \"cost\": {\"base\": 1, \"terms\": [{\"knob\": \"a\", \"price\": 1}]}}");
	mph_error err;
	mph_space *s = mph_space_from_json(js, "space.json", &err);
	mph_objective *o = mph_objective_from_json(jo, "obj.json", &err);
	char path[] = "/tmp/mph-test-report-XXXXXX";
	int fd = mkstemp(path);
	mph_report *r;
	const mph_report_config *c;
	FILE *fp = fdopen(fd, "w");
	fputs(trials, fp);
	fclose(fp);
	CHECK(s != NULL && o != NULL);
	r = mph_report_load(path, s, o, &err);
	CHECK(r != NULL);
	if (r) {
		CHECK(r->nt == 6 && r->nc == 4 && r->nranked == 3);
		CHECK(r->t[0].initial && r->t[1].initial && !r->t[2].initial && !r->t[3].initial);
		CHECK(r->t[1].failed && isnan(r->t[1].res.score));
		CHECK(strcmp(r->t[4].label, "5") == 0);
		c = &r->c[r->ranked[0]];
		CHECK(r->t[c->first].idx[0] == 1 && r->t[c->first].idx[1] == 1); /* (2,y) */
		CHECK_NEAR(c->res.score, 10, 0);
		c = &r->c[r->ranked[1]];
		CHECK(c->nrows == 3 && c->nvalid == 3);
		CHECK_NEAR(c->median, 11, 0);
		CHECK_NEAR(c->min, 10, 0);
		CHECK_NEAR(c->max, 14, 0);
		CHECK_NEAR(c->res.score, 5.5, 0);
		CHECK(c->rank == 2 && c->front); /* the cheapest */
		CHECK(r->c[r->ranked[0]].front);
		CHECK(!r->c[r->ranked[2]].front && r->c[r->ranked[2]].rank == 3); /* (3,y): costs more, measures less */
		CHECK(r->c[r->t[1].config].rank == 0);
		CHECK(r->kx == 0 && r->ky == 1);
		CHECK(mph_report_set_knobs(r, "b,a", &err) == 0 && r->kx == 1 && r->ky == 0);
		CHECK(mph_report_set_knobs(r, "a,c", &err) == -1 &&
		      strcmp(err.text, "--knobs: no knob 'c' in the space") == 0);
	}
	mph_report_free(r);
	unlink(path);
	mph_objective_free(o);
	mph_space_free(s);
	json_decref(js);
	json_decref(jo);
}

int main(void)
{
	test_text();
	test_run();
	return UNIT_DONE();
}
