/* mph-metatrain: meta-train (MAML) or pretrain the performance model on the
 * services of a profiled trace; writes a model file. */
#include <getopt.h>
#include <math.h>
#include <time.h>
#include <unistd.h>
#include "tool.h"

static const char usage_line[] =
	"usage: mph-metatrain [-hqv] [-M METRIC] [-O OBJECTIVE [--fail-worst]] [-o FILE] [-s SPACE]... [--roles]\n"
	"                     [--mode maml|pretrain] [--first-order] [--tasks T,...] [--exclude T,...] [--seed N]\n"
	"                     [hyper-parameters] TRACE...\n";


typedef struct {
	mph_model_train_opts train; /* meta, adapt, hidden, fail_value, seed, members */
	const char *metric;
	int metric_given;           /* -M */
	mph_trace_opts rows;        /* fail_value, objective (-O), fail_worst */
} settings;

static void defaults(settings *st)
{
	mph_model_train_opts_init(&st->train); /* adapt follows --inner-steps/--inner-lr unless given */
	st->metric = "rps";
	st->metric_given = 0;
	mph_trace_opts_init(&st->rows);
}

static void help(void)
{
	settings d;
	char a[32], b[32], c[32], e[32], hidden[16 * MPH_MLP_MAX_HIDDEN] = "";
	size_t i;
	defaults(&d);
	for (i = 0; i < d.train.nhidden; i++)
		snprintf(hidden + strlen(hidden), sizeof hidden - strlen(hidden), "%s%zu", i ? "," : "", d.train.hidden[i]);
	printf("%s\n"
	       "Learns, from the configuration->performance surfaces of the services (tasks)\n"
	       "of a profiled trace, a network that adapts to a new service from a few\n"
	       "measurements, and writes it as a model file (mph-model(5)).\n\n"
	       "  -s, --space FILE       space spec the trace is over [derived from TRACE]; with\n"
	       "                         several traces, one for all or one each, in order\n"
	       "      --roles            a role model: encode by the knobs' roles (mph-space(5)),\n"
	       "                         so traces over different spaces pool and the model\n"
	       "                         serves any space whose knobs have roles it knows\n"
	       "  -M, --metric NAME      trace column to learn (NAME,...: one a trace) [%s]\n"
	       "  -O, --objective FILE   rows that ran but break one of its constraints (e.g. an\n"
	       "                         SLO, mph-objective(5)) are learnt as failed ones; its\n"
	       "                         metric is the one learnt (the default of -M then)\n"
	       "      --fail-worst       failed and breaking rows are learnt as the worst metric\n"
	       "                         of their task's rows that served, not --fail-value\n"
	       "  -o, --output FILE      write the model to FILE (complete or absent) [stdout]\n"
	       "      --mode MODE        maml, or pretrain (plain regression on all tasks pooled,\n"
	       "                         the Fine-tuning baseline) [maml]\n"
	       "      --first-order      first-order MAML (no Hessian terms) [exact second order]\n"
	       "      --tasks T,...      train on these tasks only [all]\n"
	       "      --exclude T,...    leave these tasks out (held-out services)\n"
	       "      --seed N           random seed [%llu]\n"
	       "      --ensemble N       train N networks, each from its own seed; the model\n"
	       "                         predicts their mean [%zu]\n"
	       "      --threads N        threads that train at once, on the tasks of an\n"
	       "                         iteration and the networks; the model is the same\n"
	       "                         bytes whatever N [the cores available: %d]\n"
	       "  -v, --verbose          progress on stderr even when it is not a terminal\n"
	       "  -q, --quiet            no progress\n"
	       "  -h, --help             this help\n"
	       "      --version          print the version\n\n"
	       "Hyper-parameters:\n"
	       "      --hidden N,...     hidden layer sizes [%s]\n"
	       "      --iters N          meta-iterations (pretrain: steps) [%d]\n"
	       "      --meta-batch N     tasks per meta-iteration [%d]\n"
	       "      --shots K          support rows per task and episode [%d]\n"
	       "      --query N          query rows per task and episode [%d]\n"
	       "      --inner-steps D    SGD steps on the support set [%d]\n"
	       "      --inner-lr A       inner SGD learning rate [%s]\n"
	       "      --outer-lr B       Adam learning rate of the meta-update [%s]\n"
	       "      --norm RULE        per-task target normalisation: max, zscore, none [%s]\n"
	       "      --fail-value X     metric of a failed configuration (status not ok) [%s]\n"
	       "      --adapt-steps N    adaptation steps stored in the model [--inner-steps;\n"
	       "                         pretrain: %d]\n"
	       "      --adapt-lr X       adaptation learning rate stored in the model [--inner-lr;\n"
	       "                         pretrain: %s]\n\n"
	       "TRACE is CSV with a `task` column, the knob columns and the metric; - is\n"
	       "standard input (then -s is needed). Several traces pool their tasks.\n"
	       "See mph-metatrain(1), mph-model(5).\n",
	       usage_line, d.metric, (unsigned long long)d.train.seed, d.train.members,
	       mph_meta_threads_default(), hidden,
	       d.train.meta.iters, d.train.meta.meta_batch, d.train.meta.shots, d.train.meta.query,
	       d.train.meta.inner_steps, mph_fmt_double(a, d.train.meta.inner_lr),
	       mph_fmt_double(b, d.train.meta.outer_lr), mph_norm_name(d.train.meta.norm),
	       mph_fmt_double(c, d.train.fail_value), MPH_PRETRAIN_ADAPT_STEPS,
	       mph_fmt_double(e, MPH_PRETRAIN_ADAPT_LR));
}

enum {
	OPT_ADAPT_LR = 256, OPT_ADAPT_STEPS, OPT_ENSEMBLE, OPT_EXCLUDE, OPT_FAIL_VALUE, OPT_FIRST_ORDER, OPT_HIDDEN,
	OPT_INNER_LR, OPT_INNER_STEPS, OPT_ITERS, OPT_META_BATCH, OPT_MODE, OPT_NORM, OPT_OUTER_LR,
	OPT_QUERY, OPT_ROLES, OPT_SEED, OPT_SHOTS, OPT_TASKS, OPT_THREADS, OPT_VERSION, OPT_FAIL_WORST
};

/* ---- progress ---- */

typedef struct {
	int tty;
	struct timespec start;
	double last;
	size_t member, members; /* which network of the ensemble reports */
	int *iter_of;           /* each network's iterations done: they train at once */
} progress;

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

static void report(void *ctx, int iter, int iters, double loss)
{
	progress *p = ctx;
	double el = since(&p->start), done = 0.0;
	size_t k;
	p->iter_of[p->member] = iter;
	for (k = 0; k < p->members; k++) done += p->iter_of[k];
	if (iter < iters && el - p->last < 1.0) return;
	p->last = el;
	/* the time left counts every member's iterations still to run */
	if (p->members > 1)
		fprintf(stderr, "%s: network %zu/%zu, ", tool_prog, p->member + 1, p->members);
	else
		fprintf(stderr, "%s: ", tool_prog);
	fprintf(stderr, "iteration %d/%d loss %.4g, %.0fs left%s", iter, iters, loss,
	        done > 0 ? el / done * ((double)p->members * iters - done) : 0.0,
	        p->tty && iter < iters ? "   \r" : "\n");
}

static void progress_init(progress *p, size_t members)
{
	p->tty = isatty(2);
	p->last = -1e9;
	p->member = 0;
	p->members = members;
	p->iter_of = tool_alloc(members * sizeof *p->iter_of);
	memset(p->iter_of, 0, members * sizeof *p->iter_of);
	clock_gettime(CLOCK_MONOTONIC, &p->start);
}

static void report_member(void *ctx, size_t k, size_t members)
{
	progress *p = ctx;
	p->member = k < p->members ? k : 0;
	(void)members;
}

/* ---- task selection ---- */

static int in_list(const char *s, char **v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (strcmp(s, v[i]) == 0) return 1;
	return 0;
}

/* The tasks named in only (all when NULL) minus those in exclude, as a
 * trace of their own. */
static mph_trace *select_tasks(const mph_trace *t, const char *only, const char *exclude, mph_error *err)
{
	size_t no = 0, nx = 0, i, k, kept = 0, nt = mph_trace_ntasks(t);
	char **ov = only ? tool_split(only, &no) : NULL, **xv = exclude ? tool_split(exclude, &nx) : NULL;
	unsigned char *keep = tool_alloc(nt);
	mph_trace *sel = NULL;
	int rc = 0;
	for (i = 0; i < no && rc == 0; i++)
		if (mph_trace_task_index(t, ov[i]) < 0)
			rc = mph_error_set(err, NULL, 0, 0, "--tasks: no task '%s' in the trace", ov[i]);
	for (i = 0; i < nx && rc == 0; i++)
		if (mph_trace_task_index(t, xv[i]) < 0)
			rc = mph_error_set(err, NULL, 0, 0, "--exclude: no task '%s' in the trace", xv[i]);
	for (k = 0; k < nt && rc == 0; k++) {
		const char *name = mph_trace_task_name(t, k);
		keep[k] = (ov == NULL || in_list(name, ov, no)) && !in_list(name, xv, nx);
		kept += keep[k];
	}
	if (rc == 0 && kept == 0) rc = mph_error_set(err, NULL, 0, 0, "no task left to train on");
	if (rc == 0) sel = mph_trace_select(t, keep);
	free(keep);
	free(ov);
	free(xv);
	return sel;
}

/* The traces, each over its space (one space for all, or one each), pooled
 * into one trace; with roles, each space is encoded by the roles that any
 * of them declares, so their features mean the same. *space gets the first
 * (its role view): what the model embeds. */
static mph_trace *load_traces(const char **spaces, size_t nspaces, const char *const *traces, size_t ntraces,
                              int roles, const settings *st, mph_space **space, mph_error *err)
{
	mph_space **sp = tool_alloc(ntraces * sizeof *sp);
	size_t nmetrics;
	char **metrics = tool_split(st->metric, &nmetrics);
	mph_trace **parts = tool_alloc(ntraces * sizeof *parts), *t = NULL;
	unsigned mask = 0;
	size_t i, k, done = 0;
	for (i = 0; i < ntraces; i++) sp[i] = NULL, parts[i] = NULL;
	for (i = 0; i < ntraces; i++) {
		if (i < nspaces && (sp[i] = mph_space_load(spaces[i], err)) == NULL) goto out;
		if (i >= nspaces) sp[i] = mph_space_clone(sp[0]);
		if (!roles) continue;
		for (k = 0; k < mph_space_nknobs(sp[i]); k++) {
			mph_role r = mph_space_knob_role(sp[i], k);
			if (r == MPH_ROLE_UNSET || r == MPH_ROLE_NONE) {
				mph_error_set(err, spaces[i < nspaces ? i : 0], 0, 0,
				              "--roles: knob '%s' has no role: a role model could not tell its values apart "
				              "(mph-space(5))", mph_space_knob_name(sp[i], k));
				goto out;
			}
		}
		mask |= mph_space_roles(sp[i]);
	}
	for (i = 0; i < ntraces; i++) {
		if (roles) {
			mph_space *v = mph_space_role_view(sp[i], mask, err);
			if (v == NULL) goto out;
			mph_space_free(sp[i]);
			sp[i] = v;
		}
		if (nmetrics != 1 && nmetrics != ntraces) {
			mph_error_set(err, NULL, 0, 0, "--metric: %zu metrics for %zu traces: give one for all, or one for each",
			              nmetrics, ntraces);
			goto out;
		}
		if ((parts[i] = mph_trace_load_opts(traces[i], sp[i], metrics[nmetrics == 1 ? 0 : i], &st->rows, err)) == NULL)
			goto out;
	}
	if ((t = mph_trace_pool(parts, ntraces, err)) != NULL) done = 1;
out:
	for (i = 0; i < ntraces; i++) {
		mph_trace_free(parts[i]);
		if (i > 0 || !done) mph_space_free(sp[i]);
	}
	if (done) *space = sp[0];
	free(metrics);
	free(sp);
	free(parts);
	return t;
}

/* What the model learnt from, beside the training record the library
 * writes. */
static void record(mph_model *m, int argc, char **argv, const mph_trace *t)
{
	json_t *p = mph_model_provenance(m), *data = json_object(), *tasks = json_array();
	char hex[17];
	size_t k;
	json_object_set_new(p, "tool", json_string("mph-metatrain"));
	json_object_set_new(p, "version", json_string(MPH_VERSION));
	json_object_set_new(p, "args", tool_recorded_args(argc, argv));
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)mph_trace_digest(t));
	json_object_set_new(data, "digest", json_string(hex));
	json_object_set_new(data, "rows", json_integer((json_int_t)mph_trace_rows(t)));
	for (k = 0; k < mph_trace_ntasks(t); k++)
		json_array_append_new(tasks, json_string(mph_trace_task_name(t, k)));
	json_object_set_new(data, "tasks", tasks);
	json_object_set_new(p, "data", data);
}

/* Progress on stderr: what is trained, then each iteration. */
static void start_progress(settings *st, progress *prog, const mph_trace *t, const mph_space *s)
{
	/* one network's parameters, counted as the network counts them */
	mph_mlp *shape = mph_mlp_new(mph_space_nfeatures(s), st->train.nhidden, st->train.hidden);
	size_t params = mph_mlp_nparams(shape);
	mph_mlp_free(shape);
	st->train.meta.progress = report;
	st->train.meta.progress_ctx = prog;
	st->train.member_progress = report_member;
	fprintf(stderr, "%s: %zu tasks, %zu rows, %zu features, %zu parameters", tool_prog,
	        mph_trace_ntasks(t), mph_trace_rows(t), mph_space_nfeatures(s), params);
	if (st->train.members > 1) fprintf(stderr, ", %zu networks", st->train.members);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"adapt-lr", required_argument, NULL, OPT_ADAPT_LR},
		{"adapt-steps", required_argument, NULL, OPT_ADAPT_STEPS},
		{"ensemble", required_argument, NULL, OPT_ENSEMBLE},
		{"exclude", required_argument, NULL, OPT_EXCLUDE},
		{"fail-value", required_argument, NULL, OPT_FAIL_VALUE},
		{"fail-worst", no_argument, NULL, OPT_FAIL_WORST},
		{"first-order", no_argument, NULL, OPT_FIRST_ORDER},
		{"help", no_argument, NULL, 'h'},
		{"hidden", required_argument, NULL, OPT_HIDDEN},
		{"inner-lr", required_argument, NULL, OPT_INNER_LR},
		{"inner-steps", required_argument, NULL, OPT_INNER_STEPS},
		{"iters", required_argument, NULL, OPT_ITERS},
		{"meta-batch", required_argument, NULL, OPT_META_BATCH},
		{"metric", required_argument, NULL, 'M'},
		{"mode", required_argument, NULL, OPT_MODE},
		{"objective", required_argument, NULL, 'O'},
		{"norm", required_argument, NULL, OPT_NORM},
		{"outer-lr", required_argument, NULL, OPT_OUTER_LR},
		{"output", required_argument, NULL, 'o'},
		{"query", required_argument, NULL, OPT_QUERY},
		{"quiet", no_argument, NULL, 'q'},
		{"roles", no_argument, NULL, OPT_ROLES},
		{"seed", required_argument, NULL, OPT_SEED},
		{"shots", required_argument, NULL, OPT_SHOTS},
		{"space", required_argument, NULL, 's'},
		{"tasks", required_argument, NULL, OPT_TASKS},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0}};
	settings st;
	const char *output = NULL, *only = NULL, *exclude = NULL, *trace_path, *objective_path = NULL;
	mph_objective *obj = NULL;
	const char **space_paths = tool_alloc((size_t)argc * sizeof *space_paths);
	size_t nspaces = 0, ntraces = 0, i;
	int ch, li = 0, verbose = 0, quiet = 0, first_order = 0, roles = 0, rc = 1;
	char metric0[256];
	long x;
	mph_error err;
	mph_space *s = NULL;
	mph_trace *all = NULL, *t = NULL;
	mph_model *model = NULL;
	mph_meta_mode mode = MPH_META_MAML;
	progress prog = {0};

	tool_start(argv, "mph-metatrain");
	defaults(&st);
	while ((ch = getopt_long(argc, argv, "hM:O:o:qs:v", longopts, &li)) != -1) {
		switch (ch) {
		case 'h': help(); free(space_paths); return tool_stdout_status();
		case 'M': st.metric = optarg; st.metric_given = 1; break;
		case 'O': objective_path = optarg; break;
		case OPT_FAIL_WORST: st.rows.fail_worst = 1; break;
		case 'o': output = optarg; break;
		case 'q': quiet = 1; break;
		case 's': space_paths[nspaces++] = optarg; break;
		case 'v': verbose = 1; break;
		case OPT_ADAPT_LR: if (tool_double_opt("--adapt-lr", optarg, 0, 1e6, &st.train.adapt.lr)) goto usage; break;
		case OPT_ADAPT_STEPS:
			if (tool_long_opt("--adapt-steps", optarg, 0, 1000000, &x)) goto usage;
			st.train.adapt.steps = (int)x;
			break;
		case OPT_EXCLUDE: exclude = optarg; break;
		case OPT_FIRST_ORDER: first_order = 1; break;
		case OPT_MODE:
			/* fomaml is --mode maml --first-order */
			if (mph_meta_mode_parse(optarg, &mode) != 0 || mode == MPH_META_FOMAML) {
				tool_usage_error("--mode: expected maml or pretrain: '%s'", optarg);
				goto usage;
			}
			break;
		case OPT_SEED: if (tool_seed_opt("--seed", optarg, &st.train.seed)) goto usage; break;
		case OPT_ENSEMBLE: case OPT_FAIL_VALUE: case OPT_HIDDEN: case OPT_INNER_LR: case OPT_INNER_STEPS: case OPT_ITERS:
		case OPT_META_BATCH: case OPT_NORM: case OPT_OUTER_LR: case OPT_QUERY: case OPT_SHOTS:
			if (tool_train_opt(longopts[li].name, optarg, &st.train) != 0) goto usage;
			break;
		case OPT_ROLES: roles = 1; break;
		case OPT_TASKS: only = optarg; break;
		case OPT_THREADS:
			if (tool_long_opt("--threads", optarg, 1, 1024, &x)) goto usage;
			st.train.meta.threads = (int)x;
			break;
		case OPT_VERSION: printf("mph-metatrain %s\n", MPH_VERSION); free(space_paths); return tool_stdout_status();
		default: goto usage;
		}
	}
	if (optind == argc) {
		tool_usage_error("missing TRACE");
		goto usage;
	}
	trace_path = argv[optind];
	ntraces = (size_t)(argc - optind);
	if (nspaces > 1 && nspaces != ntraces) {
		tool_usage_error("%zu spaces for %zu traces: give one -s for all, or one for each", nspaces, ntraces);
		goto usage;
	}
	for (i = 0; i < ntraces; i++)
		if (nspaces == 0 && strcmp(argv[optind + (int)i], "-") == 0) {
			tool_usage_error("reading the trace from standard input needs -s SPACE");
			goto usage;
		}
	if (nspaces > 1 && !roles) {
		tool_usage_error("traces over different spaces pool only with --roles");
		goto usage;
	}
	if ((roles || ntraces > 1) && nspaces == 0) {
		tool_usage_error("%s needs -s SPACE", roles ? "--roles" : "more than one TRACE");
		goto usage;
	}
	if (first_order && mode == MPH_META_PRETRAIN) {
		tool_usage_error("--first-order goes with --mode maml");
		goto usage;
	}
	st.train.meta.mode = first_order ? MPH_META_FOMAML : mode;
	if (st.rows.fail_worst && objective_path == NULL) {
		tool_usage_error("--fail-worst needs -O OBJECTIVE (which way is worst)");
		goto usage;
	}
	st.rows.fail_value = st.train.fail_value;
	if (objective_path) {
		/* the constraints judge the objective's metric: the one learnt */
		size_t n, j;
		char **m;
		if ((obj = mph_objective_load(objective_path, &err)) == NULL) goto fail;
		if (!st.metric_given) st.metric = mph_objective_metric(obj);
		m = tool_split(st.metric, &n);
		for (j = 0; j < n; j++)
			if (strcmp(m[j], mph_objective_metric(obj)) != 0) {
				mph_error_set(&err, objective_path, 0, 0, "metric '%s' is not the one learnt ('%s')",
				              mph_objective_metric(obj), m[j]);
				free(m);
				goto fail;
			}
		free(m);
		st.rows.objective = obj;
	}

	{	/* the model predicts the first trace's metric */
		size_t n;
		char **m = tool_split(st.metric, &n);
		snprintf(metric0, sizeof metric0, "%s", m[0]);
		free(m);
	}
	if (nspaces == 0) {
		if ((s = tool_space_from_trace(trace_path, metric0, &err)) == NULL) goto fail;
		if ((all = mph_trace_load_opts(trace_path, s, metric0, &st.rows, &err)) == NULL) goto fail;
	} else if ((all = load_traces(space_paths, nspaces, (const char *const *)argv + optind, ntraces, roles,
	                              &st, &s, &err)) == NULL)
		goto fail;
	if ((t = select_tasks(all, only, exclude, &err)) == NULL) {
		mph_error_locate(&err, trace_path, -1);
		goto fail;
	}
	progress_init(&prog, st.train.members);
	if (!quiet && (verbose || prog.tty)) start_progress(&st, &prog, t, s);
	if ((model = mph_model_train(t, NULL, s, metric0, &st.train, &err)) == NULL) {
		mph_error_locate(&err, trace_path, -1);
		goto fail;
	}
	if (st.train.meta.progress)
		fprintf(stderr, "%s: trained in %.1fs\n", tool_prog, since(&prog.start));
	record(model, argc, argv, t);
	if (mph_model_save(model, output, &err) == 0) rc = 0;
fail:
	if (rc != 0) tool_error(&err);
	mph_model_free(model);
	mph_objective_free(obj);
	free(prog.iter_of);
	mph_trace_free(all);
	mph_trace_free(t);
	mph_space_free(s);
	free(space_paths);
	return rc;
usage:
	free(space_paths);
	fputs(usage_line, stderr);
	return 2;
}
