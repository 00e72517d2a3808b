// SPDX-License-Identifier: MIT
/*
 * The load mode's summary (--count, --rate): what was sent and received,
 * what went missing, and the rate achieved over the whole run; and the
 * signal that stopped it early, if one did. Each value once, to JSON or
 * text (common/tool_json.h).
 */
#include <inttypes.h>

#include "kucsend.h"

void kucsend_print_summary(FILE *f, const struct kucsend_run *r,
			   uint64_t expected, enum kucsend_format format)
{
	uint64_t lost = expected > r->counted ? expected - r->counted : 0;
	double rate = r->seconds > 0 ? (double)r->sent / r->seconds : 0;
	struct tool_out o;

	tool_out_init(&o, f, format != KUCSEND_FORMAT_HUMAN,
		      format == KUCSEND_FORMAT_PRETTY);
	tool_out_open(&o, NULL);
	tool_out_u64(&o, "sent", "sent=%" PRIu64, r->sent);
	tool_out_u64(&o, "received", " received=%" PRIu64, r->counted);
	tool_out_u64(&o, "lost", " lost=%" PRIu64, lost);
	tool_out_double(&o, "seconds", " seconds=%.3f", "%.3f", r->seconds);
	tool_out_double(&o, "msgs_per_sec", " msgs_per_sec=%.0f", "%.0f",
			rate);
	/* "interrupted" is there only when true: other runs look as before. */
	if (r->interrupted)
		tool_out_str(&o, "interrupted", " interrupted=%s",
			     kucsend_signal_name(r->interrupted), NULL);
	tool_out_close(&o);
	tool_out_text(&o, "\n");
}
