/* CSV reader: RFC 4180 cases, line numbers, and malformed input. */
#include <string.h>
#include "io/io.h"
#include "unit.h"

static mph_csv *open_text(const char *text, mph_error *err)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	return mph_csv_open_fp(fp, "t.csv", err);
}

int main(void)
{
	mph_error err;
	mph_csv *c;
	const char *text;

	/* quoted fields with commas, quotes and a newline; CRLF; BOM */
	text = "\xEF\xBB\xBF" "a,b,c\r\n1,\"x,y\",\"he said \"\"hi\"\"\"\r\n2,\"two\nlines\",z\r\n\r\n3, sp ,\"\"\n";
	c = open_text(text, &err);
	CHECK(c != NULL);
	CHECK(mph_csv_ncols(c) == 3);
	CHECK(strcmp(mph_csv_header(c)[0], "a") == 0);
	CHECK(mph_csv_col(c, "c") == 2 && mph_csv_col(c, "d") == -1);
	CHECK(mph_csv_read(c, &err) == 1);
	CHECK(mph_csv_line(c) == 2);
	CHECK(strcmp(mph_csv_field(c, 1), "x,y") == 0);
	CHECK(strcmp(mph_csv_field(c, 2), "he said \"hi\"") == 0);
	CHECK(mph_csv_read(c, &err) == 1);
	CHECK(mph_csv_line(c) == 3);
	CHECK(strcmp(mph_csv_field(c, 1), "two\nlines") == 0);
	CHECK(mph_csv_read(c, &err) == 1);
	CHECK(mph_csv_line(c) == 6); /* after the multi-line record and a blank line */
	CHECK(strcmp(mph_csv_field(c, 1), " sp ") == 0);
	CHECK(strcmp(mph_csv_field(c, 2), "") == 0);
	CHECK(mph_csv_read(c, &err) == 0);
	mph_csv_close(c);

	/* last record without a newline */
	c = open_text("x\n1\n2", &err);
	CHECK(mph_csv_read(c, &err) == 1 && mph_csv_read(c, &err) == 1);
	CHECK(strcmp(mph_csv_field(c, 0), "2") == 0 && mph_csv_line(c) == 3);
	CHECK(mph_csv_read(c, &err) == 0);
	mph_csv_close(c);

	/* a bare CR ends a record (libcsv): the next one has its line, also
	 * when a quoted field takes it over a line end (fuzz: csv) */
	c = open_text("a\r1\n2\r\"x\ny\"\n3\n", &err);
	CHECK(c != NULL);
	CHECK(mph_csv_read(c, &err) == 1 && strcmp(mph_csv_field(c, 0), "1") == 0 && mph_csv_line(c) == 1);
	CHECK(mph_csv_read(c, &err) == 1 && strcmp(mph_csv_field(c, 0), "2") == 0 && mph_csv_line(c) == 2);
	CHECK(mph_csv_read(c, &err) == 1 && strcmp(mph_csv_field(c, 0), "x\ny") == 0 && mph_csv_line(c) == 2);
	CHECK(mph_csv_read(c, &err) == 1 && strcmp(mph_csv_field(c, 0), "3") == 0 && mph_csv_line(c) == 4);
	CHECK(mph_csv_read(c, &err) == 0);
	mph_csv_close(c);

	/* a record of one empty field is written so that it reads back (fuzz: csv) */
	{
		const char *empty[] = {""}, *two[] = {"", ""}, *head[] = {"h"};
		char *buf = NULL, *row;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		mph_csv_write_row(out, head, 1);
		mph_csv_write_row(out, two, 1);
		mph_csv_write_row(out, empty, 1);
		fclose(out);
		CHECK(strcmp(buf, "h\n\"\"\n\"\"\n") == 0);
		c = open_text(buf, &err);
		CHECK(c != NULL && mph_csv_ncols(c) == 1);
		CHECK(mph_csv_read(c, &err) == 1 && strcmp(mph_csv_field(c, 0), "") == 0 && mph_csv_line(c) == 2);
		CHECK(mph_csv_read(c, &err) == 1 && strcmp(mph_csv_field(c, 0), "") == 0 && mph_csv_line(c) == 3);
		CHECK(mph_csv_read(c, &err) == 0);
		mph_csv_close(c);
		free(buf);
		row = mph_csv_row_string(empty, 1);
		CHECK(strcmp(row, "\"\"") == 0);
		free(row);
		row = mph_csv_row_string(two, 2);
		CHECK(strcmp(row, ",") == 0);
		free(row);
	}

	/* numbers */
	c = open_text("v\n1.5\nabc\n", &err);
	{
		double x;
		CHECK(mph_csv_read(c, &err) == 1 && mph_csv_double(c, 0, &x, &err) == 0 && x == 1.5);
		CHECK(mph_csv_read(c, &err) == 1 && mph_csv_double(c, 0, &x, &err) == -1);
		CHECK(strcmp(err.text, "column 'v': not a number: 'abc'") == 0 && err.line == 3);
	}
	mph_csv_close(c);

	/* errors */
	CHECK(open_text("", &err) == NULL);
	CHECK(strcmp(err.text, "empty input: a header row is required") == 0);
	CHECK(open_text("a,a\n", &err) == NULL);
	CHECK(strcmp(err.text, "header: duplicate column 'a'") == 0);
	CHECK(open_text("a,,b\n", &err) == NULL);
	CHECK(strcmp(err.text, "header: column 2 has no name") == 0);
	c = open_text("a,b\n1,2\n1,2,3\n", &err);
	CHECK(mph_csv_read(c, &err) == 1);
	CHECK(mph_csv_read(c, &err) == -1);
	CHECK(strcmp(err.text, "expected 2 fields, found 3") == 0 && err.line == 3);
	mph_csv_close(c);
	c = open_text("a\n\"open\n", &err);
	CHECK(mph_csv_read(c, &err) == -1);
	CHECK(strcmp(err.text, "unterminated quoted field at end of input") == 0);
	mph_csv_close(c);
	c = open_text("a\n\"x\"y\n", &err);
	CHECK(mph_csv_read(c, &err) == -1 && err.line == 2);
	mph_csv_close(c);
	{
		size_t n = (1 << 20) + 10;
		char *big = malloc(n + 8);
		memcpy(big, "a\n", 2);
		memset(big + 2, 'x', n);
		strcpy(big + 2 + n, "\n");
		c = open_text(big, &err);
		CHECK(c != NULL);
		CHECK(mph_csv_read(c, &err) == -1);
		CHECK(strcmp(err.text, "field longer than 1048576 bytes") == 0 && err.line == 2);
		mph_csv_close(c);
		free(big);
	}
	return UNIT_DONE();
}
