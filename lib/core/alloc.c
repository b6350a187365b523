/* Allocation that cannot fail quietly: the one condition the library cannot
 * report through mph_error, so it aborts with a message. */
#include <stdlib.h>
#include <string.h>
#include "core/core.h"

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
