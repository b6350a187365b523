/* tests/fuzz/fuzz.h: what every fuzz target shares. A target is one
 * LLVMFuzzerTestOneInput over the library's real entry points; it is linked
 * either with libFuzzer (make fuzz: clang, ASan, UBSan) or with replay.c, a
 * plain main that feeds it the files of a corpus (make check replays every
 * corpus through it, so a finding stays fixed).
 *
 * The invariants a target checks beyond "no crash" end in fuzz_fail(), which
 * aborts: libFuzzer then reports the input as a crash and the replay exits
 * with SIGABRT. */
#ifndef MPH_FUZZ_H
#define MPH_FUZZ_H
#define _GNU_SOURCE 1
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "mph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz invariant broken: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

/* A failing call must say why: an empty message is a bug. */
static inline void fuzz_check_error(const mph_error *err, const char *call)
{
	if (err->text[0] == '\0') fuzz_fail("failed without a message", call);
}

/* The input as a NUL-terminated string (free it). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL) abort();
	if (size) memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* The input as a read-only stream (fmemopen; an empty input as /dev/null,
 * which fmemopen refuses). fclose it. */
static inline FILE *fuzz_stream(const uint8_t *data, size_t size)
{
	FILE *fp = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
	if (fp == NULL) abort();
	return fp;
}

/* The input as a path, for loaders that open a path themselves (trials,
 * traces, the JSON loaders): one memory file, rewritten per input, reached
 * through /proc/self/fd. No disk is touched. */
static inline const char *fuzz_path(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("mph-fuzz", 0);
		if (fd < 0) abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) abort();
	return path;
}

/* A JSON text compiled into the target (a fixed space or objective). */
static inline json_t *fuzz_json(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (j == NULL) fuzz_fail("bad built-in JSON", je.text);
	return j;
}
#endif
