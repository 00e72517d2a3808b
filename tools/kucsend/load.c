// SPDX-License-Identifier: MIT
/*
 * The load mode's summary (--count, --rate): what was sent and received,
 * what went missing, and the rate achieved over the whole run; and the
 * signal that stopped it early, if one did.
 */
#include <inttypes.h>

#include "kucsend.h"

void kucsend_print_summary(FILE *f, const struct kucsend_run *r,
			   uint64_t expected, enum kucsend_format format)
{
	uint64_t lost = expected > r->counted ? expected - r->counted : 0;
	double rate = r->seconds > 0 ? (double)r->sent / r->seconds : 0;

	const char *sig = kucsend_signal_name(r->interrupted);

	/* "interrupted" is there only when true: other runs look as before. */
	if (format == KUCSEND_FORMAT_JSON) {
		fprintf(f, "{\"sent\":%" PRIu64 ",\"received\":%" PRIu64
			",\"lost\":%" PRIu64 ",\"seconds\":%.3f"
			",\"msgs_per_sec\":%.0f", r->sent, r->counted,
			lost, r->seconds, rate);
		if (r->interrupted)
			fprintf(f, ",\"interrupted\":\"%s\"", sig);
		fprintf(f, "}\n");
	} else {
		fprintf(f, "sent=%" PRIu64 " received=%" PRIu64 " lost=%" PRIu64
			" seconds=%.3f msgs_per_sec=%.0f", r->sent,
			r->counted, lost, r->seconds, rate);
		if (r->interrupted)
			fprintf(f, " interrupted=%s", sig);
		fprintf(f, "\n");
	}
}
