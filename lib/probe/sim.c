/*
 * The analytical serving simulator behind mph-probe --sim: how many requests
 * per second one container serving one model sustains with its p99 latency
 * within an SLO, for a configuration (CPU cores, GPU memory share, maximum
 * batch size, GPU type).
 *
 * The container is a TensorFlow-Serving-like server: each request is
 * decoded and pre-processed on one of `cpu` cores, queued for the dynamic
 * batcher, run on the GPU in a batch of at most `batch`, then its output is
 * serialised. The container is alone on its card: the memory share caps
 * what its framework may allocate (TensorFlow's
 * per_process_gpu_memory_fraction), not its compute.
 *
 * Model figures (MACs, parameters, layers, activation memory) come from
 * share/mph/zoo/models.csv and GPU figures from gpus.csv; their sources are
 * in share/mph/zoo/README.md. The few constants of the serving stack are
 * defined below, each with where it comes from. Quantities are in seconds
 * and bytes inside, milliseconds and GB at the interface.
 */
#include <math.h>
#include "probe/probe.h"

/* fp32 weights and activations: TF-Serving runs SavedModels as trained. */
#define BYTES_PER_VALUE 4.0

/* Device memory a serving process holds before loading a model: the CUDA
 * context with the framework's kernels and cuBLAS/cuDNN handles. PyTorch
 * users report about 700 MB on CUDA 10/11 (discuss.pytorch.org threads
 * 73021: 723 MiB after one tiny tensor, and 81330: "~700+MB"); frameworks
 * differ, this is the order of it. */
#define RUNTIME_BYTES (723.0 * 1048576.0)

/* CPU seconds per request spent in the server's RPC layer: the TF-Serving
 * paper (Olston et al., "TensorFlow-Serving", arXiv:1712.06139, 2017)
 * reports about 100,000 requests per second on a 16-vCPU machine for a
 * trivial model, 16 / 100000 s each. */
#define RPC_S (16.0 / 100000.0)

/* Image requests carry a JPEG of an average ImageNet (ILSVRC-2012) image,
 * 469 x 387 pixels, the commonly quoted mean resolution of the set. */
#define JPEG_PIXELS (469.0 * 387.0)
/* Baseline JPEG decompression at about 100 megapixels per second per core,
 * the order libjpeg-turbo reports for current x86 cores (its performance
 * page); an assumption of the model, not a measurement of ours. */
#define JPEG_S_PER_PIXEL 10e-9
/* Text requests are WordPiece-tokenised: about 2 microseconds per token, an
 * assumption (compiled tokenisers run at a few hundred thousand tokens per
 * second per core). */
#define TOKEN_S 2e-6
/* Resizing, normalising and copying into the batch tensor, and serialising
 * outputs: a few simple operations per value at memory speed, 2 ns per input
 * value and 1 ns per output value (assumption). */
#define PREP_S_PER_VALUE 2e-9
#define OUT_S_PER_VALUE 1e-9

/* Requests per second are searched to this relative precision. */
#define RATE_ITERATIONS 100

double mph_sim_cpu_ms(const mph_sim_model *m)
{
	double s = RPC_S + PREP_S_PER_VALUE * m->in_values + OUT_S_PER_VALUE * m->out_values;
	s += m->text ? TOKEN_S * m->in_values : JPEG_S_PER_PIXEL * JPEG_PIXELS;
	return 1e3 * s;
}

double mph_sim_mem_gb(const mph_sim_model *m, double b)
{
	/* The runtime and the weights once, and per sample its peak
	 * activations plus its input and output tensors, which the batch holds
	 * on the device. */
	double weights = m->params_m * 1e6 * BYTES_PER_VALUE;
	double per_sample = m->act_peak_mb * 1e6 + BYTES_PER_VALUE * (m->in_values + m->out_values);
	return (RUNTIME_BYTES + weights + b * per_sample) / 1e9;
}

/* Seconds for the GPU to run one batch of b samples: a fixed cost per layer
 * (kernel launches, framework dispatch, the ramp-up and tail of each
 * kernel: calibrated per GPU), then a roofline, the larger of compute time at
 * the achieved fraction of peak and memory time (weights read once per
 * batch, every activation written and read back once) at the achieved
 * bandwidth, plus copying the inputs over PCIe. The fixed cost is what makes
 * throughput rise with batch until the roofline term dominates. */
static double batch_s(const mph_sim_model *m, const mph_sim_gpu *g, double b)
{
	double flops = 2.0 * m->gmacs * 1e9 * b;
	double compute = flops / (g->fp32_tflops * 1e12 * g->compute_eff);
	double bytes = m->params_m * 1e6 * BYTES_PER_VALUE + b * 2.0 * m->act_sum_mb * 1e6;
	double memory = bytes / (g->bw_gbs * 1e9 * g->bw_eff);
	double pcie = b * m->in_values * BYTES_PER_VALUE / (g->pcie_gbs * 1e9);
	return m->layers * g->layer_us * 1e-6 + fmax(compute, memory) + pcie;
}

double mph_sim_batch_ms(const mph_sim_model *m, const mph_sim_gpu *g, double b)
{
	return 1e3 * batch_s(m, g, b);
}

/* Erlang's C formula: the probability that a request waits for one of c
 * servers offered a Erlangs (a < c), through the stable Erlang-B recursion. */
static double erlang_c(int c, double a)
{
	double bk = 1.0;
	int k;
	for (k = 1; k <= c; k++) bk = a * bk / (k + a * bk);
	return c * bk / (c - a * (1.0 - bk));
}

/* Quantile q of the wait of an M/M/c-like queue whose waits, given that
 * there is one, are exponential with rate (c * mu - lambda):
 * P(W > t) = P_wait * exp(-(c mu - lambda) t). */
static double wait_quantile(double p_wait, double drain_rate, double q)
{
	if (p_wait <= 1.0 - q) return 0.0;
	return log(p_wait / (1.0 - q)) / drain_rate;
}

/* Mean batch size under dynamic batching at load lambda: while the GPU runs
 * a batch, the requests that arrive form the next one, so b = lambda * t(b),
 * between 1 and the maximum. t is convex in b, so lambda * t(b) - b crosses
 * zero once on [1, max] when it changes sign. */
static double batch_size(const mph_sim_model *m, const mph_sim_gpu *g, int max, double lambda)
{
	double lo = 1.0, hi = max;
	int i;
	if (lambda * batch_s(m, g, 1.0) <= 1.0) return 1.0;
	if (lambda * batch_s(m, g, max) >= max) return max;
	for (i = 0; i < 60; i++) {
		double mid = 0.5 * (lo + hi);
		if (lambda * batch_s(m, g, mid) > mid) lo = mid; else hi = mid;
	}
	return 0.5 * (lo + hi);
}

/* The latency of a request is the sum of its stages' quantiles (an upper
 * bound of the quantile of the sum): waiting for a core, pre- and
 * post-processing, waiting for the batch that runs when it arrives, its own
 * batch, and, near saturation, waiting for full batches ahead of it. */
double mph_sim_latency_ms(const mph_sim_model *m, const mph_sim_gpu *g, int cpu, int batch,
                          double lambda, double q)
{
	double s_cpu = mph_sim_cpu_ms(m) / 1e3, cpu_rate = cpu / s_cpu;
	double full_rate = batch / batch_s(m, g, batch); /* requests/s with full batches */
	double b, t, busy, residual, w_cpu = 0.0, w_gpu = 0.0;

	if (lambda >= cpu_rate || lambda >= full_rate) return INFINITY;
	if (lambda > 0.0) {
		w_cpu = wait_quantile(erlang_c(cpu, lambda * s_cpu), cpu_rate - lambda, q);
		/* Beyond the batch in progress, the GPU drains full batches:
		 * an M/M/1 view with service rate full_rate. */
		w_gpu = wait_quantile(lambda / full_rate, full_rate - lambda, q);
	}
	b = batch_size(m, g, batch, lambda);
	t = batch_s(m, g, b);
	/* The GPU is busy with probability `busy`; the remaining time of the
	 * batch in progress is then uniform on [0, t]. */
	busy = fmin(1.0, lambda * t / b);
	residual = busy > 1.0 - q ? t * (1.0 - (1.0 - q) / busy) : 0.0;
	return 1e3 * (w_cpu + s_cpu + residual + t + w_gpu);
}

void mph_sim_run(const mph_sim_model *m, const mph_sim_gpu *g, int cpu, double gpu_mem,
                 int batch, double slo_ms, mph_sim_result *out)
{
	double s_cpu = mph_sim_cpu_ms(m) / 1e3;
	double lo = 0.0, hi;
	int i;

	out->mem_gb = mph_sim_mem_gb(m, batch);
	out->rps = 0.0;
	out->batch = 1.0;
	if (out->mem_gb > gpu_mem * g->mem_gb) {
		out->status = MPH_SIM_OOM;
		out->p50_ms = out->p99_ms = NAN;
		return;
	}
	out->p50_ms = mph_sim_latency_ms(m, g, cpu, batch, 0.0, 0.5);
	out->p99_ms = mph_sim_latency_ms(m, g, cpu, batch, 0.0, 0.99);
	if (out->p99_ms > slo_ms) {
		out->status = MPH_SIM_SLO;
		return;
	}
	/* Peak RPS as a stress test finds it: the highest offered load whose
	 * p99 stays within the SLO. Latency grows with load, so bisect. */
	hi = fmin(cpu / s_cpu, batch / batch_s(m, g, batch));
	for (i = 0; i < RATE_ITERATIONS; i++) {
		double mid = 0.5 * (lo + hi);
		if (mph_sim_latency_ms(m, g, cpu, batch, mid, 0.99) <= slo_ms) lo = mid; else hi = mid;
	}
	out->status = MPH_SIM_OK;
	out->rps = lo;
	out->batch = batch_size(m, g, batch, lo);
	out->p50_ms = mph_sim_latency_ms(m, g, cpu, batch, lo, 0.5);
	out->p99_ms = mph_sim_latency_ms(m, g, cpu, batch, lo, 0.99);
}

const char *mph_sim_status_name(mph_sim_status s)
{
	switch (s) {
	case MPH_SIM_OK: return "ok";
	case MPH_SIM_OOM: return "oom";
	case MPH_SIM_SLO: return "slo";
	}
	return "error";
}
