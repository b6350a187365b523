/* Fuzz target: the CSV reader as every tool reads it. The first byte picks
 * the reader, the rest is the file:
 *   0 the reader itself: header, every record, every field as a number, and
 *     the records written back (mph_csv_write_row) must read back the same
 *   1 trials scored by an objective (mph_history_load: mph-suggest, mph-pick)
 *   2 trials with a metric column (mph_history_load_metric: mph-adapt)
 *   3 a trace (mph_trace_load: mph-metatrain, mph-eval)
 *   4 candidates (mph_candidates_read: mph-suggest), each scored
 *   5 a trace to replay (mph_replay_load_fp: mph-probe --replay)
 *   6 a space derived from a trace (mph_space_from_trace: mph-space -t),
 *     whose canonical JSON must load again
 * The space and objective are fixed: those of tests/fixtures/eval, with a
 * constraint each. */
#include "fuzz.h"
#include "space/space.h"
#include "learn/learn.h"
#include "probe/probe.h"

static const char SPACE[] =
	"{\"knobs\": [{\"name\": \"cpu\", \"type\": \"int\", \"range\": [1, 4], \"step\": 1},"
	" {\"name\": \"batch\", \"type\": \"ordinal\", \"values\": [1, 2, 4, 8], \"log\": true},"
	" {\"name\": \"gpu\", \"type\": \"categorical\", \"values\": [\"a\", \"b\"]}],"
	" \"constraints\": [\"cpu * batch <= 16 || gpu == 'b'\"]}";
static const char OBJECTIVE[] =
	"{\"metric\": \"rps\", \"direction\": \"max\", \"score\": \"metric_per_cost\","
	" \"cost\": {\"base\": 0.2, \"terms\": [{\"knob\": \"cpu\", \"price\": 0.05},"
	" {\"price_by\": \"gpu\", \"prices\": {\"a\": 0.4, \"b\": 1.0}}]},"
	" \"constraints\": [\"p99_ms <= 500\"]}";

static mph_space *space;
static mph_objective *objective;

static void setup(void)
{
	mph_error err;
	json_t *j;
	if (space) return;
	j = fuzz_json(SPACE);
	if ((space = mph_space_from_json(j, "space", &err)) == NULL) fuzz_fail("built-in space", err.text);
	json_decref(j);
	j = fuzz_json(OBJECTIVE);
	if ((objective = mph_objective_from_json(j, "objective", &err)) == NULL) fuzz_fail("built-in objective", err.text);
	json_decref(j);
}

/* Reads every record; with out, writes header and records there. */
static int read_all(mph_csv *c, FILE *out, mph_error *err)
{
	size_t n = mph_csv_ncols(c), i;
	const char *const *h = mph_csv_header(c);
	int rc;
	for (i = 0; i < n; i++)
		if (mph_csv_col(c, h[i]) != (long)i) fuzz_fail("mph_csv_col does not find a header name", h[i]);
	if (out) mph_csv_write_row(out, h, n);
	while ((rc = mph_csv_read(c, err)) == 1) {
		const char *const *f = mph_csv_fields(c);
		for (i = 0; i < n; i++) {
			double x;
			mph_error e2;
			if (f[i] == NULL) fuzz_fail("a field of a record read is NULL", NULL);
			if (mph_csv_double(c, i, &x, &e2) != 0) fuzz_check_error(&e2, "mph_csv_double");
		}
		if (mph_csv_line(c) < 1) fuzz_fail("a record without a line", NULL);
		if (out) mph_csv_write_row(out, f, n);
	}
	if (rc < 0) fuzz_check_error(err, "mph_csv_read");
	return rc;
}

static void reader(const uint8_t *data, size_t size)
{
	mph_error err;
	FILE *fp = fuzz_stream(data, size), *out;
	char *text = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	mph_csv *c = mph_csv_open_fp(fp, "in", &err);
	int rc;
	if (c == NULL) { fuzz_check_error(&err, "mph_csv_open_fp"); fclose(fp); return; }
	out = open_memstream(&text, &len);
	rc = read_all(c, out, &err);
	mph_csv_close(c);
	fclose(fp);
	fclose(out);
	if (rc == 0) {
		/* what was read, written, reads back as the same records */
		fp = fuzz_stream((const uint8_t *)text, len);
		c = mph_csv_open_fp(fp, "again", &err);
		if (c == NULL) fuzz_fail("written CSV does not read back", err.text);
		out = open_memstream(&again, &len2);
		if (read_all(c, out, &err) != 0) fuzz_fail("written CSV does not read back", err.text);
		mph_csv_close(c);
		fclose(fp);
		fclose(out);
		if (len != len2 || memcmp(text, again, len) != 0) fuzz_fail("CSV written and read back differs", NULL);
		free(again);
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mph_error err;
	unsigned mode;
	if (size < 1) return 0;
	setup();
	mode = data[0] % 7;
	data++, size--;
	memset(&err, 0, sizeof err);
	switch (mode) {
	case 0:
		reader(data, size);
		break;
	case 1: {
		mph_history *h = mph_history_load(fuzz_path(data, size), space, objective, 0, &err);
		if (h == NULL) fuzz_check_error(&err, "mph_history_load");
		mph_history_free(h);
		break;
	}
	case 2: {
		uint64_t digest;
		mph_history *h = mph_history_load_metric(fuzz_path(data, size), space, "rps", 0, &digest, &err);
		if (h == NULL) fuzz_check_error(&err, "mph_history_load_metric");
		mph_history_free(h);
		break;
	}
	case 3: {
		mph_trace *t = mph_trace_load(fuzz_path(data, size), space, "rps", 0, &err);
		if (t == NULL) fuzz_check_error(&err, "mph_trace_load");
		else if (mph_trace_ntasks(t) == 0) fuzz_fail("a trace loaded without a task", NULL);
		mph_trace_free(t);
		break;
	}
	case 4: {
		FILE *fp = fuzz_stream(data, size);
		mph_csv *c = mph_csv_open_fp(fp, "candidates", &err);
		mph_candidates *cand = c ? mph_candidates_read(c, space, objective, &err) : NULL;
		if (cand == NULL) fuzz_check_error(&err, "mph_candidates_read");
		else {
			size_t i;
			for (i = 0; i < mph_candidates_n(cand); i++) {
				mph_objective_result r;
				mph_error e2;
				if (mph_candidates_score(cand, i, 100.0, &r, &e2) != 0) fuzz_check_error(&e2, "mph_candidates_score");
			}
		}
		mph_candidates_free(cand);
		mph_csv_close(c);
		fclose(fp);
		break;
	}
	case 5: {
		FILE *fp = fuzz_stream(data, size);
		mph_replay *r = mph_replay_load_fp(fp, "trace", NULL, &err);
		if (r == NULL) fuzz_check_error(&err, "mph_replay_load_fp");
		mph_replay_free(r);
		fclose(fp);
		break;
	}
	case 6: {
		FILE *fp = fuzz_stream(data, size);
		mph_csv *c = mph_csv_open_fp(fp, "trace", &err);
		mph_space *s = c ? mph_space_from_trace(c, NULL, 0, NULL, 0, &err) : NULL;
		if (s == NULL) fuzz_check_error(&err, "mph_space_from_trace");
		else {
			json_t *j = mph_space_to_json(s);
			mph_space *s2 = mph_space_from_json(j, "canonical", &err);
			if (s2 == NULL) fuzz_fail("a derived space's canonical JSON does not load", err.text);
			if (mph_space_digest(s2) != mph_space_digest(s)) fuzz_fail("a derived space reloads differently", NULL);
			mph_space_free(s2);
			json_decref(j);
		}
		mph_space_free(s);
		mph_csv_close(c);
		fclose(fp);
		break;
	}
	}
	return 0;
}
