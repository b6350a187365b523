/* The objective spec: loading and checking its JSON, binding it to a CSV
 * header, and scoring rows (metric, cost model, constraints). */
#include <math.h>
#include <string.h>
#include "space/space.h"

struct price {
	char *category;
	double price;
};

/* price * knob value, where the price is flat or depends on the value of a
 * categorical column; without a knob the price alone is added. */
struct term {
	char *knob;       /* NULL for a flat per-category price */
	char *price_by;   /* NULL for one price */
	double price;
	struct price *prices;
	size_t nprices;
};

struct mph_objective {
	char *name, *metric;
	int maximize, per_cost, has_cost;
	double base;
	struct term *terms;
	size_t nterms;
	mph_expr **constraints;
	size_t nconstraints;
};

/* ---- loading -------------------------------------------------------------- */

/* A JSON value as a message shows it: strings quoted and cut short. */
static const char *show(json_t *v, char *buf, size_t size)
{
	switch (json_typeof(v)) {
	case JSON_STRING: {
		const char *s = json_string_value(v);
		snprintf(buf, size, "'%.40s%s'", s, strlen(s) > 40 ? "..." : "");
		break;
	}
	case JSON_INTEGER: case JSON_REAL: {
		char num[32];
		snprintf(buf, size, "%s", mph_fmt_double(num, json_number_value(v)));
		break;
	}
	case JSON_OBJECT: snprintf(buf, size, "an object"); break;
	case JSON_ARRAY: snprintf(buf, size, "an array"); break;
	case JSON_TRUE: snprintf(buf, size, "true"); break;
	case JSON_FALSE: snprintf(buf, size, "false"); break;
	default: snprintf(buf, size, "null"); break;
	}
	return buf;
}

static int bad(mph_error *err, const char *file, const char *path, const char *want, json_t *v)
{
	char buf[64];
	return mph_error_set(err, file, 0, 0, "%s: expected %s, got %s", path, want, show(v, buf, sizeof buf));
}

static int get_string(json_t *obj, const char *key, const char *path, int required,
                      const char **out, const char *file, mph_error *err)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (v == NULL)
		return required ? mph_error_set(err, file, 0, 0, "missing key '%s'", path) : 0;
	if (!json_is_string(v) || json_string_value(v)[0] == '\0')
		return bad(err, file, path, "a non-empty string", v);
	*out = json_string_value(v);
	return 0;
}

/* Prices are dollars (or any unit) per unit of a knob: never negative, so
 * that a cheaper configuration can never look dearer by a sign slip. */
static int get_price(json_t *v, const char *path, double *out, const char *file, mph_error *err)
{
	if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0)
		return bad(err, file, path, "a non-negative number", v);
	*out = json_number_value(v);
	return 0;
}

static int load_term(struct term *t, json_t *j, size_t i, const char *file, mph_error *err)
{
	static const char *const keys[] = { "knob", "price", "price_by", "prices", NULL };
	char path[96], sub[160];
	const char *s, *key;
	json_t *v, *prices;
	snprintf(path, sizeof path, "cost.terms[%zu]", i);
	if (!json_is_object(j)) return bad(err, file, path, "an object", j);
	if (mph_json_check_keys(j, keys, file, path, err) < 0) return -1;
	snprintf(sub, sizeof sub, "%s.knob", path);
	if (get_string(j, "knob", sub, 0, &s, file, err) < 0) return -1;
	if (s) t->knob = mph_strdup(s);
	snprintf(sub, sizeof sub, "%s.price_by", path);
	if (get_string(j, "price_by", sub, 0, &s, file, err) < 0) return -1;
	if (s) t->price_by = mph_strdup(s);
	v = json_object_get(j, "price");
	prices = json_object_get(j, "prices");
	if (v && prices)
		return mph_error_set(err, file, 0, 0, "%s: 'price' and 'prices' exclude each other", path);
	if (prices && !t->price_by)
		return mph_error_set(err, file, 0, 0, "%s: 'prices' needs 'price_by'", path);
	if (t->price_by && !prices)
		return mph_error_set(err, file, 0, 0, "%s: 'price_by' needs 'prices'", path);
	if (!v && !prices)
		return mph_error_set(err, file, 0, 0, "%s: missing key 'price' (or 'prices' with 'price_by')", path);
	if (v) {
		if (!t->knob)
			return mph_error_set(err, file, 0, 0, "%s: a 'price' without 'knob' belongs in 'base'", path);
		snprintf(sub, sizeof sub, "%s.price", path);
		return get_price(v, sub, &t->price, file, err);
	}
	snprintf(sub, sizeof sub, "%s.prices", path);
	if (!json_is_object(prices)) return bad(err, file, sub, "an object", prices);
	if (json_object_size(prices) == 0)
		return mph_error_set(err, file, 0, 0, "%s: no prices", sub);
	t->prices = mph_calloc(json_object_size(prices), sizeof *t->prices);
	json_object_foreach(prices, key, v) {
		char vpath[256];
		struct price *p = &t->prices[t->nprices];
		snprintf(vpath, sizeof vpath, "%s.%.64s", sub, key);
		if (get_price(v, vpath, &p->price, file, err) < 0) return -1;
		p->category = mph_strdup(key);
		t->nprices++;
	}
	return 0;
}

static int load_cost(mph_objective *o, json_t *cost, const char *file, mph_error *err)
{
	static const char *const keys[] = { "base", "terms", NULL };
	json_t *v, *terms;
	size_t i;
	if (!json_is_object(cost)) return bad(err, file, "cost", "an object", cost);
	if (mph_json_check_keys(cost, keys, file, "cost", err) < 0) return -1;
	o->has_cost = 1;
	if ((v = json_object_get(cost, "base")) != NULL && get_price(v, "cost.base", &o->base, file, err) < 0)
		return -1;
	if ((terms = json_object_get(cost, "terms")) == NULL) return 0;
	if (!json_is_array(terms)) return bad(err, file, "cost.terms", "an array", terms);
	o->terms = mph_calloc(json_array_size(terms), sizeof *o->terms);
	for (i = 0; i < json_array_size(terms); i++) {
		o->nterms = i + 1; /* so that free releases a half-loaded term */
		if (load_term(&o->terms[i], json_array_get(terms, i), i, file, err) < 0) return -1;
	}
	return 0;
}

static int load_constraints(mph_objective *o, json_t *cs, const char *file, mph_error *err)
{
	size_t i;
	if (!json_is_array(cs)) return bad(err, file, "constraints", "an array", cs);
	o->constraints = mph_calloc(json_array_size(cs), sizeof *o->constraints);
	for (i = 0; i < json_array_size(cs); i++) {
		json_t *c = json_array_get(cs, i);
		mph_error e;
		char path[64];
		snprintf(path, sizeof path, "constraints[%zu]", i);
		if (!json_is_string(c)) return bad(err, file, path, "a string", c);
		if ((o->constraints[i] = mph_expr_parse(json_string_value(c), &e)) == NULL)
			return mph_error_set(err, file, 0, 0, "%s '%.200s': %s", path, json_string_value(c), e.text);
		o->nconstraints = i + 1;
	}
	return 0;
}

mph_objective *mph_objective_from_json(json_t *j, const char *file, mph_error *err)
{
	static const char *const keys[] = {
		"constraints", "cost", "description", "direction", "metric", "name", "score", NULL
	};
	mph_objective *o;
	const char *s;
	json_t *v;
	if (file == NULL) file = "";
	if (!json_is_object(j)) {
		bad(err, file, "objective", "an object", j);
		return NULL;
	}
	o = mph_calloc(1, sizeof *o);
	if (mph_json_check_keys(j, keys, file, "", err) < 0) goto fail;
	if ((v = json_object_get(j, "description")) != NULL && !json_is_string(v)) {
		bad(err, file, "description", "a string", v);
		goto fail;
	}
	if (get_string(j, "metric", "metric", 1, &s, file, err) < 0) goto fail;
	o->metric = mph_strdup(s);
	if (get_string(j, "name", "name", 0, &s, file, err) < 0) goto fail;
	o->name = mph_strdup(s ? s : o->metric);
	/* No default direction: guessing "max" for a latency metric would
	 * quietly pick the worst configuration. */
	if ((v = json_object_get(j, "direction")) == NULL) {
		mph_error_set(err, file, 0, 0, "missing key 'direction'");
		goto fail;
	}
	s = json_string_value(v);
	if (s == NULL || (strcmp(s, "max") != 0 && strcmp(s, "min") != 0)) {
		bad(err, file, "direction", "'max' or 'min'", v);
		goto fail;
	}
	o->maximize = strcmp(s, "max") == 0;
	if ((v = json_object_get(j, "score")) != NULL) {
		s = json_string_value(v);
		if (s == NULL || (strcmp(s, "metric") != 0 && strcmp(s, "metric_per_cost") != 0)) {
			bad(err, file, "score", "'metric' or 'metric_per_cost'", v);
			goto fail;
		}
		o->per_cost = strcmp(s, "metric_per_cost") == 0;
	}
	if ((v = json_object_get(j, "cost")) != NULL && load_cost(o, v, file, err) < 0) goto fail;
	if (o->per_cost && !o->has_cost) {
		mph_error_set(err, file, 0, 0, "score 'metric_per_cost' needs a 'cost' model");
		goto fail;
	}
	/* Less metric per dollar is never the goal; a "min" metric per cost
	 * would favour the most expensive configurations. */
	if (o->per_cost && !o->maximize) {
		mph_error_set(err, file, 0, 0, "score 'metric_per_cost' needs direction 'max'");
		goto fail;
	}
	if ((v = json_object_get(j, "constraints")) != NULL && load_constraints(o, v, file, err) < 0)
		goto fail;
	return o;
fail:
	mph_objective_free(o);
	return NULL;
}

mph_objective *mph_objective_load(const char *path, mph_error *err)
{
	json_t *j = mph_json_load(path, err);
	mph_objective *o;
	if (j == NULL) return NULL;
	o = mph_objective_from_json(j, mph_input_name(path), err);
	json_decref(j);
	if (o == NULL) mph_json_locate(path, err);
	return o;
}

void mph_objective_free(mph_objective *o)
{
	size_t i, k;
	if (o == NULL) return;
	for (i = 0; i < o->nterms; i++) {
		for (k = 0; k < o->terms[i].nprices; k++) free(o->terms[i].prices[k].category);
		free(o->terms[i].prices);
		free(o->terms[i].knob);
		free(o->terms[i].price_by);
	}
	for (i = 0; i < o->nconstraints; i++) mph_expr_free(o->constraints[i]);
	free(o->constraints);
	free(o->terms);
	free(o->name);
	free(o->metric);
	free(o);
}

const char *mph_objective_name(const mph_objective *o) { return o->name; }
const char *mph_objective_metric(const mph_objective *o) { return o->metric; }
int mph_objective_maximize(const mph_objective *o) { return o->maximize; }
int mph_objective_per_cost(const mph_objective *o) { return o->per_cost; }
int mph_objective_has_cost(const mph_objective *o) { return o->has_cost; }
size_t mph_objective_nconstraints(const mph_objective *o) { return o->nconstraints; }

const char *mph_objective_constraint(const mph_objective *o, size_t i)
{
	return mph_expr_text(o->constraints[i]);
}

double mph_objective_utility(const mph_objective *o, double score)
{
	return o->maximize ? score : -score;
}

/* ---- binding ---------------------------------------------------------------- */

/* One slot per column the constraints read; slot 0 is the metric, so that a
 * prediction can stand in for it. */
struct mph_objective_bound {
	const mph_objective *o;
	long metric_col;        /* -1 when only predicted */
	long *knob_col, *by_col;  /* per term, -1 when the term has none */
	mph_expr **constraints; /* own copies bound to this header's slots; NULL if skipped */
	long *used;             /* header column of each slot */
	const char **used_name;
	size_t nused;
	const char *const *header; /* during bind only */
	size_t ncols;
};

static long find_col(const char *const *header, size_t ncols, const char *name)
{
	size_t i;
	for (i = 0; i < ncols; i++)
		if (strcmp(header[i], name) == 0) return (long)i;
	return -1;
}

static long resolve(void *ctx, const char *name)
{
	mph_objective_bound *b = ctx;
	long col;
	size_t s;
	if (strcmp(name, b->o->metric) == 0) return 0;
	if ((col = find_col(b->header, b->ncols, name)) < 0) return -1;
	for (s = 1; s < b->nused; s++)
		if (b->used[s] == col) return (long)s;
	b->used = mph_realloc(b->used, (b->nused + 1) * sizeof *b->used);
	b->used_name = mph_realloc(b->used_name, (b->nused + 1) * sizeof *b->used_name);
	b->used[b->nused] = col;
	b->used_name[b->nused] = b->header[col];
	return (long)b->nused++;
}

static int require(const char *const *header, size_t ncols, const char *name, long *col,
                   mph_error *err)
{
	if ((*col = find_col(header, ncols, name)) < 0)
		return mph_error_set(err, "", 0, 0, "missing required column '%s'", name);
	return 0;
}

mph_objective_bound *mph_objective_bind(const mph_objective *o, const char *const *header,
                                        size_t ncols, unsigned flags, mph_error *err)
{
	mph_objective_bound *b = mph_calloc(1, sizeof *b);
	int predicted = (flags & MPH_OBJECTIVE_PREDICTED) != 0;
	size_t i, k;
	b->o = o;
	b->header = header;
	b->ncols = ncols;
	b->metric_col = find_col(header, ncols, o->metric);
	if (b->metric_col < 0 && !predicted) {
		mph_error_set(err, "", 0, 0, "missing required column '%s'", o->metric);
		goto fail;
	}
	b->knob_col = mph_calloc(o->nterms, sizeof *b->knob_col);
	b->by_col = mph_calloc(o->nterms, sizeof *b->by_col);
	for (i = 0; i < o->nterms; i++) {
		b->knob_col[i] = b->by_col[i] = -1;
		if (o->terms[i].knob && require(header, ncols, o->terms[i].knob, &b->knob_col[i], err) < 0)
			goto fail;
		if (o->terms[i].price_by && require(header, ncols, o->terms[i].price_by, &b->by_col[i], err) < 0)
			goto fail;
	}
	b->used = mph_malloc(sizeof *b->used);
	b->used_name = mph_malloc(sizeof *b->used_name);
	b->used[0] = b->metric_col;
	b->used_name[0] = o->metric;
	b->nused = 1;
	b->constraints = mph_calloc(o->nconstraints, sizeof *b->constraints);
	for (i = 0; i < o->nconstraints; i++) {
		const mph_expr *c = o->constraints[i];
		const char *absent = NULL;
		for (k = 0; k < mph_expr_nnames(c) && absent == NULL; k++) {
			const char *name = mph_expr_name(c, k);
			if (find_col(header, ncols, name) < 0 && !(predicted && strcmp(name, o->metric) == 0))
				absent = name;
		}
		if (absent && predicted) continue;
		if (absent) {
			mph_error_set(err, "", 0, 0, "constraint '%s': missing column '%s'", mph_expr_text(c), absent);
			goto fail;
		}
		/* Copies, because slots belong to this binding, not to the spec. */
		b->constraints[i] = mph_expr_parse(mph_expr_text(c), NULL);
		mph_expr_bind(b->constraints[i], resolve, b, NULL);
	}
	b->header = NULL;
	return b;
fail:
	mph_objective_bound_free(b);
	return NULL;
}

mph_objective_bound *mph_objective_bind_csv(const mph_objective *o, const mph_csv *c,
                                            unsigned flags, mph_error *err)
{
	mph_objective_bound *b = mph_objective_bind(o, mph_csv_header(c), mph_csv_ncols(c), flags, err);
	if (b == NULL) mph_error_locate(err, mph_csv_name(c), 1);
	return b;
}

void mph_objective_bound_free(mph_objective_bound *b)
{
	size_t i;
	if (b == NULL) return;
	if (b->constraints)
		for (i = 0; i < b->o->nconstraints; i++) mph_expr_free(b->constraints[i]);
	free(b->constraints);
	free(b->knob_col);
	free(b->by_col);
	free(b->used);
	free(b->used_name);
	free(b);
}

int mph_objective_bound_checks(const mph_objective_bound *b, size_t i)
{
	return b->constraints[i] != NULL;
}

/* ---- scoring ---------------------------------------------------------------- */

static int not_a_number(mph_error *err, const char *prefix, const char *name, const char *value)
{
	return mph_error_set(err, "", 0, 0, "%scolumn '%s': not a number: '%.64s%s'", prefix, name,
	                     value, strlen(value) > 64 ? "..." : "");
}

/* Costs and scores are rounded to 12 significant digits: prices have a few
 * digits, and 0.2 + 0.14 should read 0.34, not 0.3400000000000001, in
 * files people read; the rounding is far below any measurement's noise. */
int mph_objective_cost(const mph_objective_bound *b, const char *const *fields,
                       double *cost, mph_error *err)
{
	const mph_objective *o = b->o;
	double sum = o->base;
	size_t i, k;
	for (i = 0; i < o->nterms; i++) {
		const struct term *t = &o->terms[i];
		double price = t->price, x = 1;
		if (t->price_by) {
			const char *cat = fields[b->by_col[i]];
			for (k = 0; k < t->nprices; k++)
				if (strcmp(t->prices[k].category, cat) == 0) break;
			if (k == t->nprices)
				return mph_error_set(err, "", 0, 0, "column '%s': no price for '%.64s%s'", t->price_by,
				                     cat, strlen(cat) > 64 ? "..." : "");
			price = t->prices[k].price;
		}
		if (t->knob && mph_parse_double(fields[b->knob_col[i]], &x) < 0)
			return not_a_number(err, "", t->knob, fields[b->knob_col[i]]);
		sum += price * x;
	}
	*cost = mph_round12(sum);
	return 0;
}

/* A constraint came out unknown: name the columns without the number it needed. */
static int explain_unknown(const mph_objective_bound *b, const mph_expr *c, const mph_value *v,
                           mph_error *err)
{
	char prefix[300];
	size_t k;
	snprintf(prefix, sizeof prefix, "constraint '%.200s': ", mph_expr_text(c));
	for (k = 0; k < mph_expr_nnames(c); k++) {
		long s = mph_expr_slot(c, k);
		if (isnan(v[s].num))
			return not_a_number(err, prefix, b->used_name[s], v[s].str ? v[s].str : "");
	}
	return mph_error_set(err, "", 0, 0, "%sis not a number", prefix);
}

int mph_objective_score(const mph_objective *o, double metric, double cost,
                        mph_objective_result *r, mph_error *err)
{
	r->violated = -1;
	r->metric = metric;
	r->cost = cost;
	r->score = metric;
	r->utility = NAN;
	if (o->per_cost) {
		char buf[32];
		if (!(cost > 0))
			return mph_error_set(err, "", 0, 0, "cost is not positive: %s", mph_fmt_double(buf, cost));
		r->score = mph_round12(metric / cost);
	}
	r->utility = mph_objective_utility(o, r->score);
	return 0;
}

int mph_objective_eval(const mph_objective_bound *b, const char *const *fields, double metric,
                       mph_objective_result *r, mph_error *err)
{
	const mph_objective *o = b->o;
	mph_value stack[32], *v;
	size_t i, s;
	int rc = 0, measured = isnan(metric);
	r->violated = -1;
	r->metric = r->cost = r->score = r->utility = NAN;
	if (isnan(metric)) {
		if (b->metric_col < 0)
			return mph_error_set(err, "", 0, 0, "no value for metric '%s'", o->metric);
		if (mph_parse_double(fields[b->metric_col], &metric) < 0)
			return not_a_number(err, "", o->metric, fields[b->metric_col]);
	}
	if (mph_objective_cost(b, fields, &r->cost, err) < 0) return -1;
	if (mph_objective_score(o, metric, r->cost, r, err) < 0) return -1;
	if (o->nconstraints == 0) return 0;
	v = b->nused <= sizeof stack / sizeof stack[0] ? stack : mph_malloc(b->nused * sizeof *v);
	v[0].num = metric;
	v[0].str = measured ? fields[b->metric_col] : NULL;
	for (s = 1; s < b->nused; s++) {
		v[s].str = fields[b->used[s]];
		if (mph_parse_double(v[s].str, &v[s].num) < 0) v[s].num = NAN;
	}
	for (i = 0; i < o->nconstraints; i++) {
		double x;
		if (b->constraints[i] == NULL) continue;
		x = mph_expr_eval(b->constraints[i], v);
		if (isnan(x)) { rc = explain_unknown(b, b->constraints[i], v, err); break; }
		if (x == 0.0) { r->violated = (long)i; break; }
	}
	if (v != stack) free(v);
	return rc;
}

int mph_objective_eval_csv(const mph_objective_bound *b, const mph_csv *c, double metric,
                           mph_objective_result *r, mph_error *err)
{
	int rc = mph_objective_eval(b, mph_csv_fields(c), metric, r, err);
	if (rc < 0) mph_error_locate(err, mph_csv_name(c), mph_csv_line(c));
	return rc;
}
