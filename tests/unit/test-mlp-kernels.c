/* The products the networks compute with (mph_gemm, mph_gemm_in,
 * mph_vec_step): against a plain triple loop over every transposition, odd
 * sizes and strides, a broadcast bias row, in-place updates; the same
 * bytes twice and from two threads at once (meta-training calls them
 * from several threads); the network's fused SGD step and the tape against
 * the plain gradient and Hessian-vector product. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "core/core.h"
#include "learn/learn.h"
#include "unit.h"

static double A(const double *a, int lda, int ta, int i, int p) { return ta ? a[p * lda + i] : a[i * lda + p]; }

/* The reference: sums in long double, so the kernel's rounding is what is tested. */
static void naive(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                  const double *b, int ldb, double beta, const double *ci, int ldci, double *c,
                  int ldc)
{
	int i, j, p;
	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			long double s = 0;
			for (p = 0; p < k; p++) s += (long double)A(a, lda, ta, i, p) * A(b, ldb, !tb, j, p);
			c[i * ldc + j] = (double)(alpha * s + (beta == 0.0 ? 0.0 : beta * ci[i * ldci + j]));
		}
}

static double rnd(mph_rng *r) { return mph_rng_uniform(r) - 0.5; }

typedef struct {
	int ta, tb, m, n, k;
	const double *a, *b, *c0;
	double *c;
} job;

static void *run(void *arg)
{
	job *j = arg;
	int rep, lda = j->ta ? j->m : j->k, ldb = j->tb ? j->k : j->n;
	for (rep = 0; rep < 50; rep++) {
		memcpy(j->c, j->c0, (size_t)j->m * j->n * sizeof *j->c);
		mph_gemm(j->ta, j->tb, j->m, j->n, j->k, 1.0, j->a, lda, j->b, ldb, 1.0, j->c, j->n);
	}
	return NULL;
}

int main(void)
{
	static const int sizes[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 64, 130};
	const int ns = (int)(sizeof sizes / sizeof *sizes);
	int ta, tb, im, in, ik, bad = 0, i;
	mph_rng r;
	size_t cap = 300 * 300;
	double *a = malloc(cap * sizeof *a), *b = malloc(cap * sizeof *b), *c = malloc(cap * sizeof *c);
	double *ref = malloc(cap * sizeof *ref), *ci = malloc(cap * sizeof *ci), *c2 = malloc(cap * sizeof *c2);
	double maxrel = 0.0;

	mph_rng_seed(&r, 3);
	for (i = 0; i < (int)cap; i++) {
		a[i] = rnd(&r);
		b[i] = rnd(&r);
		ci[i] = rnd(&r);
	}
	for (ta = 0; ta < 2; ta++)
		for (tb = 0; tb < 2; tb++)
			for (im = 0; im < ns; im++)
				for (in = 0; in < ns; in++)
					for (ik = 0; ik < ns; ik += 2) {
						int m = sizes[im], n = sizes[in], k = sizes[ik], pad = 3;
						int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
						double alpha = (im + in) % 3 == 0 ? 1.0 : -0.37, beta = ik % 4 == 0 ? 0.0 : 1.0;
						int ldci = (im + ik) % 2 ? 0 : ldc, e;
						for (e = 0; e < m * ldc; e++) c[e] = ref[e] = 99.0; /* NaN-free garbage */
						mph_gemm_in(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, ci, ldci, c, ldc);
						naive(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, ci, ldci, ref, ldc);
						for (e = 0; e < m * ldc; e++) {
							double d = fabs(c[e] - ref[e]), s = fabs(ref[e]) + 1e-3;
							if (e % ldc >= n) { bad += c[e] != 99.0; continue; } /* padding untouched */
							if (d / s > maxrel) maxrel = d / s;
						}
						/* in place, C as its own beta term, is mph_gemm */
						memcpy(c2, ci, (size_t)m * ldc * sizeof *c2);
						mph_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c2, ldc);
						if (ldci == ldc && beta != 0.0)
							for (e = 0; e < m; e++)
								bad += memcmp(c2 + e * ldc, c + e * ldc, (size_t)n * sizeof *c) != 0;
					}
	CHECK(bad == 0);
	CHECK(maxrel < 1e-12);

	/* x - lr g: a product, then a difference, exactly as written */
	{
		double x[37], g[37], out[37], lr = 0.03;
		int same = 1;
		for (i = 0; i < 37; i++) { x[i] = rnd(&r); g[i] = rnd(&r); }
		mph_vec_step(37, lr, g, x, out);
		for (i = 0; i < 37; i++) same &= out[i] == x[i] - lr * g[i];
		mph_vec_step(37, lr, g, x, x); /* in place */
		for (i = 0; i < 37; i++) same &= out[i] == x[i];
		CHECK(same);
	}

	/* ReLU, its mask and column sums: the plain loops' results to the bit,
	 * -0.0 and NaN included, every length */
	{
		double z[40], z2[40], d[40], d2[40], g[40], g2[40];
		int n, same = 1, j2;
		for (n = 0; n <= 40; n += 1) {
			for (i = 0; i < n; i++) {
				z[i] = i % 7 == 0 ? -0.0 : i % 11 == 0 ? NAN : rnd(&r);
				d[i] = rnd(&r);
			}
			memcpy(z2, z, sizeof z);
			memcpy(d2, d, sizeof d);
			mph_vec_relu(z2, (size_t)n);
			mph_vec_mask(d2, z, (size_t)n);
			for (i = 0; i < n; i++) {
				double rz = z[i] < 0.0 ? 0.0 : z[i], rd = z[i] > 0.0 ? d[i] : 0.0;
				same &= memcmp(&z2[i], &rz, sizeof rz) == 0 && memcmp(&d2[i], &rd, sizeof rd) == 0;
			}
			if (n > 0 && 40 % n == 0) {
				int rows = 40 / n;
				mph_colsum(d, (size_t)rows, (size_t)n, g);
				for (j2 = 0; j2 < n; j2++) {
					g2[j2] = 0.0;
					for (i = 0; i < rows; i++) g2[j2] += d[i * n + j2];
					same &= g[j2] == g2[j2];
				}
			}
		}
		CHECK(same);
	}

	/* two threads at once give the bytes one gives alone */
	{
		int m = 16, n = 128, k = 128, t;
		double *out[3];
		job jobs[3];
		pthread_t tid[2];
		for (t = 0; t < 3; t++) {
			out[t] = malloc((size_t)m * n * sizeof *out[t]);
			jobs[t] = (job){0, 1, m, n, k, a, b, ci, out[t]};
		}
		run(&jobs[2]);
		for (t = 0; t < 2; t++) pthread_create(&tid[t], NULL, run, &jobs[t]);
		for (t = 0; t < 2; t++) pthread_join(tid[t], NULL);
		CHECK(memcmp(out[0], out[2], (size_t)m * n * sizeof(double)) == 0);
		CHECK(memcmp(out[1], out[2], (size_t)m * n * sizeof(double)) == 0);
		for (t = 0; t < 3; t++) free(out[t]);
	}

	/* the network: the fused step is p - lr grad to the bit, the tape's
	 * Hessian-vector product the plain one's, the bound parameters used */
	{
		size_t hidden[2] = {20, 17}, np, j;
		mph_mlp *net = mph_mlp_new(5, 2, hidden);
		double X[11 * 5], y[11], *g, *next, *v, *hv, *hv2, *tape, *p, l1, l2, lr = 0.05;
		int same = 1;
		mph_mlp_init(net, &r);
		np = mph_mlp_nparams(net);
		p = mph_mlp_params(net);
		for (j = 0; j < np; j++) p[j] += 0.05 * rnd(&r);
		for (j = 0; j < 55; j++) X[j] = rnd(&r);
		for (j = 0; j < 11; j++) y[j] = rnd(&r);
		g = malloc(np * sizeof *g); next = malloc(np * sizeof *next); v = malloc(np * sizeof *v);
		hv = malloc(np * sizeof *hv); hv2 = malloc(np * sizeof *hv2);
		tape = malloc(mph_mlp_tape_len(net, 11) * sizeof *tape);
		for (j = 0; j < np; j++) v[j] = rnd(&r);
		l1 = mph_mlp_loss_grad(net, X, y, 11, g);
		l2 = mph_mlp_sgd_step_tape(net, X, y, 11, lr, next, tape);
		CHECK(l1 == l2);
		for (j = 0; j < np; j++) same &= next[j] == p[j] - lr * g[j];
		CHECK(same);
		mph_mlp_hvp(net, X, y, 11, v, hv);
		mph_mlp_hvp_tape(net, X, 11, tape, v, hv2);
		CHECK(memcmp(hv, hv2, np * sizeof *hv) == 0);
		/* v - lr H v in place: the same up to where the step is rounded */
		memcpy(hv2, v, np * sizeof *hv2);
		mph_mlp_hvp_step_tape(net, X, 11, tape, lr, hv2);
		for (j = 0; j < np; j++) CHECK_NEAR(hv2[j], v[j] - lr * hv[j], 1e-14 * (1.0 + fabs(v[j])));
		/* bound to next, it computes at next; its own parameters untouched */
		memcpy(g, p, np * sizeof *g);
		mph_mlp_bind(net, next);
		l1 = mph_mlp_loss_grad(net, X, y, 11, NULL);
		mph_mlp_bind(net, NULL);
		CHECK(memcmp(g, mph_mlp_params(net), np * sizeof *g) == 0);
		memcpy(mph_mlp_params(net), next, np * sizeof *g);
		CHECK(mph_mlp_loss_grad(net, X, y, 11, NULL) == l1);
		free(g); free(next); free(v); free(hv); free(hv2); free(tape);
		mph_mlp_free(net);
	}
	free(a); free(b); free(c); free(ref); free(ci); free(c2);
	return UNIT_DONE();
}
