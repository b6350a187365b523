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

/* mph_error_set for an error about a file as a whole: no line or column. */
int mph_error_file(mph_error *e, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* How messages name an input: "<stdin>" for NULL or "-", else the path. */
const char *mph_input_name(const char *path);
/* Fails with "WHERE: unknown key 'K'" ("unknown key 'K'" when where is "")
 * for the first key of obj not in the NULL-terminated allowed. */
int mph_json_check_keys(json_t *obj, const char *const *allowed, const char *file,
                        const char *where, mph_error *err);

#endif
