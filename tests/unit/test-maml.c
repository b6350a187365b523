/* MAML meta-gradient against finite differences of the adapted query loss
 * (second order exact, first order as documented), and the normalisation. */
#include <stdlib.h>
#include <string.h>
#include "learn/learn.h"
#include "unit.h"

#define NIN 3
#define NS 6
#define NQ 9
#define STEPS 3
#define LR 0.1

/* The function MAML differentiates: query loss after STEPS SGD steps. */
static double adapted_loss(const mph_mlp *m, const double *Xs, const double *ys,
                           const double *Xq, const double *yq)
{
	mph_mlp *w = mph_mlp_clone(m);
	mph_train_opts o = {MPH_OPT_SGD, STEPS, LR, 0, 0};
	double l;
	mph_mlp_train(w, Xs, ys, NS, &o, NULL);
	l = mph_mlp_loss_grad(w, Xq, yq, NQ, NULL);
	mph_mlp_free(w);
	return l;
}

int main(void)
{
	size_t hidden[2] = {6, 5}, np, i;
	mph_mlp *m = mph_mlp_new(NIN, 2, hidden);
	mph_rng r;
	double Xs[NS * NIN], ys[NS], Xq[NQ * NIN], yq[NQ], *g, *gf, *p, h = 1e-6, maxerr = 0, scale = 0;
	double lq;

	np = mph_mlp_nparams(m);
	mph_rng_seed(&r, 3);
	mph_mlp_init(m, &r);
	p = mph_mlp_params(m);
	for (i = 0; i < np; i++) p[i] += 0.1 * mph_rng_normal(&r);
	for (i = 0; i < NS * NIN; i++) Xs[i] = mph_rng_uniform(&r);
	for (i = 0; i < NQ * NIN; i++) Xq[i] = mph_rng_uniform(&r);
	for (i = 0; i < NS; i++) ys[i] = mph_rng_normal(&r);
	for (i = 0; i < NQ; i++) yq[i] = mph_rng_normal(&r);
	g = malloc(np * sizeof *g); gf = malloc(np * sizeof *gf);

	lq = mph_maml_task_grad(m, Xs, ys, NS, Xq, yq, NQ, STEPS, LR, 0, g);
	CHECK_NEAR(lq, adapted_loss(m, Xs, ys, Xq, yq), 1e-12);
	for (i = 0; i < np; i++) {
		double s = p[i], lp, lm, fd;
		p[i] = s + h; lp = adapted_loss(m, Xs, ys, Xq, yq);
		p[i] = s - h; lm = adapted_loss(m, Xs, ys, Xq, yq);
		p[i] = s;
		fd = (lp - lm) / (2 * h);
		if (fabs(fd - g[i]) > maxerr) maxerr = fabs(fd - g[i]);
		if (fabs(fd) > scale) scale = fabs(fd);
	}
	CHECK(scale > 1e-3); /* the check is not vacuous */
	CHECK_NEAR(maxerr, 0, 1e-6);

	/* First order: the query gradient at the adapted weights. It differs
	 * from the exact meta-gradient (so the Hessian terms matter here). */
	mph_maml_task_grad(m, Xs, ys, NS, Xq, yq, NQ, STEPS, LR, 1, gf);
	{
		mph_mlp *w = mph_mlp_clone(m);
		mph_train_opts o = {MPH_OPT_SGD, STEPS, LR, 0, 0};
		double *gq = malloc(np * sizeof *gq), d = 0, dd = 0;
		mph_mlp_train(w, Xs, ys, NS, &o, NULL);
		mph_mlp_loss_grad(w, Xq, yq, NQ, gq);
		for (i = 0; i < np; i++) {
			if (fabs(gq[i] - gf[i]) > d) d = fabs(gq[i] - gf[i]);
			if (fabs(g[i] - gf[i]) > dd) dd = fabs(g[i] - gf[i]);
		}
		CHECK_NEAR(d, 0, 1e-12);
		CHECK(dd > 1e-4);
		free(gq);
		mph_mlp_free(w);
	}
	/* Zero inner steps: the meta-gradient is the plain gradient. */
	mph_maml_task_grad(m, Xs, ys, NS, Xq, yq, NQ, 0, LR, 0, g);
	mph_mlp_loss_grad(m, Xq, yq, NQ, gf);
	for (i = 0; i < np; i++) CHECK_NEAR(g[i], gf[i], 0);

	/* Normalisation rules. */
	{
		double y[4] = {0, 2, 8, 4}, z[4], back[4];
		mph_norm nm = mph_norm_fit(MPH_NORM_MAX, y, 4);
		mph_norm_kind k;
		CHECK_NEAR(nm.shift, 0, 0); CHECK_NEAR(nm.scale, 8, 0);
		mph_norm_apply(&nm, y, 4, z);
		CHECK_NEAR(z[2], 1, 0); CHECK_NEAR(z[0], 0, 0);
		nm = mph_norm_fit(MPH_NORM_ZSCORE, y, 4);
		CHECK_NEAR(nm.shift, 3.5, 1e-15);
		CHECK_NEAR(nm.scale, sqrt(35.0 / 3.0), 1e-12);
		mph_norm_apply(&nm, y, 4, z);
		mph_norm_invert(&nm, z, 4, back);
		for (i = 0; i < 4; i++) CHECK_NEAR(back[i], y[i], 1e-12);
		/* All failed: identity scale, nothing divides by zero. */
		memset(y, 0, sizeof y);
		nm = mph_norm_fit(MPH_NORM_MAX, y, 4);
		CHECK(nm.scale == 1 && nm.shift == 0);
		nm = mph_norm_fit(MPH_NORM_ZSCORE, y, 4);
		CHECK(nm.scale == 1 && nm.shift == 0);
		nm = mph_norm_fit(MPH_NORM_MAX, y, 0);
		CHECK(nm.scale == 1);
		CHECK(mph_norm_parse("zscore", &k) == 0 && k == MPH_NORM_ZSCORE);
		CHECK(mph_norm_parse("bogus", &k) == -1);
		CHECK(strcmp(mph_norm_name(MPH_NORM_MAX), "max") == 0);
	}
	mph_mlp_free(m);
	free(g); free(gf);
	return UNIT_DONE();
}
