/*
 * Replay of a profiled trace: the whole CSV is held in memory, rows grouped
 * by task, and an open-addressing hash table maps (task, knob values) to a
 * row, so a search that probes thousands of configurations pays one hash
 * and one comparison per probe. Seeded log-normal noise is here too, since
 * it is what turns a replayed row into something like a fresh measurement.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "probe/probe.h"

/* A knob value as the index compares it: a number when its text parses as
 * one (so 1, 1.0 and 1e0 meet), its text otherwise. */
typedef struct {
	int numeric;
	double num;
	const char *str;
	uint64_t hash;
} key_value;

struct mph_replay {
	char **header;
	size_t ncols;
	long task_col;           /* -1: one unnamed task */
	char **tasks;
	size_t ntasks;
	size_t nrows;
	size_t *row_task;        /* task of each row */
	long *row_line;          /* line of each row in the file */
	char **cell;             /* nrows * ncols texts */
	double *num;             /* nrows * ncols numbers, NaN if not */
	char *name;              /* file name for messages */

	/* index */
	size_t nknobs;
	size_t *knob_col;
	size_t nmeasured;
	size_t *measured_col;
	size_t *slots;           /* row + 1, 0 empty; size mask + 1 */
	size_t mask;
	/* space binding: keys per knob and value index */
	key_value **space_keys;
	size_t space_nknobs;
};

static uint64_t hash_value(int numeric, double x, const char *s)
{
	if (numeric) {
		uint64_t bits;
		if (x == 0.0) x = 0.0; /* -0 and 0 meet */
		memcpy(&bits, &x, sizeof bits);
		return mph_hash64(&bits, sizeof bits, 0x6e756dULL);
	}
	return mph_hash64(s, strlen(s), 0x737472ULL);
}

static void make_key(key_value *k, const char *s)
{
	k->str = s;
	k->numeric = mph_parse_double(s, &k->num) == 0;
	k->hash = hash_value(k->numeric, k->num, s);
}

static uint64_t combine(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdULL;
}

static int same_value(const mph_replay *r, size_t row, size_t col, const key_value *k)
{
	double x = r->num[row * r->ncols + col];
	int numeric = !isnan(x);
	if (numeric != k->numeric) return 0;
	return numeric ? x == k->num : strcmp(r->cell[row * r->ncols + col], k->str) == 0;
}

static uint64_t row_hash(const mph_replay *r, size_t row)
{
	uint64_t h = combine(0, r->row_task[row]);
	size_t k;
	for (k = 0; k < r->nknobs; k++) {
		size_t c = r->knob_col[k];
		double x = r->num[row * r->ncols + c];
		h = combine(h, hash_value(!isnan(x), x, r->cell[row * r->ncols + c]));
	}
	return h;
}

static long find_keys(const mph_replay *r, size_t t, const key_value *keys)
{
	uint64_t h = combine(0, t);
	size_t i, k;
	if (r->slots == NULL || t >= r->ntasks) return -1;
	for (k = 0; k < r->nknobs; k++) h = combine(h, keys[k].hash);
	for (i = h & r->mask; r->slots[i] != 0; i = (i + 1) & r->mask) {
		size_t row = r->slots[i] - 1;
		if (r->row_task[row] != t) continue;
		for (k = 0; k < r->nknobs; k++)
			if (!same_value(r, row, r->knob_col[k], &keys[k])) break;
		if (k == r->nknobs) return (long)row;
	}
	return -1;
}

static long task_lookup(char **tasks, size_t n, const char *name)
{
	size_t i;
	/* Traces hold tens of tasks; a linear scan per new row stays cheap
	 * because rows of a task are contiguous (last task checked first). */
	for (i = n; i-- > 0;)
		if (strcmp(tasks[i], name) == 0) return (long)i;
	return -1;
}

mph_replay *mph_replay_load_fp(FILE *fp, const char *name, const char *task, mph_error *err)
{
	mph_csv *c = mph_csv_open_fp(fp, name, err);
	mph_replay *r;
	size_t cap = 0, tcap = 0, i;
	int rc;

	if (c == NULL) return NULL;
	r = mph_calloc(1, sizeof *r);
	r->name = mph_strdup(name);
	r->ncols = mph_csv_ncols(c);
	r->header = mph_calloc(r->ncols, sizeof *r->header);
	for (i = 0; i < r->ncols; i++) r->header[i] = mph_strdup(mph_csv_header(c)[i]);
	r->task_col = mph_csv_col(c, "task");
	if (r->task_col < 0) {
		r->tasks = mph_calloc(1, sizeof *r->tasks);
		r->tasks[0] = mph_strdup("");
		r->ntasks = 1;
	}
	while ((rc = mph_csv_read(c, err)) == 1) {
		const char *const *f = mph_csv_fields(c);
		long t = 0;
		if (r->task_col >= 0) {
			const char *tn = f[r->task_col];
			if (task != NULL && strcmp(tn, task) != 0) continue;
			if ((t = task_lookup(r->tasks, r->ntasks, tn)) < 0) {
				if (r->ntasks == tcap) {
					tcap = tcap ? 2 * tcap : 16;
					r->tasks = mph_realloc(r->tasks, tcap * sizeof *r->tasks);
				}
				r->tasks[r->ntasks] = mph_strdup(tn);
				t = (long)r->ntasks++;
			}
		}
		if (r->nrows == cap) {
			cap = cap ? 2 * cap : 1024;
			r->row_task = mph_realloc(r->row_task, cap * sizeof *r->row_task);
			r->row_line = mph_realloc(r->row_line, cap * sizeof *r->row_line);
			r->cell = mph_realloc(r->cell, cap * r->ncols * sizeof *r->cell);
			r->num = mph_realloc(r->num, cap * r->ncols * sizeof *r->num);
		}
		r->row_task[r->nrows] = (size_t)t;
		r->row_line[r->nrows] = mph_csv_line(c);
		for (i = 0; i < r->ncols; i++) {
			size_t at = r->nrows * r->ncols + i;
			double x;
			r->cell[at] = mph_strdup(f[i]);
			r->num[at] = mph_parse_double(f[i], &x) == 0 ? x : NAN;
		}
		r->nrows++;
		/* text reads as text, but a number that is not finite is a broken
		 * measurement: replaying it would pass it on */
		for (i = 0; i < r->ncols; i++) {
			char *end;
			if (!isnan(r->num[(r->nrows - 1) * r->ncols + i]) || f[i][0] == '\0') continue;
			strtod(f[i], &end);
			if (*end == '\0') {
				mph_error_set(err, name, mph_csv_line(c), 0, "column '%s': not a finite number: '%.64s'",
				              r->header[i], f[i]);
				rc = -1;
				break;
			}
		}
		if (rc < 0) break;
	}
	mph_csv_close(c);
	if (rc < 0) {
		mph_replay_free(r);
		return NULL;
	}
	if (task != NULL && r->task_col < 0) {
		mph_error_set(err, name, 1, 0, "no 'task' column to select task '%s' from", task);
		mph_replay_free(r);
		return NULL;
	}
	if (task != NULL && r->nrows == 0) {
		mph_error_set(err, name, 0, 0, "no task '%s'", task);
		mph_replay_free(r);
		return NULL;
	}
	if (r->nrows == 0) {
		mph_error_set(err, name, 0, 0, "no rows after the header");
		mph_replay_free(r);
		return NULL;
	}
	return r;
}

mph_replay *mph_replay_load(const char *path, const char *task, mph_error *err)
{
	FILE *fp;
	mph_replay *r;
	int is_stdin = path == NULL || strcmp(path, "-") == 0;
	if (is_stdin) return mph_replay_load_fp(stdin, "<stdin>", task, err);
	if ((fp = fopen(path, "r")) == NULL) {
		mph_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	r = mph_replay_load_fp(fp, path, task, err);
	fclose(fp);
	return r;
}

static void drop_index(mph_replay *r)
{
	size_t k;
	free(r->knob_col); r->knob_col = NULL;
	free(r->measured_col); r->measured_col = NULL;
	free(r->slots); r->slots = NULL;
	for (k = 0; k < r->space_nknobs; k++) free(r->space_keys[k]);
	free(r->space_keys); r->space_keys = NULL;
	r->space_nknobs = r->nknobs = r->nmeasured = 0;
	r->mask = 0;
}

void mph_replay_free(mph_replay *r)
{
	size_t i;
	if (r == NULL) return;
	drop_index(r);
	for (i = 0; i < r->nrows * r->ncols; i++) free(r->cell[i]);
	for (i = 0; i < r->ncols; i++) free(r->header[i]);
	for (i = 0; i < r->ntasks; i++) free(r->tasks[i]);
	free(r->cell); free(r->num); free(r->header); free(r->tasks);
	free(r->row_task); free(r->row_line); free(r->name);
	free(r);
}

size_t mph_replay_ntasks(const mph_replay *r) { return r->ntasks; }
const char *mph_replay_task(const mph_replay *r, size_t t) { return r->tasks[t]; }
long mph_replay_task_index(const mph_replay *r, const char *name)
{
	return task_lookup(r->tasks, r->ntasks, name);
}
size_t mph_replay_nrows(const mph_replay *r) { return r->nrows; }
size_t mph_replay_ncols(const mph_replay *r) { return r->ncols; }
const char *mph_replay_col_name(const mph_replay *r, size_t col) { return r->header[col]; }
long mph_replay_col(const mph_replay *r, const char *name)
{
	size_t i;
	for (i = 0; i < r->ncols; i++)
		if (strcmp(r->header[i], name) == 0) return (long)i;
	return -1;
}
const char *mph_replay_str(const mph_replay *r, size_t row, size_t col)
{
	return r->cell[row * r->ncols + col];
}
double mph_replay_num(const mph_replay *r, size_t row, size_t col)
{
	return r->num[row * r->ncols + col];
}
size_t mph_replay_nknobs(const mph_replay *r) { return r->nknobs; }
size_t mph_replay_knob_col(const mph_replay *r, size_t k) { return r->knob_col[k]; }
size_t mph_replay_nmeasured(const mph_replay *r) { return r->nmeasured; }
size_t mph_replay_measured_col(const mph_replay *r, size_t j) { return r->measured_col[j]; }

int mph_replay_index(mph_replay *r, const char *const *knobs, size_t nknobs, mph_error *err)
{
	size_t i, k, size = 16;

	drop_index(r);
	r->knob_col = mph_calloc(nknobs, sizeof *r->knob_col);
	for (k = 0; k < nknobs; k++) {
		long c = mph_replay_col(r, knobs[k]);
		if (c < 0 || c == r->task_col) {
			mph_error_set(err, r->name, 1, 0, "trace has no column '%s'", knobs[k]);
			drop_index(r);
			return -1;
		}
		r->knob_col[k] = (size_t)c;
	}
	r->nknobs = nknobs;
	r->measured_col = mph_calloc(r->ncols, sizeof *r->measured_col);
	for (i = 0; i < r->ncols; i++) {
		if ((long)i == r->task_col) continue;
		for (k = 0; k < nknobs && r->knob_col[k] != i; k++) ;
		if (k == nknobs) r->measured_col[r->nmeasured++] = i;
	}
	while (size < 2 * r->nrows) size *= 2;
	r->slots = mph_calloc(size, sizeof *r->slots);
	r->mask = size - 1;
	for (i = 0; i < r->nrows; i++) {
		size_t s = row_hash(r, i) & r->mask;
		for (; r->slots[s] != 0; s = (s + 1) & r->mask) {
			size_t o = r->slots[s] - 1;
			if (r->row_task[o] != r->row_task[i]) continue;
			for (k = 0; k < nknobs; k++) {
				size_t c = r->knob_col[k];
				key_value kv;
				make_key(&kv, r->cell[i * r->ncols + c]);
				if (!same_value(r, o, c, &kv)) break;
			}
			if (k == nknobs) {
				mph_error_set(err, r->name, r->row_line[i], 0,
				              "duplicate configuration for task '%s' (lines %ld and %ld)",
				              r->tasks[r->row_task[i]], r->row_line[o], r->row_line[i]);
				drop_index(r);
				return -1;
			}
		}
		r->slots[s] = i + 1;
	}
	return 0;
}

int mph_replay_index_space(mph_replay *r, const mph_space *s, mph_error *err)
{
	size_t n = mph_space_nknobs(s), k, i;
	const char **names = mph_calloc(n, sizeof *names);
	int rc;

	for (k = 0; k < n; k++) names[k] = mph_space_knob_name(s, k);
	rc = mph_replay_index(r, names, n, err);
	free(names);
	if (rc < 0) return -1;
	r->space_keys = mph_calloc(n, sizeof *r->space_keys);
	r->space_nknobs = n;
	for (k = 0; k < n; k++) {
		size_t nv = mph_space_nvalues(s, k);
		r->space_keys[k] = mph_calloc(nv, sizeof **r->space_keys);
		for (i = 0; i < nv; i++) {
			key_value *kv = &r->space_keys[k][i];
			/* Keys point into s, which the caller keeps alive while
			 * it looks configurations up; a numeric knob compares by
			 * its number alone. */
			if (mph_space_knob_type(s, k) == MPH_KNOB_CATEGORICAL) {
				make_key(kv, mph_space_value_str(s, k, i));
			} else {
				kv->numeric = 1;
				kv->num = mph_space_value(s, k, i);
				kv->str = NULL;
				kv->hash = hash_value(1, kv->num, NULL);
			}
		}
	}
	return 0;
}

long mph_replay_find(const mph_replay *r, size_t t, const char *const *values)
{
	key_value keys[64], *kp = r->nknobs <= 64 ? keys : mph_malloc(r->nknobs * sizeof *kp);
	size_t k;
	long row;
	keys[0].hash = 0; /* quiets a false maybe-uninitialized for zero knobs */
	for (k = 0; k < r->nknobs; k++) make_key(&kp[k], values[k]);
	row = find_keys(r, t, kp);
	if (kp != keys) free(kp);
	return row;
}

long mph_replay_find_config(const mph_replay *r, size_t t, const size_t *idx)
{
	key_value keys[64], *kp;
	size_t k;
	long row;
	if (r->space_keys == NULL) return -1;
	keys[0].hash = 0;
	kp = r->nknobs <= 64 ? keys : mph_malloc(r->nknobs * sizeof *kp);
	for (k = 0; k < r->nknobs; k++) kp[k] = r->space_keys[k][idx[k]];
	row = find_keys(r, t, kp);
	if (kp != keys) free(kp);
	return row;
}

uint64_t mph_replay_row_key(const mph_replay *r, size_t row)
{
	const char *task = r->tasks[r->row_task[row]];
	uint64_t h = mph_hash64(task, strlen(task) + 1, 0);
	size_t k;
	for (k = 0; k < r->nknobs; k++) {
		const char *s = r->cell[row * r->ncols + r->knob_col[k]];
		h = mph_hash64(s, strlen(s) + 1, h);
	}
	return h;
}

void mph_noise_seed(mph_rng *g, uint64_t seed, uint64_t key)
{
	mph_rng_seed(g, combine(combine(0x6e6f697365ULL, seed), key));
}

double mph_noise_factor(mph_rng *g, double sd)
{
	double z = mph_rng_normal(g);
	return sd == 0.0 ? 1.0 : exp(sd * z);
}
