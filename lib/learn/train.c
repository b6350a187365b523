/* Training a model file's networks from a profiled trace: the one recipe
 * mph-metatrain runs on a file and mph-eval runs in process for each fold,
 * so that an evaluated model is the model a user trains. */
#include <stdio.h>
#include <string.h>
#include "learn/learn.h"

void mph_model_train_opts_init(mph_model_train_opts *o)
{
	memset(o, 0, sizeof *o);
	mph_meta_opts_default(&o->meta);
	o->adapt.opt = MPH_OPT_SGD;
	o->adapt.steps = -1;
	o->adapt.lr = -1;
	o->nhidden = 2;
	o->hidden[0] = o->hidden[1] = 128;
	o->seed = 1;
	o->members = MPH_ENSEMBLE_DEFAULT;
}

json_t *mph_model_train_opts_to_json(const mph_model_train_opts *o)
{
	json_t *j = json_object();
	char seed[24];
	json_object_set_new(j, "iters", json_integer(o->meta.iters));
	json_object_set_new(j, "meta_batch", json_integer(o->meta.meta_batch));
	json_object_set_new(j, "shots", json_integer(o->meta.shots));
	json_object_set_new(j, "query", json_integer(o->meta.query));
	json_object_set_new(j, "inner_steps", json_integer(o->meta.inner_steps));
	json_object_set_new(j, "inner_lr", json_real(o->meta.inner_lr));
	json_object_set_new(j, "outer_lr", json_real(o->meta.outer_lr));
	json_object_set_new(j, "norm", json_string(mph_norm_name(o->meta.norm)));
	json_object_set_new(j, "fail_value", json_real(o->fail_value));
	/* A string: a 64-bit seed does not fit every JSON reader's integers. */
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
	json_object_set_new(j, "seed", json_string(seed));
	/* only when there is one, so single-network files keep their bytes */
	if (o->members > 1) json_object_set_new(j, "ensemble", json_integer((json_int_t)o->members));
	return j;
}

uint64_t mph_model_member_seed(uint64_t seed, size_t k)
{
	/* Member 0 is the lone network trained with this seed, so an ensemble
	 * of one is the single model; the others' seeds are hashed so that the
	 * ensembles of seeds 1 and 2 share no member. */
	uint64_t v[2];
	if (k == 0) return seed;
	v[0] = seed;
	v[1] = (uint64_t)k;
	return mph_hash64(v, sizeof v, 0x6d70682d656e7321ULL);
}

mph_model *mph_model_train(const mph_trace *t, const unsigned char *use, const mph_space *s,
                           const char *metric, const mph_model_train_opts *o, mph_error *err)
{
	mph_trace sub = *t;
	mph_space *sc;
	mph_mlp **mlps;
	mph_rng *rngs;
	mph_model *m = NULL;
	size_t k;
	if (o->members < 1) {
		mph_error_set(err, NULL, 0, 0, "an ensemble needs at least one network");
		return NULL;
	}
	/* a view of the training tasks; the rows stay t's */
	sub.tasks = mph_malloc((t->ntasks ? t->ntasks : 1) * sizeof *sub.tasks);
	sub.ntasks = 0;
	for (k = 0; k < t->ntasks; k++)
		if (use == NULL || use[k]) sub.tasks[sub.ntasks++] = t->tasks[k];
	if (sub.ntasks == 0) {
		free(sub.tasks);
		mph_error_set(err, NULL, 0, 0, "no task to train on");
		return NULL;
	}
	/* The members train at once, each from its own seed and rng, so the
	 * ensemble is the one trained member by member. */
	mlps = mph_malloc(o->members * sizeof *mlps);
	rngs = mph_malloc(o->members * sizeof *rngs);
	for (k = 0; k < o->members; k++) {
		mlps[k] = mph_mlp_new(mph_space_nfeatures(s), o->nhidden, o->hidden);
		mph_rng_seed(&rngs[k], mph_model_member_seed(o->seed, k));
		mph_mlp_init(mlps[k], &rngs[k]);
	}
	if (mph_meta_train_many(mlps, o->members, &sub, &o->meta, rngs, o->member_progress, err) != 0)
		goto fail;
	/* the model owns a copy of the space and, from here, the networks */
	sc = mph_space_clone(s);
	if ((m = mph_model_new(sc, mlps[0], metric, o->meta.norm, err)) == NULL) {
		mph_space_free(sc);
		goto fail;
	}
	mlps[0] = NULL;
	for (k = 1; k < o->members; k++) {
		mph_model_add_member(m, mlps[k], NULL); /* same shape by construction */
		mlps[k] = NULL;
	}
	free(mlps);
	free(rngs);
	free(sub.tasks);
	m->fail_value = o->fail_value;
	m->adapt = o->adapt;
	mph_meta_adapt_defaults(&o->meta, &m->adapt);
	json_object_set_new(m->provenance, "mode", json_string(mph_meta_mode_name(o->meta.mode)));
	json_object_set_new(m->provenance, "training", mph_model_train_opts_to_json(o));
	return m;
fail:
	for (k = 0; k < o->members; k++) mph_mlp_free(mlps[k]);
	free(mlps);
	free(rngs);
	free(sub.tasks);
	return NULL;
}
