/* Core utilities: number round-trips, rng determinism, linear algebra. */
#include <string.h>
#include "core/core.h"
#include "unit.h"

int main(void)
{
	char buf[32];
	double x, a[9] = {4, 2, 0.4, 2, 5, 1, 0.4, 1, 3}, b[3] = {1, 2, 3}, c[3];
	mph_rng r1, r2;
	int i;

	CHECK(strcmp(mph_fmt_double(buf, 0.1), "0.1") == 0);
	CHECK(strcmp(mph_fmt_double(buf, 1.0 / 3.0), "0.3333333333333333") == 0);
	CHECK(strcmp(mph_fmt_double(buf, -0.0), "0") == 0);
	CHECK(mph_parse_double("1e3", &x) == 0 && x == 1000.0);
	CHECK(mph_parse_double("nan", &x) == -1);
	CHECK(mph_parse_double("inf", &x) == -1);
	/* hex floats are no decimal number (issue 12): 0x10 is not 16 */
	CHECK(mph_parse_double("0x10", &x) == -1);
	CHECK(mph_parse_double("0X1p4", &x) == -1);
	CHECK(mph_parse_double("-0x1", &x) == -1);
	CHECK(mph_parse_double("1e999", &x) == -1);
	CHECK(mph_parse_double("12abc", &x) == -1);
	CHECK(mph_parse_double("", &x) == -1);

	mph_rng_seed(&r1, 42); mph_rng_seed(&r2, 42);
	for (i = 0; i < 100; i++) CHECK(mph_rng_u64(&r1) == mph_rng_u64(&r2));
	for (i = 0; i < 1000; i++) { double u = mph_rng_uniform(&r1); CHECK(u >= 0 && u < 1); }
	for (i = 0; i < 1000; i++) CHECK(mph_rng_below(&r1, 7) < 7);

	/* Solve A c = b through Cholesky and check the residual. */
	memcpy(c, b, sizeof b);
	{
		double l[9];
		memcpy(l, a, sizeof a);
		CHECK(mph_cholesky(3, l, 3) == 0);
		mph_cholesky_solve(3, 1, l, 3, c, 1);
		for (i = 0; i < 3; i++)
			CHECK_NEAR(a[3 * i] * c[0] + a[3 * i + 1] * c[1] + a[3 * i + 2] * c[2], b[i], 1e-12);
	}
	{
		double m[4] = {1, 2, 3, 4}, n[4] = {5, 6, 7, 8}, p[4];
		mph_gemm(0, 1, 2, 2, 2, 1.0, m, 2, n, 2, 0.0, p, 2); /* m * n^T */
		CHECK_NEAR(p[0], 17, 0); CHECK_NEAR(p[1], 23, 0);
		CHECK_NEAR(p[2], 39, 0); CHECK_NEAR(p[3], 53, 0);
	}
	{
		double np[4] = {1, 2, 2, 1}; /* indefinite */
		CHECK(mph_cholesky(2, np, 2) == -1);
	}
	return UNIT_DONE();
}
