// SPDX-License-Identifier: MIT
/*
 * kucdump --filter EXPR: which records to show.
 *
 *   expr    := and ( ("or" | "||") and )*
 *   and     := unary ( ("and" | "&&") unary )*
 *   unary   := ("not" | "!") unary | "(" expr ")" | prim
 *   prim    := "u2k" | "k2u" | "dir" ("u2k" | "k2u")
 *            | FIELD [OP] NUMBER
 *   FIELD   := "conn" | "type" | "id" | "value" | "length"
 *   OP      := "==" | "=" | "!=" | "<" | "<=" | ">" | ">="   (default "==")
 *   NUMBER  := decimal, or hex with 0x, up to 2^64 - 1
 *
 * Words are separated by blanks or by the operators, which need none:
 * "type==7", "!(u2k)", "conn 3&&id>=2" (as in tcpdump and C). The
 * expression is parsed once into a tree and evaluated per record.
 * "not" and "(" nest at most KUCDUMP_FILTER_NEST_MAX deep: the parser
 * recurses once per level, and an argument of 128 KiB of "!" was enough
 * to overflow the stack.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kucdump.h"

enum node_kind { N_OR, N_AND, N_NOT, N_DIR, N_CMP };
enum field { F_CONN, F_TYPE, F_ID, F_VALUE, F_LENGTH };
enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct kucdump_filter {
	enum node_kind kind;
	struct kucdump_filter *a, *b;	/* N_OR, N_AND; N_NOT uses @a */
	unsigned int dir;		/* N_DIR */
	enum field field;		/* N_CMP */
	enum op op;
	uint64_t num;
};

struct parser {
	char **tok;
	size_t ntok, pos;
	char *err;
	size_t errsz;
	int failed;
	int depth;	/* "not" and "(" open around the current word */
};

static const char *const field_names[] = {
	[F_CONN] = "conn", [F_TYPE] = "type", [F_ID] = "id",
	[F_VALUE] = "value", [F_LENGTH] = "length",
};

static const char *const op_names[] = {
	[OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<", [OP_LE] = "<=",
	[OP_GT] = ">", [OP_GE] = ">=",
};

/* Tokens that end a word; longest first, so "<=" is not "<" then "=". */
static const char *const punct[] = {
	"==", "!=", "<=", ">=", "&&", "||", "=", "<", ">", "!", "(", ")",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define KUCDUMP_FILTER_NEST_MAX	256

__attribute__((format(printf, 2, 3)))
static void fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errsz, fmt, ap);
	va_end(ap);
}

/* The length of the operator or parenthesis at @s, or 0. */
static size_t punct_len(const char *s)
{
	size_t i, n;

	for (i = 0; i < NELEM(punct); i++) {
		n = strlen(punct[i]);
		if (!strncmp(s, punct[i], n))
			return n;
	}
	return 0;
}

/* A character that cannot be in a word: it starts an operator. */
static bool is_punct(char c)
{
	return c && strchr("=!<>&|()", c);
}

/* Split @s into words and operators. */
static int tokenize(const char *s, struct parser *p)
{
	size_t cap = 0;
	const char *start;
	char **grown;
	size_t len;

	while (*s) {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		start = s;
		len = punct_len(s);
		if (len)
			s += len;
		else if (is_punct(*s))
			s++;	/* a lone '&' or '|': a word the parser refuses */
		else
			while (*s && !isspace((unsigned char)*s) &&
			       !is_punct(*s))
				s++;
		len = (size_t)(s - start);
		if (p->ntok == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(p->tok, cap * sizeof(*p->tok));
			if (!grown)
				return -ENOMEM;
			p->tok = grown;
		}
		p->tok[p->ntok] = strndup(start, len);
		if (!p->tok[p->ntok])
			return -ENOMEM;
		p->ntok++;
	}
	return 0;
}

static const char *peek(const struct parser *p)
{
	return p->pos < p->ntok ? p->tok[p->pos] : NULL;
}

static bool accept(struct parser *p, const char *a, const char *b)
{
	const char *t = peek(p);

	if (t && (!strcmp(t, a) || (b && !strcmp(t, b)))) {
		p->pos++;
		return true;
	}
	return false;
}

static struct kucdump_filter *node(struct parser *p, enum node_kind kind)
{
	struct kucdump_filter *n = calloc(1, sizeof(*n));

	if (!n)
		fail(p, "out of memory");
	else
		n->kind = kind;
	return n;
}

static bool parse_number(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static struct kucdump_filter *parse_or(struct parser *p);

static struct kucdump_filter *parse_prim(struct parser *p)
{
	struct kucdump_filter *n;
	const char *t = peek(p);
	size_t i;

	if (!t) {
		fail(p, "expression ends too soon");
		return NULL;
	}
	if (accept(p, "dir", NULL)) {
		t = peek(p);
		if (!t || (strcmp(t, "u2k") && strcmp(t, "k2u"))) {
			fail(p, "'dir' wants u2k or k2u");
			return NULL;
		}
	}
	if (!strcmp(t, "u2k") || !strcmp(t, "k2u")) {
		p->pos++;
		n = node(p, N_DIR);
		if (n)
			n->dir = strcmp(t, "u2k") ? KUCOMMS_TAP_K2U :
						    KUCOMMS_TAP_U2K;
		return n;
	}
	for (i = 0; i < NELEM(field_names); i++)
		if (!strcmp(t, field_names[i]))
			break;
	if (i == NELEM(field_names)) {
		fail(p, "unknown word '%s'", t);
		return NULL;
	}
	p->pos++;
	n = node(p, N_CMP);
	if (!n)
		return NULL;
	n->field = (enum field)i;
	n->op = OP_EQ;
	t = peek(p);
	if (t && !strcmp(t, "="))
		p->pos++;	/* tcpdump's spelling of "==" */
	for (i = 0; t && i < NELEM(op_names); i++)
		if (!strcmp(t, op_names[i])) {
			n->op = (enum op)i;
			p->pos++;
			break;
		}
	if (!parse_number(peek(p), &n->num)) {
		fail(p, "'%s' wants a number, not '%s'", field_names[n->field],
		     peek(p) ? peek(p) : "the end");
		free(n);
		return NULL;
	}
	p->pos++;
	return n;
}

static struct kucdump_filter *parse_nested(struct parser *p);

static struct kucdump_filter *parse_unary(struct parser *p)
{
	struct kucdump_filter *n;

	if (p->depth >= KUCDUMP_FILTER_NEST_MAX &&
	    (accept(p, "not", "!") || accept(p, "(", NULL))) {
		fail(p, "nested more than %d deep", KUCDUMP_FILTER_NEST_MAX);
		return NULL;
	}
	p->depth++;
	n = parse_nested(p);
	p->depth--;
	return n;
}

/* parse_unary() within its depth. */
static struct kucdump_filter *parse_nested(struct parser *p)
{
	struct kucdump_filter *n;

	if (accept(p, "not", "!")) {
		n = node(p, N_NOT);
		if (n) {
			n->a = parse_unary(p);
			if (!n->a) {
				free(n);
				n = NULL;
			}
		}
		return n;
	}
	if (accept(p, "(", NULL)) {
		n = parse_or(p);
		if (n && !accept(p, ")", NULL)) {
			fail(p, "missing ')'");
			kucdump_filter_free(n);
			return NULL;
		}
		return n;
	}
	return parse_prim(p);
}

/* Left-associative chain of @kind over @sub. */
static struct kucdump_filter *
parse_chain(struct parser *p, enum node_kind kind, const char *w1,
	    const char *w2, struct kucdump_filter *(*sub)(struct parser *))
{
	struct kucdump_filter *left = sub(p), *n;

	while (left && accept(p, w1, w2)) {
		n = node(p, kind);
		if (!n) {
			kucdump_filter_free(left);
			return NULL;
		}
		n->a = left;
		n->b = sub(p);
		if (!n->b) {
			kucdump_filter_free(n);
			return NULL;
		}
		left = n;
	}
	return left;
}

static struct kucdump_filter *parse_and(struct parser *p)
{
	return parse_chain(p, N_AND, "and", "&&", parse_unary);
}

static struct kucdump_filter *parse_or(struct parser *p)
{
	return parse_chain(p, N_OR, "or", "||", parse_and);
}

int kucdump_filter_parse(const char *expr, struct kucdump_filter **out,
			 char *err, size_t errsz)
{
	struct parser p = { .err = err, .errsz = errsz };
	struct kucdump_filter *f = NULL;
	size_t i;
	int ret;

	*out = NULL;
	ret = tokenize(expr, &p);
	if (ret) {
		snprintf(err, errsz, "out of memory");
	} else if (!p.ntok) {
		snprintf(err, errsz, "empty filter");
		ret = -EINVAL;
	} else {
		f = parse_or(&p);
		if (f && p.pos < p.ntok)
			fail(&p, "unexpected '%s'", p.tok[p.pos]);
		if (p.failed) {
			kucdump_filter_free(f);
			f = NULL;
			ret = -EINVAL;
		}
	}
	for (i = 0; i < p.ntok; i++)
		free(p.tok[i]);
	free(p.tok);
	*out = f;
	return ret;
}

static uint64_t field_of(const struct kuc_tap_record *rec, enum field f)
{
	switch (f) {
	case F_CONN:
		return rec->conn_id;
	case F_TYPE:
		return rec->hdr.type;
	case F_ID:
		return rec->hdr.id;
	case F_VALUE:
		return rec->hdr.value;
	case F_LENGTH:
		return rec->hdr.length;
	}
	return 0;
}

bool kucdump_filter_match(const struct kucdump_filter *f,
			  const struct kuc_tap_record *rec)
{
	uint64_t v;

	if (!f)
		return true;
	switch (f->kind) {
	case N_OR:
		return kucdump_filter_match(f->a, rec) ||
		       kucdump_filter_match(f->b, rec);
	case N_AND:
		return kucdump_filter_match(f->a, rec) &&
		       kucdump_filter_match(f->b, rec);
	case N_NOT:
		return !kucdump_filter_match(f->a, rec);
	case N_DIR:
		return rec->dir == f->dir;
	case N_CMP:
		v = field_of(rec, f->field);
		switch (f->op) {
		case OP_EQ: return v == f->num;
		case OP_NE: return v != f->num;
		case OP_LT: return v < f->num;
		case OP_LE: return v <= f->num;
		case OP_GT: return v > f->num;
		case OP_GE: return v >= f->num;
		}
	}
	return false;
}

void kucdump_filter_free(struct kucdump_filter *f)
{
	if (!f)
		return;
	kucdump_filter_free(f->a);
	kucdump_filter_free(f->b);
	free(f);
}
