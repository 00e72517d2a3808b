// SPDX-License-Identifier: MIT
/*
 * kucdump's human output, one line per message like tcpdump's:
 *
 *   18:49:10.123456789 conn=3 u2k type=1 id=0 value=42 length=13
 *
 * the time (local time of day with nanoseconds; -t/-tt/-ttt/-tttt/-ttttt
 * choose another style, as in tcpdump), the connection, the direction
 * (u2k: userspace to kernel, k2u: kernel to userspace), the header as
 * kucsend and the kernel's tracepoints write it (key=value, which is also
 * filter syntax; -q: without id and value), and "(captured N)" when the
 * snap length cut the data. With -x the captured data follows as a hex dump with an ASCII
 * column, 16 bytes a line.
 */
#include <time.h>

#include "kucdump.h"

const char *kucdump_dir_name(unsigned int dir)
{
	return dir == KUCOMMS_TAP_U2K ? "u2k" : "k2u";
}

static void print_hex(FILE *out, const unsigned char *p, size_t n)
{
	size_t off, i;

	for (off = 0; off < n; off += 16) {
		fprintf(out, "\t0x%04zx: ", off);
		for (i = 0; i < 16; i++) {
			if (i % 2 == 0)
				fputc(' ', out);
			if (off + i < n)
				fprintf(out, "%02x", p[off + i]);
			else
				fputs("  ", out);
		}
		fputs("  ", out);
		for (i = 0; i < 16 && off + i < n; i++)
			fputc(p[off + i] >= 0x20 && p[off + i] < 0x7f ?
			      p[off + i] : '.', out);
		fputc('\n', out);
	}
}

/* A span of nanoseconds as seconds with nine decimals. */
static void print_span(FILE *out, uint64_t ns)
{
	fprintf(out, "%llu.%09llu ", (unsigned long long)(ns / 1000000000ULL),
		(unsigned long long)(ns % 1000000000ULL));
}

static void print_time(FILE *out, struct kucdump_text *t, uint64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000ULL);
	struct tm tm;

	if (!t->seen) {
		t->first_ns = t->prev_ns = ns;
		t->seen = true;
	}
	switch (t->tstamp) {
	case KUCDUMP_TS_NONE:
		break;
	case KUCDUMP_TS_EPOCH:
		print_span(out, ns);
		break;
	case KUCDUMP_TS_DELTA:
		print_span(out, ns > t->prev_ns ? ns - t->prev_ns : 0);
		break;
	case KUCDUMP_TS_FIRST:
		print_span(out, ns > t->first_ns ? ns - t->first_ns : 0);
		break;
	case KUCDUMP_TS_DATE:
	case KUCDUMP_TS_TIME:
		localtime_r(&sec, &tm);
		if (t->tstamp == KUCDUMP_TS_DATE)
			fprintf(out, "%04d-%02d-%02d ", tm.tm_year + 1900,
				tm.tm_mon + 1, tm.tm_mday);
		fprintf(out, "%02d:%02d:%02d.%09llu ", tm.tm_hour, tm.tm_min,
			tm.tm_sec, (unsigned long long)(ns % 1000000000ULL));
		break;
	}
	t->prev_ns = ns;
}

void kucdump_print_text(FILE *out, const struct kuc_tap_record *rec,
			struct kucdump_text *t)
{
	struct tool_out o;

	print_time(out, t, rec->ts_ns);
	fprintf(out, "conn=%llu %s ", (unsigned long long)rec->conn_id,
		kucdump_dir_name(rec->dir));
	if (t->quiet) {
		fprintf(out, "type=%llu length=%llu",
			(unsigned long long)rec->hdr.type,
			(unsigned long long)rec->hdr.length);
	} else {
		/* The header as kucsend and the tracepoints write it. */
		tool_out_init(&o, out, false, false);
		tool_msg_hdr_out(&o, &rec->hdr);
	}
	if (rec->caplen < rec->hdr.length)
		fprintf(out, " (captured %u)", rec->caplen);
	fputc('\n', out);
	if (t->hex)
		print_hex(out, rec->data, rec->caplen);
}
