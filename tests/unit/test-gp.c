/* Gaussian process: posterior against a hand-worked two-point example, the
 * marginal-likelihood gradient against finite differences, the fit, and the
 * acquisitions. */
#include <string.h>
#include "learn/learn.h"
#include "unit.h"

static double matern52(double r)
{
	double s = sqrt(5.0) * r;
	return (1.0 + s + s * s / 3.0) * exp(-s);
}

/* Two points in 1-D, theta fixed: the posterior in closed form with the
 * explicit 2x2 inverse, and the numbers it gives (worked out separately). */
static void two_points(void)
{
	double x[2] = {0.0, 1.0}, y[2] = {1.0, 0.2};
	double theta[3] = {log(0.5), log(2.0), log(0.01)};
	double xs[3] = {0.0, 0.5, 2.0}, mean[3], var[3];
	double want_mean[3] = {0.9950682802284805, 0.5498074691028786, 0.013436174386367059};
	double want_var[3] = {0.00994928332256162, 1.039680417327862, 1.9613200209911592};
	double sf2 = 2.0, sn2 = 0.01, a = sf2 + sn2, b = sf2 * matern52(2.0), det = a * a - b * b;
	mph_gp *g = mph_gp_new(1);
	int i;

	mph_gp_set_hyper(g, theta);
	CHECK(mph_gp_condition(g, x, y, 2, 0, NULL) == 0);
	CHECK(mph_gp_predict(g, xs, 3, mean, var) == 0);
	for (i = 0; i < 3; i++) {
		double k0 = sf2 * matern52(fabs(xs[i] - x[0]) / 0.5), k1 = sf2 * matern52(fabs(xs[i] - x[1]) / 0.5);
		double al0 = (a * y[0] - b * y[1]) / det, al1 = (a * y[1] - b * y[0]) / det;
		double m = k0 * al0 + k1 * al1;
		double v = sf2 - (k0 * (a * k0 - b * k1) + k1 * (a * k1 - b * k0)) / det;
		CHECK_NEAR(mean[i], m, 1e-12);
		CHECK_NEAR(var[i], v, 1e-12);
		CHECK_NEAR(mean[i], want_mean[i], 1e-12);
		CHECK_NEAR(var[i], want_var[i], 1e-12);
	}
	CHECK_NEAR(mph_gp_lml(g, NULL), -2.7761340458584343, 1e-12);

	/* Standardising y and back must not change a prediction's units: the
	 * mean at a training point stays near its target. */
	CHECK(mph_gp_condition(g, x, y, 2, 1, NULL) == 0);
	CHECK(mph_gp_predict(g, xs, 1, mean, NULL) == 0);
	CHECK_NEAR(mean[0], 1.0, 0.05);
	mph_gp_free(g);
}

/* dLML/dtheta against central differences, on random data in 3-D with
 * distinct length scales, and on data with a repeated input. */
static void lml_gradient(void)
{
	enum { N = 12, D = 3, P = D + 2 };
	double x[N * D], y[N], theta[P] = {log(0.3), log(1.7), log(0.6), log(1.3), log(0.05)};
	double grad[P], t2[P], h = 1e-5;
	mph_rng r;
	mph_gp *g = mph_gp_new(D);
	int i, p;

	mph_rng_seed(&r, 7);
	for (i = 0; i < N * D; i++) x[i] = mph_rng_uniform(&r);
	for (i = 0; i < N; i++) y[i] = sin(3.0 * x[i * D]) + x[i * D + 1] * x[i * D + 2] + 0.1 * mph_rng_normal(&r);
	memcpy(x + (N - 1) * D, x, D * sizeof *x); /* a repeated configuration */
	mph_gp_set_hyper(g, theta);
	CHECK(mph_gp_condition(g, x, y, N, 1, NULL) == 0);
	CHECK(isfinite(mph_gp_lml(g, grad)));
	for (p = 0; p < P; p++) {
		double fp, fm;
		memcpy(t2, theta, sizeof t2);
		t2[p] += h; mph_gp_set_hyper(g, t2); fp = mph_gp_lml(g, NULL);
		t2[p] -= 2 * h; mph_gp_set_hyper(g, t2); fm = mph_gp_lml(g, NULL);
		CHECK_NEAR(grad[p], (fp - fm) / (2 * h), 1e-6 * (1.0 + fabs(grad[p])));
	}
	mph_gp_free(g);
}

/* The fit must not end below its start, and must explain a smooth function
 * well enough to predict between the samples. */
static void fit(void)
{
	enum { N = 15 };
	double x[N], y[N], th0[3] = {log(0.5), 0.0, log(1e-2)}, th[3], xs[1] = {0.52}, m, v, l0, l1;
	mph_gp_opts o;
	mph_gp *g = mph_gp_new(1), *g2 = mph_gp_new(1);
	int i;

	for (i = 0; i < N; i++) { x[i] = i / (double)(N - 1); y[i] = 10.0 + 5.0 * sin(6.0 * x[i]); }
	mph_gp_set_hyper(g, th0);
	CHECK(mph_gp_condition(g, x, y, N, 1, NULL) == 0);
	l0 = mph_gp_lml(g, NULL);
	mph_gp_opts_init(&o);
	CHECK(mph_gp_fit(g, x, y, N, &o, NULL) == 0);
	l1 = mph_gp_lml(g, NULL);
	CHECK(l1 >= l0);
	CHECK(mph_gp_predict(g, xs, 1, &m, &v) == 0);
	CHECK_NEAR(m, 10.0 + 5.0 * sin(6.0 * 0.52), 0.05);
	CHECK(v >= 0.0 && v < 0.05);
	/* same seed, same fit */
	CHECK(mph_gp_fit(g2, x, y, N, &o, NULL) == 0);
	mph_gp_hyper(g, th0); mph_gp_hyper(g2, th);
	for (i = 0; i < 3; i++) CHECK(th0[i] == th[i]);
	/* a constant history, and a single point, still fit */
	for (i = 0; i < N; i++) y[i] = 3.0;
	CHECK(mph_gp_fit(g, x, y, N, &o, NULL) == 0);
	CHECK(mph_gp_predict(g, xs, 1, &m, &v) == 0);
	CHECK_NEAR(m, 3.0, 1e-6);
	CHECK(mph_gp_fit(g, x, y, 1, &o, NULL) == 0);
	y[0] = NAN;
	CHECK(mph_gp_fit(g, x, y, 1, &o, NULL) == -1);
	mph_gp_free(g);
	mph_gp_free(g2);
}

static void acquisitions(void)
{
	/* EI(mu = 1, sd = 1, best 0) = Phi(1) + phi(1) */
	CHECK_NEAR(mph_gp_ei(1.0, 1.0, 0.0, 0.0), 0.8413447460685429 + 0.24197072451914337, 1e-12);
	CHECK_NEAR(mph_gp_ei(0.0, 4.0, 0.0, 0.0), 2.0 * 0.3989422804014327, 1e-12);
	CHECK_NEAR(mph_gp_ei(2.0, 0.0, 1.0, 0.0), 1.0, 0);
	CHECK_NEAR(mph_gp_ei(0.5, 0.0, 1.0, 0.0), 0.0, 0);
	CHECK_NEAR(mph_gp_ucb(1.0, 4.0, 1.5), 4.0, 1e-15);
}

int main(void)
{
	two_points();
	lml_gradient();
	fit();
	acquisitions();
	return UNIT_DONE();
}
