/* SPDX-License-Identifier: MIT */
/*
 * A message's data as the tools show and read it, defined once for
 * kucsend and kucdump: the UTF-8 check, hex and base64 both ways, and
 * the message JSON schema (kucsend(1), "OUTPUT"):
 *
 *   "type":N,"id":N,"value":N,"length":N,"data":DATA
 *
 * N exact from 0 to 2^64-1; DATA a JSON string when the bytes are
 * (printable) UTF-8, else {"hex":"..."} or {"base64":"..."}.
 */
#ifndef KUC_COMMON_TOOL_DATA_H
#define KUC_COMMON_TOOL_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <kuc.h>

#include "tool_json.h"

/* How data is shown. */
enum tool_data_mode {
	TOOL_DATA_AUTO,		/* a string if printable UTF-8, else hex */
	TOOL_DATA_TEXT,		/* a string if valid UTF-8, else hex */
	TOOL_DATA_HEX,
	TOOL_DATA_BASE64,
};

/* "auto", "text", "hex", "base64": 0, or -1 for another word. */
int tool_data_mode_parse(const char *s, enum tool_data_mode *mode);

/*
 * True when @p is valid UTF-8 (no overlong forms, surrogates or code
 * points beyond U+10FFFF). With @printable, control characters other
 * than tab, newline and carriage return (C0, DEL, C1) also make it false.
 */
bool tool_utf8_valid(const unsigned char *p, size_t n, bool printable);

/* Decoders return the byte count or -1 (see tool_data.c). */
long tool_hex_decode(const char *s, size_t len, unsigned char *out);
long tool_base64_decode(const char *s, size_t len, unsigned char *out);
void tool_hex_print(FILE *f, const unsigned char *p, size_t n);
void tool_base64_print(FILE *f, const unsigned char *p, size_t n);

/*
 * The header's members, "type" to "length", in the schema's order: to
 * JSON, or as text "type=N id=N value=N length=N" (the kernel's
 * tracepoints write them so too).
 */
void tool_msg_hdr_out(struct tool_out *o, const struct kucomms_msg_hdr *h);
/*
 * The "data" member: @n bytes shown in @mode (auto and text fall back to
 * hex); as text a quoted string, hex:DIGITS or base64:TEXT.
 */
void tool_msg_data_out(struct tool_out *o, const unsigned char *p, size_t n,
		       enum tool_data_mode mode);

#endif /* KUC_COMMON_TOOL_DATA_H */
