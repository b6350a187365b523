/* Minimal C unit test harness: CHECK records a failure and goes on; main
 * returns non-zero if any check failed. Run through tests/unit.bats. */
#ifndef MPH_UNIT_H
#define MPH_UNIT_H
#include <math.h>
#include <stdio.h>
static int unit_failures, unit_checks;
#define CHECK(cond) do { unit_checks++; if (!(cond)) { unit_failures++; \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_NEAR(a, b, tol) do { double a_ = (a), b_ = (b); unit_checks++; \
	if (!(fabs(a_ - b_) <= (tol))) { unit_failures++; \
	fprintf(stderr, "%s:%d: %s = %.17g, expected %.17g (tol %g)\n", __FILE__, __LINE__, #a, a_, b_, (double)(tol)); } } while (0)
#define UNIT_DONE() (fprintf(stderr, "%d checks, %d failed\n", unit_checks, unit_failures), unit_failures != 0)
#endif
