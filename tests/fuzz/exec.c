/* Fuzz target: what mph-probe --exec reads from a command's output
 * (mph_exec_parse_output: `name=value` lines, or one JSON object), parsed
 * into one result twice (the last value printed wins), every name looked up
 * again. */
#include "fuzz.h"
#include "probe/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mph_error err;
	mph_exec_result r;
	char *text = fuzz_string(data, size);
	size_t i, n1;
	memset(&r, 0, sizeof r);
	if (mph_exec_parse_output(text, &r, &err) != 0) {
		fuzz_check_error(&err, "mph_exec_parse_output");
		if (r.n != 0) fuzz_fail("a failed parse kept measurements", NULL);
	} else {
		n1 = r.n;
		if (mph_exec_parse_output(text, &r, &err) != 0) fuzz_fail("the second parse failed", err.text);
		if (r.n != n1) fuzz_fail("parsing twice added names", NULL);
		for (i = 0; i < r.n; i++) {
			if (r.names[i] == NULL || r.values[i] == NULL) fuzz_fail("a NULL measurement", NULL);
			if (mph_exec_result_get(&r, r.names[i]) != r.values[i]) fuzz_fail("lookup by name", r.names[i]);
		}
	}
	mph_exec_result_clear(&r);
	free(text);
	return 0;
}
