/* The model file: a network with everything needed to use it alone (the
 * space it encodes, the normalisation, the adaptation settings) and where it
 * came from. Loading trusts nothing: format, version, shapes and numbers are
 * all checked, so a damaged file fails here and not deep inside a search. */
#include <math.h>
#include <string.h>
#include "learn/learn.h"

mph_model *mph_model_new(mph_space *space, mph_mlp *mlp, const char *metric, mph_norm_kind norm,
                         mph_error *err)
{
	mph_model *m;
	mph_meta_opts d;
	if (mph_mlp_nin(mlp) != mph_space_nfeatures(space)) {
		mph_error_set(err, NULL, 0, 0, "network has %zu inputs, the space encodes %zu features",
		              mph_mlp_nin(mlp), mph_space_nfeatures(space));
		return NULL;
	}
	m = mph_calloc(1, sizeof *m);
	m->space = space;
	m->own_space = 1;
	m->mlp = mlp;
	m->nmembers = 1;
	m->members = mph_malloc(sizeof *m->members);
	m->members[0] = mlp;
	m->metric = mph_strdup(metric);
	m->norm = norm;
	/* Adapt as meta-training's inner loop does by default: what MAML
	 * optimised the weights for. */
	mph_meta_opts_default(&d);
	m->adapt.opt = MPH_OPT_SGD;
	m->adapt.steps = d.inner_steps;
	m->adapt.lr = d.inner_lr;
	m->adapt.batch = 0;
	m->adapt.l2 = 0.0;
	m->task_norm.scale = 1.0;
	m->provenance = json_object();
	return m;
}

void mph_model_free(mph_model *m)
{
	size_t k;
	if (m == NULL) return;
	if (m->own_space) mph_space_free(m->space);
	for (k = 0; k < m->nmembers; k++) mph_mlp_free(m->members[k]);
	free(m->members);
	free(m->metric);
	json_decref(m->provenance);
	free(m->zbuf);
	free(m->pbuf);
	free(m);
}

static int same_shape(const mph_mlp *a, const mph_mlp *b)
{
	size_t l;
	if (mph_mlp_nin(a) != mph_mlp_nin(b) || mph_mlp_nhidden(a) != mph_mlp_nhidden(b)) return 0;
	for (l = 0; l < mph_mlp_nhidden(a); l++)
		if (mph_mlp_hidden(a, l) != mph_mlp_hidden(b, l)) return 0;
	return 1;
}

int mph_model_add_member(mph_model *m, mph_mlp *mlp, mph_error *err)
{
	if (!same_shape(m->mlp, mlp))
		return mph_error_set(err, NULL, 0, 0, "ensemble member %zu differs in shape from the first network",
		                     m->nmembers + 1);
	m->members = mph_realloc(m->members, (m->nmembers + 1) * sizeof *m->members);
	m->members[m->nmembers++] = mlp;
	return 0;
}

mph_model *mph_model_clone(const mph_model *m)
{
	mph_model *c;
	size_t k;
	/* The space is shared, not copied: a clone is scratch for adaptation
	 * (one per search), and a copy cost a JSON round trip per clone. */
	c = mph_model_new((mph_space *)m->space, mph_mlp_clone(m->mlp), m->metric, m->norm, NULL);
	c->own_space = 0;
	for (k = 1; k < m->nmembers; k++) mph_model_add_member(c, mph_mlp_clone(m->members[k]), NULL);
	c->fail_value = m->fail_value;
	c->adapt = m->adapt;
	c->adapted = m->adapted;
	c->task_norm = m->task_norm;
	json_decref(c->provenance);
	c->provenance = json_deep_copy(m->provenance);
	return c;
}

int mph_model_reset(mph_model *dst, const mph_model *src)
{
	size_t k;
	if (dst->nmembers != src->nmembers) return -1;
	for (k = 0; k < src->nmembers; k++)
		if (mph_mlp_copy(dst->members[k], src->members[k]) < 0) return -1;
	dst->adapted = src->adapted;
	dst->task_norm = src->task_norm;
	dst->adapt = src->adapt;
	dst->fail_value = src->fail_value;
	return 0;
}

const char *mph_model_metric(const mph_model *m) { return m->metric; }
double mph_model_fail_value(const mph_model *m) { return m->fail_value; }
const mph_train_opts *mph_model_adapt_opts(const mph_model *m) { return &m->adapt; }
void mph_model_set_adapt_opts(mph_model *m, const mph_train_opts *o) { m->adapt = *o; }
json_t *mph_model_provenance(mph_model *m) { return m->provenance; }

const mph_space *mph_model_space(const mph_model *m) { return m->space; }

void mph_model_init_random(mph_model *m, mph_rng *rng)
{
	size_t k;
	for (k = 0; k < m->nmembers; k++) mph_mlp_init(m->members[k], rng);
}

/* ---- writing ---- */

const char *mph_optimizer_name(mph_optimizer o) { return o == MPH_OPT_ADAM ? "adam" : "sgd"; }

int mph_optimizer_parse(const char *name, mph_optimizer *o)
{
	if (strcmp(name, "sgd") == 0) *o = MPH_OPT_SGD;
	else if (strcmp(name, "adam") == 0) *o = MPH_OPT_ADAM;
	else return -1;
	return 0;
}

json_t *mph_train_opts_to_json(const mph_train_opts *o)
{
	json_t *j = json_object();
	json_object_set_new(j, "optimizer", json_string(mph_optimizer_name(o->opt)));
	json_object_set_new(j, "steps", json_integer(o->steps));
	json_object_set_new(j, "lr", json_real(o->lr));
	json_object_set_new(j, "batch", json_integer((json_int_t)o->batch));
	json_object_set_new(j, "l2", json_real(o->l2));
	return j;
}

static json_t *network_to_json(const mph_mlp *mlp)
{
	json_t *net = json_object(), *hid, *layers;
	const double *p = mph_mlp_params_const(mlp);
	size_t nh = mph_mlp_nhidden(mlp), l, r, c, in = mph_mlp_nin(mlp);
	json_object_set_new(net, "inputs", json_integer((json_int_t)in));
	json_object_set_new(net, "activation", json_string("relu"));
	hid = json_array();
	for (l = 0; l < nh; l++) json_array_append_new(hid, json_integer((json_int_t)mph_mlp_hidden(mlp, l)));
	json_object_set_new(net, "hidden", hid);
	layers = json_array();
	for (l = 0; l <= nh; l++) {
		size_t out = l < nh ? mph_mlp_hidden(mlp, l) : 1;
		json_t *layer = json_object(), *w = json_array(), *b = json_array();
		for (r = 0; r < out; r++) {
			json_t *row = json_array();
			for (c = 0; c < in; c++) json_array_append_new(row, json_real(*p++));
			json_array_append_new(w, row);
		}
		for (r = 0; r < out; r++) json_array_append_new(b, json_real(*p++));
		json_object_set_new(layer, "W", w);
		json_object_set_new(layer, "b", b);
		json_array_append_new(layers, layer);
		in = out;
	}
	json_object_set_new(net, "layers", layers);
	return net;
}

/* The roles a role model encodes, by name in role order. */
static json_t *roles_to_json(const mph_space *s)
{
	json_t *a = json_array();
	unsigned roles = mph_space_view_roles(s);
	int r;
	for (r = 1; r < MPH_ROLE_COUNT; r++)
		if (roles & 1u << r) json_array_append_new(a, json_string(mph_role_name((mph_role)r)));
	return a;
}

/* A model file's "roles": the space it embeds becomes its role view. */
static mph_space *roles_from_json(json_t *ja, mph_space *s, const char *file, mph_error *err)
{
	unsigned roles = 0;
	size_t i;
	json_t *v;
	mph_space *view;
	if (!json_is_array(ja) || json_array_size(ja) == 0) {
		mph_error_file(err, file, "'roles' must be a non-empty array of role names");
		goto fail;
	}
	json_array_foreach(ja, i, v) {
		mph_role r;
		if (!json_is_string(v) || mph_role_parse(json_string_value(v), &r) != 0 || r == MPH_ROLE_NONE) {
			mph_error_file(err, file, "roles[%zu]: not a role: '%s'", i, json_is_string(v) ? json_string_value(v) : "?");
			goto fail;
		}
		if (roles & 1u << r) {
			mph_error_file(err, file, "roles[%zu]: '%s' twice", i, json_string_value(v));
			goto fail;
		}
		roles |= 1u << r;
	}
	if (mph_roles_closure(roles) != roles) {
		mph_error_file(err, file, "'roles': gpu_mem_share and gpu_mem_gb go together");
		goto fail;
	}
	view = mph_space_role_view(s, roles, err);
	mph_space_free(s);
	return view;
fail:
	mph_space_free(s);
	return NULL;
}

json_t *mph_model_to_json(const mph_model *m)
{
	json_t *j = json_object(), *net, *nm;
	size_t k;

	json_object_set_new(j, "format", json_string(MPH_MODEL_FORMAT));
	json_object_set_new(j, "version", json_integer(MPH_MODEL_VERSION));
	json_object_set_new(j, "space", mph_space_to_json(m->space));
	if (mph_space_view_roles(m->space)) json_object_set_new(j, "roles", roles_to_json(m->space));
	json_object_set_new(j, "metric", json_string(m->metric));
	json_object_set_new(j, "fail_value", json_real(m->fail_value));

	nm = json_object();
	json_object_set_new(nm, "rule", json_string(mph_norm_name(m->norm)));
	json_object_set_new(nm, "adapted", json_boolean(m->adapted));
	if (m->adapted) {
		json_object_set_new(nm, "shift", json_real(m->task_norm.shift));
		json_object_set_new(nm, "scale", json_real(m->task_norm.scale));
	}
	json_object_set_new(j, "normalisation", nm);

	json_object_set_new(j, "adapt", mph_train_opts_to_json(&m->adapt));

	/* One network is an object, as it always was; an ensemble an array. */
	if (m->nmembers == 1) {
		net = network_to_json(m->mlp);
	} else {
		net = json_array();
		for (k = 0; k < m->nmembers; k++) json_array_append_new(net, network_to_json(m->members[k]));
	}
	json_object_set_new(j, "network", net);
	json_object_set_new(j, "provenance", json_deep_copy(m->provenance));
	return j;
}

int mph_model_save(const mph_model *m, const char *path, mph_error *err)
{
	mph_out *o = mph_out_open(path, err);
	json_t *j;
	if (o == NULL) return -1;
	j = mph_model_to_json(m);
	/* A failed write leaves the stream's error flag set, and the commit
	 * reports it with the file's name and the reason (and removes it). */
	mph_json_dump(j, mph_out_fp(o));
	json_decref(j);
	return mph_out_commit(o, err);
}

/* ---- reading ---- */

static int get_size(json_t *o, const char *key, const char *where, size_t lo, size_t hi, size_t *out,
                    const char *file, mph_error *err)
{
	json_t *v = json_object_get(o, key);
	json_int_t x;
	if (!json_is_integer(v)) return mph_error_file(err, file, "%s: '%s' must be an integer", where, key);
	x = json_integer_value(v);
	if (x < (json_int_t)lo || x > (json_int_t)hi)
		return mph_error_file(err, file, "%s: '%s' out of range: %" JSON_INTEGER_FORMAT, where, key, x);
	*out = (size_t)x;
	return 0;
}

static int get_real(json_t *o, const char *key, const char *where, double *out, const char *file,
                    mph_error *err)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_number(v)) return mph_error_file(err, file, "%s: '%s' must be a number", where, key);
	*out = json_number_value(v);
	if (!isfinite(*out)) return mph_error_file(err, file, "%s: '%s' is not finite", where, key);
	return 0;
}

/* Reads n finite numbers from array a into p. */
static int get_vector(json_t *a, size_t n, double *p, const char *where, const char *file,
                      mph_error *err)
{
	size_t i;
	if (!json_is_array(a) || json_array_size(a) != n)
		return mph_error_file(err, file, "%s: expected an array of %zu numbers", where, n);
	for (i = 0; i < n; i++) {
		json_t *v = json_array_get(a, i);
		if (!json_is_number(v)) return mph_error_file(err, file, "%s[%zu]: not a number", where, i);
		p[i] = json_number_value(v);
		if (!isfinite(p[i])) return mph_error_file(err, file, "%s[%zu]: not finite", where, i);
	}
	return 0;
}

/* idx: which network of an ensemble array, or -1 for a lone object (the
 * messages name it as the file does). */
static int load_network(json_t *net, const mph_space *s, mph_mlp **out, long idx, const char *file,
                        mph_error *err)
{
	size_t nin, nh, hidden[MPH_MLP_MAX_HIDDEN], l, r, in;
	json_t *hid = json_object_get(net, "hidden"), *layers = json_object_get(net, "layers"), *act;
	mph_mlp *m;
	double *p;
	char where[96], nw[32];
	if (idx < 0) snprintf(nw, sizeof nw, "network");
	else snprintf(nw, sizeof nw, "network[%ld]", idx);
	if (!json_is_object(net))
		return mph_error_file(err, file, "'%s' must be an object%s", nw, idx < 0 ? " or a non-empty array of them" : "");
	if (get_size(net, "inputs", nw, 1, 1000000, &nin, file, err) < 0) return -1;
	if (nin != mph_space_nfeatures(s))
		return mph_error_file(err, file, "%s: %zu inputs, but its space encodes %zu features", nw, nin,
		           mph_space_nfeatures(s));
	act = json_object_get(net, "activation");
	if (!json_is_string(act) || strcmp(json_string_value(act), "relu") != 0)
		return mph_error_file(err, file, "%s: 'activation' must be \"relu\"", nw);
	if (!json_is_array(hid) || json_array_size(hid) > MPH_MLP_MAX_HIDDEN)
		return mph_error_file(err, file, "%s: 'hidden' must be an array of at most %d layer sizes", nw,
		           MPH_MLP_MAX_HIDDEN);
	nh = json_array_size(hid);
	for (l = 0; l < nh; l++) {
		json_t *v = json_array_get(hid, l);
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000)
			return mph_error_file(err, file, "%s: hidden[%zu] must be a positive integer", nw, l);
		hidden[l] = (size_t)json_integer_value(v);
	}
	if (!json_is_array(layers) || json_array_size(layers) != nh + 1)
		return mph_error_file(err, file, "%s: 'layers' must be an array of %zu layers", nw, nh + 1);
	m = mph_mlp_new(nin, nh, hidden);
	p = mph_mlp_params(m);
	in = nin;
	for (l = 0; l <= nh; l++) {
		json_t *layer = json_array_get(layers, l), *w, *b;
		size_t out = l < nh ? hidden[l] : 1;
		if (!json_is_object(layer)) {
			mph_mlp_free(m);
			return mph_error_file(err, file, "%s: layers[%zu] must be an object", nw, l);
		}
		w = json_object_get(layer, "W");
		b = json_object_get(layer, "b");
		if (!json_is_array(w) || json_array_size(w) != out) {
			mph_mlp_free(m);
			return mph_error_file(err, file, "%s: layers[%zu].W must have %zu rows", nw, l, out);
		}
		for (r = 0; r < out; r++) {
			snprintf(where, sizeof where, "%s: layers[%zu].W[%zu]", nw, l, r);
			if (get_vector(json_array_get(w, r), in, p, where, file, err) < 0) {
				mph_mlp_free(m);
				return -1;
			}
			p += in;
		}
		snprintf(where, sizeof where, "%s: layers[%zu].b", nw, l);
		if (get_vector(b, out, p, where, file, err) < 0) {
			mph_mlp_free(m);
			return -1;
		}
		p += out;
		in = out;
	}
	*out = m;
	return 0;
}

static int load_adapt(json_t *ad, mph_train_opts *o, const char *file, mph_error *err)
{
	json_t *opt;
	size_t steps, batch;
	if (!json_is_object(ad)) return mph_error_file(err, file, "'adapt' must be an object");
	opt = json_object_get(ad, "optimizer");
	if (!json_is_string(opt) || mph_optimizer_parse(json_string_value(opt), &o->opt) != 0)
		return mph_error_file(err, file, "adapt: 'optimizer' must be \"sgd\" or \"adam\"");
	if (get_size(ad, "steps", "adapt", 0, 10000000, &steps, file, err) < 0 ||
	    get_size(ad, "batch", "adapt", 0, 100000000, &batch, file, err) < 0 ||
	    get_real(ad, "lr", "adapt", &o->lr, file, err) < 0 ||
	    get_real(ad, "l2", "adapt", &o->l2, file, err) < 0)
		return -1;
	if (o->lr < 0 || o->l2 < 0) return mph_error_file(err, file, "adapt: 'lr' and 'l2' must not be negative");
	o->steps = (int)steps;
	o->batch = batch;
	return 0;
}

/* The networks a model file's "network" holds, read straight from its text
 * into their parameters (the fast path of mph_model_load). */
typedef struct {
	mph_mlp **net;
	size_t n;
	int seen; /* the hook ran: a second "network" key is left to jansson */
} net_list;

static void net_list_free(net_list *nl)
{
	size_t k;
	for (k = 0; k < nl->n; k++) mph_mlp_free(nl->net[k]);
	free(nl->net);
}

/* A size as load_network checks it, from a value read by the fast reader. */
static int fast_size(json_t *v, json_int_t lo, json_int_t hi, size_t *out)
{
	int ok = json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi;
	if (ok) *out = (size_t)json_integer_value(v);
	json_decref(v);
	return ok ? 0 : -1;
}

/* One network object in the form mph_model_save writes ("activation",
 * "hidden", "inputs", then "layers" of "W" rows and "b"), else -1: anything
 * else is read the ordinary way, which gives the message. */
static int fast_network(mph_json_reader *r, mph_mlp **out)
{
	size_t nin = 0, nh = 0, hidden[MPH_MLP_MAX_HIDDEN], l, row, in;
	int have = 0; /* 1 activation, 2 hidden, 4 inputs */
	const char *key;
	mph_mlp *m;
	double *p;
	json_t *v;
	if (!mph_json_accept(r, '{')) return -1;
	for (;;) {
		if ((key = mph_json_read_key(r)) == NULL) return -1;
		if (strcmp(key, "layers") == 0) break;
		if (strcmp(key, "activation") == 0 && !(have & 1)) {
			int ok = (v = mph_json_read_value(r)) != NULL && json_is_string(v) &&
			         strcmp(json_string_value(v), "relu") == 0;
			json_decref(v);
			if (!ok) return -1;
			have |= 1;
		} else if (strcmp(key, "hidden") == 0 && !(have & 2)) {
			int ok = (v = mph_json_read_value(r)) != NULL && json_is_array(v) &&
			         json_array_size(v) <= MPH_MLP_MAX_HIDDEN;
			for (nh = 0; ok && nh < json_array_size(v); nh++)
				ok = fast_size(json_incref(json_array_get(v, nh)), 1, 100000, &hidden[nh]) == 0;
			json_decref(v);
			if (!ok) return -1;
			have |= 2;
		} else if (strcmp(key, "inputs") == 0 && !(have & 4)) {
			if ((v = mph_json_read_value(r)) == NULL || fast_size(v, 1, 1000000, &nin) != 0) return -1;
			have |= 4;
		} else {
			return -1;
		}
		if (!mph_json_accept(r, ',')) return -1;
	}
	if (have != 7 || !mph_json_accept(r, '[')) return -1;
	m = mph_mlp_new(nin, nh, hidden);
	p = mph_mlp_params(m);
	in = nin;
	for (l = 0; l <= nh; l++) {
		size_t nout = l < nh ? hidden[l] : 1;
		if ((l > 0 && !mph_json_accept(r, ',')) || !mph_json_accept(r, '{') ||
		    (key = mph_json_read_key(r)) == NULL || strcmp(key, "W") != 0 || !mph_json_accept(r, '['))
			goto fail;
		for (row = 0; row < nout; row++, p += in)
			if ((row > 0 && !mph_json_accept(r, ',')) || mph_json_read_numbers(r, p, in) != 0) goto fail;
		if (!mph_json_accept(r, ']') || !mph_json_accept(r, ',') || (key = mph_json_read_key(r)) == NULL ||
		    strcmp(key, "b") != 0 || mph_json_read_numbers(r, p, nout) != 0 || !mph_json_accept(r, '}'))
			goto fail;
		p += nout;
		in = nout;
	}
	if (!mph_json_accept(r, ']') || !mph_json_accept(r, '}')) goto fail;
	*out = m;
	return 0;
fail:
	mph_mlp_free(m);
	return -1;
}

/* mph_json_hook for "network": one network object or an array of them. */
static int fast_networks(mph_json_reader *r, void *ctx)
{
	net_list *nl = ctx;
	size_t cap = 0;
	if (nl->seen++) return -1;
	if (!mph_json_accept(r, '[')) {
		nl->net = mph_malloc(sizeof *nl->net);
		if (fast_network(r, &nl->net[0]) != 0) return -1;
		nl->n = 1;
		return 0;
	}
	do {
		if (nl->n == cap) nl->net = mph_realloc(nl->net, (cap = 2 * cap + 4) * sizeof *nl->net);
		if (fast_network(r, &nl->net[nl->n]) != 0) return -1;
		nl->n++;
	} while (mph_json_accept(r, ','));
	return mph_json_accept(r, ']') ? 0 : -1;
}

/* j is the whole document, or (pre not NULL) the document without
 * "network", whose networks pre holds: those the model takes are set to
 * NULL in pre, the caller frees the rest. */
static mph_model *from_json(json_t *j, net_list *pre, const char *file, mph_error *err)
{
	json_t *v, *nm, *prov, *net;
	mph_space *s = NULL;
	size_t k;
	mph_mlp *mlp = NULL;
	mph_model *m = NULL;
	mph_norm_kind rule;
	mph_train_opts ad;
	double fail_value;
	static const char *const keys[] = {"adapt", "fail_value", "format", "metric", "network",
	                                   "normalisation", "provenance", "roles", "space", "version", NULL};
	if (!json_is_object(j)) {
		mph_error_file(err, file, "not a model file: expected a JSON object");
		return NULL;
	}
	v = json_object_get(j, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), MPH_MODEL_FORMAT) != 0) {
		mph_error_file(err, file, "not a model file: 'format' is not \"%s\"", MPH_MODEL_FORMAT);
		return NULL;
	}
	v = json_object_get(j, "version");
	if (!json_is_integer(v) || json_integer_value(v) != MPH_MODEL_VERSION) {
		if (json_is_integer(v))
			mph_error_file(err, file, "unsupported model version %" JSON_INTEGER_FORMAT " (this is version %d)",
			    json_integer_value(v), MPH_MODEL_VERSION);
		else
			mph_error_file(err, file, "'version' must be an integer");
		return NULL;
	}
	if (mph_json_check_keys(j, keys, file, "", err) < 0) return NULL;
	v = json_object_get(j, "metric");
	if (!json_is_string(v) || *json_string_value(v) == '\0') {
		mph_error_file(err, file, "'metric' must be a non-empty string");
		return NULL;
	}
	if (get_real(j, "fail_value", "model", &fail_value, file, err) < 0) return NULL;
	nm = json_object_get(j, "normalisation");
	if (!json_is_object(nm) || !json_is_string(json_object_get(nm, "rule")) ||
	    mph_norm_parse(json_string_value(json_object_get(nm, "rule")), &rule) < 0 ||
	    !json_is_boolean(json_object_get(nm, "adapted"))) {
		mph_error_file(err, file, "'normalisation' must have a 'rule' (none, max or zscore) and 'adapted'");
		return NULL;
	}
	if (load_adapt(json_object_get(j, "adapt"), &ad, file, err) < 0) return NULL;
	prov = json_object_get(j, "provenance");
	if (!json_is_object(prov)) {
		mph_error_file(err, file, "'provenance' must be an object");
		return NULL;
	}
	v = json_object_get(j, "space");
	if (!json_is_object(v)) {
		mph_error_file(err, file, "'space' must be an object");
		return NULL;
	}
	if ((s = mph_space_from_json(v, file, err)) == NULL) return NULL;
	if (json_object_get(j, "roles") && (s = roles_from_json(json_object_get(j, "roles"), s, file, err)) == NULL)
		return NULL;
	if (pre != NULL) {
		/* the fast path: what fails here is read again the ordinary way */
		if (pre->n == 0 || mph_mlp_nin(pre->net[0]) != mph_space_nfeatures(s)) {
			mph_error_file(err, file, "network: not as mph_model_save writes it");
			mph_space_free(s);
			return NULL;
		}
		m = mph_model_new(s, pre->net[0], json_string_value(json_object_get(j, "metric")), rule, err);
		pre->net[0] = NULL;
		for (k = 1; k < pre->n; k++) {
			if (mph_model_add_member(m, pre->net[k], NULL) < 0) {
				mph_error_file(err, file, "network[%zu]: its shape differs from network[0]'s", k);
				mph_model_free(m);
				return NULL;
			}
			pre->net[k] = NULL;
		}
	} else {
		net = json_object_get(j, "network");
		if (json_is_array(net) && json_array_size(net) == 0) {
			mph_error_file(err, file, "'network' must be an object or a non-empty array of them");
			mph_space_free(s);
			return NULL;
		}
		if (load_network(json_is_array(net) ? json_array_get(net, 0) : net, s, &mlp,
		                 json_is_array(net) ? 0 : -1, file, err) < 0) {
			mph_space_free(s);
			return NULL;
		}
		m = mph_model_new(s, mlp, json_string_value(json_object_get(j, "metric")), rule, err);
		for (k = 1; json_is_array(net) && k < json_array_size(net); k++) {
			if (load_network(json_array_get(net, k), m->space, &mlp, (long)k, file, err) < 0) {
				mph_model_free(m);
				return NULL;
			}
			if (mph_model_add_member(m, mlp, NULL) < 0) {
				mph_error_file(err, file, "network[%zu]: its shape differs from network[0]'s", k);
				mph_mlp_free(mlp);
				mph_model_free(m);
				return NULL;
			}
		}
	}
	m->fail_value = fail_value;
	m->adapt = ad;
	json_decref(m->provenance);
	m->provenance = json_deep_copy(prov);
	if (json_is_true(json_object_get(nm, "adapted"))) {
		m->adapted = 1;
		if (get_real(nm, "shift", "normalisation", &m->task_norm.shift, file, err) < 0 ||
		    get_real(nm, "scale", "normalisation", &m->task_norm.scale, file, err) < 0) {
			mph_model_free(m);
			return NULL;
		}
		if (!(m->task_norm.scale > 0)) {
			mph_error_file(err, file, "normalisation: 'scale' must be positive");
			mph_model_free(m);
			return NULL;
		}
	}
	return m;
}

mph_model *mph_model_from_json(json_t *j, const char *file, mph_error *err)
{
	return from_json(j, NULL, file, err);
}

/* Most of a model file is its weights (52,000 numbers in the default
 * ensemble): read as jansson values, they took most of a mph-suggest step.
 * They go straight from the text into the networks where the file is as
 * mph_model_save writes it; anything else, and any file that fails to load,
 * is read again the ordinary way, which decides and gives the message. */
mph_model *mph_model_load(const char *path, mph_error *err)
{
	const char *name = mph_input_name(path);
	net_list nl = {NULL, 0, 0};
	mph_json_text t;
	json_t *j;
	mph_model *m = NULL;
	if (mph_json_text_read(&t, path, err) != 0) return NULL;
	if ((j = mph_json_parse_hooked(t.text, t.len, "network", fast_networks, &nl)) != NULL && nl.seen)
		m = from_json(j, &nl, name, err);
	json_decref(j);
	net_list_free(&nl);
	if (m == NULL && (j = mph_json_parse(t.text, t.len, name, err)) != NULL) {
		m = from_json(j, NULL, name, err);
		json_decref(j);
	}
	mph_json_text_free(&t);
	return m;
}

int mph_model_check_space(const mph_model *m, const mph_space *s, const char *file, mph_error *err)
{
	const mph_space *ms = m->space;
	size_t k, nk = mph_space_nknobs(ms);
	if (mph_space_digest(ms) == mph_space_digest(s)) return 0;
	if (mph_space_view_roles(ms))
		return mph_error_file(err, file, "space differs from the model's: a role model is fitted to a space "
		                      "by its knobs' roles (mph_model_fit_space)");
	if (mph_space_nknobs(s) != nk)
		return mph_error_file(err, file, "space differs from the model's: %zu knobs, the model has %zu",
		           mph_space_nknobs(s), nk);
	for (k = 0; k < nk; k++) {
		size_t i;
		if (strcmp(mph_space_knob_name(s, k), mph_space_knob_name(ms, k)) != 0)
			return mph_error_file(err, file, "space differs from the model's: knob %zu is '%s', the model's is '%s'",
			           k + 1, mph_space_knob_name(s, k), mph_space_knob_name(ms, k));
		if (mph_space_nvalues(s, k) != mph_space_nvalues(ms, k))
			return mph_error_file(err, file,
			           "space differs from the model's: knob '%s' has %zu values, the model's has %zu",
			           mph_space_knob_name(s, k), mph_space_nvalues(s, k), mph_space_nvalues(ms, k));
		for (i = 0; i < mph_space_nvalues(s, k); i++)
			if (strcmp(mph_space_value_str(s, k, i), mph_space_value_str(ms, k, i)) != 0)
				return mph_error_file(err, file,
				           "space differs from the model's: knob '%s' value %zu is '%s', the model's is '%s'",
				           mph_space_knob_name(s, k), i + 1, mph_space_value_str(s, k, i),
				           mph_space_value_str(ms, k, i));
	}
	return mph_error_file(err, file, "space differs from the model's: the encoding differs");
}

/* ---- role models ---- */

unsigned mph_model_roles(const mph_model *m) { return mph_space_view_roles(m->space); }

/* A network with extra inputs whose weights are zero: it computes what mlp
 * computes, and adaptation can still learn from the new inputs. Layer 0's
 * rows are (weights of nin inputs), then its biases; the rest as they are. */
static mph_mlp *widen_inputs(const mph_mlp *mlp, size_t nin)
{
	size_t nh = mph_mlp_nhidden(mlp), hidden[MPH_MLP_MAX_HIDDEN], l, r, old = mph_mlp_nin(mlp);
	size_t out0, rest;
	mph_mlp *w;
	const double *p;
	double *q;
	for (l = 0; l < nh; l++) hidden[l] = mph_mlp_hidden(mlp, l);
	w = mph_mlp_new(nin, nh, hidden);
	out0 = nh ? hidden[0] : 1;
	p = mph_mlp_params_const(mlp);
	q = mph_mlp_params(w);
	for (r = 0; r < out0; r++) {
		memcpy(q, p, old * sizeof *q);
		memset(q + old, 0, (nin - old) * sizeof *q);
		p += old;
		q += nin;
	}
	rest = mph_mlp_nparams(mlp) - out0 * old;
	memcpy(q, p, rest * sizeof *q);
	return w;
}

int mph_model_fit_space(mph_model *m, const mph_space *s, const char *file, mph_error *err)
{
	unsigned roles = mph_model_roles(m), known;
	mph_space *view;
	size_t k, nin;
	char buf[256];
	if (!roles || mph_space_digest(m->space) == mph_space_digest(s)) return mph_model_check_space(m, s, file, err);
	known = mph_space_roles(s) & roles;
	if (!known)
		return mph_error_file(err, file, "no knob of the space has a role the model knows (%s)",
		                      mph_roles_text(roles, buf, sizeof buf));
	if ((view = mph_space_role_view(s, roles, err)) == NULL) return -1;
	if (mph_space_digest(view) == mph_space_digest(m->space)) { /* its own space */
		mph_space_free(view);
		return 0;
	}
	/* a model adapted with inputs beyond its roles has learnt those knobs
	 * of its own space, which another space does not have */
	if (mph_space_nfeatures(m->space) != mph_space_role_nfeatures(m->space)) {
		mph_space_free(view);
		return mph_error_file(err, file, "space differs from the model's: it was fitted to a space with knobs "
		                      "outside its roles, and can only be used with that space");
	}
	nin = mph_space_nfeatures(view);
	if (nin != mph_mlp_nin(m->mlp)) {
		for (k = 0; k < m->nmembers; k++) {
			mph_mlp *w = widen_inputs(m->members[k], nin);
			mph_mlp_free(m->members[k]);
			m->members[k] = w;
		}
		m->mlp = m->members[0];
	}
	if (m->own_space) mph_space_free(m->space);
	m->space = view;
	m->own_space = 1;
	return 0;
}

int mph_model_use_metric(mph_model *m, const char *metric, mph_error *err)
{
	if (!mph_model_roles(m))
		return mph_error_set(err, NULL, 0, 0, "only a role model stands for another metric than its own ('%s')",
		                     m->metric);
	free(m->metric);
	m->metric = mph_strdup(metric);
	return 0;
}

/* ---- use ---- */

int mph_model_adapt(mph_model *m, const double *X, const double *y, size_t n,
                    const mph_train_opts *o, mph_rng *rng, mph_error *err)
{
	double loss;
	size_t k;
	if (o == NULL) o = &m->adapt;
	m->task_norm = mph_norm_fit(m->norm, y, n);
	m->adapted = 1;
	if (n == 0) return 0;
	if (n > m->zcap) {
		free(m->zbuf);
		m->zbuf = mph_malloc(n * sizeof *m->zbuf);
		m->zcap = n;
	}
	mph_norm_apply(&m->task_norm, y, n, m->zbuf);
	for (k = 0; k < m->nmembers; k++) {
		loss = mph_mlp_train(m->members[k], X, m->zbuf, n, o, rng);
		if (!isfinite(loss))
			return mph_error_set(err, NULL, 0, 0, "adaptation diverged (try a smaller learning rate)");
	}
	return 0;
}

void mph_model_predict(mph_model *m, const double *X, size_t n, double *out)
{
	size_t k, i;
	mph_mlp_predict(m->mlp, X, n, out);
	if (m->nmembers > 1) {
		if (n > m->pcap) {
			free(m->pbuf);
			m->pbuf = mph_malloc(n * sizeof *m->pbuf);
			m->pcap = n;
		}
		/* the mean in normalised units: every member shares task_norm */
		for (k = 1; k < m->nmembers; k++) {
			mph_mlp_predict(m->members[k], X, n, m->pbuf);
			for (i = 0; i < n; i++) out[i] += m->pbuf[i];
		}
		for (i = 0; i < n; i++) out[i] /= (double)m->nmembers;
	}
	mph_norm_invert(&m->task_norm, out, n, out);
}

void mph_model_predict_member(mph_model *m, size_t k, const double *X, size_t n, double *out)
{
	mph_mlp_predict(m->members[k], X, n, out);
	mph_norm_invert(&m->task_norm, out, n, out);
}
