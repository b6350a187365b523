/* Meta-training of an mph_mlp over the tasks of a trace: MAML (exact second
 * order or first order) and plain pooled pretraining, both on the same
 * K-shot episodes and the same per-task target normalisation that
 * adaptation uses later, so what is learnt is what is used. */
#include <math.h>
#include <string.h>
#include "learn/learn.h"

/* ---- the MAML meta-gradient of one task ---- */

typedef struct {
	mph_mlp *w;       /* holds the inner-loop weights */
	size_t np;
	int steps;
	double *theta;    /* (steps + 1) x np: the inner-loop trajectory */
	double *g, *hv;
} maml_ws;

static void ws_init(maml_ws *ws, const mph_mlp *m, int steps)
{
	ws->w = mph_mlp_clone(m);
	ws->np = mph_mlp_nparams(m);
	ws->steps = steps;
	ws->theta = mph_malloc((size_t)(steps + 1) * ws->np * sizeof(double));
	ws->g = mph_malloc(ws->np * sizeof(double));
	ws->hv = mph_malloc(ws->np * sizeof(double));
}

static void ws_free(maml_ws *ws)
{
	mph_mlp_free(ws->w);
	free(ws->theta); free(ws->g); free(ws->hv);
}

/* theta_{j+1} = theta_j - lr grad L_S(theta_j); the meta-gradient is
 * prod_j (I - lr H_S(theta_j)) grad L_Q(theta_d), applied right to left as
 * d Hessian-vector products. */
static double task_grad(maml_ws *ws, const double *theta0, const double *Xs, const double *ys,
                        size_t ns, const double *Xq, const double *yq, size_t nq, double lr,
                        int first_order, double *grad)
{
	size_t np = ws->np, i;
	double *w = mph_mlp_params(ws->w), lossq;
	int j;
	memcpy(ws->theta, theta0, np * sizeof(double));
	for (j = 0; j < ws->steps; j++) {
		double *tj = ws->theta + (size_t)j * np, *tn = tj + np;
		memcpy(w, tj, np * sizeof(double));
		mph_mlp_loss_grad(ws->w, Xs, ys, ns, ws->g);
		for (i = 0; i < np; i++) tn[i] = tj[i] - lr * ws->g[i];
	}
	memcpy(w, ws->theta + (size_t)ws->steps * np, np * sizeof(double));
	lossq = mph_mlp_loss_grad(ws->w, Xq, yq, nq, grad);
	if (!first_order)
		for (j = ws->steps - 1; j >= 0; j--) {
			memcpy(w, ws->theta + (size_t)j * np, np * sizeof(double));
			mph_mlp_hvp(ws->w, Xs, ys, ns, grad, ws->hv);
			for (i = 0; i < np; i++) grad[i] -= lr * ws->hv[i];
		}
	return lossq;
}

double mph_maml_task_grad(mph_mlp *m, const double *Xs, const double *ys, size_t ns,
                          const double *Xq, const double *yq, size_t nq, int steps, double lr,
                          int first_order, double *grad)
{
	maml_ws ws;
	double loss;
	ws_init(&ws, m, steps < 0 ? 0 : steps);
	loss = task_grad(&ws, mph_mlp_params_const(m), Xs, ys, ns, Xq, yq, nq, lr, first_order, grad);
	ws_free(&ws);
	return loss;
}

/* ---- meta-training ---- */

static const char *const mode_names[] = {"maml", "fomaml", "pretrain"};

const char *mph_meta_mode_name(mph_meta_mode mode)
{
	return (unsigned)mode < 3 ? mode_names[mode] : "?";
}

int mph_meta_mode_parse(const char *name, mph_meta_mode *mode)
{
	int i;
	for (i = 0; i < 3; i++)
		if (strcmp(name, mode_names[i]) == 0) {
			*mode = (mph_meta_mode)i;
			return 0;
		}
	return -1;
}

void mph_meta_opts_default(mph_meta_opts *o)
{
	memset(o, 0, sizeof *o);
	o->mode = MPH_META_MAML;
	o->iters = 1000;
	o->meta_batch = 4;
	o->shots = 16;
	o->query = 64;
	o->inner_steps = 10;
	o->inner_lr = 0.03;
	o->outer_lr = 1e-3;
	o->norm = MPH_NORM_ZSCORE;
}

void mph_meta_adapt_defaults(const mph_meta_opts *o, mph_train_opts *adapt)
{
	int pretrain = o->mode == MPH_META_PRETRAIN;
	if (adapt->steps < 0) adapt->steps = pretrain ? MPH_PRETRAIN_ADAPT_STEPS : o->inner_steps;
	if (adapt->lr < 0) adapt->lr = pretrain ? MPH_PRETRAIN_ADAPT_LR : o->inner_lr;
}

int mph_meta_train(mph_mlp *m, const mph_trace *t, const mph_meta_opts *o, mph_rng *rng,
                   mph_error *err)
{
	size_t nf = t->nfeatures, np = mph_mlp_nparams(m), maxn = 0, i, k;
	size_t nb, *tperm, *rperm, total = 0;
	double *Xs, *ys, *Xq, *yq, *g, *gsum, *am, *av, *p = mph_mlp_params(m);
	double b1 = 0.9, b2 = 0.999, b1t = 1.0, b2t = 1.0;
	maml_ws ws;
	int it, rc = 0;

	if (mph_mlp_nin(m) != nf)
		return mph_error_set(err, NULL, 0, 0, "network has %zu inputs, the trace encodes %zu features",
		                     mph_mlp_nin(m), nf);
	if (o->iters < 0 || o->meta_batch < 1 || o->shots < 1 || o->query < 1 || o->inner_steps < 0 ||
	    !(o->inner_lr >= 0.0) || !(o->outer_lr > 0.0))
		return mph_error_set(err, NULL, 0, 0, "invalid meta-training settings");
	for (k = 0; k < t->ntasks; k++) {
		const mph_task *tk = &t->tasks[k];
		if (tk->n < (size_t)o->shots + 1)
			return mph_error_set(err, NULL, 0, 0,
			                     "task '%s' has %zu rows, fewer than %d (%d shots + 1 query)",
			                     tk->name, tk->n, o->shots + 1, o->shots);
		if (tk->n > maxn) maxn = tk->n;
		total += tk->n;
	}
	if (total == 0) return mph_error_set(err, NULL, 0, 0, "the trace has no rows");

	nb = (size_t)o->meta_batch < t->ntasks ? (size_t)o->meta_batch : t->ntasks;
	tperm = mph_malloc(t->ntasks * sizeof *tperm);
	rperm = mph_malloc(maxn * sizeof *rperm);
	Xs = mph_malloc((size_t)o->shots * nf * sizeof(double));
	ys = mph_malloc((size_t)o->shots * sizeof(double));
	Xq = mph_malloc((size_t)(o->shots + o->query) * nf * sizeof(double));
	yq = mph_malloc((size_t)(o->shots + o->query) * sizeof(double));
	g = mph_malloc(np * sizeof(double));
	gsum = mph_malloc(np * sizeof(double));
	am = mph_calloc(np, sizeof(double));
	av = mph_calloc(np, sizeof(double));
	ws_init(&ws, m, o->mode == MPH_META_PRETRAIN ? 0 : o->inner_steps);

	for (it = 0; it < o->iters; it++) {
		double lsum = 0.0, c1, c2;
		for (k = 0; k < t->ntasks; k++) tperm[k] = k;
		mph_rng_draw(rng, tperm, t->ntasks, nb);
		memset(gsum, 0, np * sizeof(double));
		for (k = 0; k < nb; k++) {
			const mph_task *tk = &t->tasks[tperm[k]];
			size_t ns = (size_t)o->shots, nq = (size_t)o->query, r;
			mph_norm nm;
			if (ns + nq > tk->n) nq = tk->n - ns;
			/* Support and query: distinct rows, a partial Fisher-Yates. */
			for (r = 0; r < tk->n; r++) rperm[r] = r;
			mph_rng_draw(rng, rperm, tk->n, ns + nq);
			for (r = 0; r < ns; r++) {
				memcpy(Xs + r * nf, tk->x + rperm[r] * nf, nf * sizeof(double));
				ys[r] = tk->y[rperm[r]];
			}
			for (r = 0; r < nq; r++) {
				memcpy(Xq + r * nf, tk->x + rperm[ns + r] * nf, nf * sizeof(double));
				yq[r] = tk->y[rperm[ns + r]];
			}
			nm = mph_norm_fit(o->norm, ys, ns);
			mph_norm_apply(&nm, ys, ns, ys);
			mph_norm_apply(&nm, yq, nq, yq);
			if (o->mode == MPH_META_PRETRAIN) {
				/* The pooled regression sees support and query alike. */
				memcpy(Xq + nq * nf, Xs, ns * nf * sizeof(double));
				memcpy(yq + nq, ys, ns * sizeof(double));
				lsum += mph_mlp_loss_grad(m, Xq, yq, nq + ns, g);
			} else {
				lsum += task_grad(&ws, p, Xs, ys, ns, Xq, yq, nq, o->inner_lr,
				                  o->mode == MPH_META_FOMAML, g);
			}
			for (i = 0; i < np; i++) gsum[i] += g[i];
		}
		if (!isfinite(lsum)) {
			rc = mph_error_set(err, NULL, 0, 0,
			                   "meta-training diverged at iteration %d (try a smaller learning rate)",
			                   it + 1);
			break;
		}
		/* Adam on the mean meta-gradient. */
		b1t *= b1; b2t *= b2;
		c1 = o->outer_lr / (1.0 - b1t);
		c2 = 1.0 / (1.0 - b2t);
		for (i = 0; i < np; i++) {
			double gi = gsum[i] / (double)nb;
			am[i] = b1 * am[i] + (1.0 - b1) * gi;
			av[i] = b2 * av[i] + (1.0 - b2) * gi * gi;
			p[i] -= c1 * am[i] / (sqrt(av[i] * c2) + 1e-8);
		}
		if (o->progress) o->progress(o->progress_ctx, it + 1, o->iters, lsum / (double)nb);
	}
	for (i = 0; i < np && rc == 0; i++)
		if (!isfinite(p[i]))
			rc = mph_error_set(err, NULL, 0, 0, "meta-training produced non-finite weights");

	ws_free(&ws);
	free(tperm); free(rperm); free(Xs); free(ys); free(Xq); free(yq);
	free(g); free(gsum); free(am); free(av);
	return rc;
}
