/* Knob roles: what a knob is (CPU cores, batch size, GPU memory, a GPU type
 * by its datasheet...), and the role-level encoding that means the same in
 * every space. A plain encoding scales each knob over its own range, so a
 * model learns "the third of five CPU values"; a role encoding is fixed in
 * the units of the role (log2 of a count, a share, GB), so a model trained
 * on one space reads another's knobs, and a GPU it never saw is placed by
 * its attributes. man 5 mph-space has the table this file implements. */
#include <math.h>
#include <string.h>
#include "space/space.h"

static const char *const role_names[MPH_ROLE_COUNT] = {
	[MPH_ROLE_NONE] = "none", [MPH_ROLE_CPU] = "cpu", [MPH_ROLE_BATCH] = "batch",
	[MPH_ROLE_REPLICAS] = "replicas", [MPH_ROLE_CONCURRENCY] = "concurrency",
	[MPH_ROLE_GPU_MEM_SHARE] = "gpu_mem_share", [MPH_ROLE_GPU_MEM_GB] = "gpu_mem_gb",
	[MPH_ROLE_GPU_POWER] = "gpu_power", [MPH_ROLE_GPU_TYPE] = "gpu_type",
};

/* Counts on a log2 scale, divided so that a large real setting reads about
 * 1 (64 cores or replicas, a batch or concurrency of 1024); the absent value
 * of a count is 1 (one core, no batching, one replica): log2 1 = 0. */
static const double count_span[MPH_ROLE_COUNT] = {
	[MPH_ROLE_CPU] = 6, [MPH_ROLE_BATCH] = 10, [MPH_ROLE_REPLICAS] = 6, [MPH_ROLE_CONCURRENCY] = 10,
};

/* A GPU type's attributes, each log2(1 + x) / span (0 is no GPU). */
#define NGPU_ATTR 4
static const struct { const char *name; double span; } gpu_attr[NGPU_ATTR] = {
	{"mem_gb", 7}, {"fp32_tflops", 7}, {"fp16_tflops", 10}, {"bw_gbs", 12},
};
#define GB_SPAN 7 /* GPU memory in GB: log2(1 + GB) / 7, 127 GB reads 1 */

const char *mph_role_name(mph_role r) { return (unsigned)r < MPH_ROLE_COUNT ? role_names[r] : "?"; }

int mph_role_parse(const char *name, mph_role *r)
{
	int i;
	for (i = 0; i < MPH_ROLE_COUNT; i++)
		if (strcmp(name, role_names[i]) == 0) { *r = (mph_role)i; return 0; }
	return -1;
}

unsigned mph_roles_closure(unsigned roles)
{
	unsigned mem = 1u << MPH_ROLE_GPU_MEM_SHARE | 1u << MPH_ROLE_GPU_MEM_GB;
	roles &= ~1u << MPH_ROLE_NONE & ((1u << MPH_ROLE_COUNT) - 1);
	if (roles & mem) roles |= mem;
	return roles;
}

const char *mph_roles_text(unsigned roles, char *buf, size_t size)
{
	int r;
	size_t len = 0;
	buf[0] = '\0';
	for (r = 1; r < MPH_ROLE_COUNT; r++)
		if (roles & 1u << r) {
			snprintf(buf + len, size - len, "%s%s", len ? "," : "", role_names[r]);
			len = strlen(buf);
		}
	return buf;
}

/* Features a role brings to a role encoding, in order. */
static size_t role_width(mph_role r) { return r == MPH_ROLE_GPU_TYPE ? NGPU_ATTR : 1; }

size_t mph_roles_nfeatures(unsigned roles)
{
	size_t n = 0;
	int r;
	for (r = 1; r < MPH_ROLE_COUNT; r++)
		if (roles & 1u << r) n += role_width((mph_role)r);
	return n;
}

void mph_roles_feature_names(unsigned roles, char **names)
{
	char buf[64];
	size_t f = 0, a;
	int r;
	for (r = 1; r < MPH_ROLE_COUNT; r++) {
		if (!(roles & 1u << r)) continue;
		if (r == MPH_ROLE_GPU_TYPE)
			for (a = 0; a < NGPU_ATTR; a++) {
				snprintf(buf, sizeof buf, "role.gpu_type.%s", gpu_attr[a].name);
				names[f++] = mph_strdup(buf);
			}
		else {
			snprintf(buf, sizeof buf, "role.%s", role_names[r]);
			names[f++] = mph_strdup(buf);
		}
	}
}

int mph_space_roles_check(const mph_space *s, const char *file, mph_error *err)
{
	long seen[MPH_ROLE_COUNT];
	size_t k, i, a;
	int r;
	for (r = 0; r < MPH_ROLE_COUNT; r++) seen[r] = -1;
	for (k = 0; k < mph_space_nknobs(s); k++) {
		mph_role role = mph_space_knob_role(s, k);
		const char *name = mph_space_knob_name(s, k);
		int cat = mph_space_knob_type(s, k) == MPH_KNOB_CATEGORICAL;
		if (role == MPH_ROLE_UNSET || role == MPH_ROLE_NONE) continue;
		if (seen[role] >= 0)
			return mph_error_file(err, file, "knobs '%s' and '%s' both have role '%s'",
			                      mph_space_knob_name(s, (size_t)seen[role]), name, role_names[role]);
		seen[role] = (long)k;
		if (role == MPH_ROLE_GPU_TYPE) {
			if (!cat) return mph_error_file(err, file, "knob '%s': role 'gpu_type' needs a categorical knob", name);
			for (a = 0; a < NGPU_ATTR; a++) {
				long ai = mph_space_attr_index(s, k, gpu_attr[a].name);
				if (ai < 0)
					return mph_error_file(err, file, "knob '%s': role 'gpu_type' needs the attribute '%s' "
					                      "for every value (mem_gb, fp32_tflops, fp16_tflops, bw_gbs)",
					                      name, gpu_attr[a].name);
				for (i = 0; i < mph_space_nvalues(s, k); i++)
					if (!(mph_space_attr(s, k, i, (size_t)ai) >= 0))
						return mph_error_file(err, file, "knob '%s': value '%s': attribute '%s' must not be negative",
						                      name, mph_space_value_str(s, k, i), gpu_attr[a].name);
			}
			continue;
		}
		if (cat) return mph_error_file(err, file, "knob '%s': role '%s' needs a numeric knob", name, role_names[role]);
		for (i = 0; i < mph_space_nvalues(s, k); i++) {
			double v = mph_space_value(s, k, i);
			const char *bad = NULL;
			if (count_span[role] > 0 || role == MPH_ROLE_GPU_POWER) { if (!(v > 0)) bad = "values above 0"; }
			else if (role == MPH_ROLE_GPU_MEM_SHARE) { if (!(v >= 0 && v <= 1)) bad = "values in [0, 1]"; }
			else if (role == MPH_ROLE_GPU_MEM_GB && !(v >= 0)) bad = "values of 0 or more";
			if (bad)
				return mph_error_file(err, file, "knob '%s': role '%s' needs %s: %s", name, role_names[role], bad,
				                      mph_space_value_str(s, k, i));
		}
	}
	if (seen[MPH_ROLE_GPU_MEM_SHARE] >= 0 && seen[MPH_ROLE_GPU_MEM_GB] >= 0)
		return mph_error_file(err, file, "knobs '%s' and '%s': GPU memory is a share (gpu_mem_share) or GB "
		                      "(gpu_mem_gb), not both",
		                      mph_space_knob_name(s, (size_t)seen[MPH_ROLE_GPU_MEM_SHARE]),
		                      mph_space_knob_name(s, (size_t)seen[MPH_ROLE_GPU_MEM_GB]));
	return 0;
}

/* The knob of each role in s (-1: none), and the attribute columns of the
 * GPU type's. */
typedef struct {
	long knob[MPH_ROLE_COUNT];
	long attr[NGPU_ATTR];
	int gpu; /* some knob is about a GPU: absent GPU roles mean "the default of that GPU" */
} role_knobs;

static void find_role_knobs(const mph_space *s, role_knobs *rk)
{
	size_t k, a;
	int r;
	for (r = 0; r < MPH_ROLE_COUNT; r++) rk->knob[r] = -1;
	for (a = 0; a < NGPU_ATTR; a++) rk->attr[a] = -1;
	rk->gpu = 0;
	for (k = 0; k < mph_space_nknobs(s); k++) {
		mph_role role = mph_space_knob_role(s, k);
		if (role == MPH_ROLE_UNSET || role == MPH_ROLE_NONE) continue;
		rk->knob[role] = (long)k;
		if (role >= MPH_ROLE_GPU_MEM_SHARE) rk->gpu = 1;
	}
	if (rk->knob[MPH_ROLE_GPU_TYPE] >= 0)
		for (a = 0; a < NGPU_ATTR; a++)
			rk->attr[a] = mph_space_attr_index(s, (size_t)rk->knob[MPH_ROLE_GPU_TYPE], gpu_attr[a].name);
}

static double log_scale(double x, double span) { return log2(x) / span; }
static double log1p_scale(double x, double span) { return log2(1.0 + x) / span; }

/* The role features of roles (closed), in role order, for configuration idx
 * of s. Absent values: a count is 1; with no GPU knob at all every GPU
 * feature is 0 (no GPU: no memory, zero attributes, no power); in a space
 * with a GPU, an absent power knob is full power (1), absent memory is the
 * whole card, and an absent GPU type is an unknown card (zero attributes,
 * and so GPU memory in GB is 0 when only a share is known). */
void mph_roles_encode(const mph_space *s, unsigned roles, const size_t *idx, double *x)
{
	role_knobs rk;
	double card = 0.0, share = 0.0, gb = 0.0, v;
	long k, t;
	size_t f = 0, a;
	int r;
	find_role_knobs(s, &rk);
	t = rk.knob[MPH_ROLE_GPU_TYPE];
	if (t >= 0) card = mph_space_attr(s, (size_t)t, idx[t], (size_t)rk.attr[0]);
	if ((k = rk.knob[MPH_ROLE_GPU_MEM_SHARE]) >= 0) {
		share = mph_space_value(s, (size_t)k, idx[k]);
		gb = share * card;
	} else if ((k = rk.knob[MPH_ROLE_GPU_MEM_GB]) >= 0) {
		gb = mph_space_value(s, (size_t)k, idx[k]);
		share = card > 0 ? fmin(1.0, gb / card) : 0.0;
	} else if (rk.gpu) {
		share = 1.0;
		gb = card;
	}
	for (r = 1; r < MPH_ROLE_COUNT; r++) {
		if (!(roles & 1u << r)) continue;
		k = rk.knob[r];
		switch ((mph_role)r) {
		case MPH_ROLE_GPU_MEM_SHARE: x[f++] = share; break;
		case MPH_ROLE_GPU_MEM_GB: x[f++] = log1p_scale(gb, GB_SPAN); break;
		case MPH_ROLE_GPU_POWER:
			x[f++] = k >= 0 ? mph_space_value(s, (size_t)k, idx[k]) / 100.0 : rk.gpu ? 1.0 : 0.0;
			break;
		case MPH_ROLE_GPU_TYPE:
			for (a = 0; a < NGPU_ATTR; a++) {
				v = t >= 0 ? mph_space_attr(s, (size_t)t, idx[t], (size_t)rk.attr[a]) : 0.0;
				x[f++] = log1p_scale(v, gpu_attr[a].span);
			}
			break;
		default: /* the counts */
			x[f++] = k >= 0 ? log_scale(mph_space_value(s, (size_t)k, idx[k]), count_span[r]) : 0.0;
		}
	}
}
