/* The only file that talks to BLAS and LAPACK (OpenBLAS). Matrices are
 * row-major throughout libmph. Build with -DMPH_NO_BLAS for plain C. */
#include <math.h>
#include <stdlib.h>
#include "core/core.h"

#ifndef MPH_NO_BLAS
#include <cblas.h>
#include <lapacke.h>

/* One thread, even when OPENBLAS_NUM_THREADS asks for more: threaded dgemm
 * sums some shapes in another order (a narrow product, e.g. 128x8 over
 * 1024 rows, the first layer's gradient for 8 features), so a model's
 * bytes would depend on the environment; and at mph's sizes (hundreds of
 * rows) threads did not pay (metatrain pretrain on falcon-sources, 2
 * cores: 6.3s with one thread, 6.6s with two). */
static void one_thread(void)
{
	static int done = 0;
	if (!done) {
		done = 1;
		openblas_set_num_threads(1);
	}
}

void mph_gemm(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
              const double *b, int ldb, double beta, double *c, int ldc)
{
	one_thread();
	cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
	            m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void mph_gemv(int trans, int m, int n, double alpha, const double *a, int lda, const double *x,
              double beta, double *y)
{
	one_thread();
	cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, m, n, alpha, a, lda, x, 1, beta, y, 1);
}

int mph_cholesky(int n, double *a, int lda)
{
	one_thread();
	return LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', n, a, lda) == 0 ? 0 : -1;
}

void mph_cholesky_solve(int n, int nrhs, const double *l, int lda, double *b, int ldb)
{
	one_thread();
	LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', n, nrhs, l, lda, b, ldb);
}

int mph_cholesky_inverse(int n, double *a, int lda)
{
	int i, j;
	one_thread();
	if (LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', n, a, lda) != 0) return -1;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++) a[j * lda + i] = a[i * lda + j];
	return 0;
}

void mph_trsolve_lower(int n, int nrhs, const double *l, int lda, double *b, int ldb)
{
	one_thread();
	cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, nrhs,
	            1.0, l, lda, b, ldb);
}

#else /* plain C, for machines without BLAS */

void mph_gemm(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
              const double *b, int ldb, double beta, double *c, int ldc)
{
	int i, j, p;
	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			double s = 0.0;
			for (p = 0; p < k; p++)
				s += (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
			c[i * ldc + j] = alpha * s + (beta == 0.0 ? 0.0 : beta * c[i * ldc + j]);
		}
}

void mph_gemv(int trans, int m, int n, double alpha, const double *a, int lda, const double *x,
              double beta, double *y)
{
	int i, j, rows = trans ? n : m, cols = trans ? m : n;
	for (i = 0; i < rows; i++) {
		double s = 0.0;
		for (j = 0; j < cols; j++) s += (trans ? a[j * lda + i] : a[i * lda + j]) * x[j];
		y[i] = alpha * s + (beta == 0.0 ? 0.0 : beta * y[i]);
	}
}

int mph_cholesky(int n, double *a, int lda)
{
	int i, j, k;
	for (j = 0; j < n; j++) {
		double d = a[j * lda + j];
		for (k = 0; k < j; k++) d -= a[j * lda + k] * a[j * lda + k];
		if (!(d > 0.0)) return -1;
		a[j * lda + j] = d = sqrt(d);
		for (i = j + 1; i < n; i++) {
			double s = a[i * lda + j];
			for (k = 0; k < j; k++) s -= a[i * lda + k] * a[j * lda + k];
			a[i * lda + j] = s / d;
		}
	}
	return 0;
}

void mph_trsolve_lower(int n, int nrhs, const double *l, int lda, double *b, int ldb)
{
	int i, k, r;
	for (r = 0; r < nrhs; r++)
		for (i = 0; i < n; i++) {
			double s = b[i * ldb + r];
			for (k = 0; k < i; k++) s -= l[i * lda + k] * b[k * ldb + r];
			b[i * ldb + r] = s / l[i * lda + i];
		}
}

int mph_cholesky_inverse(int n, double *a, int lda)
{
	/* solves against the identity, from a copy of the factor */
	double *l = malloc((size_t)n * (size_t)n * sizeof *l), *col = malloc((size_t)n * sizeof *col);
	int i, j;
	if (l == NULL || col == NULL) { free(l); free(col); return -1; }
	for (i = 0; i < n; i++)
		for (j = 0; j <= i; j++) l[i * n + j] = a[i * lda + j];
	for (j = 0; j < n; j++) {
		for (i = 0; i < n; i++) col[i] = i == j;
		mph_cholesky_solve(n, 1, l, n, col, 1);
		for (i = 0; i < n; i++) a[i * lda + j] = col[i];
	}
	free(l);
	free(col);
	return 0;
}

void mph_cholesky_solve(int n, int nrhs, const double *l, int lda, double *b, int ldb)
{
	int i, k, r;
	mph_trsolve_lower(n, nrhs, l, lda, b, ldb);
	for (r = 0; r < nrhs; r++)
		for (i = n - 1; i >= 0; i--) {
			double s = b[i * ldb + r];
			for (k = i + 1; k < n; k++) s -= l[k * lda + i] * b[k * ldb + r];
			b[i * ldb + r] = s / l[i * lda + i];
		}
}
#endif
