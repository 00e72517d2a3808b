/* SPDX-License-Identifier: MIT */
/*
 * libkuc private: the module's files under sysfs and /dev, and reading
 * them (sysfs.c).
 */
#ifndef KUC_SYSFS_H
#define KUC_SYSFS_H

#include <stddef.h>
#include <sys/types.h>

/* Kept out of libkuc.so's dynamic symbol table (as in mirror.h). */
#ifndef KUC_PRIVATE
#define KUC_PRIVATE __attribute__((visibility("hidden")))
/*
 * Give the node of the device @name (a full name, just created) the
 * owner @owner and group @group ((uid_t)-1/(gid_t)-1: keep) and the mode
 * @mode (KUC_MODE_KEEP: keep), waiting for it to appear (device_node.c).
 * Returns 0, -ETIMEDOUT (no node within 2 s) or another negative errno.
 */
KUC_PRIVATE int kuc_node_setup(const char *name, mode_t mode, uid_t owner,
			       gid_t group);

#endif

/* "" for the real /sys, or $KUC_SYSFS_ROOT (tests). */
const char *kuc_sysfs_root(void);

/* "/dev", or $KUC_DEV_ROOT (tests) when set and not empty. */
KUC_PRIVATE const char *kuc_dev_root(void);

/* snprintf() into @buf that reports truncation as -ENAMETOOLONG. */
__attribute__((format(printf, 3, 4)))
int kuc_path(char *buf, size_t size, const char *fmt, ...);

/*
 * Read the small text file @path into @buf (@size bytes with the NUL).
 * Returns the length, -EFBIG if it does not fit, or a negative errno.
 */
ssize_t kuc_read_small(const char *path, char *buf, size_t size);

/* Parse a decimal unsigned int at *@s (digits only) and advance *@s. */
KUC_PRIVATE int kuc_parse_uint(const char **s, unsigned int *out);

/*
 * Give the node of the device @name (a full name, just created) the
 * owner @owner and group @group ((uid_t)-1/(gid_t)-1: keep) and the mode
 * @mode (KUC_MODE_KEEP: keep), waiting for it to appear (device_node.c).
 * Returns 0, -ETIMEDOUT (no node within 2 s) or another negative errno.
 */
KUC_PRIVATE int kuc_node_setup(const char *name, mode_t mode, uid_t owner,
			       gid_t group);

#endif
