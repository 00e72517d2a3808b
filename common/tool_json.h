/* SPDX-License-Identifier: MIT */
/*
 * The tools' JSON writer: every number a tool prints is an exact
 * unsigned 64-bit integer (jansson's integers are signed and stop at
 * 2^63 - 1), strings are escaped once, here, and one flag chooses one
 * line per document (the default, for JSON-lines readers) or pretty
 * printing (-p). Members are written in the order of the calls.
 *
 * On top of it, struct tool_out prints each value once, to text or to
 * JSON (as iproute2's print_*() do): the caller gives the JSON key and
 * the text format side by side, so the two cannot drift apart.
 */
#ifndef KUC_COMMON_TOOL_JSON_H
#define KUC_COMMON_TOOL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tool_json {
	FILE *f;
	bool pretty;
	int depth;
	bool first;		/* the next member opens its container */
};

void tj_init(struct tool_json *j, FILE *f, bool pretty);
/* @key is NULL inside arrays and for the outermost value. */
void tj_open_object(struct tool_json *j, const char *key);
void tj_open_array(struct tool_json *j, const char *key);
/* Closing the outermost value ends the line. */
void tj_close_object(struct tool_json *j);
void tj_close_array(struct tool_json *j);
void tj_u64(struct tool_json *j, const char *key, uint64_t v);
/* @v, or null when not @known. */
void tj_u64_or_null(struct tool_json *j, const char *key, bool known,
		    uint64_t v);
/* A finite double in @fmt ("%.3f"). */
void tj_double(struct tool_json *j, const char *key, const char *fmt,
	       double v);
void tj_bool(struct tool_json *j, const char *key, bool v);
void tj_null(struct tool_json *j, const char *key);
/* A C string, or null for NULL. */
void tj_string(struct tool_json *j, const char *key, const char *s);
/* @n bytes of valid UTF-8 as a string (tool_utf8_valid() them first). */
void tj_utf8(struct tool_json *j, const char *key, const unsigned char *p,
	     size_t n);
/* @n bytes as a string of hex digits, or of base64. */
void tj_hex(struct tool_json *j, const char *key, const unsigned char *p,
	    size_t n);
void tj_base64(struct tool_json *j, const char *key, const unsigned char *p,
	       size_t n);

/* The escaped form of @n bytes of valid UTF-8, in quotes. */
void tool_json_string(FILE *f, const unsigned char *p, size_t n);

/* ---- one value, to text or JSON ------------------------------------- */
struct tool_out {
	bool json;
	FILE *f;
	struct tool_json j;
};

void tool_out_init(struct tool_out *o, FILE *f, bool json, bool pretty);
/* JSON: an object (at the top: the document); text: nothing. */
void tool_out_open(struct tool_out *o, const char *key);
void tool_out_close(struct tool_out *o);
/* JSON: "key":v; text: @fmt with v (nothing when @fmt is NULL). */
void tool_out_u64(struct tool_out *o, const char *key, const char *fmt,
		  uint64_t v);
/* As above; NULL @s is JSON null and @null_text in text. */
void tool_out_str(struct tool_out *o, const char *key, const char *fmt,
		  const char *s, const char *null_text);
/* JSON null; text: @fmt with @text (what stands for the unknown). */
void tool_out_null(struct tool_out *o, const char *key, const char *fmt,
		   const char *text);
void tool_out_double(struct tool_out *o, const char *key, const char *fmt,
		     const char *json_fmt, double v);
/* Text only: @s as it is (separators, line ends). */
void tool_out_text(struct tool_out *o, const char *s);

#endif /* KUC_COMMON_TOOL_JSON_H */
