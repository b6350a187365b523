/* The model zoo's catalogue: models.csv and gpus.csv read into the
 * simulator's structs. Columns are found by name; extra columns (sources,
 * notes) are ignored. */
#include <string.h>
#include "probe/probe.h"

struct mph_zoo {
	mph_sim_model *m;
	size_t nm;
	mph_sim_gpu *g;
	size_t ng;
};

static const char *const model_cols[] = {
	"gmacs", "params_m", "layers", "act_peak_mb", "act_sum_mb", "in_values", "out_values"
};
static const char *const gpu_cols[] = {
	"mem_gb", "fp32_tflops", "fp16_tflops", "bw_gbs", "price",
	"compute_eff", "bw_eff", "layer_us", "pcie_gbs"
};
#define NMODEL_COLS (sizeof model_cols / sizeof *model_cols)
#define NGPU_COLS (sizeof gpu_cols / sizeof *gpu_cols)

/* Reads a name column and ncols numeric columns per row, each checked
 * positive (a zero figure would make the model divide by zero or nothing). */
static int read_table(const char *path, const char *const *cols, size_t ncols,
                      const char *kind_col, char (*names)[64], size_t namesz,
                      double *vals, int *kinds, size_t *nrows, size_t cap, mph_error *err)
{
	mph_csv *c = mph_csv_open(path, err);
	long idx[16], name_col, kind = -1;
	size_t i, n = 0;
	int rc;

	if (c == NULL) return -1;
	if ((name_col = mph_csv_require(c, "name", err)) < 0) goto fail;
	if (kind_col && (kind = mph_csv_require(c, kind_col, err)) < 0) goto fail;
	for (i = 0; i < ncols; i++)
		if ((idx[i] = mph_csv_require(c, cols[i], err)) < 0) goto fail;
	while ((rc = mph_csv_read(c, err)) == 1) {
		const char *name = mph_csv_field(c, name_col);
		size_t j;
		if (n == cap) {
			mph_error_set(err, path, mph_csv_line(c), 0, "more than %zu rows", cap);
			goto fail;
		}
		if (*name == '\0' || strlen(name) >= namesz) {
			mph_error_set(err, path, mph_csv_line(c), 0, "column 'name': bad name '%s'", name);
			goto fail;
		}
		for (j = 0; j < n; j++)
			if (strcmp(names[j], name) == 0) {
				mph_error_set(err, path, mph_csv_line(c), 0, "duplicate name '%s'", name);
				goto fail;
			}
		strcpy(names[n], name);
		if (kind >= 0) {
			const char *k = mph_csv_field(c, kind);
			if (strcmp(k, "image") != 0 && strcmp(k, "text") != 0) {
				mph_error_set(err, path, mph_csv_line(c), 0,
				              "column '%s': expected 'image' or 'text': '%s'", kind_col, k);
				goto fail;
			}
			kinds[n] = strcmp(k, "text") == 0;
		}
		for (i = 0; i < ncols; i++) {
			double *v = &vals[n * ncols + i];
			if (mph_csv_double(c, idx[i], v, err) < 0) goto fail;
			if (!(*v > 0)) {
				mph_error_set(err, path, mph_csv_line(c), 0, "column '%s': not positive: '%s'",
				              cols[i], mph_csv_field(c, idx[i]));
				goto fail;
			}
		}
		n++;
	}
	if (rc < 0) goto fail;
	if (n == 0) {
		mph_error_set(err, path, 0, 0, "no rows");
		goto fail;
	}
	mph_csv_close(c);
	*nrows = n;
	return 0;
fail:
	mph_csv_close(c);
	return -1;
}

#define ZOO_MAX 4096

mph_zoo *mph_zoo_load(const char *models_csv, const char *gpus_csv, mph_error *err)
{
	mph_zoo *z = mph_calloc(1, sizeof *z);
	char (*names)[64] = mph_malloc(ZOO_MAX * sizeof *names);
	double *v = mph_malloc(ZOO_MAX * 16 * sizeof *v);
	int *kinds = mph_malloc(ZOO_MAX * sizeof *kinds);
	size_t i, n;

	if (read_table(models_csv, model_cols, NMODEL_COLS, "kind", names, 64, v, kinds, &n,
	               ZOO_MAX, err) < 0)
		goto fail;
	z->m = mph_calloc(n, sizeof *z->m);
	z->nm = n;
	for (i = 0; i < n; i++) {
		mph_sim_model *m = &z->m[i];
		const double *r = &v[i * NMODEL_COLS];
		strcpy(m->name, names[i]);
		m->text = kinds[i];
		m->gmacs = r[0]; m->params_m = r[1]; m->layers = r[2];
		m->act_peak_mb = r[3]; m->act_sum_mb = r[4];
		m->in_values = r[5]; m->out_values = r[6];
	}
	if (read_table(gpus_csv, gpu_cols, NGPU_COLS, NULL, names, 32, v, NULL, &n, ZOO_MAX, err) < 0)
		goto fail;
	z->g = mph_calloc(n, sizeof *z->g);
	z->ng = n;
	for (i = 0; i < n; i++) {
		mph_sim_gpu *g = &z->g[i];
		const double *r = &v[i * NGPU_COLS];
		strcpy(g->name, names[i]);
		g->mem_gb = r[0]; g->fp32_tflops = r[1]; g->fp16_tflops = r[2];
		g->bw_gbs = r[3]; g->price = r[4]; g->compute_eff = r[5];
		g->bw_eff = r[6]; g->layer_us = r[7]; g->pcie_gbs = r[8];
		if (g->compute_eff > 1 || g->bw_eff > 1) {
			mph_error_set(err, gpus_csv, 0, 0, "gpu '%s': an efficiency above 1", g->name);
			goto fail;
		}
	}
	free(names); free(v); free(kinds);
	return z;
fail:
	free(names); free(v); free(kinds);
	mph_zoo_free(z);
	return NULL;
}

void mph_zoo_free(mph_zoo *z)
{
	if (z == NULL) return;
	free(z->m);
	free(z->g);
	free(z);
}

size_t mph_zoo_nmodels(const mph_zoo *z) { return z->nm; }
const mph_sim_model *mph_zoo_model(const mph_zoo *z, size_t i) { return &z->m[i]; }
size_t mph_zoo_ngpus(const mph_zoo *z) { return z->ng; }
const mph_sim_gpu *mph_zoo_gpu(const mph_zoo *z, size_t i) { return &z->g[i]; }

const mph_sim_model *mph_zoo_find_model(const mph_zoo *z, const char *name)
{
	size_t i;
	for (i = 0; i < z->nm; i++)
		if (strcmp(z->m[i].name, name) == 0) return &z->m[i];
	return NULL;
}

const mph_sim_gpu *mph_zoo_find_gpu(const mph_zoo *z, const char *name)
{
	size_t i;
	for (i = 0; i < z->ng; i++)
		if (strcmp(z->g[i].name, name) == 0) return &z->g[i];
	return NULL;
}
