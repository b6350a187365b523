/* Output that is complete or absent: a temporary file in the destination's
 * folder, renamed over it on commit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/core.h"

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
