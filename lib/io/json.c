/* JSON in and out over jansson. Output is written here rather than by
 * json_dumpf so that reals use the shortest round-trip form (jansson prints
 * %.17g noise such as 0.10000000000000001) and arrays of scalars stay on one
 * line, which keeps model and space files readable and diffable. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "io/io.h"

/* The whole stream into memory, NUL-terminated; NULL with errno on a read
 * error. json_loadf reads a byte at a time through getc, which was most of
 * the time a tool took to load a model file (96 ms for a 1.2 MB one). */
static char *slurp(FILE *fp, size_t *len)
{
	size_t n = 0, cap = 1 << 16, got;
	char *buf = mph_malloc(cap);
	while ((got = fread(buf + n, 1, cap - n - 1, fp)) > 0) {
		n += got;
		if (cap - n - 1 == 0) buf = mph_realloc(buf, cap *= 2);
	}
	if (ferror(fp)) {
		int e = errno ? errno : EIO;
		free(buf);
		errno = e;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* ---- a fast reader for the common case ----
 * Model files are mostly arrays of weights: 1.2 MB and 52,000 numbers for
 * the default ensemble, which jansson took about 20 ms to read (its lexer,
 * then strtod for each number). This reader builds the same jansson values
 * from a valid document in a fraction of that; anything it does not handle
 * (escapes other than the simple ones, non-ASCII bytes, numbers it cannot
 * convert exactly, deep nesting, duplicate keys) and every invalid document
 * go to jansson instead, so values and error messages are jansson's. */

struct mph_json_reader {
	const char *p, *end;
	int depth;
	char *key;     /* scratch for object keys, NUL-terminated */
	size_t keycap;
	const char *hook_key; /* the top-level key whose value goes to hook */
	mph_json_hook hook;
	void *ctx;
};
typedef struct mph_json_reader reader;

static void skip_ws(reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t')) r->p++;
}

#ifdef __SIZEOF_INT128__
/* 5^q below 2^64 */
static const uint64_t pow5[28] = {
	1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL, 390625ULL, 1953125ULL,
	9765625ULL, 48828125ULL, 244140625ULL, 1220703125ULL, 6103515625ULL, 30517578125ULL,
	152587890625ULL, 762939453125ULL, 3814697265625ULL, 19073486328125ULL, 95367431640625ULL,
	476837158203125ULL, 2384185791015625ULL, 11920928955078125ULL, 59604644775390625ULL,
	298023223876953125ULL, 1490116119384765625ULL, 7450580596923828125ULL};

/* 2^b / 5^q rounded up, b making it 128 bits (high, low), 1 <= q <= 27:
 * the table of fast_float (Lemire, "Number parsing at a gigabyte per
 * second", 2021) for the exponents a model file's weights have. */
static const uint64_t inv_pow5[28][2] = {
	{0, 0},
	{0xccccccccccccccccULL, 0xcccccccccccccccdULL},
	{0xa3d70a3d70a3d70aULL, 0x3d70a3d70a3d70a4ULL},
	{0x83126e978d4fdf3bULL, 0x645a1cac083126eaULL},
	{0xd1b71758e219652bULL, 0xd3c36113404ea4a9ULL},
	{0xa7c5ac471b478423ULL, 0x0fcf80dc33721d54ULL},
	{0x8637bd05af6c69b5ULL, 0xa63f9a49c2c1b110ULL},
	{0xd6bf94d5e57a42bcULL, 0x3d32907604691b4dULL},
	{0xabcc77118461cefcULL, 0xfdc20d2b36ba7c3eULL},
	{0x89705f4136b4a597ULL, 0x31680a88f8953031ULL},
	{0xdbe6fecebdedd5beULL, 0xb573440e5a884d1cULL},
	{0xafebff0bcb24aafeULL, 0xf78f69a51539d749ULL},
	{0x8cbccc096f5088cbULL, 0xf93f87b7442e45d4ULL},
	{0xe12e13424bb40e13ULL, 0x2865a5f206b06fbaULL},
	{0xb424dc35095cd80fULL, 0x538484c19ef38c95ULL},
	{0x901d7cf73ab0acd9ULL, 0x0f9d37014bf60a11ULL},
	{0xe69594bec44de15bULL, 0x4c2ebe687989a9b4ULL},
	{0xb877aa3236a4b449ULL, 0x09befeb9fad487c3ULL},
	{0x9392ee8e921d5d07ULL, 0x3aff322e62439fd0ULL},
	{0xec1e4a7db69561a5ULL, 0x2b31e9e3d06c32e6ULL},
	{0xbce5086492111aeaULL, 0x88f4bb1ca6bcf585ULL},
	{0x971da05074da7beeULL, 0xd3f6fc16ebca5e04ULL},
	{0xf1c90080baf72cb1ULL, 0x5324c68b12dd6339ULL},
	{0xc16d9a0095928a27ULL, 0x75b7053c0f178294ULL},
	{0x9abe14cd44753b52ULL, 0xc4926a9672793543ULL},
	{0xf79687aed3eec551ULL, 0x3a83ddbd83f52205ULL},
	{0xc612062576589ddaULL, 0x95364afe032a819eULL},
	{0x9e74d1b791e07e48ULL, 0x775ea264cf55347eULL},
};

/* w / 10^q correctly rounded, 0 < w < 2^64, 1 <= q <= 27, as fast_float
 * computes it (the Eisel-Lemire algorithm): two 64-bit products at most, no
 * division. Within these exponents its answer is exact without a fallback
 * (Lemire 2021; Mushtak and Lemire, "Fast number parsing without fallback",
 * 2023), and the result is a normal double. */
static double mul_pow10(uint64_t w, int q)
{
	int lz = __builtin_clzll(w), upper, shift, e2;
	unsigned __int128 p;
	uint64_t hi, lo, mant, bits64;
	double v;
	w <<= lz;
	p = (unsigned __int128)w * inv_pow5[q][0];
	hi = (uint64_t)(p >> 64);
	lo = (uint64_t)p;
	if ((hi & 0x1FF) == 0x1FF) { /* the first product may be short by one in its last 55 bits */
		uint64_t h2 = (uint64_t)(((unsigned __int128)w * inv_pow5[q][1]) >> 64);
		lo += h2;
		if (h2 > lo) hi++;
	}
	upper = (int)(hi >> 63);
	shift = upper + 9;
	mant = hi >> shift;
	/* floor(-q log2(10)) + 63, then biased */
	e2 = -(int)((217706 * (uint64_t)q + 65535) >> 16) + 63 + upper - lz + 1023;
	/* round half to even; an exact half needs q <= 4 (fast_float's
	 * min_exponent_round_to_even) */
	if (lo <= 1 && q <= 4 && (mant & 3) == 1 && (mant << shift) == hi) mant &= ~1ULL;
	mant += mant & 1;
	mant >>= 1;
	if (mant >= (2ULL << 52)) {
		mant = 1ULL << 52;
		e2++;
	}
	bits64 = (uint64_t)e2 << 52 | (mant & ((1ULL << 52) - 1));
	memcpy(&v, &bits64, sizeof v);
	return v;
}

/* w / 10^q correctly rounded, 0 < w < 2^64, 0 < q <= 31: 10^q is 5^q 2^q,
 * and the quotient of w 2^(64 + lz) (at least 2^127) by 5^q (below 2^72)
 * has at least 56 bits, so its first 53, the next one and whether anything
 * below is non-zero decide the rounding. */
static double div_pow10(uint64_t w, int q)
{
	unsigned __int128 p5, n, quo, rem, low, half;
	int lz = __builtin_clzll(w), bits, shift;
	uint64_t mant, bits64;
	double v;
	p5 = q <= 27 ? pow5[q] : (unsigned __int128)pow5[27] * pow5[q - 27];
	n = (unsigned __int128)(w << lz) << 64;
	quo = n / p5;
	rem = n % p5;
	bits = (uint64_t)(quo >> 64) ? 128 - __builtin_clzll((uint64_t)(quo >> 64)) : 64 - __builtin_clzll((uint64_t)quo);
	shift = bits - 53;
	mant = (uint64_t)(quo >> shift);
	low = quo & (((unsigned __int128)1 << shift) - 1);
	half = (unsigned __int128)1 << (shift - 1);
	if (low > half || (low == half && (rem != 0 || (mant & 1)))) {
		mant++;
		if (mant == (1ULL << 53)) {
			mant >>= 1;
			shift++;
		}
	}
	/* mant 2^e with mant in [2^52, 2^53): a normal double, as w >= 1 and
	 * q <= 31 keep it above 1e-31 */
	bits64 = (uint64_t)(shift - 64 - lz - q + 52 + 1023) << 52 | (mant & ((1ULL << 52) - 1));
	memcpy(&v, &bits64, sizeof v);
	return v;
}
#endif

/* 10^18: a w below it takes one more digit */
#define MAX18 1000000000000000000ULL

/* The 8 bytes at p, when all are digits, appended to *w (1), else 0. */
static int eight_digits(const char *p, uint64_t *w)
{
	uint64_t x, y;
	memcpy(&x, p, 8);
	/* each byte 0x30..0x39: its high nibble 3, and adding 6 leaves it so */
	if ((x & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL ||
	    ((x + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL)
		return 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* pairs, then fours, then the eight (p[0] the lowest byte, the first digit) */
	y = x - 0x3030303030303030ULL;
	y = y * 10 + (y >> 8);
	y = ((y & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32)) +
	     ((y >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32))) >> 32;
#else
	int i;
	for (y = 0, i = 0; i < 8; i++) y = y * 10 + (uint64_t)(p[i] - '0');
#endif
	*w = *w * 100000000ULL + (y & 0xFFFFFFFFULL);
	return 1;
}

static const double exact_pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A JSON number at r->p, as jansson reads it: an integer without a fraction
 * or exponent (*iv, *is_int set), else a real (*dv), exactly rounded as
 * strtod would: for up to 27 decimals by products (mul_pow10), for up to 31
 * by a 128-bit division, for a whole number by one exact operation where
 * both operands are exact (Clinger's fast path), else by strtod itself. -1:
 * leave it to jansson. */
static int scan_number(reader *r, int *is_int, json_int_t *iv, double *dv)
{
	const char *s = r->p, *q = s;
	int neg = 0, frac = 0, exp = 0, eneg = 0, real = 0, dropped = 0;
	uint64_t w = 0; /* the significant digits read, at most 19 of them */
	double v;
	if (q < r->end && *q == '-') { neg = 1; q++; }
	if (q >= r->end || *q < '0' || *q > '9') return -1;
	if (*q == '0' && q + 1 < r->end && q[1] >= '0' && q[1] <= '9') return -1;
	for (; q < r->end && *q >= '0' && *q <= '9'; q++) {
		if (w < MAX18) w = w * 10 + (uint64_t)(*q - '0');
		else dropped = 1;
	}
	if (q < r->end && *q == '.') {
		real = 1;
		q++;
		if (q >= r->end || *q < '0' || *q > '9') return -1;
		/* eight digits at a time while they cannot make more than 19 */
		while (w < 100000000000ULL && r->end - q >= 8 && eight_digits(q, &w)) {
			q += 8;
			frac += 8;
		}
		for (; q < r->end && *q >= '0' && *q <= '9'; q++) {
			if (w < MAX18) { w = w * 10 + (uint64_t)(*q - '0'); frac++; }
			else dropped = 1;
		}
	}
	if (q < r->end && (*q == 'e' || *q == 'E')) {
		real = 1;
		q++;
		if (q < r->end && (*q == '+' || *q == '-')) eneg = *q++ == '-';
		if (q >= r->end || *q < '0' || *q > '9') return -1;
		for (; q < r->end && *q >= '0' && *q <= '9'; q++)
			if (exp < 10000) exp = exp * 10 + (*q - '0');
	}
	if (!real) {
		if (w >= MAX18 || dropped) return -1; /* jansson checks the range */
		r->p = q;
		*is_int = 1;
		*iv = neg ? -(json_int_t)w : (json_int_t)w;
		return 0;
	}
	exp = frac + (eneg ? exp : -exp); /* value = w / 10^exp */
	/* else strtod (also for more than 19 significant digits) */
	if (dropped) v = NAN;
	else if (w == 0) v = 0.0;
#ifdef __SIZEOF_INT128__
	else if (exp > 0 && exp <= 27) v = mul_pow10(w, exp); /* a weight's: no division */
	else if (exp > 0 && exp <= 31) v = div_pow10(w, exp);
#endif
	else if (exp <= 0 && -exp <= 22 && w <= (1ULL << 53)) v = (double)w * exact_pow10[-exp];
	else if (exp > 0 && exp <= 22 && w <= (1ULL << 53)) v = (double)w / exact_pow10[exp];
	else v = NAN;
	if (isnan(v)) {
		/* strtod, as jansson would (no library here sets a locale) */
		char buf[64];
		if ((size_t)(q - s) >= sizeof buf) return -1;
		memcpy(buf, s, (size_t)(q - s));
		buf[q - s] = '\0';
		v = strtod(buf, NULL);
		neg = 0;
	}
	if (!isfinite(v)) return -1;
	r->p = q;
	*is_int = 0;
	*dv = neg ? -v : v;
	return 0;
}

static json_t *number(reader *r)
{
	int is_int;
	json_int_t iv;
	double dv;
	if (scan_number(r, &is_int, &iv, &dv) != 0) return NULL;
	return is_int ? json_integer(iv) : json_real(dv);
}

/* A string at r->p (the opening quote) into r->key, NUL-terminated; its
 * length, or -1 to leave it to jansson. */
static long string(reader *r)
{
	size_t n = 0;
	const char *q = r->p + 1;
	for (; q < r->end && *q != '"'; q++) {
		unsigned char ch = (unsigned char)*q;
		if (ch < 0x20 || ch >= 0x80) return -1;
		if (ch == '\\') {
			if (++q >= r->end) return -1;
			switch (*q) {
			case '"': case '\\': case '/': ch = (unsigned char)*q; break;
			case 'b': ch = '\b'; break;
			case 'f': ch = '\f'; break;
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			default: return -1; /* \u: jansson's */
			}
		}
		if (n + 2 > r->keycap) r->key = mph_realloc(r->key, r->keycap = 2 * r->keycap + 64);
		r->key[n++] = (char)ch;
	}
	if (q >= r->end) return -1;
	if (r->keycap == 0) r->key = mph_realloc(r->key, r->keycap = 64);
	r->key[n] = '\0';
	r->p = q + 1;
	return (long)n;
}

static json_t *value(reader *r);

static json_t *array(reader *r)
{
	json_t *a = json_array(), *v;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == ']') { r->p++; return a; }
	for (;;) {
		if ((v = value(r)) == NULL || json_array_append_new(a, v) != 0) break;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') { r->p++; continue; }
		if (r->p < r->end && *r->p == ']') { r->p++; return a; }
		break;
	}
	json_decref(a);
	return NULL;
}

static json_t *object(reader *r)
{
	json_t *o = json_object(), *v;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}') { r->p++; return o; }
	for (;;) {
		long n;
		char small[64], *key;
		if (r->p >= r->end || *r->p != '"' || (n = string(r)) < 0 || (long)strlen(r->key) != n) break;
		key = (size_t)n < sizeof small ? memcpy(small, r->key, (size_t)n + 1) : mph_strdup(r->key);
		skip_ws(r);
		if (r->p >= r->end || *r->p != ':' || json_object_get(o, key) != NULL) {
			if (key != small) free(key);
			break;
		}
		r->p++;
		if (r->hook != NULL && r->depth == 1 && strcmp(key, r->hook_key) == 0) {
			/* the hook reads this value; the key stays out of the object */
			if (key != small) free(key);
			if (r->hook(r, r->ctx) != 0) break;
		} else {
			v = value(r);
			if (v == NULL || json_object_set_new_nocheck(o, key, v) != 0) {
				if (key != small) free(key);
				break;
			}
			if (key != small) free(key);
		}
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') { r->p++; skip_ws(r); continue; }
		if (r->p < r->end && *r->p == '}') { r->p++; return o; }
		break;
	}
	json_decref(o);
	return NULL;
}

static int word(reader *r, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0) return 0;
	r->p += n;
	return 1;
}

static json_t *value(reader *r)
{
	json_t *v = NULL;
	long n;
	skip_ws(r);
	if (r->p >= r->end) return NULL;
	if (++r->depth > 200) return NULL; /* jansson's limit is higher: its */
	switch (*r->p) {
	case '{': v = object(r); break;
	case '[': v = array(r); break;
	case '"':
		if ((n = string(r)) >= 0) v = json_stringn_nocheck(r->key, (size_t)n);
		break;
	case 't': if (word(r, "true")) v = json_true(); break;
	case 'f': if (word(r, "false")) v = json_false(); break;
	case 'n': if (word(r, "null")) v = json_null(); break;
	default: v = number(r); break;
	}
	r->depth--;
	return v;
}

/* The document in text[0..len), or NULL where jansson must read it (or
 * the hook, if any, failed). */
static json_t *load_fast(const char *text, size_t len, const char *hook_key, mph_json_hook hook,
                         void *ctx)
{
	reader r = {text, text + len, 0, NULL, 0, hook_key, hook, ctx};
	json_t *j = NULL;
	skip_ws(&r);
	if (r.p < r.end && (*r.p == '{' || *r.p == '[')) j = value(&r);
	skip_ws(&r);
	if (j != NULL && r.p != r.end) {
		json_decref(j);
		j = NULL;
	}
	free(r.key);
	return j;
}

int mph_json_text_read(mph_json_text *t, const char *path, mph_error *err)
{
	const char *name = mph_input_name(path);
	FILE *fp = stdin;
	struct stat st;
	int read_errno = 0;
	t->text = t->buf = NULL;
	t->map = NULL;
	t->len = t->maplen = 0;
	if (path != NULL && strcmp(path, "-") != 0 && (fp = fopen(path, "r")) == NULL)
		return mph_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
	/* A regular file is mapped: reading a megabyte model file into fresh
	 * memory took 0.45 ms, mapping it 0.1 ms. mph's own outputs replace a
	 * file by renaming a new one over it, so a mapped file is not cut
	 * short under the reader. */
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uintmax_t)st.st_size < SIZE_MAX / 2) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fileno(fp), 0);
		if (m != MAP_FAILED) {
			t->map = m;
			t->maplen = t->len = (size_t)st.st_size;
			t->text = m;
		}
	}
	errno = 0;
	/* A directory opens but cannot be read: say so, not "expected '{'". */
	if (t->map == NULL && (t->buf = slurp(fp, &t->len)) == NULL) read_errno = errno;
	if (t->map == NULL) t->text = t->buf;
	if (fp != stdin) fclose(fp);
	if (t->text == NULL) return mph_error_set(err, name, 0, 0, "read error: %s", strerror(read_errno));
	return 0;
}

void mph_json_text_free(mph_json_text *t)
{
	if (t->map != NULL) munmap(t->map, t->maplen);
	free(t->buf);
	t->text = t->buf = NULL;
	t->map = NULL;
}

json_t *mph_json_parse(const char *text, size_t len, const char *name, mph_error *err)
{
	json_error_t je;
	json_t *j = load_fast(text, len, NULL, NULL, NULL);
	if (j == NULL && (j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		mph_error_set(err, name, je.line > 0 ? je.line : 0, je.column > 0 ? je.column : 0,
		              "invalid JSON: %s", je.text);
	return j;
}

json_t *mph_json_parse_hooked(const char *text, size_t len, const char *key, mph_json_hook hook, void *ctx)
{
	return load_fast(text, len, key, hook, ctx);
}

json_t *mph_json_load(const char *path, mph_error *err)
{
	mph_json_text t;
	json_t *j;
	if (mph_json_text_read(&t, path, err) != 0) return NULL;
	j = mph_json_parse(t.text, t.len, mph_input_name(path), err);
	mph_json_text_free(&t);
	return j;
}

/* ---- for hooks ---- */

int mph_json_accept(mph_json_reader *r, int ch)
{
	skip_ws(r);
	if (r->p < r->end && *r->p == ch) {
		r->p++;
		return 1;
	}
	return 0;
}

const char *mph_json_read_key(mph_json_reader *r)
{
	long n;
	skip_ws(r);
	if (r->p >= r->end || *r->p != '"' || (n = string(r)) < 0 || (long)strlen(r->key) != n) return NULL;
	return mph_json_accept(r, ':') ? r->key : NULL;
}

json_t *mph_json_read_value(mph_json_reader *r)
{
	return value(r);
}

int mph_json_read_numbers(mph_json_reader *r, double *out, size_t n)
{
	size_t i;
	if (!mph_json_accept(r, '[')) return -1;
	for (i = 0; i < n; i++) {
		int is_int;
		json_int_t iv;
		if (i > 0 && !mph_json_accept(r, ',')) return -1;
		skip_ws(r);
		if (scan_number(r, &is_int, &iv, &out[i]) != 0) return -1;
		if (is_int) out[i] = (double)iv; /* as json_number_value reads an integer */
	}
	return mph_json_accept(r, ']') ? 0 : -1;
}

int mph_json_check_keys(json_t *obj, const char *const *allowed, const char *file,
                        const char *where, mph_error *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		size_t i;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0) break;
		if (allowed[i] == NULL)
			return mph_error_set(err, file, 0, 0, "%s%sunknown key '%.64s'", where,
			                     *where ? ": " : "", key);
	}
	return 0;
}

static void put_string(FILE *fp, const char *s)
{
	putc('"', fp);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '"': fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\t': fputs("\\t", fp); break;
		default:
			if (ch < 0x20) fprintf(fp, "\\u%04x", ch);
			else putc(ch, fp);
		}
	}
	putc('"', fp);
}

static int is_scalar(json_t *j) { return !json_is_object(j) && !json_is_array(j); }

static void indent(FILE *fp, int depth)
{
	putc('\n', fp);
	while (depth-- > 0) fputs("  ", fp);
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void dump(json_t *j, FILE *fp, int depth)
{
	char buf[40];
	size_t i, n;
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *key, **keys;
		json_t *v;
		n = json_object_size(j);
		if (n == 0) { fputs("{}", fp); break; }
		keys = mph_malloc(n * sizeof *keys);
		i = 0;
		json_object_foreach(j, key, v) keys[i++] = key;
		qsort(keys, n, sizeof *keys, cmp_keys);
		putc('{', fp);
		for (i = 0; i < n; i++) {
			indent(fp, depth + 1);
			put_string(fp, keys[i]);
			fputs(": ", fp);
			dump(json_object_get(j, keys[i]), fp, depth + 1);
			if (i + 1 < n) putc(',', fp);
		}
		indent(fp, depth);
		putc('}', fp);
		free(keys);
		break;
	}
	case JSON_ARRAY: {
		int flat = 1;
		n = json_array_size(j);
		for (i = 0; i < n; i++) flat &= is_scalar(json_array_get(j, i));
		putc('[', fp);
		for (i = 0; i < n; i++) {
			if (flat) { if (i) fputs(", ", fp); }
			else indent(fp, depth + 1);
			dump(json_array_get(j, i), fp, depth + 1);
			if (!flat && i + 1 < n) putc(',', fp);
		}
		if (!flat && n) indent(fp, depth);
		putc(']', fp);
		break;
	}
	case JSON_STRING: put_string(fp, json_string_value(j)); break;
	case JSON_INTEGER: fprintf(fp, "%" JSON_INTEGER_FORMAT, json_integer_value(j)); break;
	case JSON_REAL:
		mph_fmt_double(buf, json_real_value(j));
		/* keep it a real when read back */
		if (strpbrk(buf, ".eE") == NULL) strcat(buf, ".0");
		fputs(buf, fp);
		break;
	case JSON_TRUE: fputs("true", fp); break;
	case JSON_FALSE: fputs("false", fp); break;
	case JSON_NULL: fputs("null", fp); break;
	}
}

int mph_json_dump(json_t *j, FILE *fp)
{
	dump(j, fp, 0);
	putc('\n', fp);
	return ferror(fp) ? -1 : 0;
}

/* jansson keeps no positions once a document is parsed, so a message about
 * a value's meaning ("knob 'a': unknown type 'integer'") would name no line.
 * This finds one in the file's text: the quoted names in the message, in
 * order, each searched from where the one before it was found. A message
 * naming the second of two equal names ("duplicate ... 'a'") looks for the
 * second occurrence. Best effort: the message is right either way. */
static const char *find_token(const char *text, const char *from, const char *tok, int quoted)
{
	size_t n = strlen(tok);
	const char *p = from;
	if (n == 0) return NULL;
	while ((p = strstr(p, tok)) != NULL) {
		if (!quoted || (p > text && p[-1] == '"' && p[n] == '"')) return quoted ? p - 1 : p;
		p++;
	}
	return NULL;
}

void mph_json_locate(const char *path, mph_error *err)
{
	FILE *fp;
	char *text, *q, *msg;
	const char *at = NULL, *from;
	long n;
	if (err == NULL || err->line > 0 || path == NULL || strcmp(path, "-") == 0) return;
	if ((fp = fopen(path, "r")) == NULL) return;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || n > (1L << 24)) { fclose(fp); return; }
	rewind(fp);
	text = mph_malloc((size_t)n + 1);
	n = (long)fread(text, 1, (size_t)n, fp);
	text[n] = '\0';
	fclose(fp);
	from = text;
	msg = mph_strdup(err->text);
	for (q = strchr(msg, '\''); q != NULL; q = strchr(q, '\'')) {
		char *end = strchr(q + 1, '\'');
		const char *hit;
		if (end == NULL) break;
		*end = '\0';
		hit = find_token(text, from, q + 1, 1);
		if (hit == NULL) hit = find_token(text, from, q + 1, 0);
		if (hit != NULL) {
			if (strncmp(msg, "duplicate", 9) == 0) {
				const char *again = find_token(text, hit + 2, q + 1, 1);
				if (again != NULL) hit = again;
			}
			at = hit;
			from = hit + 1;
		}
		q = end + 1;
	}
	if (at != NULL) {
		const char *p;
		long line = 1, col = 1;
		for (p = text; p < at; p++) {
			if (*p == '\n') line++, col = 1;
			else col++;
		}
		err->line = line;
		err->col = col;
	}
	free(msg);
	free(text);
}
