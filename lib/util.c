/* Number parsing and printing, hashing, allocation and atomic output. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mph_internal.h"

static void oom(size_t n)
{
	/* The one place libmph gives up: there is no way to report without memory. */
	fprintf(stderr, "mph: out of memory (%zu bytes)\n", n);
	abort();
}

void *mph_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL) oom(n);
	return p;
}

void *mph_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL) oom(n * size);
	return p;
}

void *mph_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL) oom(n);
	return q;
}

char *mph_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(mph_malloc(n), s, n);
}

int mph_parse_double(const char *s, double *out)
{
	char *end;
	double x;
	if (s == NULL || *s == '\0' || *s == ' ' || *s == '\t') return -1;
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

struct mph_out {
	FILE *fp;
	char *path, *tmp; /* NULL for stdout */
};

mph_out *mph_out_open(const char *path, mph_error *err)
{
	mph_out *o = mph_calloc(1, sizeof *o);
	int fd;
	if (path == NULL || strcmp(path, "-") == 0) {
		o->fp = stdout;
		return o;
	}
	o->path = mph_strdup(path);
	o->tmp = mph_malloc(strlen(path) + 16);
	sprintf(o->tmp, "%s.tmpXXXXXX", path);
	fd = mkstemp(o->tmp);
	if (fd >= 0) { /* mkstemp makes 0600; give the file the mode a plain create would */
		mode_t mask = umask(0);
		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	if (fd < 0 || (o->fp = fdopen(fd, "w")) == NULL) {
		mph_error_set(err, path, 0, 0, "cannot create: %s", strerror(errno));
		if (fd >= 0) { close(fd); unlink(o->tmp); }
		free(o->path); free(o->tmp); free(o);
		return NULL;
	}
	return o;
}

FILE *mph_out_fp(mph_out *o) { return o->fp; }

int mph_out_commit(mph_out *o, mph_error *err)
{
	int rc = 0;
	if (o->path == NULL) {
		if (fflush(stdout) != 0 || ferror(stdout))
			rc = mph_error_set(err, "<stdout>", 0, 0, "write error: %s", strerror(errno));
		free(o);
		return rc;
	}
	if (fflush(o->fp) != 0 || ferror(o->fp) || fsync(fileno(o->fp)) != 0) {
		rc = mph_error_set(err, o->path, 0, 0, "write error: %s", strerror(errno));
		fclose(o->fp);
		unlink(o->tmp);
	} else if (fclose(o->fp) != 0) {
		rc = mph_error_set(err, o->path, 0, 0, "write error: %s", strerror(errno));
		unlink(o->tmp);
	} else if (rename(o->tmp, o->path) != 0) {
		rc = mph_error_set(err, o->path, 0, 0, "cannot rename into place: %s", strerror(errno));
		unlink(o->tmp);
	}
	free(o->path); free(o->tmp); free(o);
	return rc;
}

void mph_out_abort(mph_out *o)
{
	if (o == NULL) return;
	if (o->path != NULL) {
		fclose(o->fp);
		unlink(o->tmp);
	}
	free(o->path); free(o->tmp); free(o);
}
