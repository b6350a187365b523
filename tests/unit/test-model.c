/* Model files: save/load round trip to the same bytes, load checks, the
 * space check, adaptation and prediction in metric units, trace loading. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "io/io.h"
#include "learn/learn.h"
#include "unit.h"

#define FIX "tests/fixtures/meta/"

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long len;
	if (fp == NULL) return NULL;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	*n = fread(buf, 1, (size_t)len, fp);
	buf[*n] = '\0';
	fclose(fp);
	return buf;
}

static void spit(const char *path, const char *s, size_t n)
{
	FILE *fp = fopen(path, "wb");
	fwrite(s, 1, n, fp);
	fclose(fp);
}

/* mph_json_load's own reader: every number as strtod reads it, to the bit
 * (the weights of a model file must round-trip), and documents it leaves to
 * jansson read as jansson reads them, errors included. */
static void check_json_reader(const char *dir)
{
	char path[512], buf[64];
	FILE *fp;
	json_t *j;
	json_error_t je;
	mph_error err;
	mph_rng r;
	size_t i, n = 200000, bad = 0;
	double *want = malloc(n * sizeof *want);
	snprintf(path, sizeof path, "%s/nums.json", dir);
	fp = fopen(path, "w");
	mph_rng_seed(&r, 11);
	fputs("[", fp);
	for (i = 0; i < n; i++) {
		double x;
		uint64_t bits = mph_rng_below(&r, UINT64_MAX);
		switch (i % 5) {
		case 0: memcpy(&x, &bits, sizeof x); if (!isfinite(x)) x = 0.5; break; /* any double */
		case 1: x = (mph_rng_uniform(&r) - 0.5) * pow(10.0, (double)mph_rng_below(&r, 40) - 30.0); break;
		default: x = mph_rng_normal(&r) * 0.1; break; /* weights */
		}
		if (i % 5 == 3) snprintf(buf, sizeof buf, "%.17g", x);
		else if (i % 5 == 4) snprintf(buf, sizeof buf, "%.*e", (int)mph_rng_below(&r, 18), x);
		else mph_fmt_double(buf, x);
		if (strpbrk(buf, ".eE") == NULL) strcat(buf, ".0");
		want[i] = strtod(buf, NULL);
		fprintf(fp, "%s%s", i ? ", " : "", buf);
	}
	fputs("]\n", fp);
	fclose(fp);
	j = mph_json_load(path, &err);
	CHECK(j != NULL && json_array_size(j) == n);
	for (i = 0; j != NULL && i < n; i++) {
		double v = json_real_value(json_array_get(j, i));
		bad += memcmp(&v, &want[i], sizeof v) != 0;
	}
	CHECK(bad == 0);
	json_decref(j);
	free(want);

	{
		/* the same values as jansson's, or the same error */
		static const char *const docs[] = {
			"{\"a\": [1, -0, -0.0, 0.5, 1e2, 1E-2, 123456789012345678, 1234567890123456789],"
			" \"b\": {\"c\": \"x\\ty\\\"z\\u00e9\", \"d\": [true, false, null, []], \"e\": {}}}",
			"[0.1000000000000000055511151231257827, 4.9e-324, 1.7976931348623157e308, 2.2250738585072014e-308]",
			/* halfway between two doubles: to the even one */
			"[4503599627370496.5, 4503599627370497.5, -4503599627370496.5, 0.45035996273704965e16,"
			" 450359962737049.65e1, 9007199254740993.0]",
			"[1.00000000000000011102230246251565404e0, 0.1000000000000000055511151231257827021181583404541015625]",
			"{\"\u00e9\": 1, \"caf\xc3\xa9\": 2}",
			"{\"a\": 1, \"a\": 2}", "[1, 2,]", "[01]", "[1e999]", "[\"a\x01\"]", "{\"a\" 1}", "[1] x",
			"", "  [", "[-]", "[.5]", "[1.]", "[1e]", "[tru]", "\"top\"", "[\"\xff\"]",
			"[9223372036854775807, -9223372036854775808]", "[9223372036854775808]",
		};
		for (i = 0; i < sizeof docs / sizeof *docs; i++) {
			json_t *want_j = json_loadb(docs[i], strlen(docs[i]), JSON_REJECT_DUPLICATES, &je);
			snprintf(path, sizeof path, "%s/doc.json", dir);
			fp = fopen(path, "w");
			fputs(docs[i], fp);
			fclose(fp);
			memset(&err, 0, sizeof err);
			j = mph_json_load(path, &err);
			CHECK((j == NULL) == (want_j == NULL));
			if (j && want_j) CHECK(json_equal(j, want_j));
			if (!j && !want_j) {
				char msg[300];
				snprintf(msg, sizeof msg, "invalid JSON: %s", je.text);
				CHECK(strcmp(err.text, msg) == 0 && err.line == je.line);
			}
			json_decref(j);
			json_decref(want_j);
		}
	}
	unlink(path);
	snprintf(path, sizeof path, "%s/nums.json", dir);
	unlink(path);
}

int main(void)
{
	char dir[] = "/tmp/mph-test-model-XXXXXX", p1[64], p2[64], p3[64];
	mph_error err;
	mph_space *s, *other;
	mph_trace *t, *tr;
	mph_history *h;
	double *tx, ty[8];
	uint64_t digest;
	mph_model *m, *m2, *w;
	size_t hidden[2] = {16, 8}, n1, n2, k, i;
	char *b1, *b2;
	mph_rng r;
	mph_meta_opts o;

	/* Run from the repository root (make check does). */
	if (access(FIX "space.json", R_OK) != 0 && chdir("../..") != 0) return 1;
	CHECK(mkdtemp(dir) != NULL);
	snprintf(p1, sizeof p1, "%s/a.json", dir);
	snprintf(p2, sizeof p2, "%s/b.json", dir);
	snprintf(p3, sizeof p3, "%s/c.json", dir);

	s = mph_space_load(FIX "space.json", &err);
	CHECK(s != NULL);
	t = mph_trace_load(FIX "trace.csv", s, "rps", 0.0, &err);
	CHECK(t != NULL);
	CHECK(t->ntasks == 4 && t->nfeatures == mph_space_nfeatures(s));
	CHECK(strcmp(t->tasks[2].name, "gamma") == 0);
	for (k = 0; k < t->ntasks; k++) CHECK(t->tasks[k].n == 32);
	/* The oom row is kept, with the fail value; the ok row with rps 0 too. */
	{
		size_t nfail = 0, nzero = 0;
		for (k = 0; k < t->ntasks; k++)
			for (i = 0; i < t->tasks[k].n; i++) {
				nfail += t->tasks[k].failed[i];
				nzero += t->tasks[k].y[i] == 0.0;
			}
		CHECK(nfail == 2);
		CHECK(nzero == 3);
	}
	CHECK(mph_trace_task_index(t, "delta") == 3 && mph_trace_task_index(t, "nope") == -1);
	tr = mph_trace_load(FIX "trace.csv", s, "rps", -1.0, &err);
	CHECK(tr != NULL && tr->tasks[2].y[6] == -1.0 && tr->tasks[2].failed[6]);
	CHECK(tr->digest == t->digest); /* the data, not how failures are valued */
	mph_trace_free(tr);
	CHECK(mph_trace_load(FIX "trace.csv", s, "nope", 0.0, &err) == NULL);
	CHECK(strstr(err.text, "missing required column 'nope'") != NULL);
	h = mph_history_load_metric(FIX "trials.csv", s, "rps", 0.0, &digest, &err);
	CHECK(h != NULL && mph_history_n(h) == 8 && mph_history_get(h, 5)->failed == 1);
	tx = malloc(8 * mph_space_nfeatures(s) * sizeof *tx);
	mph_history_encode(h, s, tx, ty);

	mph_rng_seed(&r, 1);
	m = mph_model_new(s, mph_mlp_new(mph_space_nfeatures(s), 2, hidden), "rps", MPH_NORM_MAX, &err);
	CHECK(m != NULL);
	mph_mlp_init(m->mlp, &r);
	mph_meta_opts_default(&o);
	o.iters = 50; o.shots = 8; o.query = 16;
	CHECK(mph_meta_train(m->mlp, t, &o, &r, &err) == 0);
	o.shots = 32;
	CHECK(mph_meta_train(m->mlp, t, &o, &r, &err) == -1);
	CHECK(strcmp(err.text, "task 'alpha' has 32 rows, fewer than 33 (32 shots + 1 query)") == 0);
	json_object_set_new(m->provenance, "tool", json_string("test-model"));

	/* Saving what was loaded gives the same bytes, adapted or not. */
	CHECK(mph_model_save(m, p1, &err) == 0);
	m2 = mph_model_load(p1, &err);
	CHECK(m2 != NULL);
	CHECK(mph_model_save(m2, p2, &err) == 0);
	b1 = slurp(p1, &n1); b2 = slurp(p2, &n2);
	CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
	free(b2);
	CHECK(memcmp(mph_mlp_params(m->mlp), mph_mlp_params(m2->mlp),
	             mph_mlp_nparams(m->mlp) * sizeof(double)) == 0);
	CHECK(mph_model_adapt(m2, tx, ty, mph_history_n(h), NULL, &r, &err) == 0);
	CHECK(m2->adapted && m2->task_norm.scale == 780);
	CHECK(mph_model_save(m2, p2, &err) == 0);
	mph_model_free(m2);
	m2 = mph_model_load(p2, &err);
	CHECK(m2 != NULL && m2->adapted && m2->task_norm.scale == 780);
	CHECK(mph_model_save(m2, p3, &err) == 0);
	b2 = slurp(p2, &n2);
	{
		size_t n3;
		char *b3 = slurp(p3, &n3);
		CHECK(n2 == n3 && memcmp(b2, b3, n2) == 0);
		free(b3);
	}
	free(b2);

	/* Predictions come back in metric units, and reset undoes adaptation
	 * without allocating a new model. */
	{
		double pred[8], pred2[8];
		w = mph_model_clone(m);
		mph_model_predict(m2, tx, 8, pred);
		CHECK(mph_model_reset(w, m2) == 0);
		mph_model_predict(w, tx, 8, pred2);
		CHECK(memcmp(pred, pred2, sizeof pred) == 0);
		CHECK(pred[7] > 100); /* the best trial is 780, not ~1 */
		CHECK(mph_model_reset(w, m) == 0 && !w->adapted);
		mph_model_free(w);
	}

	/* Damaged files. */
	spit(p3, b1, n1 / 2);
	CHECK(mph_model_load(p3, &err) == NULL);
	CHECK(strncmp(err.text, "invalid JSON", 12) == 0);
	{
		char *bad = strdup(b1), *at = strstr(bad, "\"W\": [\n");
		at = strchr(at + 8, '[') + 1;
		memcpy(at, "NaN", 3);
		spit(p3, bad, n1);
		CHECK(mph_model_load(p3, &err) == NULL);
		CHECK(strncmp(err.text, "invalid JSON", 12) == 0);
		strcpy(bad, b1);
		at = strstr(bad, "\"version\": 1");
		at[11] = '7';
		spit(p3, bad, n1);
		CHECK(mph_model_load(p3, &err) == NULL);
		CHECK(strcmp(err.text, "unsupported model version 7 (this is version 1)") == 0);
		strcpy(bad, b1);
		at = strstr(bad, "\"hidden\": [16, 8]");
		memcpy(at, "\"hidden\": [16, 9]", 17);
		spit(p3, bad, n1);
		CHECK(mph_model_load(p3, &err) == NULL);
		CHECK(strcmp(err.text, "network: layers[1].W must have 9 rows") == 0);
		strcpy(bad, b1);
		at = strstr(bad, "mph-model");
		at[4] = 'x';
		spit(p3, bad, n1);
		CHECK(mph_model_load(p3, &err) == NULL);
		CHECK(strcmp(err.text, "not a model file: 'format' is not \"mph-model\"") == 0);
		free(bad);
	}
	free(b1);

	/* An ensemble: mph_model_train's member 0 is the lone network of the
	 * same seed, the file round-trips, the prediction is the members' mean
	 * (in metric units) and adaptation moves every member. */
	{
		mph_model_train_opts to;
		mph_model *one, *ens, *e2;
		double pm[8], p0[8], p1v[8], p2v[8];
		size_t hl[1] = {8};
		mph_mlp *odd;
		char *bad, *at;
		mph_model_train_opts_init(&to);
		to.nhidden = 1;
		to.hidden[0] = 8;
		to.meta.iters = 20; to.meta.shots = 8; to.meta.query = 16;
		to.seed = 7;
		CHECK(to.members == MPH_ENSEMBLE_DEFAULT);
		to.members = 1;
		one = mph_model_train(t, NULL, s, "rps", &to, &err);
		to.members = 3;
		ens = mph_model_train(t, NULL, s, "rps", &to, &err);
		CHECK(one != NULL && ens != NULL && one->nmembers == 1 && ens->nmembers == 3);
		CHECK(ens->members[0] == ens->mlp);
		CHECK(memcmp(mph_mlp_params(one->mlp), mph_mlp_params(ens->mlp),
		             mph_mlp_nparams(one->mlp) * sizeof(double)) == 0);
		CHECK(memcmp(mph_mlp_params(ens->members[1]), mph_mlp_params(ens->members[2]),
		             mph_mlp_nparams(one->mlp) * sizeof(double)) != 0);
		CHECK(mph_model_member_seed(7, 0) == 7 && mph_model_member_seed(7, 1) != mph_model_member_seed(8, 1));
		CHECK(mph_model_adapt(ens, tx, ty, 8, NULL, &r, &err) == 0);
		CHECK(memcmp(mph_mlp_params(one->mlp), mph_mlp_params(ens->mlp),
		             mph_mlp_nparams(one->mlp) * sizeof(double)) != 0);
		mph_model_predict(ens, tx, 8, pm);
		mph_model_predict_member(ens, 0, tx, 8, p0);
		mph_model_predict_member(ens, 1, tx, 8, p1v);
		mph_model_predict_member(ens, 2, tx, 8, p2v);
		for (i = 0; i < 8; i++) CHECK(fabs(pm[i] - (p0[i] + p1v[i] + p2v[i]) / 3) < 1e-9 * (1 + fabs(pm[i])));
		CHECK(p0[3] != p1v[3]);
		CHECK(mph_model_save(ens, p1, &err) == 0);
		e2 = mph_model_load(p1, &err);
		CHECK(e2 != NULL && e2->nmembers == 3);
		CHECK(mph_model_save(e2, p2, &err) == 0);
		b1 = slurp(p1, &n1); b2 = slurp(p2, &n2);
		CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
		free(b2);
		w = mph_model_clone(e2);
		CHECK(w->nmembers == 3 && mph_model_reset(w, e2) == 0);
		CHECK(mph_model_reset(w, one) == -1); /* not a clone of it */
		mph_model_free(w);
		/* a member of another shape, in a file and through the API */
		bad = strdup(b1);
		at = strstr(strstr(strstr(bad, "\"network\": ["), "\"hidden\": [8]") + 10, "\"hidden\": [8]");
		memcpy(at, "\"hidden\": [9]", 13);
		spit(p3, bad, n1);
		CHECK(mph_model_load(p3, &err) == NULL);
		CHECK(strcmp(err.text, "network[1]: layers[0].W must have 9 rows") == 0);
		{
			json_t *j = mph_model_to_json(ens);
			json_object_set_new(j, "network", json_array());
			CHECK(mph_model_from_json(j, "e.json", &err) == NULL);
			CHECK(strcmp(err.text, "'network' must be an object or a non-empty array of them") == 0);
			json_object_set_new(j, "network", json_integer(7));
			CHECK(mph_model_from_json(j, "e.json", &err) == NULL);
			CHECK(strcmp(err.text, "'network' must be an object or a non-empty array of them") == 0);
			json_decref(j);
		}
		free(bad);
		free(b1);
		odd = mph_mlp_new(mph_space_nfeatures(s), 1, hl);
		CHECK(mph_model_add_member(e2, odd, &err) == 0); /* same shape: taken */
		hl[0] = 9;
		odd = mph_mlp_new(mph_space_nfeatures(s), 1, hl);
		CHECK(mph_model_add_member(e2, odd, &err) == -1);
		CHECK(strcmp(err.text, "ensemble member 5 differs in shape from the first network") == 0);
		mph_mlp_free(odd);
		mph_model_free(one);
		mph_model_free(ens);
		mph_model_free(e2);
	}

	/* The space check names the difference. */
	other = mph_space_load(FIX "other-space.json", &err);
	CHECK(other != NULL);
	CHECK(mph_model_check_space(m, mph_model_space(m), "x", &err) == 0);
	CHECK(mph_model_check_space(m, other, "m.json", &err) == -1);
	CHECK(strcmp(err.text, "space differs from the model's: knob 'cpu' has 5 values, the model's has 4") == 0);
	CHECK(strcmp(err.file, "m.json") == 0);
	mph_space_free(other);

	mph_model_free(m);
	mph_model_free(m2);
	mph_trace_free(t);
	mph_history_free(h);
	free(tx);
	check_json_reader(dir);
	unlink(p1); unlink(p2); unlink(p3);
	rmdir(dir);
	return UNIT_DONE();
}
