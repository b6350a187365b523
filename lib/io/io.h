/* io/io.h: libmph's private header for the io layer: CSV over libcsv, JSON
 * over jansson, appending rows to a trials file. Not installed; the library's
 * files and the unit tests include it. What the tools call is in mph.h. */
#ifndef MPH_IO_H
#define MPH_IO_H
#include "mph.h"
#include "core/core.h"

/* Fails with "WHERE: unknown key 'K'" ("unknown key 'K'" when where is "")
 * for the first key of obj not in the NULL-terminated allowed. */
int mph_json_check_keys(json_t *obj, const char *const *allowed, const char *file,
                        const char *where, mph_error *err);

/* ---- csv ---- */
const char *mph_csv_field(const mph_csv *c, size_t col);
/* The line on which the current record starts. */
long mph_csv_line(const mph_csv *c);
/* Finds a column that must exist: its index, or -1 with
 * "missing required column 'NAME'" in err. */
long mph_csv_require(const mph_csv *c, const char *name, mph_error *err);
/* Parses field col of the current record as a finite number; on failure
 * fills err with "column 'NAME': not a number: 'VALUE'" at the record's line. */
int mph_csv_double(const mph_csv *c, size_t col, double *out, mph_error *err);
/* One CSV record without its line end, quoted as mph_csv_write_field
 * would; the caller frees it. */
char *mph_csv_row_string(const char *const *fields, size_t n);
/* Reads from fp (not closed by mph_csv_close); name is used in messages. */
mph_csv *mph_csv_open_fp(FILE *fp, const char *name, mph_error *err);

/* ---- appending rows ---- */
/* Appending rows to a trials file by column name: the file's header (or,
 * for a new or empty file, the rows' header, written first) decides the
 * columns; a row's columns are placed by name, file columns it lacks are
 * left empty, and its columns the file lacks are dropped (listed by
 * mph_append_dropped so a tool can warn). Each row is one write() of one
 * line, synced to disk before mph_append_row returns; a new file appears
 * with its header (written to a temporary file, then linked to the name).
 * The file is locked (flock, exclusive: a second run waits) from begin, or
 * from its creation, to close. */
typedef struct mph_append mph_append;
/* Opens and locks an existing file and reads its header; a missing file is
 * no error (mph_append_exists 0: created by mph_append_columns). */
mph_append *mph_append_begin(const char *path, mph_error *err);
int mph_append_exists(const mph_append *a);
size_t mph_append_ncols(const mph_append *a);             /* 0: no header yet */
const char *mph_append_col(const mph_append *a, size_t i);
/* The rows' header: creates the file when new, maps the columns by name. */
int mph_append_columns(mph_append *a, const char *const *cols, size_t ncols, mph_error *err);
/* begin, then columns. */
mph_append *mph_append_open(const char *path, const char *const *cols, size_t ncols, mph_error *err);
int mph_append_row(mph_append *a, const char *const *fields, mph_error *err);
size_t mph_append_ndropped(const mph_append *a);
const char *mph_append_dropped(const mph_append *a, size_t i);
int mph_append_close(mph_append *a, mph_error *err); /* frees a, unlocks; NULL is fine */

/* ---- json ---- */
/* Loads a JSON file ("-" for stdin) into err's file/line/column on failure. */
json_t *mph_json_load(const char *path, mph_error *err);
/* mph_json_load in two steps: the whole file ("-": stdin) in memory (a
 * regular file mapped, so the text is not NUL-terminated), then its text
 * parsed (name: for messages). */
typedef struct {
	const char *text;
	size_t len;
	void *map;     /* the mapping, or NULL */
	size_t maplen;
	char *buf;     /* the text read into memory, or NULL */
} mph_json_text;
int mph_json_text_read(mph_json_text *t, const char *path, mph_error *err); /* 0 or -1 */
void mph_json_text_free(mph_json_text *t);
json_t *mph_json_parse(const char *text, size_t len, const char *name, mph_error *err);

/* A bulky part of a document read in place rather than into jansson values
 * (a model's weights): mph_json_parse_hooked reads text as mph_json_parse's
 * own fast reader does, but hands the value of the top-level object's key
 * to hook, which must consume exactly that value through the reader and
 * return 0; the key is left out of the object returned. NULL where the fast
 * reader leaves the document to jansson (it is then not valid, or unusual:
 * see json.c) or the hook returned non-zero: read it with mph_json_parse. */
typedef struct mph_json_reader mph_json_reader;
typedef int (*mph_json_hook)(mph_json_reader *r, void *ctx);
json_t *mph_json_parse_hooked(const char *text, size_t len, const char *key, mph_json_hook hook, void *ctx);
/* For hooks. accept: 1 (and consumed) when ch is next after white space;
 * read_key: a plain "key" and its ':' (in scratch valid until the next
 * read), else NULL; read_value: the next value (NULL: not for the fast
 * reader); read_numbers: '[' then exactly n numbers, as
 * json_number_value would give them, then ']' (0, else -1). */
int mph_json_accept(mph_json_reader *r, int ch);
const char *mph_json_read_key(mph_json_reader *r);
json_t *mph_json_read_value(mph_json_reader *r);
int mph_json_read_numbers(mph_json_reader *r, double *out, size_t n);

/* Adds a best-effort line and column to an error about a JSON file's
 * meaning (not its syntax), found from the names quoted in the message. */
void mph_json_locate(const char *path, mph_error *err);

#endif
