/* JSON in and out over jansson. Output is written here rather than by
 * json_dumpf so that reals use the shortest round-trip form (jansson prints
 * %.17g noise such as 0.10000000000000001) and arrays of scalars stay on one
 * line, which keeps model and space files readable and diffable. */
#include <errno.h>
#include <string.h>
#include "io/io.h"

/* The whole stream into memory, NUL-terminated; NULL with errno on a read
 * error. json_loadf reads a byte at a time through getc, which was most of
 * the time a tool took to load a model file (96 ms for a 1.2 MB one). */
static char *slurp(FILE *fp, size_t *len)
{
	size_t n = 0, cap = 1 << 16, got;
	char *buf = mph_malloc(cap);
	while ((got = fread(buf + n, 1, cap - n - 1, fp)) > 0) {
		n += got;
		if (cap - n - 1 == 0) buf = mph_realloc(buf, cap *= 2);
	}
	if (ferror(fp)) {
		int e = errno ? errno : EIO;
		free(buf);
		errno = e;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

json_t *mph_json_load(const char *path, mph_error *err)
{
	json_error_t je;
	json_t *j = NULL;
	const char *name = mph_input_name(path);
	FILE *fp = stdin;
	char *text;
	size_t len = 0;
	int read_errno = 0;
	if (path != NULL && strcmp(path, "-") != 0 && (fp = fopen(path, "r")) == NULL) {
		mph_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	errno = 0;
	/* A directory opens but cannot be read: say so, not "expected '{'". */
	if ((text = slurp(fp, &len)) == NULL) read_errno = errno;
	if (fp != stdin) fclose(fp);
	if (text != NULL) j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (read_errno != 0)
		mph_error_set(err, name, 0, 0, "read error: %s", strerror(read_errno));
	else if (j == NULL)
		mph_error_set(err, name, je.line > 0 ? je.line : 0, je.column > 0 ? je.column : 0,
		              "invalid JSON: %s", je.text);
	return j;
}

int mph_json_check_keys(json_t *obj, const char *const *allowed, const char *file,
                        const char *where, mph_error *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		size_t i;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0) break;
		if (allowed[i] == NULL)
			return mph_error_set(err, file, 0, 0, "%s%sunknown key '%.64s'", where,
			                     *where ? ": " : "", key);
	}
	return 0;
}

static void put_string(FILE *fp, const char *s)
{
	putc('"', fp);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '"': fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\t': fputs("\\t", fp); break;
		default:
			if (ch < 0x20) fprintf(fp, "\\u%04x", ch);
			else putc(ch, fp);
		}
	}
	putc('"', fp);
}

static int is_scalar(json_t *j) { return !json_is_object(j) && !json_is_array(j); }

static void indent(FILE *fp, int depth)
{
	putc('\n', fp);
	while (depth-- > 0) fputs("  ", fp);
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void dump(json_t *j, FILE *fp, int depth)
{
	char buf[40];
	size_t i, n;
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *key, **keys;
		json_t *v;
		n = json_object_size(j);
		if (n == 0) { fputs("{}", fp); break; }
		keys = mph_malloc(n * sizeof *keys);
		i = 0;
		json_object_foreach(j, key, v) keys[i++] = key;
		qsort(keys, n, sizeof *keys, cmp_keys);
		putc('{', fp);
		for (i = 0; i < n; i++) {
			indent(fp, depth + 1);
			put_string(fp, keys[i]);
			fputs(": ", fp);
			dump(json_object_get(j, keys[i]), fp, depth + 1);
			if (i + 1 < n) putc(',', fp);
		}
		indent(fp, depth);
		putc('}', fp);
		free(keys);
		break;
	}
	case JSON_ARRAY: {
		int flat = 1;
		n = json_array_size(j);
		for (i = 0; i < n; i++) flat &= is_scalar(json_array_get(j, i));
		putc('[', fp);
		for (i = 0; i < n; i++) {
			if (flat) { if (i) fputs(", ", fp); }
			else indent(fp, depth + 1);
			dump(json_array_get(j, i), fp, depth + 1);
			if (!flat && i + 1 < n) putc(',', fp);
		}
		if (!flat && n) indent(fp, depth);
		putc(']', fp);
		break;
	}
	case JSON_STRING: put_string(fp, json_string_value(j)); break;
	case JSON_INTEGER: fprintf(fp, "%" JSON_INTEGER_FORMAT, json_integer_value(j)); break;
	case JSON_REAL:
		mph_fmt_double(buf, json_real_value(j));
		/* keep it a real when read back */
		if (strpbrk(buf, ".eE") == NULL) strcat(buf, ".0");
		fputs(buf, fp);
		break;
	case JSON_TRUE: fputs("true", fp); break;
	case JSON_FALSE: fputs("false", fp); break;
	case JSON_NULL: fputs("null", fp); break;
	}
}

int mph_json_dump(json_t *j, FILE *fp)
{
	dump(j, fp, 0);
	putc('\n', fp);
	return ferror(fp) ? -1 : 0;
}

/* jansson keeps no positions once a document is parsed, so a message about
 * a value's meaning ("knob 'a': unknown type 'integer'") would name no line.
 * This finds one in the file's text: the quoted names in the message, in
 * order, each searched from where the one before it was found. A message
 * naming the second of two equal names ("duplicate ... 'a'") looks for the
 * second occurrence. Best effort: the message is right either way. */
static const char *find_token(const char *text, const char *from, const char *tok, int quoted)
{
	size_t n = strlen(tok);
	const char *p = from;
	if (n == 0) return NULL;
	while ((p = strstr(p, tok)) != NULL) {
		if (!quoted || (p > text && p[-1] == '"' && p[n] == '"')) return quoted ? p - 1 : p;
		p++;
	}
	return NULL;
}

void mph_json_locate(const char *path, mph_error *err)
{
	FILE *fp;
	char *text, *q, *msg;
	const char *at = NULL, *from;
	long n;
	if (err == NULL || err->line > 0 || path == NULL || strcmp(path, "-") == 0) return;
	if ((fp = fopen(path, "r")) == NULL) return;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || n > (1L << 24)) { fclose(fp); return; }
	rewind(fp);
	text = mph_malloc((size_t)n + 1);
	n = (long)fread(text, 1, (size_t)n, fp);
	text[n] = '\0';
	fclose(fp);
	from = text;
	msg = mph_strdup(err->text);
	for (q = strchr(msg, '\''); q != NULL; q = strchr(q, '\'')) {
		char *end = strchr(q + 1, '\'');
		const char *hit;
		if (end == NULL) break;
		*end = '\0';
		hit = find_token(text, from, q + 1, 1);
		if (hit == NULL) hit = find_token(text, from, q + 1, 0);
		if (hit != NULL) {
			if (strncmp(msg, "duplicate", 9) == 0) {
				const char *again = find_token(text, hit + 2, q + 1, 1);
				if (again != NULL) hit = again;
			}
			at = hit;
			from = hit + 1;
		}
		q = end + 1;
	}
	if (at != NULL) {
		const char *p;
		long line = 1, col = 1;
		for (p = text; p < at; p++) {
			if (*p == '\n') line++, col = 1;
			else col++;
		}
		err->line = line;
		err->col = col;
	}
	free(msg);
	free(text);
}
