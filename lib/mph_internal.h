/* Private helpers shared inside libmph; not installed. */
#ifndef MPH_INTERNAL_H
#define MPH_INTERNAL_H
#include "mph.h"
#include <stdlib.h>

/* Allocation failure is the one condition the library cannot report through
 * mph_error without allocating, so these abort with a message. */
void *mph_malloc(size_t n);
void *mph_calloc(size_t n, size_t size);
void *mph_realloc(void *p, size_t n);
char *mph_strdup(const char *s);

#endif
