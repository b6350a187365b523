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
	char *path, *tmp; /* path NULL for stdout; tmp NULL when writing in place */
	char *name;       /* the path as given, for messages */
};

/* The file a path names once symbolic links are followed, even when the
 * last link dangles (the file it names is then created): replacing the link
 * itself would turn it into a regular file. A newly allocated path. */
static char *resolve_links(const char *path)
{
	char *cur = mph_strdup(path);
	int hops;
	for (hops = 0; hops < 40; hops++) {
		struct stat st;
		char target[4096], *next, *slash;
		ssize_t n;
		if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) break;
		if ((n = readlink(cur, target, sizeof target - 1)) < 0) break;
		target[n] = '\0';
		slash = strrchr(cur, '/');
		if (target[0] == '/' || slash == NULL) {
			next = mph_strdup(target);
		} else { /* relative to the link's folder */
			size_t dir = (size_t)(slash - cur) + 1;
			next = mph_malloc(dir + (size_t)n + 1);
			memcpy(next, cur, dir);
			memcpy(next + dir, target, (size_t)n + 1);
		}
		free(cur);
		cur = next;
	}
	return cur;
}

mph_out *mph_out_open(const char *path, mph_error *err)
{
	mph_out *o = mph_calloc(1, sizeof *o);
	struct stat st;
	int fd, exists;
	if (path == NULL || strcmp(path, "-") == 0) {
		o->fp = stdout;
		return o;
	}
	o->path = resolve_links(path);
	o->name = mph_strdup(path);
	exists = stat(o->path, &st) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		mph_error_set(err, path, 0, 0, "cannot create: %s", strerror(EISDIR));
		free(o->path); free(o->name); free(o);
		return NULL;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		/* A device, FIFO or socket cannot be replaced, only written to: in
		 * place, with write errors reported by commit. */
		if ((o->fp = fopen(o->path, "w")) == NULL) {
			mph_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
			free(o->path); free(o->name); free(o);
			return NULL;
		}
		return o;
	}
	o->tmp = mph_malloc(strlen(o->path) + 16);
	sprintf(o->tmp, "%s.tmpXXXXXX", o->path);
	fd = mkstemp(o->tmp);
	if (fd >= 0) {
		/* mkstemp makes 0600: keep the mode of the file replaced, or give
		 * the one a plain create would */
		mode_t mask = umask(0);
		umask(mask);
		fchmod(fd, exists ? st.st_mode & 07777 : 0666 & ~mask);
	}
	if (fd < 0 || (o->fp = fdopen(fd, "w")) == NULL) {
		mph_error_set(err, path, 0, 0, "cannot create: %s", strerror(errno));
		if (fd >= 0) { close(fd); unlink(o->tmp); }
		free(o->path); free(o->name); free(o->tmp); free(o);
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
	if (o->tmp == NULL) {
		if (fflush(o->fp) != 0 || ferror(o->fp))
			rc = mph_error_set(err, o->name, 0, 0, "write error: %s", strerror(errno));
		if (fclose(o->fp) != 0 && rc == 0)
			rc = mph_error_set(err, o->name, 0, 0, "write error: %s", strerror(errno));
		free(o->path); free(o->name); free(o);
		return rc;
	}
	if (fflush(o->fp) != 0 || ferror(o->fp) || fsync(fileno(o->fp)) != 0) {
		rc = mph_error_set(err, o->name, 0, 0, "write error: %s", strerror(errno));
		fclose(o->fp);
		unlink(o->tmp);
	} else if (fclose(o->fp) != 0) {
		rc = mph_error_set(err, o->name, 0, 0, "write error: %s", strerror(errno));
		unlink(o->tmp);
	} else if (rename(o->tmp, o->path) != 0) {
		rc = mph_error_set(err, o->name, 0, 0, "cannot rename into place: %s", strerror(errno));
		unlink(o->tmp);
	}
	free(o->path); free(o->name); free(o->tmp); free(o);
	return rc;
}

void mph_out_abort(mph_out *o)
{
	if (o == NULL) return;
	if (o->path != NULL) {
		fclose(o->fp);
		if (o->tmp != NULL) unlink(o->tmp); /* what went in place stays */
	}
	free(o->path); free(o->name); free(o->tmp); free(o);
}
