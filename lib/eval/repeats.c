/* Which measured configuration is best when some were measured more than
 * once: each configuration is judged on the median of its metric over the
 * rows that ran and met the constraints, scored at that median, and ranked
 * by utility, then cost, then the row measured first. One rule for
 * mph-pick --median, the report and mph-eval's noisy recommendations. */
#include <math.h>
#include <string.h>
#include "eval/eval.h"
#include "space/space.h"

static const mph_repeat *rank_of;
static int by_rank(const void *pa, const void *pb)
{
	const mph_repeat *a = &rank_of[*(const size_t *)pa], *b = &rank_of[*(const size_t *)pb];
	if (a->res.utility != b->res.utility) return a->res.utility > b->res.utility ? -1 : 1;
	if (a->res.cost != b->res.cost) return a->res.cost < b->res.cost ? -1 : 1;
	return (a->first > b->first) - (a->first < b->first);
}

long mph_repeats_group(const mph_objective *o, const mph_repeat_row *rows, size_t n, mph_repeat *out,
                       size_t *ranked, size_t *nranked, mph_error *err)
{
	size_t i, j, nc = 0, m;
	size_t *of = mph_malloc((n ? n : 1) * sizeof *of);
	double *v = mph_malloc((n ? n : 1) * sizeof *v);
	for (i = 0; i < n; i++) {
		for (j = 0; j < nc && rows[out[j].first].key != rows[i].key; j++) {}
		if (j == nc) {
			memset(&out[nc], 0, sizeof out[nc]);
			out[nc++].first = i;
		}
		of[i] = j;
		out[j].nrows++;
	}
	*nranked = 0;
	for (j = 0; j < nc; j++) {
		mph_repeat *c = &out[j];
		double cost = NAN;
		for (i = c->first, m = 0; i < n; i++)
			if (of[i] == j && rows[i].valid) {
				v[m++] = rows[i].metric;
				cost = rows[i].cost;
			}
		c->nvalid = m;
		c->median = c->min = c->max = NAN;
		c->res = (mph_objective_result){NAN, NAN, NAN, NAN, -1};
		c->rank = 0;
		if (m == 0) continue;
		c->median = mph_percentile(v, m, 0.5);
		c->min = mph_percentile(v, m, 0.0);
		c->max = mph_percentile(v, m, 1.0);
		if (mph_objective_score(o, c->median, cost, &c->res, err) != 0) {
			free(of);
			free(v);
			return -1;
		}
		ranked[(*nranked)++] = j;
	}
	free(of);
	free(v);
	rank_of = out;
	qsort(ranked, *nranked, sizeof *ranked, by_rank);
	for (j = 0; j < *nranked; j++) out[ranked[j]].rank = (long)j + 1;
	return (long)nc;
}

/* Columns a measurement writes, not part of a configuration: what
 * mph-probe records (mph-trials(5)), the trial number and what mph-suggest
 * explains its choice with. */
static const char *const measured[] = {
	"rps", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "error_rate", "status", "probe_s", "trial",
	"pred_metric", "pred_objective", "uncertainty", "acquisition"
};

int mph_repeats_key_columns(const char *const *header, size_t ncols, const mph_objective *o,
                            const char *const *knobs, size_t nknobs, unsigned char *is_key, mph_error *err)
{
	size_t i, j, n = 0;
	for (i = 0; i < ncols; i++) is_key[i] = 0;
	if (knobs != NULL) {
		for (j = 0; j < nknobs; j++) {
			for (i = 0; i < ncols && strcmp(header[i], knobs[j]) != 0; i++) {}
			if (i == ncols) return mph_error_set(err, NULL, 1, 0, "missing required column '%s'", knobs[j]);
			is_key[i] = 1;
		}
		return 0;
	}
	for (i = 0; i < ncols; i++) {
		int m = strcmp(header[i], mph_objective_metric(o)) == 0;
		for (j = 0; j < sizeof measured / sizeof *measured && !m; j++) m = strcmp(header[i], measured[j]) == 0;
		is_key[i] = !m;
		n += !m;
	}
	if (n == 0) return mph_error_set(err, NULL, 1, 0, "no configuration columns: every column is a measured one");
	return 0;
}

/* Two fields of a configuration column are one value: equal as numbers
 * when both are (1 and 1.0), else as text. */
static int same_value(const char *a, const char *b)
{
	double x, y;
	if (strcmp(a, b) == 0) return 1;
	return mph_parse_double(a, &x) == 0 && mph_parse_double(b, &y) == 0 && x == y;
}

void mph_repeats_keys(const char *const *const *fields, size_t n, const unsigned char *is_key, size_t ncols,
                      uint64_t *key)
{
	size_t i, j, c;
	for (i = 0; i < n; i++) {
		key[i] = i;
		for (j = 0; j < i; j++) {
			if (key[j] != j) continue;
			for (c = 0; c < ncols && (!is_key[c] || same_value(fields[i][c], fields[j][c])); c++) {}
			if (c == ncols) { key[i] = j; break; }
		}
	}
}

/* ---- the race between the best configurations ---- */

void mph_race_opts_init(mph_race_opts *o)
{
	o->top = 8;
	o->most = 8;
	o->z = 2.0;
}

/* A contender as its first row ranks it: higher utility, then lower cost,
 * then measured first. */
typedef struct {
	double u, cost;
	size_t first, group;
} first_row;

static int by_first(const void *pa, const void *pb)
{
	const first_row *a = pa, *b = pb;
	if (a->u != b->u) return a->u > b->u ? -1 : 1;
	if (a->cost != b->cost) return a->cost < b->cost ? -1 : 1;
	return (a->first > b->first) - (a->first < b->first);
}

long mph_repeats_race(const mph_objective *o, const mph_repeat_row *rows, size_t n, const mph_repeat *g,
                      size_t ng, const mph_race_opts *ro, mph_race *out, size_t *ncontenders, mph_error *err)
{
	size_t i, j, nc = 0, dof = 0, alive = 0;
	double ss = 0.0, sd = NAN;
	first_row *fr = mph_malloc((ng ? ng : 1) * sizeof *fr);
	long lead = -1;

	*ncontenders = 0;
	/* the contenders: the top configurations by their first measurement,
	 * the search's, that worked */
	for (j = 0; j < ng; j++) {
		const mph_repeat_row *r = &rows[g[j].first];
		mph_objective_result res;
		if (!r->valid) continue;
		if (mph_objective_score(o, r->metric, r->cost, &res, err) != 0) goto fail;
		if (!isfinite(res.utility)) continue;
		fr[nc].u = res.utility;
		fr[nc].cost = res.cost;
		fr[nc].first = g[j].first;
		fr[nc++].group = j;
	}
	qsort(fr, nc, sizeof *fr, by_first);
	if (nc > ro->top) nc = ro->top;
	/* each one's mean utility over its valid rows; the noise's sd pooled
	 * over the contenders measured more than once */
	for (i = 0; i < nc; i++) {
		mph_race *c = &out[i];
		double s = 0.0, s2 = 0.0;
		c->group = fr[i].group;
		c->nrows = c->nvalid = 0;
		for (j = fr[i].first; j < n; j++) {
			mph_objective_result res;
			if (rows[j].key != rows[fr[i].first].key) continue;
			c->nrows++;
			if (!rows[j].valid) continue;
			if (mph_objective_score(o, rows[j].metric, rows[j].cost, &res, err) != 0) goto fail;
			if (!isfinite(res.utility)) continue;
			s += res.utility;
			s2 += res.utility * res.utility;
			c->nvalid++;
		}
		c->mean = s / (double)c->nvalid;
		if (c->nvalid > 1) {
			double v = s2 - s * s / (double)c->nvalid;
			ss += v > 0.0 ? v : 0.0;
			dof += c->nvalid - 1;
		}
		if (lead < 0 || c->mean > out[lead].mean) lead = (long)i;
	}
	if (dof >= 2) sd = sqrt(ss / (double)dof);
	for (i = 0; i < nc; i++) {
		mph_race *c = &out[i];
		const mph_race *l = &out[lead];
		/* out of the race: worse than the leader by more than z standard
		 * errors of the difference (none before the noise is known) */
		c->alive = (long)i == lead || isnan(sd) ||
		           l->mean - c->mean <= ro->z * sd * sqrt(1.0 / (double)l->nvalid + 1.0 / (double)c->nvalid);
		alive += c->alive;
	}
	for (i = 0; i < nc; i++) out[i].again = alive > 1 && out[i].alive && out[i].nrows < ro->most;
	/* the leader first, then by mean (ties: the earlier contender) */
	if (lead > 0) {
		mph_race l = out[lead];
		memmove(out + 1, out, (size_t)lead * sizeof *out);
		out[0] = l;
	}
	for (i = 2; i < nc; i++) {
		mph_race c = out[i];
		for (j = i; j > 1 && out[j - 1].mean < c.mean; j--) out[j] = out[j - 1];
		out[j] = c;
	}
	*ncontenders = nc;
	free(fr);
	return nc > 0 ? (long)out[0].group : -1;
fail:
	free(fr);
	return -2;
}
