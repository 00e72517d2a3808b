// SPDX-License-Identifier: MIT
/*
 * Messages from JSON text: parse with jansson, check every field, build
 * the batch. Nothing is sent from here: the caller sends only once the
 * whole batch is valid. Errors name the source, line, column, message
 * and field: "stdin:3:9: message 3: field \"id\": ...".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonscan.h"
#include "kucsend.h"

/* The largest data any channel carries (a ring of the largest order). */
#define KUCSEND_DATA_LIMIT KUCOMMS_MSG_MAX(1ULL << KUCOMMS_RING_ORDER_MAX)

/* What one message's check needs to know and to report. */
struct msg_ctx {
	const char *src;
	const struct kjs_scan *sc;
	size_t slot;		/* message number in this source, from 0 */
	char *err;
	size_t errsz;
};

/* Where to point for @key of this message: its value, the key, or the
 * message itself. */
static struct kjs_pos where(const struct msg_ctx *m, const char *key)
{
	const struct kjs_key *k = key ? kjs_find(m->sc, m->slot, key) : NULL;
	struct kjs_pos p = { 1, 1 };

	if (k && k->vline) {
		p.line = k->vline;
		p.col = k->vcol;
	} else if (k) {
		p.line = k->line;
		p.col = k->col;
	} else if (m->slot < m->sc->nmsgs) {
		p = m->sc->msgs[m->slot];
	}
	return p;
}

__attribute__((format(printf, 3, 4)))
static int fail(const struct msg_ctx *m, const char *key, const char *fmt,
		...)
{
	struct kjs_pos p = where(m, key);
	char why[KUCSEND_ERR_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (key)
		snprintf(m->err, m->errsz, "%s:%d:%d: message %zu: field \"%s\": %s",
			 m->src, p.line, p.col, m->slot + 1, key, why);
	else
		snprintf(m->err, m->errsz, "%s:%d:%d: message %zu: %s",
			 m->src, p.line, p.col, m->slot + 1, why);
	return -1;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction or exponent";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* A header field: an integer from 0 to 2^64-1. */
static int get_u64(const struct msg_ctx *m, const char *key, const json_t *v,
		   uint64_t *out)
{
	const struct kjs_key *k = kjs_find(m->sc, m->slot, key);

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return fail(m, key, "%" JSON_INTEGER_FORMAT
				    " is out of range (0 to %" PRIu64 ")",
				    json_integer_value(v), UINT64_MAX);
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	/* jsonscan.c rewrote integers above INT64_MAX to reals. */
	if (json_is_real(v) && k && k->big) {
		if (k->overflow)
			return fail(m, key, "out of range (0 to %" PRIu64 ")",
				    UINT64_MAX);
		*out = k->u;
		return 0;
	}
	return fail(m, key, "expected an integer from 0 to %" PRIu64 ", got %s",
		    UINT64_MAX, type_name(v));
}

int kucsend_read_file(const char *path, char **text, size_t *len, size_t max)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL, *nb;
	int fd, err = 0;
	ssize_t r;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return -errno;
	for (;;) {
		if (n + 1 >= cap || !buf) {
			cap = buf ? cap * 2 : cap;
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			err = -EFBIG;
			break;
		}
	}
	if (fd)
		close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* "data": a string, an array of bytes, or {"hex"|"base64"|"file": "..."} */
static int get_data(const struct msg_ctx *m, const json_t *v,
		    unsigned char **out, size_t *outlen)
{
	const char *how, *s;
	unsigned char *buf;
	char *text;
	json_t *e;
	size_t i, n;
	long r;
	int err;

	if (json_is_string(v)) {
		n = json_string_length(v);
		if (n > KUCSEND_DATA_LIMIT)
			goto too_big;
		buf = malloc(n + 1);
		if (!buf)
			return fail(m, "data", "out of memory");
		memcpy(buf, json_string_value(v), n);
		*out = buf;
		*outlen = n;
		return 0;
	}
	if (json_is_array(v)) {
		n = json_array_size(v);
		if (n > KUCSEND_DATA_LIMIT)
			goto too_big;
		buf = malloc(n + 1);
		if (!buf)
			return fail(m, "data", "out of memory");
		json_array_foreach(v, i, e) {
			if (!json_is_integer(e) || json_integer_value(e) < 0 ||
			    json_integer_value(e) > 255) {
				free(buf);
				return fail(m, "data", "element [%zu]: expected a byte value from 0 to 255, got %s",
					    i, json_is_integer(e) ? "an integer out of range" : type_name(e));
			}
			buf[i] = (unsigned char)json_integer_value(e);
		}
		*out = buf;
		*outlen = n;
		return 0;
	}
	if (!json_is_object(v) || json_object_size(v) != 1)
		return fail(m, "data", "expected a string, an array of byte values, or an object with one key \"hex\", \"base64\" or \"file\", got %s",
			    json_is_object(v) ? "an object with other keys" : type_name(v));
	json_object_foreach((json_t *)v, how, e)
		break;
	if (strcmp(how, "hex") && strcmp(how, "base64") && strcmp(how, "file"))
		return fail(m, "data", "unknown key \"%s\" (expected \"hex\", \"base64\" or \"file\")",
			    how);
	if (!json_is_string(e))
		return fail(m, "data", "\"%s\": expected a string, got %s", how,
			    type_name(e));
	s = json_string_value(e);
	n = json_string_length(e);
	if (!strcmp(how, "file")) {
		if (strlen(s) != n)
			return fail(m, "data", "\"file\": the path contains a NUL");
		err = kucsend_read_file(s, &text, &n, KUCSEND_DATA_LIMIT);
		if (err == -EFBIG)
			goto too_big;
		if (err)
			return fail(m, "data", "cannot read file '%s': %s", s,
				    strerror(-err));
		*out = (unsigned char *)text;
		*outlen = n;
		return 0;
	}
	buf = malloc(n + 1);
	if (!buf)
		return fail(m, "data", "out of memory");
	r = !strcmp(how, "hex") ? tool_hex_decode(s, n, buf) :
				  tool_base64_decode(s, n, buf);
	if (r < 0) {
		free(buf);
		return fail(m, "data", "\"%s\": invalid %s", how,
			    !strcmp(how, "hex") ?
			    "hex (pairs of digits 0-9, a-f)" : "base64");
	}
	if ((size_t)r > KUCSEND_DATA_LIMIT) {
		free(buf);
		goto too_big;
	}
	*out = buf;
	*outlen = (size_t)r;
	return 0;
too_big:
	return fail(m, "data", "larger than any channel carries (%llu bytes)",
		    (unsigned long long)KUCSEND_DATA_LIMIT);
}

/* Check one message object and fill *@msg. */
static int parse_msg(const struct msg_ctx *m, json_t *obj,
		     struct kucsend_msg *msg)
{
	struct kucomms_msg_hdr *h = &msg->hdr;
	const json_t *data = NULL;
	uint64_t length = 0, u;
	bool has_length = false;
	struct kjs_pos p;
	const char *key;
	size_t n = 0;
	json_t *v;

	memset(msg, 0, sizeof(*msg));
	if (!json_is_object(obj))
		return fail(m, NULL, "expected a message object {\"type\", \"id\", \"value\", \"data\"}, got %s",
			    type_name(obj));
	json_object_foreach(obj, key, v) {
		if (!strcmp(key, "type")) {
			if (get_u64(m, key, v, &u))
				return -1;
			h->type = u;
		} else if (!strcmp(key, "id")) {
			if (get_u64(m, key, v, &u))
				return -1;
			h->id = u;
		} else if (!strcmp(key, "value")) {
			if (get_u64(m, key, v, &u))
				return -1;
			h->value = u;
		} else if (!strcmp(key, "length")) {
			if (get_u64(m, key, v, &length))
				return -1;
			has_length = true;
		} else if (!strcmp(key, "data")) {
			data = v;
		} else {
			char buf[128];
			const struct kjs_key *k = kjs_find(m->sc, m->slot, key);
			struct kjs_pos kp = k ? (struct kjs_pos){ k->line, k->col } :
					       where(m, NULL);

			snprintf(m->err, m->errsz,
				 "%s:%d:%d: message %zu: unknown key \"%s\" (known: type, id, value, data, length)",
				 m->src, kp.line, kp.col, m->slot + 1,
				 tool_printable(key, buf, sizeof(buf)));
			return -1;
		}
	}
	if (data && get_data(m, data, &msg->data, &n))
		return -1;
	h->length = n;
	/* "length" is optional and only checked: output lines read back. */
	if (has_length && length != n) {
		free(msg->data);
		msg->data = NULL;
		return fail(m, "length", "%" PRIu64 " does not match the data's %zu bytes",
			    length, n);
	}
	p = where(m, data ? "data" : NULL);
	if (asprintf(&msg->where, "%s:%d:%d: message %zu", m->src, p.line,
		     p.col, m->slot + 1) < 0) {
		msg->where = NULL;
		free(msg->data);
		msg->data = NULL;
		return fail(m, NULL, "out of memory");
	}
	return 0;
}

static int batch_add(struct kucsend_batch *b, const struct kucsend_msg *msg)
{
	struct kucsend_msg *nm;

	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 16;

		nm = realloc(b->msgs, cap * sizeof(*nm));
		if (!nm)
			return -1;
		b->msgs = nm;
		b->cap = cap;
	}
	b->msgs[b->n++] = *msg;
	return 0;
}

void kucsend_batch_free(struct kucsend_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->msgs[i].data);
		free(b->msgs[i].where);
	}
	free(b->msgs);
	memset(b, 0, sizeof(*b));
}

static int add_value(struct msg_ctx *m, json_t *v, struct kucsend_batch *b)
{
	struct kucsend_msg msg;

	if (parse_msg(m, v, &msg))
		return -1;
	m->slot++;
	if (batch_add(b, &msg)) {
		free(msg.data);
		free(msg.where);
		snprintf(m->err, m->errsz, "%s: out of memory", m->src);
		return -1;
	}
	return 0;
}

/*
 * Parse @text (@len bytes, modified) from @src ("stdin", a path,
 * "argument 2"): JSON values one after the other (JSON lines, or any
 * white space between them), each a message object or an array of them.
 * Appends the messages to @b; on error returns -1 with @err set, and @b
 * may hold part of the messages.
 */
int kucsend_parse_text(const char *src, char *text, size_t len,
		       struct kucsend_batch *b, char *err, size_t errsz)
{
	struct msg_ctx m = { .src = src, .err = err, .errsz = errsz };
	struct kjs_scan sc;
	struct kjs_pos p;
	json_error_t je;
	size_t off = 0, i;
	json_t *v, *e;
	int ret = 0;

	if (kjs_scan(text, len, &sc)) {
		snprintf(err, errsz, "%s: out of memory", src);
		return -1;
	}
	m.sc = &sc;
	for (;;) {
		while (off < len && strchr(" \t\r\n", text[off]) && text[off])
			off++;
		if (off >= len)
			break;
		v = json_loadb(text + off, len - off,
			       JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES |
			       JSON_ALLOW_NUL, &je);
		if (!v) {
			/* jansson's position is relative to this value. */
			p = kjs_pos_at(text, off);
			if (je.line > 1) {
				p.line += je.line - 1;
				p.col = je.column;
			} else if (je.line == 1) {
				p.col += je.column - 1;
			}
			snprintf(err, errsz, "%s:%d:%d: invalid JSON: %s", src,
				 p.line, p.col, je.text);
			ret = -1;
			break;
		}
		off += je.position;
		if (json_is_array(v)) {
			json_array_foreach(v, i, e)
				if (add_value(&m, e, b))
					break;
			ret = i < json_array_size(v) ? -1 : 0;
		} else {
			ret = add_value(&m, v, b);
		}
		json_decref(v);
		if (ret)
			break;
	}
	kjs_free(&sc);
	return ret;
}

/* Once the channel is open: every message must fit it. */
int kucsend_check_sizes(const struct kucsend_batch *b, size_t msg_max,
			char *err, size_t errsz)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (b->msgs[i].hdr.length > msg_max) {
			snprintf(err, errsz,
				 "%s: field \"data\": %llu bytes, more than the channel's maximum message (%zu bytes)",
				 b->msgs[i].where,
				 (unsigned long long)b->msgs[i].hdr.length,
				 msg_max);
			return -1;
		}
	}
	return 0;
}
