// SPDX-License-Identifier: MIT
/* The tools' JSON writer and text-or-JSON printer: see tool_json.h. */
#include <inttypes.h>
#include <string.h>

#include "tool_json.h"
#include "tool_data.h"

void tj_init(struct tool_json *j, FILE *f, bool pretty)
{
	j->f = f;
	j->pretty = pretty;
	j->depth = 0;
	j->first = true;
}

static void newline(struct tool_json *j)
{
	int i;

	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Before a value: the comma, the pretty layout, the key. */
static void member(struct tool_json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first)
			fputc(',', j->f);
		if (j->pretty)
			newline(j);
	}
	j->first = false;
	if (key) {
		tool_json_string(j->f, (const unsigned char *)key,
				 strlen(key));
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

static void container_open(struct tool_json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->f);
	j->depth++;
	j->first = true;
}

static void container_close(struct tool_json *j, char c)
{
	j->depth--;
	if (j->pretty && !j->first)
		newline(j);
	fputc(c, j->f);
	j->first = false;
	if (!j->depth)
		fputc('\n', j->f);
}

void tj_open_object(struct tool_json *j, const char *key)
{
	container_open(j, key, '{');
}

void tj_open_array(struct tool_json *j, const char *key)
{
	container_open(j, key, '[');
}

void tj_close_object(struct tool_json *j)
{
	container_close(j, '}');
}

void tj_close_array(struct tool_json *j)
{
	container_close(j, ']');
}

void tj_u64(struct tool_json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void tj_double(struct tool_json *j, const char *key, const char *fmt,
	       double v)
{
	member(j, key);
	fprintf(j->f, fmt, v);
}

void tj_bool(struct tool_json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void tj_null(struct tool_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void tj_string(struct tool_json *j, const char *key, const char *s)
{
	member(j, key);
	if (s)
		tool_json_string(j->f, (const unsigned char *)s, strlen(s));
	else
		fputs("null", j->f);
}

void tj_utf8(struct tool_json *j, const char *key, const unsigned char *p,
	     size_t n)
{
	member(j, key);
	tool_json_string(j->f, p, n);
}

/* Encodings whose digits need no escaping in a JSON string. */
static void encoded(struct tool_json *j, const char *key,
		    void (*print)(FILE *, const unsigned char *, size_t),
		    const unsigned char *p, size_t n)
{
	member(j, key);
	fputc('"', j->f);
	print(j->f, p, n);
	fputc('"', j->f);
}

void tj_hex(struct tool_json *j, const char *key, const unsigned char *p,
	    size_t n)
{
	encoded(j, key, tool_hex_print, p, n);
}

void tj_base64(struct tool_json *j, const char *key, const unsigned char *p,
	       size_t n)
{
	encoded(j, key, tool_base64_print, p, n);
}

void tj_u64_or_null(struct tool_json *j, const char *key, bool known,
		    uint64_t v)
{
	if (known)
		tj_u64(j, key, v);
	else
		tj_null(j, key);
}

/* Quotes, backslashes and control characters escaped; UTF-8 as it is. */
void tool_json_string(FILE *f, const unsigned char *p, size_t n)
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

/* ---- one value, to text or JSON ------------------------------------- */

void tool_out_init(struct tool_out *o, FILE *f, bool json, bool pretty)
{
	o->json = json;
	o->f = f;
	tj_init(&o->j, f, pretty);
}

void tool_out_open(struct tool_out *o, const char *key)
{
	if (o->json)
		tj_open_object(&o->j, key);
}

void tool_out_close(struct tool_out *o)
{
	if (o->json)
		tj_close_object(&o->j);
}

void tool_out_u64(struct tool_out *o, const char *key, const char *fmt,
		  uint64_t v)
{
	if (o->json)
		tj_u64(&o->j, key, v);
	else if (fmt)
		fprintf(o->f, fmt, v);
}

void tool_out_str(struct tool_out *o, const char *key, const char *fmt,
		  const char *s, const char *null_text)
{
	if (o->json)
		tj_string(&o->j, key, s);
	else if (fmt)
		fprintf(o->f, fmt, s ? s : null_text);
}

void tool_out_null(struct tool_out *o, const char *key, const char *fmt,
		   const char *text)
{
	if (o->json)
		tj_null(&o->j, key);
	else if (fmt)
		fprintf(o->f, fmt, text);
}

void tool_out_double(struct tool_out *o, const char *key, const char *fmt,
		     const char *json_fmt, double v)
{
	if (o->json)
		tj_double(&o->j, key, json_fmt, v);
	else if (fmt)
		fprintf(o->f, fmt, v);
}

void tool_out_text(struct tool_out *o, const char *s)
{
	if (!o->json)
		fputs(s, o->f);
}
