/* Recording a probe run (mph-probe -t, or to its output): the trials file is
 * the run's only state, so each finished trial is in it, as one complete
 * synced line, before the next is measured (lib/io/append.c); a
 * configuration it holds is not measured again unless repeats are asked
 * for; trials are numbered on from the file's. The probe modes write CSV to
 * a FILE; a cookie stream cuts that into rows as they come and records each
 * one, with a progress line. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include "probe/probe.h"
#include "io/io.h"

void mph_record_opts_init(mph_record_opts *o)
{
	memset(o, 0, sizeof *o);
	o->repeats = 1;
}

/* 1 when name is one of the comma-separated list's. */
static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	while (*list) {
		size_t m = strcspn(list, ",");
		if (m == n && strncmp(list, name, n) == 0) return 1;
		list += m + (list[m] == ',');
	}
	return 0;
}

/* Columns an input row brings that are no part of its configuration:
 * mph-suggest's explanations and the number of an earlier trial. */
static int not_config(const char *name)
{
	return strcmp(name, "trial") == 0 || in_list(MPH_SUGGEST_COLUMNS, name);
}

/* A value as it compares: a number by its shortest round-tripping text
 * (1 == 1.0), anything else as it is. */
static uint64_t hash_value(const char *s, uint64_t h)
{
	char buf[32];
	double x;
	if (mph_parse_double(s, &x) == 0) s = mph_fmt_double(buf, x == 0 ? 0 : x);
	return mph_hash64(s, strlen(s) + 1, h);
}

static uint64_t config_key(const char *const *f, const long *cols, size_t n)
{
	uint64_t h = 0x6d7068; /* "mph" */
	size_t i;
	for (i = 0; i < n; i++) h = hash_value(cols[i] >= 0 ? f[cols[i]] : "", h);
	return h;
}

/* How often each configuration is held: keys with counts, linear (a trials
 * file has hundreds of rows, not millions). */
typedef struct { uint64_t *key; size_t *count, n, cap; } tally;

static size_t *tally_at(tally *t, uint64_t key)
{
	size_t i;
	for (i = 0; i < t->n; i++) if (t->key[i] == key) return &t->count[i];
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->key = mph_realloc(t->key, t->cap * sizeof *t->key);
		t->count = mph_realloc(t->count, t->cap * sizeof *t->count);
	}
	t->key[t->n] = key;
	t->count[t->n] = 0;
	return &t->count[t->n++];
}

/* Where the run stands, for progress lines. */
typedef struct {
	size_t rows;          /* trials in the file (or written) so far */
	size_t timed;         /* trials whose time is known (probe_s, or this run) */
	double seconds;       /* their time */
	double best_utility;  /* NaN: none valid yet */
	double best_score;
	char best_trial[32];
} standing;

/* The trials file as it is: which configurations it holds and how often,
 * the next trial number, and the standing. */
static int read_held(const char *path, const mph_record_opts *o, const char *const *keys, size_t nkeys,
                     tally *held, size_t *next_trial, standing *st, mph_error *err)
{
	mph_csv *c = mph_csv_open(path, err);
	mph_objective_bound *b = NULL;
	long *cols, trial_col, probe_col, status_col;
	size_t i, rows = 0;
	double max_trial = 0;
	int got;
	if (c == NULL) return -1;
	cols = mph_malloc((nkeys ? nkeys : 1) * sizeof *cols);
	for (i = 0; i < nkeys; i++) cols[i] = mph_csv_col(c, keys[i]);
	trial_col = mph_csv_col(c, "trial");
	probe_col = mph_csv_col(c, "probe_s");
	status_col = mph_csv_col(c, "status");
	if (o->objective && (b = mph_objective_bind_csv(o->objective, c, 0, err)) == NULL) goto fail;
	while ((got = mph_csv_read(c, err)) == 1) {
		const char *const *f = mph_csv_fields(c);
		double x;
		rows++;
		++*tally_at(held, config_key(f, cols, nkeys));
		if (trial_col >= 0 && mph_parse_double(f[trial_col], &x) == 0 && x > max_trial) max_trial = x;
		if (probe_col >= 0 && mph_parse_double(f[probe_col], &x) == 0) {
			st->seconds += x;
			st->timed++;
		}
		if (b) {
			mph_trial t;
			mph_objective_result r;
			if (mph_trial_from_row(b, f, status_col, NAN, 0, &t, &r, err) != 0) {
				mph_error_locate(err, path, mph_csv_line(c));
				goto fail;
			}
			if (!isnan(t.utility) && (isnan(st->best_utility) || t.utility > st->best_utility)) {
				st->best_utility = t.utility;
				st->best_score = r.score;
				if (trial_col >= 0) snprintf(st->best_trial, sizeof st->best_trial, "%s", f[trial_col]);
				else snprintf(st->best_trial, sizeof st->best_trial, "%zu", rows);
			}
		}
	}
	if (got < 0) goto fail;
	st->rows = rows;
	*next_trial = (size_t)max_trial > rows ? (size_t)max_trial + 1 : rows + 1;
	mph_objective_bound_free(b);
	free(cols);
	mph_csv_close(c);
	return 0;
fail:
	mph_objective_bound_free(b);
	free(cols);
	mph_csv_close(c);
	return -1;
}

/* ---- the stream the probe writes: cut into rows, each recorded ---------- */

typedef struct {
	const mph_record_opts *o;
	mph_append *a;          /* the trials file, or NULL */
	FILE *out;              /* else: where rows go */
	char *buf;              /* bytes not yet a whole record */
	size_t len, cap;
	int quoted;             /* inside a quoted field at buf's end */
	char *header;           /* the probe's header line, with its line end */
	mph_csv *hcsv;          /* over the header, for the objective */
	mph_objective_bound *b;
	long status_col, trial_col;
	long *key_cols;         /* the configuration's columns in the probe's rows */
	const char *const *keys;
	size_t nkeys;
	size_t expected;        /* rows this run is to measure */
	double t0;
	standing st;
	mph_record_result *res;
	int failed;             /* an error is in err; the rest is ignored */
	mph_error err;
} sink;

static void note(const sink *k, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(const sink *k, int kind, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!k->o->note) return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	k->o->note(k->o->note_ctx, kind, msg);
}

static const char *duration(char *buf, size_t size, double s)
{
	if (s < 10) snprintf(buf, size, "%.1f s", s);
	else if (s < 120) snprintf(buf, size, "%.0f s", s);
	else if (s < 7200) snprintf(buf, size, "%.0f min %02.0f s", floor(s / 60), fmod(floor(s), 60));
	else snprintf(buf, size, "%.0f h %02.0f min", floor(s / 3600), fmod(floor(s / 60), 60));
	return buf;
}

/* "trial 12 of 40: cpu=2 batch=16: ok, score 2030.2; best 2500.1 (trial 9);
 * 42 s, about 1 min 38 s left" */
static void progress_line(sink *k, const char *const *f, const char *status, double score)
{
	char line[1024], a[48], b[48];
	size_t at = 0, i, left_trials;
	double mean;
#define ADD(...) do { if (at < sizeof line) at += (size_t)snprintf(line + at, sizeof line - at, __VA_ARGS__); } while (0)
	ADD("trial %zu", k->st.rows);
	if (k->o->budget) ADD(" of %zu", k->o->budget);
	ADD(":");
	for (i = 0; i < k->nkeys; i++)
		if (k->key_cols[i] >= 0) ADD(" %s=%s", k->keys[i], f[k->key_cols[i]]);
	ADD(": %s", status);
	if (k->o->objective && !isnan(score)) ADD(", score %.6g", score);
	if (k->o->objective) {
		if (isnan(k->st.best_utility)) ADD("; best none yet");
		else ADD("; best %.6g (trial %s)", k->st.best_score, k->st.best_trial);
	}
	mean = k->st.timed ? k->st.seconds / (double)k->st.timed : 0;
	ADD("; %s", duration(a, sizeof a, k->st.seconds));
	left_trials = k->o->budget ? (k->o->budget > k->st.rows ? k->o->budget - k->st.rows : 0)
	                           : k->expected - k->res->measured;
	if (k->st.timed && left_trials > 0) ADD(", about %s left", duration(b, sizeof b, mean * (double)left_trials));
#undef ADD
	note(k, MPH_RECORD_PROGRESS, "%s", line);
}

/* The probe's header: the trials file's columns, the objective's binding. */
static int take_header(sink *k, mph_csv *c)
{
	const char *const *h = mph_csv_header(c);
	size_t n = mph_csv_ncols(c), i, at = 0;
	k->status_col = mph_csv_col(c, "status");
	k->trial_col = mph_csv_col(c, "trial");
	k->key_cols = mph_malloc((k->nkeys ? k->nkeys : 1) * sizeof *k->key_cols);
	for (i = 0; i < k->nkeys; i++) k->key_cols[i] = mph_csv_col(c, k->keys[i]);
	if (k->o->objective && (k->b = mph_objective_bind_csv(k->o->objective, c, 0, &k->err)) == NULL)
		return -1;
	if (!k->a) return 0;
	if (mph_append_columns(k->a, h, n, &k->err) != 0) return -1;
	k->res->dropped[0] = '\0';
	for (i = 0; i < mph_append_ndropped(k->a); i++) {
		const char *d = mph_append_dropped(k->a, i);
		if (not_config(d) || at >= sizeof k->res->dropped) continue;
		at += (size_t)snprintf(k->res->dropped + at, sizeof k->res->dropped - at, "%s%s", at ? "," : "", d);
	}
	return 0;
}

/* One whole record of the probe's output: the header, then rows. */
static int take_record(sink *k, const char *rec, size_t len)
{
	size_t hl = k->header ? strlen(k->header) : 0;
	char *text = mph_malloc(hl + len + 1);
	FILE *fp;
	mph_csv *c;
	int rc = -1;
	memcpy(text, k->header ? k->header : "", hl);
	memcpy(text + hl, rec, len);
	text[hl + len] = '\0';
	if (k->out && fwrite(rec, 1, len, k->out) != len) {
		mph_error_set(&k->err, "", 0, 0, "write error: %s", strerror(errno));
		free(text);
		return -1;
	}
	if ((fp = fmemopen(text, hl + len, "r")) == NULL) {
		mph_error_set(&k->err, "", 0, 0, "%s", strerror(errno));
		free(text);
		return -1;
	}
	if ((c = mph_csv_open_fp(fp, "<measured>", &k->err)) == NULL) goto done;
	if (k->header == NULL) {
		k->header = mph_malloc(len + 1);
		memcpy(k->header, rec, len);
		k->header[len] = '\0';
		rc = take_header(k, c);
	} else if (mph_csv_read(c, &k->err) == 1) {
		const char *const *f = mph_csv_fields(c);
		const char *status = k->status_col >= 0 ? f[k->status_col] : "ok";
		double score = NAN, now;
		if (k->a && mph_append_row(k->a, f, &k->err) != 0) goto done;
		now = mph_now();
		k->res->measured++;
		k->st.rows++;
		k->st.timed++;
		k->st.seconds += now - k->t0;
		k->t0 = now;
		if (mph_status_failed(status)) {
			if (k->res->failed++ == 0)
				snprintf(k->res->first_failure, sizeof k->res->first_failure, "%s", status);
		}
		if (k->b) {
			mph_trial t;
			mph_objective_result r;
			if (mph_trial_from_row(k->b, f, k->status_col, NAN, 0, &t, &r, &k->err) != 0) goto done;
			score = r.score;
			if (!isnan(t.utility) && (isnan(k->st.best_utility) || t.utility > k->st.best_utility)) {
				k->st.best_utility = t.utility;
				k->st.best_score = r.score;
				if (k->trial_col >= 0) snprintf(k->st.best_trial, sizeof k->st.best_trial, "%s", f[k->trial_col]);
				else snprintf(k->st.best_trial, sizeof k->st.best_trial, "%zu", k->st.rows);
			}
		}
		if (k->o->progress) progress_line(k, f, status, score);
		rc = 0;
	}
done:
	mph_csv_close(c);
	fclose(fp);
	free(text);
	return rc;
}

static ssize_t sink_write(void *cookie, const char *data, size_t size)
{
	sink *k = cookie;
	size_t i, start = 0;
	if (k->failed) return (ssize_t)size; /* swallowed: the error is already in err */
	if (k->len + size > k->cap) {
		k->cap = 2 * (k->len + size) + 256;
		k->buf = mph_realloc(k->buf, k->cap);
	}
	memcpy(k->buf + k->len, data, size);
	/* a record ends at a line end outside quotes ("" toggles twice) */
	for (i = k->len; i < k->len + size; i++) {
		if (k->buf[i] == '"') k->quoted = !k->quoted;
		else if (k->buf[i] == '\n' && !k->quoted) {
			if (take_record(k, k->buf + start, i + 1 - start) != 0) {
				k->failed = 1;
				return (ssize_t)size;
			}
			start = i + 1;
		}
	}
	k->len += size;
	memmove(k->buf, k->buf + start, k->len - start);
	k->len -= start;
	return (ssize_t)size;
}

/* ---- which input rows to measure ---------------------------------------- */

/* The input rows to measure, as a CSV in memory (text freed by the caller),
 * each with the number of measurements of it before; configuration columns
 * into keys. */
typedef struct {
	char *text;
	size_t len, n;
	size_t *repeat;
	long *line;           /* per row: its line in the input, for messages */
	const char **keys;    /* point into the input's header */
	size_t nkeys;
} plan;

/* The configuration's columns: the input's that the file has too (all of
 * them for a new file), but for explanations and trial numbers. */
static void plan_keys(mph_csv *in, const mph_append *a, plan *p)
{
	const char *const *h = mph_csv_header(in);
	size_t n = mph_csv_ncols(in), i, j;
	p->keys = mph_malloc((n ? n : 1) * sizeof *p->keys);
	for (i = 0; i < n; i++) {
		int in_file = 0;
		if (not_config(h[i])) continue;
		if (a && mph_append_ncols(a) > 0) {
			for (j = 0; j < mph_append_ncols(a); j++)
				if (strcmp(mph_append_col(a, j), h[i]) == 0) in_file = 1;
			if (!in_file) continue;
		}
		p->keys[p->nkeys++] = h[i];
	}
}

/* Each input row as often as it is to be measured (input `trial` columns
 * left out: the file numbers its trials). */
static int plan_rows(const mph_record_opts *o, mph_csv *in, const char *trials, tally *held, plan *p,
                     sink *k, mph_error *err)
{
	const char *const *h = mph_csv_header(in);
	size_t n = mph_csv_ncols(in), i, j, cap = 0;
	size_t *keep = mph_malloc((n ? n : 1) * sizeof *keep), nkeep = 0;
	const char **vals = mph_malloc((n ? n : 1) * sizeof *vals);
	long *cols = mph_malloc((p->nkeys ? p->nkeys : 1) * sizeof *cols);
	FILE *mem = open_memstream(&p->text, &p->len);
	int got;
	if (mem == NULL) { free(keep); free(vals); free(cols); return mph_error_set(err, "", 0, 0, "%s", strerror(errno)); }
	for (i = 0; i < n; i++) if (strcmp(h[i], "trial") != 0) keep[nkeep++] = i;
	for (i = 0; i < nkeep; i++) vals[i] = h[keep[i]];
	mph_csv_write_row(mem, vals, nkeep);
	for (i = 0; i < p->nkeys; i++) cols[i] = mph_csv_col(in, p->keys[i]);
	while ((got = mph_csv_read(in, err)) == 1) {
		const char *const *f = mph_csv_fields(in);
		size_t *count = tally_at(held, config_key(f, cols, p->nkeys)), times;
		times = o->again ? 1 : o->repeats > *count ? o->repeats - *count : 0;
		if (times == 0) {
			char what[512];
			size_t at = 0;
			for (j = 0; j < p->nkeys && at < sizeof what; j++)
				at += (size_t)snprintf(what + at, sizeof what - at, "%s%s=%s", j ? " " : "", p->keys[j], f[cols[j]]);
			k->res->skipped++;
			note(k, MPH_RECORD_SKIP, "%s:%ld: %s: not measured again: %s holds %zu trial%s of it",
			     mph_csv_name(in), mph_csv_line(in), what, trials ? trials : "the input", *count,
			     *count == 1 ? "" : "s");
			continue;
		}
		for (i = 0; i < nkeep; i++) vals[i] = f[keep[i]];
		while (times-- > 0) {
			if (p->n == cap) {
				cap = cap ? 2 * cap : 16;
				p->repeat = mph_realloc(p->repeat, cap * sizeof *p->repeat);
				p->line = mph_realloc(p->line, cap * sizeof *p->line);
			}
			p->line[p->n] = mph_csv_line(in);
			p->repeat[p->n++] = (*count)++;
			mph_csv_write_row(mem, vals, nkeep);
		}
	}
	if (fclose(mem) != 0 && got >= 0) got = mph_error_set(err, "", 0, 0, "%s", strerror(errno));
	free(keep);
	free(vals);
	free(cols);
	return got < 0 ? -1 : 0;
}

int mph_probe_record(const char *trials, FILE *out, const mph_record_opts *o, mph_probe_fn run,
                     void *ctx, mph_csv *in, mph_record_result *res, mph_error *err)
{
	static const cookie_io_functions_t io = { NULL, sink_write, NULL, NULL };
	mph_probe_batch batch = { 0, 0, NULL };
	tally held = { NULL, NULL, 0, 0 };
	size_t next_trial = 1;
	plan p;
	sink k;
	FILE *fp = NULL, *planned = NULL;
	mph_csv *pc = NULL;
	int rc = -1;

	memset(res, 0, sizeof *res);
	memset(&p, 0, sizeof p);
	memset(&k, 0, sizeof k);
	k.o = o;
	k.res = res;
	k.out = trials ? NULL : out;
	k.st.best_utility = NAN;
	k.t0 = mph_now();
	if (trials && (k.a = mph_append_begin(trials, err)) == NULL) return -1;
	plan_keys(in, k.a, &p);
	if (k.a && mph_append_ncols(k.a) > 0 &&
	    read_held(trials, o, p.keys, p.nkeys, &held, &next_trial, &k.st, err) != 0)
		goto done;
	if (plan_rows(o, in, trials, &held, &p, &k, err) != 0) goto done;
	k.keys = p.keys;
	k.nkeys = p.nkeys;
	k.expected = p.n;
	if ((planned = fmemopen(p.text, p.len, "r")) == NULL) {
		mph_error_set(err, "", 0, 0, "%s", strerror(errno));
		goto done;
	}
	if ((pc = mph_csv_open_fp(planned, mph_csv_name(in), err)) == NULL) goto done;
	if ((fp = fopencookie(&k, "w", io)) == NULL) {
		mph_error_set(err, "", 0, 0, "%s", strerror(errno));
		goto done;
	}
	setvbuf(fp, NULL, _IOLBF, BUFSIZ); /* each row reaches the sink as it ends */
	if (trials) {
		batch.first_trial = next_trial - 1;
		batch.number = 1;
		batch.repeat = p.repeat;
	}
	rc = run(ctx, pc, &batch, fp, err);
	/* a message about a planned row names the input's line (one line a
	 * row: the planned rows are written unquoted unless they must be) */
	if (rc != 0 && strcmp(err->file, mph_csv_name(in)) == 0 && err->line >= 2 && (size_t)err->line - 2 < p.n)
		err->line = p.line[err->line - 2];
	if (fflush(fp) != 0 && !k.failed) rc = mph_error_set(err, "", 0, 0, "write error: %s", strerror(errno));
	if (rc == 0 && k.failed) { *err = k.err; rc = -1; }
	if (rc == 0 && k.header == NULL) rc = mph_error_set(err, "", 0, 0, "the probe wrote no header");
done:
	if (fp) fclose(fp);
	mph_csv_close(pc);
	if (planned) fclose(planned);
	if (mph_append_close(k.a, rc == 0 ? err : NULL) != 0) rc = -1;
	mph_objective_bound_free(k.b);
	free(k.key_cols);
	free(k.header);
	free(k.buf);
	free(p.text);
	free(p.repeat);
	free(p.line);
	free(p.keys);
	free(held.key);
	free(held.count);
	return rc;
}

int mph_record_check(const mph_record_result *res, mph_error *err)
{
	if (res->measured == 0 || res->failed < res->measured) return 0;
	return mph_error_set(err, "", 0, 0, "every trial failed: %zu of %zu (the first: %s)", res->failed,
	                     res->measured, res->first_failure);
}
