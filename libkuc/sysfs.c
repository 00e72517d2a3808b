// SPDX-License-Identifier: MIT
/*
 * Where the module's files are and how they are read (sysfs.h): the test
 * hooks that move /sys and /dev, paths, small text files and the numbers
 * in them. For device control (control.c), listing (device_list.c) and
 * a device's figures (device_stats.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sysfs.h"

/*
 * The test hooks. Read on every call rather than cached so that a test
 * may point successive calls at different fake trees, and through
 * secure_getenv() so that they cannot redirect a set-ID program.
 */
const char *kuc_sysfs_root(void)
{
	const char *root = secure_getenv("KUC_SYSFS_ROOT");

	return root ? root : "";
}

const char *kuc_dev_root(void)
{
	const char *root = secure_getenv("KUC_DEV_ROOT");

	return root && *root ? root : "/dev";
}

/* snprintf() that reports truncation as -ENAMETOOLONG. */
int kuc_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -EINVAL;
	return (size_t)len < size ? 0 : -ENAMETOOLONG;
}

/*
 * Read the small text file @path into @buf, @size bytes with the
 * terminating NUL. Returns the length read, -EFBIG if the file does not
 * fit with room to spare, or a negative errno.
 */
ssize_t kuc_read_small(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (!n)
			break;
		len += n;
		if (len == size - 1) {
			err = -EFBIG;
			break;
		}
	}
	close(fd);
	if (err)
		return err;
	buf[len] = '\0';
	return len;
}

int kuc_parse_uint(const char **s, unsigned int *out)
{
	unsigned long long v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -EIO;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned int)(*p++ - '0');
		if (v > UINT_MAX)
			return -EIO;
	}
	*out = v;
	*s = p;
	return 0;
}
