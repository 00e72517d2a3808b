/* SPDX-License-Identifier: MIT */
/*
 * A pass over JSON text before jansson parses it, for what jansson cannot
 * tell: where each message object and each of its keys and values is
 * (line and column, for error messages), and the exact value of integers
 * from 2^63 to 2^64-1 (jansson's integers are signed 64-bit and its
 * parser rejects larger ones).
 *
 * Such an integer is rewritten in place to a real of the same length
 * ("0.000..."), so jansson parses the text and every position stays
 * where it was; the validator then takes the value from here. The scan
 * never rejects anything: syntax errors are jansson's to report.
 *
 * Messages are numbered in text order: an object at the top level is a
 * message, and so is each element of an array at the top level.
 */
#ifndef KUCSEND_JSONSCAN_H
#define KUCSEND_JSONSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kjs_key {
	size_t msg;		/* the message it belongs to */
	const char *name;	/* raw text between the quotes (not NUL-ended) */
	size_t name_len;
	int line, col;		/* of the key */
	int vline, vcol;	/* of its value; 0 until seen */
	bool big;		/* the value was an integer > INT64_MAX */
	bool overflow;		/* ... even > UINT64_MAX */
	uint64_t u;		/* its value when big and not overflow */
};

struct kjs_pos {
	int line, col;
};

struct kjs_scan {
	struct kjs_key *keys;
	size_t nkeys;
	struct kjs_pos *msgs;	/* where each message starts */
	size_t nmsgs;
};

/* Scan (and rewrite) @text; 0 or -1 (out of memory). */
int kjs_scan(char *text, size_t len, struct kjs_scan *sc);
void kjs_free(struct kjs_scan *sc);
/* The key @name of message @msg, or NULL. */
const struct kjs_key *kjs_find(const struct kjs_scan *sc, size_t msg,
			       const char *name);
/* Line and column (from 1) of byte @off of @text. */
struct kjs_pos kjs_pos_at(const char *text, size_t off);

#endif /* KUCSEND_JSONSCAN_H */
