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
/* A pull reader over libcsv (RFC 4180: quoted fields, embedded commas,
 * quotes and newlines, CRLF, a UTF-8 BOM). The first record is the header and
 * is required; columns are found by name. Fields longer than
 * MPH_CSV_MAX_FIELD bytes are rejected as malformed. */
#define MPH_CSV_MAX_FIELD (1 << 20)
typedef struct mph_csv mph_csv;
/* path "-" or NULL reads stdin (named "<stdin>" in messages). */
mph_csv *mph_csv_open(const char *path, mph_error *err);
/* Reads from fp (not closed by mph_csv_close); name is used in messages. */
mph_csv *mph_csv_open_fp(FILE *fp, const char *name, mph_error *err);
void mph_csv_close(mph_csv *c);
/* Next record: 1 when one was read, 0 at end of input, -1 on error. Every
 * record must have as many fields as the header. */
int mph_csv_read(mph_csv *c, mph_error *err);
size_t mph_csv_ncols(const mph_csv *c);
const char *const *mph_csv_header(const mph_csv *c);
/* Index of the column with this name, or -1. */
long mph_csv_col(const mph_csv *c, const char *name);
/* Fields of the current record (NUL-terminated, valid until the next read). */
const char *const *mph_csv_fields(const mph_csv *c);
const char *mph_csv_field(const mph_csv *c, size_t col);
/* The file's name for messages, and the line on which the current record starts. */
const char *mph_csv_name(const mph_csv *c);
long mph_csv_line(const mph_csv *c);
/* Finds a column that must exist: its index, or -1 with
 * "missing required column 'NAME'" in err. */
long mph_csv_require(const mph_csv *c, const char *name, mph_error *err);
/* Parses field col of the current record as a finite number; on failure
 * fills err with "column 'NAME': not a number: 'VALUE'" at the record's line. */
int mph_csv_double(const mph_csv *c, size_t col, double *out, mph_error *err);

/* Writing: fields are quoted only when they need to be. */
void mph_csv_write_field(FILE *fp, const char *s);
void mph_csv_write_row(FILE *fp, const char *const *fields, size_t n);
void mph_csv_write_double(FILE *fp, double x); /* mph_fmt_double, unquoted */
/* @@csv@@ */

/* ---- json --------------------------------------------------------------- */
#include <jansson.h>
/* Loads a JSON file ("-" for stdin) into err's file/line/column on failure. */
json_t *mph_json_load(const char *path, mph_error *err);
/* Writes j with sorted keys and reals as mph_fmt_double (so files diff and
 * round-trip); 0 or -1. */
int mph_json_dump(json_t *j, FILE *fp);
/* @@json@@ */

/* ---- expressions (constraints) ------------------------------------------ */
/* Small expressions for constraints, in space specs ("cpu * 2 >= batch / 32")
 * and objectives ("p99_ms <= 1000"). Grammar, loosest first: || && ! ;
 * comparisons < <= > >= == != ; + - ; * / ; unary - ; numbers, names
 * [A-Za-z_][A-Za-z0-9_.]*, "string" or 'string' literals, parentheses, and the
 * functions min(a,b) max(a,b) log(a) log2(a) exp(a) abs(a).
 * Truth is 1, falsehood 0; comparing a string compares text. */
typedef struct mph_expr mph_expr;
/* On a syntax error, err->col is the 1-based offset into text. */
mph_expr *mph_expr_parse(const char *text, mph_error *err);
void mph_expr_free(mph_expr *e);
const char *mph_expr_text(const mph_expr *e);
/* Gives each variable name a slot once; the resolver returns the slot or -1
 * for an unknown name, which fails with "unknown name 'X'". */
typedef long (*mph_expr_resolver)(void *ctx, const char *name);
int mph_expr_bind(mph_expr *e, mph_expr_resolver resolve, void *ctx, mph_error *err);
/* A slot's value: num is NaN when the value is not a number; str may be NULL
 * when the value has no text form. */
typedef struct { double num; const char *str; } mph_value;
/* Evaluates with slots indexed as bound; NaN when a number was needed and
 * is missing. */
double mph_expr_eval(const mph_expr *e, const mph_value *slots);
/* @@expr@@ */

/* ---- space, configurations and encoding --------------------------------- */
/* A space is an ordered list of knobs, each with a finite list of values
 * (ranges are expanded at load), plus optional constraints. A configuration
 * is an array of value indices, one per knob (size_t idx[nknobs]).
 * Categorical values are strings; the others are numbers. */
typedef enum {
	MPH_KNOB_INT, MPH_KNOB_FLOAT, MPH_KNOB_ORDINAL, MPH_KNOB_CATEGORICAL
} mph_knob_type;
typedef struct mph_space mph_space;

mph_space *mph_space_load(const char *path, mph_error *err);
/* file names the source in messages; j is not stolen. */
mph_space *mph_space_from_json(json_t *j, const char *file, mph_error *err);
/* Canonical JSON of the space (new reference); what model files embed. */
json_t *mph_space_to_json(const mph_space *s);
void mph_space_free(mph_space *s);

size_t mph_space_nknobs(const mph_space *s);
const char *mph_space_knob_name(const mph_space *s, size_t k);
long mph_space_knob_index(const mph_space *s, const char *name); /* -1 if none */
mph_knob_type mph_space_knob_type(const mph_space *s, size_t k);
size_t mph_space_nvalues(const mph_space *s, size_t k);
/* Numeric value i of knob k (for a categorical knob: i itself). */
double mph_space_value(const mph_space *s, size_t k, size_t i);
/* Value i of knob k as text, as it appears in configuration files. */
const char *mph_space_value_str(const mph_space *s, size_t k, size_t i);
/* Number of configurations before constraints (saturates at UINT64_MAX). */
uint64_t mph_space_size(const mph_space *s);
/* 1 if the configuration satisfies every constraint of the space. */
int mph_space_feasible(const mph_space *s, const size_t *idx);
/* Mixed-radix id of a configuration (knob 0 most significant), and back. */
uint64_t mph_space_config_id(const mph_space *s, const size_t *idx);
void mph_space_config_from_id(const mph_space *s, uint64_t id, size_t *idx);
/* Digest of the canonical JSON: two spaces encode alike iff digests match. */
uint64_t mph_space_digest(const mph_space *s);

/* Encoding: the one place every model gets its features from. Numeric knobs
 * scale to [0,1] over their value range (log scale where the spec says so);
 * categorical knobs are one-hot, or their numeric attributes scaled to [0,1]
 * when the spec gives attributes. */
size_t mph_space_nfeatures(const mph_space *s);
const char *mph_space_feature_name(const mph_space *s, size_t f);
void mph_space_encode(const mph_space *s, const size_t *idx, double *x);

/* Reading configurations from CSV: bind finds each knob's column (cols has
 * nknobs entries); parse turns the current record into value indices, with a
 * message naming line, column and value when it is not in the space. */
int mph_space_bind(const mph_space *s, const mph_csv *c, size_t *cols, mph_error *err);
int mph_space_parse(const mph_space *s, const mph_csv *c, const size_t *cols,
                    size_t *idx, mph_error *err);
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
