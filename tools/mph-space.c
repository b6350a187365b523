/* mph-space: enumerate, sample or give the initial design of a space; or
 * derive a space spec from a profiled trace. */
#include <getopt.h>
#include "tool.h"

static const char usage_line[] =
	"usage: mph-space [-ci] [-n N] [-s SEED] [-o FILE] [--corners K,...] [--fix K=V,...] SPACE\n"
	"       mph-space --from-trace TRACE [-k KNOB,...] [-x COL,...] [-o FILE]\n";

static void help(void)
{
	printf("%s\n"
	       "Writes the configurations of a space spec (JSON) as CSV: a header of knob\n"
	       "names, then one configuration a row, in id order (last knob fastest).\n\n"
	       "  -c, --count          print the number of feasible configurations only\n"
	       "  -i, --initial        the initial design: min/max corners of the corner knobs\n"
	       "      --corners K,...  corner knobs for -i [spec's, else every numeric knob]\n"
	       "      --fix K=V,...    values of the other knobs for -i [spec's, else first]\n"
	       "  -n, --sample N       N configurations drawn without replacement\n"
	       "  -s, --seed S         seed for --sample [1]\n"
	       "  -o, --output FILE    write to FILE (complete or absent) [stdout]\n"
	       "      --from-trace T   write the space spec (JSON) of trace T instead\n"
	       "  -k, --knobs K,...    with --from-trace: the knob columns [guessed]\n"
	       "  -x, --exclude C,...  with --from-trace: columns that are never knobs\n"
	       "  -h, --help           this help\n"
	       "      --version        print the version\n\n"
	       "SPACE and TRACE may be - for standard input. See mph-space(1), mph-space(5).\n",
	       usage_line);
}

enum { OPT_CORNERS = 256, OPT_FIX, OPT_FROM_TRACE, OPT_VERSION };

static int from_trace(const char *trace, const char *knobs, const char *exclude, mph_out *out, mph_error *err)
{
	size_t nk = 0, nx = 0;
	char **kv = knobs ? tool_split(knobs, &nk) : NULL, **xv = exclude ? tool_split(exclude, &nx) : NULL;
	mph_csv *c = mph_csv_open(trace, err);
	mph_space *s = NULL;
	int rc = -1;
	if (c != NULL && (s = mph_space_from_trace(c, (const char *const *)kv, nk, (const char *const *)xv, nx, err)) != NULL) {
		json_t *j = mph_space_to_json(s);
		rc = mph_json_dump(j, mph_out_fp(out));
		json_decref(j);
	}
	mph_space_free(s);
	mph_csv_close(c);
	free(kv);
	free(xv);
	return rc;
}

static int write_space(mph_space *s, int count, int initial, long sample, uint64_t seed, FILE *fp, mph_error *err)
{
	size_t nk = mph_space_nknobs(s), *idx = calloc(nk, sizeof *idx);
	int rc = 0;
	if (count) {
		char n[80];
		if (mph_space_count(s, n, sizeof n, err) != 0) { free(idx); return -1; }
		fprintf(fp, "%s\n", n);
	} else if (initial) {
		size_t max = (size_t)1 << 16, n, i, *all = malloc(max * nk * sizeof *all);
		n = mph_space_initial(s, all, max);
		mph_space_write_header(s, fp);
		for (i = 0; i < n; i++) mph_space_write_config(s, fp, all + i * nk);
		free(all);
	} else if (sample >= 0) {
		uint64_t *ids = malloc(((size_t)sample + 1) * sizeof *ids);
		mph_rng rng;
		long n, i;
		mph_rng_seed(&rng, seed);
		n = mph_space_sample(s, (size_t)sample, &rng, ids, err);
		if (n < 0) rc = -1;
		else {
			mph_space_write_header(s, fp);
			for (i = 0; i < n; i++) {
				mph_space_config_from_id(s, ids[i], idx);
				mph_space_write_config(s, fp, idx);
			}
		}
		free(ids);
	} else {
		mph_space_write_header(s, fp);
		do if (mph_space_feasible(s, idx)) mph_space_write_config(s, fp, idx);
		while (mph_space_next(s, idx));
	}
	free(idx);
	return rc;
}

int main(int argc, char **argv)
{
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
		{"seed", required_argument, NULL, 's'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0}};
	const char *corners = NULL, *fix = NULL, *trace = NULL, *knobs = NULL, *exclude = NULL, *output = NULL;
	int count = 0, initial = 0, ch, rc;
	long sample = -1;
	uint64_t seed = 1;
	mph_error err;
	mph_space *s;
	mph_out *out;

	tool_prog = "mph-space";
	while ((ch = getopt_long(argc, argv, "chik:n:o:s:x:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': count = 1; break;
		case 'h': help(); return tool_stdout_status();
		case 'i': initial = 1; break;
		case 'k': knobs = optarg; break;
		case 'n': if (tool_long_opt("-n", optarg, 0, 100000000, &sample)) goto usage; break;
		case 'o': output = optarg; break;
		case 's': if (tool_seed_opt("-s", optarg, &seed)) goto usage; break;
		case 'x': exclude = optarg; break;
		case OPT_CORNERS: corners = optarg; break;
		case OPT_FIX: fix = optarg; break;
		case OPT_FROM_TRACE: trace = optarg; break;
		case OPT_VERSION: printf("mph-space %s\n", MPH_VERSION); return tool_stdout_status();
		default: goto usage;
		}
	}
	if (trace != NULL) {
		if (optind != argc || count || initial || sample >= 0 || corners || fix) {
			tool_usage_error("--from-trace takes no SPACE and no -c, -i, -n, --corners or --fix");
			goto usage;
		}
	} else {
		if (optind + 1 != argc) {
			tool_usage_error(optind == argc ? "missing SPACE" : "too many arguments");
			goto usage;
		}
		if (knobs || exclude) { tool_usage_error("-k and -x go with --from-trace"); goto usage; }
		if (count + initial + (sample >= 0) > 1) { tool_usage_error("-c, -i and -n exclude each other"); goto usage; }
		if ((corners || fix) && !initial) { tool_usage_error("--corners and --fix go with -i"); goto usage; }
	}

	if (trace != NULL) {
		if ((out = mph_out_open(output, &err)) == NULL) goto fail;
		if (from_trace(trace, knobs, exclude, out, &err) != 0) { mph_out_abort(out); goto fail; }
		if (mph_out_commit(out, &err) != 0) goto fail;
		return 0;
	}
	if ((s = mph_space_load(argv[optind], &err)) == NULL) goto fail;
	if (initial && mph_space_set_initial(s, corners, fix, &err) != 0) { mph_space_free(s); goto fail; }
	if ((out = mph_out_open(output, &err)) == NULL) { mph_space_free(s); goto fail; }
	rc = write_space(s, count, initial, sample, seed, mph_out_fp(out), &err);
	mph_space_free(s);
	if (rc != 0) { mph_out_abort(out); goto fail; }
	if (mph_out_commit(out, &err) != 0) goto fail;
	return 0;
fail:
	tool_error(&err);
	return 1;
usage:
	fputs(usage_line, stderr);
	return 2;
}
