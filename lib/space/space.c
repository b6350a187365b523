/* The space spec: knobs with finite value lists, constraints between knobs,
 * the initial design, configuration ids, and the feature encoding that every
 * model reads (so a model file that embeds the space can score a
 * configuration on its own). */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include "space/space.h"

#define MAX_VALUES 1000000 /* per knob: a range finer than this is a mistake */
/* Bytes of a knob name, categorical value or attribute name: enough for any
 * real one, and "name=value" feature names stay whole. */
#define MAX_NAME 255

typedef struct {
	char *name;
	mph_knob_type type;
	size_t n;
	double *v;      /* sorted numbers; categorical: 0..n-1 */
	char **str;     /* each value as text */
	int log;        /* encode on a log scale */
	size_t nattr;   /* categorical attributes, n x nattr row-major */
	char **attr_name;
	double *attr;
	int onehot, use_attr;
	size_t feat0;   /* first feature of this knob */
	mph_role role;  /* MPH_ROLE_UNSET when the spec gives none */
} knob;

struct mph_space {
	char *name;
	size_t nk;
	knob *k;
	size_t ncons;
	mph_expr **cons;
	size_t nfeat;
	char **feat_name;
	int *corner;    /* initial design: corner knob? */
	size_t *fixed;  /* initial design: value index of the others */
	uint64_t digest;
	unsigned view_roles; /* a role view (mph_space_role_view): the roles it encodes */
	size_t nrolefeat;    /* leading features from roles */
};

static const char *type_names[] = {"int", "float", "ordinal", "categorical"};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Values generated from a range are rounded to 12 significant digits so that
 * 0.1 + 2 * 0.1 reads as 0.3, as a person wrote it. */
static int number_of(json_t *j, double *x)
{
	if (!json_is_number(j)) return -1;
	*x = json_number_value(j);
	return isfinite(*x) ? 0 : -1;
}

static int parse_values(knob *kb, json_t *jk, const char *file, mph_error *err)
{
	json_t *values = json_object_get(jk, "values"), *range = json_object_get(jk, "range");
	json_t *jstep = json_object_get(jk, "step"), *jfactor = json_object_get(jk, "factor");
	size_t i;
	if ((values == NULL) == (range == NULL))
		return mph_error_file(err, file, "knob '%s': give exactly one of \"values\" or \"range\"", kb->name);
	if (values != NULL && (jstep || jfactor))
		return mph_error_file(err, file, "knob '%s': \"step\" and \"factor\" go with \"range\"", kb->name);
	if (kb->type == MPH_KNOB_CATEGORICAL) {
		if (range) return mph_error_file(err, file, "knob '%s': a categorical knob takes \"values\", not \"range\"", kb->name);
		if (!json_is_array(values) || json_array_size(values) == 0)
			return mph_error_file(err, file, "knob '%s': \"values\" must be a non-empty array", kb->name);
		kb->n = json_array_size(values);
		kb->v = mph_malloc(kb->n * sizeof *kb->v);
		kb->str = mph_calloc(kb->n, sizeof *kb->str);
		for (i = 0; i < kb->n; i++) {
			json_t *e = json_array_get(values, i);
			size_t j;
			if (!json_is_string(e) || json_string_length(e) == 0)
				return mph_error_file(err, file, "knob '%s': value %zu: expected a non-empty string", kb->name, i + 1);
			if (json_string_length(e) > MAX_NAME)
				return mph_error_file(err, file, "knob '%s': value %zu: longer than %d bytes", kb->name, i + 1, MAX_NAME);
			for (j = 0; j < i; j++)
				if (strcmp(kb->str[j], json_string_value(e)) == 0)
					return mph_error_file(err, file, "knob '%s': duplicate value '%s'", kb->name, json_string_value(e));
			kb->str[i] = mph_strdup(json_string_value(e));
			kb->v[i] = (double)i;
		}
		return 0;
	}
	if (values != NULL) {
		if (!json_is_array(values) || json_array_size(values) == 0)
			return mph_error_file(err, file, "knob '%s': \"values\" must be a non-empty array", kb->name);
		kb->n = json_array_size(values);
		kb->v = mph_malloc(kb->n * sizeof *kb->v);
		for (i = 0; i < kb->n; i++)
			if (number_of(json_array_get(values, i), &kb->v[i]) != 0)
				return mph_error_file(err, file, "knob '%s': value %zu: expected a number", kb->name, i + 1);
	} else {
		double lo, hi, step = 1.0, factor = 0.0;
		size_t n;
		if (!json_is_array(range) || json_array_size(range) != 2 ||
		    number_of(json_array_get(range, 0), &lo) || number_of(json_array_get(range, 1), &hi))
			return mph_error_file(err, file, "knob '%s': \"range\" must be [low, high]", kb->name);
		if (lo > hi) return mph_error_file(err, file, "knob '%s': range low is above high", kb->name);
		if (jstep && jfactor) return mph_error_file(err, file, "knob '%s': give \"step\" or \"factor\", not both", kb->name);
		if (jstep && (number_of(jstep, &step) || !(step > 0)))
			return mph_error_file(err, file, "knob '%s': \"step\" must be a positive number", kb->name);
		if (jfactor && (number_of(jfactor, &factor) || !(factor > 1)))
			return mph_error_file(err, file, "knob '%s': \"factor\" must be a number above 1", kb->name);
		if (jfactor && !(lo > 0)) return mph_error_file(err, file, "knob '%s': a range with \"factor\" must start above 0", kb->name);
		if (!jstep && !jfactor && kb->type == MPH_KNOB_FLOAT)
			return mph_error_file(err, file, "knob '%s': a float range needs \"step\" or \"factor\"", kb->name);
		if (factor > 0) {
			double x = lo;
			for (n = 0; x <= hi * (1 + 1e-9) && n <= MAX_VALUES; n++) x *= factor;
		} else {
			double count = floor((hi - lo) / step * (1 + 1e-12) + 1e-9) + 1;
			n = count > MAX_VALUES ? MAX_VALUES + 1 : (size_t)count;
		}
		if (n > MAX_VALUES) return mph_error_file(err, file, "knob '%s': range gives more than %d values", kb->name, MAX_VALUES);
		kb->n = n;
		kb->v = mph_malloc(n * sizeof *kb->v);
		for (i = 0; i < n; i++)
			kb->v[i] = mph_round12(factor > 0 ? lo * pow(factor, (double)i) : lo + (double)i * step);
	}
	qsort(kb->v, kb->n, sizeof *kb->v, cmp_double);
	kb->str = mph_calloc(kb->n, sizeof *kb->str);
	for (i = 0; i < kb->n; i++) {
		char buf[40];
		if (i > 0 && kb->v[i] == kb->v[i - 1])
			return mph_error_file(err, file, "knob '%s': duplicate value %s", kb->name, mph_fmt_double(buf, kb->v[i]));
		if (kb->type == MPH_KNOB_INT && (kb->v[i] != floor(kb->v[i]) || fabs(kb->v[i]) > 9e15))
			return mph_error_file(err, file, "knob '%s': int knob has a non-integer value %s", kb->name, mph_fmt_double(buf, kb->v[i]));
		kb->str[i] = mph_strdup(mph_fmt_double(buf, kb->v[i]));
	}
	return 0;
}

static int parse_attributes(knob *kb, json_t *jattr, const char *file, mph_error *err)
{
	json_t *first;
	const char *key;
	json_t *v;
	size_t i, a;
	if (kb->type != MPH_KNOB_CATEGORICAL)
		return mph_error_file(err, file, "knob '%s': only categorical knobs take \"attributes\"", kb->name);
	if (!json_is_object(jattr)) return mph_error_file(err, file, "knob '%s': \"attributes\" must be an object", kb->name);
	json_object_foreach(jattr, key, v) {
		for (i = 0; i < kb->n; i++) if (strcmp(kb->str[i], key) == 0) break;
		if (i == kb->n) return mph_error_file(err, file, "knob '%s': attributes for unknown value '%s'", kb->name, key);
	}
	first = json_object_get(jattr, kb->str[0]);
	if (!json_is_object(first) || json_object_size(first) == 0)
		return mph_error_file(err, file, "knob '%s': value '%s' has no attributes", kb->name, kb->str[0]);
	kb->nattr = json_object_size(first);
	kb->attr_name = mph_calloc(kb->nattr, sizeof *kb->attr_name);
	a = 0;
	json_object_foreach(first, key, v) {
		if (strlen(key) > MAX_NAME)
			return mph_error_file(err, file, "knob '%s': value '%s': an attribute name is longer than %d bytes",
			                      kb->name, kb->str[0], MAX_NAME);
		kb->attr_name[a++] = mph_strdup(key);
	}
	/* attribute order is sorted so the encoding does not depend on key order */
	{
		char **names = kb->attr_name;
		size_t x, y;
		for (x = 1; x < kb->nattr; x++) /* insertion sort by strcmp of strings */
			for (y = x; y > 0 && strcmp(names[y - 1], names[y]) > 0; y--) {
				char *t = names[y]; names[y] = names[y - 1]; names[y - 1] = t;
			}
	}
	kb->attr = mph_malloc(kb->n * kb->nattr * sizeof *kb->attr);
	for (i = 0; i < kb->n; i++) {
		json_t *o = json_object_get(jattr, kb->str[i]);
		if (!json_is_object(o)) return mph_error_file(err, file, "knob '%s': value '%s' has no attributes", kb->name, kb->str[i]);
		if (json_object_size(o) != kb->nattr)
			return mph_error_file(err, file, "knob '%s': value '%s' must have the same attributes as '%s'", kb->name, kb->str[i], kb->str[0]);
		for (a = 0; a < kb->nattr; a++)
			if (number_of(json_object_get(o, kb->attr_name[a]), &kb->attr[i * kb->nattr + a]) != 0)
				return mph_error_file(err, file, "knob '%s': value '%s': attribute '%s' must be a number", kb->name, kb->str[i], kb->attr_name[a]);
	}
	return 0;
}

static int parse_knob(knob *kb, json_t *jk, size_t index, const char *file, mph_error *err)
{
	static const char *const keys[] = {"name", "type", "values", "range", "step", "factor", "log", "role",
	                                   "attributes", "encode", "description", NULL};
	json_t *jname, *jtype, *jlog, *jenc, *jattr, *jrole;
	char where[64];
	size_t t;
	snprintf(where, sizeof where, "knobs[%zu]", index);
	if (!json_is_object(jk)) return mph_error_file(err, file, "%s: expected an object", where);
	jname = json_object_get(jk, "name");
	if (!json_is_string(jname) || json_string_length(jname) == 0)
		return mph_error_file(err, file, "%s: \"name\" must be a non-empty string", where);
	if (json_string_length(jname) > MAX_NAME)
		return mph_error_file(err, file, "%s: \"name\" is longer than %d bytes", where, MAX_NAME);
	kb->name = mph_strdup(json_string_value(jname));
	if (strpbrk(kb->name, ",\"\r\n") != NULL)
		return mph_error_file(err, file, "knob '%s': a name cannot hold commas, quotes or line breaks", kb->name);
	snprintf(where, sizeof where, "knob '%.40s'", kb->name);
	if (mph_json_check_keys(jk, keys, file, where, err)) return -1;
	jtype = json_object_get(jk, "type");
	if (!json_is_string(jtype)) return mph_error_file(err, file, "%s: \"type\" must be a string", where);
	for (t = 0; t < 4; t++) if (strcmp(json_string_value(jtype), type_names[t]) == 0) break;
	if (t == 4)
		return mph_error_file(err, file, "%s: unknown type '%s' (expected int, float, ordinal or categorical)",
		           where, json_string_value(jtype));
	kb->type = (mph_knob_type)t;
	if (parse_values(kb, jk, file, err)) return -1;
	jlog = json_object_get(jk, "log");
	if (jlog && !json_is_boolean(jlog)) return mph_error_file(err, file, "%s: \"log\" must be true or false", where);
	kb->log = jlog ? json_is_true(jlog) : json_object_get(jk, "factor") != NULL;
	if (kb->log && kb->type == MPH_KNOB_CATEGORICAL) return mph_error_file(err, file, "%s: a categorical knob has no log scale", where);
	if (kb->log && !(kb->v[0] > 0)) return mph_error_file(err, file, "%s: a log scale needs values above 0", where);
	jattr = json_object_get(jk, "attributes");
	if (jattr && parse_attributes(kb, jattr, file, err)) return -1;
	jenc = json_object_get(jk, "encode");
	kb->onehot = kb->type == MPH_KNOB_CATEGORICAL && kb->nattr == 0;
	kb->use_attr = kb->nattr > 0;
	if (jenc) {
		const char *e = json_is_string(jenc) ? json_string_value(jenc) : "";
		if (kb->type != MPH_KNOB_CATEGORICAL) return mph_error_file(err, file, "%s: only categorical knobs take \"encode\"", where);
		if (strcmp(e, "onehot") == 0) kb->onehot = 1, kb->use_attr = 0;
		else if (strcmp(e, "attributes") == 0 || strcmp(e, "both") == 0) {
			if (kb->nattr == 0) return mph_error_file(err, file, "%s: \"encode\": \"%s\" needs \"attributes\"", where, e);
			kb->use_attr = 1;
			kb->onehot = e[0] == 'b';
		} else
			return mph_error_file(err, file, "%s: \"encode\" must be onehot, attributes or both", where);
	}
	kb->role = MPH_ROLE_UNSET;
	if ((jrole = json_object_get(jk, "role")) != NULL &&
	    (!json_is_string(jrole) || mph_role_parse(json_string_value(jrole), &kb->role) != 0))
		return mph_error_file(err, file, "%s: unknown role '%.40s' (expected cpu, batch, replicas, concurrency, "
		                      "gpu_mem_share, gpu_mem_gb, gpu_power, gpu_type or none)",
		                      where, json_is_string(jrole) ? json_string_value(jrole) : "?");
	return 0;
}

static long resolve_knob(void *ctx, const char *name) { return mph_space_knob_index(ctx, name); }

static void free_features(mph_space *s)
{
	size_t i;
	if (s->feat_name) for (i = 0; i < s->nfeat; i++) free(s->feat_name[i]);
	free(s->feat_name);
	s->feat_name = NULL;
	s->nfeat = 0;
}

/* In a role view, the knobs whose role it encodes have no features of their
 * own: the role features stand for them. */
static int in_roles(const mph_space *s, const knob *kb)
{
	return s->view_roles && kb->role != MPH_ROLE_UNSET && kb->role != MPH_ROLE_NONE &&
	       (s->view_roles & 1u << kb->role);
}

static void build_features(mph_space *s)
{
	size_t k, i, f;
	s->nrolefeat = mph_roles_nfeatures(s->view_roles);
	for (k = 0, f = s->nrolefeat; k < s->nk; k++) {
		knob *kb = &s->k[k];
		kb->feat0 = f;
		if (in_roles(s, kb)) continue;
		f += kb->type != MPH_KNOB_CATEGORICAL ? 1 : (kb->onehot ? kb->n : 0) + (kb->use_attr ? kb->nattr : 0);
	}
	s->nfeat = f;
	s->feat_name = mph_malloc((f ? f : 1) * sizeof *s->feat_name);
	mph_roles_feature_names(s->view_roles, s->feat_name);
	for (k = 0, f = s->nrolefeat; k < s->nk; k++) {
		knob *kb = &s->k[k];
		char buf[512];
		if (in_roles(s, kb)) continue;
		if (kb->type != MPH_KNOB_CATEGORICAL) {
			s->feat_name[f++] = mph_strdup(kb->name);
			continue;
		}
		if (kb->onehot)
			for (i = 0; i < kb->n; i++) {
				snprintf(buf, sizeof buf, "%s=%s", kb->name, kb->str[i]);
				s->feat_name[f++] = mph_strdup(buf);
			}
		if (kb->use_attr)
			for (i = 0; i < kb->nattr; i++) {
				snprintf(buf, sizeof buf, "%s.%s", kb->name, kb->attr_name[i]);
				s->feat_name[f++] = mph_strdup(buf);
			}
	}
}

static size_t value_index(const knob *kb, const char *text, int *found);

static int parse_initial(mph_space *s, json_t *ji, const char *file, mph_error *err)
{
	static const char *const keys[] = {"corners", "fixed", NULL};
	json_t *jc, *jf, *v;
	const char *key;
	size_t i;
	if (!json_is_object(ji)) return mph_error_file(err, file, "\"initial\" must be an object");
	if (mph_json_check_keys(ji, keys, file, "initial", err)) return -1;
	jc = json_object_get(ji, "corners");
	if (jc) {
		if (!json_is_array(jc)) return mph_error_file(err, file, "initial: \"corners\" must be an array of knob names");
		memset(s->corner, 0, s->nk * sizeof *s->corner);
		for (i = 0; i < json_array_size(jc); i++) {
			json_t *e = json_array_get(jc, i);
			long k = json_is_string(e) ? mph_space_knob_index(s, json_string_value(e)) : -1;
			if (k < 0) return mph_error_file(err, file, "initial: corners: unknown knob '%s'", json_is_string(e) ? json_string_value(e) : "?");
			s->corner[k] = 1;
		}
	}
	jf = json_object_get(ji, "fixed");
	if (jf) {
		if (!json_is_object(jf)) return mph_error_file(err, file, "initial: \"fixed\" must be an object");
		json_object_foreach(jf, key, v) {
			long k = mph_space_knob_index(s, key);
			char num[32];
			const char *text;
			int found;
			if (k < 0) return mph_error_file(err, file, "initial: fixed: unknown knob '%s'", key);
			/* a string is used as it is: values may be as long as names */
			if (json_is_string(v)) text = json_string_value(v);
			else if (json_is_number(v)) text = mph_fmt_double(num, json_number_value(v));
			else return mph_error_file(err, file, "initial: fixed: '%s' must be a value", key);
			s->fixed[k] = value_index(&s->k[k], text, &found);
			if (!found) return mph_error_file(err, file, "initial: fixed: '%s' is not a value of knob '%s'", text, key);
		}
	}
	return 0;
}

mph_space *mph_space_from_json(json_t *j, const char *file, mph_error *err)
{
	static const char *const keys[] = {"name", "description", "knobs", "constraints", "initial", NULL};
	mph_space *s;
	json_t *jk, *jc, *jn;
	size_t i, k;
	if (!json_is_object(j)) { mph_error_file(err, file, "a space spec must be a JSON object"); return NULL; }
	if (mph_json_check_keys(j, keys, file, "space", err)) return NULL;
	jk = json_object_get(j, "knobs");
	if (!json_is_array(jk) || json_array_size(jk) == 0) {
		mph_error_file(err, file, "\"knobs\" must be a non-empty array");
		return NULL;
	}
	s = mph_calloc(1, sizeof *s);
	jn = json_object_get(j, "name");
	if (jn && !json_is_string(jn)) { mph_error_file(err, file, "\"name\" must be a string"); goto fail; }
	s->name = mph_strdup(jn ? json_string_value(jn) : "");
	s->nk = json_array_size(jk);
	s->k = mph_calloc(s->nk, sizeof *s->k);
	for (k = 0; k < s->nk; k++) {
		if (parse_knob(&s->k[k], json_array_get(jk, k), k, file, err)) goto fail;
		for (i = 0; i < k; i++)
			if (strcmp(s->k[i].name, s->k[k].name) == 0) {
				mph_error_file(err, file, "duplicate knob name '%s'", s->k[k].name);
				goto fail;
			}
	}
	{
		const char **names = mph_malloc((s->nk + 1) * sizeof *names);
		int bad;
		for (k = 0; k < s->nk; k++) names[k] = s->k[k].name;
		bad = mph_knob_names_check_env(names, s->nk, file, err);
		free(names);
		if (bad) goto fail;
	}
	jc = json_object_get(j, "constraints");
	if (jc) {
		if (!json_is_array(jc)) { mph_error_file(err, file, "\"constraints\" must be an array of strings"); goto fail; }
		s->cons = mph_calloc(json_array_size(jc) + 1, sizeof *s->cons);
		for (i = 0; i < json_array_size(jc); i++) {
			json_t *e = json_array_get(jc, i);
			mph_error e2;
			if (!json_is_string(e)) { mph_error_file(err, file, "constraints[%zu]: expected a string", i); goto fail; }
			s->cons[i] = mph_expr_parse(json_string_value(e), &e2);
			s->ncons = i + (s->cons[i] != NULL);
			if (s->cons[i] == NULL || mph_expr_bind(s->cons[i], resolve_knob, s, &e2) != 0) {
				/* a syntax error's text names its column already */
				if (e2.col && !strstr(e2.text, " at column "))
					mph_error_file(err, file, "constraint '%s': column %ld: %s", json_string_value(e), e2.col, e2.text);
				else mph_error_file(err, file, "constraint '%s': %s", json_string_value(e), e2.text);
				s->ncons = i + 1;
				goto fail;
			}
		}
		s->ncons = json_array_size(jc);
	}
	if (mph_space_roles_check(s, file, err)) goto fail;
	build_features(s);
	s->corner = mph_calloc(s->nk, sizeof *s->corner);
	s->fixed = mph_calloc(s->nk, sizeof *s->fixed);
	for (k = 0; k < s->nk; k++) s->corner[k] = s->k[k].type != MPH_KNOB_CATEGORICAL && s->k[k].n > 1;
	if (json_object_get(j, "initial") && parse_initial(s, json_object_get(j, "initial"), file, err)) goto fail;
	{
		json_t *canon = mph_space_to_json(s), *knobs = json_object_get(canon, "knobs"), *jk;
		char *text;
		/* roles do not change the plain encoding: a spec that gains roles
		 * still fits the models trained on it */
		json_array_foreach(knobs, i, jk) json_object_del(jk, "role");
		text = json_dumps(knobs, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(17));
		s->digest = mph_hash64(text, strlen(text), 0);
		free(text);
		json_decref(canon);
	}
	return s;
fail:
	mph_space_free(s);
	return NULL;
}

mph_space *mph_space_load(const char *path, mph_error *err)
{
	json_t *j = mph_json_load(path, err);
	mph_space *s;
	if (j == NULL) return NULL;
	s = mph_space_from_json(j, mph_input_name(path), err);
	json_decref(j);
	if (s == NULL) mph_json_locate(path, err);
	return s;
}

/* Whole numbers are written as integers, so batch sizes read 4, not 4.0. */
static json_t *num_json(double x)
{
	if (x == floor(x) && fabs(x) < 9e15) return json_integer((json_int_t)x);
	return json_real(x);
}

mph_space *mph_space_clone(const mph_space *s)
{
	json_t *j = mph_space_to_json(s);
	/* a space's canonical JSON always loads: it came from a valid spec */
	mph_space *c = mph_space_from_json(j, NULL, NULL);
	json_decref(j);
	if (c == NULL) abort();
	if (s->view_roles) {
		/* the initial design set since loading is kept, as a copy should */
		memcpy(c->corner, s->corner, s->nk * sizeof *c->corner);
		memcpy(c->fixed, s->fixed, s->nk * sizeof *c->fixed);
		c->view_roles = s->view_roles;
		c->digest = s->digest;
		free_features(c);
		build_features(c);
	}
	return c;
}

mph_space *mph_space_role_view(const mph_space *s, unsigned roles, mph_error *err)
{
	mph_space *v;
	uint64_t h[2];
	char buf[256];
	roles = mph_roles_closure(roles);
	if (roles == 0) {
		mph_error_set(err, NULL, 0, 0, "a role encoding needs at least one role");
		return NULL;
	}
	v = mph_space_clone(s);
	memcpy(v->corner, s->corner, s->nk * sizeof *v->corner);
	memcpy(v->fixed, s->fixed, s->nk * sizeof *v->fixed);
	v->view_roles = roles;
	free_features(v);
	build_features(v);
	/* encodes otherwise than the plain space: another digest */
	h[0] = s->digest;
	h[1] = roles;
	mph_roles_text(roles, buf, sizeof buf);
	v->digest = mph_hash64(h, sizeof h, mph_hash64(buf, strlen(buf), 0));
	return v;
}

unsigned mph_space_view_roles(const mph_space *s) { return s->view_roles; }
size_t mph_space_role_nfeatures(const mph_space *s) { return s->nrolefeat; }
mph_role mph_space_knob_role(const mph_space *s, size_t k) { return s->k[k].role; }

unsigned mph_space_roles(const mph_space *s)
{
	unsigned r = 0;
	size_t k;
	for (k = 0; k < s->nk; k++)
		if (s->k[k].role != MPH_ROLE_UNSET && s->k[k].role != MPH_ROLE_NONE) r |= 1u << s->k[k].role;
	return r;
}

long mph_space_attr_index(const mph_space *s, size_t k, const char *name)
{
	size_t a;
	for (a = 0; a < s->k[k].nattr; a++)
		if (strcmp(s->k[k].attr_name[a], name) == 0) return (long)a;
	return -1;
}

double mph_space_attr(const mph_space *s, size_t k, size_t i, size_t a)
{
	return s->k[k].attr[i * s->k[k].nattr + a];
}

json_t *mph_space_to_json(const mph_space *s)
{
	json_t *j = json_object(), *knobs = json_array(), *init = json_object(), *corners = json_array(), *fixed = json_object();
	size_t k, i, a;
	if (s->name[0]) json_object_set_new(j, "name", json_string(s->name));
	for (k = 0; k < s->nk; k++) {
		const knob *kb = &s->k[k];
		json_t *jk = json_object(), *vals = json_array();
		json_object_set_new(jk, "name", json_string(kb->name));
		json_object_set_new(jk, "type", json_string(type_names[kb->type]));
		for (i = 0; i < kb->n; i++) {
			if (kb->type == MPH_KNOB_CATEGORICAL) json_array_append_new(vals, json_string(kb->str[i]));
			else json_array_append_new(vals, num_json(kb->v[i]));
		}
		json_object_set_new(jk, "values", vals);
		if (kb->log) json_object_set_new(jk, "log", json_true());
		if (kb->role != MPH_ROLE_UNSET) json_object_set_new(jk, "role", json_string(mph_role_name(kb->role)));
		if (kb->nattr) {
			json_t *attrs = json_object();
			for (i = 0; i < kb->n; i++) {
				json_t *o = json_object();
				for (a = 0; a < kb->nattr; a++)
					json_object_set_new(o, kb->attr_name[a], json_real(kb->attr[i * kb->nattr + a]));
				json_object_set_new(attrs, kb->str[i], o);
			}
			json_object_set_new(jk, "attributes", attrs);
			json_object_set_new(jk, "encode", json_string(kb->onehot ? "both" : "attributes"));
		}
		json_array_append_new(knobs, jk);
		if (s->corner[k]) json_array_append_new(corners, json_string(kb->name));
		else json_object_set_new(fixed, kb->name, kb->type == MPH_KNOB_CATEGORICAL ? json_string(kb->str[s->fixed[k]])
		                         : num_json(kb->v[s->fixed[k]]));
	}
	json_object_set_new(j, "knobs", knobs);
	if (s->ncons) {
		json_t *c = json_array();
		for (i = 0; i < s->ncons; i++) json_array_append_new(c, json_string(mph_expr_text(s->cons[i])));
		json_object_set_new(j, "constraints", c);
	}
	json_object_set_new(init, "corners", corners);
	json_object_set_new(init, "fixed", fixed);
	json_object_set_new(j, "initial", init);
	return j;
}

void mph_space_free(mph_space *s)
{
	size_t k, i;
	if (s == NULL) return;
	for (k = 0; k < s->nk; k++) {
		knob *kb = &s->k[k];
		free(kb->name);
		free(kb->v);
		if (kb->str) for (i = 0; i < kb->n; i++) free(kb->str[i]);
		free(kb->str);
		if (kb->attr_name) for (i = 0; i < kb->nattr; i++) free(kb->attr_name[i]);
		free(kb->attr_name);
		free(kb->attr);
	}
	free(s->k);
	for (i = 0; i < s->ncons; i++) mph_expr_free(s->cons[i]);
	free(s->cons);
	free_features(s);
	free(s->corner);
	free(s->fixed);
	free(s->name);
	free(s);
}

size_t mph_space_nknobs(const mph_space *s) { return s->nk; }
const char *mph_space_knob_name(const mph_space *s, size_t k) { return s->k[k].name; }
mph_knob_type mph_space_knob_type(const mph_space *s, size_t k) { return s->k[k].type; }
size_t mph_space_nvalues(const mph_space *s, size_t k) { return s->k[k].n; }
double mph_space_value(const mph_space *s, size_t k, size_t i) { return s->k[k].v[i]; }
const char *mph_space_value_str(const mph_space *s, size_t k, size_t i) { return s->k[k].str[i]; }
uint64_t mph_space_digest(const mph_space *s) { return s->digest; }
size_t mph_space_nfeatures(const mph_space *s) { return s->nfeat; }
const char *mph_space_feature_name(const mph_space *s, size_t f) { return s->feat_name[f]; }

long mph_space_knob_index(const mph_space *s, const char *name)
{
	size_t k;
	for (k = 0; k < s->nk; k++) if (strcmp(s->k[k].name, name) == 0) return (long)k;
	return -1;
}

char *mph_knob_env_name(const char *knob)
{
	size_t i, n = strlen(knob);
	char *s = mph_malloc(n + 5);
	memcpy(s, "MPH_", 4);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)knob[i];
		s[4 + i] = isalnum(c) ? (char)toupper(c) : '_';
	}
	s[4 + n] = '\0';
	return s;
}

int mph_knob_names_check_env(const char *const *names, size_t n, const char *file, mph_error *err)
{
	static const char *const own[] = {"MPH_CONFIG", "MPH_CONFIG_HEADER"};
	char **env = mph_malloc((n + 1) * sizeof *env);
	size_t i, j;
	int rc = 0;
	for (i = 0; i < n; i++) env[i] = mph_knob_env_name(names[i]);
	for (i = 0; i < n && rc == 0; i++) {
		for (j = 0; j < sizeof own / sizeof *own && rc == 0; j++)
			if (strcmp(env[i], own[j]) == 0)
				rc = mph_error_file(err, file, "knob '%s' would reach commands as %s, which mph sets itself",
				                    names[i], own[j]);
		for (j = 0; j < i && rc == 0; j++)
			if (strcmp(env[i], env[j]) == 0)
				rc = mph_error_file(err, file, "knobs '%s' and '%s' both reach commands as %s",
				                    names[j], names[i], env[i]);
	}
	for (i = 0; i < n; i++) free(env[i]);
	free(env);
	return rc;
}

size_t mph_space_nconstraints(const mph_space *s) { return s->ncons; }

uint64_t mph_space_size(const mph_space *s)
{
	uint64_t n = 1;
	size_t k;
	for (k = 0; k < s->nk; k++) {
		if (n > UINT64_MAX / s->k[k].n) return UINT64_MAX;
		n *= s->k[k].n;
	}
	return n;
}

int mph_space_feasible(const mph_space *s, const size_t *idx)
{
	mph_value slots[64], *sl = s->nk <= 64 ? slots : mph_malloc(s->nk * sizeof *sl);
	size_t k, c;
	int ok = 1;
	if (s->ncons == 0) return 1;
	for (k = 0; k < s->nk; k++) {
		const knob *kb = &s->k[k];
		sl[k].num = kb->type == MPH_KNOB_CATEGORICAL ? NAN : kb->v[idx[k]];
		sl[k].str = kb->str[idx[k]];
	}
	for (c = 0; c < s->ncons && ok; c++) {
		double r = mph_expr_eval(s->cons[c], sl);
		ok = !isnan(r) && r != 0.0;
	}
	if (sl != slots) free(sl);
	return ok;
}

uint64_t mph_space_config_id(const mph_space *s, const size_t *idx)
{
	uint64_t id = 0;
	size_t k;
	for (k = 0; k < s->nk; k++) id = id * s->k[k].n + idx[k];
	return id;
}

void mph_space_config_from_id(const mph_space *s, uint64_t id, size_t *idx)
{
	size_t k = s->nk;
	while (k-- > 0) {
		idx[k] = (size_t)(id % s->k[k].n);
		id /= s->k[k].n;
	}
}

static double scale01(double x, double lo, double hi, int logscale)
{
	if (hi <= lo) return 0.0;
	if (logscale) return (log(x) - log(lo)) / (log(hi) - log(lo));
	return (x - lo) / (hi - lo);
}

void mph_space_encode(const mph_space *s, const size_t *idx, double *x)
{
	size_t k, i, a;
	if (s->view_roles) mph_roles_encode(s, s->view_roles, idx, x);
	for (k = 0; k < s->nk; k++) {
		const knob *kb = &s->k[k];
		double *f = x + kb->feat0;
		if (in_roles(s, kb)) continue;
		if (kb->type != MPH_KNOB_CATEGORICAL) {
			*f = scale01(kb->v[idx[k]], kb->v[0], kb->v[kb->n - 1], kb->log);
			continue;
		}
		if (kb->onehot) {
			for (i = 0; i < kb->n; i++) f[i] = i == idx[k];
			f += kb->n;
		}
		if (kb->use_attr)
			for (a = 0; a < kb->nattr; a++) {
				double lo = INFINITY, hi = -INFINITY;
				for (i = 0; i < kb->n; i++) {
					double v = kb->attr[i * kb->nattr + a];
					if (v < lo) lo = v;
					if (v > hi) hi = v;
				}
				f[a] = scale01(kb->attr[idx[k] * kb->nattr + a], lo, hi, 0);
			}
	}
}

/* Index of the value whose text is text: numbers match numerically (so "1"
 * and "1.0" are one value), categories by their exact text. */
static size_t value_index(const knob *kb, const char *text, int *found)
{
	double x;
	size_t lo = 0, hi = kb->n;
	*found = 0;
	if (kb->type == MPH_KNOB_CATEGORICAL) {
		for (lo = 0; lo < kb->n; lo++)
			if (strcmp(kb->str[lo], text) == 0) return *found = 1, lo;
		return 0;
	}
	if (mph_parse_double(text, &x) != 0) return 0;
	while (lo < hi) { /* first value >= x - tolerance */
		size_t mid = (lo + hi) / 2;
		double tol = 1e-9 * fmax(1.0, fabs(kb->v[mid]));
		if (kb->v[mid] < x - tol) lo = mid + 1;
		else hi = mid;
	}
	if (lo < kb->n && fabs(kb->v[lo] - x) <= 1e-9 * fmax(1.0, fabs(kb->v[lo]))) *found = 1;
	return lo;
}

int mph_space_bind(const mph_space *s, const mph_csv *c, size_t *cols, mph_error *err)
{
	size_t k;
	for (k = 0; k < s->nk; k++) {
		long col = mph_csv_require(c, s->k[k].name, err);
		if (col < 0) return -1;
		cols[k] = (size_t)col;
	}
	return 0;
}

int mph_space_parse(const mph_space *s, const mph_csv *c, const size_t *cols, size_t *idx, mph_error *err)
{
	size_t k;
	for (k = 0; k < s->nk; k++) {
		const char *text = mph_csv_field(c, cols[k]);
		int found;
		idx[k] = value_index(&s->k[k], text, &found);
		if (!found) {
			double x;
			if (s->k[k].type != MPH_KNOB_CATEGORICAL && mph_parse_double(text, &x) != 0)
				return mph_error_set(err, mph_csv_name(c), mph_csv_line(c), 0,
				                     "column '%s': not a number: '%.64s'", s->k[k].name, text);
			return mph_error_set(err, mph_csv_name(c), mph_csv_line(c), 0,
			                     "column '%s': '%.64s' is not a value of the space", s->k[k].name, text);
		}
	}
	return 0;
}

static int set_initial(mph_space *s, const char *corners, const char *fixed, mph_error *err)
{
	char *buf, *tok, *save;
	if (corners != NULL) {
		memset(s->corner, 0, s->nk * sizeof *s->corner);
		buf = mph_strdup(corners);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			long k = mph_space_knob_index(s, tok);
			if (k < 0) { mph_error_set(err, NULL, 0, 0, "corners: unknown knob '%s'", tok); free(buf); return -1; }
			s->corner[k] = 1;
		}
		free(buf);
	}
	if (fixed != NULL) {
		buf = mph_strdup(fixed);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(tok, '=');
			long k;
			int found;
			if (eq == NULL) { mph_error_set(err, NULL, 0, 0, "fixed: expected KNOB=VALUE, got '%s'", tok); free(buf); return -1; }
			*eq = '\0';
			k = mph_space_knob_index(s, tok);
			if (k < 0) { mph_error_set(err, NULL, 0, 0, "fixed: unknown knob '%s'", tok); free(buf); return -1; }
			s->fixed[k] = value_index(&s->k[k], eq + 1, &found);
			if (!found) { mph_error_set(err, NULL, 0, 0, "fixed: '%s' is not a value of knob '%s'", eq + 1, tok); free(buf); return -1; }
			s->corner[k] = 0;
		}
		free(buf);
	}
	return 0;
}

/* Only options (--corners, --fix) reach here: the spec's own initial design
 * is checked as it loads. */
int mph_space_set_initial(mph_space *s, const char *corners, const char *fixed, mph_error *err)
{
	return set_initial(s, corners, fixed, err) < 0 ? mph_error_usage(err) : 0;
}

size_t mph_space_initial(const mph_space *s, size_t *idx, size_t max)
{
	size_t k, nc = 0, n = 0;
	uint64_t m, total;
	for (k = 0; k < s->nk; k++) nc += s->corner[k] != 0;
	if (nc >= 63) return 0;
	total = (uint64_t)1 << nc;
	for (m = 0; m < total && n < max; m++) {
		size_t *cfg = idx + n * s->nk, bit = nc;
		for (k = 0; k < s->nk; k++) {
			if (s->corner[k]) {
				bit--;
				cfg[k] = ((m >> bit) & 1) ? s->k[k].n - 1 : 0;
			} else
				cfg[k] = s->fixed[k];
		}
		if (mph_space_feasible(s, cfg)) n++;
	}
	return n;
}

void mph_space_write_header(const mph_space *s, FILE *fp)
{
	size_t k;
	for (k = 0; k < s->nk; k++) {
		if (k) putc(',', fp);
		mph_csv_write_field(fp, s->k[k].name);
	}
	putc('\n', fp);
}

void mph_space_write_config(const mph_space *s, FILE *fp, const size_t *idx)
{
	size_t k;
	for (k = 0; k < s->nk; k++) {
		if (k) putc(',', fp);
		mph_csv_write_field(fp, s->k[k].str[idx[k]]);
	}
	putc('\n', fp);
}
