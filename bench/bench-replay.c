/* Replay lookups per second, in process (as mph-eval does them): a trace is
 * loaded and indexed once, then configurations drawn from it (seeded) are
 * looked up by their text (mph_replay_find) and, with a space, by value
 * indices (mph_replay_find_config).
 *
 *   bench-replay TRACE KNOB,... [SPACE|-] [N]
 * Prints one line per lookup kind: lookups, seconds (median of 5), rate. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mph.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median5(double *t)
{
	qsort(t, 5, sizeof *t, cmp_double);
	return t[2];
}

int main(int argc, char **argv)
{
	mph_error err;
	mph_replay *r;
	mph_space *s = NULL;
	mph_rng rng;
	size_t nk = 0, i, k, n = 1000000, nrows, *rows, *task;
	const char **knobs, ***vals;
	char *list;
	double t[5], t0;
	long hits = 0;
	int rep;

	if (argc < 3) {
		fputs("usage: bench-replay TRACE KNOB,... [SPACE|-] [N]\n", stderr);
		return 2;
	}
	if (argc > 4) n = strtoul(argv[4], NULL, 10);
	t0 = now();
	if ((r = mph_replay_load(argv[1], NULL, &err)) == NULL) goto fail;
	list = strdup(argv[2]);
	knobs = calloc(strlen(list) + 1, sizeof *knobs);
	for (char *p = strtok(list, ","); p; p = strtok(NULL, ",")) knobs[nk++] = p;
	if (mph_replay_index(r, knobs, nk, &err) < 0) goto fail;
	nrows = mph_replay_nrows(r);
	printf("bench-replay: %s: %zu rows, %zu tasks, loaded and indexed in %.3f s\n", argv[1],
	       nrows, mph_replay_ntasks(r), now() - t0);

	/* The probes: rows drawn with replacement, as their knob texts. */
	mph_rng_seed(&rng, 1);
	rows = malloc(n * sizeof *rows);
	task = malloc(n * sizeof *task);
	vals = malloc(n * sizeof *vals);
	for (i = 0; i < n; i++) {
		rows[i] = (size_t)mph_rng_below(&rng, nrows);
		vals[i] = malloc(nk * sizeof **vals);
		for (k = 0; k < nk; k++) vals[i][k] = mph_replay_str(r, rows[i], mph_replay_knob_col(r, k));
		/* the row's task, found by name as a caller would */
		task[i] = 0;
		if (mph_replay_col(r, "task") >= 0)
			task[i] = (size_t)mph_replay_task_index(r, mph_replay_str(r, rows[i], (size_t)mph_replay_col(r, "task")));
	}
	for (rep = 0; rep < 5; rep++) {
		hits = 0;
		t0 = now();
		for (i = 0; i < n; i++) hits += mph_replay_find(r, task[i], vals[i]) == (long)rows[i];
		t[rep] = now() - t0;
	}
	if ((size_t)hits != n) { fprintf(stderr, "bench-replay: %ld of %zu found\n", hits, n); return 1; }
	{
		double m = median5(t);
		printf("find (by text):        %zu lookups  %.4f s  %.3g lookups/s\n", n, m, n / m);
	}

	if (argc > 3 && strcmp(argv[3], "-") != 0) {
		size_t *idx;
		if ((s = mph_space_load(argv[3], &err)) == NULL) goto fail;
		if (mph_replay_index_space(r, s, &err) < 0) goto fail;
		nk = mph_space_nknobs(s);
		idx = malloc(n * nk * sizeof *idx);
		for (i = 0; i < n; i++) {
			for (k = 0; k < nk; k++) {
				const char *v = mph_replay_str(r, rows[i], mph_replay_knob_col(r, k));
				size_t j, nv = mph_space_nvalues(s, k);
				double x = atof(v);
				for (j = 0; j < nv; j++)
					if (strcmp(mph_space_value_str(s, k, j), v) == 0 ||
					    (mph_space_knob_type(s, k) != MPH_KNOB_CATEGORICAL && mph_space_value(s, k, j) == x))
						break;
				idx[i * nk + k] = j;
			}
		}
		for (rep = 0; rep < 5; rep++) {
			hits = 0;
			t0 = now();
			for (i = 0; i < n; i++) hits += mph_replay_find_config(r, task[i], idx + i * nk) == (long)rows[i];
			t[rep] = now() - t0;
		}
		if ((size_t)hits != n) { fprintf(stderr, "bench-replay: %ld of %zu found by config\n", hits, n); return 1; }
		{
			double m = median5(t);
			printf("find_config (indices): %zu lookups  %.4f s  %.3g lookups/s\n", n, m, n / m);
		}
		free(idx);
	}
	for (i = 0; i < n; i++) free(vals[i]);
	free(vals); free(rows); free(task); free(knobs); free(list);
	mph_space_free(s);
	mph_replay_free(r);
	return 0;
fail:
	fprintf(stderr, "bench-replay: %s\n", err.text);
	return 1;
}
