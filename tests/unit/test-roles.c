/* Knob roles: the role encoding's values and absent values, where the
 * knobs without a known role go, a plain space unchanged by roles, and a
 * role model fitted to another space computing what it computed. */
#include <math.h>
#include <string.h>
#include "learn/learn.h"
#include "unit.h"

static mph_space *space_of(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	mph_error err;
	mph_space *s = j ? mph_space_from_json(j, "t.json", &err) : NULL;
	if (j && s == NULL) fprintf(stderr, "%s\n", err.text);
	json_decref(j);
	return s;
}

#define GPU_ATTR "\"attributes\": {\"T4\": {\"mem_gb\": 16, \"fp32_tflops\": 8.1, \"fp16_tflops\": 65, \"bw_gbs\": 320}," \
	"\"V100\": {\"mem_gb\": 16, \"fp32_tflops\": 15.7, \"fp16_tflops\": 125, \"bw_gbs\": 900}}"

static const char gpu_space[] =
	"{\"knobs\": [{\"name\": \"cpu\", \"type\": \"int\", \"range\": [1, 5], \"role\": \"cpu\"},"
	"{\"name\": \"gpu_mem\", \"type\": \"float\", \"values\": [0.25, 0.5], \"role\": \"gpu_mem_share\"},"
	"{\"name\": \"batch\", \"type\": \"ordinal\", \"values\": [1, 16], \"role\": \"batch\"},"
	"{\"name\": \"gpu_type\", \"type\": \"categorical\", \"values\": [\"T4\", \"V100\"], " GPU_ATTR ", \"role\": \"gpu_type\"}]}";
static const char gpu_plain[] =
	"{\"knobs\": [{\"name\": \"cpu\", \"type\": \"int\", \"range\": [1, 5]},"
	"{\"name\": \"gpu_mem\", \"type\": \"float\", \"values\": [0.25, 0.5]},"
	"{\"name\": \"batch\", \"type\": \"ordinal\", \"values\": [1, 16]},"
	"{\"name\": \"gpu_type\", \"type\": \"categorical\", \"values\": [\"T4\", \"V100\"], " GPU_ATTR "}]}";
static const char cpu_space[] =
	"{\"knobs\": [{\"name\": \"threads\", \"type\": \"int\", \"range\": [1, 8], \"role\": \"cpu\"},"
	"{\"name\": \"batch\", \"type\": \"ordinal\", \"values\": [2, 64], \"role\": \"batch\"},"
	"{\"name\": \"mode\", \"type\": \"categorical\", \"values\": [\"a\", \"b\", \"c\"]}]}";

int main(void)
{
	mph_space *g = space_of(gpu_space), *p = space_of(gpu_plain), *c = space_of(cpu_space), *v, *w;
	unsigned roles;
	double x[32], y[32];
	size_t idx[4], f, n;
	mph_error err;

	CHECK(g && p && c);
	/* roles change neither the plain encoding nor what fits the models */
	CHECK(mph_space_digest(g) == mph_space_digest(p));
	CHECK(mph_space_nfeatures(g) == mph_space_nfeatures(p));
	idx[0] = 3; idx[1] = 1; idx[2] = 1; idx[3] = 1;
	mph_space_encode(g, idx, x);
	mph_space_encode(p, idx, y);
	for (f = 0; f < mph_space_nfeatures(g); f++) CHECK(x[f] == y[f]);
	CHECK(mph_space_view_roles(g) == 0 && mph_space_role_nfeatures(g) == 0);

	roles = mph_space_roles(g);
	CHECK(mph_roles_closure(roles) == (roles | 1u << MPH_ROLE_GPU_MEM_GB));
	v = mph_space_role_view(g, roles, &err);
	CHECK(v != NULL);
	/* cpu, batch, share, GB, 4 GPU attributes; no knob left over */
	CHECK(mph_space_nfeatures(v) == 8 && mph_space_role_nfeatures(v) == 8);
	CHECK(strcmp(mph_space_feature_name(v, 0), "role.cpu") == 0);
	CHECK(strcmp(mph_space_feature_name(v, 7), "role.gpu_type.bw_gbs") == 0);
	CHECK(mph_space_digest(v) != mph_space_digest(g));
	mph_space_encode(v, idx, x); /* cpu 4, share 0.5, batch 16, V100 */
	CHECK_NEAR(x[0], 2.0 / 6, 1e-15);
	CHECK_NEAR(x[1], 4.0 / 10, 1e-15);
	CHECK_NEAR(x[2], 0.5, 1e-15);
	CHECK_NEAR(x[3], log2(1 + 8.0) / 7, 1e-15);  /* 0.5 of 16 GB */
	CHECK_NEAR(x[4], log2(17.0) / 7, 1e-15);
	CHECK_NEAR(x[5], log2(16.7) / 7, 1e-15);
	CHECK_NEAR(x[6], log2(126.0) / 10, 1e-15);
	CHECK_NEAR(x[7], log2(901.0) / 12, 1e-15);
	/* a clone of a view is the same view */
	w = mph_space_clone(v);
	CHECK(mph_space_digest(w) == mph_space_digest(v) && mph_space_nfeatures(w) == 8);
	mph_space_free(w);

	/* a CPU service read by the GPU model: no GPU is zero GPU features,
	 * its own knob without a role follows the role features, one-hot */
	w = mph_space_role_view(c, mph_space_view_roles(v), &err);
	CHECK(w != NULL);
	CHECK(mph_space_nfeatures(w) == 8 + 3 && mph_space_role_nfeatures(w) == 8);
	CHECK(strcmp(mph_space_feature_name(w, 8), "mode=a") == 0);
	idx[0] = 7; idx[1] = 0; idx[2] = 2; /* 8 threads, batch 2, mode c */
	mph_space_encode(w, idx, x);
	CHECK_NEAR(x[0], 3.0 / 6, 1e-15);
	CHECK_NEAR(x[1], 1.0 / 10, 1e-15);
	for (f = 2; f < 8; f++) CHECK(x[f] == 0.0);
	CHECK(x[8] == 0.0 && x[9] == 0.0 && x[10] == 1.0);
	mph_space_free(w);

	/* a GPU space read by a CPU model: its GPU knobs are the residue */
	w = mph_space_role_view(g, 1u << MPH_ROLE_CPU | 1u << MPH_ROLE_BATCH, &err);
	CHECK(w != NULL && mph_space_nfeatures(w) == 2 + 1 + 4); /* gpu_type by its attributes */
	mph_space_free(w);

	/* absent roles in a space with a GPU: full power, the whole card */
	{
		static const char t4_only[] =
			"{\"knobs\": [{\"name\": \"gpu_type\", \"type\": \"categorical\", \"values\": [\"T4\", \"V100\"], "
			GPU_ATTR ", \"role\": \"gpu_type\"}]}";
		mph_space *t = space_of(t4_only);
		CHECK(t != NULL);
		w = mph_space_role_view(t, roles | 1u << MPH_ROLE_GPU_POWER, &err);
		CHECK(w != NULL && mph_space_nfeatures(w) == 9);
		idx[0] = 0;
		mph_space_encode(w, idx, x); /* cpu batch share GB power attrs */
		CHECK(x[0] == 0.0 && x[1] == 0.0 && x[2] == 1.0);
		CHECK_NEAR(x[3], log2(17.0) / 7, 1e-15);
		CHECK(x[4] == 1.0);
		mph_space_free(w);
		mph_space_free(t);
	}
	CHECK(mph_space_role_view(g, 0, &err) == NULL);

	/* a role model fitted to a space with an unknown knob predicts, at
	 * any value of that knob, what it predicted without it */
	{
		size_t hidden[2] = {6, 5}, i;
		mph_rng rng;
		mph_mlp *mlp = mph_mlp_new(8, 2, hidden);
		mph_model *m;
		mph_space *cv = mph_space_role_view(c, mph_space_view_roles(v), &err);
		double before[3], after[3];
		mph_rng_seed(&rng, 7);
		mph_mlp_init(mlp, &rng);
		m = mph_model_new(mph_space_clone(v), mlp, "rps", MPH_NORM_NONE, &err);
		CHECK(m != NULL && mph_model_roles(m) == mph_space_view_roles(v));
		idx[0] = 3; idx[1] = 1; idx[2] = 0;
		n = mph_space_nfeatures(cv);
		for (i = 0; i < 3; i++) {
			idx[2] = i;
			mph_space_encode(cv, idx, x);
			mph_model_predict(m, x, 1, &before[i]); /* reads the first 8 */
		}
		CHECK(mph_model_fit_space(m, c, NULL, &err) == 0);
		CHECK(mph_space_nfeatures(mph_model_space(m)) == n);
		for (i = 0; i < 3; i++) {
			idx[2] = i;
			mph_space_encode(mph_model_space(m), idx, x);
			mph_model_predict(m, x, 1, &after[i]);
			CHECK(after[i] == before[0]);
		}
		/* fitted to a space with extra knobs: only that space */
		CHECK(mph_model_fit_space(m, g, "m.json", &err) == -1);
		CHECK(strstr(err.text, "can only be used with that space") != NULL);
		CHECK(mph_model_use_metric(m, "tput", &err) == 0 && strcmp(mph_model_metric(m), "tput") == 0);
		mph_model_free(m);
		mph_space_free(cv);
	}
	mph_space_free(v);
	mph_space_free(g);
	mph_space_free(p);
	mph_space_free(c);
	return UNIT_DONE();
}
