/* Recording a probe run in the trials file (mph-probe -t): the run's rows
 * are held in memory and appended by column name only once all are in, so
 * the trials file gets every row of the run or none, and a failed or
 * interrupted run leaves it as it was. */
#include <errno.h>
#include <string.h>
#include "probe/probe.h"

/* Removes mph-suggest's explanation columns from the comma-separated list,
 * in place: a pipeline from mph-suggest drops them by design. */
static void drop_explanations(char *list)
{
	char *in = list, *out = list;
	while (*in) {
		size_t n = strcspn(in, ",");
		char name[256];
		int known = 0;
		const char *p = MPH_SUGGEST_COLUMNS;
		snprintf(name, sizeof name, "%.*s", (int)n, in);
		while (*p && !known) {
			size_t m = strcspn(p, ",");
			known = m == strlen(name) && strncmp(p, name, m) == 0;
			p += m + (p[m] == ',');
		}
		if (!known) {
			if (out != list) *out++ = ',';
			memmove(out, in, n);
			out += n;
		}
		in += n + (in[n] == ',');
	}
	*out = '\0';
}

int mph_probe_append(const char *trials, mph_probe_fn run, void *ctx, mph_csv *in, char *dropped,
                     size_t size, mph_error *err)
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
		rc = mph_append_csv(trials, mem, "<measured>", dropped, size, err);
		fclose(mem);
	}
	free(buf);
	if (rc == 0) drop_explanations(dropped);
	return rc;
}
