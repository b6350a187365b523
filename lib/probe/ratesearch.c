/* Peak-rate search under a latency SLO.
 *
 * An open-loop step offered more than the service can do still tells how much
 * it did: the answers completed per second while overloaded are close to its
 * capacity. mph_rate_search uses that to aim its next step just below that
 * throughput and then just above the best passing rate, which closes a 5 %
 * bracket in about two steps where plain bisection of a doubling bracket
 * needs four or five. Where the hint is useless (a latency-bound SLO, an
 * erroring service) it falls back to geometric bisection. */
#include <math.h>
#include <string.h>
#include "probe/probe.h"

void mph_rate_opts_init(mph_rate_opts *o)
{
	memset(o, 0, sizeof *o);
	o->slo_ms = 1000;
	o->max_error = 0.01;
	o->tolerance = 0.05;
	o->start_rate = 10;
	o->min_rate = 1;
	o->max_rate = 1e6;
	o->max_seconds = 120;
	o->max_steps = 30;
}

int mph_rate_step_passes(const mph_rate_opts *o, const mph_load_result *r)
{
	double lat = o->use_mean ? r->mean_ms : r->pctl_ms;
	return r->ok > 0 && r->error_rate < o->max_error && lat <= o->slo_ms && !r->stopped;
}

typedef struct {
	const mph_rate_opts *o;
	mph_rate_step_fn step;
	void *ctx;
	mph_rate_result *res;
	double t0;
	double lowest_tried;
} search;

/* Runs one step and files it; returns 1 pass, 0 fail, -1 error, -2 out of budget. */
static int run_step(search *s, double rate, mph_load_result *r, mph_error *err)
{
	const mph_rate_opts *o = s->o;
	int pass;
	if (s->res->steps >= o->max_steps) return -2;
	if (mph_now() - s->t0 + o->step_seconds > o->max_seconds && s->res->steps > 0) return -2;
	if (s->step(s->ctx, rate, r, err) < 0) return -1;
	s->res->steps++;
	pass = mph_rate_step_passes(o, r);
	if (pass) {
		if (rate > s->res->peak) {
			s->res->peak = rate;
			s->res->best = *r;
		}
	} else {
		if (s->res->fail_rate == 0 || rate < s->res->fail_rate) s->res->fail_rate = rate;
		if (s->res->peak == 0 && (s->lowest_tried == 0 || rate < s->lowest_tried))
			s->res->best = *r;
	}
	if (s->lowest_tried == 0 || rate < s->lowest_tried) s->lowest_tried = rate;
	return pass;
}

static int closed(const mph_rate_opts *o, const mph_rate_result *res)
{
	return res->peak > 0 && res->fail_rate > 0 && res->fail_rate <= res->peak * (1 + o->tolerance);
}

static int check_opts(const mph_rate_opts *o, mph_error *err)
{
	if (!(o->slo_ms > 0) || !(o->tolerance > 0) || !(o->start_rate > 0) || !(o->min_rate > 0) ||
	    !(o->max_rate >= o->start_rate) || o->max_steps < 1 || !(o->max_seconds > 0))
		return mph_error_set(err, "", 0, 0, "rate search: invalid options");
	return 0;
}

static int search_common(const mph_rate_opts *o, mph_rate_step_fn step, void *ctx,
                         mph_rate_result *res, mph_error *err, int guided)
{
	search s = { o, step, ctx, res, mph_now(), 0 };
	mph_load_result r;
	double rate = o->start_rate, hint = 0;
	int pass, guided_passes = 0, aimed = 0; /* aimed: 1 below a hint, 2 just above lo */

	memset(res, 0, sizeof *res);
	if (check_opts(o, err) < 0) return -1;
	for (;;) {
		pass = run_step(&s, rate, &r, err);
		if (pass == -1) return -1;
		if (pass == -2 || r.stopped) break;
		if (closed(o, res)) { res->converged = 1; break; }
		if (pass && rate >= o->max_rate) { res->converged = 1; break; }
		if (!pass && rate <= o->min_rate) { res->converged = 1; break; }
		/* A lower rate cannot fix a service that fails every request, nor
		 * one whose fastest answer is too slow while it keeps up. */
		if (!pass && r.ok == 0 && r.errors > 0 && r.errors + r.timeouts >= r.scheduled) break;
		if (!pass && r.ok > 0 && r.min_ms > o->slo_ms && r.rps >= rate * (1 - o->tolerance) &&
		    res->peak == 0)
			break; /* (after a passing step, a backlog left by an overloaded one can do this) */
		/* Throughput under overload: a capacity estimate, if it is one. */
		hint = !pass && guided && r.rps > 0 && r.rps < rate * (1 - o->tolerance) ? r.rps : 0;
		if (res->fail_rate == 0) {
			/* Not 4x, though the hint would bring it back: on one
			 * machine a far overloaded step starves the service of
			 * CPU and its throughput then understates the capacity. */
			rate = fmin(rate * 2, o->max_rate);
			continue;
		}
		if (res->peak == 0) {
			double next = hint > 0 ? hint * (1 - o->tolerance) : rate / 2;
			aimed = hint > 0;
			if (next >= res->fail_rate) { next = res->fail_rate / 2; aimed = 0; }
			rate = fmax(next, o->min_rate);
			continue;
		}
		{
			double lo = res->peak, hi = res->fail_rate;
			/* Morphling bisects arithmetically; ours geometrically, as rates span decades. */
			double next = guided ? sqrt(lo * hi) : (lo + hi) / 2;
			if (guided) {
				/* below: a whole tolerance under, as a service run that close
				 * to its capacity queues up on any hiccup */
				double below = hint * (1 - o->tolerance), above = lo * (1 + o->tolerance * 0.95);
				int was = aimed;
				aimed = 0;
				if (hint > 0 && below > lo * (1 + o->tolerance / 4)) {
					next = below;          /* just under the throughput it managed */
					aimed = 1;
				} else if (hint > 0 || (pass && was == 1)) {
					next = above;          /* the capacity is near lo: close from above */
					aimed = 2;
				} else if (pass && was == 2 && guided_passes < 2) {
					guided_passes++;       /* above passed too: once or twice more */
					next = above;
					aimed = 2;
				}
				if (!(next > lo && next < hi)) { next = sqrt(lo * hi); aimed = 0; }
			}
			rate = next;
		}
	}
	res->seconds = mph_now() - s.t0;
	return 0;
}

int mph_rate_search(const mph_rate_opts *o, mph_rate_step_fn step, void *ctx,
                    mph_rate_result *res, mph_error *err)
{
	return search_common(o, step, ctx, res, err, 1);
}

int mph_rate_search_doubling(const mph_rate_opts *o, mph_rate_step_fn step, void *ctx,
                             mph_rate_result *res, mph_error *err)
{
	return search_common(o, step, ctx, res, err, 0);
}
