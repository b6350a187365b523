/* mph-pick: score trials by an objective and print the best, the top K, the
 * Pareto front of metric against cost, or every row annotated. */
#include <getopt.h>
#include <math.h>
#include "tool.h"

static const char usage_line[] =
	"usage: mph-pick [--all | -n N | --pareto] [--median | --race TOP,MOST[,Z]] [-s SPACE | -k K,...]\n"
	"                -O OBJECTIVE [TRIALS]\n";

static void help(void)
{
	mph_race_opts race;
	char z[32];
	mph_race_opts_init(&race);
	printf("%s\n"
	       "Scores each trial (CSV) by an objective (JSON, see mph-objective(5)), adds\n"
	       "the columns cost and objective, drops failed trials (a status column other\n"
	       "than ok) and those that violate a constraint, and prints the header and the\n"
	       "best row. Ties: higher objective, then lower cost, then earlier row.\n\n"
	       "  -O, --objective FILE  the objective (required)\n"
	       "  -n, --top N           the best N rows, best first [1]\n"
	       "      --pareto          the rows no other beats on both metric and cost,\n"
	       "                        cheapest first\n"
	       "      --all             every row in input order, with columns rank\n"
	       "                        (empty if dropped) and excluded (why)\n"
	       "      --median          one row per configuration, judged on the median of its\n"
	       "                        valid measurements (repeats are further rows of it):\n"
	       "                        the metric is the median, the other fields those of\n"
	       "                        its middle row by metric (the lower of two); columns\n"
	       "                        n (valid rows), min and max added\n"
	       "      --race TOP,MOST[,Z]\n"
	       "                        the race between the best configurations, for noisy\n"
	       "                        measurements: the TOP configurations whose first\n"
	       "                        row is best, each judged on its mean objective over\n"
	       "                        its valid rows; once repeats give the noise, one\n"
	       "                        more than Z standard errors behind the leader is out\n"
	       "                        [%s]. Prints them as --median does, the leader (the\n"
	       "                        choice) first, then by mean, with columns mean and\n"
	       "                        again: 1 for those to measure once more (still in\n"
	       "                        the race, fewer than MOST rows); none is 1 once the\n"
	       "                        race is over. -n N: the first N [all]\n"
	       "  -s, --space FILE      with --median or --race: the configuration is the\n"
	       "                        space's knobs\n"
	       "  -k, --knobs K,...     with --median or --race: the configuration is these\n"
	       "                        columns [every column but the metric and those\n"
	       "                        mph-probe measures]\n"
	       "  -h, --help            this help\n"
	       "      --version         print the version\n\n"
	       "TRIALS is a file or - for standard input [-]. See mph-pick(1).\n",
	       usage_line, mph_fmt_double(z, race.z));
}

enum { OPT_ALL = 256, OPT_PARETO, OPT_VERSION, OPT_MEDIAN, OPT_RACE };
enum mode { BEST, PARETO, ALL };

struct row {
	char **fields;
	size_t index;           /* input order */
	mph_objective_result r;
	char *excluded;         /* NULL if kept */
	long rank;              /* 1-based among kept rows, 0 if dropped */
	size_t n;               /* --median: valid measurements */
	double min, max;        /* --median: of the metric */
	size_t race;            /* --race: 1-based place in the race, 0 if not in it */
	double mean;            /* --race: mean objective of its valid rows */
	int again;              /* --race: to measure once more */
};

static char **copy_fields(const char *const *f, size_t n)
{
	char **c = tool_alloc(n * sizeof *c);
	size_t i;
	for (i = 0; i < n; i++) c[i] = tool_strdup(f[i]);
	return c;
}

/* Best first: higher utility, then lower cost, then earlier input. */
static int by_rank(const void *pa, const void *pb)
{
	const struct row *a = *(struct row *const *)pa, *b = *(struct row *const *)pb;
	if (a->r.utility != b->r.utility) return a->r.utility > b->r.utility ? -1 : 1;
	if (a->r.cost != b->r.cost) return a->r.cost < b->r.cost ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

/* Cheapest first, then the better metric, then earlier input. */
static int maximize_metric;
static int by_cost(const void *pa, const void *pb)
{
	const struct row *a = *(struct row *const *)pa, *b = *(struct row *const *)pb;
	double ma = maximize_metric ? a->r.metric : -a->r.metric;
	double mb = maximize_metric ? b->r.metric : -b->r.metric;
	if (a->r.cost != b->r.cost) return a->r.cost < b->r.cost ? -1 : 1;
	if (ma != mb) return ma > mb ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

/* Reads every trial and scores the ones that ran; -1 on a data error. */
static int read_trials(mph_csv *c, const mph_objective_bound *b, const mph_objective *o,
                       struct row **rows, size_t *nrows, mph_error *err)
{
	long status = mph_csv_col(c, "status");
	size_t n = 0, cap = 0, ncols = mph_csv_ncols(c);
	int got;
	*rows = NULL;
	while ((got = mph_csv_read(c, err)) == 1) {
		struct row *r;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			*rows = tool_realloc(*rows, cap * sizeof **rows);
		}
		r = &(*rows)[n];
		memset(r, 0, sizeof *r);
		r->r = (mph_objective_result){ NAN, NAN, NAN, NAN, -1 };
		r->index = n++;
		*nrows = n;
		r->fields = copy_fields(mph_csv_fields(c), ncols);
		if (status >= 0 && mph_status_failed(r->fields[status])) {
			const char *s = r->fields[status];
			r->excluded = tool_alloc(strlen(s) + 8);
			sprintf(r->excluded, "status=%s", s);
			continue;
		}
		if (mph_objective_eval_csv(b, c, NAN, &r->r, err) != 0) return -1;
		if (r->r.violated >= 0) {
			const char *t = mph_objective_constraint(o, (size_t)r->r.violated);
			r->excluded = tool_alloc(strlen(t) + 16);
			sprintf(r->excluded, "constraint: %s", t);
		}
	}
	*nrows = n;
	return got;
}

/* Valid rows by metric, then input order. */
static const mph_repeat_row *by_metric_rows;
static int by_metric(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	double ma = by_metric_rows[a].metric, mb = by_metric_rows[b].metric;
	if (ma != mb) return ma < mb ? -1 : 1;
	return (a > b) - (a < b);
}

/* --median: the rows grouped into one per configuration (mph_repeats_group),
 * each a copy of the row of its lower median (the middle valid row by metric,
 * the lower of the middle two for an even count, the earlier on equal
 * metrics; its first row when none is valid) with the median's score, in
 * order of first appearance. Frees the rows it replaces. */
static int group_rows(mph_csv *c, const mph_objective *o, const char *const *knobs, size_t nknobs,
                      const mph_race_opts *race, struct row **rows, size_t *nrows, mph_error *err)
{
	size_t ncols = mph_csv_ncols(c), n = *nrows, i, k, nranked;
	unsigned char *is_key = tool_alloc(ncols + 1);
	char ***fields = tool_alloc((n + 1) * sizeof *fields);
	uint64_t *key = tool_alloc((n + 1) * sizeof *key);
	mph_repeat_row *rr = tool_alloc((n + 1) * sizeof *rr);
	mph_repeat *rep = tool_alloc((n + 1) * sizeof *rep);
	size_t *ranked = tool_alloc((n + 1) * sizeof *ranked);
	struct row *out;
	mph_race *rs = race ? tool_alloc((race->top + 1) * sizeof *rs) : NULL;
	size_t nrace = 0;
	long ng;
	int rc = -1;
	if (mph_repeats_key_columns(mph_csv_header(c), ncols, o, knobs, knobs ? nknobs : 0, is_key, err) != 0) {
		mph_error_locate(err, mph_csv_name(c), -1);
		goto done;
	}
	for (i = 0; i < n; i++) fields[i] = (*rows)[i].fields;
	mph_repeats_keys((const char *const *const *)fields, n, is_key, ncols, key);
	for (i = 0; i < n; i++) {
		rr[i].key = key[i];
		rr[i].valid = (*rows)[i].excluded == NULL;
		rr[i].metric = (*rows)[i].r.metric;
		rr[i].cost = (*rows)[i].r.cost;
	}
	if ((ng = mph_repeats_group(o, rr, n, rep, ranked, &nranked, err)) < 0) {
		mph_error_locate(err, mph_csv_name(c), -1);
		goto done;
	}
	if (race && mph_repeats_race(o, rr, n, rep, (size_t)ng, race, rs, &nrace, err) < -1) {
		mph_error_locate(err, mph_csv_name(c), -1);
		goto done;
	}
	out = tool_alloc(((size_t)ng + 1) * sizeof *out);
	for (k = 0; k < (size_t)ng; k++) {
		size_t pick = rep[k].first, m = 0;
		for (i = rep[k].first; i < n; i++)
			if (key[i] == key[rep[k].first] && rr[i].valid) ranked[m++] = i;
		if (m > 0) {
			by_metric_rows = rr;
			qsort(ranked, m, sizeof *ranked, by_metric);
			pick = ranked[(m - 1) / 2];
		}
		out[k] = (*rows)[pick];
		out[k].fields = copy_fields((const char *const *)(*rows)[pick].fields, ncols);
		out[k].excluded = (*rows)[pick].excluded ? tool_strdup((*rows)[pick].excluded) : NULL;
		out[k].index = rep[k].first;
		out[k].n = rep[k].nvalid;
		out[k].min = rep[k].min;
		out[k].max = rep[k].max;
		if (rep[k].nvalid > 0) out[k].r = rep[k].res;
	}
	for (k = 0; k < nrace; k++) {
		struct row *r = &out[rs[k].group];
		r->race = k + 1;
		r->mean = mph_objective_maximize(o) ? rs[k].mean : -rs[k].mean;
		r->again = rs[k].again;
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < ncols; k++) free((*rows)[i].fields[k]);
		free((*rows)[i].fields);
		free((*rows)[i].excluded);
	}
	free(*rows);
	*rows = out;
	*nrows = (size_t)ng;
	rc = 0;
done:
	free(is_key);
	free(fields);
	free(key);
	free(rr);
	free(rep);
	free(ranked);
	free(rs);
	return rc;
}

/* --race: by place in the race. */
static int by_race(const void *pa, const void *pb)
{
	const struct row *a = *(struct row *const *)pa, *b = *(struct row *const *)pb;
	return (a->race > b->race) - (a->race < b->race);
}

/* Where each added column goes: an existing column of that name is
 * overwritten in place (so mph-pick's output can be picked again). */
struct layout {
	size_t nin, nout;
	long cost, objective, rank, excluded, n, min, max, metric, mean, again;
	const char **header;
};

static long place(struct layout *l, const char *const *in, const char *name)
{
	size_t i;
	for (i = 0; i < l->nin; i++)
		if (strcmp(in[i], name) == 0) return (long)i;
	l->header[l->nout] = name;
	return (long)l->nout++;
}

static void write_row(FILE *fp, const struct layout *l, const struct row *r, int all)
{
	const char **out = tool_alloc(l->nout * sizeof *out);
	char cost[32] = "", objective[32] = "", rank[32] = "", n[32] = "", min[32] = "", max[32] = "";
	char metric[32] = "", mean[32] = "";
	memcpy(out, r->fields, l->nin * sizeof *out);
	if (l->mean >= 0) {
		out[l->mean] = mph_fmt_double(mean, r->mean);
		out[l->again] = r->again ? "1" : "0";
	}
	if (l->n >= 0) {
		snprintf(n, sizeof n, "%zu", r->n);
		if (r->n > 0) {
			mph_fmt_double(min, r->min);
			mph_fmt_double(max, r->max);
			out[l->metric] = mph_fmt_double(metric, r->r.metric);
		}
		out[l->n] = n;
		out[l->min] = min;
		out[l->max] = max;
	}
	/* Failed trials were never scored: they have no cost or objective. */
	if (!isnan(r->r.cost)) mph_fmt_double(cost, r->r.cost);
	if (!isnan(r->r.score)) mph_fmt_double(objective, r->r.score);
	out[l->cost] = cost;
	out[l->objective] = objective;
	if (all) {
		if (r->rank > 0) snprintf(rank, sizeof rank, "%ld", r->rank);
		out[l->rank] = rank;
		out[l->excluded] = r->excluded ? r->excluded : "";
	}
	mph_csv_write_row(fp, out, l->nout);
	free(out);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"all", no_argument, NULL, OPT_ALL},
		{"help", no_argument, NULL, 'h'},
		{"knobs", required_argument, NULL, 'k'},
		{"median", no_argument, NULL, OPT_MEDIAN},
		{"objective", required_argument, NULL, 'O'},
		{"pareto", no_argument, NULL, OPT_PARETO},
		{"race", required_argument, NULL, OPT_RACE},
		{"space", required_argument, NULL, 's'},
		{"top", required_argument, NULL, 'n'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0}};
	const char *objective_path = NULL, *trials = "-", *space_path = NULL, *knobs_arg = NULL;
	enum mode mode = BEST;
	int ch, nmodes = 0, rc = 1, median = 0, racing = 0;
	mph_race_opts race;
	char **knobs = NULL;
	size_t nknobs = 0;
	mph_space *space = NULL;
	long top = 1;
	size_t i, nrows = 0, nkept = 0;
	struct row *rows = NULL, **kept = NULL;
	struct layout l = { 0 };
	mph_objective *o = NULL;
	mph_objective_bound *b = NULL;
	mph_csv *c = NULL;
	mph_out *out = NULL;
	mph_error err;
	FILE *fp;

	tool_start(argv, "mph-pick");
	mph_race_opts_init(&race);
	while ((ch = getopt_long(argc, argv, "hk:n:O:s:", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_ALL: mode = ALL; nmodes++; break;
		case OPT_MEDIAN: median = 1; break;
		case OPT_RACE: if (tool_race_opt("--race", optarg, &race)) goto usage; racing = 1; break;
		case 'k': knobs_arg = optarg; break;
		case 's': space_path = optarg; break;
		case 'h': help(); return tool_stdout_status();
		case 'n': if (tool_long_opt("--top", optarg, 1, 1000000000, &top)) goto usage; nmodes++; break;
		case 'O': objective_path = optarg; break;
		case OPT_PARETO: mode = PARETO; nmodes++; break;
		case OPT_VERSION: printf("mph-pick %s\n", MPH_VERSION); return tool_stdout_status();
		default: goto usage;
		}
	}
	if (objective_path == NULL) { tool_usage_error("missing -O OBJECTIVE"); goto usage; }
	if (nmodes > 1) { tool_usage_error("--all, --top and --pareto exclude each other"); goto usage; }
	if (racing && (mode != BEST || median)) { tool_usage_error("--race excludes --all, --pareto and --median"); goto usage; }
	median |= racing;
	if (racing && nmodes == 0) top = 1000000000; /* every contender */
	if (argc - optind > 1) { tool_usage_error("too many arguments"); goto usage; }
	if ((space_path || knobs_arg) && !median) { tool_usage_error("-s and -k go with --median or --race"); goto usage; }
	if (space_path && knobs_arg) { tool_usage_error("-s and -k exclude each other"); goto usage; }
	if (optind < argc) trials = argv[optind];

	if ((o = mph_objective_load(objective_path, &err)) == NULL) goto fail;
	if ((c = mph_csv_open(trials, &err)) == NULL) goto fail;
	if ((b = mph_objective_bind_csv(o, c, 0, &err)) == NULL) goto fail;
	if (read_trials(c, b, o, &rows, &nrows, &err) != 0) goto fail;
	if (median) {
		if (space_path) {
			if ((space = mph_space_load(space_path, &err)) == NULL) goto fail;
			nknobs = mph_space_nknobs(space);
			knobs = tool_alloc((nknobs + 1) * sizeof *knobs);
			for (i = 0; i < nknobs; i++) knobs[i] = (char *)mph_space_knob_name(space, i);
		} else if (knobs_arg) {
			knobs = tool_split(knobs_arg, &nknobs);
		}
		if (group_rows(c, o, (const char *const *)knobs, nknobs, racing ? &race : NULL, &rows, &nrows, &err) != 0)
			goto fail;
	}

	kept = tool_alloc((nrows + 1) * sizeof *kept);
	for (i = 0; i < nrows; i++)
		if (rows[i].excluded == NULL) kept[nkept++] = &rows[i];
	qsort(kept, nkept, sizeof *kept, by_rank);
	for (i = 0; i < nkept; i++) kept[i]->rank = (long)i + 1;
	if (racing) {
		/* the contenders only, in the race's order */
		for (i = 0, nkept = 0; i < nrows; i++)
			if (rows[i].race > 0) kept[nkept++] = &rows[i];
		qsort(kept, nkept, sizeof *kept, by_race);
	}
	if (nkept == 0 && mode != ALL) {
		mph_error_set(&err, mph_csv_name(c), 0, 0, "no feasible trial");
		goto fail;
	}

	l.nin = mph_csv_ncols(c);
	l.header = tool_alloc((l.nin + 9) * sizeof *l.header);
	memcpy(l.header, mph_csv_header(c), l.nin * sizeof *l.header);
	l.nout = l.nin;
	l.cost = place(&l, mph_csv_header(c), "cost");
	l.objective = place(&l, mph_csv_header(c), "objective");
	l.n = l.min = l.max = l.mean = l.again = -1;
	if (median) {
		l.metric = mph_csv_col(c, mph_objective_metric(o));
		l.n = place(&l, mph_csv_header(c), "n");
		l.min = place(&l, mph_csv_header(c), "min");
		l.max = place(&l, mph_csv_header(c), "max");
	}
	if (racing) {
		l.mean = place(&l, mph_csv_header(c), "mean");
		l.again = place(&l, mph_csv_header(c), "again");
	}
	if (mode == ALL) {
		l.rank = place(&l, mph_csv_header(c), "rank");
		l.excluded = place(&l, mph_csv_header(c), "excluded");
	}

	if ((out = mph_out_open(NULL, &err)) == NULL) goto fail;
	fp = mph_out_fp(out);
	mph_csv_write_row(fp, l.header, l.nout);
	if (mode == ALL) {
		for (i = 0; i < nrows; i++) write_row(fp, &l, &rows[i], 1);
	} else if (mode == PARETO) {
		double best = -INFINITY, best_cost = NAN;
		maximize_metric = mph_objective_maximize(o);
		qsort(kept, nkept, sizeof *kept, by_cost);
		for (i = 0; i < nkept; i++) {
			double m = maximize_metric ? kept[i]->r.metric : -kept[i]->r.metric;
			/* Sorted by cost, a row is on the front iff nothing cheaper or as
			 * cheap has a metric as good, save an exact duplicate point. */
			if (m > best || (m == best && kept[i]->r.cost == best_cost)) {
				write_row(fp, &l, kept[i], 0);
				if (m > best) { best = m; best_cost = kept[i]->r.cost; }
			}
		}
	} else {
		for (i = 0; i < nkept && (long)i < top; i++) write_row(fp, &l, kept[i], 0);
	}
	if (mph_out_commit(out, &err) != 0) goto fail;
	rc = 0;
	goto done;
fail:
	tool_error(&err);
done:
	for (i = 0; i < nrows; i++) {
		size_t k;
		for (k = 0; k < mph_csv_ncols(c); k++) free(rows[i].fields[k]);
		free(rows[i].fields);
		free(rows[i].excluded);
	}
	free(rows);
	free(kept);
	free(l.header);
	free(knobs);
	mph_space_free(space);
	mph_objective_bound_free(b);
	mph_csv_close(c);
	mph_objective_free(o);
	return rc;
usage:
	fputs(usage_line, stderr);
	return 2;
}
