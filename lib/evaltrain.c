/* The models an evaluation fold needs, trained in process on the fold's
 * training tasks exactly as mph-metatrain trains them from a file, so that
 * k-fold and leave-one-out evaluations need no model file per fold. */
#include <string.h>
#include "mph_internal.h"

void mph_eval_train_opts_init(mph_eval_train_opts *o)
{
	memset(o, 0, sizeof *o);
	mph_meta_opts_default(&o->meta);
	o->adapt.opt = MPH_OPT_SGD;
	o->adapt.steps = -1;
	o->adapt.lr = -1;
	o->nhidden = 2;
	o->hidden[0] = o->hidden[1] = 128;
	o->seed = 1;
}

mph_model *mph_eval_train(const mph_trace *t, const unsigned char *use, const mph_space *s,
                          const char *metric, const mph_eval_train_opts *o, mph_error *err)
{
	mph_trace sub = *t;
	mph_space *sc;
	mph_mlp *mlp;
	mph_model *m;
	mph_rng rng;
	json_t *js;
	size_t k;
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
	mph_rng_seed(&rng, o->seed);
	mlp = mph_mlp_new(mph_space_nfeatures(s), o->nhidden, o->hidden);
	mph_mlp_init(mlp, &rng);
	if (mph_meta_train(mlp, &sub, &o->meta, &rng, err) != 0) {
		free(sub.tasks);
		mph_mlp_free(mlp);
		return NULL;
	}
	free(sub.tasks);
	js = mph_space_to_json(s);
	sc = mph_space_from_json(js, NULL, err);
	json_decref(js);
	if (sc == NULL) { mph_mlp_free(mlp); return NULL; }
	if ((m = mph_model_new(sc, mlp, metric, o->meta.norm, err)) == NULL) {
		mph_space_free(sc);
		mph_mlp_free(mlp);
		return NULL;
	}
	m->fail_value = o->fail_value;
	m->adapt = o->adapt;
	mph_meta_adapt_defaults(&o->meta, &m->adapt);
	json_object_set_new(m->provenance, "tool", json_string("mph-eval"));
	json_object_set_new(m->provenance, "version", json_string(MPH_VERSION));
	json_object_set_new(m->provenance, "mode", json_string(o->meta.mode == MPH_META_PRETRAIN ? "pretrain" :
	                                                       o->meta.mode == MPH_META_FOMAML ? "fomaml" : "maml"));
	return m;
}
