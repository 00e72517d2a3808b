/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * kucomms ABI: everything the kernel module, libkuc and the tools must
 * agree on. This one header is compiled verbatim into all of them, so a
 * rule written here cannot drift between the kernel and userspace.
 */
#ifndef KUCOMMS_ABI_H
#define KUCOMMS_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#endif

/* Every device name starts with this prefix: /dev/kucomms_NAME. */
#define KUCOMMS_PREFIX		"kucomms_"
#define KUCOMMS_PREFIX_LEN	(sizeof(KUCOMMS_PREFIX) - 1)

/*
 * Longest full device name, prefix included, terminating NUL excluded.
 * A name is the prefix followed by one or more of [a-z0-9_].
 */
#define KUCOMMS_NAME_MAX	63

/* Where the module's control files live (reference manual, "Creating..."). */
#define KUCOMMS_CLASS_NAME	"kucomms"
#define KUCOMMS_SYSFS_CTL	"/sys/devices/virtual/kucomms/kucomms"
#define KUCOMMS_SYSFS_CLASS	"/sys/class/kucomms"

/* Default and hard upper bound of the module parameter max_devices. */
#define KUCOMMS_MAX_DEVICES_DEFAULT	64
#define KUCOMMS_MAX_DEVICES_LIMIT	1024

static inline bool kucomms_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/*
 * True when the @len bytes at @name form a valid full device name. The
 * bytes need not be NUL-terminated; a NUL inside them makes the name
 * invalid.
 */
static inline bool kucomms_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len <= KUCOMMS_PREFIX_LEN || len > KUCOMMS_NAME_MAX)
		return false;
	for (i = 0; i < KUCOMMS_PREFIX_LEN; i++)
		if (name[i] != KUCOMMS_PREFIX[i])
			return false;
	for (; i < len; i++)
		if (!kucomms_name_char_ok(name[i]))
			return false;
	return true;
}

#endif /* KUCOMMS_ABI_H */
