// SPDX-License-Identifier: MIT
/*
 * One received message, one line: the message JSON of common/tool_data.h
 * (documented in kucsend(1)), which is valid kucsend input ("length" is
 * accepted and checked), or the same values as text:
 *
 *   {"type":N,"id":N,"value":N,"length":N,"data":DATA}
 *   type=N id=N value=N length=N DATA
 */
#include "kucsend.h"

void kucsend_print_msg(FILE *f, const struct kucomms_msg_hdr *hdr,
		       const void *data, enum kucsend_format format,
		       enum tool_data_mode mode)
{
	struct tool_out o;

	tool_out_init(&o, f, format != KUCSEND_FORMAT_HUMAN,
		      format == KUCSEND_FORMAT_PRETTY);
	tool_out_open(&o, NULL);
	tool_msg_hdr_out(&o, hdr);
	tool_out_text(&o, " ");
	tool_msg_data_out(&o, data, hdr->length, mode);
	tool_out_close(&o);
	tool_out_text(&o, "\n");
}
