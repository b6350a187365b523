/* The report's drawing primitives: escaped text, scales, axes and a colour
 * scale, written as SVG text by hand. Written here rather than by gnuplot's
 * svg terminal so that the page's bytes depend only on the inputs (no
 * gnuplot version in them, no fonts or scripts it would reference), and every
 * data point is an element with a class a test can count. */
#include <math.h>
#include <string.h>
#include "report/report.h"

void mph_report_esc(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: putc(*s, fp);
		}
	}
}

char *mph_report_num(char *buf, double x)
{
	if (isnan(x)) strcpy(buf, "");
	else snprintf(buf, 32, "%.4g", x == 0 ? 0.0 : x); /* no "-0" */
	return buf;
}

double mph_report_sx(const mph_report_frame *f, double x)
{
	double span = f->x1 - f->x0;
	return f->left + (span > 0 ? (x - f->x0) / span : 0.5) * (f->w - f->left - f->right);
}

double mph_report_sy(const mph_report_frame *f, double y)
{
	double span = f->y1 - f->y0;
	return f->h - f->bottom - (span > 0 ? (y - f->y0) / span : 0.5) * (f->h - f->top - f->bottom);
}

void mph_report_svg_open(FILE *fp, const mph_report_frame *f, const char *id, const char *title)
{
	fprintf(fp, "<svg id=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n<title>",
	        id, f->w, f->h, f->w, f->h);
	mph_report_esc(fp, title);
	fputs("</title>\n", fp);
}

/* A round step that cuts [lo, hi] into about five. */
static double tick_step(double lo, double hi)
{
	double raw = (hi - lo) / 5, mag, norm;
	if (!(raw > 0)) return 1;
	mag = pow(10, floor(log10(raw)));
	norm = raw / mag;
	return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

static void frame_box(FILE *fp, const mph_report_frame *f)
{
	fprintf(fp, "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n", f->left, f->top,
	        f->w - f->left - f->right, f->h - f->top - f->bottom);
}

static void titles(FILE *fp, const mph_report_frame *f, const char *xlabel, const char *ylabel)
{
	fprintf(fp, "<text class=\"axis-title\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
	        f->left + (f->w - f->left - f->right) / 2.0, f->h - 6);
	mph_report_esc(fp, xlabel);
	fprintf(fp, "</text>\n<text class=\"axis-title\" transform=\"translate(14 %.1f) rotate(-90)\" "
	        "text-anchor=\"middle\">", f->top + (f->h - f->top - f->bottom) / 2.0);
	mph_report_esc(fp, ylabel);
	fputs("</text>\n", fp);
}

void mph_report_axes(FILE *fp, const mph_report_frame *f, const char *xlabel, const char *ylabel)
{
	double step, v;
	char buf[32];
	frame_box(fp, f);
	step = tick_step(f->x0, f->x1);
	if (f->whole_x && step < 1) step = 1;
	for (v = ceil(f->x0 / step - 1e-9) * step; v <= f->x1 + step * 1e-9; v += step) {
		double x = mph_report_sx(f, v);
		fprintf(fp, "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
		        "<text class=\"tick-label\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
		        x, f->h - f->bottom, x, f->h - f->bottom + 4, x, f->h - f->bottom + 16,
		        mph_report_num(buf, fabs(v) < step * 1e-9 ? 0 : v));
	}
	step = tick_step(f->y0, f->y1);
	for (v = ceil(f->y0 / step - 1e-9) * step; v <= f->y1 + step * 1e-9; v += step) {
		double y = mph_report_sy(f, v);
		fprintf(fp, "<line class=\"tick\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
		        "<text class=\"tick-label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
		        f->left - 4, y, f->left, y, f->left - 6, y + 4,
		        mph_report_num(buf, fabs(v) < step * 1e-9 ? 0 : v));
	}
	titles(fp, f, xlabel, ylabel);
}

void mph_report_knob_axes(FILE *fp, const mph_report_frame *f, const mph_space *s, long kx, long ky)
{
	size_t i, n = mph_space_nvalues(s, (size_t)kx);
	for (i = 0; i < n; i++) {
		fprintf(fp, "<text class=\"tick-label\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
		        mph_report_sx(f, (double)i), f->h - f->bottom + 16);
		mph_report_esc(fp, mph_space_value_str(s, (size_t)kx, i));
		fputs("</text>\n", fp);
	}
	n = ky >= 0 ? mph_space_nvalues(s, (size_t)ky) : 0;
	for (i = 0; i < n; i++) {
		fprintf(fp, "<text class=\"tick-label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
		        f->left - 6, mph_report_sy(f, (double)i) + 4);
		mph_report_esc(fp, mph_space_value_str(s, (size_t)ky, i));
		fputs("</text>\n", fp);
	}
	titles(fp, f, mph_space_knob_name(s, (size_t)kx), ky >= 0 ? mph_space_knob_name(s, (size_t)ky) : "");
}

void mph_report_color(double t, char *buf)
{
	/* viridis at five stops: ordered in lightness, readable without colour */
	static const unsigned char stop[5][3] = {
		{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
	double u;
	int i, c[3], j;
	if (!(t >= 0)) t = 0;
	if (t > 1) t = 1;
	u = t * 4;
	i = u >= 4 ? 3 : (int)u;
	u -= i;
	for (j = 0; j < 3; j++) c[j] = (int)lround(stop[i][j] + u * (stop[i + 1][j] - stop[i][j]));
	snprintf(buf, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}
