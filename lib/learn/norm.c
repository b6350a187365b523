/* Per-task target normalisation: services differ by orders of magnitude in
 * the metric, so models learn the shape of a surface with its scale taken
 * out, by the same rule in meta-training and in adaptation. */
#include <math.h>
#include <string.h>
#include "learn/learn.h"

mph_norm mph_norm_fit(mph_norm_kind kind, const double *y, size_t n)
{
	mph_norm nm = {0.0, 1.0};
	size_t i;
	if (n == 0 || kind == MPH_NORM_NONE) return nm;
	if (kind == MPH_NORM_MAX) {
		double mx = y[0];
		for (i = 1; i < n; i++)
			if (y[i] > mx) mx = y[i];
		/* All failed (or all non-positive): nothing to scale by. */
		if (mx > 0.0 && isfinite(mx)) nm.scale = mx;
	} else {
		double mean = 0.0, ss = 0.0;
		for (i = 0; i < n; i++) mean += y[i];
		mean /= (double)n;
		for (i = 0; i < n; i++) ss += (y[i] - mean) * (y[i] - mean);
		nm.shift = mean;
		if (n > 1 && ss > 0.0) nm.scale = sqrt(ss / (double)(n - 1));
	}
	return nm;
}

void mph_norm_apply(const mph_norm *nm, const double *y, size_t n, double *z)
{
	size_t i;
	for (i = 0; i < n; i++) z[i] = (y[i] - nm->shift) / nm->scale;
}

void mph_norm_invert(const mph_norm *nm, const double *z, size_t n, double *y)
{
	size_t i;
	for (i = 0; i < n; i++) y[i] = z[i] * nm->scale + nm->shift;
}

static const char *const norm_names[] = {"none", "max", "zscore"};

const char *mph_norm_name(mph_norm_kind kind)
{
	return (unsigned)kind < 3 ? norm_names[kind] : "?";
}

int mph_norm_parse(const char *name, mph_norm_kind *kind)
{
	int i;
	for (i = 0; i < 3; i++)
		if (strcmp(name, norm_names[i]) == 0) {
			*kind = (mph_norm_kind)i;
			return 0;
		}
	return -1;
}
