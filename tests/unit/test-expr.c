/* Expressions: precedence, functions, text comparison, missing numbers,
 * binding and every syntax error's message and column. */
#include <string.h>
#include "space/space.h"
#include "unit.h"

static const char *names[] = { "cpu", "batch", "gpu_type", "p99_ms", "x.y" };
static mph_value slots[5];

static long resolve(void *ctx, const char *name)
{
	long i;
	(void)ctx;
	for (i = 0; i < 5; i++)
		if (strcmp(names[i], name) == 0) return i;
	return -1;
}

/* Parses, binds and evaluates; NaN also stands for a parse or bind failure,
 * which the caller tells apart through ok. */
static double ev(const char *text)
{
	mph_error err;
	mph_expr *e = mph_expr_parse(text, &err);
	double v;
	if (e == NULL) { fprintf(stderr, "parse '%s': %s\n", text, err.text); return -999; }
	if (mph_expr_bind(e, resolve, NULL, &err) < 0) { mph_expr_free(e); return -998; }
	v = mph_expr_eval(e, slots);
	mph_expr_free(e);
	return v;
}

static int syntax(const char *text, const char *msg, long col)
{
	mph_error err;
	mph_expr *e = mph_expr_parse(text, &err);
	int ok = e == NULL && strcmp(err.text, msg) == 0 && err.col == col && err.file[0] == '\0';
	if (!ok) fprintf(stderr, "'%s': got '%s' col %ld\n", text, e ? "(parsed)" : err.text, e ? 0 : err.col);
	mph_expr_free(e);
	return ok;
}

int main(void)
{
	mph_error err;
	mph_expr *e;

	slots[0] = (mph_value){ 4, "4" };
	slots[1] = (mph_value){ 64, "64" };
	slots[2] = (mph_value){ NAN, "T4" };
	slots[3] = (mph_value){ NAN, "" };   /* measured, but missing: an empty field */
	slots[4] = (mph_value){ 2.5, "2.5" };

	/* precedence and associativity */
	CHECK(ev("1 + 2 * 3") == 7);
	CHECK(ev("(1 + 2) * 3") == 9);
	CHECK(ev("10 - 4 - 3") == 3);
	CHECK(ev("64 / 4 / 2") == 8);
	CHECK(ev("-2 * -3") == 6);
	CHECK(ev("--2") == 2);
	CHECK(ev("2 - -1") == 3);
	CHECK(ev("1 < 2 && 3 > 4 || 1") == 1);
	CHECK(ev("1 || 0 && 0") == 1);      /* && binds tighter than || */
	CHECK(ev("!1 == 0") == 1);          /* ! is looser than comparisons: !(1 == 0) */
	CHECK(ev("!(1 == 1)") == 0);
	CHECK(ev("1.5e1 + .5") == 15.5);
	CHECK(ev("2E-1") == 0.2);
	CHECK(ev(" \t1\n+1 ") == 2);

	/* every comparison */
	CHECK(ev("1 < 2") == 1 && ev("2 < 2") == 0);
	CHECK(ev("2 <= 2") == 1 && ev("3 <= 2") == 0);
	CHECK(ev("3 > 2") == 1 && ev("2 > 2") == 0);
	CHECK(ev("2 >= 2") == 1 && ev("1 >= 2") == 0);
	CHECK(ev("2 == 2") == 1 && ev("2 != 2") == 0);

	/* functions */
	CHECK(ev("min(3, 5)") == 3 && ev("max(3, 5)") == 5);
	CHECK_NEAR(ev("log(exp(2))"), 2, 1e-12);
	CHECK(ev("log2(64)") == 6);
	CHECK(ev("abs(-3)") == 3);
	CHECK(ev("max(min(1, 2), -abs(-4))") == 1);

	/* variables, with dots in names */
	CHECK(ev("cpu * 2 >= batch / 32") == 1);
	CHECK(ev("cpu * 16 < batch") == 0);
	CHECK(ev("x.y * 2") == 5);
	CHECK(ev("log2(batch) + cpu") == 10);

	/* text comparison */
	CHECK(ev("gpu_type == \"T4\"") == 1);
	CHECK(ev("gpu_type == 'V100'") == 0);
	CHECK(ev("gpu_type != 'V100'") == 1);
	CHECK(ev("'M60' < gpu_type") == 1);
	CHECK(ev("batch == '64'") == 1);    /* a number compared with text compares its text */
	CHECK(ev("gpu_type == 'T4' && cpu >= 2") == 1);
	CHECK(ev("'a' == 'a'") == 1);

	/* a missing number makes the result unknown unless the logic settles it */
	CHECK(isnan(ev("p99_ms <= 1000")));
	CHECK(isnan(ev("p99_ms + 1")));
	CHECK(isnan(ev("!(p99_ms <= 1000)")));
	CHECK(isnan(ev("gpu_type + 1")));
	CHECK(isnan(ev("gpu_type > 3 + 1")));   /* text against a number: unknown */
	CHECK(ev("p99_ms == gpu_type") == 0);    /* two texts compare as text */
	CHECK(ev("p99_ms == ''") == 1);          /* but a literal asks for text */
	CHECK(ev("0 && p99_ms <= 1000") == 0);
	CHECK(ev("p99_ms <= 1000 && 0") == 0);
	CHECK(ev("1 || p99_ms <= 1000") == 1);
	CHECK(ev("p99_ms <= 1000 || 1") == 1);
	CHECK(isnan(ev("p99_ms <= 1000 || 0")));
	CHECK(isnan(ev("min(p99_ms, 1)")));
	CHECK(isnan(ev("'text'")));

	/* names and binding */
	e = mph_expr_parse("cpu + batch * cpu > gpu_mem", &err);
	CHECK(e != NULL);
	CHECK(mph_expr_nnames(e) == 3);
	CHECK(strcmp(mph_expr_name(e, 0), "cpu") == 0);
	CHECK(strcmp(mph_expr_name(e, 2), "gpu_mem") == 0);
	CHECK(mph_expr_slot(e, 0) == -1);
	CHECK(strcmp(mph_expr_text(e), "cpu + batch * cpu > gpu_mem") == 0);
	CHECK(mph_expr_bind(e, resolve, NULL, &err) == -1);
	CHECK(strcmp(err.text, "unknown name 'gpu_mem'") == 0);
	CHECK(err.col == 21);
	CHECK(isnan(mph_expr_eval(e, slots)));   /* unbound names are missing */
	mph_expr_free(e);
	CHECK(ev("cpu + nope") == -998);
	mph_expr_free(NULL);

	/* syntax errors, with 1-based columns */
	CHECK(syntax("(cpu + 1", "expected ')' at column 9", 9));
	CHECK(syntax("min(cpu, 1", "expected ')' at column 11", 11));
	CHECK(syntax("(cpu + 1 2)", "expected ')' at column 10", 10));
	CHECK(syntax("", "empty expression", 0));
	CHECK(syntax("   ", "empty expression", 0));
	CHECK(syntax("cpu +", "unexpected end of expression at column 6", 6));
	CHECK(syntax("cpu batch", "unexpected 'batch' at column 5", 5));
	CHECK(syntax("cpu + * 2", "unexpected '*' at column 7", 7));
	CHECK(syntax("cpu)", "unmatched ')' at column 4", 4));
	CHECK(syntax("cpu = 2", "unexpected '=' (use '==') at column 5", 5));
	CHECK(syntax("a & b", "unexpected '&' (use '&&') at column 3", 3));
	CHECK(syntax("a | b", "unexpected '|' (use '||') at column 3", 3));
	CHECK(syntax("cpu # 2", "unexpected character '#' at column 5", 5));
	CHECK(syntax("cpu \x01", "unexpected character byte 0x01 at column 5", 5));
	CHECK(syntax("gpu_type == 'T4", "unterminated string at column 13", 13));
	CHECK(syntax("1 < cpu < 3", "comparisons do not chain (use '&&') at column 9", 9));
	CHECK(syntax("sqrt(4)", "unknown function 'sqrt' at column 1", 1));
	CHECK(syntax("1 + min(1)", "min() takes 2 arguments, not 1 at column 5", 5));
	CHECK(syntax("log(1, 2)", "log() takes 1 argument, not 2 at column 1", 1));
	CHECK(syntax("abs()", "abs() takes 1 argument, not 0 at column 1", 1));
	CHECK(syntax("1e999", "number out of range '1e999' at column 1", 1));
	CHECK(syntax("1 + !cpu", "unexpected '!' at column 5", 5));
	{
		/* Nesting deep enough to threaten the stack is refused, not crashed on. */
		char deep[2001];
		memset(deep, '(', 1000);
		memset(deep + 1000, ')', 1000);
		deep[2000] = '\0';
		e = mph_expr_parse(deep, &err);
		CHECK(e == NULL && strcmp(err.text, "expression nested too deeply at column 257") == 0);
		memset(deep, '-', 1000);
		deep[1000] = '1';
		deep[1001] = '\0';
		e = mph_expr_parse(deep, &err);
		CHECK(e == NULL && strstr(err.text, "nested too deeply") != NULL);
		memcpy(deep, "((1))", 6);
		CHECK(ev(deep) == 1);
	}
	return UNIT_DONE();
}
