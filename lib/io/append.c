/* Appending rows to a trials file by column name. The trials file is the
 * only state of a tuning run and is appended, never rewritten; rows from a
 * pipeline may carry columns in another order, or more (the explanation
 * columns of mph-suggest) or fewer (a failed probe's empty measurements)
 * than the file, so they are placed by name: the file's header rules.
 *
 * Durability: a row reaches the file as one write() of one complete line,
 * then fsync, before the next is measured, so a crash at any moment leaves
 * complete lines only and loses at most the rows not yet written. A new
 * file appears with its header, never without: the header is written to a
 * temporary file that is then linked to the name (link, unlike rename,
 * never replaces a file another run created meanwhile). The file is held
 * under an exclusive lock (flock) from mph_append_begin to close, so two
 * runs never interleave and each reads the rows the other wrote. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "io/io.h"

struct mph_append {
	int fd;             /* -1 until the file exists and is locked */
	char *path;
	size_t nfile;       /* columns of the file */
	char **file_cols;
	long *from;         /* per file column: the row column it takes, or -1 */
	size_t nrow;        /* columns of the rows */
	size_t ndropped;    /* row columns the file has no place for */
	char **dropped;
	const char **line;  /* per file column: the field to write */
};

static void free_cols(char **cols, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) free(cols[i]);
	free(cols);
}

/* Reads the header of an existing, non-empty file; 0 with *n = 0 when the
 * file is empty. */
static int read_header(const char *path, char ***cols, size_t *n, mph_error *err)
{
	FILE *fp = fopen(path, "r");
	mph_csv *c;
	size_t i;
	int ch;
	*n = 0;
	if (fp == NULL) return mph_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
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
		free_cols(*cols, *n);
		*cols = NULL;
		*n = 0;
		return mph_error_set(err, path, 0, 0, "does not end with a line break: not appending to it");
	}
	fclose(fp);
	return 0;
}

/* Opens the existing file for appending and waits for its lock; 1 when
 * there is no file (nothing opened), 0 when open and locked, -1 on error. */
static int open_locked(mph_append *a, mph_error *err)
{
	int fd = open(a->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) return 1;
		return mph_error_set(err, a->path, 0, 0, "cannot open for appending: %s", strerror(errno));
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR) continue;
		mph_error_set(err, a->path, 0, 0, "cannot lock: %s", strerror(errno));
		close(fd);
		return -1;
	}
	a->fd = fd;
	return 0;
}

mph_append *mph_append_begin(const char *path, mph_error *err)
{
	mph_append *a = mph_calloc(1, sizeof *a);
	int rc;
	a->fd = -1;
	a->path = mph_strdup(path);
	if ((rc = open_locked(a, err)) < 0) goto fail;
	if (rc == 0 && read_header(path, &a->file_cols, &a->nfile, err) != 0) goto fail;
	return a;
fail:
	mph_append_close(a, NULL);
	return NULL;
}

int mph_append_exists(const mph_append *a) { return a->fd >= 0; }
size_t mph_append_ncols(const mph_append *a) { return a->nfile; }
const char *mph_append_col(const mph_append *a, size_t i) { return a->file_cols[i]; }

/* All of buf or an error: a short write to a regular file means a full disk. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t k = write(fd, buf, len);
		if (k < 0 && errno == EINTR) continue;
		if (k <= 0) return -1;
		buf += k;
		len -= (size_t)k;
	}
	return 0;
}

static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? mph_strdup(path) : mph_strdup(".");
	int fd, rc;
	if (slash) dir[slash == path ? 1 : slash - path] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0) return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* A new file with this header line, made whole before it has its name; a
 * file that appeared meanwhile is kept (and its header read) instead. */
static int create_with_header(mph_append *a, const char *line, mph_error *err)
{
	size_t n = strlen(a->path) + 16;
	char *tmp = mph_malloc(n);
	int fd, rc;
	snprintf(tmp, n, "%s.tmp-XXXXXX", a->path);
	if ((fd = mkstemp(tmp)) < 0) {
		rc = mph_error_set(err, a->path, 0, 0, "cannot create: %s", strerror(errno));
		free(tmp);
		return rc;
	}
	/* mkstemp makes it 0600; a trials file is as readable as any output */
	{
		mode_t um = umask(0);
		umask(um);
		fchmod(fd, 0666 & ~um);
	}
	if (write_all(fd, line, strlen(line)) != 0 || fsync(fd) != 0) {
		rc = mph_error_set(err, a->path, 0, 0, "write error: %s", strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return rc;
	}
	close(fd);
	rc = link(tmp, a->path);
	if (rc != 0 && errno != EEXIST) {
		rc = mph_error_set(err, a->path, 0, 0, "cannot create: %s", strerror(errno));
		unlink(tmp);
		free(tmp);
		return rc;
	}
	unlink(tmp);
	free(tmp);
	sync_dir(a->path);
	if ((rc = open_locked(a, err)) != 0)
		return rc < 0 ? -1 : mph_error_set(err, a->path, 0, 0, "vanished while being created");
	return read_header(a->path, &a->file_cols, &a->nfile, err);
}

int mph_append_columns(mph_append *a, const char *const *cols, size_t ncols, mph_error *err)
{
	size_t i, j;
	if (a->nfile == 0) { /* a new or empty file takes the rows' header as it is */
		char *row = mph_csv_row_string(cols, ncols);
		size_t len = strlen(row);
		int rc;
		row = mph_realloc(row, len + 2);
		row[len] = '\n';
		row[len + 1] = '\0';
		if (a->fd >= 0) { /* empty: one write is as atomic as a rename */
			rc = write_all(a->fd, row, len + 1) != 0 || fsync(a->fd) != 0
			         ? mph_error_set(err, a->path, 0, 0, "write error: %s", strerror(errno)) : 0;
			if (rc == 0) {
				a->nfile = ncols;
				a->file_cols = mph_malloc((ncols ? ncols : 1) * sizeof *a->file_cols);
				for (i = 0; i < ncols; i++) a->file_cols[i] = mph_strdup(cols[i]);
			}
		} else {
			rc = create_with_header(a, row, err);
		}
		free(row);
		if (rc != 0) return -1;
	}
	a->nrow = ncols;
	a->from = mph_malloc((a->nfile ? a->nfile : 1) * sizeof *a->from);
	a->line = mph_malloc((a->nfile ? a->nfile : 1) * sizeof *a->line);
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
	if (ncols > 0 && a->ndropped == ncols)
		return mph_error_set(err, a->path, 1, 0, "no column in common with the rows (%s%s...)", cols[0],
		                     ncols > 1 ? "," : "");
	return 0;
}

mph_append *mph_append_open(const char *path, const char *const *cols, size_t ncols, mph_error *err)
{
	mph_append *a = mph_append_begin(path, err);
	if (a && mph_append_columns(a, cols, ncols, err) != 0) {
		mph_append_close(a, NULL);
		return NULL;
	}
	return a;
}

size_t mph_append_ndropped(const mph_append *a) { return a->ndropped; }
const char *mph_append_dropped(const mph_append *a, size_t i) { return a->dropped[i]; }

int mph_append_row(mph_append *a, const char *const *fields, mph_error *err)
{
	size_t i, len;
	char *row;
	int rc = 0;
	for (i = 0; i < a->nfile; i++) a->line[i] = a->from[i] >= 0 ? fields[a->from[i]] : "";
	row = mph_csv_row_string(a->line, a->nfile);
	len = strlen(row);
	row = mph_realloc(row, len + 2);
	row[len] = '\n';
	row[len + 1] = '\0';
	/* one write of the whole line, on disk before the next trial starts */
	if (write_all(a->fd, row, len + 1) != 0 || fsync(a->fd) != 0)
		rc = mph_error_set(err, a->path, 0, 0, "write error: %s", strerror(errno));
	free(row);
	return rc;
}

int mph_append_close(mph_append *a, mph_error *err)
{
	size_t i;
	int rc = 0;
	if (a == NULL) return 0;
	if (a->fd >= 0 && close(a->fd) != 0)
		rc = mph_error_set(err, a->path, 0, 0, "write error: %s", strerror(errno));
	free_cols(a->file_cols, a->nfile);
	for (i = 0; i < a->ndropped; i++) free(a->dropped[i]);
	free(a->dropped);
	free(a->from);
	free(a->line);
	free(a->path);
	free(a);
	return rc;
}
