/* core/core.h: libmph's private header for the core layer, the lowest:
 * errors, allocation, numbers, atomic output, the seeded generator and the one
 * file that calls BLAS/LAPACK. Not installed; the library's files and the unit
 * tests include it. What the tools call is in mph.h. */
#ifndef MPH_CORE_H
#define MPH_CORE_H
#include "mph.h"
#include <stdlib.h>

/* Allocation failure is the one condition the library cannot report through
 * mph_error without allocating, so these abort with a message. */
void *mph_malloc(size_t n);
void *mph_calloc(size_t n, size_t size);
void *mph_realloc(void *p, size_t n);
char *mph_strdup(const char *s);

/* mph_error_set for an error about a file as a whole: no line or column. */
int mph_error_file(mph_error *e, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* How messages name an input: "<stdin>" for NULL or "-", else the path. */
const char *mph_input_name(const char *path);

/* ---- errors ---- */
void mph_error_clear(mph_error *e);

/* ---- random numbers ---- */
uint64_t mph_rng_u64(mph_rng *r);
double mph_rng_uniform(mph_rng *r);             /* [0, 1) */
/* Permutes a[0..n) so that a[0..k) is a uniform draw without replacement
 * from it (a partial Fisher-Yates: k draws, whatever n is). */
void mph_rng_draw(mph_rng *r, size_t *a, size_t n, size_t k);

/* ---- sets of configuration ids ---- */
/* Linear probing over 64-bit ids, growing as needed. UINT64_MAX is the empty
 * mark, which no configuration id reaches (a space's size saturates there). */
typedef struct { uint64_t *key; size_t mask, n; } mph_idset;
void mph_idset_init(mph_idset *t, size_t n); /* room for n ids before it grows */
/* 1 if id was new (and is now in), 0 if it was there already. */
int mph_idset_add(mph_idset *t, uint64_t id);
void mph_idset_free(mph_idset *t);

/* ---- numbers ---- */
/* FNV-1a 64 over bytes, chainable: pass the previous value or 0 to start. */
uint64_t mph_hash64(const void *data, size_t n, uint64_t h);
/* x rounded to 12 significant digits, so that sums of prices and range
 * steps read as written (0.2 + 0.14 is 0.34, not 0.34000000000000002);
 * non-finite values pass through. */
double mph_round12(double x);

/* ---- linear algebra ---- */
/* mph_gemm with the beta term taken from Cin rather than C: C = alpha
 * op(A) op(B) + beta Cin, Cin m x n with row stride ldci (0: every row the
 * same, e.g. a bias), read before C is written where they overlap only if
 * Cin is C itself. */
void mph_gemm_in(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                 const double *b, int ldb, double beta, const double *ci, int ldci, double *c,
                 int ldc);

/* Two products summed: C = alpha (op(A) B + op(A2) B2) + beta Cin, B and
 * B2 not transposed, the pairs sharing their strides; k and k2 terms. */
void mph_gemm2(int ta, int m, int n, int k, int k2, double alpha, const double *a,
               const double *a2, int lda, const double *b, const double *b2, int ldb, double beta,
               const double *ci, int ldci, double *c, int ldc);

/* The elementwise passes of a ReLU network, each giving its plain loop's
 * results to the bit: z = +0.0 where z < 0 (-0.0 and NaN stay); d = +0.0
 * where !(a > 0); g[j] = sum over rows of d[i][j], in row order. */
void mph_vec_relu(double *z, size_t n);
void mph_vec_mask(double *d, const double *a, size_t n);
void mph_colsum(const double *d, size_t rows, size_t cols, double *g);

/* out = x - lr g, elementwise (a product then a difference, never fused);
 * out may be x. */
void mph_vec_step(size_t n, double lr, const double *g, const double *x, double *out);

/* y = alpha * op(A) x + beta * y, A row-major m x n. */
void mph_gemv(int trans, int m, int n, double alpha, const double *a, int lda,
              const double *x, double beta, double *y);

/* In place lower Cholesky of the row-major n x n SPD matrix a (upper part
 * left untouched); 0 on success, -1 if not positive definite. */
int mph_cholesky(int n, double *a, int lda);

/* Solves (L L^T) X = B in place for nrhs right-hand sides, B row-major n x nrhs. */
void mph_cholesky_solve(int n, int nrhs, const double *l, int lda, double *b, int ldb);

/* Solves L X = B (lower triangular) in place. */
void mph_trsolve_lower(int n, int nrhs, const double *l, int lda, double *b, int ldb);

/* Replaces the lower Cholesky factor in a by the full (symmetric) inverse of
 * L L^T; 0, or -1 on failure. */
int mph_cholesky_inverse(int n, double *a, int lda);

#endif
