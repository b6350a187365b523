/* Appending rows to a trials file by column name. The trials file is the
 * only state of a tuning run and is appended, never rewritten; rows from a
 * pipeline may carry columns in another order, or more (the explanation
 * columns of mph-suggest) or fewer (a failed probe's empty measurements)
 * than the file, so they are placed by name: the file's header rules. */
#include <errno.h>
#include <string.h>
#include "io/io.h"

struct mph_append {
	FILE *fp;
	char *path;
	size_t nfile;       /* columns of the file */
	char **file_cols;
	long *from;         /* per file column: the row column it takes, or -1 */
	size_t ndropped;    /* row columns the file has no place for */
	char **dropped;
};

/* Reads the header of an existing, non-empty file; 0 with *n = 0 when the
 * file is absent or empty. */
static int read_header(const char *path, char ***cols, size_t *n, mph_error *err)
{
	FILE *fp = fopen(path, "r");
	mph_csv *c;
	size_t i;
	int ch;
	*n = 0;
	if (fp == NULL) {
		if (errno == ENOENT) return 0;
		return mph_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
	}
	ch = getc(fp);
	if (ch == EOF) { fclose(fp); return 0; }
	ungetc(ch, fp);
	c = mph_csv_open_fp(fp, path, err);
	if (c == NULL) { fclose(fp); return -1; }
	*n = mph_csv_ncols(c);
	*cols = mph_malloc(*n * sizeof **cols);
	for (i = 0; i < *n; i++) (*cols)[i] = mph_strdup(mph_csv_header(c)[i]);
	mph_csv_close(c);
	/* a file that does not end in a line break would glue our first row to its last */
	if (fseek(fp, -1, SEEK_END) == 0 && getc(fp) != '\n') {
		fclose(fp);
		for (i = 0; i < *n; i++) free((*cols)[i]);
		free(*cols);
		*cols = NULL;
		*n = 0;
		return mph_error_set(err, path, 0, 0, "does not end with a line break: not appending to it");
	}
	fclose(fp);
	return 0;
}

mph_append *mph_append_open(const char *path, const char *const *cols, size_t ncols, mph_error *err)
{
	mph_append *a = mph_calloc(1, sizeof *a);
	size_t i, j;
	a->path = mph_strdup(path);
	if (read_header(path, &a->file_cols, &a->nfile, err) != 0) goto fail;
	if ((a->fp = fopen(path, "a")) == NULL) {
		mph_error_set(err, path, 0, 0, "cannot open for appending: %s", strerror(errno));
		goto fail;
	}
	if (a->nfile == 0) { /* a new file takes the rows' header as it is */
		a->nfile = ncols;
		a->file_cols = mph_malloc((ncols ? ncols : 1) * sizeof *a->file_cols);
		for (i = 0; i < ncols; i++) a->file_cols[i] = mph_strdup(cols[i]);
		mph_csv_write_row(a->fp, cols, ncols);
		if (fflush(a->fp) != 0) {
			mph_error_set(err, path, 0, 0, "write error: %s", strerror(errno));
			goto fail;
		}
	}
	a->from = mph_malloc((a->nfile ? a->nfile : 1) * sizeof *a->from);
	for (i = 0; i < a->nfile; i++) {
		a->from[i] = -1;
		for (j = 0; j < ncols; j++)
			if (strcmp(a->file_cols[i], cols[j]) == 0) { a->from[i] = (long)j; break; }
	}
	a->dropped = mph_malloc((ncols ? ncols : 1) * sizeof *a->dropped);
	for (j = 0; j < ncols; j++) {
		for (i = 0; i < a->nfile; i++) if (a->from[i] == (long)j) break;
		if (i == a->nfile) a->dropped[a->ndropped++] = mph_strdup(cols[j]);
	}
	/* Rows that share no column with the file would append lines of empty
	 * fields: a wrong file, not a measurement. */
	if (ncols > 0 && a->ndropped == ncols) {
		mph_error_set(err, path, 1, 0, "no column in common with the rows (%s%s...)", cols[0],
		              ncols > 1 ? "," : "");
		goto fail;
	}
	return a;
fail:
	mph_append_close(a, NULL);
	return NULL;
}

size_t mph_append_ndropped(const mph_append *a) { return a->ndropped; }
const char *mph_append_dropped(const mph_append *a, size_t i) { return a->dropped[i]; }

int mph_append_row(mph_append *a, const char *const *fields, mph_error *err)
{
	size_t i;
	for (i = 0; i < a->nfile; i++) {
		if (i) putc(',', a->fp);
		if (a->from[i] >= 0) mph_csv_write_field(a->fp, fields[a->from[i]]);
	}
	putc('\n', a->fp);
	/* each trial reaches the disk whole before the next is measured, so a
	 * crash loses at most the measurement in flight */
	if (fflush(a->fp) != 0 || ferror(a->fp))
		return mph_error_set(err, a->path, 0, 0, "write error: %s", strerror(errno));
	return 0;
}

int mph_append_close(mph_append *a, mph_error *err)
{
	size_t i;
	int rc = 0;
	if (a == NULL) return 0;
	if (a->fp != NULL && fclose(a->fp) != 0)
		rc = mph_error_set(err, a->path, 0, 0, "write error: %s", strerror(errno));
	for (i = 0; i < a->nfile; i++) free(a->file_cols[i]);
	free(a->file_cols);
	for (i = 0; i < a->ndropped; i++) free(a->dropped[i]);
	free(a->dropped);
	free(a->from);
	free(a->path);
	free(a);
	return rc;
}

int mph_append_csv(const char *path, FILE *fp, const char *name, char *dropped, size_t size,
                   mph_error *err)
{
	mph_csv *c = mph_csv_open_fp(fp, name, err);
	mph_append *a;
	size_t i, at = 0;
	int rc;
	if (c == NULL) return -1;
	a = mph_append_open(path, mph_csv_header(c), mph_csv_ncols(c), err);
	if (a == NULL) { mph_csv_close(c); return -1; }
	if (size > 0) dropped[0] = '\0';
	for (i = 0; i < a->ndropped && at < size; i++)
		at += (size_t)snprintf(dropped + at, size - at, "%s%s", i ? "," : "", a->dropped[i]);
	while ((rc = mph_csv_read(c, err)) == 1)
		if (mph_append_row(a, mph_csv_fields(c), err) != 0) { rc = -1; break; }
	mph_csv_close(c);
	if (mph_append_close(a, rc < 0 ? NULL : err) != 0) rc = -1;
	return rc < 0 ? -1 : 0;
}
