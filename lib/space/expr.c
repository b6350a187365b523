/* Constraint expressions: a recursive-descent parser into a flat node array,
 * name binding to caller-defined slots, and evaluation over slot values. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "space/space.h"

/* Deep nesting would otherwise let a hostile field exhaust the C stack. */
#define MAX_DEPTH 256

enum node_op {
	N_NUM, N_STR, N_VAR, N_NEG, N_NOT,
	N_ADD, N_SUB, N_MUL, N_DIV,
	N_LT, N_LE, N_GT, N_GE, N_EQ, N_NE,
	N_AND, N_OR,
	N_MIN, N_MAX, N_LOG, N_LOG2, N_EXP, N_ABS
};

struct node {
	enum node_op op;
	int a, b;      /* children (node indices), -1 when absent */
	double num;    /* N_NUM */
	char *str;     /* N_STR, owned */
	size_t name;   /* N_VAR: index into names */
};

struct mph_expr {
	char *text;
	struct node *n;
	size_t nn, cap;
	int root;
	char **names;   /* distinct variable names, in order of first use */
	long *name_col; /* 1-based column of each name's first use */
	long *slots;    /* bound slot of each name, -1 before binding */
	size_t nnames;
};

enum tok {
	T_END, T_NUM, T_STR, T_NAME, T_LP, T_RP, T_COMMA,
	T_OR, T_AND, T_NOT, T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE,
	T_PLUS, T_MINUS, T_STAR, T_SLASH
};

struct parser {
	const char *s;
	size_t pos;      /* where the lexer continues */
	enum tok tok;    /* current token */
	size_t start, len;
	double num;
	int depth;
	mph_expr *e;
	mph_error *err;
};

static int fail(struct parser *p, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Every syntax error names its 1-based column both in the text and in err->col. */
static int fail(struct parser *p, size_t at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return mph_error_set(p->err, "", 0, (long)at + 1, "%s at column %zu", msg, at + 1);
}

/* The current token as it appears in the text, for messages. */
static const char *tok_text(const struct parser *p, char *buf, size_t size)
{
	size_t n = p->len;
	if (p->tok == T_END) return "end of expression";
	if (n > 40) n = 40;
	snprintf(buf, size, "'%.*s%s'", (int)n, p->s + p->start, n < p->len ? "..." : "");
	return buf;
}

static int unexpected(struct parser *p)
{
	char buf[64];
	return fail(p, p->start, "unexpected %s", tok_text(p, buf, sizeof buf));
}

static int is_name_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '.';
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static int lex(struct parser *p)
{
	const char *s = p->s;
	size_t i = p->pos;
	char c;
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') i++;
	p->start = i;
	c = s[i];
	if (c == '\0') { p->tok = T_END; p->len = 0; p->pos = i; return 0; }
	if (is_digit(c) || (c == '.' && is_digit(s[i + 1]))) {
		size_t j = i;
		char buf[128];
		while (is_digit(s[j])) j++;
		if (s[j] == '.') { j++; while (is_digit(s[j])) j++; }
		if ((s[j] == 'e' || s[j] == 'E') &&
		    (is_digit(s[j + 1]) || ((s[j + 1] == '+' || s[j + 1] == '-') && is_digit(s[j + 2])))) {
			j += 2;
			while (is_digit(s[j])) j++;
		}
		p->tok = T_NUM;
		p->len = j - i;
		p->pos = j;
		if (p->len < sizeof buf) {
			memcpy(buf, s + i, p->len);
			buf[p->len] = '\0';
		}
		if (p->len >= sizeof buf || mph_parse_double(buf, &p->num) < 0)
			return fail(p, i, "number out of range '%.*s'", (int)(p->len < 40 ? p->len : 40), s + i);
		return 0;
	}
	if (is_name_start(c)) {
		size_t j = i;
		while (is_name_char(s[j])) j++;
		p->tok = T_NAME; p->len = j - i; p->pos = j;
		return 0;
	}
	if (c == '"' || c == '\'') {
		const char *end = strchr(s + i + 1, c);
		if (end == NULL) return fail(p, i, "unterminated string");
		p->tok = T_STR; p->len = (size_t)(end - s) + 1 - i; p->pos = i + p->len;
		return 0;
	}
	p->len = 2;
	switch (c) {
	case '|': if (s[i + 1] == '|') { p->tok = T_OR; break; }
		return fail(p, i, "unexpected '|' (use '||')");
	case '&': if (s[i + 1] == '&') { p->tok = T_AND; break; }
		return fail(p, i, "unexpected '&' (use '&&')");
	case '=': if (s[i + 1] == '=') { p->tok = T_EQ; break; }
		return fail(p, i, "unexpected '=' (use '==')");
	case '!': if (s[i + 1] == '=') { p->tok = T_NE; break; }
		p->tok = T_NOT; p->len = 1; break;
	case '<': if (s[i + 1] == '=') { p->tok = T_LE; break; }
		p->tok = T_LT; p->len = 1; break;
	case '>': if (s[i + 1] == '=') { p->tok = T_GE; break; }
		p->tok = T_GT; p->len = 1; break;
	default:
		p->len = 1;
		switch (c) {
		case '(': p->tok = T_LP; break;
		case ')': p->tok = T_RP; break;
		case ',': p->tok = T_COMMA; break;
		case '+': p->tok = T_PLUS; break;
		case '-': p->tok = T_MINUS; break;
		case '*': p->tok = T_STAR; break;
		case '/': p->tok = T_SLASH; break;
		default: {
			char what[16];
			if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
				snprintf(what, sizeof what, "'%c'", c);
			else
				snprintf(what, sizeof what, "byte 0x%02x", (unsigned char)c);
			return fail(p, i, "unexpected character %s", what);
		}
		}
	}
	p->pos = i + p->len;
	return 0;
}

static int add_node(struct parser *p, enum node_op op, int a, int b)
{
	mph_expr *e = p->e;
	if (e->nn == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 16;
		e->n = mph_realloc(e->n, e->cap * sizeof *e->n);
	}
	e->n[e->nn] = (struct node){ .op = op, .a = a, .b = b };
	return (int)e->nn++;
}

static size_t add_name(mph_expr *e, const char *s, size_t len, long col)
{
	size_t i;
	for (i = 0; i < e->nnames; i++)
		if (strlen(e->names[i]) == len && memcmp(e->names[i], s, len) == 0) return i;
	e->names = mph_realloc(e->names, (e->nnames + 1) * sizeof *e->names);
	e->name_col = mph_realloc(e->name_col, (e->nnames + 1) * sizeof *e->name_col);
	e->slots = mph_realloc(e->slots, (e->nnames + 1) * sizeof *e->slots);
	e->names[i] = mph_malloc(len + 1);
	memcpy(e->names[i], s, len);
	e->names[i][len] = '\0';
	e->name_col[i] = col;
	e->slots[i] = -1;
	return e->nnames++;
}

static int parse_or(struct parser *p);

static const struct { const char *name; enum node_op op; int nargs; } functions[] = {
	{ "min", N_MIN, 2 }, { "max", N_MAX, 2 }, { "log", N_LOG, 1 },
	{ "log2", N_LOG2, 1 }, { "exp", N_EXP, 1 }, { "abs", N_ABS, 1 },
};

static int parse_call(struct parser *p, size_t at, size_t len)
{
	size_t f, nargs = 0;
	int args[2] = { -1, -1 };
	char name[64];
	for (f = 0; f < sizeof functions / sizeof functions[0]; f++)
		if (strlen(functions[f].name) == len && memcmp(functions[f].name, p->s + at, len) == 0)
			break;
	if (f == sizeof functions / sizeof functions[0]) {
		snprintf(name, sizeof name, "%.*s", (int)(len < 40 ? len : 40), p->s + at);
		return fail(p, at, "unknown function '%s'", name);
	}
	if (lex(p) < 0) return -1; /* past '(' */
	if (p->tok != T_RP) {
		for (;;) {
			int a = parse_or(p);
			if (a < 0) return -1;
			if (nargs < 2) args[nargs] = a;
			nargs++;
			if (p->tok != T_COMMA) break;
			if (lex(p) < 0) return -1;
		}
	}
	if (p->tok != T_RP) return fail(p, p->start, "expected ')'");
	if ((int)nargs != functions[f].nargs) {
		char msg[128];
		snprintf(msg, sizeof msg, "%s() takes %d argument%s, not %zu", functions[f].name,
		         functions[f].nargs, functions[f].nargs == 1 ? "" : "s", nargs);
		return fail(p, at, "%s", msg);
	}
	if (lex(p) < 0) return -1;
	return add_node(p, functions[f].op, args[0], args[1]);
}

static int parse_primary(struct parser *p)
{
	int n;
	size_t at = p->start, len = p->len;
	switch (p->tok) {
	case T_NUM:
		n = add_node(p, N_NUM, -1, -1);
		p->e->n[n].num = p->num;
		return lex(p) < 0 ? -1 : n;
	case T_STR:
		n = add_node(p, N_STR, -1, -1);
		p->e->n[n].str = mph_malloc(len - 1);
		memcpy(p->e->n[n].str, p->s + at + 1, len - 2);
		p->e->n[n].str[len - 2] = '\0';
		return lex(p) < 0 ? -1 : n;
	case T_NAME:
		if (lex(p) < 0) return -1;
		if (p->tok == T_LP) return parse_call(p, at, len);
		n = add_node(p, N_VAR, -1, -1);
		p->e->n[n].name = add_name(p->e, p->s + at, len, (long)at + 1);
		return n;
	case T_LP:
		if (++p->depth > MAX_DEPTH) return fail(p, at, "expression nested too deeply");
		if (lex(p) < 0 || (n = parse_or(p)) < 0) return -1;
		if (p->tok != T_RP) return fail(p, p->start, "expected ')'");
		p->depth--;
		return lex(p) < 0 ? -1 : n;
	default:
		return unexpected(p);
	}
}

static int parse_unary(struct parser *p)
{
	int a;
	if (p->tok != T_MINUS) return parse_primary(p);
	if (++p->depth > MAX_DEPTH) return fail(p, p->start, "expression nested too deeply");
	if (lex(p) < 0 || (a = parse_unary(p)) < 0) return -1;
	p->depth--;
	return add_node(p, N_NEG, a, -1);
}

static int parse_product(struct parser *p)
{
	int a = parse_unary(p), b;
	while (a >= 0 && (p->tok == T_STAR || p->tok == T_SLASH)) {
		enum node_op op = p->tok == T_STAR ? N_MUL : N_DIV;
		if (lex(p) < 0 || (b = parse_unary(p)) < 0) return -1;
		a = add_node(p, op, a, b);
	}
	return a;
}

static int parse_sum(struct parser *p)
{
	int a = parse_product(p), b;
	while (a >= 0 && (p->tok == T_PLUS || p->tok == T_MINUS)) {
		enum node_op op = p->tok == T_PLUS ? N_ADD : N_SUB;
		if (lex(p) < 0 || (b = parse_product(p)) < 0) return -1;
		a = add_node(p, op, a, b);
	}
	return a;
}

static int comparison(enum tok t, enum node_op *op)
{
	switch (t) {
	case T_LT: *op = N_LT; return 1;
	case T_LE: *op = N_LE; return 1;
	case T_GT: *op = N_GT; return 1;
	case T_GE: *op = N_GE; return 1;
	case T_EQ: *op = N_EQ; return 1;
	case T_NE: *op = N_NE; return 1;
	default: return 0;
	}
}

static int parse_comparison(struct parser *p)
{
	enum node_op op;
	int a = parse_sum(p), b;
	if (a < 0 || !comparison(p->tok, &op)) return a;
	if (lex(p) < 0 || (b = parse_sum(p)) < 0) return -1;
	/* "a < b < c" reads as a range but would compare a truth value with c. */
	if (comparison(p->tok, &op))
		return fail(p, p->start, "comparisons do not chain (use '&&')");
	return add_node(p, op, a, b);
}

static int parse_not(struct parser *p)
{
	int a;
	if (p->tok != T_NOT) return parse_comparison(p);
	if (++p->depth > MAX_DEPTH) return fail(p, p->start, "expression nested too deeply");
	if (lex(p) < 0 || (a = parse_not(p)) < 0) return -1;
	p->depth--;
	return add_node(p, N_NOT, a, -1);
}

static int parse_and(struct parser *p)
{
	int a = parse_not(p), b;
	while (a >= 0 && p->tok == T_AND) {
		if (lex(p) < 0 || (b = parse_not(p)) < 0) return -1;
		a = add_node(p, N_AND, a, b);
	}
	return a;
}

static int parse_or(struct parser *p)
{
	int a = parse_and(p), b;
	while (a >= 0 && p->tok == T_OR) {
		if (lex(p) < 0 || (b = parse_and(p)) < 0) return -1;
		a = add_node(p, N_OR, a, b);
	}
	return a;
}

mph_expr *mph_expr_parse(const char *text, mph_error *err)
{
	struct parser p = { .s = text, .err = err };
	mph_expr *e;
	if (text == NULL) text = p.s = "";
	e = p.e = mph_calloc(1, sizeof *e);
	e->text = mph_strdup(text);
	if (lex(&p) < 0) goto bad;
	if (p.tok == T_END) {
		mph_error_set(err, "", 0, 0, "empty expression");
		goto bad;
	}
	if ((e->root = parse_or(&p)) < 0) goto bad;
	if (p.tok != T_END) {
		if (p.tok == T_RP) fail(&p, p.start, "unmatched ')'");
		else unexpected(&p);
		goto bad;
	}
	return e;
bad:
	mph_expr_free(e);
	return NULL;
}

void mph_expr_free(mph_expr *e)
{
	size_t i;
	if (e == NULL) return;
	for (i = 0; i < e->nn; i++) free(e->n[i].str);
	for (i = 0; i < e->nnames; i++) free(e->names[i]);
	free(e->n); free(e->names); free(e->name_col); free(e->slots); free(e->text);
	free(e);
}

const char *mph_expr_text(const mph_expr *e) { return e->text; }
size_t mph_expr_nnames(const mph_expr *e) { return e->nnames; }
const char *mph_expr_name(const mph_expr *e, size_t i) { return e->names[i]; }
long mph_expr_slot(const mph_expr *e, size_t i) { return e->slots[i]; }

int mph_expr_bind(mph_expr *e, mph_expr_resolver resolve, void *ctx, mph_error *err)
{
	size_t i;
	for (i = 0; i < e->nnames; i++) {
		long s = resolve(ctx, e->names[i]);
		if (s < 0) {
			mph_error_set(err, "", 0, e->name_col[i], "unknown name '%s'", e->names[i]);
			for (; i < e->nnames; i++) e->slots[i] = -1;
			return -1;
		}
		e->slots[i] = s;
	}
	return 0;
}

/* Kleene truth: 1, 0, or NaN when a needed number is missing. */
static double truth(double x)
{
	return isnan(x) ? NAN : x != 0.0;
}

static mph_value eval(const mph_expr *e, int i, const mph_value *slots);

static double num(const mph_expr *e, int i, const mph_value *slots)
{
	return eval(e, i, slots).num;
}

/* A value with text and no number, such as a categorical column. */
static int is_text(const mph_value *v) { return v->str != NULL && isnan(v->num); }

/* Text is compared when a side is a string literal or both sides are text;
 * otherwise a side without a number (an empty or broken measurement) makes
 * the comparison unknown rather than quietly comparing its text. */
static double compare(const struct node *n, const struct node *na, const struct node *nb,
                      mph_value a, mph_value b)
{
	enum node_op op = n->op;
	int c;
	if (na->op == N_STR || nb->op == N_STR || (is_text(&a) && is_text(&b))) {
		char ba[32], bb[32];
		if (a.str == NULL) { if (isnan(a.num)) return NAN; a.str = mph_fmt_double(ba, a.num); }
		if (b.str == NULL) { if (isnan(b.num)) return NAN; b.str = mph_fmt_double(bb, b.num); }
		c = strcmp(a.str, b.str);
	} else {
		if (isnan(a.num) || isnan(b.num)) return NAN;
		c = (a.num > b.num) - (a.num < b.num);
	}
	switch (op) {
	case N_LT: return c < 0;
	case N_LE: return c <= 0;
	case N_GT: return c > 0;
	case N_GE: return c >= 0;
	case N_EQ: return c == 0;
	default: return c != 0;
	}
}

static mph_value eval(const mph_expr *e, int i, const mph_value *slots)
{
	const struct node *n = &e->n[i];
	mph_value v = { NAN, NULL };
	double x, y;
	switch (n->op) {
	case N_NUM: v.num = n->num; break;
	case N_STR: v.str = n->str; break;
	case N_VAR:
		if (e->slots[n->name] >= 0 && slots != NULL) v = slots[e->slots[n->name]];
		break;
	case N_NEG: v.num = -num(e, n->a, slots); break;
	case N_NOT: x = truth(num(e, n->a, slots)); v.num = isnan(x) ? x : !x; break;
	case N_ADD: v.num = num(e, n->a, slots) + num(e, n->b, slots); break;
	case N_SUB: v.num = num(e, n->a, slots) - num(e, n->b, slots); break;
	case N_MUL: v.num = num(e, n->a, slots) * num(e, n->b, slots); break;
	case N_DIV: v.num = num(e, n->a, slots) / num(e, n->b, slots); break;
	case N_LT: case N_LE: case N_GT: case N_GE: case N_EQ: case N_NE:
		v.num = compare(n, &e->n[n->a], &e->n[n->b], eval(e, n->a, slots), eval(e, n->b, slots));
		break;
	case N_AND:
		x = truth(num(e, n->a, slots));
		if (x == 0.0) { v.num = 0; break; }
		y = truth(num(e, n->b, slots));
		v.num = y == 0.0 ? 0.0 : (isnan(x) || isnan(y)) ? NAN : 1.0;
		break;
	case N_OR:
		x = truth(num(e, n->a, slots));
		if (x == 1.0) { v.num = 1; break; }
		y = truth(num(e, n->b, slots));
		v.num = y == 1.0 ? 1.0 : (isnan(x) || isnan(y)) ? NAN : 0.0;
		break;
	case N_MIN: case N_MAX:
		x = num(e, n->a, slots);
		y = num(e, n->b, slots);
		/* fmin/fmax would hide a missing number behind the other one. */
		v.num = isnan(x) || isnan(y) ? NAN : n->op == N_MIN ? (x < y ? x : y) : (x > y ? x : y);
		break;
	case N_LOG: v.num = log(num(e, n->a, slots)); break;
	case N_LOG2: v.num = log2(num(e, n->a, slots)); break;
	case N_EXP: v.num = exp(num(e, n->a, slots)); break;
	case N_ABS: v.num = fabs(num(e, n->a, slots)); break;
	}
	return v;
}

double mph_expr_eval(const mph_expr *e, const mph_value *slots)
{
	mph_value v = eval(e, e->root, slots);
	/* A bare string has no number; a bare name yields its number. */
	return v.num;
}
