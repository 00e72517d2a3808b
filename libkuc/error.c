// SPDX-License-Identifier: MIT
/*
 * kuc_strerror(): error descriptions for libkuc's negative errno values.
 *
 * strerror() may use a buffer shared between threads and its wording
 * ("File exists") says nothing about kucomms, so errors that have a fixed
 * meaning in libkuc come from a static table; the rest come from
 * strerrordesc_np(), which returns static strings and is thread-safe.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "kuc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kuc_errors[] = {
	[0]		= "success",
	[EPERM]		= "operation not permitted",
	[ENOENT]	= "no such device",
	[EIO]		= "input/output error",
	[ENOMEM]	= "out of memory",
	[EACCES]	= "permission denied",
	[EEXIST]	= "device already exists",
	[ENODEV]	= "kucomms module not loaded",
	[EINVAL]	= "invalid argument",
	[ENOSPC]	= "device limit reached",
	[ENAMETOOLONG]	= "name too long",
	[ENOBUFS]	= "buffer too small",
	[ENXIO]		= "no endpoint or server attached",
	[EPROTO]	= "protocol error: broken or incompatible channel",
	[ESHUTDOWN]	= "the peer closed the channel",
	[ECONNRESET]	= "the peer died or restarted",
	[ENOTCONN]	= "no client connected",
};

const char *kuc_strerror(int err)
{
	const char *s;

	/* -INT_MIN would overflow; no errno is that large anyway. */
	if (err == INT_MIN)
		return "unknown error";
	if (err < 0)
		err = -err;
	if ((size_t)err < ARRAY_SIZE(kuc_errors) &&
	    kuc_errors[err])
		return kuc_errors[err];
	s = strerrordesc_np(err);
	return s ? s : "unknown error";
}
