/* The service under test: started per trial in its own process group, so
 * that stopping it stops everything it forked; polled until ready; stopped
 * politely (SIGTERM) and then firmly (SIGKILL). Should mph-probe die first,
 * the reaper (reaper.c) stops the group. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "probe/probe.h"

struct mph_service {
	pid_t pid;
	int exited, wstatus;
	char how[64];
};

mph_service *mph_service_start(const char *cmd, char *const *env, const char *log_path,
                               mph_error *err)
{
	mph_service *s;
	int fd = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	pid_t pid;
	if (fd < 0) {
		mph_error_set(err, log_path ? log_path : "/dev/null", 0, 0, "%s", strerror(errno));
		return NULL;
	}
	pid = fork();
	if (pid < 0) {
		close(fd);
		mph_error_set(err, "", 0, 0, "fork: %s", strerror(errno));
		return NULL;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		setpgid(0, 0);
		mph_reaper_enlist();
		signal(SIGPIPE, SIG_DFL);
		if (nul >= 0) { dup2(nul, 0); close(nul); }
		dup2(fd, 1);
		dup2(fd, 2);
		execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, env);
		_exit(127);
	}
	setpgid(pid, pid);
	close(fd);
	s = mph_calloc(1, sizeof *s);
	s->pid = pid;
	return s;
}

int mph_service_alive(mph_service *s)
{
	if (!s->exited && waitpid(s->pid, &s->wstatus, WNOHANG) == s->pid) {
		s->exited = 1;
		if (WIFSIGNALED(s->wstatus))
			snprintf(s->how, sizeof s->how, "killed by signal %d", WTERMSIG(s->wstatus));
		else
			snprintf(s->how, sizeof s->how, "exit status %d", WEXITSTATUS(s->wstatus));
	}
	return !s->exited;
}

const char *mph_service_how(const mph_service *s) { return s->exited ? s->how : "running"; }

static void nap(double seconds)
{
	struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
	nanosleep(&ts, NULL);
}

void mph_service_stop(mph_service *s, double grace_s)
{
	double end;
	if (!s) return;
	if (mph_service_alive(s)) {
		kill(-s->pid, SIGTERM);
		end = mph_now() + grace_s;
		while (mph_service_alive(s) && mph_now() < end) nap(0.02);
	}
	/* Whatever is left of the group, the shell included, goes now. */
	kill(-s->pid, SIGKILL);
	if (!s->exited) waitpid(s->pid, &s->wstatus, 0);
	mph_reaper_discharge(s->pid);
	free(s);
}

static int is_url(const char *ready) { return strstr(ready, "://") != NULL; }

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p; (void)ctx;
	return size * n;
}

static int probe_url(const char *url, int connect_only, mph_error *err)
{
	CURL *e = curl_easy_init();
	CURLcode rc;
	long code = 0;
	if (!e) return mph_error_set(err, "", 0, 0, "cannot create a libcurl handle");
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 1000L);
	curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	if (connect_only) curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	rc = curl_easy_perform(e);
	if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
		curl_easy_cleanup(e);
		return mph_error_set(err, "", 0, 0, "not a usable URL: '%s'", url);
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(e);
	if (connect_only) return rc == CURLE_OK;
	return rc == CURLE_OK && code >= 200 && code < 300;
}

static int probe_port(const char *ready, mph_error *err)
{
	char host[256] = "127.0.0.1", port[32];
	const char *colon = strrchr(ready, ':');
	struct addrinfo hints, *ai = NULL, *p;
	long num;
	int ok = 0;
	if (colon) {
		size_t n = (size_t)(colon - ready);
		if (n == 0 || n >= sizeof host) return mph_error_set(err, "", 0, 0, "not a port or URL: '%s'", ready);
		memcpy(host, ready, n);
		host[n] = '\0';
		ready = colon + 1;
	}
	if (mph_parse_long(ready, &num) < 0 || num < 1 || num > 65535)
		return mph_error_set(err, "", 0, 0, "not a port or URL: '%s'", ready);
	snprintf(port, sizeof port, "%ld", num);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return mph_error_set(err, "", 0, 0, "unknown host '%s'", host);
	for (p = ai; p && !ok; p = p->ai_next) {
		int fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
		if (fd < 0) continue;
		ok = connect(fd, p->ai_addr, p->ai_addrlen) == 0;
		close(fd);
	}
	freeaddrinfo(ai);
	return ok;
}

int mph_ready_probe(const char *ready, int connect_only, mph_error *err)
{
	if (!ready || !*ready) return mph_error_set(err, "", 0, 0, "empty readiness target");
	return is_url(ready) ? probe_url(ready, connect_only, err) : probe_port(ready, err);
}

mph_service_state mph_service_wait_ready(mph_service *s, const char *ready, double timeout_s)
{
	double end = mph_now() + timeout_s;
	for (;;) {
		if (!mph_service_alive(s)) return MPH_SERVICE_CRASHED;
		if (mph_ready_probe(ready, 0, NULL) == 1)
			return mph_service_alive(s) ? MPH_SERVICE_READY : MPH_SERVICE_CRASHED;
		if (mph_now() >= end) return MPH_SERVICE_NOT_READY;
		nap(0.05);
	}
}
