/* The simulator's physics on the zoo's catalogue (run from the repository
 * root, as tests/unit.bats does), and the replay index on a small trace. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "probe/probe.h"
#include "unit.h"

static const int cpus[] = {1, 2, 3, 4, 5};
static const double mems[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
static const int batches[] = {1, 2, 4, 8, 16, 32, 64, 128};
#define NCPU 5
#define NMEM 6
#define NBATCH 8

/* Peak RPS of every model over the space, filled once: the physics checks
 * compare it many ways. */
static double *table;
#define AT(i, g, c, k, b) table[((((i) * 3 + (g)) * NCPU + (c)) * NMEM + (k)) * NBATCH + (b)]

static double rps(const mph_sim_model *m, const mph_sim_gpu *g, int c, double mem, int b)
{
	mph_sim_result r;
	mph_sim_run(m, g, c, mem, b, 1000, &r);
	return r.rps;
}

static int oom(const mph_sim_model *m, const mph_sim_gpu *g, double mem, int b)
{
	mph_sim_result r;
	mph_sim_run(m, g, 1, mem, b, 1000, &r);
	return r.status == MPH_SIM_OOM;
}

/* A dominates B: at least as large in every figure the simulator uses. */
static int dominates(const mph_sim_model *a, const mph_sim_model *b)
{
	return a->text == b->text && a->gmacs >= b->gmacs && a->params_m >= b->params_m &&
	       a->layers >= b->layers && a->act_peak_mb >= b->act_peak_mb &&
	       a->act_sum_mb >= b->act_sum_mb && a->in_values >= b->in_values &&
	       a->out_values >= b->out_values;
}

static void test_calibration(const mph_zoo *z)
{
	/* ResNet-50 v1.5 as measured by derive-activations.py; the GPU
	 * constants were fitted to NVIDIA's fp32 throughputs for it (zoo
	 * README): V100 225 and 1250 img/s, T4 118 and 432 img/s at batch 1
	 * and 128. */
	mph_sim_model rn = { "rn50v15", 0, 4.089, 25.56, 54, 10.4, 128.2, 150528, 1000 };
	const mph_sim_gpu *v = mph_zoo_find_gpu(z, "V100"), *t = mph_zoo_find_gpu(z, "T4");
	CHECK(v != NULL && t != NULL);
	if (v == NULL || t == NULL) return;
	CHECK_NEAR(1e3 / mph_sim_batch_ms(&rn, v, 1), 225.2, 2.5);
	CHECK_NEAR(128e3 / mph_sim_batch_ms(&rn, v, 128), 1249.8, 12.5);
	CHECK_NEAR(1e3 / mph_sim_batch_ms(&rn, t, 1), 118.0, 1.2);
	CHECK_NEAR(128e3 / mph_sim_batch_ms(&rn, t, 128), 431.9, 4.3);
}

static void test_physics(const mph_zoo *z)
{
	size_t nm = mph_zoo_nmodels(z), ng = mph_zoo_ngpus(z), i, j, g, pairs = 0;
	int c, k, b, grows_somewhere;

	CHECK(nm >= 42);
	CHECK(ng == 3);
	if (ng != 3) return;
	table = calloc(nm * 3 * NCPU * NMEM * NBATCH, sizeof *table);
	for (i = 0; i < nm; i++)
		for (g = 0; g < ng; g++)
			for (c = 0; c < NCPU; c++)
				for (k = 0; k < NMEM; k++)
					for (b = 0; b < NBATCH; b++)
						AT(i, g, c, k, b) = rps(mph_zoo_model(z, i), mph_zoo_gpu(z, g),
						                        cpus[c], mems[k], batches[b]);
	for (i = 0; i < nm; i++) {
		const mph_sim_model *m = mph_zoo_model(z, i);
		int has_threshold = 0, cpu_ok = 1, oom_ok = 1;
		grows_somewhere = 0;
		for (g = 0; g < ng; g++) {
			const mph_sim_gpu *gpu = mph_zoo_gpu(z, g);
			int thr_prev = -1;
			for (b = 0; b < NBATCH; b++) {
				int thr = NMEM; /* index of the smallest share that fits */
				for (k = NMEM; k-- > 0;)
					if (!oom(m, gpu, mems[k], batches[b])) thr = k;
					else break;
				/* Once out of memory, every smaller share is too. */
				for (k = 0; k < thr; k++) oom_ok &= oom(m, gpu, mems[k], batches[b]);
				has_threshold |= thr > 0;
				oom_ok &= thr >= thr_prev;
				if (b > 0 && thr > thr_prev) grows_somewhere = 1;
				thr_prev = thr;
				for (k = 0; k < NMEM; k++)
					for (c = 1; c < NCPU; c++)
						cpu_ok &= AT(i, g, c, k, b) >= AT(i, g, c - 1, k, b);
			}
		}
		if (!cpu_ok) fprintf(stderr, "%s: rps falls as cores grow\n", m->name);
		CHECK(cpu_ok);
		if (!oom_ok) fprintf(stderr, "%s: OOM threshold not monotone\n", m->name);
		CHECK(oom_ok);
		if (!has_threshold) fprintf(stderr, "%s: never out of memory\n", m->name);
		CHECK(has_threshold);
		/* The threshold must grow wherever the batch's memory spans a
		 * share step of the smaller card; embedding-bag models hold a
		 * fraction of a MB per request, so theirs is their weights',
		 * flat in batch. */
		if (mph_sim_mem_gb(m, 128) - mph_sim_mem_gb(m, 1) >= 0.1 * 8 && !grows_somewhere)
			fprintf(stderr, "%s: OOM threshold flat in batch\n", m->name);
		CHECK(mph_sim_mem_gb(m, 128) - mph_sim_mem_gb(m, 1) < 0.1 * 8 || grows_somewhere);
	}

	/* A model at least as large as another in every figure never serves
	 * more, on any configuration of the space. */
	for (i = 0; i < nm; i++)
		for (j = 0; j < nm; j++) {
			const mph_sim_model *a = mph_zoo_model(z, i), *bm = mph_zoo_model(z, j);
			int ok = 1;
			if (i == j || !dominates(a, bm)) continue;
			pairs++;
			for (g = 0; g < ng; g++)
				for (c = 0; c < NCPU; c++)
					for (k = 0; k < NMEM; k++)
						for (b = 0; b < NBATCH; b++)
							ok &= AT(i, g, c, k, b) <= AT(j, g, c, k, b);
			if (!ok) fprintf(stderr, "%s serves more than the smaller %s\n", a->name, bm->name);
			CHECK(ok);
		}
	fprintf(stderr, "%zu ordered pairs of models compared\n", pairs);
	CHECK(pairs >= 100); /* the families give many, so the check has teeth */
	free(table);
}

static void test_mechanisms(const mph_zoo *z)
{
	const mph_sim_gpu *v = mph_zoo_find_gpu(z, "V100"), *t = mph_zoo_find_gpu(z, "T4");
	const mph_sim_model *r50 = mph_zoo_find_model(z, "resnet50_v1");
	const mph_sim_model *r101 = mph_zoo_find_model(z, "resnet101_v1");
	const mph_sim_model *r152 = mph_zoo_find_model(z, "resnet152_v1");
	const mph_sim_model *mv3 = mph_zoo_find_model(z, "mobilenet_v3_small");
	const mph_sim_model *b7 = mph_zoo_find_model(z, "efficientnet_b7");
	mph_sim_result res;
	CHECK(v && t && r50 && r101 && r152 && mv3 && b7);
	if (!(v && t && r50 && r101 && r152 && mv3 && b7)) return;

	/* Throughput rises with batch on a GPU-bound configuration... */
	CHECK(rps(r50, v, 5, 0.6, 1) < rps(r50, v, 5, 0.6, 8));
	CHECK(rps(r50, v, 5, 0.6, 8) < rps(r50, v, 5, 0.6, 32));
	/* ...until the GPU saturates: per-sample time flattens. */
	CHECK(mph_sim_batch_ms(r50, v, 128) / 128 > 0.9 * mph_sim_batch_ms(r50, v, 64) / 64);
	/* Deeper is slower on the same configuration. */
	CHECK(rps(r50, v, 5, 0.6, 32) > rps(r101, v, 5, 0.6, 32));
	CHECK(rps(r101, v, 5, 0.6, 32) > rps(r152, v, 5, 0.6, 32));
	/* A small model is CPU-bound: peak RPS grows with cores, close to
	 * cores / CPU time per request. */
	CHECK(rps(mv3, t, 2, 0.6, 32) > 1.8 * rps(mv3, t, 1, 0.6, 32));
	CHECK(rps(mv3, t, 5, 0.6, 32) <= 5e3 / mph_sim_cpu_ms(mv3));
	CHECK(rps(mv3, t, 5, 0.6, 32) > 0.8 * 5e3 / mph_sim_cpu_ms(mv3));
	/* The GPU type matters for a large model, not for a CPU-bound one. */
	CHECK(rps(r152, v, 5, 0.6, 32) > 2 * rps(r152, t, 5, 0.6, 32));
	CHECK_NEAR(rps(mv3, v, 1, 0.6, 32), rps(mv3, t, 1, 0.6, 32), 0.05 * rps(mv3, t, 1, 0.6, 32));
	/* Out of memory: nothing served, and the result says so. */
	mph_sim_run(b7, t, 5, 0.6, 128, 1000, &res);
	CHECK(res.status == MPH_SIM_OOM && res.rps == 0 && isnan(res.p99_ms));
	CHECK(res.mem_gb > 0.6 * t->mem_gb);
	/* At the peak the p99 is the SLO; a tighter SLO serves less. */
	mph_sim_run(r50, v, 5, 0.6, 32, 1000, &res);
	CHECK(res.status == MPH_SIM_OK);
	CHECK_NEAR(res.p99_ms, 1000, 1e-6);
	CHECK(res.p50_ms < res.p99_ms);
	CHECK(rps(r50, v, 5, 0.6, 32) > 0);
	{
		mph_sim_result tight;
		mph_sim_run(r50, v, 5, 0.6, 32, 100, &tight);
		CHECK(tight.status == MPH_SIM_OK && tight.rps < res.rps);
		/* Below the unloaded latency, nothing meets the SLO. */
		mph_sim_run(r50, v, 5, 0.6, 32, 1, &tight);
		CHECK(tight.status == MPH_SIM_SLO && tight.rps == 0);
	}
	/* Latency grows with load and is infinite past capacity. */
	CHECK(mph_sim_latency_ms(r50, v, 5, 32, 100, 0.99) < mph_sim_latency_ms(r50, v, 5, 32, 1000, 0.99));
	CHECK(isinf(mph_sim_latency_ms(r50, v, 1, 32, 1e6, 0.99)));
	CHECK(strcmp(mph_sim_status_name(MPH_SIM_OOM), "oom") == 0);
}

static void test_replay(void)
{
	const char *path = "build/unit/test-sim-trace.csv";
	FILE *fp = fopen(path, "w");
	mph_error err;
	mph_replay *r;
	const char *knobs[] = {"b", "g"};
	const char *v1[] = {"2.0", "T4"}, *v2[] = {"2", "V100"}, *v3[] = {"3", "T4"};
	mph_rng g1, g2;
	double f1, f2;

	CHECK(fp != NULL);
	if (fp == NULL) return;
	fputs("task,b,g,rps,status\nx,2,T4,10,ok\nx,2,V100,20,ok\ny,2,T4,30,oom\n", fp);
	fclose(fp);
	r = mph_replay_load(path, NULL, &err);
	CHECK(r != NULL);
	if (r == NULL) return;
	CHECK(mph_replay_ntasks(r) == 2);
	CHECK(mph_replay_index(r, knobs, 2, &err) == 0);
	CHECK(mph_replay_nmeasured(r) == 2);
	CHECK(mph_replay_find(r, 0, v1) == 0); /* 2.0 == 2 */
	CHECK(mph_replay_find(r, 0, v2) == 1);
	CHECK(mph_replay_find(r, 1, v1) == 2);
	CHECK(mph_replay_find(r, 1, v2) == -1);
	CHECK(mph_replay_find(r, 0, v3) == -1);
	CHECK(strcmp(mph_replay_str(r, 2, (size_t)mph_replay_col(r, "status")), "oom") == 0);
	CHECK(mph_replay_num(r, 1, (size_t)mph_replay_col(r, "rps")) == 20);
	/* Noise: same seed and key, same factor; sd 0, no noise. */
	mph_noise_seed(&g1, 7, mph_replay_row_key(r, 0));
	mph_noise_seed(&g2, 7, mph_replay_row_key(r, 0));
	f1 = mph_noise_factor(&g1, 0.1);
	f2 = mph_noise_factor(&g2, 0.1);
	CHECK(f1 == f2 && f1 != 1.0 && f1 > 0.5 && f1 < 2.0);
	CHECK(mph_replay_row_key(r, 0) != mph_replay_row_key(r, 1));
	CHECK(mph_noise_factor(&g1, 0) == 1.0);
	CHECK(mph_replay_index(r, (const char *[]){"nope"}, 1, &err) == -1);
	CHECK(strstr(err.text, "no column 'nope'") != NULL);
	mph_replay_free(r);

	/* Two rows with the same configuration for one task. */
	fp = fopen(path, "w");
	fputs("task,b,rps\nx,1,1\nx,1.0,2\n", fp);
	fclose(fp);
	r = mph_replay_load(path, "x", &err);
	CHECK(r != NULL && mph_replay_index(r, (const char *[]){"b"}, 1, &err) == -1);
	CHECK(strcmp(err.text, "duplicate configuration for task 'x' (lines 2 and 3)") == 0);
	mph_replay_free(r);
	CHECK(mph_replay_load(path, "zz", &err) == NULL && strcmp(err.text, "no task 'zz'") == 0);
	remove(path);
}

/* The offline backends in process: the simulator reproduces its row of the
 * zoo trace; replay looks a row up, or marks it missing. */
static void test_probes(void)
{
	static const char configs[] = "id,cpu,gpu_mem,batch,gpu_type\nq,1,0.1,1,T4\nr,1,0.1,1,K80\n";
	char *buf = NULL;
	size_t len = 0;
	FILE *in, *out;
	mph_csv *c;
	mph_error err;
	mph_sim_probe_opts s;
	mph_replay_probe_opts r;

	mph_sim_probe_opts_init(&s);
	s.model = "resnet18_v1";
	s.zoo = "share/mph/zoo";
	in = fmemopen((void *)configs, strlen(configs), "r");
	out = open_memstream(&buf, &len);
	c = mph_csv_open_fp(in, "configs", &err);
	CHECK(c != NULL && mph_sim_probe(&s, c, out, &err) == -1);
	CHECK(strcmp(err.text, "column 'gpu_type': no GPU 'K80' in share/mph/zoo/gpus.csv") == 0 && err.line == 3);
	fclose(out);
	CHECK(strncmp(buf, "id,cpu,gpu_mem,batch,gpu_type,rps,p50_ms,p99_ms,status\n"
	                   "q,1,0.1,1,T4,286.61,151.225,1000,ok\n", len) == 0);
	mph_csv_close(c);
	fclose(in);
	free(buf);

	mph_replay_probe_opts_init(&r);
	r.trace = "share/mph/zoo/trace.csv";
	r.task = "resnet18_v1";
	r.missing_skip = 1;
	in = fmemopen((void *)configs, strlen(configs), "r");
	out = open_memstream(&buf, &len);
	c = mph_csv_open_fp(in, "configs", &err);
	CHECK(c != NULL && mph_replay_probe(&r, c, out, &err) == 0);
	fclose(out);
	CHECK(strcmp(buf, "id,cpu,gpu_mem,batch,gpu_type,rps,p50_ms,p99_ms,status\n"
	                  "q,1,0.1,1,T4,286.61,151.225,1000,ok\n"
	                  "r,1,0.1,1,K80,,,,missing\n") == 0);
	mph_csv_close(c);
	fclose(in);
	free(buf);
}

int main(void)
{
	mph_error err;
	mph_zoo *z = mph_zoo_load("share/mph/zoo/models.csv", "share/mph/zoo/gpus.csv", &err);
	CHECK(z != NULL);
	if (z != NULL) {
		test_calibration(z);
		test_physics(z);
		test_mechanisms(z);
	} else {
		fprintf(stderr, "%s\n", err.text);
	}
	mph_zoo_free(z);
	test_replay();
	test_probes();
	return UNIT_DONE();
}
