/* MLP: gradients and Hessian-vector products against finite differences,
 * training, copying. */
#include <stdlib.h>
#include <string.h>
#include "learn/learn.h"
#include "unit.h"

#define NIN 3
#define N 7

static double loss_at(mph_mlp *m, const double *X, const double *y)
{
	return mph_mlp_loss_grad(m, X, y, N, NULL);
}

int main(void)
{
	size_t hidden[2] = {5, 4}, np, i;
	mph_mlp *m = mph_mlp_new(NIN, 2, hidden), *c;
	mph_rng r;
	double X[N * NIN], y[N], *g, *g2, *v, *hv, *p, h = 1e-6, maxerr;

	CHECK(m != NULL);
	np = mph_mlp_nparams(m);
	CHECK(np == NIN * 5 + 5 + 5 * 4 + 4 + 4 + 1);
	CHECK(mph_mlp_nin(m) == NIN && mph_mlp_nhidden(m) == 2 && mph_mlp_hidden(m, 1) == 4);
	mph_rng_seed(&r, 7);
	mph_mlp_init(m, &r);
	p = mph_mlp_params(m);
	/* Biases off zero so no unit sits exactly on its kink. */
	for (i = 0; i < np; i++) p[i] += 0.1 * mph_rng_normal(&r);
	for (i = 0; i < N * NIN; i++) X[i] = mph_rng_uniform(&r);
	for (i = 0; i < N; i++) y[i] = mph_rng_normal(&r);
	g = malloc(np * sizeof *g); g2 = malloc(np * sizeof *g2);
	v = malloc(np * sizeof *v); hv = malloc(np * sizeof *hv);

	/* First order: central differences of the loss. */
	mph_mlp_loss_grad(m, X, y, N, g);
	maxerr = 0;
	for (i = 0; i < np; i++) {
		double s = p[i], lp, lm, fd;
		p[i] = s + h; lp = loss_at(m, X, y);
		p[i] = s - h; lm = loss_at(m, X, y);
		p[i] = s;
		fd = (lp - lm) / (2 * h);
		if (fabs(fd - g[i]) > maxerr) maxerr = fabs(fd - g[i]);
	}
	CHECK_NEAR(maxerr, 0, 1e-7);

	/* Second order: H v against central differences of the gradient. */
	for (i = 0; i < np; i++) v[i] = mph_rng_normal(&r);
	mph_mlp_hvp(m, X, y, N, v, hv);
	{
		double *pp = malloc(np * sizeof *pp), *gp = malloc(np * sizeof *gp);
		memcpy(pp, p, np * sizeof *p);
		for (i = 0; i < np; i++) p[i] = pp[i] + h * v[i];
		mph_mlp_loss_grad(m, X, y, N, gp);
		for (i = 0; i < np; i++) p[i] = pp[i] - h * v[i];
		mph_mlp_loss_grad(m, X, y, N, g2);
		memcpy(p, pp, np * sizeof *p);
		maxerr = 0;
		for (i = 0; i < np; i++) {
			double fd = (gp[i] - g2[i]) / (2 * h);
			if (fabs(fd - hv[i]) > maxerr) maxerr = fabs(fd - hv[i]);
		}
		CHECK_NEAR(maxerr, 0, 1e-6);
		free(pp); free(gp);
	}
	/* The Hessian is symmetric: u.Hv == v.Hu. */
	{
		double *u = malloc(np * sizeof *u), *hu = malloc(np * sizeof *hu), a = 0, b = 0;
		for (i = 0; i < np; i++) u[i] = mph_rng_normal(&r);
		mph_mlp_hvp(m, X, y, N, u, hu);
		for (i = 0; i < np; i++) { a += u[i] * hv[i]; b += v[i] * hu[i]; }
		CHECK_NEAR(a, b, 1e-9 * (1 + fabs(a)));
		free(u); free(hu);
	}

	/* predict agrees with the loss, and a clone predicts the same. */
	{
		double out[N], out2[N], l = 0;
		mph_mlp_predict(m, X, N, out);
		for (i = 0; i < N; i++) l += (out[i] - y[i]) * (out[i] - y[i]);
		CHECK_NEAR(l / N, loss_at(m, X, y), 1e-12);
		c = mph_mlp_clone(m);
		mph_mlp_predict(c, X, N, out2);
		CHECK(memcmp(out, out2, sizeof out) == 0);
		/* Predicting a larger batch first then a smaller one reuses scratch. */
		mph_mlp_predict(c, X, 3, out2);
		CHECK(memcmp(out, out2, 3 * sizeof *out) == 0);
	}

	/* Training lowers the loss: SGD, Adam, minibatch Adam. */
	{
		mph_train_opts o = {MPH_OPT_SGD, 200, 0.05, 0, 0};
		double l0 = loss_at(c, X, y), l1;
		l1 = mph_mlp_train(c, X, y, N, &o, &r);
		CHECK(l1 < 0.5 * l0);
		mph_mlp_copy(c, m);
		CHECK_NEAR(loss_at(c, X, y), l0, 0);
		o.opt = MPH_OPT_ADAM; o.lr = 0.01;
		l1 = mph_mlp_train(c, X, y, N, &o, &r);
		CHECK(l1 < 0.1 * l0);
		mph_mlp_copy(c, m);
		o.batch = 3;
		l1 = mph_mlp_train(c, X, y, N, &o, &r);
		CHECK(l1 < 0.5 * l0);
	}
	{
		size_t other[2] = {5, 5};
		mph_mlp *d = mph_mlp_new(NIN, 2, other);
		CHECK(mph_mlp_copy(d, m) == -1);
		mph_mlp_free(d);
		CHECK(mph_mlp_new(0, 2, other) == NULL);
	}
	mph_mlp_free(NULL);
	mph_mlp_free(c);
	mph_mlp_free(m);
	free(g); free(g2); free(v); free(hv);
	return UNIT_DONE();
}
