// SPDX-License-Identifier: MIT
/*
 * Error reporting. Every error is exactly one line on stderr,
 * "kucsend: <what>: <cause>", and maps to one documented exit status.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kucsend.h"

void kucsend_msg(const char *fmt, ...)
{
	char buf[KUCSEND_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One fprintf: the line reaches stderr in one piece. */
	fprintf(stderr, "kucsend: %s\n", buf);
}

int kucsend_usage_error(const char *fmt, ...)
{
	char buf[KUCSEND_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kucsend_msg("%s (see 'kucsend --help')", buf);
	return KUCSEND_EXIT_USAGE;
}

/*
 * Report libkuc error @err from @op on @channel. A hint is added where
 * the usual cause is known.
 */
int kucsend_channel_error(const char *op, const char *channel, int err)
{
	const char *hint = "";
	char buf[128];

	bool shm = !strncmp(channel, "shm:", 4);

	if (err == -EINVAL && !strcmp(op, "open")) {
		if (shm)
			hint = " (shm:NAME takes a name of [a-z0-9_], with or without the kucomms_ prefix)";
		else
			hint = " (a channel is a device name, with or without the kucomms_ prefix, or shm:NAME)";
	} else if (err == -ENODEV) {
		hint = " (try 'modprobe kucomms')";
	} else if (err == -ENOENT && !strcmp(op, "open")) {
		hint = shm ? " (create it with 'kucctl create --shm')" :
			     " (create it with 'kucctl create')";
	} else if (err == -ENXIO) {
		hint = shm ? " (no server serves this segment)" :
			     " (no module serves this device yet)";
	} else if (err == -ESHUTDOWN) {
		hint = " (the endpoint went away)";
	}
	kucsend_msg("%s %s: %s%s", op,
		    tool_printable(channel, buf, sizeof(buf)),
		    kuc_strerror(err), hint);
	return KUCSEND_EXIT_CHANNEL;
}
