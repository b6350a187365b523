/* Recording a probe run in the trials file (mph-probe -t): the run's rows
 * are held in memory and appended by column name only once all are in, so
 * the trials file gets every row of the run or none, and a failed or
 * interrupted run leaves it as it was. */
#include <errno.h>
#include <string.h>
#include "probe/probe.h"

int mph_probe_append(const char *trials, mph_probe_fn run, void *ctx, mph_csv *in, mph_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int rc;
	if (mem == NULL) return mph_error_set(err, "", 0, 0, "%s", strerror(errno));
	rc = run(ctx, in, mem, err);
	fclose(mem);
	if (rc == 0 && (mem = fmemopen(buf, len, "r")) == NULL)
		rc = mph_error_set(err, "", 0, 0, "%s", strerror(errno));
	else if (rc == 0) {
		rc = mph_append_csv(trials, mem, "<measured>", err);
		fclose(mem);
	}
	free(buf);
	return rc;
}
