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
 *
 * This header declares what the tools, examples and benchmarks call. The
 * library is in layers, one folder of lib/ each, lowest first; a layer uses
 * only those above it in this list, and its private header (lib/LAYER/LAYER.h,
 * what the library's files and the unit tests include) declares the rest:
 *   core    errors, allocation, numbers, atomic output, random numbers, BLAS
 *   io      the CSV reader and writer, appending to a trials file, JSON
 *   space   spaces and their encoding, constraint expressions, objectives,
 *           what a trial is and the trials so far
 *   learn   the MLP, traces as training data, normalisation, MAML, model
 *           files, the Gaussian process
 *   search  candidates and the algorithms that choose among them
 *   probe   measuring: replay, the simulator and its zoo, running commands,
 *           services, the HTTP load generator, the peak-rate search
 *   eval    replayed searches, their statistics, train/test splits
 *   report  a run's trials drawn as one self-contained HTML page
 * The sections below follow that order, each headed by its layer.
 */
#ifndef MPH_H
#define MPH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#define MPH_VERSION "0.1.0"

/* ==== core: lib/core/ ====================================================== */

/* ---- errors ------------------------------------------------------------ */

typedef struct {
	char file[256]; /* "" when not about a file */
	long line;      /* 1-based, 0 when unknown */
	long col;       /* 1-based, 0 when unknown */
	char text[1024];
	int usage;      /* 1: an option's value is wrong, not the data (tools exit 2) */
} mph_error;

/* Fills e (if non-NULL); always returns -1 so callers can `return mph_error_set(...)`. */
int mph_error_set(mph_error *e, const char *file, long line, long col,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Says where an error from a lower call happened: sets the file and, unless
 * line is -1, the line (the column is kept). Always -1; e may be NULL. */
int mph_error_locate(mph_error *e, const char *file, long line);
/* Marks e as the fault of an option's value, checked against what an input
 * holds (a knob of the space, a task of the trace): the tool exits 2, as for
 * any usage error. mph_error_set clears the mark. Always -1; e may be NULL. */
int mph_error_usage(mph_error *e);
/* "file:line:col: text", leaving out the parts that are unknown. */
const char *mph_error_format(const mph_error *e, char *buf, size_t size);

/* ---- numbers and small utilities ---------------------------------------- */

/* Parses the whole of s as a finite double (C locale); 0 on success, -1 otherwise. */
int mph_parse_double(const char *s, double *out);
/* Parses the whole of s as a base-10 long; 0 on success, -1 otherwise. */
int mph_parse_long(const char *s, long *out);
/* Shortest decimal that round-trips (at most %.17g); returns buf. Needs 32 bytes. */
char *mph_fmt_double(char *buf, double x);

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
double mph_rng_normal(mph_rng *r);              /* standard normal */
uint64_t mph_rng_below(mph_rng *r, uint64_t n); /* uniform in [0, n), unbiased */
void mph_rng_shuffle(mph_rng *r, size_t *a, size_t n);

/* ---- dense linear algebra (lib/core/linalg.c: the only BLAS/LAPACK user) */

/* Row-major C = alpha * op(A) * op(B) + beta * C, op(A) is m x k, op(B) k x n. */
void mph_gemm(int trans_a, int trans_b, int m, int n, int k, double alpha,
              const double *a, int lda, const double *b, int ldb, double beta,
              double *c, int ldc);

/* ==== io: lib/io/ ========================================================== */

/* ---- csv ---------------------------------------------------------------- */
/* A pull reader over libcsv (RFC 4180: quoted fields, embedded commas,
 * quotes and newlines, CRLF, a UTF-8 BOM). The first record is the header and
 * is required; columns are found by name. Fields longer than
 * MPH_CSV_MAX_FIELD bytes are rejected as malformed. */
#define MPH_CSV_MAX_FIELD (1 << 20)
typedef struct mph_csv mph_csv;
/* path "-" or NULL reads stdin (named "<stdin>" in messages). */
mph_csv *mph_csv_open(const char *path, mph_error *err);
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
/* The file's name for messages. */
const char *mph_csv_name(const mph_csv *c);

/* Writing: fields are quoted only when they need to be. */
void mph_csv_write_field(FILE *fp, const char *s);
void mph_csv_write_row(FILE *fp, const char *const *fields, size_t n);
/* mph_fmt_double, unquoted; NaN and infinity, which no reader takes, as an
 * empty field (no value). */
void mph_csv_write_double(FILE *fp, double x);

/* ---- json --------------------------------------------------------------- */
/* Writes j with sorted keys and reals as mph_fmt_double (so files diff and
 * round-trip); 0 or -1. */
int mph_json_dump(json_t *j, FILE *fp);

/* ==== space: lib/space/ ==================================================== */

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
/* A copy that encodes and prints exactly as s. */
mph_space *mph_space_clone(const mph_space *s);

size_t mph_space_nknobs(const mph_space *s);
const char *mph_space_knob_name(const mph_space *s, size_t k);
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

/* Encoding: the one place every model gets its features from. Numeric knobs
 * scale to [0,1] over their value range (log scale where the spec says so);
 * categorical knobs are one-hot, or their numeric attributes scaled to [0,1]
 * when the spec gives attributes. */
size_t mph_space_nfeatures(const mph_space *s);
void mph_space_encode(const mph_space *s, const size_t *idx, double *x);

/* ---- knob roles (lib/space/roles.c; man 5 mph-space) ---------------------- */
/* What a knob is, when its spec says ("role"): a role-level encoding that
 * means the same in every space, so one model serves spaces with different
 * knobs. Order is the order of the role features. */
typedef enum {
	MPH_ROLE_NONE, MPH_ROLE_CPU, MPH_ROLE_BATCH, MPH_ROLE_REPLICAS, MPH_ROLE_CONCURRENCY,
	MPH_ROLE_GPU_MEM_SHARE, MPH_ROLE_GPU_MEM_GB, MPH_ROLE_GPU_POWER, MPH_ROLE_GPU_TYPE,
	MPH_ROLE_COUNT
} mph_role;
#define MPH_ROLE_UNSET MPH_ROLE_COUNT /* the spec gives the knob no role */
const char *mph_role_name(mph_role r);  /* "cpu", ...; "none" */
int mph_role_parse(const char *name, mph_role *r); /* 0, or -1 if unknown */
/* The knob's role, MPH_ROLE_UNSET when its spec declares none. */
mph_role mph_space_knob_role(const mph_space *s, size_t k);
/* Bit r set for each role r (not none) a knob of s declares. */
unsigned mph_space_roles(const mph_space *s);
/* The roles a model over these roles encodes: GPU memory as a share and in
 * GB are one pair (each derived from the other and the GPU's memory). */
unsigned mph_roles_closure(unsigned roles);
/* "cpu,batch,..." in role order into buf (size >= 1). */
const char *mph_roles_text(unsigned roles, char *buf, size_t size);
/* A copy of s that encodes by roles (the same knobs, values, constraints,
 * ids and text): first the role features of roles (mph_roles_closure'd), in
 * role order, each held at its absent value where s has no knob of that
 * role; then, as mph_space_encode would, the knobs whose role is not in
 * roles (no role, none, or one the model does not know): the residue.
 * NULL with a message if roles is empty. */
mph_space *mph_space_role_view(const mph_space *s, unsigned roles, mph_error *err);
/* The roles a view encodes (0: not a view, the plain encoding). */
unsigned mph_space_view_roles(const mph_space *s);
/* How many leading features come from roles (0 for a plain space). */
size_t mph_space_role_nfeatures(const mph_space *s);

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
 * most half the rows, none empty). Non-numeric columns become categorical; evenly spaced
 * integers int ranges, evenly spaced reals float ranges, others ordinal
 * (log scale when all positive and max/min >= 8). */
mph_space *mph_space_from_trace(mph_csv *c, const char *const *knobs, size_t nknobs,
                                const char *const *exclude, size_t nexclude, mph_error *err);
/* Advances idx to the next configuration in id order (feasible or not);
 * 0 when it wrapped past the last. */
int mph_space_next(const mph_space *s, size_t *idx);
/* Number of feasible configurations, in decimal into buf (size bytes, 72
 * hold any count): the product of the value counts without constraints,
 * however large; with constraints by enumeration, refused past
 * MPH_SPACE_COUNT_ENUMERATE configurations. 0 or -1. */
#define MPH_SPACE_COUNT_DIGITS 70
#define MPH_SPACE_COUNT_ENUMERATE 100000000ULL
int mph_space_count(const mph_space *s, char *buf, size_t size, mph_error *err);
/* Draws up to n distinct feasible configuration ids without replacement
 * into ids; returns how many (fewer only when the space has fewer), or -1. */
long mph_space_sample(const mph_space *s, size_t n, mph_rng *rng, uint64_t *ids, mph_error *err);

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
const char *mph_objective_metric(const mph_objective *o);
int mph_objective_maximize(const mph_objective *o);       /* 1 for "max", 0 for "min" */
const char *mph_objective_constraint(const mph_objective *o, size_t i);

/* Binding to a header. Every column the objective names must exist, except
 * with MPH_OBJECTIVE_PREDICTED: then the metric column may be absent (the
 * caller passes a predicted value to eval) and constraints naming an absent
 * column are skipped, so candidates that were never measured can be scored.
 * Errors: "missing required column 'cpu'", "constraint 'p99_ms <= 1000':
 * missing column 'p99_ms'" (file and line are left to the caller, or filled
 * by the _csv forms). The bound object refers to o, which must outlive it. */
#define MPH_OBJECTIVE_PREDICTED 1u
typedef struct mph_objective_bound mph_objective_bound;
mph_objective_bound *mph_objective_bind_csv(const mph_objective *o, const mph_csv *c,
                                            unsigned flags, mph_error *err);
void mph_objective_bound_free(mph_objective_bound *b);

typedef struct {
	double metric;  /* the measured value, or the caller's prediction */
	double cost;    /* base + terms; 0 without a cost model */
	double score;   /* metric, or metric / cost */
	double utility; /* mph_objective_utility(score) */
	long violated;  /* index of the first violated constraint, -1 if none */
} mph_objective_result;
/* The same on the current record of c, with its file and line in err. */
int mph_objective_eval_csv(const mph_objective_bound *b, const mph_csv *c, double metric,
                           mph_objective_result *r, mph_error *err);

/* ---- trials ------------------------------------------------------------- */
/* History: the trials so far, in the order measured (order matters:
 * morphling's confidence is the change the latest trial made). */
typedef struct {
	uint64_t id;     /* mph_space_config_id */
	double metric;   /* measured metric; a failed trial's is the fail value */
	double utility;  /* objective utility; NaN when failed or a constraint was
	                    violated (the search values it as the worst seen, and
	                    never above 0 when maximising) */
	int failed;      /* status was not ok */
} mph_trial;
typedef struct mph_history mph_history;
mph_history *mph_history_new(void);
void mph_history_free(mph_history *h);
void mph_history_add(mph_history *h, const mph_trial *t);
void mph_history_truncate(mph_history *h, size_t n);
size_t mph_history_n(const mph_history *h);
const mph_trial *mph_history_get(const mph_history *h, size_t i);
size_t mph_history_nfailed(const mph_history *h);
/* What a failed trial is, for every reader of trials and traces: a status
 * other than "ok". 1 if failed. */
int mph_status_failed(const char *status);
/* A trials file, the one reader of the format: the space's knob columns, an
 * optional `status` column (a row whose status is not "ok" failed: its
 * metric may be empty), and, when o is non-NULL, what o needs (its metric,
 * cost and constraint columns). */
mph_history *mph_history_load(const char *path, const mph_space *s, const mph_objective *o,
                              double fail_value, mph_error *err);
/* The same for adaptation: no objective, the metric column named (required;
 * a row that did not fail needs a finite metric, kept as the trial's). digest
 * gets mph_trial_digest over the rows, as a trace's (provenance). */
mph_history *mph_history_load_metric(const char *path, const mph_space *s, const char *metric,
                                     double fail_value, uint64_t *digest, mph_error *err);
/* The trials as training data: x (n x nfeatures) their encoded
 * configurations, y (n) their metrics, failures at the fail value. */
void mph_history_encode(const mph_history *h, const mph_space *s, double *x, double *y);

/* ==== learn: lib/learn/ ==================================================== */

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
/* He-normal weights, zero biases. */
void mph_mlp_init(mph_mlp *m, mph_rng *rng);
size_t mph_mlp_nparams(const mph_mlp *m);

/* Training on one data set (fine-tuning, adaptation, from-scratch and
 * pretraining all go through this). batch 0 = full batch (deterministic, rng
 * unused); otherwise minibatches drawn from rng. Adam uses the usual
 * beta1 0.9, beta2 0.999, eps 1e-8 and restarts its moments on every call. */
typedef enum { MPH_OPT_SGD, MPH_OPT_ADAM } mph_optimizer;
const char *mph_optimizer_name(mph_optimizer o);            /* "sgd", "adam" */
int mph_optimizer_parse(const char *name, mph_optimizer *o); /* 0 or -1 */
typedef struct {
	mph_optimizer opt;
	int steps;      /* gradient steps */
	double lr;      /* learning rate */
	size_t batch;   /* rows per step, 0 = all */
	double l2;      /* weight decay towards zero (0 = none) */
} mph_train_opts;
/* Training from scratch (the Ernest baseline, mph-adapt --init random,
 * mph-suggest --algo ernest): one setting for every tool, so that the
 * baseline in an evaluation is the one a user runs. */
extern const mph_train_opts mph_train_scratch;
/* The options by the names model files and provenance give them:
 * optimizer, steps, lr, batch, l2 (new reference). */
json_t *mph_train_opts_to_json(const mph_train_opts *o);

/* ---- traces (rows grouped by task, encoded) ---- */
/* Failed configurations are kept, never dropped: a row that failed
 * (mph_status_failed, when there is a `status` column) gets the metric
 * fail_value (0 by default: a configuration that does not run serves
 * nothing), whatever its metric field holds, even empty. A row with status ok
 * (or no status column) must have a finite metric. */
typedef struct mph_trace mph_trace;
/* A trace: CSV with a `task` column, the space's knob columns and column
 * metric; other columns are ignored. Rows of a task need not be adjacent. */
mph_trace *mph_trace_load(const char *path, const mph_space *s, const char *metric,
                          double fail_value, mph_error *err);
/* How the rows that did not serve become targets. */
typedef struct {
	double fail_value;              /* a failed row's metric [0] */
	const mph_objective *objective; /* rows that ran but break one of its
	                                   constraints are targets as failed ones
	                                   (metric must be its metric) [NULL] */
	int fail_worst;                 /* failed and breaking rows: the task's worst
	                                   metric among the rows that ran and met the
	                                   constraints (the lowest when the objective
	                                   maximises or there is none, the highest
	                                   when it minimises), not fail_value;
	                                   fail_value where none did [0] */
} mph_trace_opts;
void mph_trace_opts_init(mph_trace_opts *o);
mph_trace *mph_trace_load_opts(const char *path, const mph_space *s, const char *metric,
                               const mph_trace_opts *o, mph_error *err);
void mph_trace_free(mph_trace *t);
/* A copy with the tasks k where keep[k] is set, in order; the digest stays
 * the whole trace's (what was read). */
mph_trace *mph_trace_select(const mph_trace *t, const unsigned char *keep);
size_t mph_trace_ntasks(const mph_trace *t);
size_t mph_trace_rows(const mph_trace *t); /* all tasks */
size_t mph_trace_nfeatures(const mph_trace *t); /* mph_space_nfeatures of its space */
/* The tasks of n traces, in order, as one trace (meta-training over several
 * spaces encoded alike: role views of one role set). The parts are taken
 * (set to NULL) on success; their encodings must have as many features. */
mph_trace *mph_trace_pool(mph_trace **parts, size_t n, mph_error *err);
uint64_t mph_trace_digest(const mph_trace *t);
const char *mph_trace_task_name(const mph_trace *t, size_t k);
long mph_trace_task_index(const mph_trace *t, const char *name); /* -1 if none */
/* Task k's rows: their configurations (rows x nknobs), features (rows x
 * nfeatures), metrics and failed flags. */
size_t mph_trace_task_rows(const mph_trace *t, size_t k);
const size_t *mph_trace_task_configs(const mph_trace *t, size_t k);
const double *mph_trace_task_features(const mph_trace *t, size_t k);
const double *mph_trace_task_metric(const mph_trace *t, size_t k);
const unsigned char *mph_trace_task_failed(const mph_trace *t, size_t k);

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
int mph_meta_mode_parse(const char *name, mph_meta_mode *mode); /* "maml", "fomaml", "pretrain": 0 or -1 */
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
	/* Threads that train at once, taking the tasks of a meta-iteration and
	 * the networks of an ensemble (0: the cores available) [0]; the weights
	 * are the same bytes whatever the count. */
	int threads;
	/* Called every iteration when non-NULL; loss is the mean query loss. */
	void (*progress)(void *ctx, int iter, int iters, double loss);
	void *progress_ctx;
} mph_meta_opts;
void mph_meta_opts_default(mph_meta_opts *o);
/* threads 0 means this: the cores the process may run on (its affinity
 * mask), at least 1. */
int mph_meta_threads_default(void);
/* The fine-tuning a model trained with o records for later adaptation,
 * where adapt leaves it open (steps or lr < 0): MAML's own inner loop, or,
 * for pretrained weights, which were not optimised for one and fine-tune
 * best with smaller, more steps (make bench-meta), these: */
#define MPH_PRETRAIN_ADAPT_STEPS 20
#define MPH_PRETRAIN_ADAPT_LR 0.01
/* Meta-trains m in place from its current parameters (call mph_mlp_init
 * first). Fails if a task has fewer than shots + 1 rows (MAML) or the trace
 * has no rows. */
int mph_meta_train(mph_mlp *m, const mph_trace *t, const mph_meta_opts *o,
                   mph_rng *rng, mph_error *err);

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
typedef struct mph_model mph_model;

/* Takes ownership of space and mlp (mlp's nin must equal the space's
 * nfeatures); adapt gets the default inner loop of mph_meta_opts_default
 * (SGD, inner_steps steps of inner_lr, full batch). On failure nothing is
 * taken. */
mph_model *mph_model_new(mph_space *space, mph_mlp *mlp, const char *metric,
                         mph_norm_kind norm, mph_error *err);
void mph_model_free(mph_model *m);
/* Adds a network to the ensemble, taking ownership; it must have the first
 * network's shape. 0, or -1 (nothing taken). */
int mph_model_add_member(mph_model *m, mph_mlp *mlp, mph_error *err);
/* A copy to adapt: its own networks, m's space (shared: the clone must
 * not outlive m). */
mph_model *mph_model_clone(const mph_model *m);
/* Copies src's weights and adaptation state into dst (a clone of the same
 * model): no allocation. 0, or -1 if the shapes differ. */
int mph_model_reset(mph_model *dst, const mph_model *src);
const mph_space *mph_model_space(const mph_model *m);
/* The trace column the model was trained on, the metric it gives failed
 * configurations, its default adaptation, and its provenance object
 * (borrowed: a tool may add to it before saving). */
const char *mph_model_metric(const mph_model *m);
double mph_model_fail_value(const mph_model *m);
const mph_train_opts *mph_model_adapt_opts(const mph_model *m);
json_t *mph_model_provenance(mph_model *m);
/* Sets the default adaptation the model records. */
void mph_model_set_adapt_opts(mph_model *m, const mph_train_opts *o);
/* Fresh random weights for every network (training from scratch: the model
 * only gives the architecture). */
void mph_model_init_random(mph_model *m, mph_rng *rng);

/* Loading checks format, version, shapes, finite numbers. */
mph_model *mph_model_load(const char *path, mph_error *err);
/* Writes the file complete or not at all ("-" = stdout). Saving a loaded
 * model gives the same bytes. */
int mph_model_save(const mph_model *m, const char *path, mph_error *err);
/* 0 if s encodes exactly as the model's space, else -1 with a message that
 * says how they differ (err->file set to file). */
int mph_model_check_space(const mph_model *m, const mph_space *s, const char *file,
                          mph_error *err);

/* A role model (its file has "roles": mph-model(5)) encodes by the roles of
 * knobs; 0 for a plain model. */
unsigned mph_model_roles(const mph_model *m);
/* Makes m usable over s: for a plain model, mph_model_check_space; a role
 * model takes s's role view as its space (knobs whose role it does not
 * know are extra inputs that start with zero weight: the residual GP and
 * adaptation learn them). -1 when no knob of s has a role m knows. */
int mph_model_fit_space(mph_model *m, const mph_space *s, const char *file, mph_error *err);
/* A role model learns the shape of its metric over roles; adapting fits the
 * scale to each service's own trials, so it can stand for another metric
 * of the same kind (its throughput for another's, to maximise both): m
 * then predicts metric. -1 for a plain model. */
int mph_model_use_metric(mph_model *m, const char *metric, mph_error *err);

/* Adapts in place to one task's n observed rows (X encoded, y in metric
 * units, failures already set to fail_value): fits task_norm on y with the
 * model's rule, then trains every network from its current weights with o
 * (NULL = the model's own), in member order from one rng. n may be 0 (only the
 * normalisation is reset). 0, or -1 on non-finite loss. */
int mph_model_adapt(mph_model *m, const double *X, const double *y, size_t n,
                    const mph_train_opts *o, mph_rng *rng, mph_error *err);
/* Predictions in metric units (normalised units if never adapted): the
 * mean of the networks' outputs. */
void mph_model_predict(mph_model *m, const double *X, size_t n, double *out);
/* ---- training a model from a trace ---- */
/* The recipe mph-metatrain runs and mph-eval runs per fold: on the tasks of
 * t with use[k] set (use NULL: all), members networks, member k initialised
 * and meta-trained from the seed mph_model_member_seed(seed, k), in the
 * model as an ensemble. Provenance gets "mode" and "training"
 * (mph_model_train_opts_to_json); the caller adds the rest. */
/* Three networks: one meta-model's seed changed the samples a search needed
 * several-fold for some services; the mean of three did not, and five or
 * eight did no better (examples/paper/TUNING.md, section 5). */
#define MPH_ENSEMBLE_DEFAULT 3
typedef struct {
	mph_meta_opts meta;     /* mode MAML or PRETRAIN (the finetune/vizier prior) */
	mph_train_opts adapt;   /* stored in the model; steps, lr < 0 follow meta's inner [-1] */
	size_t nhidden, hidden[MPH_MLP_MAX_HIDDEN]; /* [128,128] */
	double fail_value;      /* [0] */
	uint64_t seed;          /* [1] */
	size_t members;         /* networks in the ensemble [MPH_ENSEMBLE_DEFAULT] */
	/* Called before each member's training when non-NULL, with meta.progress_ctx. */
	void (*member_progress)(void *ctx, size_t k, size_t members);
} mph_model_train_opts;
void mph_model_train_opts_init(mph_model_train_opts *o);
mph_model *mph_model_train(const mph_trace *t, const unsigned char *use, const mph_space *s,
                           const char *metric, const mph_model_train_opts *o, mph_error *err);

/* ---- gaussian process --------------------------------------------------- */
/* The GP behind gp-ucb, gp-ei, vizier and morphling-gp (lib/learn/gp.c). */
typedef struct {
	int normalize;     /* standardise y to mean 0, sd 1 before fitting [1] */
	int restarts;      /* random starts of the LML maximisation beyond the first [2] */
	int max_iter;      /* L-BFGS iterations per start [60] */
	uint64_t seed;     /* seeds the restart points [1] */
	double min_noise;  /* lower bound of the noise variance, normalised units [1e-6] */
	int warm;          /* first start from the current theta, not the default [0] */
} mph_gp_opts;

/* ==== search: lib/search/ ================================================== */

/* ---- acquisition and search --------------------------------------------- */
/* Candidates: the configurations a search may choose from, each with its
 * features (mph_space_encode), its id (mph_space_config_id) and its row's
 * text, so that the objective (bound with MPH_OBJECTIVE_PREDICTED) can
 * price it for any predicted metric. A configuration listed twice is kept
 * once. o may be NULL (random and grid need none); s and o must outlive the
 * set. */
typedef struct mph_candidates mph_candidates;
/* From CSV (knob columns found by name, other columns kept as text). */
mph_candidates *mph_candidates_read(mph_csv *csv, const mph_space *s, const mph_objective *o,
                                    mph_error *err);
/* From n configurations (n x nknobs value indices); the text is the
 * space's value strings under the knob names. */
mph_candidates *mph_candidates_from_configs(const mph_space *s, const size_t *idx, size_t n,
                                            const mph_objective *o, mph_error *err);
void mph_candidates_free(mph_candidates *c);
size_t mph_candidates_n(const mph_candidates *c);
uint64_t mph_candidates_id(const mph_candidates *c, size_t i);
size_t mph_candidates_ncols(const mph_candidates *c);
const char *const *mph_candidates_header(const mph_candidates *c);
const char *const *mph_candidates_fields(const mph_candidates *c, size_t i);
/* The objective on candidate i with metric standing for the metric column. */
int mph_candidates_score(const mph_candidates *c, size_t i, double metric,
                         mph_objective_result *r, mph_error *err);

/* Algorithms (names as mph-suggest --algo takes them):
 *   random        uniform without replacement (one seeded permutation)
 *   grid          the candidates in their order
 *   gp-ucb/gp-ei  exact GP on the trials' utilities (CherryPick-like BO)
 *   ernest        the network trained from scratch on the trials, with
 *                 morphling's acquisition
 *   finetune      the pretrained network fine-tuned, morphling's acquisition
 *   vizier        GP on the residuals of the unadapted prior model
 *   morphling     the paper: adapt the meta-model on every trial, acq =
 *                 predicted utility + delta * |u_after - u_before|, where
 *                 before is the model adapted without the latest trial
 *   morphling-ens bootstrap ensemble of adaptations, mean + kappa * sd
 *   morphling-gp  GP on the residuals of the adapted meta-model, UCB or EI
 * Models predict the objective's metric; utilities come from the objective. */
typedef enum {
	MPH_ALGO_RANDOM, MPH_ALGO_GRID, MPH_ALGO_GP_UCB, MPH_ALGO_GP_EI, MPH_ALGO_ERNEST,
	MPH_ALGO_FINETUNE, MPH_ALGO_VIZIER, MPH_ALGO_MORPHLING, MPH_ALGO_MORPHLING_ENS,
	MPH_ALGO_MORPHLING_GP, MPH_ALGO_COUNT
} mph_algo;
typedef enum { MPH_ACQ_UCB, MPH_ACQ_EI } mph_acq;
const char *mph_algo_name(mph_algo a);
int mph_algo_parse(const char *name, mph_algo *a); /* 0 or -1 */
/* The model an algorithm starts from. */
typedef enum {
	MPH_MODEL_NONE,          /* random, grid, gp-ucb, gp-ei */
	MPH_MODEL_META,          /* morphling*: a meta-model (mph-metatrain) */
	MPH_MODEL_PRETRAINED,    /* finetune, vizier: mph-metatrain --mode pretrain */
	MPH_MODEL_ARCHITECTURE   /* ernest: optional, only its shape is used */
} mph_model_kind;
mph_model_kind mph_algo_model(mph_algo a);
/* A meta-model or a pretrained model is required. */
int mph_algo_needs_model(mph_algo a);
int mph_algo_needs_objective(mph_algo a);
/* Of a meta-model and a pretrained model (either may be NULL), the one a
 * searches with; NULL for the algorithms that need neither. */
const mph_model *mph_algo_pick_model(mph_algo a, const mph_model *meta, const mph_model *pretrained);

/* Local steps against a confidently wrong surrogate (search/region.c):
 * once the best trial is `age` trials old, every `every`-th step measures,
 * of the open configurations that differ from one of the `top` best trials
 * in at most MPH_LOCAL_KNOBS knobs, the best-predicted among those that
 * differ in fewest; none open: the usual pick. age 0: off. */
#define MPH_LOCAL_KNOBS 2
typedef struct {
	int age, top, every;
} mph_local_opts;

/* Profiles (search/profiles.c): the measured surfaces of services profiled
 * before, as members beside the adapted model in morphling-gp's prior
 * (mph-suggest --profiles). The tasks of t where keep[k] (NULL: all), over
 * t's space s; "profiles: no task to take a profile from" when none. */
typedef struct mph_profiles mph_profiles;
mph_profiles *mph_profiles_new(const mph_trace *t, const unsigned char *keep, const mph_space *s,
                               mph_error *err);
void mph_profiles_free(mph_profiles *p);
size_t mph_profiles_ntasks(const mph_profiles *p);
/* The model's share of morphling-gp's prior when profiles are given (in log
 * units; the profiles have the rest), and its kappa then, unless one is
 * given: the better prior needs less exploration (TUNING.md section 11). */
#define MPH_PROFILES_MODEL_WEIGHT 0.7
#define MPH_PROFILES_KAPPA 0.5

typedef struct {
	mph_algo algo;
	uint64_t seed;
	double delta;         /* weight of morphling's confidence [1] */
	double kappa;         /* weight of the sd in UCB and the ensemble
	                         [per algorithm: 1 for morphling-gp and vizier, else 2] */
	double xi;            /* EI margin, times the sd of the utilities seen [0.01] */
	mph_acq acq;          /* vizier, morphling-gp [UCB] */
	int members;          /* morphling-ens [5] */
	int cover;            /* morphling-gp: first measure, where the model rates it
	                         best, each value of a categorical knob that no
	                         trial has [0: it helped on the zoo, cost 2 samples
	                         at the median on the Falcon traces] */
	int fail_worst;       /* the models' target for a failed or constraint-violating
	                         trial: the worst metric of the trials that worked and
	                         met the constraints (lowest when the objective
	                         maximises, highest when it minimises), not the
	                         model's fixed fail value [0] */
	mph_local_opts local; /* local steps once the best is old [morphling-gp: 5, 3, 2; else off] */
	const mph_profiles *profiles; /* morphling-gp: blended into the prior (not owned) [NULL] */
	double profiles_weight; /* the adapted model's share of that prior [MPH_PROFILES_MODEL_WEIGHT] */
	mph_train_opts adapt; /* fine-tuning; steps < 0: the model's own [-1] */
	mph_train_opts scratch; /* ernest [Adam, 200 steps, lr 3e-3, full batch] */
	size_t nhidden, hidden[MPH_MLP_MAX_HIDDEN]; /* ernest without a model [2 x 128] */
	mph_gp_opts gp;
} mph_search_opts;
/* Defaults, some of which depend on the algorithm. */
void mph_search_opts_init(mph_search_opts *o, mph_algo a);

/* The search options as a command line gives them (mph-suggest, mph-eval):
 * each one given overrides every algorithm's default. */
typedef struct {
	uint64_t seed;        /* [1] */
	double delta, kappa, xi; /* NaN: the algorithm's default */
	int acq;              /* an mph_acq, or -1: the algorithm's default */
	int members;          /* 0: the default */
	int cover;
	int fail_worst;
	int adapt_steps;      /* fine-tuning override; -1: the model's own */
	double adapt_lr;      /* -1: the model's own */
	mph_local_opts local; /* age < 0: the algorithm's default */
	const mph_profiles *profiles; /* NULL: none */
	double profiles_weight; /* NaN: the default */
} mph_search_args;
void mph_search_args_init(mph_search_args *g);
/* o for algorithm a: its defaults, then what g gives. An adaptation override
 * starts from model's fine-tuning (model may be NULL), so that giving only
 * the steps keeps its learning rate and the reverse. */
void mph_search_opts_apply(mph_search_opts *o, mph_algo a, const mph_search_args *g,
                           const mph_model *model);
/* 0 when model predicts the objective's metric, else -1 with "OBJ_PATH:
 * metric 'm' is not the one model MODEL_PATH predicts ('n')". */
int mph_search_check_metric(const mph_model *model, const char *model_path, const mph_objective *obj,
                            const char *obj_path, mph_error *err);

/* A search over one space: keeps scratch memory, a clone of the model to
 * adapt, and a cache of adaptations (so a sequential search in one process
 * adapts once per step), never state that changes a result: a suggestion
 * depends only on the candidates, the history, the options and the seed.
 * model (not owned, must outlive the search) is required when
 * mph_algo_needs_model(); it must encode as space does. */
typedef struct mph_search mph_search;
mph_search *mph_search_new(const mph_space *space, const mph_model *model,
                           const mph_search_opts *o, mph_error *err);
void mph_search_free(mph_search *s);
const mph_search_opts *mph_search_options(const mph_search *s);
/* Another run of the same search (mph-eval: one object, many seeds). */
void mph_search_set_seed(mph_search *s, uint64_t seed);

typedef struct {
	size_t cand;          /* index into the candidates */
	double pred_metric;   /* NaN when the algorithm predicts no metric */
	double pred_utility;  /* NaN for random and grid */
	double uncertainty;   /* utility units: |u_after - u_before|, or an sd */
	double acquisition;   /* what was maximised */
} mph_suggestion;
/* The columns mph-suggest writes after each candidate's own, explaining the
 * choice: not measurements, so a trials file need not keep them. */
#define MPH_SUGGEST_COLUMNS "pred_metric,pred_objective,uncertainty,acquisition"
/* Up to want distinct unmeasured candidates into out, best first (a batch:
 * kriging believer, each pick fantasised at its prediction before the
 * next). Returns how many (0 when every candidate is measured), or -1. */
long mph_search_suggest(mph_search *s, const mph_candidates *c, const mph_history *h,
                        size_t want, mph_suggestion *out, mph_error *err);
/* The stopping rule's statistic from the last mph_search_suggest: the
 * largest expected improvement of an open candidate over the best trial,
 * E[max(u - best, 0)] for u ~ N(predicted utility, uncertainty^2), relative
 * to |best| (to the sd of the utilities seen when best is 0), computed on
 * the trials given (not the batch's fantasies). NaN when the algorithm
 * predicts nothing (random, grid, a GP before any trial), no trial worked
 * or nothing was open. */
double mph_search_ei(const mph_search *s);

/* ---- the stopping rule (lib/search/stop.c) -------------------------------- */
/* A function of the trials file alone, so that a resumed run decides as an
 * uninterrupted one: stop once the best trial is at least `patience`
 * samples old (no later trial beat its utility) and the search's expected
 * improvement (mph_search_ei) is below `ei`. An algorithm that predicts
 * nothing stops on the patience alone; a run with no trial that worked
 * never stops. Defaults chosen by replayed searches (examples/paper/TUNING.md). */
typedef struct {
	double ei;       /* relative expected improvement below which to stop */
	long patience;   /* samples the best trial must be old */
} mph_stop_opts;
void mph_stop_opts_init(mph_stop_opts *o);
/* Samples taken since the trial with the best utility so far (0: the last
 * one is the best); -1 when no trial worked. Ties keep the earlier. */
long mph_stop_best_age(const mph_history *h);
/* The rule itself: 1 when a best trial age samples old (-1: none worked)
 * and the statistic ei (NaN: none) call for a stop. */
int mph_stop_fires(const mph_stop_opts *o, long age, double ei);
/* 1 when the rule fires on history h whose search statistic is ei, with
 * why (size bytes) saying the figures; 0 when it does not. */
int mph_stop_check(const mph_stop_opts *o, const mph_history *h, double ei, char *why, size_t size);

/* ==== probe: lib/probe/ ==================================================== */

/* ---- what a recorded run tells each probe mode --------------------------- */
/* Set by mph_probe_record for a run into a trials file; zero otherwise. */
typedef struct {
	size_t first_trial;     /* input row t is trial first_trial + t + 1 (logs are named so) */
	int number;             /* 1: write that number in a last column `trial` */
	const size_t *repeat;   /* per input row: measurements of it the file held before
	                           (noise is drawn per repeat); NULL: none */
} mph_probe_batch;

/* ---- mph-probe's offline modes: replay, simulator ------------------------- */
/* Both read configurations (CSV: a header of knob names, one configuration
 * a row; other columns pass through) from `in` and write each row followed
 * by the measured columns and `status`, streaming. Measurement noise, when
 * sd > 0, multiplies each numeric measurement by exp(sd * N(0,1)) drawn from
 * (seed, the configuration) alone, so a configuration gets the same factor
 * alone or in a batch, in any order. */
typedef struct {
	const char *trace;            /* the profiled trace (mph-trace(5)) */
	const char *task;             /* NULL: the trace's only task */
	const char *const *knobs;     /* NULL: the input's columns the trace has too */
	size_t nknobs;
	int missing_skip;             /* a configuration not in the trace: status=missing, not an error */
	double noise;                 /* sd, 0: the trace's text untouched */
	uint64_t seed;                /* 1 */
	mph_probe_batch batch;
} mph_replay_probe_opts;
void mph_replay_probe_opts_init(mph_replay_probe_opts *o);
int mph_replay_probe(const mph_replay_probe_opts *o, mph_csv *in, FILE *out, mph_error *err);

/* The simulator's columns: rps, p50_ms, p99_ms, status (ok, oom, slo); the
 * input needs cpu, gpu_mem, batch and gpu_type. */
typedef struct {
	const char *model;            /* a model of the catalogue's models.csv */
	const char *zoo;              /* the catalogue's folder: models.csv, gpus.csv */
	double slo_ms;                /* p99 latency objective, 1000 */
	double noise;                 /* sd, 0 */
	uint64_t seed;                /* 1 */
	mph_probe_batch batch;
} mph_sim_probe_opts;
void mph_sim_probe_opts_init(mph_sim_probe_opts *o);
int mph_sim_probe(const mph_sim_probe_opts *o, mph_csv *in, FILE *out, mph_error *err);

/* ---- replay in process (mph-eval) ------------------------------------------ */
/* A profiled trace (format: mph-trace(5)) loaded once and looked up many
 * times. Rows are grouped by task (one unnamed task when the trace has no
 * `task` column). The knob columns are chosen by mph_replay_index: every
 * other column but `task` is measured. Key values compare as numbers when
 * both parse as numbers (1 == 1.0 == 1e0), as text otherwise. */
typedef struct mph_replay mph_replay;
/* task: keep only that task's rows (error "no task 'X'" if it has none), or
 * NULL for every task. */
mph_replay *mph_replay_load(const char *path, const char *task, mph_error *err);
void mph_replay_free(mph_replay *r);
size_t mph_replay_ntasks(const mph_replay *r);
const char *mph_replay_task(const mph_replay *r, size_t t); /* "" when unnamed */
long mph_replay_task_index(const mph_replay *r, const char *name); /* -1 if none */
size_t mph_replay_nrows(const mph_replay *r);                 /* all tasks */
long mph_replay_col(const mph_replay *r, const char *name);   /* -1 if none */
/* A field of a row as text. */
const char *mph_replay_str(const mph_replay *r, size_t row, size_t col);

/* Builds the hash index over these knob columns (replacing any earlier
 * index); an unknown name is "trace has no column 'X'". Two rows of a task
 * with the same knob values are "duplicate configuration for task 'T' (lines
 * 3 and 9)". The measured columns are then every column but task and knobs. */
int mph_replay_index(mph_replay *r, const char *const *knobs, size_t nknobs, mph_error *err);
/* Indexes over the knobs of space s and keeps s's value table, so
 * mph_replay_find_config needs no parsing; every knob of s must be a column. */
int mph_replay_index_space(mph_replay *r, const mph_space *s, mph_error *err);
size_t mph_replay_knob_col(const mph_replay *r, size_t k);
/* Row of task t with these knob values (text, in index order), or -1. */
long mph_replay_find(const mph_replay *r, size_t t, const char *const *values);
/* Row of task t for a configuration of the indexed space, or -1. */
long mph_replay_find_config(const mph_replay *r, size_t t, const size_t *idx);

/* ---- probes: live (exec, HTTP load generator) ----------------------------- */

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

typedef struct {
	double offered_rps;
	double rps;             /* 2xx/3xx answers completed inside the window, per second */
	double sent_rps;        /* requests sent inside the window, per second */
	uint64_t scheduled;     /* due inside the window; the rest count alike */
	uint64_t sent, ok, errors, timeouts;
	uint64_t conn_errors, http_4xx, http_5xx;
	uint64_t ok_in_window, sent_in_window;
	double error_rate;      /* (errors + timeouts) / scheduled */
	double p50_ms, p90_ms, p99_ms, p999_ms, pctl_ms, mean_ms, min_ms, max_ms; /* of 2xx/3xx answers */
	double max_lag_s;       /* latest send behind schedule */
	double seconds;         /* wall time of the step */
	int stopped;            /* ended early by opts.stop */
	char first_error[128];  /* the first failure, for messages */
} mph_load_result;

/* Peak-rate search options: the highest offered rate at which the chosen
 * percentile stays within slo_ms and the error rate below max_error. */
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

typedef struct {
	const char *cmd;              /* run as /bin/sh -c CMD */
	double timeout_s;             /* 0: none; then SIGTERM to its group, SIGKILL after kill_grace_s */
	double kill_grace_s;          /* 2 */
	int retries;                  /* further attempts after a failed one */
	int jobs;                     /* trials at once, 1 */
	const char *log_dir;          /* NULL: no logs; else DIR/trial-N.log (N from 1) */
	const char *const *extra_env; /* NULL-terminated "NAME=value", or NULL */
	size_t first_trial;           /* number of trial 0 less one, for log names */
	/* The names whose printed values are recorded: each must print a number
	 * (or nothing) or the trial fails; NULL: none checked. A status is
	 * always checked to be a word. */
	const char *const *measured;
	size_t nmeasured;
} mph_exec_opts;

/* mph-probe's live modes over a configurations CSV (header of knob names):
 * writes the configuration columns, then rps, p50_ms, p90_ms, p99_ms,
 * p999_ms, error_rate, status, probe_s and any `columns`, one row per
 * configuration as it completes. status: ok; error (nothing answered, or the
 * command failed); timeout; slo (even the lowest rate misses the SLO);
 * crash, not-ready, port-in-use (--start); or what --exec's command printed.
 * Progress and per-trial problems go to note() when set. */
typedef struct {
	const char *url;              /* --url: built-in load generator (load.url is set from it) */
	mph_load_opts load;           /* per step; rate is set by the search */
	mph_rate_opts rate;           /* search; rate.step_seconds is derived */
	double fixed_rate;            /* >0: one step at this rate instead of a search */
	int doubling;                 /* Morphling's doubling-then-bisecting search */
	mph_exec_opts exec;           /* --exec: exec.cmd, timeout, retries, -j, log folder */
	const char *start_cmd;        /* --start */
	const char *ready;            /* URL or port */
	double ready_timeout_s;       /* 30 */
	double grace_s;               /* 5: SIGTERM to SIGKILL */
	const char *const *columns;   /* more measured columns for --exec */
	size_t ncolumns;
	void (*note)(void *ctx, int progress, const char *msg); /* progress 0: a trial's problem */
	void *note_ctx;
	mph_probe_batch batch;        /* batch.first_trial numbers the logs (exec.first_trial too) */
} mph_live_opts;
void mph_live_opts_init(mph_live_opts *o);
int mph_live_probe(const mph_live_opts *o, mph_csv *in, FILE *out, mph_error *err);

/* ---- recording a run ------------------------------------------------------ */
/* A probe run over `in` to `out` (mph_replay_probe, mph_sim_probe or
 * mph_live_probe with their options in ctx, and b copied into them). */
typedef int (*mph_probe_fn)(void *ctx, mph_csv *in, const mph_probe_batch *b, FILE *out,
                            mph_error *err);
enum { MPH_RECORD_PROGRESS, MPH_RECORD_SKIP, MPH_RECORD_WARN }; /* kinds of note */
typedef struct {
	size_t repeats;               /* measure a configuration until the file holds this many
	                                 trials of it, 1 */
	int again;                    /* measure every input row once more, held or not */
	size_t budget;                /* progress: trial k of budget; 0: none stated */
	const mph_objective *objective; /* progress: the score and the best so far; NULL: status */
	int progress;                 /* a line per finished trial to note */
	void (*note)(void *ctx, int kind, const char *msg);
	void *note_ctx;
} mph_record_opts;
void mph_record_opts_init(mph_record_opts *o);
typedef struct {
	size_t measured, failed;      /* rows this run wrote; of them not ok */
	size_t skipped;               /* input rows not measured: the file holds them */
	char first_failure[32];       /* the status of the first that failed */
	char dropped[512];            /* rows' columns the file has no place for, comma-separated
	                                 (not MPH_SUGGEST_COLUMNS), "" when none */
} mph_record_result;
/* Runs the probe and records its rows as they finish. With a trials file
 * (trials non-NULL): each row is appended by column name as one line,
 * synced, before the next trial (mph_append); rows are numbered in a last
 * column `trial` continuing the file's (its largest `trial`, or its row
 * count, plus one); and an input configuration the file already holds (its
 * columns that the file has, compared as numbers where both are) is skipped
 * unless opts ask for repeats. Without one: the rows go to out as the probe
 * writes them. A file that shares no column with the rows is an error. */
int mph_probe_record(const char *trials, FILE *out, const mph_record_opts *o, mph_probe_fn run,
                     void *ctx, mph_csv *in, mph_record_result *res, mph_error *err);
/* -1 with "every trial failed: N of N (the first: STATUS)" when the run
 * measured something and nothing was ok; 0 otherwise. */
int mph_record_check(const mph_record_result *res, mph_error *err);

/* ==== eval: lib/eval/ ====================================================== */

/* ---- evaluation ----------------------------------------------------------- */

/* Summary statistics of searches, per algorithm in order of first appearance.
 * A run is its normalised best so far after each sample, best[i] after i + 1
 * samples (1 = the task's optimum was measured). For each budget B: the p10,
 * median and p90 of the runs' best after B samples (a run that reached the
 * optimum before B counts as 1; one that stopped short of B without it is
 * left out). For each level L (a fraction, 0.99 for 99 %): the p10, median
 * and p90 of the samples a run needed to reach L of the optimum, INFINITY for
 * a run that never did. */
typedef struct mph_eval_stats mph_eval_stats;
typedef struct {
	size_t runs;     /* runs counted */
	size_t reached;  /* budgets: runs at the optimum by then; levels: runs that reached it */
	double p10, median, p90;
} mph_eval_stat;
mph_eval_stats *mph_eval_stats_new(const long *budgets, size_t nbudgets, const double *levels,
                                   size_t nlevels);
void mph_eval_stats_free(mph_eval_stats *st);
void mph_eval_stats_add(mph_eval_stats *st, const char *algo, const double *best, size_t n);
/* A run under a stopping rule: it took n samples, fired (0: it ran to the
 * cap or out of candidates) and the true worth of its choice there. The
 * summary gets rows "stop,samples" (the p10, median and p90 of n; reached:
 * runs whose rule fired) and "stop,quality" (of the worth; reached: runs
 * that chose the optimum). */
void mph_eval_stats_add_stop(mph_eval_stats *st, const char *algo, size_t n, int fired, double quality);
/* The stops rule o would make on the runs of a per-step log that has the
 * columns ei and age (mph-eval --stop): each run stops before the first
 * suggestion at which o fires, else at its last sample. */
int mph_eval_stats_read_stops(mph_eval_stats *st, mph_csv *c, const mph_stop_opts *o, mph_error *err);
/* Adds every run of a per-step log (columns algo, task, seed, step,
 * norm_best, and meta_seed if present; a run's rows consecutive with step
 * 1, 2, ...). */
int mph_eval_stats_read_log(mph_eval_stats *st, mph_csv *c, mph_error *err);
/* The summary CSV (mph-eval(1)): algo,measure,at,runs,reached,p10,median,p90
 * with measure "best" (at = budget; fractions of the optimum to 4 decimals)
 * or "samples" (at = level in percent; samples to a tenth); a percentile
 * among the runs that never got there is written ">X", X the most it is
 * known to exceed. */
void mph_eval_stats_write(const mph_eval_stats *st, FILE *fp);

/* Repeated measurements (lib/eval/repeats.c): a configuration measured
 * more than once is judged on the median of its metric over its valid rows
 * (those that ran and met the constraints), scored at that median with its
 * cost, and configurations are ranked by utility, then lower cost, then the
 * one measured first: the one rule of mph-pick --median, mph-report and
 * mph-eval --noise. */
typedef struct {
	uint64_t key;     /* the configuration: equal keys are one configuration */
	int valid;        /* ran and met the constraints */
	double metric, cost;
} mph_repeat_row;
typedef struct {
	size_t first;              /* its first row */
	size_t nrows, nvalid;      /* rows; valid rows */
	double median, min, max;   /* of the metric over the valid rows, NaN without one */
	mph_objective_result res;  /* scored at the median; all NaN without a valid row */
	long rank;                 /* 1-based, 0 without a valid row */
} mph_repeat;
/* Groups n rows in order of first appearance into out (room for n) and
 * writes into ranked (room for n) the configurations with a valid row, best
 * first, their count in nranked. Returns the number of configurations, or
 * -1 (a score the objective cannot compute). */
long mph_repeats_group(const mph_objective *o, const mph_repeat_row *rows, size_t n, mph_repeat *out,
                       size_t *ranked, size_t *nranked, mph_error *err);

/* The race between the best configurations (TUNING.md section 8): the
 * contenders are the top configurations by their first row (the search's
 * measurement; utility, then lower cost, then measured first), each judged
 * on the mean utility of its valid rows. Once some contender has two valid
 * rows, the noise's sd is pooled over the contenders' repeats, and one
 * whose mean trails the leader's by more than z standard errors of the
 * difference is out of the race. While more than one is in it, those in it
 * with fewer than most rows are to be measured once more (again): a
 * function of the rows alone, so that a loop of measure-and-ask ends where
 * an uninterrupted one does. */
typedef struct {
	size_t top;   /* contenders [8] */
	size_t most;  /* rows a contender is measured at most [8] */
	double z;     /* standard errors behind the leader that end a race [2] */
} mph_race_opts;
void mph_race_opts_init(mph_race_opts *o);
typedef struct {
	size_t group;         /* index into the groups of mph_repeats_group */
	size_t nrows, nvalid; /* its rows; those that count */
	double mean;          /* mean utility of its valid rows */
	int alive, again;     /* still in the race; to measure once more */
} mph_race;
/* Over the rows and their groups (mph_repeats_group's out, ng of them),
 * into out (room for top) the contenders, the leader first and the others
 * by mean, their count in ncontenders. Returns the leader's group (the
 * recommendation), -1 when no configuration worked, -2 on error. */
long mph_repeats_race(const mph_objective *o, const mph_repeat_row *rows, size_t n, const mph_repeat *g,
                      size_t ng, const mph_race_opts *ro, mph_race *out, size_t *ncontenders, mph_error *err);

/* Which columns of a trials file (header, ncols) are the configuration, into
 * is_key: the knobs named (each must be a column), or, with knobs NULL,
 * every column but the objective's metric and those a measurement writes
 * (mph-probe's rps, p50_ms, p90_ms, p99_ms, p999_ms, error_rate, status,
 * probe_s; trial; MPH_SUGGEST_COLUMNS). 0, or -1 ("missing required column
 * 'k'", or no configuration column left). */
/* The configuration of each of n rows (fields[i]: ncols fields), as the
 * index of the first row with the same values in the is_key columns (equal
 * as numbers when both are numbers: 1 and 1.0 are one value). */
void mph_repeats_keys(const char *const *const *fields, size_t n, const unsigned char *is_key, size_t ncols,
                      uint64_t *key);
int mph_repeats_key_columns(const char *const *header, size_t ncols, const mph_objective *o,
                            const char *const *knobs, size_t nknobs, unsigned char *is_key, mph_error *err);

/* Train/test splits of tasks (by index into the trace's tasks) in folds:
 * each fold meta-trains on its train tasks and is tested on the others. */
typedef struct mph_split mph_split;
void mph_split_free(mph_split *sp);
size_t mph_split_nfolds(const mph_split *sp);
int mph_split_is_test(const mph_split *sp, size_t fold, size_t task);
/* The tasks given are the test tasks (names_are_test) or the train tasks,
 * the rest of the trace the other side, in one fold. arg is a file of
 * names, one a line (blank lines and '#' comments skipped), when it names
 * an existing file, else names separated by commas. Errors: an unknown
 * name (located in the file), an empty side. */
mph_split *mph_split_tasks(const char *arg, const char *const *tasks, size_t ntasks,
                           int names_are_test, mph_error *err);
/* One fold that tests what model was not trained on, as its provenance
 * records ("data"."tasks"); model_path names it in the error when the
 * record is missing. */
mph_split *mph_split_untrained(const char *const *tasks, size_t ntasks, const mph_model *model,
                               const char *model_path, mph_error *err);
/* One fold that tests every task (nothing is trained). */
mph_split *mph_split_all(size_t ntasks);
/* Leave one task out: ntasks folds. */
mph_split *mph_split_loo(size_t ntasks, mph_error *err);
/* k folds over groups of tasks that share the name up to the first character
 * of sep (NULL or "": each task its own group); groups are dealt round-robin
 * in name order. Error unless 2 <= k <= the number of groups. */
mph_split *mph_split_kfold(const char *const *tasks, size_t ntasks, size_t k, const char *sep,
                           mph_error *err);

/* One task of a profiled trace made ready for replayed searches: its
 * candidates (the space's feasible configurations the trace has for it, in
 * id order, as mph-space lists them), the trial measuring each one gives
 * (as mph_history_load reads mph-probe --replay's row back), each one's
 * objective score and the optimum. r must be indexed on s
 * (mph_replay_index_space); r, s and o must outlive the task. */
typedef struct mph_eval_task mph_eval_task;
mph_eval_task *mph_eval_task_new(const mph_replay *r, size_t task, const mph_space *s,
                                 const mph_objective *o, double fail_value, mph_error *err);
void mph_eval_task_free(mph_eval_task *t);
const char *mph_eval_task_name(const mph_eval_task *t);
size_t mph_eval_task_n(const mph_eval_task *t); /* its configurations */
/* 0 if the task has every one of n configurations (n x nknobs), else -1 with
 * "task 'T': the trace has no row for initial configuration k=v,...". */
int mph_eval_task_check_initial(const mph_eval_task *t, const size_t *initial, size_t n,
                                mph_error *err);

/* One sample of a replayed search, as the per-step log shows it. */
typedef struct {
	size_t step;                    /* 1-based: samples so far, this one included */
	int initial;                    /* from the initial design */
	size_t cand;                    /* candidate index */
	const size_t *config;           /* nknobs value indices */
	const mph_trial *trial;
	double value;                   /* objective score; NaN when failed or violated */
	double best;                    /* best score so far; NaN while none is valid */
	double norm_best;               /* best so far as a fraction of the optimum; with
	                                   noise, the true worth of the recommendation */
	const mph_suggestion *suggestion; /* why it was chosen; NULL when initial */
	double ei;                      /* mph_search_ei when it was chosen; NaN when initial */
	long age;                       /* mph_stop_best_age of the trials before it */
} mph_eval_step;
typedef struct {
	long cap;               /* the most samples, initial design included [100] */
	const size_t *initial;  /* ninitial configurations measured first, in order */
	size_t ninitial;
	/* With a stopping rule a search does not end at the optimum (a user
	 * cannot see it) but when the rule fires before a suggestion, at the
	 * cap, or when nothing is left. NULL: it ends at the optimum. */
	const mph_stop_opts *stop;
	/* The run's own randomness (noise, a random initial design) comes from
	 * streams seeded by seed and the task's name, so that every algorithm
	 * and meta-seed meets the same on a task and seed. */
	uint64_t seed;
	/* Measurement noise: each measurement the search sees is the trace's
	 * metric times exp(noise N(0,1)), drawn afresh; norm_best is then the
	 * true (noise-free) worth of the configuration mph-pick --median would
	 * recommend from what was seen, and the search runs to the cap (or its
	 * stop). 0: none [0]. */
	double noise;
	/* With no initial design given: random_initial distinct configurations
	 * of the task, drawn at random, measured first (the Morphling paper's
	 * protocol). 0: none [0]. */
	size_t random_initial;
	/* Before each recommendation, confirm_top configurations of the
	 * ranking are measured confirm_times more (fresh noise, not shown to
	 * the search) and the recommendation made on all their rows. 0: none. */
	size_t confirm_top, confirm_times;
	/* Instead, before each recommendation, a race between the best
	 * configurations (mph_repeats_race, fresh noise, not shown to the
	 * search) until it is over; the recommendation is its leader. NULL:
	 * none. */
	const mph_race_opts *race;
	void (*on_step)(void *ctx, const mph_eval_task *t, const mph_eval_step *st);
	void *ctx;
} mph_eval_run_opts;
void mph_eval_run_opts_init(mph_eval_run_opts *o);
/* One search: the initial design, then one suggestion of s at a time, until
 * the optimum is measured (or, with a stopping rule or noise, the rule
 * fires), cap samples are taken or nothing is left.
 * norm_best (cap values) gets the normalised best after each sample: score
 * over optimum when maximising positive scores (optimum over score when
 * minimising), else the utility's place between the task's worst and best;
 * 1 only at the optimum, 0 for failures. Returns the samples taken, or -1. */
long mph_eval_run(const mph_eval_task *t, mph_search *s, const mph_eval_run_opts *o,
                  double *norm_best, mph_error *err);

/* ==== report: lib/report/ ================================================== */

/* ---- the report of a run (mph-report) ------------------------------------ */
/* A tuning run read back from its trials file (mph-trials(5)) and drawn as
 * one HTML page with inline SVG, no script and nothing loaded from anywhere.
 * Rows are scored as mph-suggest reads them (mph_history_load's rule); a
 * configuration measured several times is judged on the median of its
 * metric over the rows that ran and met the constraints, and ranked as
 * mph-pick ranks (utility, then cost, then measured first). The initial
 * design is the leading rows whose configurations are the space's. Errors:
 * what reading the trials gives, "no trials". s and o must outlive r. */
typedef struct mph_report mph_report;
mph_report *mph_report_load(const char *trials, const mph_space *s, const mph_objective *o,
                            mph_error *err);
void mph_report_free(mph_report *r);
/* The two knobs of the heat maps and the search path, "X,Y"; NULL: the two
 * the trials vary most (distinct values; the space's order on ties), as
 * mph_report_load sets them. Forgets any prediction: set the knobs first. */
int mph_report_set_knobs(mph_report *r, const char *knobs, mph_error *err);
/* The choice as tune.mk makes it with RACE: the leader of the race between
 * the best configurations (mph_repeats_race under ro) is ranked first, the
 * others keep their order after it; the page says so. */
int mph_report_set_race(mph_report *r, const mph_race_opts *ro, mph_error *err);
/* Why the run stopped: the first line of a stop file (tune.mk's stop.txt,
 * "budget|rule|exhausted: message"); an empty file is an error. */
int mph_report_read_stop(mph_report *r, const char *path, mph_error *err);
/* Adapts model (not changed: a clone is adapted) to every trial with its own
 * fine-tuning from the seed, as mph-adapt does, and predicts every feasible
 * configuration of the space (at most 200000): each heat-map cell gets the
 * best predicted score. The model must encode as the space and predict the
 * objective's metric (mph_model_check_space, mph_search_check_metric). */
int mph_report_predict(mph_report *r, const mph_model *model, uint64_t seed, mph_error *err);
/* The files the page names (any may be NULL; title NULL: the trials file). */
typedef struct {
	const char *title, *space, *objective, *model;
} mph_report_names;
/* The page; the same inputs give the same bytes. 0, or -1 on a write error. */
int mph_report_write_html(const mph_report *r, const mph_report_names *names, FILE *fp,
                          mph_error *err);

#endif
