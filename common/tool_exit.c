// SPDX-License-Identifier: MIT
/* libkuc's errors mapped onto the exit statuses of tool_exit.h. */
#include <errno.h>

#include "tool_exit.h"

int tool_exit_for(int err)
{
	switch (-err) {
	case 0:
		return TOOL_EXIT_OK;
	case EINVAL:
	case ENAMETOOLONG:
		/* libkuc's only EINVAL for a tool's call: a bad name. */
		return TOOL_EXIT_INPUT;
	case ENOENT:
		return TOOL_EXIT_NOT_FOUND;
	case EPERM:
	case EACCES:
		return TOOL_EXIT_PERM;
	case ENODEV:
		return TOOL_EXIT_NO_MODULE;
	case ENXIO:
	case ESHUTDOWN:
	case ECONNRESET:
	case ENOTCONN:
	case EPIPE:
		return TOOL_EXIT_PEER;
	case ETIMEDOUT:
		return TOOL_EXIT_TIMEOUT;
	case EEXIST:
		return TOOL_EXIT_EXISTS;
	case ENOSPC:
	case EBUSY:
		return TOOL_EXIT_BUSY;
	default:
		return TOOL_EXIT_FAILURE;
	}
}
