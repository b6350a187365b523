/* The report page: one HTML file, its plots inline SVG, its style inline, no
 * script, and a Content-Security-Policy that forbids loading anything, so it
 * opens the same from a mail, a CI artefact or a laptop offline. Every data
 * point is an element of class "pt" (plus what it is: init, fail, front,
 * cell, pred, rep), so a test can count what a plot holds. */
#include <math.h>
#include <string.h>
#include "report/report.h"

static const char style[] =
	"body{font:14px/1.4 sans-serif;margin:2em auto;max-width:70em;color:#222;padding:0 1em}\n"
	"h1{font-size:1.5em}h3{font-size:1em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\n"
	"table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 8px;border-bottom:1px solid #eee;"
	"text-align:right}th{background:#f4f4f4}td.text,th.text{text-align:left}\n"
	"tr.chosen td{font-weight:bold}tr.excluded td{color:#999}\n"
	".plots{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}.plots>div{max-width:32em}\n"
	"svg{font-size:11px;overflow:visible}.frame{fill:none;stroke:#888}.tick{stroke:#888}\n"
	".grid{stroke:#eee}.axis-title{font-size:12px}\n"
	"circle.pt{fill:#3b528b;stroke:#fff;stroke-width:.5}circle.pt.init{fill:#e08214}\n"
	"path.pt.fail{stroke:#c00;stroke-width:1.5;fill:none}circle.pt.fail{fill:#fff;stroke:#c00}\n"
	"circle.pt.front{fill:#21918c;stroke:#000}circle.pt.rep{fill:#3b528b}\n"
	".best-line{fill:none;stroke:#21918c;stroke-width:2}.front-line{fill:none;stroke:#21918c}\n"
	".path{fill:none;stroke:#999;stroke-width:1}.divider{stroke:#e08214;stroke-dasharray:4 3}\n"
	"rect.empty{fill:#f4f4f4;stroke:#fff}rect.pt{stroke:#fff}rect.chosen-cell{fill:none;stroke:#c00;"
	"stroke-width:2}\n.spread{fill:#dde6f2}.median{stroke:#21918c;stroke-width:2}\n"
	".label{font-size:9px;fill:#555}.note{color:#555}\n";

static void esc(FILE *fp, const char *s) { mph_report_esc(fp, s); }

static const char *knob_value(const mph_report *r, const mph_report_trial *t, size_t k)
{
	return mph_space_value_str(r->s, k, t->idx[k]);
}

/* "cpu=2, batch=8": a configuration as titles and captions show it. */
static void config_text(FILE *fp, const mph_report *r, const mph_report_trial *t)
{
	size_t k, nk = mph_space_nknobs(r->s);
	for (k = 0; k < nk; k++) {
		if (k) fputs(", ", fp);
		esc(fp, mph_space_knob_name(r->s, k));
		putc('=', fp);
		esc(fp, knob_value(r, t, k));
	}
}

static int valid(const mph_report_trial *t) { return !isnan(t->res.score); }

/* Why a trial has no score. */
static void why_not(FILE *fp, const mph_report *r, const mph_report_trial *t)
{
	if (t->failed) { fputs("status ", fp); esc(fp, t->status); }
	else if (t->violated >= 0) { fputs("violates ", fp); esc(fp, mph_objective_constraint(r->o, (size_t)t->violated)); }
}

static void trial_title(FILE *fp, const mph_report *r, const mph_report_trial *t)
{
	char buf[32];
	fputs("<title>trial ", fp);
	esc(fp, t->label);
	fputs(t->initial ? " (initial design): " : ": ", fp);
	config_text(fp, r, t);
	fputs(": ", fp);
	if (valid(t)) { esc(fp, mph_objective_name(r->o)); fprintf(fp, " %s", mph_report_num(buf, t->res.score)); }
	else why_not(fp, r, t);
	fputs("</title>", fp);
}

/* A point: a circle, or for a trial without a score a cross. */
static void point(FILE *fp, double x, double y, const char *cls, int cross)
{
	if (cross)
		fprintf(fp, "<path class=\"pt %s\" d=\"M%.1f %.1fl6 6m0 -6l-6 6\">", cls, x - 3, y - 3);
	else
		fprintf(fp, "<circle class=\"pt%s%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\">", *cls ? " " : "", cls, x, y);
}
static void point_end(FILE *fp, int cross) { fputs(cross ? "</path>\n" : "</circle>\n", fp); }

/* The range of the valid scores, padded; [0, 1] without any. */
static void score_range(const mph_report *r, double *lo, double *hi)
{
	size_t i;
	*lo = INFINITY;
	*hi = -INFINITY;
	for (i = 0; i < r->nt; i++)
		if (valid(&r->t[i])) {
			if (r->t[i].res.score < *lo) *lo = r->t[i].res.score;
			if (r->t[i].res.score > *hi) *hi = r->t[i].res.score;
		}
	if (*lo > *hi) { *lo = 0; *hi = 1; }
	if (*hi == *lo) { *lo -= 0.5 * fabs(*lo) + 0.5; *hi += 0.5 * fabs(*hi) + 0.5; }
	else { double pad = 0.06 * (*hi - *lo); *lo -= pad; *hi += pad; }
}

static void best_so_far(FILE *fp, const mph_report *r)
{
	mph_report_frame f = {640, 300, 60, 20, 16, 40, 0.5, r->nt + 0.5, 0, 1, 1};
	double best = NAN;
	size_t i, ninit = 0;
	int started = 0;
	score_range(r, &f.y0, &f.y1);
	mph_report_svg_open(fp, &f, "best", "best so far against trials");
	mph_report_axes(fp, &f, "trial", mph_objective_name(r->o));
	for (i = 0; i < r->nt && r->t[i].initial; i++) ninit++;
	if (ninit > 0 && ninit < r->nt) {
		double x = mph_report_sx(&f, ninit + 0.5);
		fprintf(fp, "<line class=\"divider\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
		        "<text class=\"label\" x=\"%.1f\" y=\"%d\">initial design | search</text>\n",
		        x, f.top, x, f.h - f.bottom, x - 50, f.top - 4);
	}
	fputs("<path class=\"best-line\" d=\"", fp);
	for (i = 0; i < r->nt; i++) {
		const mph_report_trial *t = &r->t[i];
		double x = mph_report_sx(&f, i + 1.0);
		if (valid(t) && (isnan(best) || t->res.utility > mph_objective_utility(r->o, best))) {
			best = t->res.score;
			if (started) fprintf(fp, "H%.1fV%.1f", x, mph_report_sy(&f, best));
			else fprintf(fp, "M%.1f %.1f", x, mph_report_sy(&f, best));
			started = 1;
		}
	}
	if (started) fprintf(fp, "H%.1f", mph_report_sx(&f, (double)r->nt));
	fputs("\"/>\n", fp);
	for (i = 0; i < r->nt; i++) {
		const mph_report_trial *t = &r->t[i];
		int cross = !valid(t);
		double y = cross ? f.h - f.bottom - 4 : mph_report_sy(&f, t->res.score);
		point(fp, mph_report_sx(&f, i + 1.0), y, cross ? "fail" : t->initial ? "init" : "", cross);
		trial_title(fp, r, t);
		point_end(fp, cross);
	}
	fputs("</svg>\n", fp);
}

/* The cell of a trial in the knob grid. */
static size_t cell_of(const mph_report *r, const mph_report_trial *t, size_t ny)
{
	return t->idx[r->kx] * ny + (r->ky >= 0 ? t->idx[r->ky] : 0);
}

static mph_report_frame grid_frame(const mph_report *r, size_t nx, size_t ny)
{
	int cw = nx > 12 ? 480 / (int)nx : 40, ch = ny > 10 ? 320 / (int)ny : 32;
	mph_report_frame f = {0, 0, 70, 16, 10, 40, -0.5, nx - 0.5, -0.5, ny - 0.5, 0};
	(void)r;
	if (cw < 8) cw = 8;
	if (ch < 8) ch = 8;
	f.w = f.left + f.right + cw * (int)nx;
	f.h = f.top + f.bottom + ch * (int)ny;
	return f;
}

static void cells(FILE *fp, const mph_report *r, const mph_report_frame *f, const double *v,
                  const size_t *count, size_t nx, size_t ny, double lo, double hi, const char *cls)
{
	size_t i, j;
	double cw = mph_report_sx(f, 1) - mph_report_sx(f, 0), ch = mph_report_sy(f, 0) - mph_report_sy(f, 1);
	char col[8], buf[32];
	for (i = 0; i < nx; i++)
		for (j = 0; j < ny; j++) {
			double x = v[i * ny + j];
			fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" ",
			        mph_report_sx(f, i - 0.5), mph_report_sy(f, j + 0.5), cw, ch);
			if (isnan(x)) fputs("class=\"empty\">", fp);
			else {
				double u = mph_objective_utility(r->o, x);
				double ulo = mph_objective_utility(r->o, lo), uhi = mph_objective_utility(r->o, hi);
				if (ulo > uhi) { double t = ulo; ulo = uhi; uhi = t; }
				mph_report_color(uhi > ulo ? (u - ulo) / (uhi - ulo) : 1, col);
				fprintf(fp, "class=\"pt %s\" fill=\"%s\">", cls, col);
			}
			fputs("<title>", fp);
			esc(fp, mph_space_knob_name(r->s, (size_t)r->kx));
			putc('=', fp);
			esc(fp, mph_space_value_str(r->s, (size_t)r->kx, i));
			if (r->ky >= 0) {
				fputs(", ", fp);
				esc(fp, mph_space_knob_name(r->s, (size_t)r->ky));
				putc('=', fp);
				esc(fp, mph_space_value_str(r->s, (size_t)r->ky, j));
			}
			fputs(": ", fp);
			if (isnan(x)) fputs(count ? "not measured" : "no feasible configuration", fp);
			else {
				fprintf(fp, "%s %s", count ? "best measured" : "best predicted", mph_report_num(buf, x));
				if (count) fprintf(fp, " (%zu trials)", count[i * ny + j]);
			}
			fputs("</title></rect>\n", fp);
		}
}

static void heat_maps(FILE *fp, const mph_report *r)
{
	size_t nx = mph_space_nvalues(r->s, (size_t)r->kx), ny = r->ky >= 0 ? mph_space_nvalues(r->s, (size_t)r->ky) : 1;
	double *v = mph_malloc(nx * ny * sizeof *v), lo = NAN, hi = NAN;
	size_t *count = mph_calloc(nx * ny, sizeof *count), i;
	mph_report_frame f = grid_frame(r, nx, ny);
	char a[32], b[32];
	for (i = 0; i < nx * ny; i++) v[i] = NAN;
	for (i = 0; i < r->nt; i++) {
		const mph_report_trial *t = &r->t[i];
		size_t c = cell_of(r, t, ny);
		if (!valid(t)) continue;
		count[c]++;
		if (isnan(v[c]) || t->res.utility > mph_objective_utility(r->o, v[c])) v[c] = t->res.score;
	}
	/* One colour scale for both maps, so equal colours mean equal scores. */
	for (i = 0; i < 2 * nx * ny; i++) {
		double x = i < nx * ny ? v[i] : r->pred ? r->pred[i - nx * ny] : NAN;
		if (isnan(x)) continue;
		if (isnan(lo) || mph_objective_utility(r->o, x) < mph_objective_utility(r->o, lo)) lo = x;
		if (isnan(hi) || mph_objective_utility(r->o, x) > mph_objective_utility(r->o, hi)) hi = x;
	}
	fputs("<div class=\"plots\"><div><h3>Measured</h3>\n", fp);
	mph_report_svg_open(fp, &f, "heat", "measured objective");
	cells(fp, r, &f, v, count, nx, ny, lo, hi, "cell");
	if (r->nranked > 0) {
		const mph_report_trial *t = &r->t[r->c[r->ranked[0]].first];
		double cw = mph_report_sx(&f, 1) - mph_report_sx(&f, 0), ch = mph_report_sy(&f, 0) - mph_report_sy(&f, 1);
		fprintf(fp, "<rect class=\"chosen-cell\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
		        mph_report_sx(&f, t->idx[r->kx] - 0.5),
		        mph_report_sy(&f, (r->ky >= 0 ? (double)t->idx[r->ky] : 0) + 0.5), cw, ch);
	}
	mph_report_knob_axes(fp, &f, r->s, r->kx, r->ky);
	fputs("</svg>\n<p class=\"note\">Measured: the best trial in each cell (other knobs at any value); "
	      "the chosen configuration's cell outlined.</p></div>\n", fp);
	if (r->pred) {
		fputs("<div><h3>Predicted by the adapted model</h3>\n", fp);
		mph_report_svg_open(fp, &f, "pred", "predicted objective");
		cells(fp, r, &f, r->pred, NULL, nx, ny, lo, hi, "pred");
		mph_report_knob_axes(fp, &f, r->s, r->kx, r->ky);
		fprintf(fp, "</svg>\n<p class=\"note\">Predicted by the model adapted to these trials: the best of "
		        "the %zu configurations of the space in each cell.</p></div>\n", r->npred_configs);
	}
	fputs("</div>\n", fp);
	fputs("<p class=\"note\">Colour: ", fp);
	esc(fp, mph_objective_name(r->o));
	fprintf(fp, " from %s (dark) to %s (bright); grey: none.</p>\n", mph_report_num(a, lo), mph_report_num(b, hi));
	free(v);
	free(count);
}

static void search_path(FILE *fp, const mph_report *r)
{
	size_t nx = mph_space_nvalues(r->s, (size_t)r->kx), ny = r->ky >= 0 ? mph_space_nvalues(r->s, (size_t)r->ky) : 1;
	size_t *visits = mph_calloc(nx * ny, sizeof *visits), i;
	double *px = mph_malloc(r->nt * sizeof *px), *py = mph_malloc(r->nt * sizeof *py);
	mph_report_frame f = grid_frame(r, nx, ny);
	for (i = 0; i < r->nt; i++) {
		const mph_report_trial *t = &r->t[i];
		size_t c = cell_of(r, t, ny), v = visits[c]++;
		/* Later visits to a cell spiral out from its centre (a golden angle
		 * apart), so repeated and neighbouring trials stay apart. */
		double rad = v ? 4.0 * sqrt((double)v) : 0, ang = 2.39996 * (double)v;
		px[i] = mph_report_sx(&f, (double)t->idx[r->kx]) + rad * cos(ang);
		py[i] = mph_report_sy(&f, r->ky >= 0 ? (double)t->idx[r->ky] : 0) + rad * sin(ang);
	}
	mph_report_svg_open(fp, &f, "path", "search path");
	for (i = 0; i < nx; i++)
		fprintf(fp, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n",
		        mph_report_sx(&f, (double)i), f.top, mph_report_sx(&f, (double)i), f.h - f.bottom);
	for (i = 0; i < ny; i++)
		fprintf(fp, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n",
		        f.left, mph_report_sy(&f, (double)i), f.w - f.right, mph_report_sy(&f, (double)i));
	fputs("<polyline class=\"path\" points=\"", fp);
	for (i = 0; i < r->nt; i++) fprintf(fp, "%s%.1f,%.1f", i ? " " : "", px[i], py[i]);
	fputs("\"/>\n", fp);
	for (i = 0; i < r->nt; i++) {
		const mph_report_trial *t = &r->t[i];
		point(fp, px[i], py[i], !valid(t) ? "fail" : t->initial ? "init" : "", 0);
		trial_title(fp, r, t);
		point_end(fp, 0);
		fprintf(fp, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\">", px[i] + 4, py[i] - 3);
		esc(fp, t->label);
		fputs("</text>\n", fp);
	}
	mph_report_knob_axes(fp, &f, r->s, r->kx, r->ky);
	fputs("</svg>\n", fp);
	free(visits);
	free(px);
	free(py);
}

static const mph_report_config *ranked(const mph_report *r, size_t i) { return &r->c[r->ranked[i]]; }

static void pareto(FILE *fp, const mph_report *r)
{
	mph_report_frame f = {640, 320, 60, 20, 16, 40, 0, 1, 0, 1, 0};
	size_t i, j, *order;
	int started = 0;
	char buf[32], buf2[32];
	if (!mph_objective_has_cost(r->o)) {
		fputs("<p>The objective has no cost model: there is no cost to trade the metric against.</p>\n", fp);
		return;
	}
	if (r->nranked == 0) { fputs("<p>No trial ran and met the constraints.</p>\n", fp); return; }
	f.x0 = f.y0 = INFINITY;
	f.x1 = f.y1 = -INFINITY;
	for (i = 0; i < r->nranked; i++) {
		const mph_report_config *c = ranked(r, i);
		f.x0 = fmin(f.x0, c->res.cost); f.x1 = fmax(f.x1, c->res.cost);
		f.y0 = fmin(f.y0, c->median); f.y1 = fmax(f.y1, c->median);
	}
	{
		double px = f.x1 > f.x0 ? 0.06 * (f.x1 - f.x0) : 0.5 * fabs(f.x0) + 0.5;
		double py = f.y1 > f.y0 ? 0.06 * (f.y1 - f.y0) : 0.5 * fabs(f.y0) + 0.5;
		f.x0 -= px; f.x1 += px; f.y0 -= py; f.y1 += py;
	}
	mph_report_svg_open(fp, &f, "pareto", "metric against cost");
	mph_report_axes(fp, &f, "cost", mph_objective_metric(r->o));
	/* The front from the cheapest: a step down the better metric. */
	order = mph_malloc(r->nranked * sizeof *order);
	for (i = j = 0; i < r->nranked; i++)
		if (ranked(r, i)->front) order[j++] = r->ranked[i];
	for (i = 1; i < j; i++) {
		size_t k = i, v = order[i];
		while (k > 0 && r->c[order[k - 1]].res.cost > r->c[v].res.cost) { order[k] = order[k - 1]; k--; }
		order[k] = v;
	}
	fputs("<path class=\"front-line\" d=\"", fp);
	for (i = 0; i < j; i++) {
		const mph_report_config *c = &r->c[order[i]];
		double x = mph_report_sx(&f, c->res.cost), y = mph_report_sy(&f, c->median);
		if (started) fprintf(fp, "H%.1fV%.1f", x, y);
		else fprintf(fp, "M%.1f %.1f", x, y);
		started = 1;
	}
	fputs("\"/>\n", fp);
	free(order);
	for (i = 0; i < r->nranked; i++) {
		const mph_report_config *c = ranked(r, i);
		point(fp, mph_report_sx(&f, c->res.cost), mph_report_sy(&f, c->median), c->front ? "front" : "", 0);
		fprintf(fp, "<title>rank %ld: ", c->rank);
		config_text(fp, r, &r->t[c->first]);
		fprintf(fp, ": cost %s, ", mph_report_num(buf, c->res.cost));
		esc(fp, mph_objective_metric(r->o));
		fprintf(fp, " %s%s</title>", mph_report_num(buf2, c->median), c->front ? " (Pareto front)" : "");
		point_end(fp, 0);
	}
	fputs("</svg>\n<p class=\"note\">One point a configuration (its median when measured more than once); "
	      "the Pareto front, where nothing costs less and measures better, joined.</p>\n", fp);
}

static void chosen(FILE *fp, const mph_report *r)
{
	const mph_report_config *c;
	const mph_report_trial *first;
	size_t i, k, nk = mph_space_nknobs(r->s), n;
	char buf[32];
	if (r->nranked == 0) {
		fputs("<p>None: no trial ran and met the constraints.</p>\n", fp);
		return;
	}
	c = ranked(r, 0);
	first = &r->t[c->first];
	fputs("<table id=\"choice\"><tr>", fp);
	for (k = 0; k < nk; k++) { fputs("<th class=\"text\">", fp); esc(fp, mph_space_knob_name(r->s, k)); fputs("</th>", fp); }
	fputs("<th>", fp);
	esc(fp, mph_objective_metric(r->o));
	fputs("</th><th>repeats</th><th>min</th><th>max</th><th>cost</th><th>", fp);
	esc(fp, mph_objective_name(r->o));
	fputs("</th></tr>\n<tr class=\"chosen\">", fp);
	for (k = 0; k < nk; k++) { fputs("<td class=\"text\">", fp); esc(fp, knob_value(r, first, k)); fputs("</td>", fp); }
	fprintf(fp, "<td>%s</td><td>%zu</td>", mph_report_num(buf, c->median), c->nvalid);
	fprintf(fp, "<td>%s</td>", mph_report_num(buf, c->min));
	fprintf(fp, "<td>%s</td>", mph_report_num(buf, c->max));
	fprintf(fp, "<td>%s</td>", mph_report_num(buf, c->res.cost));
	fprintf(fp, "<td>%s</td></tr></table>\n", mph_report_num(buf, c->res.score));
	if (r->raced)
		fprintf(fp, "<p class=\"note\">Chosen by the race between the %zu configurations whose first "
		        "measurement was best (mph-pick --race %zu,%zu,%s): the leader on the mean of its "
		        "measurements.</p>\n", r->race.top, r->race.top, r->race.most, mph_report_num(buf, r->race.z));
	else
		fputs("<p class=\"note\">Chosen on the median of its measurements (mph-pick --median).</p>\n", fp);
	{
		mph_report_frame f = {360, 200, 60, 20, 16, 40, 0.5, c->nvalid + 0.5, 0, 1, 1};
		double pad = c->max > c->min ? 0.1 * (c->max - c->min) : 0.5 * fabs(c->median) + 0.5;
		f.y0 = c->min - pad;
		f.y1 = c->max + pad;
		mph_report_svg_open(fp, &f, "repeats", "the chosen configuration's measurements");
		fprintf(fp, "<rect class=\"spread\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"/>\n", f.left,
		        mph_report_sy(&f, c->max), f.w - f.left - f.right, mph_report_sy(&f, c->min) - mph_report_sy(&f, c->max));
		fprintf(fp, "<line class=\"median\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n", f.left,
		        mph_report_sy(&f, c->median), f.w - f.right, mph_report_sy(&f, c->median));
		mph_report_axes(fp, &f, "measurement", mph_objective_metric(r->o));
		for (i = c->first, n = 0; i < r->nt; i++) {
			const mph_report_trial *t = &r->t[i];
			if (t->config != (size_t)(c - r->c) || !valid(t)) continue;
			n++;
			point(fp, mph_report_sx(&f, (double)n), mph_report_sy(&f, t->res.metric), "rep", 0);
			fprintf(fp, "<title>trial ");
			esc(fp, t->label);
			fputs(": ", fp);
			esc(fp, mph_objective_metric(r->o));
			fprintf(fp, " %s</title>", mph_report_num(buf, t->res.metric));
			point_end(fp, 0);
		}
		fputs("</svg>\n", fp);
	}
	fputs("<table id=\"repeat-rows\"><tr><th>trial</th><th>", fp);
	esc(fp, mph_objective_metric(r->o));
	fputs("</th><th class=\"text\">status</th></tr>\n", fp);
	for (i = c->first; i < r->nt; i++) {
		const mph_report_trial *t = &r->t[i];
		if (t->config != (size_t)(c - r->c)) continue;
		fputs("<tr><td>", fp);
		esc(fp, t->label);
		fprintf(fp, "</td><td>%s</td><td class=\"text\">", mph_report_num(buf, t->res.metric));
		if (valid(t)) fputs("ok", fp);
		else why_not(fp, r, t);
		fputs("</td></tr>\n", fp);
	}
	fprintf(fp, "</table>\n<p class=\"note\">Measured %zu time%s: median %s", c->nrows, c->nrows == 1 ? "" : "s",
	        mph_report_num(buf, c->median));
	fprintf(fp, ", from %s", mph_report_num(buf, c->min));
	fprintf(fp, " to %s", mph_report_num(buf, c->max));
	if (c->median != 0 && c->nvalid > 1) fprintf(fp, " (spread %.1f %% of the median)", 100 * (c->max - c->min) / fabs(c->median));
	fputs(". The shaded band is the range, the line the median.</p>\n", fp);
}

static void table(FILE *fp, const mph_report *r)
{
	size_t nk = mph_space_nknobs(r->s), i, j, k;
	char buf[32];
	fputs("<table id=\"ranked\"><tr><th>rank</th>", fp);
	for (k = 0; k < nk; k++) { fputs("<th class=\"text\">", fp); esc(fp, mph_space_knob_name(r->s, k)); fputs("</th>", fp); }
	fputs("<th>", fp);
	esc(fp, mph_objective_metric(r->o));
	fputs("</th><th>repeats</th><th>min</th><th>max</th><th>cost</th><th>", fp);
	esc(fp, mph_objective_name(r->o));
	fputs("</th><th class=\"text\">trials</th><th class=\"text\">note</th></tr>\n", fp);
	/* The ranked ones, then the rest in the order first measured. */
	for (j = 0; j < r->nc; j++) {
		size_t ci = j < r->nranked ? r->ranked[j] : 0;
		const mph_report_config *c;
		if (j >= r->nranked) {
			size_t skip = j - r->nranked;
			for (ci = 0; ci < r->nc; ci++)
				if (r->c[ci].rank == 0 && skip-- == 0) break;
		}
		c = &r->c[ci];
		fprintf(fp, "<tr class=\"row%s\"><td>", c->rank == 1 ? " chosen" : c->rank == 0 ? " excluded" : "");
		if (c->rank > 0) fprintf(fp, "%ld", c->rank);
		fputs("</td>", fp);
		for (k = 0; k < nk; k++) {
			fputs("<td class=\"text\">", fp);
			esc(fp, knob_value(r, &r->t[c->first], k));
			fputs("</td>", fp);
		}
		fprintf(fp, "<td>%s</td><td>%zu</td>", mph_report_num(buf, c->median), c->nvalid);
		fprintf(fp, "<td>%s</td>", c->nvalid > 1 ? mph_report_num(buf, c->min) : "");
		fprintf(fp, "<td>%s</td>", c->nvalid > 1 ? mph_report_num(buf, c->max) : "");
		fprintf(fp, "<td>%s</td>", mph_report_num(buf, c->res.cost));
		fprintf(fp, "<td>%s</td><td class=\"text\">", mph_report_num(buf, c->res.score));
		for (i = c->first, k = 0; i < r->nt; i++)
			if (r->t[i].config == ci) { if (k++) fputs(" ", fp); esc(fp, r->t[i].label); }
		fputs("</td><td class=\"text\">", fp);
		if (c->front) fputs("Pareto front", fp);
		if (c->rank == 0) why_not(fp, r, &r->t[c->first]);
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

static void stop(FILE *fp, const mph_report *r)
{
	size_t n;
	if (!r->stop) {
		fputs("<p id=\"stop\">Not recorded (no --stop file): the run may not have finished.</p>\n", fp);
		return;
	}
	/* stop.txt is "budget|rule|exhausted: message". */
	n = strcspn(r->stop, ":");
	fputs("<p id=\"stop\"><b>", fp);
	if (r->stop[n] == ':') {
		char *kind = mph_strdup(r->stop);
		kind[n] = '\0';
		esc(fp, kind);
		free(kind);
		fputs("</b>:", fp);
		esc(fp, r->stop + n + 1);
	} else {
		esc(fp, r->stop);
		fputs("</b>", fp);
	}
	fputs("</p>\n", fp);
}

int mph_report_write_html(const mph_report *r, const mph_report_names *names, FILE *fp, mph_error *err)
{
	size_t i, nfailed = 0, nviolated = 0, ninit = 0, nrep = 0;
	char size[MPH_SPACE_COUNT_DIGITS + 2];
	const char *title = names && names->title ? names->title : r->name;
	for (i = 0; i < r->nt; i++) {
		nfailed += r->t[i].failed;
		nviolated += r->t[i].violated >= 0;
		ninit += r->t[i].initial;
	}
	for (i = 0; i < r->nc; i++) nrep += r->c[i].nrows > 1;
	if (mph_space_count(r->s, size, sizeof size, NULL) != 0) strcpy(size, "many");
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	      "<title>mph report: ", fp);
	esc(fp, title);
	fprintf(fp, "</title>\n<style>\n%s</style></head><body>\n<h1>mph report: ", style);
	esc(fp, title);
	fputs("</h1>\n<p>Trials <code>", fp);
	esc(fp, r->name);
	fputs("</code>", fp);
	if (names && names->space) { fputs(", space <code>", fp); esc(fp, names->space); fputs("</code>", fp); }
	if (names && names->objective) { fputs(", objective <code>", fp); esc(fp, names->objective); fputs("</code>", fp); }
	if (names && names->model) { fputs(", model <code>", fp); esc(fp, names->model); fputs("</code>", fp); }
	fprintf(fp, ".</p>\n<p id=\"summary\">%zu trials (%zu of the initial design), %zu configurations of the "
	        "space's %s (%zu measured more than once); %zu failed, %zu violated a constraint.</p>\n",
	        r->nt, ninit, r->nc, size, nrep, nfailed, nviolated);
	fputs("<h2>Why the run stopped</h2>\n", fp);
	stop(fp, r);
	fputs("<h2>The chosen configuration</h2>\n", fp);
	chosen(fp, r);
	fputs("<h2>Best so far</h2>\n", fp);
	best_so_far(fp, r);
	fputs("<p class=\"note\">Each trial's ", fp);
	esc(fp, mph_objective_name(r->o));
	fputs(" in the order measured (orange: the initial design; red crosses: failed or violating a "
	      "constraint), and the best so far.</p>\n<h2>The objective over ", fp);
	esc(fp, mph_space_knob_name(r->s, (size_t)r->kx));
	if (r->ky >= 0) { fputs(" and ", fp); esc(fp, mph_space_knob_name(r->s, (size_t)r->ky)); }
	fputs("</h2>\n", fp);
	heat_maps(fp, r);
	fputs("<h2>The search path</h2>\n", fp);
	search_path(fp, r);
	fputs("<p class=\"note\">The trials in the order measured, numbered, over the same knobs.</p>\n", fp);
	fputs("<h2>Metric against cost</h2>\n", fp);
	pareto(fp, r);
	fputs("<h2>Ranked configurations</h2>\n", fp);
	table(fp, r);
	fprintf(fp, "<p class=\"note\">Made by mph-report %s.</p>\n</body></html>\n", MPH_VERSION);
	if (ferror(fp)) return mph_error_set(err, "", 0, 0, "write error");
	return 0;
}
