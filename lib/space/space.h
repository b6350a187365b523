/* space/space.h: libmph's private header for the space layer: spaces (knobs,
 * values, encoding, sampling, spaces from traces), the constraint expressions,
 * objectives, and what a trial is. Not installed; the library's files and the
 * unit tests include it. What the tools call is in mph.h. */
#ifndef MPH_SPACE_H
#define MPH_SPACE_H
#include "mph.h"
#include "io/io.h"

/* ---- expressions (constraints) ---- */
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
/* Gives each variable name a slot once; the resolver returns the slot or -1
 * for an unknown name, which fails with "unknown name 'X'". */
typedef long (*mph_expr_resolver)(void *ctx, const char *name);
/* A slot's value: num is NaN when the value is not a number; str may be NULL
 * when the value has no text form. */
typedef struct { double num; const char *str; } mph_value;
/* On a syntax error, err->col is the 1-based offset into text. */
mph_expr *mph_expr_parse(const char *text, mph_error *err);
void mph_expr_free(mph_expr *e);
const char *mph_expr_text(const mph_expr *e);
int mph_expr_bind(mph_expr *e, mph_expr_resolver resolve, void *ctx, mph_error *err);

/* Evaluates with slots indexed as bound; NaN when a number was needed and
 * is missing. */
double mph_expr_eval(const mph_expr *e, const mph_value *slots);

/* The distinct variable names, in order of first use, and the slot each was
 * bound to (-1 before binding): lets a caller skip or explain a constraint. */
size_t mph_expr_nnames(const mph_expr *e);
const char *mph_expr_name(const mph_expr *e, size_t i);
long mph_expr_slot(const mph_expr *e, size_t i);

/* ---- space ---- */
/* The environment variable a knob reaches a command as (mph-probe --exec,
 * --start): MPH_ and the name upper-cased, other characters than letters
 * and digits as '_'. Newly allocated. */
char *mph_knob_env_name(const char *knob);
/* -1 with a message naming both when two names reach commands as one
 * variable (a-b and a_b), or one as a variable mph sets itself (config is
 * MPH_CONFIG); file names the source in the message. */
int mph_knob_names_check_env(const char *const *names, size_t n, const char *file, mph_error *err);
size_t mph_space_nconstraints(const mph_space *s);
long mph_space_knob_index(const mph_space *s, const char *name); /* -1 if none */

/* Digest of the canonical JSON: two spaces encode alike iff digests match. */
uint64_t mph_space_digest(const mph_space *s);
const char *mph_space_feature_name(const mph_space *s, size_t f);

/* ---- knob roles (roles.c) ---- */
/* Attribute a of value i of categorical knob k; the index of an attribute
 * by name, -1 if the knob has none of that name. */
long mph_space_attr_index(const mph_space *s, size_t k, const char *name);
double mph_space_attr(const mph_space *s, size_t k, size_t i, size_t a);
/* The space's roles make sense (mph-space(5)): one knob a role, numeric
 * values a role can take, a GPU type's datasheet attributes. */
int mph_space_roles_check(const mph_space *s, const char *file, mph_error *err);
/* Role features of a closed role set: how many, their names (newly
 * allocated, "role.cpu", ...), and their values for configuration idx. */
size_t mph_roles_nfeatures(unsigned roles);
void mph_roles_feature_names(unsigned roles, char **names);
void mph_roles_encode(const mph_space *s, unsigned roles, const size_t *idx, double *x);

/* ---- objective ---- */
const char *mph_objective_name(const mph_objective *o);   /* the metric when unnamed */

int mph_objective_per_cost(const mph_objective *o);       /* 1 for "metric_per_cost" */

int mph_objective_has_cost(const mph_objective *o);       /* 1 if it has a cost model */

size_t mph_objective_nconstraints(const mph_objective *o);

/* Higher is better whatever the direction: the score itself for "max", its
 * negation for "min"; NaN stays NaN. */
double mph_objective_utility(const mph_objective *o, double score);
mph_objective_bound *mph_objective_bind(const mph_objective *o, const char *const *header,
                                        size_t ncols, unsigned flags, mph_error *err);

/* 1 if constraint i is checked under this binding, 0 if it was skipped. */
int mph_objective_bound_checks(const mph_objective_bound *b, size_t i);

/* Scores one row (fields in header order). metric is NaN to read the metric
 * column, or a value (a prediction) that stands in for it everywhere,
 * constraints included. 0, or -1 with e.g. "column 'rps': not a number:
 * 'abc'", "column 'gpu_type': no price for 'K80'", "cost is not positive: 0"
 * (metric_per_cost only), or a constraint that needs a number the row lacks.
 * A violated constraint is not an error: see r->violated. */
int mph_objective_eval(const mph_objective_bound *b, const char *const *fields, double metric,
                       mph_objective_result *r, mph_error *err);

/* The cost alone; needs neither the metric nor the constraints. */
int mph_objective_cost(const mph_objective_bound *b, const char *const *fields,
                       double *cost, mph_error *err);

/* The score rule alone: metric, cost, score and utility of a row whose
 * metric and cost are known numbers (no constraint checked): what
 * mph_objective_eval does after reading them, and what candidates priced
 * once call on the hot path. */
int mph_objective_score(const mph_objective *o, double metric, double cost,
                        mph_objective_result *r, mph_error *err);

/* ---- trials ---- */
/* What a model learnt from, chained into h: a row's task, its knob fields as
 * written (cols: mph_space_bind's) and its metric field, or "failed". */
uint64_t mph_trial_digest(uint64_t h, const char *task, const mph_csv *c, const size_t *cols,
                          size_t nknobs, size_t metric_col, int failed);
/* One measured row as a trial: the one rule mph_history_load (what
 * mph-suggest reads back from mph-probe) and mph-eval's replay share, so a
 * pipeline and a replayed search value every row alike. A status other than
 * "ok" (status_col >= 0) fails with fail_value and no utility; otherwise b
 * (may be NULL: metric and utility unknown) scores the row, and a violated
 * constraint keeps the metric but leaves no utility. res, if non-NULL, gets
 * the objective's result (score NaN unless the trial has a utility). */
int mph_trial_from_row(const mph_objective_bound *b, const char *const *fields, long status_col,
                       double fail_value, uint64_t id, mph_trial *t, mph_objective_result *res,
                       mph_error *err);

#endif
