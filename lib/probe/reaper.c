/* The process groups of trials and services must not outlive mph-probe.
 *
 * Each trial and each service runs in a process group of its own, and
 * mph-probe kills the group when it is done with it. After a SIGKILL it
 * cannot, and PR_SET_PDEATHSIG is no answer: it reaches only the direct child
 * (the shell of `sh -c`), not what that shell started, and it is not
 * inherited. So a small reaper process, forked before the first trial, holds
 * one end of a socket pair. Each child sends its group id on the other end
 * before it execs; mph-probe sends the negated id once it has killed a group
 * itself. That end is close-on-exec, so only mph-probe and children between
 * fork and exec hold it: end of file means mph-probe is gone and every child
 * it forked has enlisted. The reaper then sends SIGTERM to each group still
 * listed, SIGKILL to what is left after a grace, and exits. It has a group of
 * its own and ignores the signals of a terminal, so that Ctrl-C or a kill of
 * mph-probe's group does not take it along. A process that leaves its group
 * (setsid) escapes it, as it escapes mph-probe's own timeouts.
 *
 * A socket rather than a pipe: send(MSG_NOSIGNAL) cannot raise SIGPIPE in
 * mph-probe when the reaper was killed. The state is per process because the
 * children are. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "probe/probe.h"

#define MAX_GROUPS 1024 /* -j is at most 256, plus one service */
#define GRACE_S 2.0

static int reaper_fd = -1; /* the end children and mph-probe send on */
static pid_t reaper_pid;

static void send_id(int32_t id)
{
	if (reaper_fd >= 0) (void)send(reaper_fd, &id, sizeof id, MSG_NOSIGNAL);
}

static int any_alive(const pid_t *g, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (kill(-g[i], 0) == 0 || errno != ESRCH) return 1;
	return 0;
}

static void kill_all(const pid_t *g, size_t n, int sig)
{
	size_t i;
	for (i = 0; i < n; i++) kill(-g[i], sig);
}

/* The reaper itself: no allocation, nothing printed. */
static void reap(int fd)
{
	pid_t g[MAX_GROUPS];
	size_t n = 0, i;
	int32_t id;
	struct timespec nap = { 0, 20 * 1000 * 1000 };
	double end;
	for (;;) {
		ssize_t k = recv(fd, &id, sizeof id, MSG_WAITALL);
		if (k < 0 && errno == EINTR) continue;
		if (k != (ssize_t)sizeof id) break; /* end of file: mph-probe is gone */
		if (id > 0 && n < MAX_GROUPS) {
			g[n++] = (pid_t)id;
		} else if (id < 0) {
			for (i = 0; i < n; i++)
				if (g[i] == (pid_t)-id) { g[i] = g[--n]; break; }
		}
	}
	if (n == 0) return;
	kill_all(g, n, SIGTERM);
	end = mph_now() + GRACE_S;
	while (any_alive(g, n) && mph_now() < end) nanosleep(&nap, NULL);
	kill_all(g, n, SIGKILL);
}

int mph_reaper_start(mph_error *err)
{
	int sv[2], fd, null;
	long max, k;
	pid_t pid;
	if (reaper_fd >= 0) return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return mph_error_set(err, "", 0, 0, "socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return mph_error_set(err, "", 0, 0, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		/* Hold nothing of mph-probe's: its output would stay open for readers. */
		fd = sv[0] == 3 ? 3 : dup2(sv[0], 3);
		max = sysconf(_SC_OPEN_MAX);
		if (max < 0 || max > 65536) max = 65536;
		for (k = 4; k < max; k++) close((int)k);
		null = open("/dev/null", O_RDWR);
		if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); if (null > 3) close(null); }
		if (fd == 3) reap(3);
		_exit(0);
	}
	setpgid(pid, pid);
	close(sv[0]);
	reaper_fd = sv[1];
	reaper_pid = pid;
	return 0;
}

void mph_reaper_stop(void)
{
	if (reaper_fd < 0) return;
	close(reaper_fd);
	reaper_fd = -1;
	waitpid(reaper_pid, NULL, 0);
	reaper_pid = 0;
}

void mph_reaper_enlist(void) { send_id((int32_t)getpid()); }

void mph_reaper_discharge(pid_t group) { send_id(-(int32_t)group); }
