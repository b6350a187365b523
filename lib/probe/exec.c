/* Running a command once per configuration.
 *
 * The knob values reach the command only through its environment (MPH_<KNOB>,
 * MPH_CONFIG, MPH_CONFIG_HEADER), never through the command text, so no value
 * can inject shell syntax: `1; touch pwned` is just the text of a variable.
 * Each trial runs `/bin/sh -c CMD` in its own process group, so a timeout can
 * kill the whole tree the command started (and the reaper, reaper.c, can
 * when mph-probe itself is killed). Up to `jobs` trials run at once
 * from one poll loop; results are handed back in input order. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "probe/probe.h"

extern char **environ;

#define OUT_MAX (1 << 20)  /* stdout kept for parsing */
#define TAIL_MAX 4096      /* stderr kept for messages */

void mph_exec_opts_init(mph_exec_opts *o)
{
	memset(o, 0, sizeof *o);
	o->jobs = 1;
	o->kill_grace_s = 2;
}

/* ---- environment ---- */

static char *join3(const char *a, const char *b, const char *c)
{
	size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
	char *s = mph_malloc(na + nb + nc + 1);
	memcpy(s, a, na); memcpy(s + na, b, nb); memcpy(s + na + nb, c, nc + 1);
	return s;
}

char **mph_exec_env(size_t n, const char *const *names, const char *const *values,
                    const char *const *extra)
{
	size_t i, k = 0, nenv = 0, nextra = 0, nnew;
	char **add, **env;
	char *line;

	while (environ && environ[nenv]) nenv++;
	while (extra && extra[nextra]) nextra++;
	nnew = n + 2 + nextra;
	add = mph_malloc(nnew * sizeof *add);
	for (i = 0; i < n; i++) {
		char *name = mph_knob_env_name(names[i]);
		add[i] = join3(name, "=", values[i]);
		free(name);
	}
	line = mph_csv_row_string(values, n);
	add[n] = join3("MPH_CONFIG", "=", line);
	free(line);
	line = mph_csv_row_string(names, n);
	add[n + 1] = join3("MPH_CONFIG_HEADER", "=", line);
	free(line);
	for (i = 0; i < nextra; i++) add[n + 2 + i] = mph_strdup(extra[i]);

	env = mph_malloc((nenv + nnew + 1) * sizeof *env);
	/* Inherited variables of the same names would contradict the trial. */
	for (i = 0; i < nenv; i++) {
		size_t j, len = strcspn(environ[i], "=");
		int shadowed = 0;
		for (j = 0; j < nnew && !shadowed; j++)
			shadowed = strncmp(add[j], environ[i], len) == 0 && add[j][len] == '=';
		if (!shadowed) env[k++] = mph_strdup(environ[i]);
	}
	for (i = 0; i < nnew; i++) env[k++] = add[i];
	env[k] = NULL;
	free(add);
	return env;
}

void mph_exec_env_free(char **env)
{
	size_t i;
	if (!env) return;
	for (i = 0; env[i]; i++) free(env[i]);
	free(env);
}

/* ---- parsing what the command printed ---- */

static void add_measure(mph_exec_result *r, const char *name, const char *value)
{
	size_t i;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->names[i], name) == 0) { /* the last one printed wins */
			free(r->values[i]);
			r->values[i] = mph_strdup(value);
			return;
		}
	r->names = mph_realloc(r->names, (r->n + 1) * sizeof *r->names);
	r->values = mph_realloc(r->values, (r->n + 1) * sizeof *r->values);
	r->names[r->n] = mph_strdup(name);
	r->values[r->n] = mph_strdup(value);
	r->n++;
}

static int valid_name(const char *s, size_t n)
{
	size_t i;
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return 0;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.')) return 0;
	return 1;
}

static int parse_json(const char *text, mph_exec_result *r, mph_error *err)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DISABLE_EOF_CHECK, &je), *v;
	const char *key;
	if (!j || !json_is_object(j)) {
		json_decref(j);
		return mph_error_set(err, "", 0, 0, "output is not a JSON object: %s", j ? "not an object" : je.text);
	}
	json_object_foreach(j, key, v) {
		char buf[32], *dump = NULL;
		const char *s;
		if (json_is_number(v)) s = mph_fmt_double(buf, json_number_value(v));
		else if (json_is_string(v)) s = json_string_value(v);
		else if (json_is_true(v)) s = "1";
		else if (json_is_false(v)) s = "0";
		else if (json_is_null(v)) s = "";
		else s = dump = json_dumps(v, JSON_COMPACT);
		add_measure(r, key, s ? s : "");
		free(dump);
	}
	json_decref(j);
	return 0;
}

int mph_exec_parse_output(const char *text, mph_exec_result *r, mph_error *err)
{
	const char *p = text;
	while (isspace((unsigned char)*p)) p++;
	if (*p == '{') return parse_json(p, r, err);
	while (*p) {
		const char *eol = strchr(p, '\n'), *eq;
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *line = mph_malloc(len + 1), *name, *value, *end;
		memcpy(line, p, len);
		line[len] = '\0';
		name = line;
		while (isspace((unsigned char)*name)) name++;
		eq = strchr(name, '=');
		if (eq && *name != '#') {
			size_t nlen = (size_t)(eq - name);
			while (nlen > 0 && isspace((unsigned char)name[nlen - 1])) nlen--;
			if (valid_name(name, nlen)) {
				name[nlen] = '\0';
				value = (char *)eq + 1;
				while (isspace((unsigned char)*value)) value++;
				end = value + strlen(value);
				while (end > value && isspace((unsigned char)end[-1])) *--end = '\0';
				add_measure(r, name, value);
			}
		}
		free(line);
		p += len;
		if (*p == '\n') p++;
	}
	return 0;
}

void mph_exec_result_clear(mph_exec_result *r)
{
	size_t i;
	for (i = 0; i < r->n; i++) { free(r->names[i]); free(r->values[i]); }
	free(r->names);
	free(r->values);
	free(r->log_path);
	memset(r, 0, sizeof *r);
}

static int is_measured(const mph_exec_opts *o, const char *name)
{
	size_t i;
	if (!o->measured) return 0;
	for (i = 0; i < o->nmeasured; i++) if (strcmp(o->measured[i], name) == 0) return 1;
	return 0;
}

/* What a command prints lands in the trials file, which people open in
 * spreadsheets: a measured value must be a number and a status a word, so
 * that no field can start a formula (=, +, -, @) and no text passes for a
 * measurement. 0, or -1 with the reason in msg. */
static int check_measures(const mph_exec_opts *o, const mph_exec_result *r, char *msg, size_t size)
{
	size_t i;
	double x;
	for (i = 0; i < r->n; i++) {
		const char *v = r->values[i], *p;
		int more = strlen(v) > 64;
		if (strcmp(r->names[i], "status") == 0) {
			int word = isalpha((unsigned char)v[0]) && strlen(v) < sizeof r->status;
			for (p = v; word && *p; p++)
				word = isalnum((unsigned char)*p) || *p == '-' || *p == '_';
			if (v[0] && !word) {
				snprintf(msg, size, "status: not a word (a letter, then letters, digits, - or _; "
				         "at most 31): '%.64s%s'", v, more ? "..." : "");
				return -1;
			}
		} else if (v[0] && is_measured(o, r->names[i]) && mph_parse_double(v, &x) < 0) {
			snprintf(msg, size, "column '%s': not a number: '%.64s%s'", r->names[i], v, more ? "..." : "");
			return -1;
		}
	}
	return 0;
}

const char *mph_exec_result_get(const mph_exec_result *r, const char *name)
{
	size_t i;
	for (i = 0; i < r->n; i++) if (strcmp(r->names[i], name) == 0) return r->values[i];
	return NULL;
}

/* ---- the log folder ---- */

char *mph_probe_log_path(const char *dir, const char *kind, size_t n)
{
	size_t size = strlen(dir) + strlen(kind) + 32;
	char *path = mph_malloc(size);
	snprintf(path, size, "%s/%s-%zu.log", dir, kind, n);
	return path;
}

int mph_probe_log_dir(const char *dir, mph_error *err)
{
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) return mph_error_set(err, dir, 0, 0, "%s", strerror(errno));
	return 0;
}

/* ---- running ---- */

typedef struct {
	size_t trial;
	int attempt;
	pid_t pid;          /* 0 when not running */
	int out, err;       /* -1 when closed */
	char *obuf;
	size_t olen;
	char tail[TAIL_MAX];
	size_t tlen;
	double start, deadline, kill_at;
	int timed_out, exited, wstatus;
	FILE *log;          /* one per trial, its attempts one after another */
	char *log_path;
} job;

static void close_log(job *j)
{
	if (j->log) fclose(j->log);
	free(j->log_path);
	j->log = NULL;
	j->log_path = NULL;
}

static void tail_add(job *j, const char *p, size_t n)
{
	if (n >= TAIL_MAX) { memcpy(j->tail, p + n - TAIL_MAX, TAIL_MAX); j->tlen = TAIL_MAX; return; }
	if (j->tlen + n > TAIL_MAX) {
		size_t drop = j->tlen + n - TAIL_MAX;
		memmove(j->tail, j->tail + drop, j->tlen - drop);
		j->tlen -= drop;
	}
	memcpy(j->tail + j->tlen, p, n);
	j->tlen += n;
}

static pid_t spawn(const char *cmd, char *const *env, int *out, int *err_fd, mph_error *err)
{
	int po[2] = {-1, -1}, pe[2] = {-1, -1};
	pid_t pid;
	if (pipe(po) < 0 || pipe(pe) < 0) {
		mph_error_set(err, "", 0, 0, "pipe: %s", strerror(errno));
		goto fail;
	}
	/* Trials running beside this one must not inherit its pipes. */
	fcntl(po[0], F_SETFD, FD_CLOEXEC); fcntl(po[1], F_SETFD, FD_CLOEXEC);
	fcntl(pe[0], F_SETFD, FD_CLOEXEC); fcntl(pe[1], F_SETFD, FD_CLOEXEC);
	pid = fork();
	if (pid < 0) {
		mph_error_set(err, "", 0, 0, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		setpgid(0, 0);
		mph_reaper_enlist();
		signal(SIGPIPE, SIG_DFL);
		if (nul >= 0) { dup2(nul, 0); close(nul); }
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, env);
		_exit(127);
	}
	setpgid(pid, pid); /* also here, so a kill right after fork reaches the group */
	close(po[1]);
	close(pe[1]);
	*out = po[0];
	*err_fd = pe[0];
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	return pid;
fail:
	if (po[0] >= 0) { close(po[0]); close(po[1]); }
	if (pe[0] >= 0) { close(pe[0]); close(pe[1]); }
	return -1;
}

static int start_job(const mph_exec_opts *o, job *j, char *const *env, mph_error *err)
{
	j->attempt++;
	j->olen = 0;
	j->tlen = 0;
	j->timed_out = j->exited = 0;
	j->kill_at = 0;
	if (o->log_dir && !j->log) {
		j->log_path = mph_probe_log_path(o->log_dir, "trial", o->first_trial + j->trial + 1);
		j->log = fopen(j->log_path, "w");
		if (!j->log) return mph_error_set(err, j->log_path, 0, 0, "%s", strerror(errno));
	}
	if (j->log) {
		size_t i;
		fprintf(j->log, "# trial %zu, attempt %d\n# command: %s\n", o->first_trial + j->trial + 1,
		        j->attempt, o->cmd);
		for (i = 0; env[i]; i++)
			if (strncmp(env[i], "MPH_", 4) == 0) fprintf(j->log, "# %s\n", env[i]);
		fputs("## stderr\n", j->log);
		fflush(j->log);
	}
	j->pid = spawn(o->cmd, env, &j->out, &j->err, err);
	if (j->pid < 0) { j->pid = 0; return -1; }
	j->start = mph_now();
	j->deadline = o->timeout_s > 0 ? j->start + o->timeout_s : INFINITY;
	return 0;
}

static void drain(job *j, int which)
{
	char buf[8192];
	int *fd = which ? &j->err : &j->out;
	for (;;) {
		ssize_t k = read(*fd, buf, sizeof buf);
		if (k > 0) {
			if (which) {
				tail_add(j, buf, (size_t)k);
				if (j->log) fwrite(buf, 1, (size_t)k, j->log);
			} else if (j->olen < OUT_MAX) {
				size_t take = (size_t)k < OUT_MAX - j->olen ? (size_t)k : OUT_MAX - j->olen;
				j->obuf = mph_realloc(j->obuf, j->olen + take + 1);
				memcpy(j->obuf + j->olen, buf, take);
				j->olen += take;
			}
			continue;
		}
		if (k < 0 && (errno == EINTR)) continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
		close(*fd); /* EOF or a real error */
		*fd = -1;
		return;
	}
}

/* The trial's end: status, measurements, message; 1 when it should be retried. */
static int conclude(const mph_exec_opts *o, job *j, mph_exec_result *r)
{
	mph_error perr;
	char *nl;
	size_t i;
	mph_exec_result_clear(r);
	r->attempts = j->attempt;
	r->seconds = mph_now() - j->start;
	r->exit_code = WIFEXITED(j->wstatus) ? WEXITSTATUS(j->wstatus) : -1;
	r->signal = WIFSIGNALED(j->wstatus) ? WTERMSIG(j->wstatus) : 0;
	/* the last line of stderr, for a one-line message */
	while (j->tlen > 0 && isspace((unsigned char)j->tail[j->tlen - 1])) j->tlen--;
	j->tail[j->tlen < TAIL_MAX ? j->tlen : TAIL_MAX - 1] = '\0';
	nl = strrchr(j->tail, '\n');
	snprintf(r->stderr_tail, sizeof r->stderr_tail, "%.255s", nl ? nl + 1 : j->tail);
	if (j->obuf) j->obuf[j->olen] = '\0';
	if (j->timed_out) {
		snprintf(r->status, sizeof r->status, "timeout");
		snprintf(r->message, sizeof r->message, "killed after %g s", o->timeout_s);
	} else if (r->exit_code != 0) {
		snprintf(r->status, sizeof r->status, "error");
		if (r->signal)
			snprintf(r->message, sizeof r->message, "killed by signal %d%s%s", r->signal,
			         r->stderr_tail[0] ? ": " : "", r->stderr_tail);
		else
			snprintf(r->message, sizeof r->message, "exit status %d%s%s", r->exit_code,
			         r->stderr_tail[0] ? ": " : "", r->stderr_tail);
	} else if (mph_exec_parse_output(j->obuf ? j->obuf : "", r, &perr) < 0) {
		snprintf(r->status, sizeof r->status, "error");
		snprintf(r->message, sizeof r->message, "%.511s", perr.text);
	} else if (r->n == 0) {
		snprintf(r->status, sizeof r->status, "error");
		snprintf(r->message, sizeof r->message, "printed no name=value measurements");
	} else if (check_measures(o, r, r->message, sizeof r->message) < 0) {
		/* nothing of a trial that printed garbage is kept as measured */
		for (i = 0; i < r->n; i++) { free(r->names[i]); free(r->values[i]); }
		r->n = 0;
		snprintf(r->status, sizeof r->status, "error");
	} else {
		const char *s = mph_exec_result_get(r, "status");
		snprintf(r->status, sizeof r->status, "%s", s && *s ? s : "ok");
	}
	if (j->log) {
		fprintf(j->log, "## stdout\n%s", j->obuf ? j->obuf : "");
		if (j->olen > 0 && j->obuf[j->olen - 1] != '\n') putc('\n', j->log);
		fprintf(j->log, "## status %s%s%s (%.3f s)\n", r->status, r->message[0] ? ": " : "",
		        r->message, r->seconds);
		fflush(j->log);
	}
	if (j->log_path) r->log_path = mph_strdup(j->log_path);
	return strcmp(r->status, "ok") != 0 && j->attempt <= o->retries;
}

int mph_exec_batch(const mph_exec_opts *o, size_t ntrials, size_t nknobs,
                   const char *const *names, const char *const *const *values,
                   mph_exec_done_fn done, void *ctx, mph_error *err)
{
	int jobs = o->jobs > 0 ? o->jobs : 1, running = 0, ret = 0, i;
	size_t next = 0, reported = 0, t;
	job *slots = mph_calloc((size_t)jobs, sizeof *slots);
	mph_exec_result *res = mph_calloc(ntrials ? ntrials : 1, sizeof *res);
	char ***envs = mph_calloc(ntrials ? ntrials : 1, sizeof *envs);
	struct pollfd *pfd = mph_malloc(2 * (size_t)jobs * sizeof *pfd);

	if (!o->cmd) { ret = mph_error_set(err, "", 0, 0, "no command"); goto out; }
	if (o->log_dir && mph_probe_log_dir(o->log_dir, err) < 0) { ret = -1; goto out; }
	for (i = 0; i < jobs; i++) slots[i].out = slots[i].err = -1;
	while (reported < ntrials) {
		int np = 0, wait_ms = 100;
		double now = mph_now();
		/* fill free slots */
		for (i = 0; i < jobs && next < ntrials; i++) {
			if (slots[i].pid) continue;
			memset(&slots[i], 0, sizeof slots[i]);
			slots[i].out = slots[i].err = -1;
			slots[i].trial = next;
			envs[next] = mph_exec_env(nknobs, names, values[next], o->extra_env);
			if (start_job(o, &slots[i], envs[next], err) < 0) { ret = -1; goto out; }
			next++;
			running++;
		}
		for (i = 0; i < jobs; i++) {
			job *j = &slots[i];
			double until;
			if (!j->pid) continue;
			if (j->out >= 0) { pfd[np].fd = j->out; pfd[np].events = POLLIN; np++; }
			if (j->err >= 0) { pfd[np].fd = j->err; pfd[np].events = POLLIN; np++; }
			until = j->kill_at > 0 ? j->kill_at : j->deadline;
			if (isfinite(until)) {
				double ms = ceil((until - now) * 1000.0);
				if (ms < wait_ms) wait_ms = ms < 0 ? 0 : (int)ms;
			}
		}
		if (running > 0) poll(pfd, (nfds_t)np, wait_ms);
		now = mph_now();
		for (i = 0; i < jobs; i++) {
			job *j = &slots[i];
			pid_t w;
			if (!j->pid) continue;
			if (j->out >= 0) drain(j, 0);
			if (j->err >= 0) drain(j, 1);
			if (!j->exited) {
				w = waitpid(j->pid, &j->wstatus, WNOHANG);
				if (w == j->pid) j->exited = 1;
			}
			if (!j->exited && now >= j->deadline && j->kill_at == 0) {
				j->timed_out = 1;
				kill(-j->pid, SIGTERM);
				j->kill_at = now + o->kill_grace_s;
			} else if (!j->exited && j->kill_at > 0 && now >= j->kill_at) {
				kill(-j->pid, SIGKILL);
				j->kill_at = now + 3600;
			}
			if (!j->exited) continue;
			/* The shell is gone; whatever it left behind in its group goes too,
			 * and so do pipes such leftovers would keep open. */
			kill(-j->pid, SIGKILL);
			mph_reaper_discharge(j->pid);
			if (j->out >= 0) { drain(j, 0); if (j->out >= 0) { close(j->out); j->out = -1; } }
			if (j->err >= 0) { drain(j, 1); if (j->err >= 0) { close(j->err); j->err = -1; } }
			if (conclude(o, j, &res[j->trial])) {
				if (start_job(o, j, envs[j->trial], err) < 0) { ret = -1; goto out; }
				continue;
			}
			close_log(j);
			/* reported as it finishes, not behind trials still running:
			 * a kill then loses only what is in flight */
			if (done) done(ctx, j->trial, &res[j->trial]);
			mph_exec_result_clear(&res[j->trial]);
			reported++;
			mph_exec_env_free(envs[j->trial]);
			envs[j->trial] = NULL;
			j->pid = 0;
			free(j->obuf);
			j->obuf = NULL;
			running--;
		}
	}
out:
	for (i = 0; i < jobs; i++) {
		job *j = &slots[i];
		if (j->pid) { kill(-j->pid, SIGKILL); waitpid(j->pid, NULL, 0); mph_reaper_discharge(j->pid); }
		if (j->out >= 0) close(j->out);
		if (j->err >= 0) close(j->err);
		close_log(j);
		free(j->obuf);
	}
	for (t = 0; t < ntrials; t++) { mph_exec_result_clear(&res[t]); mph_exec_env_free(envs[t]); }
	free(slots); free(res); free(envs); free(pfd);
	return ret;
}
