/*
 * mph.h: the one public header of libmph.
 *
 * Ownership: every mph_x_new()/mph_x_open()/mph_x_load() returns an object
 * the caller owns and releases with the matching mph_x_free()/close(); every
 * free accepts NULL. Strings returned by accessors belong to the object and
 * live as long as it does unless said otherwise.
 *
 * Errors: the library never prints and never exits. A failing call returns
 * NULL or -1 and, when given a non-NULL mph_error, fills it with the file,
 * line, column (0 when unknown) and a message without the program name.
 *
 * Numbers cross file boundaries in the C locale; mph_fmt_double() writes the
 * shortest text that reads back to the same double.
 */
#ifndef MPH_H
#define MPH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MPH_VERSION "0.1.0"

/* ---- errors ------------------------------------------------------------ */

typedef struct {
	char file[256]; /* "" when not about a file */
	long line;      /* 1-based, 0 when unknown */
	long col;       /* 1-based, 0 when unknown */
	char text[1024];
} mph_error;

void mph_error_clear(mph_error *e);
/* Fills e (if non-NULL); always returns -1 so callers can `return mph_error_set(...)`. */
int mph_error_set(mph_error *e, const char *file, long line, long col,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "file:line:col: text", leaving out the parts that are unknown. */
const char *mph_error_format(const mph_error *e, char *buf, size_t size);

/* ---- numbers and small utilities ---------------------------------------- */

/* Parses the whole of s as a finite double (C locale); 0 on success, -1 otherwise. */
int mph_parse_double(const char *s, double *out);
/* Parses the whole of s as a base-10 long; 0 on success, -1 otherwise. */
int mph_parse_long(const char *s, long *out);
/* Shortest decimal that round-trips (at most %.17g); returns buf. Needs 32 bytes. */
char *mph_fmt_double(char *buf, double x);
/* FNV-1a 64 over bytes, chainable: pass the previous value or 0 to start. */
uint64_t mph_hash64(const void *data, size_t n, uint64_t h);

/* Output that is complete or absent: writes go to a temporary file in the
 * destination's folder, renamed over it by commit; "-" or NULL means stdout
 * (commit then flushes and checks stdout for write errors). */
typedef struct mph_out mph_out;
mph_out *mph_out_open(const char *path, mph_error *err);
FILE *mph_out_fp(mph_out *o);
int mph_out_commit(mph_out *o, mph_error *err); /* frees o */
void mph_out_abort(mph_out *o);                 /* removes the temporary, frees o */

/* ---- seeded random numbers (xoshiro256**) ------------------------------- */

typedef struct { uint64_t s[4]; } mph_rng;
void mph_rng_seed(mph_rng *r, uint64_t seed);
uint64_t mph_rng_u64(mph_rng *r);
double mph_rng_uniform(mph_rng *r);             /* [0, 1) */
double mph_rng_normal(mph_rng *r);              /* standard normal */
uint64_t mph_rng_below(mph_rng *r, uint64_t n); /* uniform in [0, n), unbiased */
void mph_rng_shuffle(mph_rng *r, size_t *a, size_t n);

/* ---- dense linear algebra (lib/linalg.c is the only BLAS/LAPACK user) ---- */

/* Row-major C = alpha * op(A) * op(B) + beta * C, op(A) is m x k, op(B) k x n. */
void mph_gemm(int trans_a, int trans_b, int m, int n, int k, double alpha,
              const double *a, int lda, const double *b, int ldb, double beta,
              double *c, int ldc);
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

/* ==== sections below are filled in module by module ===================== */

/* ---- csv ---------------------------------------------------------------- */
/* @@csv@@ */

/* ---- json --------------------------------------------------------------- */
/* @@json@@ */

/* ---- expressions (constraints) ------------------------------------------ */
/* @@expr@@ */

/* ---- space, configurations and encoding --------------------------------- */
/* @@space@@ */

/* ---- objective ---------------------------------------------------------- */
/* @@objective@@ */

/* ---- multilayer perceptron and MAML ------------------------------------- */
/* @@mlp@@ */

/* ---- model file --------------------------------------------------------- */
/* @@model@@ */

/* ---- gaussian process --------------------------------------------------- */
/* @@gp@@ */

/* ---- acquisition and search --------------------------------------------- */
/* @@search@@ */

/* ---- probes: replay, simulator -------------------------------------------- */
/* @@probe@@ */

/* ---- probes: live (exec, HTTP load generator) ----------------------------- */
/* @@live@@ */

/* ---- evaluation ----------------------------------------------------------- */
/* @@eval@@ */

#endif
