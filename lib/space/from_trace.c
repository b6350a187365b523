/* Deriving a space spec from a profiled trace, so a trace measured by
 * someone else can be searched as it is. */
#include <math.h>
#include <string.h>
#include "space/space.h"

#define MAX_KNOB_VALUES 64

typedef struct {
	char *v[MAX_KNOB_VALUES + 1];
	size_t n;
	int overflow, numeric, empty;
	long nonfinite_line; /* first row with NaN or infinity, which no knob takes */
	char *nonfinite;
} distinct;

static int is_nonfinite(const char *s)
{
	char *end;
	double x = strtod(s, &end);
	return end != s && *end == '\0' && !isfinite(x);
}

static void add_value(distinct *d, const char *s, long line)
{
	size_t i;
	double x;
	if (*s == '\0') d->empty = 1; /* a knob always has a value; a failed measurement may not */
	if (d->nonfinite == NULL && is_nonfinite(s)) {
		d->nonfinite = mph_strdup(s);
		d->nonfinite_line = line;
	}
	if (d->overflow) return;
	for (i = 0; i < d->n; i++) if (strcmp(d->v[i], s) == 0) return;
	if (d->n == MAX_KNOB_VALUES) { d->overflow = 1; return; }
	d->v[d->n++] = mph_strdup(s);
	if (mph_parse_double(s, &x) != 0) d->numeric = 0;
}

static int cmp_num(const void *a, const void *b)
{
	double x = strtod(*(char *const *)a, NULL), y = strtod(*(char *const *)b, NULL);
	return x < y ? -1 : x > y;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) if (strcmp(name, list[i]) == 0) return 1;
	return 0;
}

static json_t *knob_spec(const char *name, distinct *d)
{
	json_t *k = json_object(), *vals = json_array();
	size_t i;
	json_object_set_new(k, "name", json_string(name));
	if (!d->numeric) {
		qsort(d->v, d->n, sizeof *d->v, cmp_str);
		json_object_set_new(k, "type", json_string("categorical"));
		for (i = 0; i < d->n; i++) json_array_append_new(vals, json_string(d->v[i]));
		json_object_set_new(k, "values", vals);
		return k;
	}
	{
		double x[MAX_KNOB_VALUES], step;
		int integers = 1, even = 1;
		qsort(d->v, d->n, sizeof *d->v, cmp_num);
		for (i = 0; i < d->n; i++) {
			x[i] = strtod(d->v[i], NULL);
			integers &= x[i] == floor(x[i]) && fabs(x[i]) < 1e15;
		}
		step = d->n > 1 ? (x[d->n - 1] - x[0]) / (double)(d->n - 1) : 1.0;
		for (i = 1; i < d->n; i++) even &= fabs(x[i] - x[i - 1] - step) <= 1e-9 * fmax(1.0, fabs(step));
		if (integers && even && d->n > 1) {
			json_object_set_new(k, "type", json_string("int"));
			json_object_set_new(k, "range", json_pack("[II]", (json_int_t)x[0], (json_int_t)x[d->n - 1]));
			json_object_set_new(k, "step", json_integer((json_int_t)step));
			json_decref(vals);
			return k;
		}
		json_object_set_new(k, "type", json_string(even ? (integers ? "int" : "float") : "ordinal"));
		for (i = 0; i < d->n; i++)
			json_array_append_new(vals, integers ? json_integer((json_int_t)x[i]) : json_real(x[i]));
		json_object_set_new(k, "values", vals);
		if (!even && x[0] > 0 && x[d->n - 1] / x[0] >= 8) json_object_set_new(k, "log", json_true());
	}
	return k;
}

mph_space *mph_space_from_trace(mph_csv *c, const char *const *knobs, size_t nknobs,
                                const char *const *exclude, size_t nexclude, mph_error *err)
{
	size_t nc = mph_csv_ncols(c), i;
	const char *const *hdr = mph_csv_header(c);
	distinct *d = mph_calloc(nc, sizeof *d);
	long rows = 0;
	int rc;
	json_t *spec = NULL, *jk;
	mph_space *s = NULL;
	for (i = 0; i < nknobs; i++)
		if (mph_csv_require(c, knobs[i], err) < 0) goto out;
	for (i = 0; i < nc; i++) d[i].numeric = 1;
	while ((rc = mph_csv_read(c, err)) == 1) {
		const char *const *f = mph_csv_fields(c);
		for (i = 0; i < nc; i++) add_value(&d[i], f[i], mph_csv_line(c));
		rows++;
	}
	if (rc < 0) goto out;
	if (rows == 0) { mph_error_set(err, mph_csv_name(c), 0, 0, "no rows after the header"); goto out; }
	spec = json_object();
	jk = json_array();
	json_object_set_new(spec, "knobs", jk);
	for (i = 0; i < nc; i++) {
		int is_knob;
		if (nknobs > 0) is_knob = in_list(hdr[i], knobs, nknobs);
		else is_knob = strcmp(hdr[i], "task") != 0 && strcmp(hdr[i], "status") != 0 &&
		               !in_list(hdr[i], exclude, nexclude) && !d[i].overflow && !d[i].empty &&
		               (long)d[i].n * 2 <= rows;
		if (!is_knob) continue;
		if (d[i].empty) {
			mph_error_set(err, mph_csv_name(c), 0, 0, "column '%s': empty values: not a knob", hdr[i]);
			goto out;
		}
		if (d[i].nonfinite != NULL) {
			mph_error_set(err, mph_csv_name(c), d[i].nonfinite_line, 0, "column '%s': not a finite number: '%s'",
			              hdr[i], d[i].nonfinite);
			goto out;
		}
		if (d[i].overflow) {
			mph_error_set(err, mph_csv_name(c), 0, 0, "column '%s': more than %d distinct values: not a knob",
			              hdr[i], MAX_KNOB_VALUES);
			goto out;
		}
		json_array_append_new(jk, knob_spec(hdr[i], &d[i]));
	}
	if (json_array_size(jk) == 0) {
		mph_error_set(err, mph_csv_name(c), 0, 0, "no column looks like a knob (name them with --knobs)");
		goto out;
	}
	s = mph_space_from_json(spec, mph_csv_name(c), err);
out:
	json_decref(spec);
	for (i = 0; i < nc; i++) {
		size_t j;
		for (j = 0; j < d[i].n; j++) free(d[i].v[j]);
		free(d[i].nonfinite);
	}
	free(d);
	return s;
}
