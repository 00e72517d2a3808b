// SPDX-License-Identifier: MIT
/*
 * kucctl's error messages, "kucctl: <what>: <cause>", through the tools'
 * one reporter (common/tool_report.h), with the causes that need
 * kucctl's context (root, max_devices, segment wording).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include <kuc.h>

#include "kucctl.h"

int kucctl_usage_error(const struct kucctl_cmd *cmd, const char *fmt, ...)
{
	char buf[TOOL_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!cmd)
		return tool_usage("%s", buf);
	tool_msg("%s: %s (see 'kucctl %s --help')", cmd->name, buf, cmd->name);
	return TOOL_EXIT_USAGE;
}

/* The cause part of a message for a libkuc error, with a hint if any. */
const char *kucctl_cause(int err, char *buf, size_t size)
{
	int max;

	switch (-err) {
	case EPERM:
	case EACCES:
		/* As root, the hint would be wrong (e.g. no CAP_SYS_ADMIN). */
		return geteuid() ? "permission denied (must be root)" :
				   "permission denied";
	case ENOSPC:
		max = kuc_max_devices();
		if (max <= 0)
			break;
		snprintf(buf, size, "device limit reached (max_devices=%d)",
			 max);
		return buf;
	}
	return tool_cause(err);
}

/* Report a libkuc error from operation @op on device @name (or NULL). */
int kucctl_fail(const char *op, const char *name, int err)
{
	char buf[128];

	if (name)
		tool_msg("%s %s: %s", op, name,
			 kucctl_cause(err, buf, sizeof(buf)));
	else
		tool_msg("%s: %s", op, kucctl_cause(err, buf, sizeof(buf)));
	return tool_exit_for(err);
}

/* The same for the shm segment @name: its errors name a segment. */
int kucctl_fail_shm(const char *op, const char *name, int err)
{
	char buf[128];
	const char *cause = kucctl_cause(err, buf, sizeof(buf));

	if (err == -ENOENT)
		cause = "no such segment";
	else if (err == -EEXIST)
		cause = "segment already exists";
	else if (err == -EACCES || err == -EPERM)
		cause = "permission denied";
	tool_msg("%s shm:%s: %s", op, name, cause);
	return tool_exit_for(err);
}

/* Report that kuc_name_normalize() rejected @name with @err. */
int kucctl_name_error(const char *op, const char *name, int err)
{
	char buf[128];

	name = tool_printable(name, buf, sizeof(buf));
	if (err == -ENAMETOOLONG)
		tool_msg("%s: name too long '%s' (at most %d characters with the %s prefix)",
			 op, name, KUCOMMS_NAME_MAX, KUCOMMS_PREFIX);
	else
		tool_msg("%s: invalid name '%s' (use a-z, 0-9 and _, after an optional %s prefix)",
			 op, name, KUCOMMS_PREFIX);
	return TOOL_EXIT_INPUT;
}
