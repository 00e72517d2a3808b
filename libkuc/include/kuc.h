/* SPDX-License-Identifier: MIT */
/*
 * libkuc: the userspace side of kucomms.
 *
 * This is the library's one public header. Conventions for every function
 * declared here:
 *   - functions returning int return 0 (or a documented count) on success
 *     and a negative errno value on failure; kuc_strerror() describes it;
 *   - the library never prints, never exits and keeps no hidden global
 *     state, so it is safe to call from any thread.
 *
 * Device names are "kucomms_" followed by one or more of [a-z0-9_], at
 * most KUCOMMS_NAME_MAX characters in all (see kucomms_abi.h). Every
 * function taking a name also accepts the short form without the prefix
 * and the node path "/dev/kucomms_NAME"; see kuc_name_normalize().
 */
#ifndef KUC_H
#define KUC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <kucomms/kucomms_abi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Library information and errors
 */

/* The libkuc version, e.g. "0.1.0". */
const char *kuc_version(void);

/*
 * A short lower-case description of @err, a negative errno value as
 * returned by libkuc (a positive errno is accepted too). Errors with a
 * specific meaning in libkuc get that meaning, e.g. -ENODEV is "kucomms
 * module not loaded" and -EEXIST "device already exists"; others get the
 * C library's description. The string is static: never free it. Safe to
 * call from several threads at once.
 */
const char *kuc_strerror(int err);

/* ------------------------------------------------------------------------
 * Device names
 */

/*
 * Write the full device name for @in to @out (@outsz bytes, NUL included).
 * @in may be
 *   - a full name: "kucomms_foo" (anything starting with "kucomms_" is
 *     taken as a full name, so "kucomms_" alone is invalid),
 *   - a short name: "foo", to which the prefix is added,
 *   - the node path "/dev/kucomms_foo" (the full name after "/dev/").
 * Returns 0, -EINVAL if @in is not a valid name, -ENAMETOOLONG if the full
 * name would exceed KUCOMMS_NAME_MAX characters, or -ENOBUFS if @outsz is
 * too small (KUCOMMS_NAME_MAX + 1 is always enough). @out is only written
 * on success.
 */
int kuc_name_normalize(const char *in, char *out, size_t outsz);

/* ------------------------------------------------------------------------
 * Device control
 *
 * Creating and removing devices needs root (CAP_SYS_ADMIN); listing does
 * not. These functions return -ENODEV when the kucomms module is not
 * loaded, so that callers can tell it from -ENOENT (no such device).
 *
 * For tests, the environment variable KUC_SYSFS_ROOT (default empty) is
 * prepended to every sysfs path and KUC_DEV_ROOT (default "/dev") replaces
 * the /dev directory. Both are ignored in set-user-ID and set-group-ID
 * programs (secure_getenv(3)).
 */

/* True when the kucomms module is loaded (its control directory exists). */
bool kuc_module_loaded(void);

/*
 * Create the device @name (any form kuc_name_normalize() accepts); its
 * node /dev/kucomms_NAME appears with mode 0600, owned by root. Returns 0,
 * -EINVAL or -ENAMETOOLONG (bad name), -ENODEV (module not loaded),
 * -EEXIST (exists already), -ENOSPC (module parameter max_devices
 * reached), -EACCES or -EPERM (not privileged), or another negative errno.
 */
int kuc_device_create(const char *name);

/*
 * Remove the device @name. Processes that have it open keep their file
 * until they close it. Returns 0, -EINVAL or -ENAMETOOLONG (bad name),
 * -ENODEV (module not loaded), -ENOENT (no such device), -EACCES or -EPERM
 * (not privileged), or another negative errno.
 */
int kuc_device_remove(const char *name);

/*
 * The value of the module parameter max_devices: the most devices that
 * may exist at once. Returns it (> 0), -ENODEV if the module is not
 * loaded, or another negative errno.
 */
int kuc_max_devices(void);

/* ------------------------------------------------------------------------
 * Listing devices
 */

/* What an entry of a listing is. */
enum kuc_kind {
	KUC_KIND_DEVICE,	/* a /dev/kucomms_NAME character device */
};

/* "device" for KUC_KIND_DEVICE, "unknown" for values not known here. */
const char *kuc_kind_name(enum kuc_kind kind);

/* Room for a node path such as "/dev/kucomms_foo", NUL included. */
#define KUC_PATH_MAX	256

struct kuc_device_info {
	enum kuc_kind kind;
	char name[KUCOMMS_NAME_MAX + 1];	/* "kucomms_foo" */
	char path[KUC_PATH_MAX];		/* "/dev/kucomms_foo" */
	unsigned int major;			/* device number from sysfs */
	unsigned int minor;
	/*
	 * True when @path is the character device major:minor. When false
	 * (no node yet, or something else is at @path), @mode, @uid and
	 * @gid are 0 and mean nothing.
	 */
	bool node_present;
	mode_t mode;				/* permission bits (07777) */
	uid_t uid;				/* owner of the node */
	gid_t gid;				/* group of the node */
};

/*
 * Describe the device @name. Returns 0, -EINVAL or -ENAMETOOLONG (bad
 * name), -ENODEV (module not loaded), -ENOENT (no such device), or another
 * negative errno.
 */
int kuc_device_info(const char *name, struct kuc_device_info *out);

/*
 * List all devices, sorted by name. On success returns 0 and stores a
 * malloc'ed array in *@out (NULL when there are no devices) and its length
 * in *@n; free it with kuc_device_list_free(). Returns -ENODEV if the
 * module is not loaded, -ENOMEM, or another negative errno; *@out and *@n
 * are then NULL and 0. A device removed while the list is being read is
 * left out.
 */
int kuc_device_list(struct kuc_device_info **out, size_t *n);

/* Free a list from kuc_device_list(); NULL is fine. */
void kuc_device_list_free(struct kuc_device_info *list);

#ifdef __cplusplus
}
#endif

#endif /* KUC_H */
