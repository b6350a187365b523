/* Fuzz target: the model loader (mph_model_load, what mph-adapt,
 * mph-suggest and mph-eval read as -m), then what they do with a model that
 * loaded: its JSON must load again to the same JSON (saving a loaded model
 * gives the same bytes), a clone must predict as it does, and it must adapt
 * to a few rows and predict (with the model's own rule but at most 3 steps:
 * the file may ask for any number). */
#include "fuzz.h"
#include "learn/learn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mph_error err;
	mph_model *m = mph_model_load(fuzz_path(data, size), &err), *m2, *work;
	const mph_space *s;
	json_t *j, *j2;
	size_t nk, nf, i, n;
	uint64_t total;
	double *X, y[4], p1[4], p2[4];
	size_t *idx;
	mph_train_opts o;
	mph_rng rng;
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
