// SPDX-License-Identifier: MIT
/*
 * kucsend's channel errors, "kucsend: <op> <channel>: <cause> (hint)",
 * through the tools' one reporter (common/tool_report.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kucsend.h"

/*
 * Report libkuc error @err from @op on @channel. A hint is added where
 * the usual cause is known.
 */
int kucsend_channel_error(const char *op, const char *channel, int err)
{
	char buf[128], name[KUCOMMS_NAME_MAX + 1];
	enum kuc_kind kind = KUC_KIND_DEVICE;
	const char *hint = "";
	bool shm;

	/* libkuc's rule; the kind is told for a refused spec too. */
	kuc_spec_parse(channel, &kind, name, sizeof(name));
	shm = kind == KUC_KIND_SHM;

	if (err == -EINVAL && !strcmp(op, "open")) {
		if (shm)
			hint = " (shm:NAME takes a name of [a-z0-9_], with or without the kucomms_ prefix)";
		else
			hint = " (a channel is a device name, with or without the kucomms_ prefix, or shm:NAME)";
	} else if (err == -ENOENT && !strcmp(op, "open")) {
		hint = shm ? " (create it with 'kucctl create --shm')" :
			     " (create it with 'kucctl create')";
	} else if (err == -ENXIO) {
		hint = shm ? " (no server serves this segment)" :
			     " (no module serves this device yet)";
	} else if (err == -ESHUTDOWN) {
		hint = " (the endpoint went away)";
	}
	tool_msg("%s %s: %s%s", op,
		 tool_printable(channel, buf, sizeof(buf)), tool_cause(err),
		 hint);
	return tool_exit_for(err);
}
