/* mph-infer: a small real inference server to tune with mph.
 *
 * POST /infer with a body of comma-separated numbers (or GET /infer for a
 * synthetic input) runs one forward pass of a fixed MLP and answers with the
 * predicted class. Connections are served by libmicrohttpd, one thread each;
 * the model runs on a pool of worker threads that batch requests on the
 * server side: a worker takes up to BATCH queued requests, waiting at most
 * WAIT ms after the first for more to arrive, and runs the batch as one
 * matrix product (lib/linalg.c, OpenBLAS). Batching trades latency for
 * throughput, which is what makes threads x batch x wait worth tuning.
 *
 * Knobs: -t threads, -b max batch, -w max wait in ms. GET /health is the
 * readiness probe. Binds 127.0.0.1 only. */
#include <errno.h>
#include <math.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "mph.h"

#define IN 256
#define HID 1024
#define OUT 16
#define MAX_BODY 65536

typedef struct req {
	double x[IN];
	int cls, done;
	double arrived;
	pthread_cond_t cv;
	struct req *next;
} req;

static int n_threads = 1, max_batch = 1;
static double max_wait_s = 0;
static double *w1, *b1, *w2, *b2, *w3, *b3;
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcv = PTHREAD_COND_INITIALIZER;
static req *qhead, *qtail;
static int qlen;
static double qfirst; /* when the oldest queued request arrived */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void init_model(void)
{
	mph_rng r;
	size_t i;
	mph_rng_seed(&r, 7);
	w1 = malloc(sizeof(double) * HID * IN); b1 = calloc(HID, sizeof(double));
	w2 = malloc(sizeof(double) * HID * HID); b2 = calloc(HID, sizeof(double));
	w3 = malloc(sizeof(double) * OUT * HID); b3 = calloc(OUT, sizeof(double));
	for (i = 0; i < (size_t)HID * IN; i++) w1[i] = mph_rng_normal(&r) / sqrt(IN);
	for (i = 0; i < (size_t)HID * HID; i++) w2[i] = mph_rng_normal(&r) / sqrt(HID);
	for (i = 0; i < (size_t)OUT * HID; i++) w3[i] = mph_rng_normal(&r) / sqrt(HID);
}

/* y (n x m) = relu?(x (n x k) W^T + b), W m x k */
static void layer(int n, int m, int k, const double *x, const double *w, const double *b,
                  double *y, int relu)
{
	int i;
	for (i = 0; i < n; i++) memcpy(y + (size_t)i * m, b, sizeof(double) * (size_t)m);
	mph_gemm(0, 1, n, m, k, 1.0, x, k, w, k, 1.0, y, m);
	if (relu)
		for (i = 0; i < n * m; i++) if (y[i] < 0) y[i] = 0;
}

static void forward(req **batch, int n)
{
	double *x = calloc((size_t)n * IN, sizeof(double)), *h1 = malloc(sizeof(double) * (size_t)n * HID);
	double *h2 = malloc(sizeof(double) * (size_t)n * HID), *o = malloc(sizeof(double) * (size_t)n * OUT);
	int i, j;
	for (i = 0; i < n; i++) memcpy(x + (size_t)i * IN, batch[i]->x, sizeof(double) * IN);
	layer(n, HID, IN, x, w1, b1, h1, 1);
	layer(n, HID, HID, h1, w2, b2, h2, 1);
	layer(n, OUT, HID, h2, w3, b3, o, 0);
	for (i = 0; i < n; i++) {
		int best = 0;
		for (j = 1; j < OUT; j++) if (o[i * OUT + j] > o[i * OUT + best]) best = j;
		batch[i]->cls = best;
	}
	free(x); free(h1); free(h2); free(o);
}

static void *worker(void *arg)
{
	req **batch = malloc(sizeof(req *) * (size_t)max_batch);
	(void)arg;
	for (;;) {
		int n = 0, i;
		pthread_mutex_lock(&qlock);
		while (qlen == 0) pthread_cond_wait(&qcv, &qlock);
		/* wait for a fuller batch, but no longer than max_wait after the first */
		while (qlen > 0 && qlen < max_batch && now() < qfirst + max_wait_s) {
			double until = qfirst + max_wait_s;
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			{
				double d = until - now(), t = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9 + d;
				ts.tv_sec = (time_t)t;
				ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
			}
			pthread_cond_timedwait(&qcv, &qlock, &ts);
		}
		while (qlen > 0 && n < max_batch) {
			batch[n++] = qhead;
			qhead = qhead->next;
			if (!qhead) qtail = NULL;
			qlen--;
		}
		if (qlen > 0) { qfirst = qhead->arrived; pthread_cond_signal(&qcv); }
		pthread_mutex_unlock(&qlock);
		if (n == 0) continue;
		forward(batch, n);
		pthread_mutex_lock(&qlock);
		for (i = 0; i < n; i++) { batch[i]->done = 1; pthread_cond_signal(&batch[i]->cv); }
		pthread_mutex_unlock(&qlock);
	}
	return NULL;
}

static int infer(req *r)
{
	pthread_cond_init(&r->cv, NULL);
	r->done = 0;
	r->next = NULL;
	r->arrived = now();
	pthread_mutex_lock(&qlock);
	if (qtail) qtail->next = r; else { qhead = r; qfirst = r->arrived; }
	qtail = r;
	qlen++;
	pthread_cond_signal(&qcv);
	while (!r->done) pthread_cond_wait(&r->cv, &qlock);
	pthread_mutex_unlock(&qlock);
	pthread_cond_destroy(&r->cv);
	return r->cls;
}

typedef struct { char *buf; size_t len; } body;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *text)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
	                                                            MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	ret = MHD_queue_response(c, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **state)
{
	body *b = *state;
	req r;
	char out[64];
	(void)cls; (void)version;
	if (strcmp(url, "/health") == 0) return reply(c, 200, "{\"ok\":true}\n");
	if (strcmp(url, "/infer") != 0) return reply(c, 404, "{\"error\":\"not found\"}\n");
	if (strcmp(method, "POST") == 0) {
		if (!b) { *state = calloc(1, sizeof(body)); return MHD_YES; }
		if (*size > 0) {
			if (b->len + *size > MAX_BODY) return MHD_NO;
			b->buf = realloc(b->buf, b->len + *size + 1);
			memcpy(b->buf + b->len, data, *size);
			b->len += *size;
			b->buf[b->len] = '\0';
			*size = 0;
			return MHD_YES;
		}
	} else if (strcmp(method, "GET") != 0) {
		return reply(c, 405, "{\"error\":\"method\"}\n");
	}
	{
		int i;
		char *p = b && b->buf ? b->buf : NULL;
		static unsigned long counter;
		unsigned long k = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
		for (i = 0; i < IN; i++) {
			if (p && *p) {
				char *end;
				r.x[i] = strtod(p, &end);
				if (end == p) return reply(c, 400, "{\"error\":\"bad input\"}\n");
				p = end + (*end == ',');
			} else {
				r.x[i] = sin((double)(k * 31 + (unsigned long)i)); /* synthetic input */
			}
		}
	}
	snprintf(out, sizeof out, "{\"class\":%d}\n", infer(&r));
	return reply(c, 200, out);
}

static void done(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode t)
{
	body *b = *state;
	(void)cls; (void)c; (void)t;
	if (b) { free(b->buf); free(b); *state = NULL; }
}

static int stop;
static void on_term(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	struct sockaddr_in a;
	int c, i, port = 8080;
	double wait_ms = 0;
	pthread_t t;

	while ((c = getopt(argc, argv, "b:p:t:w:")) != -1) {
		switch (c) {
		case 'b': max_batch = atoi(optarg); break;
		case 'p': port = atoi(optarg); break;
		case 't': n_threads = atoi(optarg); break;
		case 'w': wait_ms = atof(optarg); break;
		default:
			fputs("usage: mph-infer [-b batch] [-p port] [-t threads] [-w wait_ms]\n", stderr);
			return 2;
		}
	}
	if (n_threads < 1 || max_batch < 1 || wait_ms < 0 || port < 1 || port > 65535) {
		fputs("mph-infer: threads and batch must be >= 1, wait >= 0\n", stderr);
		return 2;
	}
	max_wait_s = wait_ms / 1000.0;
	init_model();
	{ /* warm the BLAS up before serving, so the first request is not the slow one */
		req r0, *p0 = &r0;
		memset(&r0, 0, sizeof r0);
		forward(&p0, 1);
	}
	for (i = 0; i < n_threads; i++) pthread_create(&t, NULL, worker, NULL);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
	                     (unsigned short)port, NULL, NULL, handle, NULL,
	                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a,
	                     MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
	                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	                     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "mph-infer: cannot listen on 127.0.0.1:%d\n", port);
		return 1;
	}
	fprintf(stderr, "mph-infer: 127.0.0.1:%d threads=%d batch=%d wait_ms=%g\n", port, n_threads,
	        max_batch, wait_ms);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	while (!stop) pause();
	MHD_stop_daemon(d);
	return 0;
}
