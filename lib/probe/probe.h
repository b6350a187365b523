/* probe/probe.h: libmph's private header for the probe layer: measuring
 * configurations: replaying a trace, the simulator and its zoo, running a
 * command, a service's lifecycle, the HTTP load generator and the peak-rate
 * search. Not installed; the library's files and the unit tests include it.
 * What the tools call is in mph.h. */
#ifndef MPH_PROBE_H
#define MPH_PROBE_H
#include "mph.h"
#include "space/space.h"

/* Latency histogram: log buckets over whole microseconds, 1 us to 60 s
 * (larger values count as 60 s and in mph_hist_overflow), 3 significant
 * digits. Quantiles q in [0,1], in microseconds; NaN when empty. */
typedef struct mph_hist mph_hist;
/* ---- replay, simulator, zoo ---- */
mph_replay *mph_replay_load_fp(FILE *fp, const char *name, const char *task, mph_error *err);
size_t mph_replay_ncols(const mph_replay *r);                 /* trace header */

size_t mph_replay_nknobs(const mph_replay *r);
const char *mph_replay_col_name(const mph_replay *r, size_t col);
/* A field of a row as a number (NaN when not a number). */
double mph_replay_num(const mph_replay *r, size_t row, size_t col);
size_t mph_replay_nmeasured(const mph_replay *r);
size_t mph_replay_measured_col(const mph_replay *r, size_t j);

/* Seeded measurement noise: a factor exp(sd * z), z standard normal, drawn
 * from a generator seeded by (seed, key) alone, so a configuration gets the
 * same factor whether probed alone or in a batch, in any order; draw one
 * factor per measured column in turn. sd 0 gives 1. */
void mph_noise_seed(mph_rng *g, uint64_t seed, uint64_t key);
double mph_noise_factor(mph_rng *g, double sd);
/* Key of row of the trace for mph_noise_seed: hash of its task and knob text. */
uint64_t mph_replay_row_key(const mph_replay *r, size_t row);

/* Simulator: one model served from a container (mph-probe --sim). Every
 * figure is sourced in share/mph/zoo/ (models.csv, gpus.csv, README.md) or
 * at its definition in sim.c. Units: 1e9 MACs, 1e6 parameters, 1e6 bytes
 * (MB), 1e9 bytes (GB). */
typedef struct {
	char name[64];
	int text;              /* 1: the request is text (tokens), 0: an image */
	double gmacs;          /* multiply-accumulates per sample, 1e9 */
	double params_m;       /* parameters, 1e6 (fp32 weights: 4 bytes each) */
	double layers;         /* convolution and dense layers run per batch */
	double act_peak_mb;    /* peak activation memory per sample */
	double act_sum_mb;     /* sum of all layer outputs per sample (traffic) */
	double in_values;      /* input tensor elements per sample */
	double out_values;     /* output tensor elements per sample */
} mph_sim_model;
typedef struct {
	char name[32];
	double mem_gb, fp32_tflops, fp16_tflops, bw_gbs, price; /* datasheet, paper */
	double compute_eff;    /* achieved fraction of fp32 peak at large batch */
	double bw_eff;         /* achieved fraction of memory bandwidth */
	double layer_us;       /* fixed cost per layer per batch */
	double pcie_gbs;       /* host to device bandwidth */
} mph_sim_gpu;
typedef enum { MPH_SIM_OK, MPH_SIM_OOM, MPH_SIM_SLO } mph_sim_status;
typedef struct {
	mph_sim_status status; /* OOM: does not fit; SLO: misses it even unloaded */
	double rps;            /* peak load with p99 within the SLO; 0 unless OK */
	double p50_ms, p99_ms; /* latency at that load (unloaded when SLO) */
	double batch;          /* mean batch size at that load */
	double mem_gb;         /* GPU memory needed at the configured batch */
} mph_sim_result;
/* A configuration: cores, GPU memory share (0..1], maximum batch size. */
void mph_sim_run(const mph_sim_model *m, const mph_sim_gpu *g, int cpu, double gpu_mem,
                 int batch, double slo_ms, mph_sim_result *out);
const char *mph_sim_status_name(mph_sim_status s); /* "ok", "oom", "slo" */

/* The catalogue: models.csv and gpus.csv of share/mph/zoo (mph-trace(5)). */
typedef struct mph_zoo mph_zoo;
mph_zoo *mph_zoo_load(const char *models_csv, const char *gpus_csv, mph_error *err);
void mph_zoo_free(mph_zoo *z);
const mph_sim_model *mph_zoo_find_model(const mph_zoo *z, const char *name);
const mph_sim_gpu *mph_zoo_find_gpu(const mph_zoo *z, const char *name);

/* Parts of the model, exposed for tests and for the man page's worked example. */
double mph_sim_batch_ms(const mph_sim_model *m, const mph_sim_gpu *g, double b);
double mph_sim_cpu_ms(const mph_sim_model *m);      /* CPU time per request */

double mph_sim_mem_gb(const mph_sim_model *m, double b);

/* Latency quantile q (0.5, 0.99) in ms at offered load lambda (req/s); +inf
 * when the load cannot be sustained. */
double mph_sim_latency_ms(const mph_sim_model *m, const mph_sim_gpu *g, int cpu, int batch,
                          double lambda, double q);
size_t mph_zoo_nmodels(const mph_zoo *z);
const mph_sim_model *mph_zoo_model(const mph_zoo *z, size_t i);
size_t mph_zoo_ngpus(const mph_zoo *z);
const mph_sim_gpu *mph_zoo_gpu(const mph_zoo *z, size_t i);
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

/* 1 when the step meets the SLO and error bound under o. */
int mph_rate_step_passes(const mph_rate_opts *o, const mph_load_result *r);

/* Running a command per configuration (mph-probe --exec). The knob values
 * reach it only through its environment: MPH_<KNOB> (the name upper-cased,
 * other characters than letters and digits as '_'), MPH_CONFIG (the values as
 * one CSV line) and MPH_CONFIG_HEADER (the names, likewise). */
typedef struct {
	char status[32];        /* ok, error, timeout, or what the command printed as status= */
	int exit_code;          /* -1 when killed by a signal */
	int signal;
	int attempts;
	double seconds;         /* of the last attempt */
	size_t n;               /* measurements, in the order first printed */
	char **names, **values;
	char stderr_tail[256];  /* last line of stderr */
	char message[512];      /* why it is not ok, one line */
	char *log_path;         /* NULL without a log folder */
} mph_exec_result;

/* The log folder (--log-dir): DIR/KIND-N.log for trial or service N (from
 * 1), in a string the caller frees; the folder is made when missing. */
char *mph_probe_log_path(const char *dir, const char *kind, size_t n);
int mph_probe_log_dir(const char *dir, mph_error *err);

/* The process's environment with those variables set (inherited ones of the
 * same names dropped) and `extra` "NAME=value" strings (NULL-terminated, may
 * be NULL) added; NULL-terminated, freed by mph_exec_env_free. */
char **mph_exec_env(size_t n, const char *const *names, const char *const *values,
                    const char *const *extra);
void mph_exec_env_free(char **env);
void mph_exec_opts_init(mph_exec_opts *o);
void mph_exec_result_clear(mph_exec_result *r);
const char *mph_exec_result_get(const mph_exec_result *r, const char *name);

/* The reaper (lib/probe/reaper.c): the process groups of trials and services
 * die with mph-probe, even by SIGKILL. Start before the first child (a second
 * start does nothing); a child calls enlist after setpgid and before exec;
 * the parent discharges a group once it has killed it; stop waits for the
 * reaper, which kills the groups never discharged. */
int mph_reaper_start(mph_error *err);
void mph_reaper_stop(void);
void mph_reaper_enlist(void);
void mph_reaper_discharge(pid_t group);

/* `name=value` lines (others ignored) or one JSON object, added to r. */
int mph_exec_parse_output(const char *text, mph_exec_result *r, mph_error *err);

/* Runs every trial (values[t] holds trial t's nknobs values), at most
 * o->jobs at once, calling done as each finishes; r is valid during the call
 * only. A failing command is a result; -1 only when fork/pipe/log fail. */
typedef void (*mph_exec_done_fn)(void *ctx, size_t trial, const mph_exec_result *r);
int mph_exec_batch(const mph_exec_opts *o, size_t ntrials, size_t nknobs,
                   const char *const *names, const char *const *const *values,
                   mph_exec_done_fn done, void *ctx, mph_error *err);

/* A service under test (mph-probe --start): /bin/sh -c CMD in its own
 * process group with the given environment, output to log_path (NULL:
 * /dev/null). `ready` is a URL (ready when it answers 2xx), a port number
 * or HOST:PORT (ready when it accepts a connection). */
typedef struct mph_service mph_service;
typedef enum { MPH_SERVICE_READY, MPH_SERVICE_CRASHED, MPH_SERVICE_NOT_READY } mph_service_state;
mph_service *mph_service_start(const char *cmd, char *const *env, const char *log_path,
                               mph_error *err);

/* Polls ready every 50 ms for up to timeout_s, or until the process exits. */
mph_service_state mph_service_wait_ready(mph_service *s, const char *ready, double timeout_s);

/* 1 while the process runs; 0 once it has exited (and is reaped). */
int mph_service_alive(mph_service *s);

/* How it ended, "exit status 3" or "killed by signal 9", once not alive. */
const char *mph_service_how(const mph_service *s);

/* SIGTERM to the group, SIGKILL after grace_s, reaps, frees; NULL is fine. */
void mph_service_stop(mph_service *s, double grace_s);

/* One readiness probe of `ready`: 1 answers, 0 does not, -1 unusable (err).
 * With connect_only a URL counts as answering once its port accepts a
 * connection (what tells that a port is already taken). */
int mph_ready_probe(const char *ready, int connect_only, mph_error *err);

/* ---- load generator and peak-rate search ---- */
void mph_load_opts_init(mph_load_opts *o); /* rate 100, 1 s + 3 s, timeout 5 s, 64 connections, p99 */
/* -1 only for invalid options or a libcurl failure; a service that refuses,
 * fails or times out is a result, not an error. */
int mph_load_run(const mph_load_opts *o, mph_load_result *r, mph_error *err);
/* A step is one call of `step` (usually mph_load_run); it returns -1 to
 * abandon the search. */
typedef int (*mph_rate_step_fn)(void *ctx, double rate, mph_load_result *r, mph_error *err);
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
 * step to aim just below it, bisecting (geometrically) otherwise. Both stop
 * early, with peak 0, when a step has nothing but failed requests (refused,
 * 5xx) or when, before any step passed, even the fastest answer of a step
 * the service kept up with was slower than the SLO. */
int mph_rate_search(const mph_rate_opts *o, mph_rate_step_fn step, void *ctx,
                    mph_rate_result *res, mph_error *err);
/* Morphling's stress-test client, for comparison: double the rate until a
 * step fails, then bisect the last bracket, nothing else. */
int mph_rate_search_doubling(const mph_rate_opts *o, mph_rate_step_fn step, void *ctx,
                             mph_rate_result *res, mph_error *err);

#endif
