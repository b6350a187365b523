/* tests/fuzz/replay.c: a plain main for a fuzz target, built with the
 * ordinary compiler: runs LLVMFuzzerTestOneInput once on each file named
 * (folders: on each file inside), so that make check replays every corpus
 * and every finding stays fixed without clang or libFuzzer. Exit 0 when all
 * ran; a broken invariant aborts. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0, got;
	if (fp == NULL) { fprintf(stderr, "replay: %s: %s\n", path, strerror(errno)); return -1; }
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			if ((buf = realloc(buf, cap)) == NULL) abort();
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
	} while (got > 0);
	if (ferror(fp)) { fprintf(stderr, "replay: %s: read error\n", path); fclose(fp); free(buf); return -1; }
	fclose(fp);
	/* a copy of exactly n bytes, so a read past the end is caught by ASan or valgrind */
	{
		unsigned char *exact = malloc(n ? n : 1);
		if (exact == NULL) abort();
		if (n) memcpy(exact, buf, n);
		free(buf);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	return 0;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
	int i, bad = 0;
	long count = 0;
	if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) { fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno)); bad = 1; continue; }
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			char **names = NULL;
			size_t n = 0, k;
			if (d == NULL) { bad = 1; continue; }
			while ((e = readdir(d)) != NULL) {
				if (e->d_name[0] == '.') continue;
				if ((names = realloc(names, (n + 1) * sizeof *names)) == NULL) abort();
				if ((names[n] = malloc(strlen(argv[i]) + strlen(e->d_name) + 2)) == NULL) abort();
				sprintf(names[n++], "%s/%s", argv[i], e->d_name);
			}
			closedir(d);
			qsort(names, n, sizeof *names, cmp);
			for (k = 0; k < n; k++) {
				if (run_file(names[k]) != 0) bad = 1; else count++;
				free(names[k]);
			}
			free(names);
		} else if (run_file(argv[i]) != 0) bad = 1;
		else count++;
	}
	fprintf(stderr, "replay: %ld inputs\n", count);
	return bad;
}
