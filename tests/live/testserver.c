/* mph-testserver: a tiny HTTP/1.1 server of known capacity, for tests and
 * benchmarks of mph-probe's live modes. Only ever binds 127.0.0.1.
 *
 * The service is N workers with a fixed service time S, kept as a queue in
 * virtual time: a request arriving at t starts at max(t, the earliest time a
 * worker is free) and is answered at start + S. The connection thread sleeps
 * until then, so the capacity is exactly N / S requests per second whatever
 * the scheduler's sleep overshoot, and the CPU stays free for the generator.
 * With -w 0 every request is answered at once (a trivial server). */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int workers = 0, status_code = 200;
static double service_s = 0;
static long crash_after = 0;
static long served = 0;
static double *free_at;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_until(double t)
{
	struct timespec ts;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Reserves a worker and returns when the answer is due. */
static double admit(double t)
{
	double start;
	int i, best = 0;
	pthread_mutex_lock(&lock);
	if (crash_after > 0 && ++served >= crash_after) {
		fprintf(stderr, "mph-testserver: crashing after %ld requests\n", served);
		_exit(3);
	}
	if (workers == 0) { pthread_mutex_unlock(&lock); return t; }
	for (i = 1; i < workers; i++) if (free_at[i] < free_at[best]) best = i;
	start = free_at[best] > t ? free_at[best] : t;
	free_at[best] = start + service_s;
	pthread_mutex_unlock(&lock);
	return start + service_s;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0) { if (errno == EINTR) continue; return -1; }
		p += k; n -= (size_t)k;
	}
	return 0;
}

static const char *reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 404: return "Not Found";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	char buf[65536];
	size_t have = 0;
	for (;;) {
		char *end, *p, out[256];
		size_t head, body = 0, total;
		int keep, n, code = status_code;
		double due;
		while ((end = memmem(buf, have, "\r\n\r\n", 4)) == NULL) {
			ssize_t k;
			if (have == sizeof buf) goto done;
			k = read(fd, buf + have, sizeof buf - have);
			if (k <= 0) goto done;
			have += (size_t)k;
		}
		head = (size_t)(end - buf) + 4;
		*end = '\0';
		for (p = buf; (p = strchr(p, '\n')) != NULL; p++)
			if (strncasecmp(p + 1, "content-length:", 15) == 0) body = strtoul(p + 16, NULL, 10);
		keep = strstr(buf, "HTTP/1.1") != NULL;
		for (p = buf; (p = strchr(p, '\n')) != NULL; p++) {
			if (strncasecmp(p + 1, "connection:", 11) != 0) continue;
			if (strcasestr(p + 12, "close") == p + 12 + strspn(p + 12, " ")) keep = 0;
			if (strncasecmp(p + 12 + strspn(p + 12, " "), "keep-alive", 10) == 0) keep = 1;
		}
		if (strncmp(buf, "GET /ready", 10) == 0 || strncmp(buf, "GET /health", 11) == 0) {
			due = now();
		} else {
			due = admit(now());
		}
		if (strncmp(buf, "GET /ready", 10) == 0 || strncmp(buf, "GET /health", 11) == 0) code = 200;
		total = head + body;
		if (have >= total) {
			memmove(buf, buf + total, have - total);
			have -= total;
		} else {
			size_t need = total - have; /* drop a body still on its way */
			have = 0;
			while (need > 0) {
				ssize_t k = read(fd, buf, need < sizeof buf ? need : sizeof buf);
				if (k <= 0) goto done;
				need -= (size_t)k;
			}
		}
		if (service_s > 0) sleep_until(due);
		/* HTTP/1.0 clients (ab -k) keep a connection only when told so */
		n = snprintf(out, sizeof out,
		             "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n%s\r\nok\n",
		             code, reason(code), keep ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
		if (write_all(fd, out, (size_t)n) < 0 || !keep) break;
	}
done:
	close(fd);
	return NULL;
}

static void usage(void)
{
	fputs("usage: mph-testserver [-iF] [-c code] [-d delay_s] [-p port] [-s service_ms] [-w workers] [-x crash_after]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	int c, fd, one = 1, port = 0, free_port = 0, ignore_term = 0;
	double delay = 0;
	socklen_t len = sizeof a;

	while ((c = getopt(argc, argv, "Fc:d:ip:s:w:x:")) != -1) {
		switch (c) {
		case 'F': free_port = 1; break;
		case 'c': status_code = atoi(optarg); break;
		case 'd': delay = atof(optarg); break;
		case 'i': ignore_term = 1; break;
		case 'p': port = atoi(optarg); break;
		case 's': service_s = atof(optarg) / 1000.0; break;
		case 'w': workers = atoi(optarg); break;
		case 'x': crash_after = atol(optarg); break;
		default: usage();
		}
	}
	if (optind != argc || workers < 0 || service_s < 0) usage();
	signal(SIGPIPE, SIG_IGN);
	if (ignore_term) signal(SIGTERM, SIG_IGN);
	if (workers > 0) free_at = calloc((size_t)workers, sizeof *free_at);
	if (delay > 0) sleep_until(now() + delay);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) { perror("mph-testserver: socket"); return 1; }
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		fprintf(stderr, "mph-testserver: port %d: %s\n", port, strerror(errno));
		return 1;
	}
	if (free_port) {
		/* For tests: a port that was free a moment ago. */
		getsockname(fd, (struct sockaddr *)&a, &len);
		printf("%d\n", ntohs(a.sin_port));
		return 0;
	}
	if (listen(fd, 1024) < 0) { perror("mph-testserver: listen"); return 1; }
	for (;;) {
		pthread_t t;
		pthread_attr_t at;
		int cfd = accept(fd, NULL, NULL);
		if (cfd < 0) { if (errno == EINTR || errno == ECONNABORTED) continue; perror("accept"); return 1; }
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&at, 256 * 1024);
		if (pthread_create(&t, &at, serve, (void *)(long)cfd) != 0) close(cfd);
		pthread_attr_destroy(&at);
	}
}
