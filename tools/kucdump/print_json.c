// SPDX-License-Identifier: MIT
/*
 * kucdump --json: one object per line, the schema kucsend(1) prints,
 * with the capture's own fields added:
 *
 *   {"ts":"1763923750.123456789","dir":"u2k","conn":3,"type":1,"id":0,
 *    "value":42,"length":13,"caplen":13,"data":"hello, kernel"}
 *
 * ts is CLOCK_REALTIME as "seconds.nanoseconds" (a string: exact);
 * conn, type, id, value, length (the original data length) and caplen
 * (the bytes captured) are unsigned 64-bit JSON numbers, written exactly;
 * data holds the captured bytes: a string when they are valid UTF-8
 * without control characters other than tab, newline and carriage
 * return, else {"hex":"..."} (lower case, two digits a byte).
 * Written by hand rather than with jansson, whose integers are signed.
 */
#include <stddef.h>

#include "kucdump.h"

/* Length of the UTF-8 sequence at @p (at most @n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	/* C1 controls. */
	if (cp >= 0x80 && cp < 0xa0)
		return 0;
	return len;
}

static bool printable_utf8(const unsigned char *p, size_t n)
{
	size_t i = 0, len;

	while (i < n) {
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
		    p[i] != '\r')
			return false;
		if (p[i] == 0x7f)
			return false;
		len = utf8_len(p + i, n - i);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

static void print_string(FILE *out, const unsigned char *p, size_t n)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		default:
			fputc(p[i], out);
		}
	}
	fputc('"', out);
}

void kucdump_print_json(FILE *out, const struct kuc_tap_record *rec)
{
	const unsigned char *p = rec->data;
	size_t i;

	fprintf(out, "{\"ts\":\"%llu.%09llu\",\"dir\":\"%s\",\"conn\":%llu,"
		"\"type\":%llu,\"id\":%llu,\"value\":%llu,\"length\":%llu,"
		"\"caplen\":%u,\"data\":",
		(unsigned long long)(rec->ts_ns / 1000000000ULL),
		(unsigned long long)(rec->ts_ns % 1000000000ULL),
		kucdump_dir_name(rec->dir), (unsigned long long)rec->conn_id,
		(unsigned long long)rec->hdr.type,
		(unsigned long long)rec->hdr.id,
		(unsigned long long)rec->hdr.value,
		(unsigned long long)rec->hdr.length, rec->caplen);
	if (printable_utf8(p, rec->caplen)) {
		print_string(out, p, rec->caplen);
	} else {
		fputs("{\"hex\":\"", out);
		for (i = 0; i < rec->caplen; i++)
			fprintf(out, "%02x", p[i]);
		fputs("\"}", out);
	}
	fputs("}\n", out);
}
