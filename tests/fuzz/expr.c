/* Fuzz target: the constraint expression parser (mph_expr_parse: the
 * "constraints" of spaces and objectives), then binding every name to a slot
 * and evaluating on numbers, on text and on missing values. */
#include "fuzz.h"
#include "space/space.h"

static long resolve(void *ctx, const char *name)
{
	const mph_expr *e = ctx;
	size_t i;
	for (i = 0; i < mph_expr_nnames(e); i++)
		if (strcmp(mph_expr_name(e, i), name) == 0) return (long)i;
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mph_error err;
	char *text = fuzz_string(data, size);
	mph_expr *e = mph_expr_parse(text, &err);
	size_t n, i;
	mph_value *slots;
	static const mph_value kinds[] = {
		{1.5, "1.5"}, {0, "0"}, {-3, "-3"}, {1e308, "1e308"}, {__builtin_nan(""), "a"},
		{__builtin_nan(""), NULL}, {__builtin_inf(), NULL}, {4, "4"},
	};
	if (e == NULL) { fuzz_check_error(&err, "mph_expr_parse"); free(text); return 0; }
	if (strcmp(mph_expr_text(e), text) != 0) fuzz_fail("the expression's text differs", NULL);
	n = mph_expr_nnames(e);
	for (i = 0; i < n; i++) if (mph_expr_slot(e, i) != -1) fuzz_fail("a slot before binding", NULL);
	if (mph_expr_bind(e, resolve, e, &err) != 0) fuzz_fail("binding known names failed", err.text);
	slots = calloc(n ? n : 1, sizeof *slots);
	for (size_t round = 0; round < sizeof kinds / sizeof *kinds; round++) {
		for (i = 0; i < n; i++) slots[i] = kinds[(round + i) % (sizeof kinds / sizeof *kinds)];
		(void)mph_expr_eval(e, slots);
	}
	free(slots);
	mph_expr_free(e);
	free(text);
	return 0;
}
