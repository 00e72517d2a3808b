// SPDX-License-Identifier: MIT
/*
 * kucdump --json: one object per line, the message JSON kucsend(1)
 * prints (common/tool_data.h) with the capture's own fields added:
 *
 *   {"ts":"1763923750.123456789","dir":"u2k","conn":3,"type":1,"id":0,
 *    "value":42,"length":13,"caplen":13,"data":"hello, kernel"}
 *
 * ts is CLOCK_REALTIME as "seconds.nanoseconds" (a string: exact);
 * conn, type, id, value, length (the original data length) and caplen
 * (the bytes captured) are exact unsigned 64-bit JSON numbers; data
 * holds the captured bytes: a string when they are valid UTF-8 without
 * control characters other than tab, newline and carriage return, else
 * {"hex":"..."} (lower case, two digits a byte).
 */
#include "kucdump.h"

void kucdump_print_json(FILE *out, const struct kuc_tap_record *rec,
			bool pretty)
{
	struct tool_out o;
	char ts[48];

	snprintf(ts, sizeof(ts), "%llu.%09llu",
		 (unsigned long long)(rec->ts_ns / 1000000000ULL),
		 (unsigned long long)(rec->ts_ns % 1000000000ULL));
	tool_out_init(&o, out, true, pretty);
	tool_out_open(&o, NULL);
	tj_string(&o.j, "ts", ts);
	tj_string(&o.j, "dir", kucdump_dir_name(rec->dir));
	tj_u64(&o.j, "conn", rec->conn_id);
	tool_msg_hdr_out(&o, &rec->hdr);
	tj_u64(&o.j, "caplen", rec->caplen);
	tool_msg_data_out(&o, rec->data, rec->caplen, TOOL_DATA_AUTO);
	tool_out_close(&o);
}
