/* Train/test splits of a trace's tasks: which services a meta-model may learn
 * from and which it is tested on, in one or several folds. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "eval/eval.h"

static mph_split *split_new(size_t nfolds, size_t ntasks)
{
	mph_split *sp = mph_calloc(1, sizeof *sp);
	sp->nfolds = nfolds;
	sp->ntasks = ntasks;
	sp->test = mph_calloc(nfolds * ntasks + 1, 1);
	return sp;
}

void mph_split_free(mph_split *sp)
{
	if (sp == NULL) return;
	free(sp->test);
	free(sp);
}

static long task_index(const char *const *tasks, size_t ntasks, const char *name)
{
	size_t i;
	for (i = 0; i < ntasks; i++)
		if (strcmp(tasks[i], name) == 0) return (long)i;
	return -1;
}

mph_split *mph_split_names(const char *const *tasks, size_t ntasks, const char *const *names,
                           size_t nnames, int names_are_test, mph_error *err)
{
	mph_split *sp = split_new(1, ntasks);
	size_t i, ntest = 0;
	for (i = 0; i < ntasks; i++) sp->test[i] = !names_are_test;
	for (i = 0; i < nnames; i++) {
		long t = task_index(tasks, ntasks, names[i]);
		if (t < 0) {
			mph_error_set(err, NULL, 0, 0, "no task '%s' in the trace", names[i]);
			mph_split_free(sp);
			return NULL;
		}
		sp->test[t] = (unsigned char)names_are_test;
	}
	for (i = 0; i < ntasks; i++) ntest += sp->test[i];
	if (ntest == 0 || ntest == ntasks) {
		mph_error_set(err, NULL, 0, 0, ntest == 0 ? "the split leaves no task to test on"
		                                          : "the split leaves no task to train on");
		mph_split_free(sp);
		return NULL;
	}
	return sp;
}

/* One name a line; blank lines and lines starting with '#' are skipped, and
 * surrounding blanks trimmed, so a list can be written by hand. */
mph_split *mph_split_read(const char *path, const char *const *tasks, size_t ntasks,
                          int names_are_test, mph_error *err)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, **names = NULL;
	size_t cap = 0, n = 0, ncap = 0, i;
	long lineno = 0;
	ssize_t len;
	mph_split *sp = NULL;
	if (fp == NULL) {
		mph_error_set(err, path, 0, 0, "%s", strerror(errno));
		return NULL;
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		char *s = line, *e = line + len;
		lineno++;
		while (s < e && isspace((unsigned char)*s)) s++;
		while (e > s && isspace((unsigned char)e[-1])) e--;
		*e = '\0';
		if (*s == '\0' || *s == '#') continue;
		if (task_index(tasks, ntasks, s) < 0) {
			mph_error_set(err, path, lineno, 0, "no task '%s' in the trace", s);
			goto out;
		}
		if (n == ncap) names = mph_realloc(names, (ncap = ncap ? 2 * ncap : 16) * sizeof *names);
		names[n++] = mph_strdup(s);
	}
	if (ferror(fp)) {
		mph_error_set(err, path, 0, 0, "%s", strerror(errno));
		goto out;
	}
	if ((sp = mph_split_names(tasks, ntasks, (const char *const *)names, n, names_are_test, err)) == NULL)
		mph_error_locate(err, path, -1);
out:
	for (i = 0; i < n; i++) free(names[i]);
	free(names);
	free(line);
	fclose(fp);
	return sp;
}

mph_split *mph_split_loo(size_t ntasks, mph_error *err)
{
	mph_split *sp;
	size_t f;
	if (ntasks < 2) {
		mph_error_set(err, NULL, 0, 0, "leave-one-out needs at least 2 tasks, the trace has %zu", ntasks);
		return NULL;
	}
	sp = split_new(ntasks, ntasks);
	for (f = 0; f < ntasks; f++) sp->test[f * ntasks + f] = 1;
	return sp;
}

static size_t key_len(const char *name, const char *sep)
{
	return sep == NULL || *sep == '\0' ? strlen(name) : strcspn(name, sep);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Tasks that share a group (the name up to the first separator: the model a
 * service runs) are held out together, so no fold tests on a service whose
 * sibling it trained on. Groups are dealt to folds round-robin in name order:
 * deterministic, and related names end up apart. */
mph_split *mph_split_kfold(const char *const *tasks, size_t ntasks, size_t k, const char *sep,
                           mph_error *err)
{
	char **groups = mph_malloc((ntasks ? ntasks : 1) * sizeof *groups);
	size_t ng = 0, i, g;
	mph_split *sp = NULL;
	for (i = 0; i < ntasks; i++) {
		size_t len = key_len(tasks[i], sep);
		for (g = 0; g < ng; g++)
			if (strlen(groups[g]) == len && strncmp(groups[g], tasks[i], len) == 0) break;
		if (g == ng) {
			groups[ng] = mph_malloc(len + 1);
			memcpy(groups[ng], tasks[i], len);
			groups[ng++][len] = '\0';
		}
	}
	if (k < 2 || k > ng) {
		mph_error_set(err, NULL, 0, 0, "%zu folds asked for, but the trace has %zu task group%s (2..%zu folds possible)",
		              k, ng, ng == 1 ? "" : "s", ng);
		goto out;
	}
	qsort(groups, ng, sizeof *groups, cmp_str);
	sp = split_new(k, ntasks);
	for (i = 0; i < ntasks; i++) {
		size_t len = key_len(tasks[i], sep);
		for (g = 0; g < ng; g++)
			if (strlen(groups[g]) == len && strncmp(groups[g], tasks[i], len) == 0) break;
		sp->test[(g % k) * ntasks + i] = 1;
	}
out:
	for (g = 0; g < ng; g++) free(groups[g]);
	free(groups);
	return sp;
}

int mph_split_is_test(const mph_split *sp, size_t fold, size_t task)
{
	return sp->test[fold * sp->ntasks + task];
}

size_t mph_split_nfolds(const mph_split *sp) { return sp->nfolds; }

mph_split *mph_split_tasks(const char *arg, const char *const *tasks, size_t ntasks,
                           int names_are_test, mph_error *err)
{
	struct stat st;
	const char **names;
	char *buf;
	size_t n = 1, i;
	mph_split *sp;
	if (stat(arg, &st) == 0 && !S_ISDIR(st.st_mode))
		return mph_split_read(arg, tasks, ntasks, names_are_test, err);
	for (i = 0; arg[i]; i++) n += arg[i] == ',';
	names = mph_malloc(n * sizeof *names);
	buf = mph_strdup(arg);
	names[0] = buf;
	for (i = 0, n = 1; buf[i]; i++)
		if (buf[i] == ',') { buf[i] = '\0'; names[n++] = buf + i + 1; }
	sp = mph_split_names(tasks, ntasks, names, n, names_are_test, err);
	free(names);
	free(buf);
	return sp;
}

mph_split *mph_split_untrained(const char *const *tasks, size_t ntasks, const mph_model *model,
                               const char *model_path, mph_error *err)
{
	json_t *data = json_object_get(model->provenance, "data");
	json_t *trained = data ? json_object_get(data, "tasks") : NULL, *v;
	const char **names;
	size_t n = 0, i, j;
	mph_split *sp;
	if (!json_is_array(trained)) {
		mph_error_set(err, model_path, 0, 0, "the model does not say which tasks it was trained on: give a split");
		return NULL;
	}
	names = mph_malloc((ntasks ? ntasks : 1) * sizeof *names);
	for (i = 0; i < ntasks; i++)
		json_array_foreach(trained, j, v)
			if (json_is_string(v) && strcmp(json_string_value(v), tasks[i]) == 0) {
				names[n++] = tasks[i];
				break;
			}
	sp = mph_split_names(tasks, ntasks, names, n, 0, err);
	free(names);
	return sp;
}

mph_split *mph_split_all(size_t ntasks)
{
	mph_split *sp = split_new(1, ntasks);
	memset(sp->test, 1, ntasks);
	return sp;
}
