/* report/report.h: libmph's private header for the report layer: a tuning
 * run read back from its trials file, and drawn as one self-contained HTML
 * page with inline SVG. Not installed; the library's files and the unit tests
 * include it. What the tools call is in mph.h. */
#ifndef MPH_REPORT_H
#define MPH_REPORT_H
#include "mph.h"
#include "space/space.h"
#include "eval/eval.h"

/* One row of the trials file, in file order (the order trials finished). */
typedef struct {
	long line;                /* in the trials file */
	char *label;              /* the `trial` column, else the row number from 1 */
	size_t *idx;              /* nknobs value indices */
	uint64_t id;              /* mph_space_config_id */
	char *status;
	int failed;               /* mph_status_failed */
	int initial;              /* one of the leading rows of the initial design */
	mph_objective_result res; /* score NaN when failed or a constraint was violated */
	long violated;            /* the constraint, -1 if none (or failed) */
	size_t config;            /* index into the configurations */
} mph_report_trial;

/* A configuration with all its rows: measured several times, it is judged by
 * the median of its metric over the rows that ran and met the constraints. */
typedef struct {
	size_t first;             /* its first trial */
	size_t nrows, nvalid;     /* rows; rows that ran and met the constraints */
	double median, min, max;  /* of the metric over the valid rows */
	mph_objective_result res; /* at the median; score NaN when nvalid is 0 */
	long rank;                /* 1-based, 0 when it has no valid row */
	int front;                /* on the Pareto front of cost and metric */
} mph_report_config;

struct mph_report {
	const mph_space *s;
	const mph_objective *o;
	char *name;                      /* the trials file, for the page */
	mph_report_trial *t;
	size_t nt;
	mph_report_config *c;
	size_t nc;
	size_t *ranked, nranked;         /* configurations with a valid row, best first */
	long kx, ky;                     /* the two knobs drawn; ky -1 with one knob */
	char *stop;                      /* the stop file's line, NULL without one */
	double *pred;                    /* nvalues(kx) x nvalues(ky): best predicted score, NaN none */
	size_t npred_configs;            /* configurations the model scored */
	int raced;                       /* the choice is the race's leader (mph_report_set_race) */
	mph_race_opts race;
};

/* ---- SVG and HTML pieces (lib/report/svg.c) ---- */
/* Text with &, <, >, " and ' escaped: all a page shows from its inputs. */
void mph_report_esc(FILE *fp, const char *s);
/* A number as labels show it: at most 4 significant digits. */
char *mph_report_num(char *buf, double x);

/* A plot's data window inside its SVG. Ordered axes place values at
 * positions 0..n-1 of a knob's value list, so a categorical knob and a
 * power-of-two batch both get evenly spaced columns. */
typedef struct {
	int w, h;                /* the SVG's size */
	int left, right, top, bottom; /* margins */
	double x0, x1, y0, y1;   /* data range */
	int whole_x;             /* x counts things: whole-number ticks only */
} mph_report_frame;
double mph_report_sx(const mph_report_frame *f, double x);
double mph_report_sy(const mph_report_frame *f, double y);
/* Opens <svg> with id and an accessible title. */
void mph_report_svg_open(FILE *fp, const mph_report_frame *f, const char *id, const char *title);
/* Numeric axes with about five ticks each, and the axis titles. */
void mph_report_axes(FILE *fp, const mph_report_frame *f, const char *xlabel, const char *ylabel);
/* Axes whose ticks are knob k's values at positions 0..n-1 (y: k may be -1). */
void mph_report_knob_axes(FILE *fp, const mph_report_frame *f, const mph_space *s, long kx, long ky);
/* A colour of the sequential scale at t in [0, 1], as #rrggbb (8 bytes). */
void mph_report_color(double t, char *buf);

#endif
