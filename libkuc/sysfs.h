/* SPDX-License-Identifier: MIT */
/* libkuc private: reading the module's sysfs files (control.c). */
#ifndef KUC_SYSFS_H
#define KUC_SYSFS_H

#include <stddef.h>
#include <sys/types.h>

/* "" for the real /sys, or $KUC_SYSFS_ROOT (tests). */
const char *kuc_sysfs_root(void);

/* snprintf() into @buf that reports truncation as -ENAMETOOLONG. */
__attribute__((format(printf, 3, 4)))
int kuc_path(char *buf, size_t size, const char *fmt, ...);

/*
 * Read the small text file @path into @buf (@size bytes with the NUL).
 * Returns the length, -EFBIG if it does not fit, or a negative errno.
 */
ssize_t kuc_read_small(const char *path, char *buf, size_t size);

#endif
