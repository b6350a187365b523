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
/* More precisely: a comparison compares text when one side is a string
 * literal or both sides are values without a number (categorical columns);
 * otherwise numbers, and a missing number makes the result NaN. && and ||
 * stay decided when one side settles them (0 && NaN is 0). Comparisons do
 * not chain; strings have no escapes (use the other quote). */
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
/* The distinct variable names, in order of first use, and the slot each was
 * bound to (-1 before binding): lets a caller skip or explain a constraint. */
size_t mph_expr_nnames(const mph_expr *e);
const char *mph_expr_name(const mph_expr *e, size_t i);
long mph_expr_slot(const mph_expr *e, size_t i);
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
/* Initial design: every min/max corner of the corner knobs, the other knobs
 * at their fixed values (from the spec's "initial", else: corners are the
 * numeric knobs with more than one value, fixed values the first). corners
 * is "k1,k2,..." and fixed "k=v,k=v"; either may be NULL to keep the spec's. */
int mph_space_set_initial(mph_space *s, const char *corners, const char *fixed, mph_error *err);
/* Writes up to max feasible corner configurations into idx (max x nknobs),
 * first corner knob most significant, min before max; returns the count. */
size_t mph_space_initial(const mph_space *s, size_t *idx, size_t max);
/* The CSV header of knob names, and one configuration as a CSV row. */
void mph_space_write_header(const mph_space *s, FILE *fp);
void mph_space_write_config(const mph_space *s, FILE *fp, const size_t *idx);
/* Derives a space from a profiled trace (reads c to its end): knob columns
 * are those named in knobs (NULL: guessed — every column but task, status
 * and the excluded ones whose distinct values are few: at most 64 and at
 * most half the rows). Non-numeric columns become categorical; evenly spaced
 * integers int ranges, evenly spaced reals float ranges, others ordinal
 * (log scale when all positive and max/min >= 8). */
mph_space *mph_space_from_trace(mph_csv *c, const char *const *knobs, size_t nknobs,
                                const char *const *exclude, size_t nexclude, mph_error *err);
/* Advances idx to the next configuration in id order (feasible or not);
 * 0 when it wrapped past the last. */
int mph_space_next(const mph_space *s, size_t *idx);
/* Number of feasible configurations (enumerates: O(size) time). */
uint64_t mph_space_count(const mph_space *s);
/* Draws up to n distinct feasible configuration ids without replacement
 * into ids; returns how many (fewer only when the space has fewer), or -1. */
long mph_space_sample(const mph_space *s, size_t n, mph_rng *rng, uint64_t *ids, mph_error *err);
/* @@space@@ */

/* ---- objective ---------------------------------------------------------- */
/* What "best" means (format: mph-objective(5)): a metric column and its
 * direction, an optional linear cost model over knob columns with
 * per-category prices, the score (the metric, or the metric per unit of
 * cost) and constraints over any columns ("p99_ms <= 1000"). Load once, bind
 * once to a CSV header, then evaluate row after row. */
typedef struct mph_objective mph_objective;
mph_objective *mph_objective_load(const char *path, mph_error *err);
/* file names the source in messages; j is not stolen. */
mph_objective *mph_objective_from_json(json_t *j, const char *file, mph_error *err);
void mph_objective_free(mph_objective *o);
const char *mph_objective_name(const mph_objective *o);   /* the metric when unnamed */
const char *mph_objective_metric(const mph_objective *o);
int mph_objective_maximize(const mph_objective *o);       /* 1 for "max", 0 for "min" */
int mph_objective_per_cost(const mph_objective *o);       /* 1 for "metric_per_cost" */
int mph_objective_has_cost(const mph_objective *o);       /* 1 if it has a cost model */
size_t mph_objective_nconstraints(const mph_objective *o);
const char *mph_objective_constraint(const mph_objective *o, size_t i);
/* Higher is better whatever the direction: the score itself for "max", its
 * negation for "min"; NaN stays NaN. */
double mph_objective_utility(const mph_objective *o, double score);

/* Binding to a header. Every column the objective names must exist, except
 * with MPH_OBJECTIVE_PREDICTED: then the metric column may be absent (the
 * caller passes a predicted value to eval) and constraints naming an absent
 * column are skipped, so candidates that were never measured can be scored.
 * Errors: "missing required column 'cpu'", "constraint 'p99_ms <= 1000':
 * missing column 'p99_ms'" (file and line are left to the caller, or filled
 * by the _csv forms). The bound object refers to o, which must outlive it. */
#define MPH_OBJECTIVE_PREDICTED 1u
typedef struct mph_objective_bound mph_objective_bound;
mph_objective_bound *mph_objective_bind(const mph_objective *o, const char *const *header,
                                        size_t ncols, unsigned flags, mph_error *err);
mph_objective_bound *mph_objective_bind_csv(const mph_objective *o, const mph_csv *c,
                                            unsigned flags, mph_error *err);
void mph_objective_bound_free(mph_objective_bound *b);
/* 1 if constraint i is checked under this binding, 0 if it was skipped. */
int mph_objective_bound_checks(const mph_objective_bound *b, size_t i);

typedef struct {
	double metric;  /* the measured value, or the caller's prediction */
	double cost;    /* base + terms; 0 without a cost model */
	double score;   /* metric, or metric / cost */
	double utility; /* mph_objective_utility(score) */
	long violated;  /* index of the first violated constraint, -1 if none */
} mph_objective_result;
/* Scores one row (fields in header order). metric is NaN to read the metric
 * column, or a value (a prediction) that stands in for it everywhere,
 * constraints included. 0, or -1 with e.g. "column 'rps': not a number:
 * 'abc'", "column 'gpu_type': no price for 'K80'", "cost is not positive: 0"
 * (metric_per_cost only), or a constraint that needs a number the row lacks.
 * A violated constraint is not an error: see r->violated. */
int mph_objective_eval(const mph_objective_bound *b, const char *const *fields, double metric,
                       mph_objective_result *r, mph_error *err);
/* The same on the current record of c, with its file and line in err. */
int mph_objective_eval_csv(const mph_objective_bound *b, const mph_csv *c, double metric,
                           mph_objective_result *r, mph_error *err);
/* The cost alone; needs neither the metric nor the constraints. */
int mph_objective_cost(const mph_objective_bound *b, const char *const *fields,
                       double *cost, mph_error *err);
/* @@objective@@ */

/* ---- multilayer perceptron and MAML ------------------------------------- */
/* A fully connected regressor: nin inputs, nhidden ReLU layers, one linear
 * output. All parameters live in one flat vector, layer by layer, each layer
 * its weights W (out x in, row-major) then its biases b, so optimisers, MAML
 * and the model file see one array. Loss is the mean squared error.
 * An mph_mlp owns scratch memory grown on demand and reused, so predicting
 * and training allocate nothing once warm: not safe to share between threads
 * (clone one per thread). */
#define MPH_MLP_MAX_HIDDEN 8
typedef struct mph_mlp mph_mlp;

/* hidden[i] units in hidden layer i (nhidden <= MPH_MLP_MAX_HIDDEN, may be 0).
 * Parameters start at zero: call mph_mlp_init. */
mph_mlp *mph_mlp_new(size_t nin, size_t nhidden, const size_t *hidden);
void mph_mlp_free(mph_mlp *m);
mph_mlp *mph_mlp_clone(const mph_mlp *m);
/* Copies src's parameters into dst of the same shape; no allocation.
 * 0, or -1 if the shapes differ. */
int mph_mlp_copy(mph_mlp *dst, const mph_mlp *src);
/* He-normal weights, zero biases. */
void mph_mlp_init(mph_mlp *m, mph_rng *rng);
size_t mph_mlp_nin(const mph_mlp *m);
size_t mph_mlp_nhidden(const mph_mlp *m);
size_t mph_mlp_hidden(const mph_mlp *m, size_t i);
size_t mph_mlp_nparams(const mph_mlp *m);
double *mph_mlp_params(mph_mlp *m); /* nparams values, writable */
const double *mph_mlp_params_const(const mph_mlp *m);

/* out[i] = f(X row i), X is n x nin row-major. */
void mph_mlp_predict(mph_mlp *m, const double *X, size_t n, double *out);
/* Mean squared error over n rows; grad (nparams, may be NULL) gets its
 * gradient with respect to the parameters. */
double mph_mlp_loss_grad(mph_mlp *m, const double *X, const double *y, size_t n,
                         double *grad);
/* hv = H v, the Hessian of the loss at the current parameters times v
 * (exact, Pearlmutter's R-operator); returns the loss. */
double mph_mlp_hvp(mph_mlp *m, const double *X, const double *y, size_t n,
                   const double *v, double *hv);

/* Training on one data set (fine-tuning, adaptation, from-scratch and
 * pretraining all go through this). batch 0 = full batch (deterministic, rng
 * unused); otherwise minibatches drawn from rng. Adam uses the usual
 * beta1 0.9, beta2 0.999, eps 1e-8 and restarts its moments on every call. */
typedef enum { MPH_OPT_SGD, MPH_OPT_ADAM } mph_optimizer;
typedef struct {
	mph_optimizer opt;
	int steps;      /* gradient steps */
	double lr;      /* learning rate */
	size_t batch;   /* rows per step, 0 = all */
	double l2;      /* weight decay towards zero (0 = none) */
} mph_train_opts;
/* Returns the loss over all n rows after the last step. */
double mph_mlp_train(mph_mlp *m, const double *X, const double *y, size_t n,
                     const mph_train_opts *o, mph_rng *rng);

/* ---- traces and trials (rows grouped by task, encoded) ---- */
/* Failed configurations are kept, never dropped: a row whose `status` column
 * (when there is one) is not "ok" gets the metric fail_value (0 by default:
 * a configuration that does not run serves nothing), whatever its metric
 * field holds, even empty. A row with status ok (or no status column) must
 * have a finite metric. */
typedef struct {
	char *name;            /* task name ("" for a trials file) */
	size_t n;              /* rows */
	size_t *idx;           /* n x nknobs value indices */
	double *x;             /* n x nfeatures, mph_space_encode */
	double *y;             /* n metric values, failures replaced */
	unsigned char *failed; /* n flags: 1 where status was not ok */
} mph_task;
typedef struct {
	size_t nknobs, nfeatures;
	size_t ntasks;
	mph_task *tasks;        /* in order of first appearance */
	uint64_t digest;        /* mph_hash64 over the rows read (provenance) */
} mph_trace;
/* A trace: CSV with a `task` column, the space's knob columns and column
 * metric; other columns are ignored. Rows of a task need not be adjacent. */
mph_trace *mph_trace_load(const char *path, const mph_space *s, const char *metric,
                          double fail_value, mph_error *err);
/* A trials file (no task column): one task named "". May have zero rows. */
mph_trace *mph_trials_load(const char *path, const mph_space *s, const char *metric,
                           double fail_value, mph_error *err);
void mph_trace_free(mph_trace *t);
long mph_trace_task_index(const mph_trace *t, const char *name); /* -1 if none */

/* ---- per-task target normalisation ---- */
/* Services differ by orders of magnitude in the metric, so a model learns the
 * shape of a surface, not its scale: targets are normalised per task with
 * statistics of the task's observed trials only (at adaptation: the trials;
 * in meta-training: the episode's support set), so training and use see the
 * same rule. MAX: y / max(y) (failures stay at 0, the best seen at 1);
 * ZSCORE: (y - mean) / sd; NONE: identity. A degenerate set (max <= 0,
 * sd 0, or no rows) falls back to shift 0 / scale 1 (MAX) or shift mean,
 * scale 1 (ZSCORE). */
typedef enum { MPH_NORM_NONE, MPH_NORM_MAX, MPH_NORM_ZSCORE } mph_norm_kind;
typedef struct { double shift, scale; } mph_norm; /* z = (y - shift) / scale */
mph_norm mph_norm_fit(mph_norm_kind kind, const double *y, size_t n);
void mph_norm_apply(const mph_norm *nm, const double *y, size_t n, double *z);
void mph_norm_invert(const mph_norm *nm, const double *z, size_t n, double *y);
const char *mph_norm_name(mph_norm_kind kind); /* "none", "max", "zscore" */
int mph_norm_parse(const char *name, mph_norm_kind *kind); /* 0 or -1 */

/* ---- meta-training ---- */
/* MAML: each iteration samples meta_batch tasks and from each a K-shot
 * support and a query set (disjoint), normalised by the support's
 * statistics; d SGD steps on the support, then an Adam step on the
 * meta-weights along the query loss gradient of the adapted weights (exact
 * second order, or first order for FOMAML). PRETRAIN: the same episodes
 * pooled, one Adam step on the plain regression loss of support + query
 * (the Fine-tuning baseline). */
typedef enum { MPH_META_MAML, MPH_META_FOMAML, MPH_META_PRETRAIN } mph_meta_mode;
typedef struct {
	mph_meta_mode mode;
	int iters;          /* meta-iterations (pretrain: Adam steps) */
	int meta_batch;     /* tasks per meta-iteration */
	int shots;          /* K: support rows per task and episode */
	int query;          /* query rows per task and episode */
	int inner_steps;    /* d: SGD steps on the support set */
	double inner_lr;    /* alpha */
	double outer_lr;    /* Adam step size on the meta-weights */
	mph_norm_kind norm;
	/* Called every iteration when non-NULL; loss is the mean query loss. */
	void (*progress)(void *ctx, int iter, int iters, double loss);
	void *progress_ctx;
} mph_meta_opts;
void mph_meta_opts_default(mph_meta_opts *o);
/* Meta-trains m in place from its current parameters (call mph_mlp_init
 * first). Fails if a task has fewer than shots + 1 rows (MAML) or the trace
 * has no rows. */
int mph_meta_train(mph_mlp *m, const mph_trace *t, const mph_meta_opts *o,
                   mph_rng *rng, mph_error *err);
/* The MAML meta-gradient for one task: grad = d/dtheta of the query loss
 * after `steps` SGD steps of size lr on the support set from theta = m's
 * parameters (m is left unchanged); first_order drops the Hessian terms.
 * Returns the query loss after adaptation. Exposed for tests. */
double mph_maml_task_grad(mph_mlp *m, const double *Xs, const double *ys, size_t ns,
                          const double *Xq, const double *yq, size_t nq,
                          int steps, double lr, int first_order, double *grad);
/* @@mlp@@ */

/* ---- model file --------------------------------------------------------- */
/* A model is everything needed to score a configuration from the file alone:
 * the space (its encoding), the network, the normalisation rule, the
 * adaptation settings it was meta-trained for, and, once adapted, the
 * normalisation fitted on the task's trials. Format: man 5 mph-model.
 * Typical in-process use (mph-suggest, mph-eval), no file I/O in the loop:
 *   meta = mph_model_load(path, err); work = mph_model_clone(meta);
 *   each step: mph_model_reset(work, meta);
 *              mph_model_adapt(work, X, y, n, NULL, rng);
 *              mph_model_predict(work, Xall, nall, pred);
 * X rows come from mph_space_encode(mph_model_space(m), ...). */
#define MPH_MODEL_FORMAT "mph-model"
#define MPH_MODEL_VERSION 1
typedef struct {
	mph_space *space;       /* owned */
	mph_mlp *mlp;           /* owned */
	char *metric;           /* owned; the trace column it was trained on */
	double fail_value;      /* the metric given to failed configurations */
	mph_norm_kind norm;     /* per-task normalisation rule */
	mph_train_opts adapt;   /* default adaptation (mph-adapt, mph-suggest) */
	int adapted;            /* 1 once task_norm holds a fitted normalisation */
	mph_norm task_norm;     /* maps network output back to metric units */
	json_t *provenance;     /* owned object: tool, version, args, mode, data digest... */
	double *zbuf;           /* scratch, owned */
	size_t zcap;
} mph_model;

/* Takes ownership of space and mlp (mlp's nin must equal the space's
 * nfeatures); adapt gets defaults (SGD, 10 steps... see mph-adapt -h). */
mph_model *mph_model_new(mph_space *space, mph_mlp *mlp, const char *metric,
                         mph_norm_kind norm, mph_error *err);
void mph_model_free(mph_model *m);
mph_model *mph_model_clone(const mph_model *m);
/* Copies src's weights and adaptation state into dst (a clone of the same
 * model): no allocation. 0, or -1 if the shapes differ. */
int mph_model_reset(mph_model *dst, const mph_model *src);
const mph_space *mph_model_space(const mph_model *m);

/* Loading checks format, version, shapes, finite numbers. */
mph_model *mph_model_load(const char *path, mph_error *err);
mph_model *mph_model_from_json(json_t *j, const char *file, mph_error *err);
json_t *mph_model_to_json(const mph_model *m); /* new reference */
/* Writes the file complete or not at all ("-" = stdout). Saving a loaded
 * model gives the same bytes. */
int mph_model_save(const mph_model *m, const char *path, mph_error *err);
/* 0 if s encodes exactly as the model's space, else -1 with a message that
 * says how they differ (err->file set to file). */
int mph_model_check_space(const mph_model *m, const mph_space *s, const char *file,
                          mph_error *err);

/* Adapts in place to one task's n observed rows (X encoded, y in metric
 * units, failures already set to fail_value): fits task_norm on y with the
 * model's rule, then trains from the current weights with o (NULL = m->adapt).
 * n may be 0 (only the normalisation is reset). 0, or -1 on non-finite loss. */
int mph_model_adapt(mph_model *m, const double *X, const double *y, size_t n,
                    const mph_train_opts *o, mph_rng *rng, mph_error *err);
/* Predictions in metric units (normalised units if never adapted). */
void mph_model_predict(mph_model *m, const double *X, size_t n, double *out);
/* @@model@@ */

/* ---- gaussian process --------------------------------------------------- */
/* Exact GP regression over encoded features (n x d row-major), Matern 5/2
 * kernel with one length scale per feature (ARD). Hyper-parameters theta
 * (d + 2 values) are log length scales, log signal variance, log noise
 * variance, the variances in normalised target units (y standardised when
 * asked). The GP copies what it is given. */
typedef struct mph_gp mph_gp;
typedef struct {
	int normalize;     /* standardise y to mean 0, sd 1 before fitting [1] */
	int restarts;      /* random starts of the LML maximisation beyond the first [2] */
	int max_iter;      /* L-BFGS iterations per start [60] */
	uint64_t seed;     /* seeds the restart points [1] */
	double min_noise;  /* lower bound of the noise variance, normalised units [1e-6] */
	int warm;          /* first start from the current theta, not the default [0] */
} mph_gp_opts;
void mph_gp_opts_init(mph_gp_opts *o);
mph_gp *mph_gp_new(size_t d);
void mph_gp_free(mph_gp *g);
size_t mph_gp_dim(const mph_gp *g);
size_t mph_gp_n(const mph_gp *g);
void mph_gp_hyper(const mph_gp *g, double *theta);
void mph_gp_set_hyper(mph_gp *g, const double *theta);
/* Conditions on (x, y) with the current hyper-parameters; 0 or -1. */
int mph_gp_condition(mph_gp *g, const double *x, const double *y, size_t n, int normalize,
                     mph_error *err);
/* Fits theta by maximising the log marginal likelihood (L-BFGS with
 * analytic gradients, seeded restarts, theta kept inside a box that keeps
 * the kernel well conditioned), then conditions on (x, y); 0 or -1. */
int mph_gp_fit(mph_gp *g, const double *x, const double *y, size_t n, const mph_gp_opts *o,
               mph_error *err);
/* Log marginal likelihood of the conditioned (normalised) targets at the
 * current theta and, when grad is non-NULL, its gradient in theta;
 * -INFINITY if the kernel matrix cannot be factored. */
double mph_gp_lml(mph_gp *g, double *grad);
/* Posterior mean and variance of the latent function (y units) at m
 * points; var may be NULL; 0, or -1 when not conditioned. */
int mph_gp_predict(mph_gp *g, const double *xs, size_t m, double *mean, double *var);
/* Maximising acquisitions: mean + kappa sd, and expected improvement over
 * best + xi. */
double mph_gp_ucb(double mean, double var, double kappa);
double mph_gp_ei(double mean, double var, double best, double xi);
/* @@gp@@ */

/* ---- acquisition and search --------------------------------------------- */
/* @@search@@ */

/* ---- probes: replay, simulator -------------------------------------------- */
/* @@probe@@ */

/* ---- probes: live (exec, HTTP load generator) ----------------------------- */
/* Latency histogram: log buckets over whole microseconds, 1 us to 60 s
 * (larger values count as 60 s and in mph_hist_overflow), 3 significant
 * digits. Quantiles q in [0,1], in microseconds; NaN when empty. */
typedef struct mph_hist mph_hist;
mph_hist *mph_hist_new(void);
void mph_hist_free(mph_hist *h);
void mph_hist_reset(mph_hist *h);
void mph_hist_record(mph_hist *h, double us);
void mph_hist_merge(mph_hist *dst, const mph_hist *src);
uint64_t mph_hist_count(const mph_hist *h);
uint64_t mph_hist_overflow(const mph_hist *h);
double mph_hist_quantile(const mph_hist *h, double q);
double mph_hist_mean(const mph_hist *h);
double mph_hist_min(const mph_hist *h);
double mph_hist_max(const mph_hist *h);

/* Seconds on the monotonic clock. */
double mph_now(void);

/* One open-loop load step: requests due at a fixed rate (or a Poisson process
 * of that rate) for warmup_s + measure_s seconds; only requests due in the
 * measurement window count. Latency runs from a request's due time, and a
 * request not answered within timeout_s of it is a timeout. */
typedef struct {
	const char *url;
	const char *method;            /* NULL: GET, or POST with a body */
	const char *const *headers;    /* "Name: value" */
	size_t nheaders;
	const char *body;              /* NULL: none */
	size_t body_len;
	double rate;                   /* requests per second */
	int poisson;                   /* exponential gaps instead of constant */
	uint64_t seed;                 /* for the Poisson gaps */
	double warmup_s, measure_s, timeout_s;
	int connections;               /* keep-alive pool, the most in flight */
	double percentile;             /* for pctl_ms, e.g. 99 */
	int (*stop)(void *ctx);        /* polled; non-zero ends the step early */
	void *stop_ctx;
} mph_load_opts;
void mph_load_opts_init(mph_load_opts *o); /* rate 100, 1 s + 3 s, timeout 5 s, 64 connections, p99 */

typedef struct {
	double offered_rps;
	double rps;             /* 2xx/3xx answers completed inside the window, per second */
	double sent_rps;        /* requests sent inside the window, per second */
	uint64_t scheduled;     /* due inside the window; the rest count alike */
	uint64_t sent, ok, errors, timeouts;
	uint64_t conn_errors, http_4xx, http_5xx;
	uint64_t ok_in_window, sent_in_window, polls;
	double error_rate;      /* (errors + timeouts) / scheduled */
	double p50_ms, p90_ms, p99_ms, p999_ms, pctl_ms, mean_ms, max_ms; /* of 2xx/3xx answers */
	double max_lag_s;       /* latest send behind schedule */
	double seconds;         /* wall time of the step */
	int stopped;            /* ended early by opts.stop */
	char first_error[128];  /* the first failure, for messages */
} mph_load_result;
/* -1 only for invalid options or a libcurl failure; a service that refuses,
 * fails or times out is a result, not an error. */
int mph_load_run(const mph_load_opts *o, mph_load_result *r, mph_error *err);

/* Peak-rate search: the highest offered rate at which the chosen percentile
 * stays within slo_ms and the error rate below max_error. A step is one call
 * of `step` (usually mph_load_run); it returns -1 to abandon the search. */
typedef int (*mph_rate_step_fn)(void *ctx, double rate, mph_load_result *r, mph_error *err);
typedef struct {
	double slo_ms;          /* 1000 */
	double max_error;       /* 0.01 */
	double tolerance;       /* 0.05: stop when the bracket hi/lo <= 1 + tolerance */
	double start_rate;      /* 10 */
	double min_rate;        /* 1: below this the service serves nothing */
	double max_rate;        /* 1e6 */
	double max_seconds;     /* 120: no step starts after this */
	double step_seconds;    /* expected length of one step, to keep to max_seconds */
	int max_steps;          /* 30 */
	int use_mean;           /* judge mean latency instead of pctl_ms (Morphling) */
} mph_rate_opts;
void mph_rate_opts_init(mph_rate_opts *o);
typedef struct {
	double peak;            /* highest passing rate, 0 when none passed */
	double fail_rate;       /* lowest failing rate, 0 when none failed */
	mph_load_result best;   /* the step at peak, or the lowest step when none passed */
	int steps;
	double seconds;
	int converged;          /* the bracket closed within the tolerance (or hit a bound) */
} mph_rate_result;
/* Ramps up by doubling, then uses the throughput measured at an overloaded
 * step to aim just below it, bisecting (geometrically) otherwise. */
int mph_rate_search(const mph_rate_opts *o, mph_rate_step_fn step, void *ctx,
                    mph_rate_result *res, mph_error *err);
/* Morphling's stress-test client, for comparison: double the rate until a
 * step fails, then bisect the last bracket, nothing else. */
int mph_rate_search_doubling(const mph_rate_opts *o, mph_rate_step_fn step, void *ctx,
                             mph_rate_result *res, mph_error *err);
/* 1 when the step meets the SLO and error bound under o. */
int mph_rate_step_passes(const mph_rate_opts *o, const mph_load_result *r);
/* @@live@@ */

/* ---- evaluation ----------------------------------------------------------- */
/* @@eval@@ */

#endif
