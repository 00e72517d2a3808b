// SPDX-License-Identifier: MIT
/*
 * kucdump's human output, one line per message like tcpdump's:
 *
 *   18:49:10.123456789 conn 3 u2k type 1 id 0 value 42 length 13
 *
 * local time of day with nanoseconds, the connection, the direction
 * (u2k: userspace to kernel, k2u: kernel to userspace), the header, and
 * "(captured N)" when the snap length cut the data. With -x the captured
 * data follows as a hex dump with an ASCII column, 16 bytes a line.
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

void kucdump_print_text(FILE *out, const struct kuc_tap_record *rec,
			bool hex)
{
	time_t sec = (time_t)(rec->ts_ns / 1000000000ULL);
	struct tm tm;

	localtime_r(&sec, &tm);
	fprintf(out, "%02d:%02d:%02d.%09llu conn %llu %s type %llu id %llu value %llu length %llu",
		tm.tm_hour, tm.tm_min, tm.tm_sec,
		(unsigned long long)(rec->ts_ns % 1000000000ULL),
		(unsigned long long)rec->conn_id, kucdump_dir_name(rec->dir),
		(unsigned long long)rec->hdr.type,
		(unsigned long long)rec->hdr.id,
		(unsigned long long)rec->hdr.value,
		(unsigned long long)rec->hdr.length);
	if (rec->caplen < rec->hdr.length)
		fprintf(out, " (captured %u)", rec->caplen);
	fputc('\n', out);
	if (hex)
		print_hex(out, rec->data, rec->caplen);
}
