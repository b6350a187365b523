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

/* ---- local steps (region.c) ---- */
/* Trials after the one that last raised the best utility. */
size_t mph_local_age(const mph_trial *t, size_t nt);
/* The next step is a local one under o. */
int mph_local_due(const mph_local_opts *o, const mph_trial *t, size_t nt);
/* Of the open candidates (taken[i] == 0, score not NaN) that differ from
 * one of the top best trials that worked (top <= 0: all) in at most maxd
 * knobs, those that differ in fewest; of them the highest score (ties: the
 * earlier candidate). -1 when there is none. */
long mph_local_pick(const mph_space *sp, const mph_candidates *c, const mph_trial *t, size_t nt,
                    const unsigned char *taken, const double *score, int top, size_t maxd);

/* ---- profiles (profiles.c) ---- */
/* morphling-gp's prior with the profiles blended in: cand (the candidates'
 * predicted metric; those with skip[i] set are left alone) and trial (the
 * trials', may be NULL), in place. Each profile is shifted by the mean log
 * ratio that fits it to the trials that worked and weighted by how well it
 * then fits them; the result, where the model predicts a positive metric
 * and a profile with weight knows a value, is exp(model_weight * log(model)
 * + (1 - model_weight) * the profiles' weighted mean). */
void mph_profiles_blend(const mph_profiles *p, const mph_candidates *c, const unsigned char *skip,
                        const mph_trial *t, size_t nt, double model_weight, double *cand, double *trial);

#endif
