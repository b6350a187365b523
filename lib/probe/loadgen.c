/* Open-loop HTTP load generator over libcurl's multi interface.
 *
 * Requests are due on a schedule fixed before the first one is sent (constant
 * gaps, or exponential gaps from a seeded mph_rng for a Poisson process) and
 * their latency is measured from the time they were due, not from when a
 * connection happened to be free: a slow server cannot slow the generator
 * down and so hide its own queueing (no coordinated omission). A request
 * that waits in the generator for a free connection carries that wait in its
 * latency and in its timeout. Connections are a fixed pool of easy handles
 * sharing the multi handle's keep-alive cache; everything runs in one thread. */
#include <curl/curl.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "probe/probe.h"

typedef struct {
	CURL *easy;
	double due;     /* scheduled send time */
	int measured;   /* due inside the measurement window */
} slot;

typedef struct {
	double *t;
	size_t head, tail, cap;
} due_queue;

static void queue_push(due_queue *q, double t)
{
	if (q->tail == q->cap) {
		if (q->head > 0) {
			memmove(q->t, q->t + q->head, (q->tail - q->head) * sizeof *q->t);
			q->tail -= q->head;
			q->head = 0;
		} else {
			q->cap = q->cap ? 2 * q->cap : 1024;
			q->t = mph_realloc(q->t, q->cap * sizeof *q->t);
		}
	}
	q->t[q->tail++] = t;
}

double mph_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p; (void)ctx;
	return size * n;
}

static int global_init(mph_error *err)
{
	static int done = 0;
	if (!done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return mph_error_set(err, "", 0, 0, "cannot initialise libcurl");
		done = 1;
	}
	return 0;
}

void mph_load_opts_init(mph_load_opts *o)
{
	memset(o, 0, sizeof *o);
	o->rate = 100;
	o->warmup_s = 1;
	o->measure_s = 3;
	o->timeout_s = 5;
	o->connections = 64;
	o->percentile = 99;
	o->seed = 1;
}

static int setup_easy(CURL *e, const mph_load_opts *o, struct curl_slist *hdrs)
{
	int bad = 0;
	bad |= curl_easy_setopt(e, CURLOPT_URL, o->url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	/* A proxy from the environment would measure the proxy, not the service. */
	bad |= curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L) != CURLE_OK;
	if (hdrs) bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK;
	if (o->body) {
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, o->body) != CURLE_OK;
	}
	if (o->method && strcmp(o->method, o->body ? "POST" : "GET") != 0) {
		if (strcmp(o->method, "HEAD") == 0)
			bad |= curl_easy_setopt(e, CURLOPT_NOBODY, 1L) != CURLE_OK;
		else
			bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, o->method) != CURLE_OK;
	}
	return bad ? -1 : 0;
}

static void finish(const mph_load_opts *o, mph_load_result *r, mph_hist *h)
{
	double q = o->percentile / 100.0;
	uint64_t failed = r->errors + r->timeouts;
	r->error_rate = r->scheduled ? (double)failed / (double)r->scheduled : 0.0;
	r->rps = (double)r->ok_in_window / o->measure_s;
	r->sent_rps = (double)r->sent_in_window / o->measure_s;
	r->p50_ms = mph_hist_quantile(h, 0.50) / 1000.0;
	r->p90_ms = mph_hist_quantile(h, 0.90) / 1000.0;
	r->p99_ms = mph_hist_quantile(h, 0.99) / 1000.0;
	r->p999_ms = mph_hist_quantile(h, 0.999) / 1000.0;
	r->pctl_ms = mph_hist_quantile(h, q) / 1000.0;
	r->mean_ms = mph_hist_mean(h) / 1000.0;
	r->min_ms = mph_hist_min(h) / 1000.0;
	r->max_ms = mph_hist_max(h) / 1000.0;
}

static void record_done(slot *s, CURLcode rc, double now, double win_start, double win_end,
                        mph_load_result *r, mph_hist *h)
{
	long code = 0;
	int ok;
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
	ok = rc == CURLE_OK && code >= 200 && code < 400;
	if (ok && now >= win_start && now < win_end) r->ok_in_window++;
	if (!s->measured) return;
	if (ok) {
		r->ok++;
		mph_hist_record(h, (now - s->due) * 1e6);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		r->timeouts++;
	} else {
		r->errors++;
		if (rc != CURLE_OK) r->conn_errors++;
		else if (code >= 500) r->http_5xx++;
		else r->http_4xx++;
		if (r->first_error[0] == '\0') {
			if (rc != CURLE_OK)
				snprintf(r->first_error, sizeof r->first_error, "%s", curl_easy_strerror(rc));
			else
				snprintf(r->first_error, sizeof r->first_error, "HTTP status %ld", code);
		}
	}
}

int mph_load_run(const mph_load_opts *o, mph_load_result *r, mph_error *err)
{
	CURLM *multi = NULL;
	struct curl_slist *hdrs = NULL;
	slot *slots = NULL;
	size_t *free_ = NULL, nfree = 0, i;
	due_queue backlog = {0};
	mph_hist *h = NULL;
	mph_rng rng;
	double start, win_start, win_end, hard_end, next_due, now;
	int inflight = 0, ret = -1, n = o->connections;
	unsigned long loops = 0;

	memset(r, 0, sizeof *r);
	r->offered_rps = o->rate;
	if (!o->url || !(o->rate > 0) || !(o->measure_s > 0) || o->warmup_s < 0 || n < 1 ||
	    !(o->timeout_s > 0) || !(o->percentile > 0 && o->percentile <= 100))
		return mph_error_set(err, "", 0, 0, "load test: invalid options");
	/* Bound the schedule so a typo in the rate cannot allocate the machine away. */
	if (o->rate * (o->warmup_s + o->measure_s) > 50e6)
		return mph_error_set(err, "", 0, 0, "load test: more than 50 million requests in one step");
	if (global_init(err) < 0) return -1;
	multi = curl_multi_init();
	if (!multi) return mph_error_set(err, "", 0, 0, "cannot create a libcurl multi handle");
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)n);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)n);
	for (i = 0; i < o->nheaders; i++) hdrs = curl_slist_append(hdrs, o->headers[i]);
	/* A server that ignores "Expect: 100-continue" would cost every large
	 * body a second of libcurl's waiting, unless the user asked for it. */
	for (i = 0; i < o->nheaders && strncasecmp(o->headers[i], "expect:", 7) != 0; i++)
		;
	if (o->body && i == o->nheaders) hdrs = curl_slist_append(hdrs, "Expect:");
	slots = mph_calloc((size_t)n, sizeof *slots);
	free_ = mph_malloc((size_t)n * sizeof *free_);
	for (i = 0; i < (size_t)n; i++) {
		slots[i].easy = curl_easy_init();
		if (!slots[i].easy || setup_easy(slots[i].easy, o, hdrs) < 0) {
			mph_error_set(err, "", 0, 0, "load test: cannot set up a request for '%s'", o->url);
			goto out;
		}
		curl_easy_setopt(slots[i].easy, CURLOPT_PRIVATE, (void *)&slots[i]);
		free_[nfree++] = (size_t)n - 1 - i;
	}
	h = mph_hist_new();
	mph_rng_seed(&rng, o->seed);

	start = mph_now() + 0.001;
	win_start = start + o->warmup_s;
	win_end = win_start + o->measure_s;
	hard_end = win_end + o->timeout_s + 0.1;
	next_due = start;
	for (;;) {
		CURLMsg *msg;
		int running, left, polls;
		long wait_ms;

		now = mph_now();
		while (next_due < win_end && next_due <= now) {
			queue_push(&backlog, next_due);
			if (next_due >= win_start) r->scheduled++;
			next_due += o->poisson ? -log1p(-mph_rng_uniform(&rng)) / o->rate : 1.0 / o->rate;
		}
		while (backlog.head < backlog.tail && nfree > 0) {
			double due = backlog.t[backlog.head++];
			slot *s;
			long left_ms = (long)ceil((due + o->timeout_s - now) * 1000.0);
			if (left_ms <= 0) { /* waited out its whole timeout in the generator */
				if (due >= win_start) r->timeouts++;
				continue;
			}
			s = &slots[free_[--nfree]];
			s->due = due;
			s->measured = due >= win_start;
			if (now - due > r->max_lag_s) r->max_lag_s = now - due;
			curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, left_ms);
			curl_multi_add_handle(multi, s->easy);
			inflight++;
			if (now >= win_start && now < win_end) r->sent_in_window++;
			if (s->measured) r->sent++;
		}
		curl_multi_perform(multi, &running);
		now = mph_now();
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			slot *s;
			if (msg->msg != CURLMSG_DONE) continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			record_done(s, msg->data.result, now, win_start, win_end, r, h);
			curl_multi_remove_handle(multi, s->easy);
			free_[nfree++] = (size_t)(s - slots);
			inflight--;
		}
		if (now >= win_end && ((inflight == 0 && backlog.head == backlog.tail) || now >= hard_end))
			break;
		if (o->stop && (loops++ & 63) == 0 && o->stop(o->stop_ctx)) {
			r->stopped = 1;
			break;
		}
		/* Wake for the next due request; spin (0 ms) when it is less than a
		 * millisecond away, since poll's granularity is a millisecond. */
		if (backlog.head < backlog.tail && nfree > 0) continue;
		wait_ms = next_due < win_end ? (long)((next_due - now) * 1000.0) : 50;
		if (wait_ms < 0) wait_ms = 0;
		if (wait_ms > 50) wait_ms = 50;
		if (inflight == 0 && wait_ms > 0) {
			struct timespec ts = { 0, wait_ms * 1000000L };
			nanosleep(&ts, NULL);
		} else {
			curl_multi_poll(multi, NULL, 0, (int)wait_ms, &polls);
		}
	}
	/* Whatever is still queued or in flight at the hard end has timed out. */
	for (i = backlog.head; i < backlog.tail; i++)
		if (backlog.t[i] >= win_start) r->timeouts++;
	for (i = 0; i < (size_t)n; i++) {
		int busy = 1;
		size_t k;
		for (k = 0; k < nfree; k++) if (free_[k] == i) { busy = 0; break; }
		if (busy && slots[i].measured) r->timeouts++;
	}
	r->seconds = mph_now() - start;
	finish(o, r, h);
	ret = 0;
out:
	if (slots) {
		for (i = 0; i < (size_t)n; i++) {
			if (!slots[i].easy) continue;
			curl_multi_remove_handle(multi, slots[i].easy);
			curl_easy_cleanup(slots[i].easy);
		}
	}
	if (multi) curl_multi_cleanup(multi);
	curl_slist_free_all(hdrs);
	free(slots);
	free(free_);
	free(backlog.t);
	mph_hist_free(h);
	return ret;
}
