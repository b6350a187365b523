/* Error reports that carry file, line and column, as jansson's json_error_t. */
#include <stdarg.h>
#include <string.h>
#include "mph.h"

void mph_error_clear(mph_error *e)
{
	if (e == NULL) return;
	e->file[0] = '\0';
	e->line = e->col = 0;
	e->text[0] = '\0';
}

int mph_error_set(mph_error *e, const char *file, long line, long col, const char *fmt, ...)
{
	va_list ap;
	if (e == NULL) return -1;
	snprintf(e->file, sizeof e->file, "%s", file ? file : "");
	e->line = line;
	e->col = col;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
	return -1;
}

const char *mph_error_format(const mph_error *e, char *buf, size_t size)
{
	if (e->file[0] == '\0')
		snprintf(buf, size, "%s", e->text);
	else if (e->line > 0 && e->col > 0)
		snprintf(buf, size, "%s:%ld:%ld: %s", e->file, e->line, e->col, e->text);
	else if (e->line > 0)
		snprintf(buf, size, "%s:%ld: %s", e->file, e->line, e->text);
	else
		snprintf(buf, size, "%s: %s", e->file, e->text);
	return buf;
}
