/* Numbers as they cross file boundaries (C locale, finite, round-trip
 * printing) and the FNV-1a hash used for digests and noise keys. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/core.h"

int mph_parse_double(const char *s, double *out)
{
	char *end;
	double x;
	if (s == NULL || *s == '\0' || *s == ' ' || *s == '\t') return -1;
	/* strtod also reads C99 hex floats (0x10 is 16), which no file format
	 * here means: decimal only */
	if (strpbrk(s, "xX") != NULL) return -1;
	errno = 0;
	x = strtod(s, &end);
	if (*end != '\0' || end == s) return -1;
	if (!isfinite(x)) return -1;
	if (errno == ERANGE && fabs(x) > 1.0) return -1; /* overflow; underflow to 0 is fine */
	*out = x;
	return 0;
}

int mph_parse_long(const char *s, long *out)
{
	char *end;
	long x;
	if (s == NULL || *s == '\0' || *s == ' ' || *s == '\t') return -1;
	errno = 0;
	x = strtol(s, &end, 10);
	if (*end != '\0' || end == s || errno == ERANGE) return -1;
	*out = x;
	return 0;
}

char *mph_fmt_double(char *buf, double x)
{
	int prec;
	if (x == 0.0) x = 0.0; /* no "-0" */
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, x);
		if (strtod(buf, NULL) == x) break;
	}
	return buf;
}

double mph_round12(double x)
{
	char buf[40];
	if (!isfinite(x)) return x;
	snprintf(buf, sizeof buf, "%.12g", x);
	return strtod(buf, NULL);
}

uint64_t mph_hash64(const void *data, size_t n, uint64_t h)
{
	const unsigned char *p = data;
	size_t i;
	if (h == 0) h = 1469598103934665603ULL;
	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}
