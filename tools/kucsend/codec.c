// SPDX-License-Identifier: MIT
/* The data encodings of kucsend's JSON: hex, base64 and UTF-8 checks. */
#include <stdio.h>
#include <string.h>

#include "kucsend.h"

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
long kucsend_hex_decode(const char *s, size_t len, unsigned char *out)
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
long kucsend_base64_decode(const char *s, size_t len, unsigned char *out)
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

void kucsend_hex_print(FILE *f, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

void kucsend_base64_print(FILE *f, const unsigned char *p, size_t n)
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

/*
 * True when @p is valid UTF-8 (no overlong forms, surrogates or code
 * points beyond U+10FFFF). With @printable, control characters other
 * than tab, newline and carriage return (C0, DEL, C1) also make it false.
 */
bool kucsend_utf8_valid(const unsigned char *p, size_t n, bool printable)
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
