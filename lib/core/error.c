/* Error reports that carry file, line and column, as jansson's json_error_t. */
#include <stdarg.h>
#include <string.h>
#include "core/core.h"

void mph_error_clear(mph_error *e)
{
	if (e == NULL) return;
	e->file[0] = '\0';
	e->line = e->col = 0;
	e->text[0] = '\0';
	e->usage = 0;
}

/* Formats aside first: a caller may pass e's own file or text as an argument. */
static int error_setv(mph_error *e, const char *file, long line, long col, const char *fmt, va_list ap)
{
	char name[sizeof e->file], text[sizeof e->text];
	if (e == NULL) return -1;
	snprintf(name, sizeof name, "%s", file ? file : "");
	vsnprintf(text, sizeof text, fmt, ap);
	memcpy(e->file, name, sizeof name);
	memcpy(e->text, text, sizeof text);
	e->line = line;
	e->col = col;
	e->usage = 0;
	return -1;
}

int mph_error_set(mph_error *e, const char *file, long line, long col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_setv(e, file, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

int mph_error_locate(mph_error *e, const char *file, long line)
{
	if (e == NULL) return -1;
	snprintf(e->file, sizeof e->file, "%s", file ? file : "");
	if (line >= 0) e->line = line;
	return -1;
}

int mph_error_usage(mph_error *e)
{
	if (e != NULL) e->usage = 1;
	return -1;
}

int mph_error_file(mph_error *e, const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_setv(e, file, 0, 0, fmt, ap);
	va_end(ap);
	return -1;
}

const char *mph_input_name(const char *path)
{
	return (path == NULL || strcmp(path, "-") == 0) ? "<stdin>" : path;
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
