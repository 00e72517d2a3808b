/* SPDX-License-Identifier: MIT */
/* kucdump: declarations shared by its source files. */
#ifndef KUCDUMP_H
#define KUCDUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <kuc.h>

#include "tool_data.h"		/* common/: the message JSON */
#include "tool_report.h"	/* common/: tool_msg(), exit statuses */

/* "u2k" or "k2u". */
const char *kucdump_dir_name(unsigned int dir);

/* ---- filter.c: --filter EXPR ---------------------------------------- */
struct kucdump_filter;

/*
 * Parse @expr into *@out. On a syntax error returns -EINVAL and writes a
 * one-line reason to @err (@errsz bytes).
 */
int kucdump_filter_parse(const char *expr, struct kucdump_filter **out,
			 char *err, size_t errsz);
bool kucdump_filter_match(const struct kucdump_filter *f,
			  const struct kuc_tap_record *rec);
void kucdump_filter_free(struct kucdump_filter *f);

/* ---- print_text.c, print_json.c ------------------------------------ */
/* How text lines look (-t..., -q, -x) and what the time styles track. */
enum kucdump_tstamp {
	KUCDUMP_TS_TIME,	/* default: local time of day, ns */
	KUCDUMP_TS_NONE,	/* -t */
	KUCDUMP_TS_EPOCH,	/* -tt: seconds since 1970 */
	KUCDUMP_TS_DELTA,	/* -ttt: since the previous line */
	KUCDUMP_TS_DATE,	/* -tttt: local date and time */
	KUCDUMP_TS_FIRST,	/* -ttttt: since the first line */
};

struct kucdump_text {
	enum kucdump_tstamp tstamp;
	bool quiet;		/* -q: no id and value */
	bool hex;		/* -x */
	bool seen;
	uint64_t first_ns, prev_ns;
};

void kucdump_print_text(FILE *out, const struct kuc_tap_record *rec,
			struct kucdump_text *t);
void kucdump_print_json(FILE *out, const struct kuc_tap_record *rec,
			bool pretty);

/* ---- pcap.c: capture files ------------------------------------------ */
struct kucdump_pcap;

/*
 * Write: a pcap file with LINKTYPE_USER0 (see kucdump(8)), or with @ng a
 * pcapng file of the same packets. "-" = stdout.
 */
int kucdump_pcap_create(const char *path, uint32_t snaplen, bool ng,
			struct kucdump_pcap **out);
int kucdump_pcap_write(struct kucdump_pcap *p,
		       const struct kuc_tap_record *rec);
/* Flush and close; returns 0 or a negative errno (a failed write). */
int kucdump_pcap_close(struct kucdump_pcap *p);

/*
 * The kind of channel a capture is of (pseudo-header byte 4), so that a
 * dissector can name the sides: a device's user and kernel, a segment's
 * client and server. Set before writing; after a read, the record's.
 */
#define KUCDUMP_KIND_DEVICE	0
#define KUCDUMP_KIND_SHM	1
void kucdump_pcap_set_kind(struct kucdump_pcap *p, unsigned int kind);
unsigned int kucdump_pcap_kind(const struct kucdump_pcap *p);

/* Read: "-" = stdin. Errors are -errno or -EPROTO (not such a file). */
int kucdump_pcap_open(const char *path, struct kucdump_pcap **out,
		      char *err, size_t errsz);
/* 0 and *@rec (valid until the next call), 1 at the end, or -errno. */
int kucdump_pcap_read(struct kucdump_pcap *p, struct kuc_tap_record *rec,
		      char *err, size_t errsz);

#endif /* KUCDUMP_H */
