/* SPDX-License-Identifier: MIT */
/*
 * Shared by the tools (kucctl, kucsend, kucdump): quoting user input in
 * one-line error messages. Header-only: small enough to inline.
 */
#ifndef KUC_COMMON_PRINTABLE_H
#define KUC_COMMON_PRINTABLE_H

#include <stdio.h>

/*
 * @s made fit to quote in a one-line message: bytes other than printable
 * ASCII become \xHH, and what does not fit in @buf is cut to "...".
 */
static inline const char *tool_printable(const char *s, char *buf,
					 size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = *s;
		size_t need = c >= 0x20 && c < 0x7f ? 1 : 4;

		/* Keep room for "..." and the NUL. */
		if (o + need + 4 > size) {
			snprintf(buf + o, size - o, "...");
			return buf;
		}
		if (need == 1) {
			buf[o++] = c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o] = '\0';
	return buf;
}

#endif /* KUC_COMMON_PRINTABLE_H */
