/* The stopping rule: when one more sample is not worth taking. It reads the
 * trials in order and the search's own view of what is left (the expected
 * improvement of its best open candidate), nothing else, so it is a pure
 * function of the trials file and a run resumed after a crash stops where an
 * uninterrupted one would. Why these two parts and these defaults:
 * examples/paper/TUNING.md, "the stopping rule". */
#include <math.h>
#include <stdio.h>
#include "search/search.h"

void mph_stop_opts_init(mph_stop_opts *o)
{
	o->ei = 0.003;
	o->patience = 10;
}

long mph_stop_best_age(const mph_history *h)
{
	size_t n = mph_history_n(h), i;
	double best = -INFINITY;
	long at = -1;
	for (i = 0; i < n; i++) {
		const mph_trial *t = mph_history_get(h, i);
		if (isfinite(t->utility) && t->utility > best) {
			best = t->utility;
			at = (long)i;
		}
	}
	return at < 0 ? -1 : (long)n - 1 - at;
}

int mph_stop_fires(const mph_stop_opts *o, long age, double ei)
{
	if (age < 0 || age < o->patience) return 0;
	return isnan(ei) || ei < o->ei;
}

int mph_stop_check(const mph_stop_opts *o, const mph_history *h, double ei, char *why, size_t size)
{
	long age = mph_stop_best_age(h);
	if (!mph_stop_fires(o, age, ei)) return 0;
	if (isnan(ei))
		snprintf(why, size, "the best trial is %ld samples old (patience %ld) after %zu trials", age,
		         o->patience, mph_history_n(h));
	else
		snprintf(why, size, "expected improvement %.3g%% of the best (below %.3g%%), the best trial %ld "
		         "samples old (patience %ld), after %zu trials", 100 * ei, 100 * o->ei, age, o->patience,
		         mph_history_n(h));
	return 1;
}
