/* Sets of configuration ids: what drops a configuration listed twice and
 * what rejection sampling checks its draws against. */
#include <string.h>
#include "core/core.h"

static void alloc_keys(mph_idset *t, size_t cap)
{
	t->key = mph_malloc(cap * sizeof *t->key);
	memset(t->key, 0xff, cap * sizeof *t->key);
	t->mask = cap - 1;
	t->n = 0;
}

void mph_idset_init(mph_idset *t, size_t n)
{
	size_t cap = 16;
	while (cap < 2 * n + 2) cap <<= 1;
	alloc_keys(t, cap);
}

static int insert(mph_idset *t, uint64_t id)
{
	size_t h = (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 17) & t->mask;
	while (t->key[h] != UINT64_MAX) {
		if (t->key[h] == id) return 0;
		h = (h + 1) & t->mask;
	}
	t->key[h] = id;
	t->n++;
	return 1;
}

int mph_idset_add(mph_idset *t, uint64_t id)
{
	/* at most half full, so that probes stay short */
	if (2 * (t->n + 1) > t->mask + 1) {
		uint64_t *old = t->key;
		size_t cap = t->mask + 1, i;
		alloc_keys(t, 2 * cap);
		for (i = 0; i < cap; i++)
			if (old[i] != UINT64_MAX) insert(t, old[i]);
		free(old);
	}
	return insert(t, id);
}

void mph_idset_free(mph_idset *t)
{
	free(t->key);
	t->key = NULL;
}
