// SPDX-License-Identifier: MIT
/*
 * One received message, one line. The JSON schema is defined here once
 * (and documented in kucsend(1)):
 *
 *   {"type":N,"id":N,"value":N,"length":N,"data":DATA}
 *
 * N is an exact decimal integer from 0 to 2^64-1, written by hand rather
 * than through jansson, whose integers stop at 2^63-1. DATA is a JSON
 * string, {"hex":"..."} or {"base64":"..."}, per enum kucsend_data_mode.
 * The line is valid kucsend input ("length" is accepted and checked).
 */
#include <inttypes.h>
#include <string.h>

#include "kucsend.h"

static const char *const mode_names[] = {
	[KUCSEND_DATA_AUTO] = "auto",
	[KUCSEND_DATA_TEXT] = "text",
	[KUCSEND_DATA_HEX] = "hex",
	[KUCSEND_DATA_BASE64] = "base64",
};

int kucsend_parse_data_mode(const char *s, enum kucsend_data_mode *mode)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mode_names); i++) {
		if (!strcmp(s, mode_names[i])) {
			*mode = (enum kucsend_data_mode)i;
			return 0;
		}
	}
	return -1;
}

/* A JSON string of valid UTF-8: escape quotes, backslashes, controls. */
static void json_string_print(FILE *f, const unsigned char *p, size_t n)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* The mode that applies to these bytes: auto and text fall back to hex. */
static enum kucsend_data_mode effective(enum kucsend_data_mode mode,
					const unsigned char *p, size_t n)
{
	if (mode == KUCSEND_DATA_AUTO)
		return kucsend_utf8_valid(p, n, true) ? KUCSEND_DATA_TEXT :
							KUCSEND_DATA_HEX;
	if (mode == KUCSEND_DATA_TEXT && !kucsend_utf8_valid(p, n, false))
		return KUCSEND_DATA_HEX;
	return mode;
}

void kucsend_print_msg(FILE *f, const struct kucomms_msg_hdr *hdr,
		       const void *data, enum kucsend_format format,
		       enum kucsend_data_mode mode)
{
	const unsigned char *p = data;
	size_t n = hdr->length;

	mode = effective(mode, p, n);
	if (format == KUCSEND_FORMAT_JSON) {
		fprintf(f, "{\"type\":%" PRIu64 ",\"id\":%" PRIu64
			",\"value\":%" PRIu64 ",\"length\":%" PRIu64
			",\"data\":", (uint64_t)hdr->type, (uint64_t)hdr->id,
			(uint64_t)hdr->value, (uint64_t)hdr->length);
		if (mode == KUCSEND_DATA_TEXT) {
			json_string_print(f, p, n);
		} else if (mode == KUCSEND_DATA_HEX) {
			fputs("{\"hex\":\"", f);
			kucsend_hex_print(f, p, n);
			fputs("\"}", f);
		} else {
			fputs("{\"base64\":\"", f);
			kucsend_base64_print(f, p, n);
			fputs("\"}", f);
		}
		fputs("}\n", f);
		return;
	}
	/* Human: header fields, then the data as a quoted string or dump. */
	fprintf(f, "type=%" PRIu64 " id=%" PRIu64 " value=%" PRIu64
		" length=%" PRIu64 " ", (uint64_t)hdr->type, (uint64_t)hdr->id,
		(uint64_t)hdr->value, (uint64_t)hdr->length);
	if (mode == KUCSEND_DATA_TEXT) {
		json_string_print(f, p, n);
	} else if (mode == KUCSEND_DATA_HEX) {
		fputs("hex:", f);
		kucsend_hex_print(f, p, n);
	} else {
		fputs("base64:", f);
		kucsend_base64_print(f, p, n);
	}
	fputc('\n', f);
}
