/* Fuzz target: the model loader (mph_model_load, what mph-adapt,
 * mph-suggest and mph-eval read as -m), then what they do with a model that
 * loaded: its JSON must load again to the same JSON (saving a loaded model
 * gives the same bytes), a clone must predict as it does, and it must adapt
 * to a few rows and predict (with the model's own rule but at most 3 steps:
 * the file may ask for any number); and it must be what the ordinary
 * reading of the file gives (check_fast_path). */
#include "fuzz.h"
#include "io/io.h"
#include "learn/learn.h"

/* mph_model_load reads the weights of a file as mph_model_save writes it
 * straight from its text: the model, or the error, must be the one the
 * ordinary reading (the whole document into jansson) gives, to the bit. */
static void check_fast_path(const char *path, const mph_model *m, const mph_error *err)
{
	mph_error e2;
	json_t *j = mph_json_load(path, &e2);
	mph_model *s = j ? mph_model_from_json(j, mph_input_name(path), &e2) : NULL;
	size_t k;
	json_decref(j);
	if ((m == NULL) != (s == NULL)) fuzz_fail("mph_model_load and the ordinary reading disagree", m ? e2.text : err->text);
	if (m == NULL) {
		if (strcmp(err->text, e2.text) != 0 || strcmp(err->file, e2.file) != 0 || err->line != e2.line ||
		    err->col != e2.col)
			fuzz_fail("mph_model_load fails otherwise than the ordinary reading", err->text);
		return;
	}
	if (m->nmembers != s->nmembers) fuzz_fail("mph_model_load reads another number of networks", NULL);
	for (k = 0; k < m->nmembers; k++)
		if (mph_mlp_nparams(m->members[k]) != mph_mlp_nparams(s->members[k]) ||
		    memcmp(mph_mlp_params_const(m->members[k]), mph_mlp_params_const(s->members[k]),
		           mph_mlp_nparams(m->members[k]) * sizeof(double)) != 0)
			fuzz_fail("mph_model_load reads other weights", NULL);
	mph_model_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mph_error err;
	const char *path = fuzz_path(data, size);
	mph_model *m = mph_model_load(path, &err), *m2, *work;
	const mph_space *s;
	json_t *j, *j2;
	size_t nk, nf, i, n;
	uint64_t total;
	double *X, y[4], p1[4], p2[4];
	size_t *idx;
	mph_train_opts o;
	mph_rng rng;
	check_fast_path(path, m, &err);
	if (m == NULL) { fuzz_check_error(&err, "mph_model_load"); return 0; }
	j = mph_model_to_json(m);
	if ((m2 = mph_model_from_json(j, "again", &err)) == NULL) fuzz_fail("a model's JSON does not load again", err.text);
	j2 = mph_model_to_json(m2);
	if (!json_equal(j, j2)) fuzz_fail("a model reloads differently", NULL);
	json_decref(j);
	json_decref(j2);
	mph_model_free(m2);

	s = mph_model_space(m);
	nk = mph_space_nknobs(s);
	nf = mph_space_nfeatures(s);
	total = mph_space_size(s);
	n = total < 4 ? (size_t)total : 4;
	X = calloc(4 * (nf ? nf : 1), sizeof *X);
	idx = calloc(nk, sizeof *idx);
	for (i = 0; i < n; i++) {
		mph_space_config_from_id(s, (uint64_t)i * (total / n), idx);
		mph_space_encode(s, idx, X + i * nf);
		y[i] = (double)i + 1;
	}
	work = mph_model_clone(m);
	mph_model_predict(m, X, n, p1);
	mph_model_predict(work, X, n, p2);
	if (memcmp(p1, p2, n * sizeof *p1) != 0) fuzz_fail("a clone predicts differently", NULL);
	o = *mph_model_adapt_opts(m);
	if (o.steps > 3) o.steps = 3;
	mph_rng_seed(&rng, 1);
	if (mph_model_adapt(work, X, y, n, &o, &rng, &err) != 0) fuzz_check_error(&err, "mph_model_adapt");
	mph_model_predict(work, X, n, p2);
	if (mph_model_reset(work, m) != 0) fuzz_fail("reset to the model it was cloned from", NULL);
	mph_model_free(work);
	free(X);
	free(idx);
	mph_model_free(m);
	return 0;
}
