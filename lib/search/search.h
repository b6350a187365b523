/* search/search.h: libmph's private header for the search layer: candidates
 * and the acquisition over them: every algorithm mph-suggest offers. Not
 * installed; the library's files and the unit tests include it. What the tools
 * call is in mph.h. */
#ifndef MPH_SEARCH_H
#define MPH_SEARCH_H
#include "mph.h"
#include "learn/learn.h"

/* ---- candidates and search ---- */
size_t mph_candidates_nfeatures(const mph_candidates *c);
const mph_space *mph_candidates_space(const mph_candidates *c);
const mph_objective *mph_candidates_objective(const mph_candidates *c);
const double *mph_candidates_x(const mph_candidates *c); /* n x nfeatures */

const size_t *mph_candidates_config(const mph_candidates *c, size_t i); /* nknobs indices */

/* The algorithm fits a gaussian process (a batch keeps its hyper-parameters). */
int mph_algo_uses_gp(mph_algo a);

/* How many of n trials the GP algorithms fit hyper-parameters on: n up to
 * 30, then the longest prefix whose length is a multiple of n / 10 (the
 * fit is cached, the GP conditioned on all n). */
size_t mph_search_gp_refit_point(size_t n);

#endif
