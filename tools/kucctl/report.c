// SPDX-License-Identifier: MIT
/*
 * Error reporting. Every error is exactly one line on stderr,
 * "kucctl: <what>: <cause>", so that scripts and logs can rely on it, and
 * every error maps to one of the documented exit statuses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include <kuc.h>

#include "kucctl.h"

/* Long enough for any message kucctl makes; longer ones are cut. */
#define KUCCTL_MSG_MAX 1024

void kucctl_msg(const char *fmt, ...)
{
	char buf[KUCCTL_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One fprintf: the line reaches stderr in one piece. */
	fprintf(stderr, "kucctl: %s\n", buf);
}

int kucctl_usage_error(const struct kucctl_cmd *cmd, const char *fmt, ...)
{
	char buf[KUCCTL_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (cmd)
		kucctl_msg("%s: %s (see 'kucctl %s --help')", cmd->name, buf,
			   cmd->name);
	else
		kucctl_msg("%s (see 'kucctl --help')", buf);
	return KUCCTL_EXIT_USAGE;
}

/*
 * The exit status for a libkuc error. Only libkuc's documented meanings
 * are mapped: kucctl passes no other errors here.
 */
int kucctl_exit_code(int err)
{
	switch (-err) {
	case 0:
		return KUCCTL_EXIT_OK;
	case ENODEV:
		return KUCCTL_EXIT_NO_MODULE;
	case EINVAL:
	case ENAMETOOLONG:
		return KUCCTL_EXIT_BAD_NAME;
	case EEXIST:
		return KUCCTL_EXIT_EXISTS;
	case ENOENT:
		return KUCCTL_EXIT_NO_DEVICE;
	case EPERM:
	case EACCES:
		return KUCCTL_EXIT_PERM;
	case ENOSPC:
		return KUCCTL_EXIT_LIMIT;
	default:
		return KUCCTL_EXIT_FAILURE;
	}
}

/* The cause part of a message for a libkuc error, with a hint if any. */
const char *kucctl_cause(int err, char *buf, size_t size)
{
	int max;

	switch (-err) {
	case ENODEV:
		return "kucomms module not loaded (try 'modprobe kucomms')";
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
	return kuc_strerror(err);
}

/* Report a libkuc error from operation @op on device @name (or NULL). */
int kucctl_fail(const char *op, const char *name, int err)
{
	char buf[128];

	if (name)
		kucctl_msg("%s %s: %s", op, name,
			   kucctl_cause(err, buf, sizeof(buf)));
	else
		kucctl_msg("%s: %s", op, kucctl_cause(err, buf, sizeof(buf)));
	return kucctl_exit_code(err);
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
	kucctl_msg("%s shm:%s: %s", op, name, cause);
	return kucctl_exit_code(err);
}

/* Report that kuc_name_normalize() rejected @name with @err. */
int kucctl_name_error(const char *op, const char *name, int err)
{
	char buf[128];

	name = tool_printable(name, buf, sizeof(buf));
	if (err == -ENAMETOOLONG)
		kucctl_msg("%s: name too long '%s' (at most %d characters with the %s prefix)",
			   op, name, KUCOMMS_NAME_MAX, KUCOMMS_PREFIX);
	else
		kucctl_msg("%s: invalid name '%s' (use a-z, 0-9 and _, after an optional %s prefix)",
			   op, name, KUCOMMS_PREFIX);
	return KUCCTL_EXIT_BAD_NAME;
}
