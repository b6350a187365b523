/* Fuzz target: the space loader (mph_space_load, what every tool reads as
 * -s), then what the tools do with a space that loaded: its canonical JSON
 * must load again and encode alike (what model files embed), its initial
 * design, encoding, counting and sampling must hold together. Counting and
 * sampling run only on spaces of at most 100000 configurations: larger ones
 * with constraints are bounded by design (MPH_SPACE_COUNT_ENUMERATE), not
 * fast. */
#include "fuzz.h"
#include <math.h>
#include "space/space.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mph_error err;
	mph_space *s = mph_space_load(fuzz_path(data, size), &err), *s2;
	json_t *j;
	size_t nk, nf, k, *idx, *init, n, i;
	uint64_t total, id;
	double *x;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	if (s == NULL) { fuzz_check_error(&err, "mph_space_load"); return 0; }
	j = mph_space_to_json(s);
	if ((s2 = mph_space_from_json(j, "canonical", &err)) == NULL)
		fuzz_fail("a space's canonical JSON does not load", err.text);
	if (mph_space_digest(s2) != mph_space_digest(s)) fuzz_fail("a space reloads differently", NULL);
	mph_space_free(s2);
	json_decref(j);
	s2 = mph_space_clone(s);
	if (mph_space_digest(s2) != mph_space_digest(s)) fuzz_fail("a clone differs", NULL);
	mph_space_free(s2);

	nk = mph_space_nknobs(s);
	nf = mph_space_nfeatures(s);
	total = mph_space_size(s);
	idx = calloc(nk, sizeof *idx);
	x = calloc(nf ? nf : 1, sizeof *x);
	out = open_memstream(&text, &len);
	mph_space_write_header(s, out);
	for (k = 0; k < nk; k++) {
		if (mph_space_nvalues(s, k) == 0) fuzz_fail("a knob without values", mph_space_knob_name(s, k));
		if (mph_space_knob_index(s, mph_space_knob_name(s, k)) != (long)k) fuzz_fail("knob index", NULL);
	}
	/* the first configurations, and the last */
	for (id = 0; id < 64 && id < total; id++) {
		uint64_t ids[2] = {id, total - 1 - id};
		for (i = 0; i < 2; i++) {
			mph_space_config_from_id(s, ids[i], idx);
			if (mph_space_config_id(s, idx) != ids[i]) fuzz_fail("config id does not round-trip", NULL);
			mph_space_encode(s, idx, x);
			for (k = 0; k < nf; k++)
				if (!isfinite(x[k])) fuzz_fail("a feature is not finite", mph_space_feature_name(s, k));
			(void)mph_space_feasible(s, idx);
			mph_space_write_config(s, out, idx);
		}
	}
	if (mph_space_set_initial(s, NULL, NULL, &err) != 0) fuzz_check_error(&err, "mph_space_set_initial");
	init = calloc(64 * nk, sizeof *init);
	n = mph_space_initial(s, init, 64);
	for (i = 0; i < n; i++) {
		if (!mph_space_feasible(s, init + i * nk)) fuzz_fail("an initial configuration is infeasible", NULL);
		mph_space_write_config(s, out, init + i * nk);
	}
	free(init);
	if (total <= 100000) {
		char buf[MPH_SPACE_COUNT_DIGITS + 2];
		uint64_t ids[16];
		mph_rng rng;
		long got;
		if (mph_space_count(s, buf, sizeof buf, &err) != 0) fuzz_check_error(&err, "mph_space_count");
		mph_rng_seed(&rng, 1);
		got = mph_space_sample(s, 16, &rng, ids, &err);
		if (got < 0) fuzz_check_error(&err, "mph_space_sample");
		for (i = 0; got > 0 && i < (size_t)got; i++) {
			if (ids[i] >= total) fuzz_fail("a sampled id outside the space", NULL);
			mph_space_config_from_id(s, ids[i], idx);
			if (!mph_space_feasible(s, idx)) fuzz_fail("a sampled configuration is infeasible", NULL);
		}
	}
	fclose(out);
	free(text);
	free(idx);
	free(x);
	mph_space_free(s);
	return 0;
}
