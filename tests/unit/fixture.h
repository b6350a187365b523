/* The search layer's unit tests start alike: a space and an objective from
 * inline JSON, and every configuration of the space, in id order, as the
 * candidates. Only those tests include this (it needs jansson and mph.h;
 * unit.h stays bare). */
#ifndef MPH_UNIT_FIXTURE_H
#define MPH_UNIT_FIXTURE_H
#include <stdlib.h>
#include <jansson.h>
#include "mph.h"

typedef struct {
	mph_space *space;
	mph_objective *obj;
	mph_candidates *cand; /* every configuration, candidate i is id i */
	json_t *js, *jo;      /* the texts, kept until the fixture closes */
} unit_fixture;

/* 0, or -1 when a text does not parse; either way unit_fixture_close. */
static int unit_fixture_open(unit_fixture *f, const char *space_json, const char *obj_json)
{
	json_error_t je;
	size_t n, i, *idx;
	f->js = json_loads(space_json, 0, &je);
	f->jo = json_loads(obj_json, 0, &je);
	f->space = f->js ? mph_space_from_json(f->js, "space", NULL) : NULL;
	f->obj = f->jo ? mph_objective_from_json(f->jo, "objective", NULL) : NULL;
	f->cand = NULL;
	if (f->space == NULL || f->obj == NULL) return -1;
	n = (size_t)mph_space_size(f->space);
	idx = malloc((n ? n : 1) * mph_space_nknobs(f->space) * sizeof *idx);
	for (i = 0; i < n; i++) mph_space_config_from_id(f->space, i, idx + i * mph_space_nknobs(f->space));
	f->cand = mph_candidates_from_configs(f->space, idx, n, f->obj, NULL);
	free(idx);
	return f->cand != NULL ? 0 : -1;
}

static void unit_fixture_close(unit_fixture *f)
{
	mph_candidates_free(f->cand);
	mph_objective_free(f->obj);
	mph_space_free(f->space);
	json_decref(f->js);
	json_decref(f->jo);
}
#endif
