// SPDX-License-Identifier: MIT
/*
 * --expect JSON: the replies a script expects, checked in the order they
 * are counted. JSON is what kucsend takes as messages (an object, an array
 * of them, or several; data as a string, hex, base64, bytes or a file),
 * parsed by the same code, so each field means what it means in a message;
 * only the fields given are compared. Every reply is compared with its
 * expectation and each difference printed on stderr ("reply 2: value:
 * expected 42, got 41"); a missing reply is listed too. Any difference
 * makes the exit status TOOL_EXIT_MISMATCH.
 *
 * Hooks into the rest of kucsend: kucsend_expect_setup() from the options,
 * kucsend_expect_reply() for each reply counted, kucsend_expect_finish()
 * for the exit status.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"
#include "kucsend.h"
#include "tool_exit.h"
#include "tool_report.h"

#define EXPECT_FIELDS 4		/* type, id, value, data */

static const char *const field_names[EXPECT_FIELDS] = {
	"type", "id", "value", "data"
};

static struct {
	struct kucsend_batch want;
	bool (*given)[EXPECT_FIELDS];	/* per expected reply */
	size_t seen;			/* replies compared so far */
	size_t mismatches;
	bool active;
} ex;

static uint64_t hdr_field(const struct kucomms_msg_hdr *h, int f)
{
	return f == 0 ? h->type : f == 1 ? h->id : h->value;
}

/* Data as the diff shows it: a JSON string when printable, else hex. */
static void show_data(const void *p, size_t n)
{
	struct kucomms_msg_hdr h = { .length = n };
	char *line = NULL, *s;
	size_t sz = 0;
	FILE *f = open_memstream(&line, &sz);

	if (!f)
		return;
	kucsend_print_msg(f, &h, p, KUCSEND_FORMAT_JSON, TOOL_DATA_AUTO);
	fclose(f);
	s = line ? strstr(line, "\"data\":") : NULL;
	if (s) {
		s += strlen("\"data\":");
		s[strcspn(s, "\n")] = '\0';
		s[strlen(s) - 1] = '\0';	/* the line's closing brace */
		fputs(s, stderr);
	}
	free(line);
}

int kucsend_expect_setup(struct kucsend_opts *o)
{
	char err[KUCSEND_ERR_MAX], *text, *copy;
	struct kjs_scan sc;
	size_t i, len;
	int f, ret;

	if (!o->expect)
		return KUCSEND_CONTINUE;
	if (o->interactive || o->count >= 0 || o->rate > 0)
		return tool_usage("--expect cannot be combined with --interactive, --count or --rate");
	len = strlen(o->expect);
	text = strdup(o->expect);
	copy = strdup(o->expect);
	if (!text || !copy) {
		free(text);
		free(copy);
		tool_msg("out of memory");
		return TOOL_EXIT_FAILURE;
	}
	ret = kucsend_parse_text("--expect", text, len, &ex.want, err,
				 sizeof(err));
	if (!ret && kjs_scan(copy, len, &sc))
		ret = -2;
	free(text);
	if (!ret) {
		ex.given = calloc(ex.want.n ? ex.want.n : 1,
				  sizeof(*ex.given));
		for (i = 0; ex.given && i < ex.want.n; i++)
			for (f = 0; f < EXPECT_FIELDS; f++)
				ex.given[i][f] = kjs_find(&sc, i,
							  field_names[f]) ||
					(f == 3 && kjs_find(&sc, i, "length"));
		kjs_free(&sc);
		if (!ex.given)
			ret = -2;
	}
	free(copy);
	if (ret == -2) {
		tool_msg("out of memory");
		return TOOL_EXIT_FAILURE;
	}
	if (ret) {
		tool_msg("%s", err);
		return TOOL_EXIT_INPUT;
	}
	ex.active = true;
	/* Without --wait or --match-id: one reply per expectation. */
	if (o->wait < 0 && !o->match_id)
		o->wait = (long long)ex.want.n;
	return KUCSEND_CONTINUE;
}

void kucsend_expect_reply(const struct kucomms_msg_hdr *h, const void *data)
{
	const struct kucsend_msg *w;
	size_t k = ex.seen++;
	bool bad = false;
	int f;

	if (!ex.active)
		return;
	if (k >= ex.want.n) {
		fprintf(stderr, "kucsend: reply %zu: not expected (%zu expected)\n",
			k + 1, ex.want.n);
		ex.mismatches++;
		return;
	}
	w = &ex.want.msgs[k];
	for (f = 0; f < 3; f++) {
		if (!ex.given[k][f] || hdr_field(h, f) == hdr_field(&w->hdr, f))
			continue;
		fprintf(stderr, "kucsend: reply %zu: %s: expected %" PRIu64 ", got %" PRIu64 "\n",
			k + 1, field_names[f], (uint64_t)hdr_field(&w->hdr, f),
			(uint64_t)hdr_field(h, f));
		bad = true;
	}
	if (ex.given[k][3] && (h->length != w->hdr.length ||
			       (h->length && memcmp(data, w->data, h->length)))) {
		fprintf(stderr, "kucsend: reply %zu: data: expected ", k + 1);
		show_data(w->data, w->hdr.length);
		fputs(", got ", stderr);
		show_data(data, h->length);
		fputc('\n', stderr);
		bad = true;
	}
	if (bad)
		ex.mismatches++;
}

int kucsend_expect_finish(int status)
{
	size_t k;

	if (!ex.active)
		return status;
	for (k = ex.seen; k < ex.want.n; k++)
		fprintf(stderr, "kucsend: reply %zu: missing (expected %s)\n",
			k + 1, ex.want.msgs[k].where);
	if (ex.mismatches) {
		fprintf(stderr, "kucsend: %zu of %zu replies did not match --expect\n",
			ex.mismatches, ex.seen);
		if (status == TOOL_EXIT_OK || status == TOOL_EXIT_TIMEOUT)
			status = TOOL_EXIT_MISMATCH;
	}
	kucsend_batch_free(&ex.want);
	free(ex.given);
	ex.active = false;
	return status;
}
