/* mph-pick: score trials by an objective and print the best, the top K, the
 * Pareto front of metric against cost, or every row annotated. */
#include <getopt.h>
#include <math.h>
#include "tool.h"

static const char usage_line[] =
	"usage: mph-pick [--all | -n N | --pareto] -O OBJECTIVE [TRIALS]\n";

static void help(void)
{
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
	       "  -h, --help            this help\n"
	       "      --version         print the version\n\n"
	       "TRIALS is a file or - for standard input [-]. See mph-pick(1).\n",
	       usage_line);
}

enum { OPT_ALL = 256, OPT_PARETO, OPT_VERSION };
enum mode { BEST, PARETO, ALL };

struct row {
	char **fields;
	size_t index;           /* input order */
	mph_objective_result r;
	char *excluded;         /* NULL if kept */
	long rank;              /* 1-based among kept rows, 0 if dropped */
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

/* Where each added column goes: an existing column of that name is
 * overwritten in place (so mph-pick's output can be picked again). */
struct layout {
	size_t nin, nout;
	long cost, objective, rank, excluded;
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
	char cost[32] = "", objective[32] = "", rank[32] = "";
	memcpy(out, r->fields, l->nin * sizeof *out);
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
		{"objective", required_argument, NULL, 'O'},
		{"pareto", no_argument, NULL, OPT_PARETO},
		{"top", required_argument, NULL, 'n'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0}};
	const char *objective_path = NULL, *trials = "-";
	enum mode mode = BEST;
	int ch, nmodes = 0, rc = 1;
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
	while ((ch = getopt_long(argc, argv, "hn:O:", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_ALL: mode = ALL; nmodes++; break;
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
	if (argc - optind > 1) { tool_usage_error("too many arguments"); goto usage; }
	if (optind < argc) trials = argv[optind];

	if ((o = mph_objective_load(objective_path, &err)) == NULL) goto fail;
	if ((c = mph_csv_open(trials, &err)) == NULL) goto fail;
	if ((b = mph_objective_bind_csv(o, c, 0, &err)) == NULL) goto fail;
	if (read_trials(c, b, o, &rows, &nrows, &err) != 0) goto fail;

	kept = tool_alloc((nrows + 1) * sizeof *kept);
	for (i = 0; i < nrows; i++)
		if (rows[i].excluded == NULL) kept[nkept++] = &rows[i];
	qsort(kept, nkept, sizeof *kept, by_rank);
	for (i = 0; i < nkept; i++) kept[i]->rank = (long)i + 1;
	if (nkept == 0 && mode != ALL) {
		mph_error_set(&err, mph_csv_name(c), 0, 0, "no feasible trial");
		goto fail;
	}

	l.nin = mph_csv_ncols(c);
	l.header = tool_alloc((l.nin + 4) * sizeof *l.header);
	memcpy(l.header, mph_csv_header(c), l.nin * sizeof *l.header);
	l.nout = l.nin;
	l.cost = place(&l, mph_csv_header(c), "cost");
	l.objective = place(&l, mph_csv_header(c), "objective");
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
	mph_objective_bound_free(b);
	mph_csv_close(c);
	mph_objective_free(o);
	return rc;
usage:
	fputs(usage_line, stderr);
	return 2;
}
