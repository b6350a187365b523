/* Meta-training of an mph_mlp over the tasks of a trace: MAML (exact second
 * order or first order) and plain pooled pretraining, both on the same
 * K-shot episodes and the same per-task target normalisation that
 * adaptation uses later, so what is learnt is what is used. */
#define _GNU_SOURCE /* sched_getaffinity */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include "core/core.h"
#include "learn/learn.h"

/* ---- the MAML meta-gradient of one task ---- */

typedef struct {
	mph_mlp *w;       /* holds the inner-loop weights */
	size_t np;
	int steps;
	double *theta;    /* (steps + 1) x np: the inner-loop trajectory */
	double *tape;     /* steps tapes of the support set, one per inner step */
	size_t tapecap;
} maml_ws;

static void ws_init(maml_ws *ws, const mph_mlp *m, int steps)
{
	ws->w = mph_mlp_clone(m);
	ws->np = mph_mlp_nparams(m);
	ws->steps = steps;
	ws->theta = mph_malloc((size_t)(steps + 1) * ws->np * sizeof(double));
	ws->tape = NULL;
	ws->tapecap = 0;
}

static void ws_free(maml_ws *ws)
{
	mph_mlp_free(ws->w);
	free(ws->theta); free(ws->tape);
}

/* theta_{j+1} = theta_j - lr grad L_S(theta_j); the meta-gradient is
 * prod_j (I - lr H_S(theta_j)) grad L_Q(theta_d), applied right to left as
 * d Hessian-vector products. Each inner step records its forward and
 * backward pass on a tape that the product at the same theta_j reuses. */
static double task_grad(maml_ws *ws, const double *theta0, const double *Xs, const double *ys,
                        size_t ns, const double *Xq, const double *yq, size_t nq, double lr,
                        int first_order, double *grad)
{
	size_t np = ws->np, tl = mph_mlp_tape_len(ws->w, ns);
	double lossq;
	int j;
	if (!first_order && ws->tapecap < (size_t)ws->steps * tl) {
		free(ws->tape);
		ws->tapecap = (size_t)ws->steps * tl;
		ws->tape = mph_malloc(ws->tapecap * sizeof(double));
	}
	memcpy(ws->theta, theta0, np * sizeof(double));
	for (j = 0; j < ws->steps; j++) {
		double *tj = ws->theta + (size_t)j * np;
		mph_mlp_bind(ws->w, tj);
		mph_mlp_sgd_step_tape(ws->w, Xs, ys, ns, lr, tj + np,
		                      first_order ? NULL : ws->tape + (size_t)j * tl);
	}
	mph_mlp_bind(ws->w, ws->theta + (size_t)ws->steps * np);
	lossq = mph_mlp_loss_grad(ws->w, Xq, yq, nq, grad);
	if (!first_order)
		for (j = ws->steps - 1; j >= 0; j--) {
			mph_mlp_bind(ws->w, ws->theta + (size_t)j * np);
			mph_mlp_hvp_step_tape(ws->w, Xs, ns, ws->tape + (size_t)j * tl, lr, grad);
		}
	mph_mlp_bind(ws->w, NULL);
	return lossq;
}

double mph_maml_task_grad(mph_mlp *m, const double *Xs, const double *ys, size_t ns,
                          const double *Xq, const double *yq, size_t nq, int steps, double lr,
                          int first_order, double *grad)
{
	maml_ws ws;
	double loss;
	ws_init(&ws, m, steps < 0 ? 0 : steps);
	loss = task_grad(&ws, mph_mlp_params_const(m), Xs, ys, ns, Xq, yq, nq, lr, first_order, grad);
	ws_free(&ws);
	return loss;
}

static const char *const mode_names[] = {"maml", "fomaml", "pretrain"};

const char *mph_meta_mode_name(mph_meta_mode mode)
{
	return (unsigned)mode < 3 ? mode_names[mode] : "?";
}

int mph_meta_mode_parse(const char *name, mph_meta_mode *mode)
{
	int i;
	for (i = 0; i < 3; i++)
		if (strcmp(name, mode_names[i]) == 0) {
			*mode = (mph_meta_mode)i;
			return 0;
		}
	return -1;
}

void mph_meta_opts_default(mph_meta_opts *o)
{
	memset(o, 0, sizeof *o);
	o->mode = MPH_META_MAML;
	o->iters = 1000;
	o->meta_batch = 4;
	o->shots = 16;
	o->query = 64;
	o->inner_steps = 10;
	o->inner_lr = 0.03;
	o->outer_lr = 1e-3;
	o->norm = MPH_NORM_ZSCORE;
}

void mph_meta_adapt_defaults(const mph_meta_opts *o, mph_train_opts *adapt)
{
	int pretrain = o->mode == MPH_META_PRETRAIN;
	if (adapt->steps < 0) adapt->steps = pretrain ? MPH_PRETRAIN_ADAPT_STEPS : o->inner_steps;
	if (adapt->lr < 0) adapt->lr = pretrain ? MPH_PRETRAIN_ADAPT_LR : o->inner_lr;
}

/* ---- meta-training ---- */

/* One network's meta-training, cut into what may run at the same time: the
 * tasks of an iteration, each with its own workspace and gradient slot, and
 * the update that follows them, which sums the slots in task order (the
 * order of the single-threaded loop, so the bytes do not depend on who
 * computed what) and draws the next iteration's episodes from the
 * network's own rng. */
typedef struct {
	mph_mlp *m;
	const mph_trace *t;
	const mph_meta_opts *o;
	mph_rng *rng;
	size_t nb, np, nf;
	size_t *tperm, *rperm;
	double *Xs, *ys, *Xq, *yq; /* nb episodes */
	size_t *nq;
	double *g, *loss;          /* nb x np gradients, nb query losses */
	double *am, *av, b1t, b2t; /* Adam */
	int it;                    /* iterations done */
	size_t handed, done;       /* tasks of this iteration handed out, finished */
	double last_loss;          /* mean query loss of the last iteration */
	int finished, rc;
	mph_error err;
} meta_job;

static int job_check(const mph_mlp *m, const mph_trace *t, const mph_meta_opts *o, size_t *maxn,
                     mph_error *err)
{
	size_t k, total = 0;
	*maxn = 0;
	if (mph_mlp_nin(m) != t->nfeatures)
		return mph_error_set(err, NULL, 0, 0, "network has %zu inputs, the trace encodes %zu features",
		                     mph_mlp_nin(m), t->nfeatures);
	if (o->iters < 0 || o->meta_batch < 1 || o->shots < 1 || o->query < 1 || o->inner_steps < 0 ||
	    !(o->inner_lr >= 0.0) || !(o->outer_lr > 0.0))
		return mph_error_set(err, NULL, 0, 0, "invalid meta-training settings");
	for (k = 0; k < t->ntasks; k++) {
		const mph_task *tk = &t->tasks[k];
		if (tk->n < (size_t)o->shots + 1)
			return mph_error_set(err, NULL, 0, 0,
			                     "task '%s' has %zu rows, fewer than %d (%d shots + 1 query)",
			                     tk->name, tk->n, o->shots + 1, o->shots);
		if (tk->n > *maxn) *maxn = tk->n;
		total += tk->n;
	}
	if (total == 0) return mph_error_set(err, NULL, 0, 0, "the trace has no rows");
	return 0;
}

/* The episodes of iteration job->it: the tasks, then each task's support
 * and query rows (distinct rows, a partial Fisher-Yates), normalised by the
 * support set's statistics; the rng is drawn in the order of the loop this
 * replaces. */
static void job_sample(meta_job *j)
{
	const mph_trace *t = j->t;
	const mph_meta_opts *o = j->o;
	size_t nf = j->nf, ns = (size_t)o->shots, k, r;
	for (k = 0; k < t->ntasks; k++) j->tperm[k] = k;
	mph_rng_draw(j->rng, j->tperm, t->ntasks, j->nb);
	for (k = 0; k < j->nb; k++) {
		const mph_task *tk = &t->tasks[j->tperm[k]];
		size_t nq = (size_t)o->query;
		double *Xs = j->Xs + k * ns * nf, *ys = j->ys + k * ns;
		double *Xq = j->Xq + k * (ns + (size_t)o->query) * nf, *yq = j->yq + k * (ns + (size_t)o->query);
		mph_norm nm;
		if (ns + nq > tk->n) nq = tk->n - ns;
		for (r = 0; r < tk->n; r++) j->rperm[r] = r;
		mph_rng_draw(j->rng, j->rperm, tk->n, ns + nq);
		for (r = 0; r < ns; r++) {
			memcpy(Xs + r * nf, tk->x + j->rperm[r] * nf, nf * sizeof(double));
			ys[r] = tk->y[j->rperm[r]];
		}
		for (r = 0; r < nq; r++) {
			memcpy(Xq + r * nf, tk->x + j->rperm[ns + r] * nf, nf * sizeof(double));
			yq[r] = tk->y[j->rperm[ns + r]];
		}
		nm = mph_norm_fit(o->norm, ys, ns);
		mph_norm_apply(&nm, ys, ns, ys);
		mph_norm_apply(&nm, yq, nq, yq);
		j->nq[k] = nq;
	}
}

static int job_init(meta_job *j, mph_mlp *m, const mph_trace *t, const mph_meta_opts *o,
                    mph_rng *rng)
{
	size_t maxn, ns = (size_t)o->shots, nqs = (size_t)o->shots + (size_t)o->query;
	memset(j, 0, sizeof *j);
	j->m = m; j->t = t; j->o = o; j->rng = rng;
	if ((j->rc = job_check(m, t, o, &maxn, &j->err)) != 0) {
		j->finished = 1;
		return -1;
	}
	j->nb = (size_t)o->meta_batch < t->ntasks ? (size_t)o->meta_batch : t->ntasks;
	j->np = mph_mlp_nparams(m);
	j->nf = t->nfeatures;
	j->tperm = mph_malloc(t->ntasks * sizeof *j->tperm);
	j->rperm = mph_malloc(maxn * sizeof *j->rperm);
	j->Xs = mph_malloc(j->nb * ns * j->nf * sizeof(double));
	j->ys = mph_malloc(j->nb * ns * sizeof(double));
	j->Xq = mph_malloc(j->nb * nqs * j->nf * sizeof(double));
	j->yq = mph_malloc(j->nb * nqs * sizeof(double));
	j->nq = mph_malloc(j->nb * sizeof *j->nq);
	j->g = mph_malloc(j->nb * j->np * sizeof(double));
	j->loss = mph_malloc(j->nb * sizeof(double));
	j->am = mph_calloc(j->np, sizeof(double));
	j->av = mph_calloc(j->np, sizeof(double));
	j->b1t = j->b2t = 1.0;
	if (o->iters == 0) j->finished = 1;
	else job_sample(j);
	return 0;
}

static void job_free(meta_job *j)
{
	free(j->tperm); free(j->rperm); free(j->Xs); free(j->ys); free(j->Xq); free(j->yq);
	free(j->nq); free(j->g); free(j->loss); free(j->am); free(j->av);
}

/* The thread's workspace, fit for j's network: scratch only, so which
 * thread's it is changes no result. */
static maml_ws *ws_for(maml_ws *ws, int *ready, const meta_job *j)
{
	int steps = j->o->mode == MPH_META_PRETRAIN ? 0 : j->o->inner_steps;
	size_t l;
	int same = *ready && ws->np == j->np && ws->steps == steps &&
	           mph_mlp_nin(ws->w) == mph_mlp_nin(j->m) && mph_mlp_nhidden(ws->w) == mph_mlp_nhidden(j->m);
	for (l = 0; same && l < mph_mlp_nhidden(j->m); l++) same = mph_mlp_hidden(ws->w, l) == mph_mlp_hidden(j->m, l);
	if (!same) {
		if (*ready) ws_free(ws);
		ws_init(ws, j->m, steps);
		*ready = 1;
	}
	return ws;
}

/* Task k of the current iteration, into its own slot, with the calling
 * thread's workspace; touches nothing another task of any job touches. */
static void job_task(meta_job *j, size_t k, maml_ws *ws)
{
	const mph_meta_opts *o = j->o;
	size_t ns = (size_t)o->shots, nqs = ns + (size_t)o->query, nq = j->nq[k], nf = j->nf;
	double *Xs = j->Xs + k * ns * nf, *ys = j->ys + k * ns;
	double *Xq = j->Xq + k * nqs * nf, *yq = j->yq + k * nqs, *g = j->g + k * j->np;
	const double *p = mph_mlp_params_const(j->m);
	if (o->mode == MPH_META_PRETRAIN) {
		/* The pooled regression sees support and query alike. */
		mph_mlp *w = ws->w;
		memcpy(Xq + nq * nf, Xs, ns * nf * sizeof(double));
		memcpy(yq + nq, ys, ns * sizeof(double));
		mph_mlp_bind(w, p);
		j->loss[k] = mph_mlp_loss_grad(w, Xq, yq, nq + ns, g);
		mph_mlp_bind(w, NULL);
	} else {
		j->loss[k] = task_grad(ws, p, Xs, ys, ns, Xq, yq, nq, o->inner_lr,
		                       o->mode == MPH_META_FOMAML, g);
	}
}

/* Once every task of the iteration is done: Adam on the mean
 * meta-gradient, then the next iteration's episodes. */
static void job_update(meta_job *j)
{
	const mph_meta_opts *o = j->o;
	double lsum = 0.0, c1, c2, b1 = 0.9, b2 = 0.999, *p = mph_mlp_params(j->m);
	size_t np = j->np, i, k;
	/* the sums in the order of the loop this replaces: gsum += g task by task */
	double *gsum = j->g;
	for (k = 0; k < j->nb; k++) lsum += j->loss[k];
	for (k = 1; k < j->nb; k++) {
		const double *g = j->g + k * np;
		for (i = 0; i < np; i++) gsum[i] += g[i];
	}
	if (!isfinite(lsum)) {
		j->rc = mph_error_set(&j->err, NULL, 0, 0,
		                      "meta-training diverged at iteration %d (try a smaller learning rate)",
		                      j->it + 1);
		j->finished = 1;
		return;
	}
	j->b1t *= b1; j->b2t *= b2;
	c1 = o->outer_lr / (1.0 - j->b1t);
	c2 = 1.0 / (1.0 - j->b2t);
	for (i = 0; i < np; i++) {
		double gi = gsum[i] / (double)j->nb;
		j->am[i] = b1 * j->am[i] + (1.0 - b1) * gi;
		j->av[i] = b2 * j->av[i] + (1.0 - b2) * gi * gi;
		p[i] -= c1 * j->am[i] / (sqrt(j->av[i] * c2) + 1e-8);
	}
	j->last_loss = lsum / (double)j->nb;
	j->it++;
	if (j->it < o->iters) {
		job_sample(j);
		return;
	}
	j->finished = 1;
	for (i = 0; i < np; i++)
		if (!isfinite(p[i])) {
			j->rc = mph_error_set(&j->err, NULL, 0, 0, "meta-training produced non-finite weights");
			break;
		}
}

/* ---- the pool: threads take tasks from whichever network has one ---- */

typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	meta_job *jobs;
	size_t njobs, active;
	void (*member)(void *ctx, size_t k, size_t n);
} meta_pool;

static void report(meta_pool *pl, size_t k)
{
	const mph_meta_opts *o = pl->jobs[k].o;
	if (o->progress == NULL) return;
	if (pl->member) pl->member(o->progress_ctx, k, pl->njobs);
	o->progress(o->progress_ctx, pl->jobs[k].it, o->iters, pl->jobs[k].last_loss);
}

static void *worker(void *arg)
{
	meta_pool *pl = arg;
	maml_ws ws; /* one a thread: memory for the threads, not for the tasks */
	int ready = 0;
	pthread_mutex_lock(&pl->mu);
	while (pl->active > 0) {
		meta_job *j = NULL;
		size_t k = 0, i;
		/* the lowest-numbered network with a task to hand out */
		for (i = 0; i < pl->njobs; i++)
			if (!pl->jobs[i].finished && pl->jobs[i].handed < pl->jobs[i].nb) {
				j = &pl->jobs[i];
				k = j->handed++;
				break;
			}
		if (j == NULL) {
			pthread_cond_wait(&pl->cv, &pl->mu);
			continue;
		}
		pthread_mutex_unlock(&pl->mu);
		job_task(j, k, ws_for(&ws, &ready, j));
		pthread_mutex_lock(&pl->mu);
		if (++j->done < j->nb) continue;
		/* the last task of the iteration: no one else touches j now */
		pthread_mutex_unlock(&pl->mu);
		job_update(j);
		pthread_mutex_lock(&pl->mu);
		if (j->rc == 0) report(pl, (size_t)(j - pl->jobs));
		j->handed = j->done = 0;
		if (j->finished) pl->active--;
		pthread_cond_broadcast(&pl->cv);
	}
	pthread_mutex_unlock(&pl->mu);
	if (ready) ws_free(&ws);
	return NULL;
}

int mph_meta_threads_default(void)
{
	cpu_set_t set;
	long n;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

int mph_meta_train_many(mph_mlp **m, size_t n, const mph_trace *t, const mph_meta_opts *o,
                        mph_rng *rng, void (*member)(void *ctx, size_t k, size_t n),
                        mph_error *err)
{
	meta_pool pl;
	size_t k, units = 0, nthreads;
	pthread_t *tid;
	int rc = 0;
	memset(&pl, 0, sizeof pl);
	pl.jobs = mph_calloc(n ? n : 1, sizeof *pl.jobs);
	pl.njobs = n;
	pl.member = member;
	for (k = 0; k < n; k++) {
		job_init(&pl.jobs[k], m[k], t, o, &rng[k]);
		if (!pl.jobs[k].finished) {
			pl.active++;
			units += pl.jobs[k].nb;
		}
	}
	nthreads = o->threads > 0 ? (size_t)o->threads : (size_t)mph_meta_threads_default();
	if (nthreads > units) nthreads = units;
	if (pl.active > 0) {
		pthread_mutex_init(&pl.mu, NULL);
		pthread_cond_init(&pl.cv, NULL);
		tid = mph_malloc(nthreads * sizeof *tid);
		/* the calling thread is one of the workers */
		for (k = 1; k < nthreads; k++)
			if (pthread_create(&tid[k], NULL, worker, &pl) != 0) break;
		nthreads = k;
		worker(&pl);
		for (k = 1; k < nthreads; k++) pthread_join(tid[k], NULL);
		free(tid);
		pthread_cond_destroy(&pl.cv);
		pthread_mutex_destroy(&pl.mu);
	}
	for (k = 0; k < n; k++) {
		if (pl.jobs[k].rc != 0 && rc == 0) {
			if (err) *err = pl.jobs[k].err;
			rc = -1;
		}
		job_free(&pl.jobs[k]);
	}
	free(pl.jobs);
	return rc;
}

int mph_meta_train(mph_mlp *m, const mph_trace *t, const mph_meta_opts *o, mph_rng *rng,
                   mph_error *err)
{
	return mph_meta_train_many(&m, 1, t, o, rng, NULL, err);
}
