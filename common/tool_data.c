// SPDX-License-Identifier: MIT
/*
 * A message's data, both ways (tool_data.h): kucsend reads hex and
 * base64 with these decoders and shows replies, kucdump shows captured
 * messages, with the same UTF-8 check and the same JSON.
 */
#include <inttypes.h>
#include <string.h>

#include "tool_data.h"

static const char *const mode_names[] = {
	[TOOL_DATA_AUTO] = "auto",
	[TOOL_DATA_TEXT] = "text",
	[TOOL_DATA_HEX] = "hex",
	[TOOL_DATA_BASE64] = "base64",
};

int tool_data_mode_parse(const char *s, enum tool_data_mode *mode)
{
	size_t i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(s, mode_names[i])) {
			*mode = (enum tool_data_mode)i;
			return 0;
		}
	}
	return -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode hex digits (either case; white space between bytes is ignored)
 * into @out, which has room for len / 2 bytes. -1 on a bad digit or an
 * odd count.
 */
long tool_hex_decode(const char *s, size_t len, unsigned char *out)
{
	long n = 0;
	int hi = -1, v;
	size_t i;

	for (i = 0; i < len; i++) {
		if (is_space(s[i]) && hi < 0)
			continue;
		v = hex_val(s[i]);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	return hi < 0 ? n : -1;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Decode standard base64 (RFC 4648; the '=' padding may be left out,
 * white space is ignored) into @out, which has room for len * 3 / 4
 * bytes. -1 on a bad character, bad padding or a dangling 6 bits.
 */
long tool_base64_decode(const char *s, size_t len, unsigned char *out)
{
	unsigned int acc = 0, bits = 0, pad = 0, chars = 0;
	const char *p;
	long n = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (is_space(s[i]))
			continue;
		if (s[i] == '=') {
			pad++;
			continue;
		}
		p = s[i] ? strchr(b64, s[i]) : NULL;
		if (!p || pad)
			return -1;	/* bad character, or data after '=' */
		acc = (acc << 6) | (unsigned int)(p - b64);
		bits += 6;
		chars++;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	if (chars % 4 == 1 || (pad && (chars + pad) % 4) || pad > 2)
		return -1;
	return n;
}

void tool_hex_print(FILE *f, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

void tool_base64_print(FILE *f, const unsigned char *p, size_t n)
{
	char q[4];
	size_t i;

	for (i = 0; i < n; i += 3) {
		unsigned int v = (unsigned int)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned int)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		fwrite(q, 1, 4, f);
	}
}

bool tool_utf8_valid(const unsigned char *p, size_t n, bool printable)
{
	size_t i = 0, k, len;
	unsigned int cp, min;

	while (i < n) {
		unsigned char c = p[i];

		if (c < 0x80) {
			if (printable && ((c < 0x20 && c != '\t' && c != '\n' &&
					   c != '\r') || c == 0x7f))
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		if (printable && cp >= 0x80 && cp <= 0x9f)
			return false;
		i += len;
	}
	return true;
}

/* The mode that applies to these bytes: auto and text fall back to hex. */
static enum tool_data_mode effective(enum tool_data_mode mode,
				     const unsigned char *p, size_t n)
{
	if (mode == TOOL_DATA_AUTO)
		return tool_utf8_valid(p, n, true) ? TOOL_DATA_TEXT :
						     TOOL_DATA_HEX;
	if (mode == TOOL_DATA_TEXT && !tool_utf8_valid(p, n, false))
		return TOOL_DATA_HEX;
	return mode;
}

void tool_msg_hdr_out(struct tool_out *o, const struct kucomms_msg_hdr *h)
{
	tool_out_u64(o, "type", "type=%" PRIu64, h->type);
	tool_out_u64(o, "id", " id=%" PRIu64, h->id);
	tool_out_u64(o, "value", " value=%" PRIu64, h->value);
	tool_out_u64(o, "length", " length=%" PRIu64, h->length);
}

void tool_msg_data_out(struct tool_out *o, const unsigned char *p, size_t n,
		       enum tool_data_mode mode)
{
	struct tool_json *j = &o->j;

	mode = effective(mode, p, n);
	if (!o->json) {
		if (mode == TOOL_DATA_TEXT) {
			tool_json_string(o->f, p, n);
		} else {
			fputs(mode == TOOL_DATA_HEX ? "hex:" : "base64:", o->f);
			(mode == TOOL_DATA_HEX ? tool_hex_print :
						 tool_base64_print)(o->f, p, n);
		}
		return;
	}
	if (mode == TOOL_DATA_TEXT) {
		tj_utf8(j, "data", p, n);
		return;
	}
	tj_open_object(j, "data");
	if (mode == TOOL_DATA_HEX)
		tj_hex(j, "hex", p, n);
	else
		tj_base64(j, "base64", p, n);
	tj_close_object(j);
}
