/* CSV reading over libcsv, turned from its push callbacks into a pull reader
 * that knows on which line each record starts, so that every message can
 * name it. Input is fed to libcsv a physical line at a time (a long line in
 * pieces of at most PIECE bytes, so that memory stays bounded whatever the
 * input): a record ends at a line end, so the line count at a record's first
 * byte is its line. */
#include <math.h>
#include <csv.h>
#include <errno.h>
#include <string.h>
#include "io/io.h"

#define PIECE 65536
/* Columns a header may have: a bound on the memory a runaway line can take
 * before its record ends. */
#define MAX_COLS 65536

typedef struct {
	char **f;
	size_t n, m;
	size_t extra;       /* fields past the header's count: counted, not kept */
	long line;
} record;

struct mph_csv {
	FILE *fp;
	int own_fp;
	char *name;
	struct csv_parser p;
	char buf[PIECE];    /* the piece being fed */
	long lineno;        /* physical lines begun so far */
	int mid_line;       /* the last piece did not end a line */
	int at_start;       /* next byte fed starts a record */
	int eof, bom_checked;
	record build;       /* record being assembled by the callbacks */
	record *queue;      /* completed records not yet handed out */
	size_t qhead, qlen, qcap;
	record cur;         /* the current record */
	char **header;
	size_t ncols;
	int too_long;       /* a field exceeded MPH_CSV_MAX_FIELD */
	int too_wide;       /* the header has more than MAX_COLS fields */
};

static void record_clear(record *r)
{
	size_t i;
	for (i = 0; i < r->n; i++) free(r->f[i]);
	r->n = r->extra = 0;
}

static void on_field(void *s, size_t len, void *data)
{
	mph_csv *c = data;
	record *r = &c->build;
	if (len > MPH_CSV_MAX_FIELD) c->too_long = 1;
	/* A data record's fields beyond the header's are an error anyway. */
	if (c->header != NULL && r->n >= c->ncols) { r->extra++; return; }
	if (c->header == NULL && r->n >= MAX_COLS) { c->too_wide = 1; return; }
	if (r->n == r->m) {
		r->m = r->m ? 2 * r->m : 16;
		r->f = mph_realloc(r->f, r->m * sizeof *r->f);
	}
	r->f[r->n] = mph_malloc(len + 1);
	if (len) memcpy(r->f[r->n], s, len);
	r->f[r->n][len] = '\0';
	r->n++;
}

static void on_record(int term, void *data)
{
	mph_csv *c = data;
	(void)term;
	if (c->qhead + c->qlen == c->qcap) {
		if (c->qhead > 0) {
			memmove(c->queue, c->queue + c->qhead, c->qlen * sizeof *c->queue);
			c->qhead = 0;
		} else {
			c->qcap = c->qcap ? 2 * c->qcap : 4;
			c->queue = mph_realloc(c->queue, c->qcap * sizeof *c->queue);
		}
	}
	c->queue[c->qhead + c->qlen++] = c->build;
	memset(&c->build, 0, sizeof c->build);
	/* A record ended by a bare CR is followed by one on the same line;
	 * fill gives a record that starts a line that line instead. */
	c->build.line = c->lineno;
	c->at_start = 1;
}

/* RFC 4180 keeps spaces: nothing is trimmed. */
static int no_space(unsigned char ch) { (void)ch; return 0; }

static int fail(mph_csv *c, long line, mph_error *err, const char *fmt, const char *arg)
{
	return mph_error_set(err, c->name, line, 0, fmt, arg);
}

/* Reads up to PIECE bytes, stopping after a line end: the count, 0 at end of
 * input. getline would hold a whole line, however long, in memory. The
 * stream is this reader's alone: getc_unlocked (getc takes the stream's
 * lock for every byte: most of the time to read mph-suggest's candidates). */
static size_t read_piece(mph_csv *c)
{
	size_t n = 0;
	int ch = 0;
	while (n < PIECE && (ch = getc_unlocked(c->fp)) != EOF) {
		c->buf[n++] = (char)ch;
		if (ch == '\n') break;
	}
	return n;
}

/* Feeds pieces until a record is complete or input ends: 0 ok, -1 error. */
static int fill(mph_csv *c, mph_error *err)
{
	while (c->qlen == 0 && !c->eof) {
		size_t len;
		char *p;
		int line_start = !c->mid_line;
		errno = 0;
		len = read_piece(c);
		if (len == 0) {
			if (ferror(c->fp)) return fail(c, c->lineno, err, "read error: %s", strerror(errno));
			c->eof = 1;
			if (csv_fini(&c->p, on_field, on_record, c) != 0)
				return fail(c, c->lineno, err, "%s", "unterminated quoted field at end of input");
			break;
		}
		if (line_start) c->lineno++;
		c->mid_line = c->buf[len - 1] != '\n';
		if (memchr(c->buf, '\0', len) != NULL)
			return fail(c, c->lineno, err, "%s", "NUL byte: not a text file");
		p = c->buf;
		if (!c->bom_checked) {
			c->bom_checked = 1;
			if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3, len -= 3;
		}
		if (c->at_start && line_start) {
			/* libcsv skips blank lines; so do line numbers */
			if (len == 0 || (len == 1 && p[0] == '\n') || (len == 2 && p[0] == '\r' && p[1] == '\n'))
				continue;
			c->build.line = c->lineno;
			c->at_start = 0;
		}
		if (csv_parse(&c->p, p, len, on_field, on_record, c) != len)
			return fail(c, c->lineno, err, "malformed quoted field (%s)", csv_strerror(csv_error(&c->p)));
		/* a record begun after a bare CR has its line already */
		if (c->p.pstate != 0) c->at_start = 0;
		/* a field still open counts too: libcsv would grow it without end */
		if (c->p.entry_pos > MPH_CSV_MAX_FIELD) c->too_long = 1;
		if (c->too_long || c->too_wide) break;
	}
	if (c->too_wide) {
		char lim[32];
		snprintf(lim, sizeof lim, "%d", MAX_COLS);
		return fail(c, c->build.line, err, "header: more than %s columns", lim);
	}
	if (c->too_long) {
		char lim[32];
		snprintf(lim, sizeof lim, "%d", MPH_CSV_MAX_FIELD);
		return fail(c, c->qlen ? c->queue[c->qhead].line : c->build.line, err,
		            "field longer than %s bytes", lim);
	}
	return 0;
}

/* Pops the next record into cur: 1, 0 at end, -1 on error. */
static int next_record(mph_csv *c, mph_error *err)
{
	if (fill(c, err) != 0) return -1;
	if (c->qlen == 0) return 0;
	record_clear(&c->cur);
	free(c->cur.f);
	c->cur = c->queue[c->qhead++];
	c->qlen--;
	if (c->qlen == 0) c->qhead = 0;
	return 1;
}

mph_csv *mph_csv_open_fp(FILE *fp, const char *name, mph_error *err)
{
	mph_csv *c = mph_calloc(1, sizeof *c);
	size_t i, j;
	int rc;
	c->fp = fp;
	c->name = mph_strdup(name);
	c->at_start = 1;
	if (csv_init(&c->p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		mph_error_set(err, name, 0, 0, "cannot initialise the CSV parser");
		goto bad;
	}
	csv_set_space_func(&c->p, no_space);
	rc = next_record(c, err);
	if (rc < 0) goto bad;
	if (rc == 0) {
		mph_error_set(err, name, 0, 0, "empty input: a header row is required");
		goto bad;
	}
	c->ncols = c->cur.n;
	/* zeroed: on an error below, close frees the names moved so far and cur
	 * the rest */
	c->header = mph_calloc(c->ncols, sizeof *c->header);
	for (i = 0; i < c->ncols; i++) {
		c->header[i] = c->cur.f[i];
		c->cur.f[i] = NULL;
		if (c->header[i][0] == '\0') {
			mph_error_set(err, name, c->cur.line, 0, "header: column %zu has no name", i + 1);
			goto bad;
		}
		for (j = 0; j < i; j++)
			if (strcmp(c->header[i], c->header[j]) == 0) {
				mph_error_set(err, name, c->cur.line, 0, "header: duplicate column '%s'", c->header[i]);
				goto bad;
			}
	}
	c->cur.n = 0;
	return c;
bad:
	mph_csv_close(c);
	return NULL;
}

mph_csv *mph_csv_open(const char *path, mph_error *err)
{
	FILE *fp;
	mph_csv *c;
	if (path == NULL || strcmp(path, "-") == 0) return mph_csv_open_fp(stdin, "<stdin>", err);
	fp = fopen(path, "r");
	if (fp == NULL) {
		mph_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	c = mph_csv_open_fp(fp, path, err);
	if (c == NULL) fclose(fp);
	else c->own_fp = 1;
	return c;
}

void mph_csv_close(mph_csv *c)
{
	size_t i;
	if (c == NULL) return;
	if (c->own_fp) fclose(c->fp);
	csv_free(&c->p);
	record_clear(&c->build); free(c->build.f);
	record_clear(&c->cur); free(c->cur.f);
	for (i = 0; i < c->qlen; i++) {
		record_clear(&c->queue[c->qhead + i]);
		free(c->queue[c->qhead + i].f);
	}
	free(c->queue);
	if (c->header) for (i = 0; i < c->ncols; i++) free(c->header[i]);
	free(c->header);
	free(c->name);
	free(c);
}

int mph_csv_read(mph_csv *c, mph_error *err)
{
	int rc = next_record(c, err);
	if (rc <= 0) return rc;
	if (c->cur.n + c->cur.extra != c->ncols)
		return mph_error_set(err, c->name, c->cur.line, 0, "expected %zu fields, found %zu",
		                     c->ncols, c->cur.n + c->cur.extra);
	return 1;
}

size_t mph_csv_ncols(const mph_csv *c) { return c->ncols; }
const char *const *mph_csv_header(const mph_csv *c) { return (const char *const *)c->header; }
const char *const *mph_csv_fields(const mph_csv *c) { return (const char *const *)c->cur.f; }
const char *mph_csv_field(const mph_csv *c, size_t col) { return c->cur.f[col]; }
const char *mph_csv_name(const mph_csv *c) { return c->name; }
long mph_csv_line(const mph_csv *c) { return c->cur.line; }

long mph_csv_col(const mph_csv *c, const char *name)
{
	size_t i;
	for (i = 0; i < c->ncols; i++)
		if (strcmp(c->header[i], name) == 0) return (long)i;
	return -1;
}

long mph_csv_require(const mph_csv *c, const char *name, mph_error *err)
{
	long i = mph_csv_col(c, name);
	if (i < 0) mph_error_set(err, c->name, 1, 0, "missing required column '%s'", name);
	return i;
}

int mph_csv_double(const mph_csv *c, size_t col, double *out, mph_error *err)
{
	const char *s = c->cur.f[col];
	if (mph_parse_double(s, out) == 0) return 0;
	return mph_error_set(err, c->name, c->cur.line, 0, "column '%s': not a number: '%.64s%s'",
	                     c->header[col], s, strlen(s) > 64 ? "..." : "");
}

/* Quoted: separators, quotes, line ends, edge spaces (RFC 4180 keeps them,
 * other readers trim), and a leading byte-order mark, which a reader would
 * drop from the first field of a file. */
static int needs_quotes(const char *s)
{
	return strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' || (s[0] != '\0' && s[strlen(s) - 1] == ' ') ||
	       strncmp(s, "\xEF\xBB\xBF", 3) == 0;
}

/* The field as written, at dst (NULL: only counted); its length. */
static size_t format_field(char *dst, const char *s)
{
	size_t n = 0;
	const char *p;
	if (!needs_quotes(s)) {
		n = strlen(s);
		if (dst) memcpy(dst, s, n);
		return n;
	}
	if (dst) dst[n] = '"';
	n++;
	for (p = s; *p; p++) {
		if (*p == '"') { if (dst) dst[n] = '"'; n++; }
		if (dst) dst[n] = *p;
		n++;
	}
	if (dst) dst[n] = '"';
	return n + 1;
}

void mph_csv_write_field(FILE *fp, const char *s)
{
	const char *p;
	if (!needs_quotes(s)) { fputs(s, fp); return; }
	putc('"', fp);
	for (p = s; *p; p++) {
		if (*p == '"') putc('"', fp);
		putc(*p, fp);
	}
	putc('"', fp);
}

/* A record of one empty field is written "": as an empty line a reader
 * would skip it (fuzz: csv). */
static int lone_empty(const char *const *fields, size_t n)
{
	return n == 1 && fields[0][0] == '\0';
}

char *mph_csv_row_string(const char *const *fields, size_t n)
{
	size_t i, len = 0;
	char *s;
	if (lone_empty(fields, n)) return mph_strdup("\"\"");
	for (i = 0; i < n; i++) len += (i > 0) + format_field(NULL, fields[i]);
	s = mph_malloc(len + 1);
	for (i = 0, len = 0; i < n; i++) {
		if (i) s[len++] = ',';
		len += format_field(s + len, fields[i]);
	}
	s[len] = '\0';
	return s;
}

void mph_csv_write_row(FILE *fp, const char *const *fields, size_t n)
{
	size_t i;
	if (lone_empty(fields, n)) fputs("\"\"", fp);
	for (i = 0; i < n && !lone_empty(fields, n); i++) {
		if (i) putc(',', fp);
		mph_csv_write_field(fp, fields[i]);
	}
	putc('\n', fp);
}

void mph_csv_write_double(FILE *fp, double x)
{
	char buf[32];
	if (isfinite(x)) fputs(mph_fmt_double(buf, x), fp);
}
