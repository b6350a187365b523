/* What every mph tool's main() shares: the program name in messages, error
 * reporting, number options. Header-only so each tool stays one file. */
#ifndef MPH_TOOL_H
#define MPH_TOOL_H
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mph.h"

static const char *tool_prog = "mph";

/* Names the tool in every message, getopt's included: they would name
 * argv[0], the path the tool was run by. */
static void tool_start(char **argv, const char *name) __attribute__((unused));
static void tool_start(char **argv, const char *name)
{
	tool_prog = name;
	argv[0] = (char *)name;
}

/* "mph-x: file:line: text" on stderr. */
static void tool_error(const mph_error *e)
{
	char buf[1400];
	fprintf(stderr, "%s: %s\n", tool_prog, mph_error_format(e, buf, sizeof buf));
}

/* tool_error, then the exit status it calls for: 2 when an option's value
 * was wrong (mph_error_usage), else 1. */
static int tool_fail(const mph_error *e) __attribute__((unused));
static int tool_fail(const mph_error *e)
{
	tool_error(e);
	return e->usage ? 2 : 1;
}

static void tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void tool_warn(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: warning: ", tool_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Allocation in a tool: on failure say so and exit 1 (the library, which
 * cannot exit, aborts on its own). Zero bytes is one. */
static void *tool_alloc(size_t n) __attribute__((unused));
static void *tool_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (p == NULL) { perror(tool_prog); exit(1); }
	return p;
}

static void *tool_realloc(void *p, size_t n) __attribute__((unused));
static void *tool_realloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL) { perror(tool_prog); exit(1); }
	return p;
}

static char *tool_strdup(const char *s) __attribute__((unused));
static char *tool_strdup(const char *s)
{
	return memcpy(tool_alloc(strlen(s) + 1), s, strlen(s) + 1);
}

/* A usage error: the message, then the caller prints its usage line, exit 2. */
static void tool_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void tool_usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", tool_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The exit status after writing to stdout outside mph_out (--help,
 * --version): 0, or 1 after saying why it could not be written. */
static int tool_stdout_status(void) __attribute__((unused));
static int tool_stdout_status(void)
{
	mph_error err;
	mph_out *o = mph_out_open(NULL, &err);
	if (o == NULL || mph_out_commit(o, &err) != 0) {
		tool_error(&err);
		return 1;
	}
	return 0;
}

/* Parses an option's number in [lo, hi]; on failure says so and returns -1. */
static int tool_long_opt(const char *opt, const char *s, long lo, long hi, long *out) __attribute__((unused));
static int tool_long_opt(const char *opt, const char *s, long lo, long hi, long *out)
{
	if (mph_parse_long(s, out) != 0 || *out < lo || *out > hi) {
		tool_usage_error("%s: illegal number: '%s' (expected %ld..%ld)", opt, s, lo, hi);
		return -1;
	}
	return 0;
}

static int tool_double_opt(const char *opt, const char *s, double lo, double hi, double *out) __attribute__((unused));
static int tool_double_opt(const char *opt, const char *s, double lo, double hi, double *out)
{
	if (mph_parse_double(s, out) != 0 || *out < lo || *out > hi) {
		tool_usage_error("%s: illegal number: '%s' (expected %g..%g)", opt, s, lo, hi);
		return -1;
	}
	return 0;
}

/* Parses a seed: any unsigned 64-bit number. */
static int tool_seed_opt(const char *opt, const char *s, uint64_t *out) __attribute__((unused));
static int tool_seed_opt(const char *opt, const char *s, uint64_t *out)
{
	char *end;
	if (*s == '\0' || *s == '-') goto bad;
	*out = strtoull(s, &end, 10);
	if (*end == '\0') return 0;
bad:
	tool_usage_error("%s: illegal number: '%s' (expected an unsigned integer)", opt, s);
	return -1;
}

/* Splits "a,b,c" into a NULL-terminated array in one allocation. */
static char **tool_split(const char *s, size_t *n) __attribute__((unused));
static char **tool_split(const char *s, size_t *n)
{
	size_t k = 1, len = strlen(s), i;
	char **v, *buf;
	for (i = 0; i < len; i++) k += s[i] == ',';
	v = tool_alloc((k + 1) * sizeof *v + len + 1);
	buf = memcpy((char *)(v + k + 1), s, len + 1);
	for (i = 0, k = 0, v[k++] = buf; buf[i]; i++)
		if (buf[i] == ',') { buf[i] = '\0'; v[k++] = buf + i + 1; }
	v[k] = NULL;
	*n = k;
	return v;
}
/* The command line as provenance for an output file's header: argv[0] and
 * where the output went say nothing about the result, and leaving them out
 * keeps a rerun's bytes equal. */
static json_t *tool_recorded_args(int argc, char **argv) __attribute__((unused));
static json_t *tool_recorded_args(int argc, char **argv)
{
	json_t *a = json_array();
	int i;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			for (; i < argc; i++) json_array_append_new(a, json_string(argv[i]));
			break;
		}
		if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) { i++; continue; }
		if (strncmp(argv[i], "--output=", 9) == 0 || strncmp(argv[i], "-o", 2) == 0) continue;
		json_array_append_new(a, json_string(argv[i]));
	}
	return a;
}

/* A file of share/mph beside the program: BINDIR/../share/mph/REL, in the
 * source tree as in an installation (so the installed tools find their files
 * from any directory); share/mph/REL when the program cannot tell where it
 * is. REL "" is the folder itself. */
static const char *tool_share_path(const char *rel, char *buf, size_t size) __attribute__((unused));
static const char *tool_share_path(const char *rel, char *buf, size_t size)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;
	if (n <= 0) {
		snprintf(buf, size, "share/mph%s%s", *rel ? "/" : "", rel);
		return buf;
	}
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL) *slash = '\0';
	snprintf(buf, size, "%s/../share/mph%s%s", exe, *rel ? "/" : "", rel);
	return buf;
}

/* The space of a trace file, every column but the metric a candidate knob. */
static mph_space *tool_space_from_trace(const char *path, const char *metric, mph_error *err) __attribute__((unused));
static mph_space *tool_space_from_trace(const char *path, const char *metric, mph_error *err)
{
	const char *exclude[1];
	mph_csv *c;
	mph_space *s;
	exclude[0] = metric;
	if ((c = mph_csv_open(path, err)) == NULL) return NULL;
	s = mph_space_from_trace(c, NULL, 0, exclude, 1, err);
	mph_csv_close(c);
	return s;
}
/* --hidden N,...: the hidden layer sizes of the networks mph-metatrain and
 * mph-eval train; 0, or -1 after a usage error. */
static int tool_hidden_opt(const char *arg, size_t *hidden, size_t *nhidden) __attribute__((unused));
static int tool_hidden_opt(const char *arg, size_t *hidden, size_t *nhidden)
{
	size_t n, i;
	char **v = tool_split(arg, &n);
	int rc = n > MPH_MLP_MAX_HIDDEN ? -1 : 0;
	for (i = 0; i < n && rc == 0; i++) {
		long x;
		if (mph_parse_long(v[i], &x) != 0 || x < 1 || x > 4096) rc = -1;
		else hidden[i] = (size_t)x;
	}
	free(v);
	if (rc == 0) *nhidden = n;
	else tool_usage_error("--hidden: expected 1 to %d sizes in 1..4096: '%s'", MPH_MLP_MAX_HIDDEN, arg);
	return rc;
}

/* The meta-training hyper-parameters mph-metatrain takes and mph-eval
 * passes to the models it trains, parsed into one mph_model_train_opts by
 * their long name ("iters", "hidden", ...): 0 when parsed, -1 after a usage error, 1
 * when name is not one of them. */
static int tool_train_opt(const char *name, const char *arg, mph_model_train_opts *t) __attribute__((unused));
static int tool_train_opt(const char *name, const char *arg, mph_model_train_opts *t)
{
	struct { const char *name; long lo, hi; int *to; } ints[] = {
		{"iters", 0, 100000000, &t->meta.iters}, {"meta-batch", 1, 100000, &t->meta.meta_batch},
		{"shots", 1, 1000000, &t->meta.shots}, {"query", 1, 1000000, &t->meta.query},
		{"inner-steps", 0, 1000, &t->meta.inner_steps}};
	char opt[32];
	size_t i;
	long x;
	snprintf(opt, sizeof opt, "--%s", name);
	for (i = 0; i < sizeof ints / sizeof *ints; i++)
		if (strcmp(name, ints[i].name) == 0) {
			if (tool_long_opt(opt, arg, ints[i].lo, ints[i].hi, &x)) return -1;
			*ints[i].to = (int)x;
			return 0;
		}
	if (strcmp(name, "hidden") == 0) return tool_hidden_opt(arg, t->hidden, &t->nhidden);
	if (strcmp(name, "ensemble") == 0) {
		if (tool_long_opt(opt, arg, 1, 1000, &x)) return -1;
		t->members = (size_t)x;
		return 0;
	}
	if (strcmp(name, "inner-lr") == 0) return tool_double_opt(opt, arg, 0, 1e6, &t->meta.inner_lr) ? -1 : 0;
	if (strcmp(name, "outer-lr") == 0) return tool_double_opt(opt, arg, 1e-300, 1e6, &t->meta.outer_lr) ? -1 : 0;
	if (strcmp(name, "fail-value") == 0)
		return tool_double_opt(opt, arg, -1e308, 1e308, &t->fail_value) ? -1 : 0;
	if (strcmp(name, "norm") == 0) {
		if (mph_norm_parse(arg, &t->meta.norm) == 0) return 0;
		tool_usage_error("--norm: expected max, zscore or none: '%s'", arg);
		return -1;
	}
	return 1;
}

/* The search options mph-suggest and mph-eval share, by long name ("delta",
 * ..., "seed"; arg is NULL for "cover"), into an mph_search_args whose
 * policy mph_search_opts_apply holds: 0 when parsed, -1 after a usage
 * error, 1 when name is not one of them. */
static int tool_search_opt(const char *name, const char *arg, mph_search_args *g) __attribute__((unused));
static int tool_search_opt(const char *name, const char *arg, mph_search_args *g)
{
	struct { const char *name; double *to; } reals[] = {
		{"delta", &g->delta}, {"kappa", &g->kappa}, {"xi", &g->xi}};
	char opt[32];
	size_t i;
	long x;
	snprintf(opt, sizeof opt, "--%s", name);
	for (i = 0; i < sizeof reals / sizeof *reals; i++)
		if (strcmp(name, reals[i].name) == 0) return tool_double_opt(opt, arg, 0, 1e12, reals[i].to) ? -1 : 0;
	if (strcmp(name, "acq") == 0) {
		if (strcmp(arg, "ucb") == 0) g->acq = MPH_ACQ_UCB;
		else if (strcmp(arg, "ei") == 0) g->acq = MPH_ACQ_EI;
		else { tool_usage_error("--acq: expected ucb or ei: '%s'", arg); return -1; }
		return 0;
	}
	if (strcmp(name, "members") == 0) {
		if (tool_long_opt(opt, arg, 2, 1000, &x)) return -1;
		g->members = (int)x;
		return 0;
	}
	if (strcmp(name, "cover") == 0) { g->cover = 1; return 0; }
	if (strcmp(name, "fail-worst") == 0) { g->fail_worst = 1; return 0; }
	if (strcmp(name, "adapt-steps") == 0) {
		if (tool_long_opt(opt, arg, 0, 1000000, &x)) return -1;
		g->adapt_steps = (int)x;
		return 0;
	}
	if (strcmp(name, "adapt-lr") == 0) return tool_double_opt(opt, arg, 0, 1e6, &g->adapt_lr) ? -1 : 0;
	if (strcmp(name, "profiles-weight") == 0) return tool_double_opt(opt, arg, 0, 1, &g->profiles_weight) ? -1 : 0;
	if (strcmp(name, "seed") == 0) return tool_seed_opt(opt, arg, &g->seed) ? -1 : 0;
	if (strcmp(name, "local") == 0) {
		/* off, or AGE[,TOP[,EVERY]] */
		long v[3] = {0, 0, 0};
		int nv = 0, bad = 0;
		const char *p = arg;
		char *end;
		if (strcmp(arg, "off") == 0) { g->local.age = 0; return 0; }
		for (;;) {
			errno = 0;
			v[nv] = strtol(p, &end, 10);
			bad = end == p || errno != 0 || v[nv] < (nv == 0 ? 0 : 1) || v[nv] > 1000000;
			nv++;
			if (bad || *end == '\0' || *end != ',' || nv == 3) break;
			p = end + 1;
		}
		if (bad || *end != '\0') {
			tool_usage_error("--local: expected off or AGE[,TOP[,EVERY]] (whole numbers, TOP and EVERY at least 1): '%s'", arg);
			return -1;
		}
		g->local.age = (int)v[0];
		g->local.top = (int)v[1];
		g->local.every = (int)v[2];
		return 0;
	}
	return 1;
}

/* The stopping rule's options (mph-suggest, mph-eval): --stop-ei X and
 * --stop-patience K into o. 0, -1 after a usage error, 1 when name is not
 * one of them. */
static int tool_stop_opt(const char *name, const char *arg, mph_stop_opts *o) __attribute__((unused));
static int tool_stop_opt(const char *name, const char *arg, mph_stop_opts *o)
{
	if (strcmp(name, "stop-ei") == 0) return tool_double_opt("--stop-ei", arg, 0, 1e12, &o->ei) ? -1 : 0;
	if (strcmp(name, "stop-patience") == 0)
		return tool_long_opt("--stop-patience", arg, 0, 100000000, &o->patience) ? -1 : 0;
	return 1;
}

/* --race TOP,MOST[,Z] (mph-pick, mph-eval) into o: TOP contenders (at least
 * 1), each measured at most MOST times (at least 2), Z standard errors
 * (0 to 100). 0, or -1 after a usage error. */
static int tool_race_opt(const char *opt, const char *arg, mph_race_opts *o) __attribute__((unused));
static int tool_race_opt(const char *opt, const char *arg, mph_race_opts *o)
{
	size_t n, i;
	char **v = tool_split(arg, &n);
	long top = 0, most = 0;
	double z = o->z;
	int bad = n < 2 || n > 3;
	for (i = 0; i < n && !bad; i++) {
		char *end;
		errno = 0;
		if (i < 2) {
			long x = strtol(v[i], &end, 10);
			bad = end == v[i] || *end != '\0' || errno != 0 || x < (i == 0 ? 1 : 2) || x > 1000;
			if (i == 0) top = x; else most = x;
		} else {
			z = strtod(v[i], &end);
			bad = end == v[i] || *end != '\0' || errno != 0 || !(z >= 0 && z <= 100);
		}
	}
	free(v);
	if (bad) {
		tool_usage_error("%s: expected TOP,MOST[,Z] (TOP 1 to 1000, MOST 2 to 1000, Z 0 to 100): '%s'", opt, arg);
		return -1;
	}
	o->top = (size_t)top;
	o->most = (size_t)most;
	o->z = z;
	return 0;
}

#endif
