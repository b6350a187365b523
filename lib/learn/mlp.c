/* A small ReLU multilayer perceptron on batches: forward, backward, exact
 * Hessian-vector products (Pearlmutter's R-operator) and SGD/Adam training.
 * Every matrix product goes through mph_gemm; scratch memory belongs to the
 * network and only grows, so the adaptation loop of mph-eval, which trains
 * thousands of times, allocates nothing once warm. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "core/core.h"
#include "learn/learn.h"

#define MAX_LAYERS (MPH_MLP_MAX_HIDDEN + 1)

struct mph_mlp {
	size_t nin, nhidden, hidden[MPH_MLP_MAX_HIDDEN];
	size_t nlayers;                  /* hidden layers + the output layer */
	size_t lin[MAX_LAYERS], lout[MAX_LAYERS];
	size_t woff[MAX_LAYERS], boff[MAX_LAYERS];
	size_t maxw;                     /* widest layer (inputs included) */
	size_t nparams;
	double *p;                       /* the parameters computed with: own, or bound */
	double *own;
	/* scratch, sized for `cap` rows */
	size_t cap;
	double *act[MAX_LAYERS];         /* post-activation outputs of each layer */
	double *ract[MAX_LAYERS];        /* their R-forward directional derivatives */
	double *d0, *d1, *r0, *r1;       /* back-propagated deltas (ping-pong) */
	double *bx, *by;                 /* gathered minibatch */
	size_t *perm;
	size_t permcap;
	double *grad, *adam_m, *adam_v;  /* nparams each, for training */
	double *tape;                    /* mph_mlp_hvp's */
	size_t tapecap;
};

mph_mlp *mph_mlp_new(size_t nin, size_t nhidden, const size_t *hidden)
{
	mph_mlp *m;
	size_t l, off = 0;
	if (nin == 0 || nhidden > MPH_MLP_MAX_HIDDEN) return NULL;
	for (l = 0; l < nhidden; l++)
		if (hidden[l] == 0) return NULL;
	m = mph_calloc(1, sizeof *m);
	m->nin = nin;
	m->nhidden = nhidden;
	m->nlayers = nhidden + 1;
	m->maxw = nin;
	for (l = 0; l < m->nlayers; l++) {
		if (l < nhidden) m->hidden[l] = hidden[l];
		m->lin[l] = l == 0 ? nin : hidden[l - 1];
		m->lout[l] = l < nhidden ? hidden[l] : 1;
		if (m->lout[l] > m->maxw) m->maxw = m->lout[l];
		m->woff[l] = off;
		off += m->lin[l] * m->lout[l];
		m->boff[l] = off;
		off += m->lout[l];
	}
	m->nparams = off;
	m->p = m->own = mph_calloc(off, sizeof *m->p);
	m->grad = mph_calloc(off, sizeof *m->grad);
	return m;
}

static void free_scratch(mph_mlp *m)
{
	size_t l;
	for (l = 0; l < m->nlayers; l++) {
		free(m->act[l]); free(m->ract[l]);
		m->act[l] = m->ract[l] = NULL;
	}
	free(m->d0); free(m->d1); free(m->r0); free(m->r1); free(m->bx); free(m->by);
	m->d0 = m->d1 = m->r0 = m->r1 = m->bx = m->by = NULL;
	m->cap = 0;
}

void mph_mlp_free(mph_mlp *m)
{
	if (m == NULL) return;
	free_scratch(m);
	free(m->perm);
	free(m->own); free(m->grad); free(m->adam_m); free(m->adam_v); free(m->tape);
	free(m);
}

mph_mlp *mph_mlp_clone(const mph_mlp *m)
{
	mph_mlp *c = mph_mlp_new(m->nin, m->nhidden, m->hidden);
	memcpy(c->p, m->p, m->nparams * sizeof *m->p);
	return c;
}

int mph_mlp_copy(mph_mlp *dst, const mph_mlp *src)
{
	size_t l;
	if (dst->nin != src->nin || dst->nhidden != src->nhidden) return -1;
	for (l = 0; l < src->nhidden; l++)
		if (dst->hidden[l] != src->hidden[l]) return -1;
	if (dst != src) memcpy(dst->p, src->p, src->nparams * sizeof *src->p);
	return 0;
}

void mph_mlp_init(mph_mlp *m, mph_rng *rng)
{
	size_t l, i;
	for (l = 0; l < m->nlayers; l++) {
		double sd = sqrt(2.0 / (double)m->lin[l]);
		double *w = m->p + m->woff[l];
		for (i = 0; i < m->lin[l] * m->lout[l]; i++) w[i] = sd * mph_rng_normal(rng);
		memset(m->p + m->boff[l], 0, m->lout[l] * sizeof(double));
	}
}

size_t mph_mlp_nin(const mph_mlp *m) { return m->nin; }
size_t mph_mlp_nhidden(const mph_mlp *m) { return m->nhidden; }
size_t mph_mlp_hidden(const mph_mlp *m, size_t i) { return i < m->nhidden ? m->hidden[i] : 0; }
size_t mph_mlp_nparams(const mph_mlp *m) { return m->nparams; }
double *mph_mlp_params(mph_mlp *m) { return m->p; }
const double *mph_mlp_params_const(const mph_mlp *m) { return m->p; }
void mph_mlp_bind(mph_mlp *m, const double *p) { m->p = p ? (double *)p : m->own; }

static void reserve(mph_mlp *m, size_t n, int need_r)
{
	size_t l;
	need_r = need_r || m->r0 != NULL; /* keep what an earlier call needed */
	if (n <= m->cap && (!need_r || m->r0 != NULL)) return;
	if (n < m->cap) n = m->cap;
	free_scratch(m);
	for (l = 0; l < m->nlayers; l++) {
		m->act[l] = mph_malloc(n * m->lout[l] * sizeof(double));
		if (need_r) m->ract[l] = mph_malloc(n * m->lout[l] * sizeof(double));
	}
	m->d0 = mph_malloc(n * m->maxw * sizeof(double));
	m->d1 = mph_malloc(n * m->maxw * sizeof(double));
	if (need_r) {
		m->r0 = mph_malloc(n * m->maxw * sizeof(double));
		m->r1 = mph_malloc(n * m->maxw * sizeof(double));
	}
	m->bx = mph_malloc(n * m->nin * sizeof(double));
	m->by = mph_malloc(n * sizeof(double));
	m->cap = n;
}

/* In place, branch-free (lib/core/linalg.c): whether a unit is active is a
 * coin toss for the branch predictor, and the mispredictions cost a fifth
 * of meta-training's time. */
#define relu(z, n) mph_vec_relu(z, n)
#define relu_mask(d, a, n) mph_vec_mask(d, a, n)

/* Z = A W^T + b, then ReLU on hidden layers. */
static void forward(mph_mlp *m, const double *X, size_t n)
{
	size_t l;
	for (l = 0; l < m->nlayers; l++) {
		const double *a = l == 0 ? X : m->act[l - 1];
		double *z = m->act[l];
		size_t out = m->lout[l];
		/* the bias row is the beta term of every row */
		mph_gemm_in(0, 1, (int)n, (int)out, (int)m->lin[l], 1.0, a, (int)m->lin[l],
		            m->p + m->woff[l], (int)m->lin[l], 1.0, m->p + m->boff[l], 0, z, (int)out);
		if (l + 1 < m->nlayers) relu(z, n * out);
	}
}

void mph_mlp_predict(mph_mlp *m, const double *X, size_t n, double *out)
{
	if (n == 0) return;
	reserve(m, n, 0);
	forward(m, X, n);
	memcpy(out, m->act[m->nlayers - 1], n * sizeof *out);
}

static double out_delta(const mph_mlp *m, const double *y, size_t n, double *d)
{
	const double *f = m->act[m->nlayers - 1];
	double loss = 0.0;
	size_t i;
	for (i = 0; i < n; i++) {
		double e = f[i] - y[i];
		loss += e * e;
		d[i] = 2.0 * e / (double)n;
	}
	return loss / (double)n;
}

/* A tape: what one forward and backward pass on n rows computed, for
 * Hessian-vector products at the same parameters to reuse: each layer's
 * activations, then each layer's delta (d loss / d its pre-activation). */
size_t mph_mlp_tape_len(const mph_mlp *m, size_t n)
{
	size_t l, w = 0;
	for (l = 0; l < m->nlayers; l++) w += m->lout[l];
	return 2 * n * w;
}

static double *tape_act(const mph_mlp *m, const double *tape, size_t n, size_t l)
{
	size_t i, off = 0;
	for (i = 0; i < l; i++) off += m->lout[i];
	return (double *)tape + n * off;
}

static double *tape_delta(const mph_mlp *m, const double *tape, size_t n, size_t l)
{
	return tape_act(m, tape, n, l) + mph_mlp_tape_len(m, n) / 2;
}

/* Gradient of the layer's weights and biases from its delta, and the delta
 * of the layer below (masked by its ReLU) when l > 0. grad may be NULL
 * (deltas only). With step, grad is not written: step = p - lr grad is
 * (an SGD step, summed in the gradient's own order, so it equals the two
 * apart); grad is then scratch for the biases. With a tape the deltas are
 * written on it, the top one already there. */
static void backward(mph_mlp *m, const double *X, size_t n, double *grad, double lr, double *step,
                     double *tape)
{
	double *d = tape ? tape_delta(m, tape, n, m->nlayers - 1) : m->d0, *dn = m->d1, *t;
	size_t l = m->nlayers;
	while (l-- > 0) {
		const double *a = l == 0 ? X : m->act[l - 1];
		size_t in = m->lin[l], out = m->lout[l];
		if (grad) {
			double *gb = grad + m->boff[l];
			if (step)
				mph_gemm_in(1, 0, (int)out, (int)in, (int)n, -lr, d, (int)out, a, (int)in, 1.0,
				            m->p + m->woff[l], (int)in, step + m->woff[l], (int)in);
			else
				mph_gemm(1, 0, (int)out, (int)in, (int)n, 1.0, d, (int)out, a, (int)in, 0.0,
				         grad + m->woff[l], (int)in);
			mph_colsum(d, n, out, gb);
			if (step) mph_vec_step(out, lr, gb, m->p + m->boff[l], step + m->boff[l]);
		}
		if (l == 0) break;
		if (tape) dn = tape_delta(m, tape, n, l - 1);
		mph_gemm(0, 0, (int)n, (int)in, (int)out, 1.0, d, (int)out, m->p + m->woff[l], (int)in,
		         0.0, dn, (int)in);
		relu_mask(dn, a, n * in);
		if (tape) d = dn;
		else { t = d; d = dn; dn = t; }
	}
}

double mph_mlp_loss_grad(mph_mlp *m, const double *X, const double *y, size_t n, double *grad)
{
	return mph_mlp_loss_grad_tape(m, X, y, n, grad, NULL);
}

/* The pass of mph_mlp_loss_grad_tape and mph_mlp_sgd_step_tape: with a
 * tape, the layers write their activations and deltas straight onto it. */
static double pass(mph_mlp *m, const double *X, const double *y, size_t n, double *grad,
                   double lr, double *step, double *tape)
{
	double loss, *act[MAX_LAYERS];
	size_t l;
	reserve(m, n, 0);
	if (tape)
		for (l = 0; l < m->nlayers; l++) {
			act[l] = m->act[l];
			m->act[l] = tape_act(m, tape, n, l);
		}
	forward(m, X, n);
	loss = out_delta(m, y, n, tape ? tape_delta(m, tape, n, m->nlayers - 1) : m->d0);
	if (grad || tape) backward(m, X, n, grad, lr, step, tape);
	if (tape)
		for (l = 0; l < m->nlayers; l++) m->act[l] = act[l];
	return loss;
}

double mph_mlp_loss_grad_tape(mph_mlp *m, const double *X, const double *y, size_t n,
                              double *grad, double *tape)
{
	if (n == 0) {
		if (grad) memset(grad, 0, m->nparams * sizeof *grad);
		return 0.0;
	}
	return pass(m, X, y, n, grad, 0.0, NULL, tape);
}

double mph_mlp_sgd_step_tape(mph_mlp *m, const double *X, const double *y, size_t n, double lr,
                             double *next, double *tape)
{
	if (n == 0) {
		memmove(next, m->p, m->nparams * sizeof *next);
		return 0.0;
	}
	return pass(m, X, y, n, m->grad, lr, next, tape);
}

/* The R-operator: with direction v on the parameters, the forward pass
 * gives R{z} = R{a} W^T + a V^T + v_b and R{a} = R{z} * relu'(z) (ReLU has
 * no curvature a.e.); the backward pass gives R{gW} = R{d}^T a + d^T R{a}
 * and R{d_below} = (R{d} W + d V) * relu'. Exact for this network. The
 * activations a and deltas d are the tape's. */
/* hv = H v, or with step (hv NULL), v = v - lr H v in place: each layer's
 * weights are updated once the layer below's R{d} no longer needs them. */
static void hvp(mph_mlp *m, const double *X, size_t n, const double *tape, double *v, double *hv,
                double lr, int step)
{
	double *r, *rn, *t, *gb = m->grad;
	size_t l, i;
	reserve(m, n, 1);
	for (l = 0; l < m->nlayers; l++) {
		const double *a = l == 0 ? X : tape_act(m, tape, n, l - 1);
		const double *vb = v + m->boff[l];
		size_t in = m->lin[l], out = m->lout[l];
		double *rz = m->ract[l];
		mph_gemm_in(0, 1, (int)n, (int)out, (int)in, 1.0, a, (int)in, v + m->woff[l], (int)in,
		            1.0, vb, 0, rz, (int)out);
		if (l > 0)
			mph_gemm(0, 1, (int)n, (int)out, (int)in, 1.0, m->ract[l - 1], (int)in,
			         m->p + m->woff[l], (int)in, 1.0, rz, (int)out);
		if (l + 1 < m->nlayers) relu_mask(rz, tape_act(m, tape, n, l), n * out);
	}
	r = m->r0; rn = m->r1;
	for (i = 0; i < n; i++) r[i] = 2.0 * m->ract[m->nlayers - 1][i] / (double)n;
	l = m->nlayers;
	while (l-- > 0) {
		const double *a = l == 0 ? X : tape_act(m, tape, n, l - 1);
		const double *d = tape_delta(m, tape, n, l);
		const double *ra = l == 0 ? a : m->ract[l - 1];
		size_t in = m->lin[l], out = m->lout[l];
		int k2 = l == 0 ? 0 : (int)n;
		if (l > 0) /* R{d} below, from this layer's weights and direction */
			mph_gemm2(0, (int)n, (int)in, (int)out, (int)out, 1.0, r, d, (int)out, m->p + m->woff[l],
			          v + m->woff[l], (int)in, 0.0, rn, (int)in, rn, (int)in);
		/* R{gW} = R{d}^T a + d^T R{a}, one sum */
		if (step)
			mph_gemm2(1, (int)out, (int)in, (int)n, k2, -lr, r, d, (int)out, a, ra, (int)in, 1.0,
			          v + m->woff[l], (int)in, v + m->woff[l], (int)in);
		else
			mph_gemm2(1, (int)out, (int)in, (int)n, k2, 1.0, r, d, (int)out, a, ra, (int)in, 0.0,
			          hv + m->woff[l], (int)in, hv + m->woff[l], (int)in);
		if (!step) gb = hv + m->boff[l];
		mph_colsum(r, n, out, gb);
		if (step) mph_vec_step(out, lr, gb, v + m->boff[l], v + m->boff[l]);
		if (l == 0) break;
		relu_mask(rn, a, n * in);
		t = r; r = rn; rn = t;
	}
}

void mph_mlp_hvp_tape(mph_mlp *m, const double *X, size_t n, const double *tape, const double *v,
                      double *hv)
{
	if (n == 0) {
		memset(hv, 0, m->nparams * sizeof *hv);
		return;
	}
	hvp(m, X, n, tape, (double *)v, hv, 0.0, 0);
}

void mph_mlp_hvp_step_tape(mph_mlp *m, const double *X, size_t n, const double *tape, double lr,
                           double *v)
{
	if (n > 0) hvp(m, X, n, tape, v, NULL, lr, 1);
}

double mph_mlp_hvp(mph_mlp *m, const double *X, const double *y, size_t n, const double *v,
                   double *hv)
{
	size_t len = mph_mlp_tape_len(m, n);
	double loss;
	if (m->tapecap < len) {
		free(m->tape);
		m->tape = mph_malloc(len * sizeof(double));
		m->tapecap = len;
	}
	loss = mph_mlp_loss_grad_tape(m, X, y, n, NULL, m->tape);
	mph_mlp_hvp_tape(m, X, n, m->tape, v, hv);
	return loss;
}

double mph_mlp_train(mph_mlp *m, const double *X, const double *y, size_t n,
                     const mph_train_opts *o, mph_rng *rng)
{
	size_t np = m->nparams, nb = (o->batch == 0 || o->batch >= n) ? n : o->batch, i;
	double b1 = 0.9, b2 = 0.999, eps = 1e-8, b1t = 1.0, b2t = 1.0;
	int s;
	if (n == 0) return 0.0;
	if (o->opt == MPH_OPT_ADAM) {
		if (m->adam_m == NULL) {
			m->adam_m = mph_malloc(np * sizeof(double));
			m->adam_v = mph_malloc(np * sizeof(double));
		}
		memset(m->adam_m, 0, np * sizeof(double));
		memset(m->adam_v, 0, np * sizeof(double));
	}
	if (nb < n && m->permcap < n) {
		free(m->perm);
		m->perm = mph_malloc(n * sizeof *m->perm);
		m->permcap = n;
	}
	reserve(m, nb, 0);
	for (s = 0; s < o->steps; s++) {
		const double *bx = X, *by = y;
		if (nb < n) {
			/* A partial Fisher-Yates draws nb distinct rows. */
			for (i = 0; i < n; i++) m->perm[i] = i;
			mph_rng_draw(rng, m->perm, n, nb);
			for (i = 0; i < nb; i++) {
				memcpy(m->bx + i * m->nin, X + m->perm[i] * m->nin, m->nin * sizeof(double));
				m->by[i] = y[m->perm[i]];
			}
			bx = m->bx; by = m->by;
		}
		mph_mlp_loss_grad(m, bx, by, nb, m->grad);
		if (o->l2 > 0.0)
			for (i = 0; i < np; i++) m->grad[i] += o->l2 * m->p[i];
		if (o->opt == MPH_OPT_ADAM) {
			double c1, c2;
			b1t *= b1; b2t *= b2;
			c1 = o->lr / (1.0 - b1t);
			c2 = 1.0 / (1.0 - b2t);
			for (i = 0; i < np; i++) {
				double g = m->grad[i];
				m->adam_m[i] = b1 * m->adam_m[i] + (1.0 - b1) * g;
				m->adam_v[i] = b2 * m->adam_v[i] + (1.0 - b2) * g * g;
				m->p[i] -= c1 * m->adam_m[i] / (sqrt(m->adam_v[i] * c2) + eps);
			}
		} else {
			for (i = 0; i < np; i++) m->p[i] -= o->lr * m->grad[i];
		}
	}
	return mph_mlp_loss_grad(m, X, y, n, NULL);
}

/* Adam at 3e-3 for 200 full-batch steps: measured by replayed searches
 * (bench/bench-suggest.sh) as the from-scratch setting that found optima
 * soonest; more steps overfit a handful of trials. */
const mph_train_opts mph_train_scratch = {MPH_OPT_ADAM, 200, 3e-3, 0, 0.0};
