// SPDX-License-Identifier: MIT
/* Positions and big integers in JSON text: see jsonscan.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"

/* Nesting deeper than this is scanned but its keys are not recorded. */
#define KJS_DEPTH_MAX 64

struct kjs_frame {
	char type;		/* '{' or '[' */
	bool is_msg;		/* a message object: record its keys */
	bool want_key;		/* object: the next string is a key */
	long cur_key;		/* object: index in keys of the key, or -1 */
	size_t msg;
};

struct kjs_state {
	struct kjs_scan *sc;
	struct kjs_frame stack[KJS_DEPTH_MAX];
	int depth;		/* may exceed KJS_DEPTH_MAX; frames then not kept */
	size_t keys_cap, msgs_cap;
};

static struct kjs_frame *top(struct kjs_state *st)
{
	if (st->depth == 0 || st->depth > KJS_DEPTH_MAX)
		return NULL;
	return &st->stack[st->depth - 1];
}

static int add_msg(struct kjs_state *st, int line, int col)
{
	struct kjs_scan *sc = st->sc;
	struct kjs_pos *p;

	if (sc->nmsgs == st->msgs_cap) {
		st->msgs_cap = st->msgs_cap ? 2 * st->msgs_cap : 16;
		p = realloc(sc->msgs, st->msgs_cap * sizeof(*p));
		if (!p)
			return -1;
		sc->msgs = p;
	}
	sc->msgs[sc->nmsgs].line = line;
	sc->msgs[sc->nmsgs].col = col;
	sc->nmsgs++;
	return 0;
}

/*
 * A value starting with @c starts at @line:@col. Returns 1 when it is a new message slot
 * (a top-level value, or an element of a top-level array), 0 otherwise,
 * -1 when out of memory. Records the value's position for its key.
 */
static int value_start(struct kjs_state *st, char c, int line, int col)
{
	struct kjs_frame *t = top(st);

	/* A top-level array holds messages: it is not one itself. */
	if ((st->depth == 0 && c != '[') ||
	    (st->depth == 1 && st->stack[0].type == '[')) {
		if (add_msg(st, line, col))
			return -1;
		return 1;
	}
	if (t && t->type == '{' && t->is_msg && t->cur_key >= 0 &&
	    !st->sc->keys[t->cur_key].vline) {
		st->sc->keys[t->cur_key].vline = line;
		st->sc->keys[t->cur_key].vcol = col;
	}
	return 0;
}

static int add_key(struct kjs_state *st, struct kjs_frame *t,
		   const char *name, size_t len, int line, int col)
{
	struct kjs_scan *sc = st->sc;
	struct kjs_key *k;

	if (sc->nkeys == st->keys_cap) {
		st->keys_cap = st->keys_cap ? 2 * st->keys_cap : 32;
		k = realloc(sc->keys, st->keys_cap * sizeof(*k));
		if (!k)
			return -1;
		sc->keys = k;
	}
	k = &sc->keys[sc->nkeys];
	memset(k, 0, sizeof(*k));
	k->msg = t->msg;
	k->name = name;
	k->name_len = len;
	k->line = line;
	k->col = col;
	t->cur_key = (long)sc->nkeys++;
	return 0;
}

static bool is_token_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '-' || c == '+' || c == '.';
}

/*
 * The number token @s (@len bytes) as an unsigned integer: returns 1 and
 * sets *@u when it is all digits and above INT64_MAX, 2 when it is all
 * digits and above UINT64_MAX, 0 otherwise (jansson parses it).
 */
static int big_integer(const char *s, size_t len, uint64_t *u)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return 0;
		d = (unsigned int)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10) {
			for (; i < len; i++)
				if (s[i] < '0' || s[i] > '9')
					return 0;
			return 2;
		}
		v = v * 10 + d;
	}
	if (v <= INT64_MAX)
		return 0;
	*u = v;
	return 1;
}

int kjs_scan(char *text, size_t len, struct kjs_scan *sc)
{
	struct kjs_state st = { .sc = sc };
	struct kjs_frame *t;
	int line = 1, col = 1, slot;
	size_t i = 0, j;
	uint64_t u = 0;

	memset(sc, 0, sizeof(*sc));
	while (i < len) {
		char c = text[i];

		if (c == '\n') {
			line++;
			col = 1;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == ':') {
			col++;
			i++;
			continue;
		}
		t = top(&st);
		if (c == '"') {
			/* A string: find its end; escapes hide quotes. */
			for (j = i + 1; j < len && text[j] != '"' &&
			     text[j] != '\n'; j++)
				if (text[j] == '\\')
					j++;
			if (t && t->type == '{' && t->want_key) {
				t->want_key = false;
				t->cur_key = -1;
				if (t->is_msg &&
				    add_key(&st, t, text + i + 1,
					    (j < len ? j : len) - i - 1,
					    line, col))
					goto nomem;
			} else if (value_start(&st, c, line, col) < 0) {
				goto nomem;
			}
			/* Columns count bytes; a string stays on its line. */
			j = j < len ? j + 1 : len;
			col += (int)(j - i);
			i = j;
			continue;
		}
		if (c == '{' || c == '[') {
			slot = value_start(&st, c, line, col);
			if (slot < 0)
				goto nomem;
			if (st.depth < KJS_DEPTH_MAX) {
				struct kjs_frame *f = &st.stack[st.depth];

				f->type = c;
				f->is_msg = slot && c == '{';
				f->want_key = c == '{';
				f->cur_key = -1;
				f->msg = sc->nmsgs - 1;
			}
			st.depth++;
		} else if (c == '}' || c == ']') {
			if (st.depth > 0)
				st.depth--;
		} else if (c == ',') {
			if (t && t->type == '{') {
				t->want_key = true;
				t->cur_key = -1;
			}
		} else if (is_token_char(c)) {
			for (j = i; j < len && is_token_char(text[j]); j++)
				;
			if (value_start(&st, c, line, col) < 0)
				goto nomem;
			slot = big_integer(text + i, j - i, &u);
			if (slot) {
				if (t && t->is_msg && t->cur_key >= 0) {
					struct kjs_key *k = &sc->keys[t->cur_key];

					k->big = true;
					k->overflow = slot == 2;
					k->u = u;
				}
				/* 19 digits or more: "0." and zeros fit. */
				text[i] = '0';
				text[i + 1] = '.';
				memset(text + i + 2, '0', j - i - 2);
			}
			col += (int)(j - i);
			i = j;
			continue;
		}
		col++;
		i++;
	}
	return 0;
nomem:
	kjs_free(sc);
	return -1;
}

void kjs_free(struct kjs_scan *sc)
{
	free(sc->keys);
	free(sc->msgs);
	memset(sc, 0, sizeof(*sc));
}

const struct kjs_key *kjs_find(const struct kjs_scan *sc, size_t msg,
			       const char *name)
{
	size_t lo = 0, hi = sc->nkeys, i, n = strlen(name);

	/* Keys are recorded in message order: find the first of @msg. */
	while (lo < hi) {
		i = lo + (hi - lo) / 2;
		if (sc->keys[i].msg < msg)
			lo = i + 1;
		else
			hi = i;
	}
	for (i = lo; i < sc->nkeys && sc->keys[i].msg == msg; i++)
		if (sc->keys[i].name_len == n &&
		    !memcmp(sc->keys[i].name, name, n))
			return &sc->keys[i];
	return NULL;
}

struct kjs_pos kjs_pos_at(const char *text, size_t off)
{
	struct kjs_pos p = { 1, 1 };
	size_t i;

	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			p.line++;
			p.col = 1;
		} else {
			p.col++;
		}
	}
	return p;
}
