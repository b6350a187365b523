/* learn/learn.h: libmph's private header for the learn layer: the MLP, MAML,
 * target normalisation, model files, traces as training data, the GP. Not
 * installed; the library's files and the unit tests include it. What the tools
 * call is in mph.h. */
#ifndef MPH_LEARN_H
#define MPH_LEARN_H
#include "mph.h"
#include "space/space.h"

/* ---- multilayer perceptron ---- */
mph_mlp *mph_mlp_clone(const mph_mlp *m);

/* Copies src's parameters into dst of the same shape; no allocation.
 * 0, or -1 if the shapes differ. */
int mph_mlp_copy(mph_mlp *dst, const mph_mlp *src);
size_t mph_mlp_nin(const mph_mlp *m);
size_t mph_mlp_nhidden(const mph_mlp *m);
size_t mph_mlp_hidden(const mph_mlp *m, size_t i);
double *mph_mlp_params(mph_mlp *m); /* nparams values, writable */

const double *mph_mlp_params_const(const mph_mlp *m);

/* From here on m computes with the nparams values at p, which stay the
 * caller's (it must not train or write them through m); NULL: its own
 * again. Saves copying parameters in and out, as MAML's inner loop would
 * at every step. */
void mph_mlp_bind(mph_mlp *m, const double *p);

/* out[i] = f(X row i), X is n x nin row-major. */
void mph_mlp_predict(mph_mlp *m, const double *X, size_t n, double *out);

/* Mean squared error over n rows; grad (nparams, may be NULL) gets its
 * gradient with respect to the parameters. */
double mph_mlp_loss_grad(mph_mlp *m, const double *X, const double *y, size_t n,
                         double *grad);

/* hv = H v, the Hessian of the loss at the current parameters times v
 * (exact, Pearlmutter's R-operator); returns the loss. */
double mph_mlp_hvp(mph_mlp *m, const double *X, const double *y, size_t n,
                   const double *v, double *hv);

/* A tape: the activations and deltas of one forward and backward pass on
 * n rows (mph_mlp_tape_len doubles), which Hessian-vector products at the
 * same parameters reuse rather than recompute. mph_mlp_loss_grad_tape is
 * mph_mlp_loss_grad that also fills tape (grad may be NULL);
 * mph_mlp_hvp_tape is mph_mlp_hvp from a tape recorded at m's current
 * parameters on the same X. */
size_t mph_mlp_tape_len(const mph_mlp *m, size_t n);
double mph_mlp_loss_grad_tape(mph_mlp *m, const double *X, const double *y, size_t n,
                              double *grad, double *tape);
void mph_mlp_hvp_tape(mph_mlp *m, const double *X, size_t n, const double *tape, const double *v,
                      double *hv);

/* v = v - lr H v in place, H from the tape as mph_mlp_hvp_tape (the step
 * summed with the product, so not the two apart to the bit). */
void mph_mlp_hvp_step_tape(mph_mlp *m, const double *X, size_t n, const double *tape, double lr,
                           double *v);

/* One SGD step from m's parameters into next (nparams values, m's own
 * left as they were): next = p - lr grad, the loss's gradient on X, y,
 * recorded on tape when non-NULL; returns the loss at p. */
double mph_mlp_sgd_step_tape(mph_mlp *m, const double *X, const double *y, size_t n, double lr,
                             double *next, double *tape);

/* Returns the loss over all n rows after the last step. */
double mph_mlp_train(mph_mlp *m, const double *X, const double *y, size_t n,
                     const mph_train_opts *o, mph_rng *rng);

/* ---- target normalisation ---- */
mph_norm mph_norm_fit(mph_norm_kind kind, const double *y, size_t n);
void mph_norm_apply(const mph_norm *nm, const double *y, size_t n, double *z);
void mph_norm_invert(const mph_norm *nm, const double *z, size_t n, double *y);

/* ---- meta-training ---- */
const char *mph_meta_mode_name(mph_meta_mode mode); /* "maml", "fomaml", "pretrain" */
void mph_meta_adapt_defaults(const mph_meta_opts *o, mph_train_opts *adapt);

/* Meta-trains n networks at once, network k from its own rng[k], on
 * o->threads threads: each network gets the bytes mph_meta_train gives it
 * alone, whatever the thread count. o->progress, when set, is called under
 * a lock, after member(ctx, k, n) (when set) names the network. 0, or -1
 * with err set to the error of the lowest-numbered network that failed. */
int mph_meta_train_many(mph_mlp **m, size_t n, const mph_trace *t, const mph_meta_opts *o,
                        mph_rng *rng, void (*member)(void *ctx, size_t k, size_t n),
                        mph_error *err);

/* The MAML meta-gradient for one task: grad = d/dtheta of the query loss
 * after `steps` SGD steps of size lr on the support set from theta = m's
 * parameters (m is left unchanged); first_order drops the Hessian terms.
 * Returns the query loss after adaptation. Exposed for tests. */
double mph_maml_task_grad(mph_mlp *m, const double *Xs, const double *ys, size_t ns,
                          const double *Xq, const double *yq, size_t nq,
                          int steps, double lr, int first_order, double *grad);

/* ---- traces ---- */
/* A trace's rows by task (mph_trace_load). */
typedef struct {
	char *name;            /* task name */
	size_t n;              /* rows */
	size_t *idx;           /* n x nknobs value indices */
	double *x;             /* n x nfeatures, mph_space_encode */
	double *y;             /* n metric values, failures replaced */
	unsigned char *failed; /* n flags: 1 where status was not ok */
} mph_task;
struct mph_trace {
	size_t nknobs, nfeatures;
	size_t ntasks;
	mph_task *tasks;        /* in order of first appearance */
	uint64_t digest;        /* mph_trial_digest over the rows read (provenance) */
};

/* ---- model ---- */
/* What a model file holds (mph.h's model section), and the scratch memory
 * that lets prediction and adaptation allocate nothing once warm. */
struct mph_model {
	mph_space *space;       /* owned unless shared with the model cloned */
	int own_space;
	mph_mlp *mlp;           /* owned: the network, the first of an ensemble */
	size_t nmembers;        /* networks; more than 1: an ensemble of meta-models
	                           trained from different seeds, whose prediction is
	                           the mean of theirs (one seed's luck averaged out) */
	mph_mlp **members;      /* owned; members[0] == mlp */
	char *metric;           /* owned; the trace column it was trained on */
	double fail_value;      /* the metric given to failed configurations */
	mph_norm_kind norm;     /* per-task normalisation rule */
	mph_train_opts adapt;   /* default adaptation (mph-adapt, mph-suggest) */
	int adapted;            /* 1 once task_norm holds a fitted normalisation */
	mph_norm task_norm;     /* maps network output back to metric units */
	json_t *provenance;     /* owned object: tool, version, args, mode, data digest... */
	double *zbuf;           /* scratch, owned */
	size_t zcap;
	double *pbuf;           /* scratch, owned */
	size_t pcap;
};
mph_model *mph_model_from_json(json_t *j, const char *file, mph_error *err);
json_t *mph_model_to_json(const mph_model *m); /* new reference */

/* Network k's own predictions, in metric units (k < nmembers). */
void mph_model_predict_member(mph_model *m, size_t k, const double *X, size_t n, double *out);

/* ---- training a model ---- */
/* The meta-training options as provenance records them (new reference):
 * iters, meta_batch, shots, query, inner_steps, inner_lr, outer_lr, norm,
 * fail_value, seed (a string), and ensemble when more than one network. */
json_t *mph_model_train_opts_to_json(const mph_model_train_opts *o);

/* Member 0's seed is seed itself (an ensemble of one is the lone network). */
uint64_t mph_model_member_seed(uint64_t seed, size_t k);

/* ---- gaussian process ---- */
/* Exact GP regression over encoded features (n x d row-major), Matern 5/2
 * kernel with one length scale per feature (ARD). Hyper-parameters theta
 * (d + 2 values) are log length scales, log signal variance, log noise
 * variance, the variances in normalised target units (y standardised when
 * asked). The GP copies what it is given. */
typedef struct mph_gp mph_gp;
void mph_gp_opts_init(mph_gp_opts *o);
mph_gp *mph_gp_new(size_t d);
void mph_gp_free(mph_gp *g);
size_t mph_gp_dim(const mph_gp *g);
size_t mph_gp_n(const mph_gp *g);
void mph_gp_hyper(const mph_gp *g, double *theta);
void mph_gp_set_hyper(mph_gp *g, const double *theta);

/* Conditions on (x, y) with the current hyper-parameters; 0 or -1. */
int mph_gp_condition(mph_gp *g, const double *x, const double *y, size_t n, int normalize,
                     mph_error *err);

/* Fits theta by maximising the log marginal likelihood (L-BFGS with
 * analytic gradients, seeded restarts, theta kept inside a box that keeps
 * the kernel well conditioned), then conditions on (x, y); 0 or -1. */
int mph_gp_fit(mph_gp *g, const double *x, const double *y, size_t n, const mph_gp_opts *o,
               mph_error *err);

/* Log marginal likelihood of the conditioned (normalised) targets at the
 * current theta and, when grad is non-NULL, its gradient in theta;
 * -INFINITY if the kernel matrix cannot be factored. */
double mph_gp_lml(mph_gp *g, double *grad);

/* Posterior mean and variance of the latent function (y units) at m
 * points; var may be NULL; 0, or -1 when not conditioned. */
int mph_gp_predict(mph_gp *g, const double *xs, size_t m, double *mean, double *var);

/* Maximising acquisitions: mean + kappa sd, and expected improvement over
 * best + xi. */
double mph_gp_ucb(double mean, double var, double kappa);
double mph_gp_ei(double mean, double var, double best, double xi);

#endif
