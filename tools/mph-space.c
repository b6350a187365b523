/* mph-space: enumerate, sample or give the initial design of a space; or
 * derive a space spec from a profiled trace. */
#include <getopt.h>
#include "tool.h"

/* What the options say: the space's way out (-c, -i, -n or every
 * configuration), or --from-trace. */
struct opts {
	const char *corners, *fix, *trace, *knobs, *exclude, *output;
	int count, initial;
	long sample;              /* -1: no -n */
	uint64_t seed;
};

static const char usage_line[] =
	"usage: mph-space [-ci] [-n N] [--seed SEED] [-o FILE] [--corners K,...] [--fix K=V,...] SPACE\n"
	"       mph-space --from-trace TRACE [-k KNOB,...] [-x COL,...] [-o FILE]\n";

static void help(const struct opts *o)
{
	printf("%s\n"
	       "Writes the configurations of a space spec (JSON) as CSV: a header of knob\n"
	       "names, then one configuration a row, in id order (last knob fastest).\n\n"
	       "  -c, --count          print the number of feasible configurations only\n"
	       "  -i, --initial        the initial design: min/max corners of the corner knobs\n"
	       "      --corners K,...  corner knobs for -i [spec's, else every numeric knob]\n"
	       "      --fix K=V,...    values of the other knobs for -i [spec's, else first]\n"
	       "  -n, --sample N       N configurations drawn without replacement\n"
	       "      --seed SEED      seed for --sample [%llu]\n"
	       "  -o, --output FILE    write to FILE (complete or absent) [stdout]\n"
	       "      --from-trace T   write the space spec (JSON) of trace T instead\n"
	       "  -k, --knobs K,...    with --from-trace: the knob columns [guessed]\n"
	       "  -x, --exclude C,...  with --from-trace: columns that are never knobs\n"
	       "  -h, --help           this help\n"
	       "      --version        print the version\n\n"
	       "SPACE and TRACE may be - for standard input. See mph-space(1), mph-space(5).\n",
	       usage_line, (unsigned long long)o->seed);
}

enum { OPT_CORNERS = 256, OPT_FIX, OPT_FROM_TRACE, OPT_SEED, OPT_VERSION };

static const struct option longopts[] = {
	{"corners", required_argument, NULL, OPT_CORNERS},
	{"count", no_argument, NULL, 'c'},
	{"exclude", required_argument, NULL, 'x'},
	{"fix", required_argument, NULL, OPT_FIX},
	{"from-trace", required_argument, NULL, OPT_FROM_TRACE},
	{"help", no_argument, NULL, 'h'},
	{"initial", no_argument, NULL, 'i'},
	{"knobs", required_argument, NULL, 'k'},
	{"output", required_argument, NULL, 'o'},
	{"sample", required_argument, NULL, 'n'},
	{"seed", required_argument, NULL, OPT_SEED},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0}};

/* --from-trace: the space spec (JSON) of a trace. */
static int write_trace_space(const struct opts *o, FILE *fp, mph_error *err)
{
	size_t nk = 0, nx = 0;
	char **kv = o->knobs ? tool_split(o->knobs, &nk) : NULL;
	char **xv = o->exclude ? tool_split(o->exclude, &nx) : NULL;
	mph_csv *c = mph_csv_open(o->trace, err);
	mph_space *s = NULL;
	int rc = -1;
	if (c != NULL && (s = mph_space_from_trace(c, (const char *const *)kv, nk, (const char *const *)xv, nx, err)) != NULL) {
		json_t *j = mph_space_to_json(s);
		rc = mph_json_dump(j, fp);
		json_decref(j);
	}
	mph_space_free(s);
	mph_csv_close(c);
	free(kv);
	free(xv);
	return rc;
}

/* -i: the initial design, at most 2^16 configurations. */
static void write_initial(const mph_space *s, FILE *fp)
{
	size_t nk = mph_space_nknobs(s), max = (size_t)1 << 16, n, i;
	size_t *all = tool_alloc(max * nk * sizeof *all);
	n = mph_space_initial(s, all, max);
	mph_space_write_header(s, fp);
	for (i = 0; i < n; i++) mph_space_write_config(s, fp, all + i * nk);
	free(all);
}

/* -c: how many configurations are feasible. */
static int write_count(const mph_space *s, FILE *fp, mph_error *err)
{
	char n[80];
	if (mph_space_count(s, n, sizeof n, err) != 0) return -1;
	fprintf(fp, "%s\n", n);
	return 0;
}

/* -n: a sample drawn without replacement. */
static int write_sample(const mph_space *s, size_t n, uint64_t seed, FILE *fp, mph_error *err)
{
	uint64_t *ids = tool_alloc((n + 1) * sizeof *ids);
	size_t *idx = tool_alloc(mph_space_nknobs(s) * sizeof *idx);
	mph_rng rng;
	long got, i;
	mph_rng_seed(&rng, seed);
	if ((got = mph_space_sample(s, n, &rng, ids, err)) >= 0) {
		mph_space_write_header(s, fp);
		for (i = 0; i < got; i++) {
			mph_space_config_from_id(s, ids[i], idx);
			mph_space_write_config(s, fp, idx);
		}
	}
	free(ids);
	free(idx);
	return got < 0 ? -1 : 0;
}

/* Every feasible configuration, in id order. */
static void write_all(const mph_space *s, FILE *fp)
{
	size_t *idx = tool_alloc(mph_space_nknobs(s) * sizeof *idx);
	mph_space_write_header(s, fp);
	do if (mph_space_feasible(s, idx)) mph_space_write_config(s, fp, idx);
	while (mph_space_next(s, idx));
	free(idx);
}

static int write_space(const struct opts *o, const char *path, FILE *fp, mph_error *err)
{
	mph_space *s = mph_space_load(path, err);
	int rc = 0;
	if (s == NULL) return -1;
	if (o->initial && mph_space_set_initial(s, o->corners, o->fix, err) != 0) rc = -1;
	else if (o->count) rc = write_count(s, fp, err);
	else if (o->initial) write_initial(s, fp);
	else if (o->sample >= 0) rc = write_sample(s, (size_t)o->sample, o->seed, fp, err);
	else write_all(s, fp);
	mph_space_free(s);
	return rc;
}

/* -o FILE or stdout, complete or absent: the space spec of --from-trace,
 * or what the options ask of SPACE. */
static int write_output(const struct opts *o, const char *space, mph_error *err)
{
	mph_out *out = mph_out_open(o->output, err);
	int rc;
	if (out == NULL) return -1;
	rc = o->trace ? write_trace_space(o, mph_out_fp(out), err) : write_space(o, space, mph_out_fp(out), err);
	if (rc != 0) {
		mph_out_abort(out);
		return -1;
	}
	return mph_out_commit(out, err);
}

/* The rules that tie the options together; -1 after a usage error. */
static int check_opts(const struct opts *o, int nargs)
{
	const char *bad = NULL;
	if (o->trace != NULL) {
		if (nargs || o->count || o->initial || o->sample >= 0 || o->corners || o->fix)
			bad = "--from-trace takes no SPACE and no -c, -i, -n, --corners or --fix";
	} else if (nargs != 1) {
		bad = nargs == 0 ? "missing SPACE" : "too many arguments";
	} else if (o->knobs || o->exclude) {
		bad = "-k and -x go with --from-trace";
	} else if (o->count + o->initial + (o->sample >= 0) > 1) {
		bad = "-c, -i and -n exclude each other";
	} else if ((o->corners || o->fix) && !o->initial) {
		bad = "--corners and --fix go with -i";
	}
	if (bad) tool_usage_error("%s", bad);
	return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .sample = -1, .seed = 1 };
	int ch;
	mph_error err;

	tool_start(argv, "mph-space");
	while ((ch = getopt_long(argc, argv, "chik:n:o:x:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o.count = 1; break;
		case 'h': help(&o); return tool_stdout_status();
		case 'i': o.initial = 1; break;
		case 'k': o.knobs = optarg; break;
		case 'n': if (tool_long_opt("-n", optarg, 0, 100000000, &o.sample)) goto usage; break;
		case 'o': o.output = optarg; break;
		case 'x': o.exclude = optarg; break;
		case OPT_CORNERS: o.corners = optarg; break;
		case OPT_FIX: o.fix = optarg; break;
		case OPT_FROM_TRACE: o.trace = optarg; break;
		case OPT_SEED: if (tool_seed_opt("--seed", optarg, &o.seed)) goto usage; break;
		case OPT_VERSION: printf("mph-space %s\n", MPH_VERSION); return tool_stdout_status();
		default: goto usage;
		}
	}
	if (check_opts(&o, argc - optind) < 0) goto usage;

	if (write_output(&o, argv[optind], &err) == 0) return 0;
	return tool_fail(&err);
usage:
	fputs(usage_line, stderr);
	return 2;
}
