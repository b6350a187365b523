/* Exact Gaussian process regression with a Matern 5/2 ARD kernel, its
 * hyper-parameters fitted by maximising the log marginal likelihood (LML).
 *
 * The searches in mph condition on at most a few hundred trials, so the
 * O(n^3) Cholesky is cheap and exactness is worth more than any
 * approximation. Hyper-parameters live in log space (theta = log length
 * scales, log signal variance, log noise variance) because they are
 * positive and span orders of magnitude; the optimiser works on a further
 * logistic map of theta onto a box, so that no step can leave the range in
 * which the kernel matrix stays well conditioned. */
#include <math.h>
#include <string.h>
#include "learn/learn.h"

#define SQRT5 2.23606797749978969640

/* Box on theta. Features are scaled to [0,1] by the space encoding, so a
 * length scale below 0.01 would resolve nothing between two knob values and
 * one above 100 switches its dimension off; y is standardised, so the signal
 * variance sits near 1. */
#define LOG_ELL_MIN (-4.605170185988091) /* log 0.01 */
#define LOG_ELL_MAX (4.605170185988091)  /* log 100 */
#define LOG_SF2_MIN (-6.907755278982137) /* log 1e-3 */
#define LOG_SF2_MAX (4.605170185988091)  /* log 100 */
#define LOG_SN2_MAX (0.0)                /* log 1 */

struct mph_gp {
	size_t d, n, cap;
	double *theta;      /* d log length scales, log sf2, log sn2 */
	double *x;          /* n x d inputs as given */
	double *y;          /* n targets, normalised */
	double y_mean, y_scale;
	double *l;          /* n x n lower Cholesky factor of K + sn2 I */
	double *alpha;      /* (K + sn2 I)^-1 y */
	double *work;       /* n x n: length-scale derivative factors (see factor()) */
	double *kinv;       /* n x n scratch for K^-1 in the LML gradient */
	double *inv_ell;    /* d: 1 / length scale */
	double jitter;      /* added to the diagonal when K + sn2 I was not positive definite */
	int ready;          /* l and alpha match theta and the data */
};

void mph_gp_opts_init(mph_gp_opts *o)
{
	o->normalize = 1;
	o->restarts = 2;
	o->max_iter = 60;
	o->seed = 1;
	o->min_noise = 1e-6;
	o->warm = 0;
}

mph_gp *mph_gp_new(size_t d)
{
	mph_gp *g = mph_calloc(1, sizeof *g);
	size_t k;
	g->d = d;
	g->theta = mph_malloc((d + 2) * sizeof *g->theta);
	g->inv_ell = mph_malloc((d ? d : 1) * sizeof *g->inv_ell);
	for (k = 0; k < d; k++) g->theta[k] = log(0.5);
	g->theta[d] = 0.0;
	g->theta[d + 1] = log(1e-2);
	g->y_scale = 1.0;
	return g;
}

void mph_gp_free(mph_gp *g)
{
	if (g == NULL) return;
	free(g->theta);
	free(g->x);
	free(g->y);
	free(g->l);
	free(g->alpha);
	free(g->work);
	free(g->kinv);
	free(g->inv_ell);
	free(g);
}

size_t mph_gp_dim(const mph_gp *g) { return g->d; }
size_t mph_gp_n(const mph_gp *g) { return g->n; }

void mph_gp_hyper(const mph_gp *g, double *theta)
{
	memcpy(theta, g->theta, (g->d + 2) * sizeof *theta);
}

void mph_gp_set_hyper(mph_gp *g, const double *theta)
{
	memcpy(g->theta, theta, (g->d + 2) * sizeof *theta);
	g->ready = 0;
}

/* Matern 5/2 of the scaled distance r: (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r). */
static double matern52(double r)
{
	double s = SQRT5 * r;
	return (1.0 + s + s * s / 3.0) * exp(-s);
}

static double scaled_dist2(const double *a, const double *b, const double *inv_ell, size_t d)
{
	double s = 0.0;
	size_t k;
	for (k = 0; k < d; k++) {
		double t = (a[k] - b[k]) * inv_ell[k];
		s += t * t;
	}
	return s;
}


/* Builds K + sn2 I, factors it, and solves for alpha. The upper triangle of
 * l keeps the noise-free kernel (the factorisation reads and writes only the
 * lower one), and work's lower triangle keeps, for every pair, the factor
 * sf2 * 5/3 (1 + sqrt5 r) exp(-sqrt5 r) of dK/dlog(ell_k), which is that
 * times dx_k^2 / ell_k^2: both are what the LML gradient needs. */
static int factor(mph_gp *g)
{
	size_t n = g->n, d = g->d, i, j, k;
	double sf2 = exp(g->theta[d]), sn2 = exp(g->theta[d + 1]);
	double jit = 0.0;
	int tries;

	for (k = 0; k < d; k++) g->inv_ell[k] = exp(-g->theta[k]);
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++) {
			double r = sqrt(scaled_dist2(g->x + i * d, g->x + j * d, g->inv_ell, d));
			double e = exp(-SQRT5 * r);
			g->l[j * n + i] = sf2 * (1.0 + SQRT5 * r + 5.0 / 3.0 * r * r) * e;
			g->work[i * n + j] = sf2 * 5.0 / 3.0 * (1.0 + SQRT5 * r) * e;
		}
	g->ready = 0;
	for (tries = 0; tries < 8; tries++) {
		for (i = 0; i < n; i++) {
			g->l[i * n + i] = sf2 + sn2 + jit;
			for (j = 0; j < i; j++) g->l[i * n + j] = g->l[j * n + i];
		}
		if (mph_cholesky((int)n, g->l, (int)n) == 0) break;
		/* Repeated inputs with a tiny noise make K singular: add the least
		 * diagonal that lets it factor. */
		jit = jit == 0.0 ? 1e-10 * (sf2 + sn2) : jit * 100.0;
	}
	if (tries == 8) return -1;
	g->jitter = jit;
	memcpy(g->alpha, g->y, n * sizeof *g->alpha);
	mph_cholesky_solve((int)n, 1, g->l, (int)n, g->alpha, 1);
	g->ready = 1;
	return 0;
}

static void reserve(mph_gp *g, size_t n)
{
	if (n <= g->cap) return;
	g->cap = n;
	g->x = mph_realloc(g->x, n * (g->d ? g->d : 1) * sizeof *g->x);
	g->y = mph_realloc(g->y, n * sizeof *g->y);
	g->l = mph_realloc(g->l, n * n * sizeof *g->l);
	g->work = mph_realloc(g->work, n * n * sizeof *g->work);
	g->kinv = mph_realloc(g->kinv, n * n * sizeof *g->kinv);
	g->alpha = mph_realloc(g->alpha, n * sizeof *g->alpha);
}

static int set_data(mph_gp *g, const double *x, const double *y, size_t n, int normalize,
                    mph_error *err)
{
	size_t i;
	double m = 0.0, v = 0.0;
	if (n == 0) return mph_error_set(err, NULL, 0, 0, "gaussian process: no data");
	for (i = 0; i < n; i++)
		if (!isfinite(y[i]))
			return mph_error_set(err, NULL, 0, 0, "gaussian process: target %zu is not finite", i);
	reserve(g, n);
	g->n = n;
	memmove(g->x, x, n * g->d * sizeof *x);
	g->y_mean = 0.0;
	g->y_scale = 1.0;
	if (normalize) {
		for (i = 0; i < n; i++) m += y[i];
		m /= (double)n;
		for (i = 0; i < n; i++) v += (y[i] - m) * (y[i] - m);
		v = n > 1 ? sqrt(v / (double)(n - 1)) : 0.0;
		g->y_mean = m;
		/* A constant history has no scale of its own: keep 1 so that the
		 * posterior still spreads around it. */
		g->y_scale = v > 0.0 ? v : 1.0;
	}
	for (i = 0; i < n; i++) g->y[i] = (y[i] - g->y_mean) / g->y_scale;
	g->ready = 0;
	return 0;
}

int mph_gp_condition(mph_gp *g, const double *x, const double *y, size_t n, int normalize,
                     mph_error *err)
{
	if (set_data(g, x, y, n, normalize, err) != 0) return -1;
	if (factor(g) != 0)
		return mph_error_set(err, NULL, 0, 0, "gaussian process: kernel matrix is not positive definite");
	return 0;
}

/* LML = -1/2 y'a - sum log L_ii - n/2 log 2pi, a = K^-1 y, and
 * dLML/dtheta = 1/2 tr(W dK/dtheta), W = a a' - K^-1 (in normalised units). */
double mph_gp_lml(mph_gp *g, double *grad)
{
	size_t n = g->n, d = g->d, i, j, k;
	double lml = 0.0, *w = g->kinv;
	double sf2 = exp(g->theta[d]), sn2 = exp(g->theta[d + 1]);

	if (n == 0 || factor(g) != 0) return -INFINITY;
	for (i = 0; i < n; i++) lml -= 0.5 * g->y[i] * g->alpha[i] + log(g->l[i * n + i]);
	lml -= 0.5 * (double)n * log(2.0 * M_PI);
	if (grad == NULL) return lml;

	for (i = 0; i < n; i++) memcpy(w + i * n, g->l + i * n, (i + 1) * sizeof *w);
	if (mph_cholesky_inverse((int)n, w, (int)n) != 0) return -INFINITY;
	for (k = 0; k < d + 2; k++) grad[k] = 0.0;
	for (i = 0; i < n; i++) {
		const double *xi = g->x + i * d;
		double wii = g->alpha[i] * g->alpha[i] - w[i * n + i];
		grad[d] += 0.5 * wii * sf2;
		grad[d + 1] += 0.5 * wii * sn2;
		/* Each off-diagonal pair appears twice in the trace: 2 * 1/2. */
		for (j = 0; j < i; j++) {
			const double *xj = g->x + j * d;
			double wij = g->alpha[i] * g->alpha[j] - w[i * n + j];
			double c = wij * g->work[i * n + j];
			grad[d] += wij * g->l[j * n + i];
			for (k = 0; k < d; k++) {
				double t = (xi[k] - xj[k]) * g->inv_ell[k];
				grad[k] += c * t * t;
			}
		}
	}
	return lml;
}

/* ---- hyper-parameter fit: L-BFGS on a logistic map of theta onto its box -- */

typedef struct {
	mph_gp *g;
	const double *lo, *hi;
	double *theta, *gtheta;
	long evals;
} fit_ctx;

static double sigmoid(double u) { return 1.0 / (1.0 + exp(-u)); }

/* Negative LML at u, and its gradient in u. */
static double fit_f(fit_ctx *c, const double *u, double *gu)
{
	size_t p, np = c->g->d + 2;
	double f;
	for (p = 0; p < np; p++) c->theta[p] = c->lo[p] + (c->hi[p] - c->lo[p]) * sigmoid(u[p]);
	memcpy(c->g->theta, c->theta, np * sizeof *c->theta);
	c->evals++;
	f = mph_gp_lml(c->g, c->gtheta);
	if (!isfinite(f)) return INFINITY;
	for (p = 0; p < np; p++) {
		double s = sigmoid(u[p]);
		gu[p] = -c->gtheta[p] * (c->hi[p] - c->lo[p]) * s * (1.0 - s);
	}
	return -f;
}

#define LBFGS_M 6

static double dot(const double *a, const double *b, size_t n)
{
	double s = 0.0;
	size_t i;
	for (i = 0; i < n; i++) s += a[i] * b[i];
	return s;
}

/* Minimises from u (overwritten with the best point); returns the value. */
static double lbfgs(fit_ctx *c, double *u, int max_iter)
{
	size_t np = c->g->d + 2, p;
	double *buf = mph_malloc((2 * LBFGS_M + 5) * np * sizeof *buf);
	double *s = buf, *y = s + LBFGS_M * np, *g = y + LBFGS_M * np, *dir = g + np;
	double *un = dir + np, *gn = un + np, *q = gn + np;
	double rho[LBFGS_M], a[LBFGS_M], f, fn;
	int mem = 0, head = 0, it, i;

	f = fit_f(c, u, g);
	if (!isfinite(f)) { free(buf); return f; }
	for (it = 0; it < max_iter; it++) {
		double gd, t = 1.0, gmax = 0.0;
		int ls;
		/* two-loop recursion: dir = -H g */
		memcpy(q, g, np * sizeof *q);
		for (i = 0; i < mem; i++) {
			int k = (head - 1 - i + LBFGS_M) % LBFGS_M;
			a[k] = rho[k] * dot(s + k * np, q, np);
			for (p = 0; p < np; p++) q[p] -= a[k] * y[k * np + p];
		}
		if (mem > 0) {
			int k = (head - 1 + LBFGS_M) % LBFGS_M;
			double gamma = dot(s + k * np, y + k * np, np) / dot(y + k * np, y + k * np, np);
			for (p = 0; p < np; p++) q[p] *= gamma;
		} else {
			double gn2 = sqrt(dot(g, g, np));
			for (p = 0; p < np; p++) q[p] /= gn2 > 1.0 ? gn2 : 1.0;
		}
		for (i = mem - 1; i >= 0; i--) {
			int k = (head - 1 - i + LBFGS_M) % LBFGS_M;
			double b = rho[k] * dot(y + k * np, q, np);
			for (p = 0; p < np; p++) q[p] += s[k * np + p] * (a[k] - b);
		}
		for (p = 0; p < np; p++) dir[p] = -q[p];
		gd = dot(g, dir, np);
		if (!(gd < 0.0)) { /* not a descent direction: fall back to steepest descent */
			mem = 0;
			for (p = 0; p < np; p++) dir[p] = -g[p];
			gd = -dot(g, g, np);
		}
		for (ls = 0; ls < 30; ls++) {
			for (p = 0; p < np; p++) un[p] = u[p] + t * dir[p];
			fn = fit_f(c, un, gn);
			if (isfinite(fn) && fn <= f + 1e-4 * t * gd) break;
			t *= 0.5;
		}
		if (ls == 30) break;
		for (p = 0; p < np; p++) {
			s[head * np + p] = un[p] - u[p];
			y[head * np + p] = gn[p] - g[p];
		}
		{
			double sy = dot(s + head * np, y + head * np, np);
			if (sy > 1e-12) {
				rho[head] = 1.0 / sy;
				head = (head + 1) % LBFGS_M;
				if (mem < LBFGS_M) mem++;
			}
		}
		memcpy(u, un, np * sizeof *u);
		memcpy(g, gn, np * sizeof *g);
		for (p = 0; p < np; p++) if (fabs(g[p]) > gmax) gmax = fabs(g[p]);
		if (gmax < 1e-4 || f - fn < 1e-7 * (1.0 + fabs(f))) { f = fn; break; }
		f = fn;
	}
	free(buf);
	return f;
}

static double logit_in(double theta, double lo, double hi)
{
	double s = (theta - lo) / (hi - lo);
	if (s < 1e-6) s = 1e-6;
	if (s > 1.0 - 1e-6) s = 1.0 - 1e-6;
	return log(s / (1.0 - s));
}

int mph_gp_fit(mph_gp *g, const double *x, const double *y, size_t n, const mph_gp_opts *o,
               mph_error *err)
{
	size_t np = g->d + 2, p;
	double *lo = mph_malloc(6 * np * sizeof *lo), *hi = lo + np, *u = hi + np;
	double *best = u + np, *th = best + np, *gth = th + np;
	double fbest = INFINITY;
	fit_ctx c;
	mph_rng rng;
	int r;

	if (set_data(g, x, y, n, o->normalize, err) != 0) { free(lo); return -1; }
	for (p = 0; p < g->d; p++) { lo[p] = LOG_ELL_MIN; hi[p] = LOG_ELL_MAX; }
	lo[g->d] = LOG_SF2_MIN; hi[g->d] = LOG_SF2_MAX;
	lo[g->d + 1] = log(o->min_noise > 0.0 ? o->min_noise : 1e-6); hi[g->d + 1] = LOG_SN2_MAX;
	if (lo[g->d + 1] >= hi[g->d + 1]) lo[g->d + 1] = hi[g->d + 1] - 1.0;
	c.g = g; c.lo = lo; c.hi = hi; c.theta = th; c.gtheta = gth; c.evals = 0;
	mph_rng_seed(&rng, o->seed);

	for (r = 0; r <= o->restarts; r++) {
		double f;
		if (r == 0) {
			/* The first start is the previous fit when warm (a sequential
			 * search moves it little between steps), else a neutral point. */
			double t0[np];
			if (o->warm) memcpy(t0, g->theta, sizeof t0);
			else {
				for (p = 0; p < g->d; p++) t0[p] = log(0.5);
				t0[g->d] = 0.0;
				t0[g->d + 1] = log(1e-2);
			}
			for (p = 0; p < np; p++) u[p] = logit_in(t0[p], lo[p], hi[p]);
		} else {
			for (p = 0; p < g->d; p++) u[p] = logit_in(log(0.05) + mph_rng_uniform(&rng) * log(40.0), lo[p], hi[p]);
			u[g->d] = logit_in(log(0.2) + mph_rng_uniform(&rng) * log(25.0), lo[g->d], hi[g->d]);
			u[g->d + 1] = logit_in(log(1e-4) + mph_rng_uniform(&rng) * log(1e3), lo[g->d + 1], hi[g->d + 1]);
		}
		f = lbfgs(&c, u, o->max_iter);
		if (f < fbest) {
			fbest = f;
			for (p = 0; p < np; p++) best[p] = lo[p] + (hi[p] - lo[p]) * sigmoid(u[p]);
		}
	}
	if (!isfinite(fbest)) {
		free(lo);
		return mph_error_set(err, NULL, 0, 0, "gaussian process: marginal likelihood could not be evaluated");
	}
	memcpy(g->theta, best, np * sizeof *best);
	free(lo);
	if (factor(g) != 0)
		return mph_error_set(err, NULL, 0, 0, "gaussian process: kernel matrix is not positive definite");
	return 0;
}

/* ---- prediction ---------------------------------------------------------- */

#define PREDICT_CHUNK 512

int mph_gp_predict(mph_gp *g, const double *xs, size_t m, double *mean, double *var)
{
	size_t n = g->n, d = g->d, i, j, k, c0;
	double sf2 = exp(g->theta[d]), *ks;

	if (n == 0) return -1;
	if (!g->ready && factor(g) != 0) return -1;
	for (k = 0; k < d; k++) g->inv_ell[k] = exp(-g->theta[k]);
	ks = mph_malloc(n * PREDICT_CHUNK * sizeof *ks);
	for (c0 = 0; c0 < m; c0 += PREDICT_CHUNK) {
		size_t c = m - c0 < PREDICT_CHUNK ? m - c0 : PREDICT_CHUNK;
		for (i = 0; i < n; i++)
			for (j = 0; j < c; j++)
				ks[i * c + j] = sf2 * matern52(sqrt(scaled_dist2(g->x + i * d, xs + (c0 + j) * d, g->inv_ell, d)));
		mph_gemv(1, (int)n, (int)c, 1.0, ks, (int)c, g->alpha, 0.0, mean + c0);
		for (j = 0; j < c; j++) mean[c0 + j] = mean[c0 + j] * g->y_scale + g->y_mean;
		if (var == NULL) continue;
		mph_trsolve_lower((int)n, (int)c, g->l, (int)n, ks, (int)c);
		for (j = 0; j < c; j++) var[c0 + j] = sf2;
		for (i = 0; i < n; i++)
			for (j = 0; j < c; j++) var[c0 + j] -= ks[i * c + j] * ks[i * c + j];
		for (j = 0; j < c; j++) {
			double v = var[c0 + j];
			var[c0 + j] = (v > 0.0 ? v : 0.0) * g->y_scale * g->y_scale;
		}
	}
	free(ks);
	return 0;
}

/* ---- acquisitions (maximising) --------------------------------------------- */

double mph_gp_ucb(double mean, double var, double kappa)
{
	return mean + kappa * sqrt(var > 0.0 ? var : 0.0);
}

double mph_gp_ei(double mean, double var, double best, double xi)
{
	double s = sqrt(var > 0.0 ? var : 0.0), imp = mean - best - xi, z;
	if (s <= 0.0) return imp > 0.0 ? imp : 0.0;
	z = imp / s;
	return imp * 0.5 * erfc(-z / M_SQRT2) + s * exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
}
