/* The only file that talks to BLAS and LAPACK (OpenBLAS). Matrices are
 * row-major throughout libmph. Build with -DMPH_NO_BLAS for plain C.
 *
 * The products of the networks (mph_gemm) are hand-written for x86-64 with
 * AVX-512: their matrices are tiny (16 rows of 128 by 128 in MAML's inner
 * loop) and OpenBLAS spends its time packing them; there, transposed
 * operands ran at 30 GFLOPS of a core's 80. Each element of a product is a
 * sum in the order of k by fused multiply-adds, so the result does not
 * depend on the blocking, and these kernels call nothing that keeps state:
 * meta-training calls them from several threads at once. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/core.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(MPH_NO_SIMD)
#include <cpuid.h>
#include <immintrin.h>
#define MPH_AVX512 1

#define NR 16 /* columns of a block: two vectors */
#define KC 256 /* rows of a packed panel on the stack; longer ones go to the heap */

/* The first `live` of 8 lanes. */
#define LANES(live) ((__mmask8)((live) >= 8 ? 0xff : (live) <= 0 ? 0 : (1u << (live)) - 1))

/* C[MR x nr] = alpha * sum_p A(i, p) B[p][j] + beta * C, the sum in the order
 * of p, B row-major with stride ldb; A(i, p) = a[i * sai + p * sap]. NV:
 * vectors of B per row (1: nr <= 8; 2; 3: two whole ones, nr = 16). Inlined with constant MR and NV, so
 * the accumulators stay in registers. */
static inline __attribute__((always_inline, target("avx512f"))) void
micro(const int MR, const int NV, int nr, int k, int k2, double alpha, const double *a,
      const double *a2, size_t sai, size_t sap, const double *b, const double *b2, size_t ldb,
      double beta, const double *ci, size_t ldci, double *c, size_t ldc)
{
	__m512d acc0[8], acc1[8];
	__mmask8 m0 = LANES(nr), m1 = LANES(nr - 8);
	int r, p;
#pragma GCC unroll 8
	for (r = 0; r < MR; r++) acc0[r] = acc1[r] = _mm512_setzero_pd();
	/* the second pair's terms follow the first's in the same sums */
#define TERMS(A, B, K) \
	for (p = 0; p < (K); p++) { \
		const double *bp = (B) + (size_t)p * ldb, *ap = (A) + (size_t)p * sap; \
		__m512d b0, b1 = _mm512_setzero_pd(); \
		if (NV == 3) { /* a whole block: no masks */ \
			b0 = _mm512_loadu_pd(bp); \
			b1 = _mm512_loadu_pd(bp + 8); \
		} else { \
			b0 = _mm512_maskz_loadu_pd(m0, bp); \
			if (NV == 2) b1 = _mm512_maskz_loadu_pd(m1, bp + 8); \
		} \
		_Pragma("GCC unroll 8") \
		for (r = 0; r < MR; r++) { \
			__m512d av = _mm512_set1_pd(ap[(size_t)r * sai]); \
			acc0[r] = _mm512_fmadd_pd(av, b0, acc0[r]); \
			if (NV >= 2) acc1[r] = _mm512_fmadd_pd(av, b1, acc1[r]); \
		} \
	}
	TERMS(a, b, k)
	TERMS(a2, b2, k2)
#undef TERMS
#pragma GCC unroll 8
	for (r = 0; r < MR; r++) {
		double *cr = c + (size_t)r * ldc;
		const double *cir = ci + (size_t)r * ldci;
		__m512d t0 = _mm512_mul_pd(_mm512_set1_pd(alpha), acc0[r]), t1;
		if (beta != 0.0)
			t0 = _mm512_add_pd(t0, _mm512_mul_pd(_mm512_set1_pd(beta), _mm512_maskz_loadu_pd(m0, cir)));
		_mm512_mask_storeu_pd(cr, m0, t0);
		if (NV >= 2) {
			t1 = _mm512_mul_pd(_mm512_set1_pd(alpha), acc1[r]);
			if (beta != 0.0)
				t1 = _mm512_add_pd(t1, _mm512_mul_pd(_mm512_set1_pd(beta),
				                                     _mm512_maskz_loadu_pd(m1, cir + 8)));
			_mm512_mask_storeu_pd(cr + 8, m1, t1);
		}
	}
}

/* The rows of a column block, 8 at a time, then 4, 2, 1. */
static inline __attribute__((always_inline, target("avx512f"))) void
rows(const int NV, int m, int nr, int k, int k2, double alpha, const double *a, const double *a2,
     size_t sai, size_t sap, const double *b, const double *b2, size_t ldb, double beta,
     const double *ci, size_t ldci, double *c, size_t ldc)
{
	size_t i = 0;
#define MICRO(MR) micro(MR, NV, nr, k, k2, alpha, a + i * sai, a2 + i * sai, sai, sap, b, b2, ldb, beta, \
                        ci + i * ldci, ldci, c + i * ldc, ldc)
	for (; i + 8 <= (size_t)m; i += 8) MICRO(8);
	if (i + 4 <= (size_t)m) {
		MICRO(4);
		i += 4;
	}
	if (i + 2 <= (size_t)m) {
		MICRO(2);
		i += 2;
	}
	if (i < (size_t)m) MICRO(1);
#undef MICRO
}

/* dst[p][jj] = src[jj][p] for jj < nr (16 columns, the rest zero), p < k:
 * a panel of B^T, 8 x 8 blocks transposed in registers where whole. */
__attribute__((target("avx512f"))) static void pack_bt(int nr, int k, const double *src, size_t lds,
                                                     double *dst)
{
	int p = 0, jj;
	if (nr == NR)
		for (; p + 8 <= k; p += 8) {
			int h;
			for (h = 0; h < 2; h++) {
				const double *s0 = src + (size_t)(8 * h) * lds + p;
				__m512d r0 = _mm512_loadu_pd(s0), r1 = _mm512_loadu_pd(s0 + lds);
				__m512d r2 = _mm512_loadu_pd(s0 + 2 * lds), r3 = _mm512_loadu_pd(s0 + 3 * lds);
				__m512d r4 = _mm512_loadu_pd(s0 + 4 * lds), r5 = _mm512_loadu_pd(s0 + 5 * lds);
				__m512d r6 = _mm512_loadu_pd(s0 + 6 * lds), r7 = _mm512_loadu_pd(s0 + 7 * lds);
				__m512d t0 = _mm512_unpacklo_pd(r0, r1), t1 = _mm512_unpackhi_pd(r0, r1);
				__m512d t2 = _mm512_unpacklo_pd(r2, r3), t3 = _mm512_unpackhi_pd(r2, r3);
				__m512d t4 = _mm512_unpacklo_pd(r4, r5), t5 = _mm512_unpackhi_pd(r4, r5);
				__m512d t6 = _mm512_unpacklo_pd(r6, r7), t7 = _mm512_unpackhi_pd(r6, r7);
				__m512d u0 = _mm512_shuffle_f64x2(t0, t2, 0x88), u1 = _mm512_shuffle_f64x2(t1, t3, 0x88);
				__m512d u2 = _mm512_shuffle_f64x2(t0, t2, 0xdd), u3 = _mm512_shuffle_f64x2(t1, t3, 0xdd);
				__m512d u4 = _mm512_shuffle_f64x2(t4, t6, 0x88), u5 = _mm512_shuffle_f64x2(t5, t7, 0x88);
				__m512d u6 = _mm512_shuffle_f64x2(t4, t6, 0xdd), u7 = _mm512_shuffle_f64x2(t5, t7, 0xdd);
				double *d0 = dst + (size_t)p * NR + 8 * h;
				_mm512_storeu_pd(d0 + 0 * NR, _mm512_shuffle_f64x2(u0, u4, 0x88));
				_mm512_storeu_pd(d0 + 1 * NR, _mm512_shuffle_f64x2(u1, u5, 0x88));
				_mm512_storeu_pd(d0 + 2 * NR, _mm512_shuffle_f64x2(u2, u6, 0x88));
				_mm512_storeu_pd(d0 + 3 * NR, _mm512_shuffle_f64x2(u3, u7, 0x88));
				_mm512_storeu_pd(d0 + 4 * NR, _mm512_shuffle_f64x2(u0, u4, 0xdd));
				_mm512_storeu_pd(d0 + 5 * NR, _mm512_shuffle_f64x2(u1, u5, 0xdd));
				_mm512_storeu_pd(d0 + 6 * NR, _mm512_shuffle_f64x2(u2, u6, 0xdd));
				_mm512_storeu_pd(d0 + 7 * NR, _mm512_shuffle_f64x2(u3, u7, 0xdd));
			}
		}
	for (; p < k; p++)
		for (jj = 0; jj < NR; jj++) dst[(size_t)p * NR + jj] = jj < nr ? src[(size_t)jj * lds + p] : 0.0;
}

/* C = alpha A B^T + beta C for a narrow C (the output layer: n = 1), as dot
 * products: 8 partial sums over p, then a fixed reduction tree. */
__attribute__((target("avx512f"))) static void gemm_dots(int m, int n, int k, double alpha,
                                                       const double *a, size_t lda,
                                                       const double *b, size_t ldb, double beta,
                                                       const double *ci, size_t ldci,
                                                       double *c, size_t ldc)
{
	int i, j, p;
	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			const double *ai = a + (size_t)i * lda, *bj = b + (size_t)j * ldb;
			__m512d acc = _mm512_setzero_pd();
			double sum;
			for (p = 0; p + 8 <= k; p += 8)
				acc = _mm512_fmadd_pd(_mm512_loadu_pd(ai + p), _mm512_loadu_pd(bj + p), acc);
			if (p < k) {
				__mmask8 t = LANES(k - p);
				acc = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(t, ai + p), _mm512_maskz_loadu_pd(t, bj + p), acc);
			}
			sum = _mm512_reduce_add_pd(acc);
			c[(size_t)i * ldc + j] = alpha * sum + (beta == 0.0 ? 0.0 : beta * ci[(size_t)i * ldci + j]);
		}
}

/* C = alpha (op(A) op(B) + op(A2) B2) + beta Cin; the second pair (k2
 * terms, the strides of the first) only where B is not transposed. */
__attribute__((target("avx512f"))) static void gemm_avx512(int ta, int tb, int m, int n, int k,
                                                         int k2, double alpha, const double *a,
                                                         const double *a2, int lda,
                                                         const double *b, const double *b2,
                                                         int ldb, double beta,
                                                         const double *ci, int ldci,
                                                         double *c, int ldc)
{
	double stack[KC * NR] __attribute__((aligned(64))), *pack = stack;
	size_t sai = ta ? 1 : (size_t)lda, sap = ta ? (size_t)lda : 1;
	int j;
	if (tb && !ta && n < 4) {
		gemm_dots(m, n, k, alpha, a, (size_t)lda, b, (size_t)ldb, beta, ci, (size_t)ldci, c, (size_t)ldc);
		return;
	}
	if (tb && k > KC) pack = mph_malloc((size_t)k * NR * sizeof *pack);
	for (j = 0; j < n; j += NR) {
		int nr = n - j < NR ? n - j : NR;
		const double *bp = b + j, *bp2 = b2 + j;
		size_t ldbp = (size_t)ldb;
		if (tb) {
			pack_bt(nr, k, b + (size_t)j * ldb, (size_t)ldb, pack);
			bp = pack;
			ldbp = NR;
		}
#define ROWS(NV) rows(NV, m, nr, k, k2, alpha, a, a2, sai, sap, bp, bp2, ldbp, beta, ci + j, (size_t)ldci, \
                      c + j, (size_t)ldc)
		if (nr == NR) ROWS(3);
		else if (nr > 8) ROWS(2);
		else ROWS(1);
#undef ROWS
	}
	if (pack != stack) free(pack);
}

/* AVX-512F usable: the CPU has it (CPUID leaf 7) and the OS saves its
 * registers (XCR0: SSE, AVX, opmask and ZMM state), as
 * __builtin_cpu_supports("avx512f") decides; asked directly, when first
 * needed. __builtin_cpu_supports links libgcc's detection into every tool,
 * run at start-up: a dozen CPUID instructions, each a trap to the
 * hypervisor on a virtual machine (8-12 us on this one). */
static int cpu_avx512f(void)
{
	unsigned a, b, c, d, lo, hi;
	if (__get_cpuid_max(0, NULL) < 7) return 0;
	__cpuid(1, a, b, c, d);
	if (!(c & bit_OSXSAVE)) return 0;
	__asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	(void)hi;
	if ((lo & 0xe6) != 0xe6) return 0;
	__cpuid_count(7, 0, a, b, c, d);
	return (b & bit_AVX512F) != 0;
}

static int have_avx512(void)
{
	static int have = -1; /* a race here writes the same value twice */
	if (have < 0) have = cpu_avx512f();
	return have;
}

/* z = 0 where z < 0; d = 0 where !(a > 0); g[j] = sum_i d[i][j]: the
 * elementwise passes of a network, by lanes, with the scalar loops' results */
__attribute__((target("avx512f"))) static void relu_avx512(double *z, size_t n)
{
	size_t i = 0;
	__m512d zero = _mm512_setzero_pd();
	for (; i + 8 <= n; i += 8) {
		__m512d v = _mm512_loadu_pd(z + i);
		_mm512_storeu_pd(z + i, _mm512_mask_mov_pd(v, _mm512_cmp_pd_mask(v, zero, _CMP_LT_OQ), zero));
	}
	if (i < n) {
		__mmask8 t = LANES((int)(n - i));
		__m512d v = _mm512_maskz_loadu_pd(t, z + i);
		_mm512_mask_storeu_pd(z + i, t, _mm512_mask_mov_pd(v, _mm512_cmp_pd_mask(v, zero, _CMP_LT_OQ), zero));
	}
}

__attribute__((target("avx512f"))) static void mask_avx512(double *d, const double *a, size_t n)
{
	size_t i = 0;
	__m512d zero = _mm512_setzero_pd();
	for (; i + 8 <= n; i += 8)
		_mm512_storeu_pd(d + i, _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(_mm512_loadu_pd(a + i), zero, _CMP_GT_OQ),
		                                            _mm512_loadu_pd(d + i)));
	if (i < n) {
		__mmask8 t = LANES((int)(n - i));
		_mm512_mask_storeu_pd(d + i, t, _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(_mm512_maskz_loadu_pd(t, a + i), zero, _CMP_GT_OQ),
		                                                    _mm512_maskz_loadu_pd(t, d + i)));
	}
}

__attribute__((target("avx512f"))) static void colsum_avx512(const double *d, size_t rows, size_t cols,
                                                           double *g)
{
	size_t i, j;
	for (j = 0; j < cols; j += 8) {
		__mmask8 t = LANES((int)(cols - j));
		__m512d acc = _mm512_setzero_pd();
		for (i = 0; i < rows; i++) acc = _mm512_add_pd(acc, _mm512_maskz_loadu_pd(t, d + i * cols + j));
		_mm512_mask_storeu_pd(g + j, t, acc);
	}
}

__attribute__((target("avx512f"))) static void step_avx512(size_t n, double lr, const double *g,
                                                         const double *x, double *out)
{
	size_t i = 0;
	__m512d l = _mm512_set1_pd(lr);
	for (; i + 8 <= n; i += 8)
		_mm512_storeu_pd(out + i, _mm512_sub_pd(_mm512_loadu_pd(x + i),
		                                        _mm512_mul_pd(l, _mm512_loadu_pd(g + i))));
	for (; i < n; i++) out[i] = x[i] - lr * g[i];
}
#endif

/* C's rows from Cin's where they differ (ldci 0: every row Cin's first). */
static void c_from(int m, int n, double beta, const double *ci, int ldci, double *c, int ldc)
{
	int i;
	if (beta == 0.0 || (ci == c && ldci == ldc)) return;
	for (i = 0; i < m; i++) memmove(c + (size_t)i * ldc, ci + (size_t)i * ldci, (size_t)n * sizeof *c);
}

void mph_gemm(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
              const double *b, int ldb, double beta, double *c, int ldc)
{
	mph_gemm_in(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, c, ldc);
}

void mph_gemm2(int ta, int m, int n, int k, int k2, double alpha, const double *a,
               const double *a2, int lda, const double *b, const double *b2, int ldb, double beta,
               const double *ci, int ldci, double *c, int ldc)
{
	if (m <= 0 || n <= 0) return;
#ifdef MPH_AVX512
	if (have_avx512()) {
		gemm_avx512(ta, 0, m, n, k, k2, alpha, a, a2, lda, b, b2, ldb, beta, ci, ldci, c, ldc);
		return;
	}
#endif
	mph_gemm_in(ta, 0, m, n, k, alpha, a, lda, b, ldb, beta, ci, ldci, c, ldc);
	mph_gemm(ta, 0, m, n, k2, alpha, a2, lda, b2, ldb, 1.0, c, ldc);
}

void mph_vec_relu(double *z, size_t n)
{
	size_t j;
#ifdef MPH_AVX512
	if (have_avx512()) {
		relu_avx512(z, n);
		return;
	}
#endif
	/* by masking the bits: compilers turn `z < 0 ? 0 : z` back into a branch */
	for (j = 0; j < n; j++) {
		uint64_t b, keep = -(uint64_t)!(z[j] < 0.0);
		memcpy(&b, &z[j], sizeof b);
		b &= keep;
		memcpy(&z[j], &b, sizeof b);
	}
}

void mph_vec_mask(double *d, const double *a, size_t n)
{
	size_t j;
#ifdef MPH_AVX512
	if (have_avx512()) {
		mask_avx512(d, a, n);
		return;
	}
#endif
	for (j = 0; j < n; j++) {
		uint64_t b, keep = -(uint64_t)(a[j] > 0.0);
		memcpy(&b, &d[j], sizeof b);
		b &= keep;
		memcpy(&d[j], &b, sizeof b);
	}
}

void mph_colsum(const double *d, size_t rows, size_t cols, double *g)
{
	size_t i, j;
#ifdef MPH_AVX512
	if (have_avx512()) {
		colsum_avx512(d, rows, cols, g);
		return;
	}
#endif
	memset(g, 0, cols * sizeof *g);
	for (i = 0; i < rows; i++)
		for (j = 0; j < cols; j++) g[j] += d[i * cols + j];
}

void mph_vec_step(size_t n, double lr, const double *g, const double *x, double *out)
{
	size_t i;
#ifdef MPH_AVX512
	if (have_avx512()) {
		step_avx512(n, lr, g, x, out);
		return;
	}
#endif
	for (i = 0; i < n; i++) out[i] = x[i] - lr * g[i];
}

#ifndef MPH_NO_BLAS
#include <cblas.h>
#include <lapack.h>
#include <pthread.h>

/* One thread, even when OPENBLAS_NUM_THREADS asks for more: threaded dgemm
 * sums some shapes in another order (a narrow product, e.g. 128x8 over
 * 1024 rows, the first layer's gradient for 8 features), so a model's
 * bytes would depend on the environment; and at mph's sizes (hundreds of
 * rows) threads did not pay (metatrain pretrain on falcon-sources, 2
 * cores: 6.3s with one thread, 6.6s with two). */
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* OpenBLAS's pthread build starts its worker threads when it is loaded and
 * lets them spin on sched_yield for about 0.1 s waiting for work that,
 * with one thread asked for, never comes: a whole core burnt for the life
 * of a short tool (mph-suggest: its first 30 ms). One thread, and the idle
 * workers stopped; blas_thread_shutdown_ is an OpenBLAS internal, so it is
 * called only where the library has it. */
extern int blas_thread_shutdown_(void) __attribute__((weak));

static void set_one_thread(void)
{
	openblas_set_num_threads(1);
	if (blas_thread_shutdown_) blas_thread_shutdown_();
}

static void one_thread(void)
{
	pthread_once(&once, set_one_thread);
}

/* From the start where OpenBLAS is a shared library: its constructor has
 * run before this one. Where it is linked in statically (mph-suggest, see
 * the Makefile) this constructor runs first, while gotoblas, OpenBLAS's
 * table of kernels for this CPU, is still NULL, and calling into the
 * library then breaks its own start: here one thread is asked for as
 * OPENBLAS_NUM_THREADS=1 would ask (the counts OpenBLAS's start reads), so
 * that no worker is started at all, and the first call does the rest. */
extern void *gotoblas __attribute__((weak));
extern int blas_cpu_number __attribute__((weak)), blas_num_threads __attribute__((weak));

__attribute__((constructor)) static void quiet_workers(void)
{
	if (&gotoblas != NULL && gotoblas == NULL) {
		if (&blas_cpu_number != NULL && &blas_num_threads != NULL && blas_cpu_number == 0)
			blas_cpu_number = blas_num_threads = 1;
		return;
	}
	one_thread();
}

/* mph_gemm_in where the CPU has no AVX-512 */
static void gemm_other(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                       const double *b, int ldb, double beta, const double *ci, int ldci, double *c,
                       int ldc)
{
	one_thread();
	c_from(m, n, beta, ci, ldci, c, ldc);
	cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
	            m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void mph_gemv(int trans, int m, int n, double alpha, const double *a, int lda, const double *x,
              double beta, double *y)
{
	one_thread();
	cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, m, n, alpha, a, lda, x, 1, beta, y, 1);
}

/* The Cholesky routines below call LAPACK (OpenBLAS's) as LAPACKE's
 * row-major wrappers did, step for step, so the results are the same to the
 * bit: the lower triangle copied into column-major order, the routine, the
 * triangle copied back; an input with a NaN refused untouched first. Without
 * LAPACKE a tool does not load liblapacke and the second LAPACK and BLAS it
 * links (0.7 ms of every start). */
static int tri_has_nan(int n, const double *a, int lda)
{
	int i, j;
	for (i = 0; i < n; i++)
		for (j = 0; j <= i; j++)
			if (isnan(a[(size_t)i * lda + j])) return 1;
	return 0;
}

static int rect_has_nan(int m, int n, const double *a, int lda)
{
	int i, j;
	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++)
			if (isnan(a[(size_t)i * lda + j])) return 1;
	return 0;
}

/* A column-major copy, leading dimension max(1, n), of a's lower triangle. */
static double *tri_to_col(int n, const double *a, int lda)
{
	int ld = n > 1 ? n : 1, i, j;
	double *t = mph_malloc((size_t)ld * ld * sizeof *t);
	for (i = 0; i < n; i++)
		for (j = 0; j <= i; j++) t[i + (size_t)j * ld] = a[(size_t)i * lda + j];
	return t;
}

static void tri_from_col(int n, double *t, double *a, int lda)
{
	int ld = n > 1 ? n : 1, i, j;
	for (i = 0; i < n; i++)
		for (j = 0; j <= i; j++) a[(size_t)i * lda + j] = t[i + (size_t)j * ld];
	free(t);
}

int mph_cholesky(int n, double *a, int lda)
{
	int ld = n > 1 ? n : 1, info;
	double *t;
	one_thread();
	if (tri_has_nan(n, a, lda)) return -1;
	t = tri_to_col(n, a, lda);
	LAPACK_dpotrf("L", &n, t, &ld, &info);
	tri_from_col(n, t, a, lda);
	return info == 0 ? 0 : -1;
}

void mph_cholesky_solve(int n, int nrhs, const double *l, int lda, double *b, int ldb)
{
	int ld = n > 1 ? n : 1, info, i, j;
	double *t, *bt;
	one_thread();
	if (tri_has_nan(n, l, lda) || rect_has_nan(n, nrhs, b, ldb)) return;
	t = tri_to_col(n, l, lda);
	bt = mph_malloc((size_t)ld * (nrhs > 1 ? nrhs : 1) * sizeof *bt);
	for (i = 0; i < n; i++)
		for (j = 0; j < nrhs; j++) bt[i + (size_t)j * ld] = b[(size_t)i * ldb + j];
	LAPACK_dpotrs("L", &n, &nrhs, t, &ld, bt, &ld, &info);
	for (i = 0; i < n; i++)
		for (j = 0; j < nrhs; j++) b[(size_t)i * ldb + j] = bt[i + (size_t)j * ld];
	free(bt);
	free(t);
}

int mph_cholesky_inverse(int n, double *a, int lda)
{
	int ld = n > 1 ? n : 1, info, i, j;
	double *t;
	one_thread();
	if (tri_has_nan(n, a, lda)) return -1;
	t = tri_to_col(n, a, lda);
	LAPACK_dpotri("L", &n, t, &ld, &info);
	tri_from_col(n, t, a, lda);
	if (info != 0) return -1;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++) a[j * lda + i] = a[i * lda + j];
	return 0;
}

void mph_trsolve_lower(int n, int nrhs, const double *l, int lda, double *b, int ldb)
{
	one_thread();
	cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, nrhs,
	            1.0, l, lda, b, ldb);
}

#else /* plain C, for machines without BLAS */

static void gemm_other(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                       const double *b, int ldb, double beta, const double *ci, int ldci, double *c,
                       int ldc)
{
	int i, j, p;
	c_from(m, n, beta, ci, ldci, c, ldc);
	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			double s = 0.0;
			for (p = 0; p < k; p++)
				s += (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
			c[i * ldc + j] = alpha * s + (beta == 0.0 ? 0.0 : beta * c[i * ldc + j]);
		}
}

void mph_gemv(int trans, int m, int n, double alpha, const double *a, int lda, const double *x,
              double beta, double *y)
{
	int i, j, rows = trans ? n : m, cols = trans ? m : n;
	for (i = 0; i < rows; i++) {
		double s = 0.0;
		for (j = 0; j < cols; j++) s += (trans ? a[j * lda + i] : a[i * lda + j]) * x[j];
		y[i] = alpha * s + (beta == 0.0 ? 0.0 : beta * y[i]);
	}
}

int mph_cholesky(int n, double *a, int lda)
{
	int i, j, k;
	for (j = 0; j < n; j++) {
		double d = a[j * lda + j];
		for (k = 0; k < j; k++) d -= a[j * lda + k] * a[j * lda + k];
		if (!(d > 0.0)) return -1;
		a[j * lda + j] = d = sqrt(d);
		for (i = j + 1; i < n; i++) {
			double s = a[i * lda + j];
			for (k = 0; k < j; k++) s -= a[i * lda + k] * a[j * lda + k];
			a[i * lda + j] = s / d;
		}
	}
	return 0;
}

void mph_trsolve_lower(int n, int nrhs, const double *l, int lda, double *b, int ldb)
{
	int i, k, r;
	for (r = 0; r < nrhs; r++)
		for (i = 0; i < n; i++) {
			double s = b[i * ldb + r];
			for (k = 0; k < i; k++) s -= l[i * lda + k] * b[k * ldb + r];
			b[i * ldb + r] = s / l[i * lda + i];
		}
}

int mph_cholesky_inverse(int n, double *a, int lda)
{
	/* solves against the identity, from a copy of the factor */
	double *l = malloc((size_t)n * (size_t)n * sizeof *l), *col = malloc((size_t)n * sizeof *col);
	int i, j;
	if (l == NULL || col == NULL) { free(l); free(col); return -1; }
	for (i = 0; i < n; i++)
		for (j = 0; j <= i; j++) l[i * n + j] = a[i * lda + j];
	for (j = 0; j < n; j++) {
		for (i = 0; i < n; i++) col[i] = i == j;
		mph_cholesky_solve(n, 1, l, n, col, 1);
		for (i = 0; i < n; i++) a[i * lda + j] = col[i];
	}
	free(l);
	free(col);
	return 0;
}

void mph_cholesky_solve(int n, int nrhs, const double *l, int lda, double *b, int ldb)
{
	int i, k, r;
	mph_trsolve_lower(n, nrhs, l, lda, b, ldb);
	for (r = 0; r < nrhs; r++)
		for (i = n - 1; i >= 0; i--) {
			double s = b[i * ldb + r];
			for (k = i + 1; k < n; k++) s -= l[k * lda + i] * b[k * ldb + r];
			b[i * ldb + r] = s / l[i * lda + i];
		}
}
#endif

void mph_gemm_in(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                 const double *b, int ldb, double beta, const double *ci, int ldci, double *c,
                 int ldc)
{
	if (m <= 0 || n <= 0) return;
#ifdef MPH_AVX512
	if (have_avx512()) {
		gemm_avx512(ta, tb, m, n, k, 0, alpha, a, a, lda, b, b, ldb, beta, ci, ldci, c, ldc);
		return;
	}
#endif
	gemm_other(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, ci, ldci, c, ldc);
}
