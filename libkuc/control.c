// SPDX-License-Identifier: MIT
/*
 * Device control: name handling, creating and removing devices through
 * the module's sysfs control files, and listing the devices from the
 * kucomms class directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kuc.h"
#include "sysfs.h"

#define KUC_DEV_DIR		"/dev/"
#define KUC_DEV_DIR_LEN		(sizeof(KUC_DEV_DIR) - 1)
#define KUC_SYSFS_MAX_DEVICES	"/sys/module/kucomms/parameters/max_devices"

const char *kuc_version(void)
{
	return KUC_VERSION;
}

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

static const char *kuc_dev_root(void)
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

int kuc_name_normalize(const char *in, char *out, size_t outsz)
{
	char full[KUCOMMS_NAME_MAX + 1];
	size_t len, full_len, i;
	bool prefixed;

	if (!in || (!out && outsz))
		return -EINVAL;
	/* "/dev/kucomms_foo" names the node: it must carry the prefix. */
	if (!strncmp(in, KUC_DEV_DIR, KUC_DEV_DIR_LEN)) {
		in += KUC_DEV_DIR_LEN;
		if (strncmp(in, KUCOMMS_PREFIX, KUCOMMS_PREFIX_LEN))
			return -EINVAL;
	}
	len = strlen(in);
	prefixed = !strncmp(in, KUCOMMS_PREFIX, KUCOMMS_PREFIX_LEN);
	full_len = prefixed ? len : KUCOMMS_PREFIX_LEN + len;

	if (full_len > KUCOMMS_NAME_MAX) {
		/* A bad character is the more useful diagnosis. */
		for (i = prefixed ? KUCOMMS_PREFIX_LEN : 0; i < len; i++)
			if (!kucomms_name_char_ok(in[i]))
				return -EINVAL;
		return -ENAMETOOLONG;
	}
	if (!prefixed)
		memcpy(full, KUCOMMS_PREFIX, KUCOMMS_PREFIX_LEN);
	memcpy(full + (full_len - len), in, len + 1);
	if (!kucomms_name_valid(full, full_len))
		return -EINVAL;
	if (outsz < full_len + 1)
		return -ENOBUFS;
	memcpy(out, full, full_len + 1);
	return 0;
}

bool kuc_module_loaded(void)
{
	char path[PATH_MAX];
	struct stat st;

	if (kuc_path(path, sizeof(path), "%s" KUCOMMS_SYSFS_CTL,
		     kuc_sysfs_root()))
		return false;
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Write @name and a newline to the control file @file: one write(2). */
static int kuc_control_write(const char *file, const char *name)
{
	char full[KUCOMMS_NAME_MAX + 2], path[PATH_MAX];
	size_t len;
	ssize_t n;
	int fd, ret;

	ret = kuc_name_normalize(name, full, sizeof(full));
	if (ret)
		return ret;
	len = strlen(full);
	full[len++] = '\n';

	if (!kuc_module_loaded())
		return -ENODEV;
	ret = kuc_path(path, sizeof(path), "%s" KUCOMMS_SYSFS_CTL "/%s",
		       kuc_sysfs_root(), file);
	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		/* ENOENT: the module went away since the check above. */
		return errno == ENOENT ? -ENODEV : -errno;
	do
		n = write(fd, full, len);
	while (n < 0 && errno == EINTR);
	ret = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	return ret;
}

int kuc_device_create(const char *name)
{
	return kuc_control_write("create_device", name);
}

int kuc_device_remove(const char *name)
{
	return kuc_control_write("remove_device", name);
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

/* Parse a decimal unsigned int at *@s (digits only) and advance *@s. */
static int kuc_parse_uint(const char **s, unsigned int *out)
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

int kuc_max_devices(void)
{
	char path[PATH_MAX], buf[32];
	const char *p = buf;
	unsigned int max;
	ssize_t n;

	n = kuc_path(path, sizeof(path), "%s" KUC_SYSFS_MAX_DEVICES,
		     kuc_sysfs_root());
	if (!n)
		n = kuc_read_small(path, buf, sizeof(buf));
	if (n == -ENOENT)
		return kuc_module_loaded() ? -ENOENT : -ENODEV;
	if (n < 0)
		return n;
	if (kuc_parse_uint(&p, &max) || (*p && strcmp(p, "\n")) ||
	    !max || max > INT_MAX)
		return -EIO;
	return max;
}

const char *kuc_kind_name(enum kuc_kind kind)
{
	switch (kind) {
	case KUC_KIND_DEVICE:
		return "device";
	case KUC_KIND_SHM:
		return "shm";
	case KUC_KIND_PAIR:
		return "pair";
	}
	return "unknown";
}

/*
 * Fill @info for the device whose full (valid) name is @name from its
 * class entry and its node. -ENOENT means there is no such device.
 */
static int kuc_fill_info(const char *name, struct kuc_device_info *info)
{
	char path[PATH_MAX], buf[32];
	const char *p = buf;
	struct stat st;
	ssize_t n;
	int ret;

	memset(info, 0, sizeof(*info));
	info->kind = KUC_KIND_DEVICE;
	strcpy(info->name, name);

	ret = kuc_path(path, sizeof(path), "%s" KUCOMMS_SYSFS_CLASS "/%s/dev",
		       kuc_sysfs_root(), name);
	if (ret)
		return ret;
	n = kuc_read_small(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOTDIR ? -ENOENT : n;
	/* The kernel prints "MAJOR:MINOR\n". */
	if (kuc_parse_uint(&p, &info->major) || *p++ != ':' ||
	    kuc_parse_uint(&p, &info->minor) || (*p && strcmp(p, "\n")))
		return -EIO;

	ret = kuc_path(info->path, sizeof(info->path), "%s/%s",
		       kuc_dev_root(), name);
	if (ret)
		return ret;
	/*
	 * A node that is missing (udev has not made it yet) or is not our
	 * device (a stale node) is reported as absent, not as an error:
	 * the device itself exists.
	 */
	if (!stat(info->path, &st) && S_ISCHR(st.st_mode) &&
	    major(st.st_rdev) == info->major &&
	    minor(st.st_rdev) == info->minor) {
		info->node_present = true;
		info->mode = st.st_mode & 07777;
		info->uid = st.st_uid;
		info->gid = st.st_gid;
	}
	return 0;
}

int kuc_device_info(const char *name, struct kuc_device_info *out)
{
	char full[KUCOMMS_NAME_MAX + 1];
	int ret;

	ret = kuc_name_normalize(name, full, sizeof(full));
	if (ret)
		return ret;
	if (!kuc_module_loaded())
		return -ENODEV;
	ret = kuc_fill_info(full, out);
	if (ret == -ENOENT && !kuc_module_loaded())
		return -ENODEV;
	return ret;
}

static int kuc_info_cmp(const void *a, const void *b)
{
	const struct kuc_device_info *ia = a, *ib = b;

	return strcmp(ia->name, ib->name);
}

int kuc_device_list(struct kuc_device_info **out, size_t *n)
{
	struct kuc_device_info *list = NULL, *grown;
	size_t count = 0, cap = 0;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int ret;

	*out = NULL;
	*n = 0;
	if (!kuc_module_loaded())
		return -ENODEV;
	ret = kuc_path(path, sizeof(path), "%s" KUCOMMS_SYSFS_CLASS,
		       kuc_sysfs_root());
	if (ret)
		return ret;
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ENODEV : -errno;

	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			ret = -errno;
			break;
		}
		/* Skips ".", ".." and the control device "kucomms". */
		if (!kucomms_name_valid(de->d_name, strlen(de->d_name)))
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			grown = reallocarray(list, cap, sizeof(*list));
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			list = grown;
		}
		ret = kuc_fill_info(de->d_name, &list[count]);
		if (ret == -ENOENT)
			continue;	/* removed while we were reading */
		if (ret)
			break;
		count++;
	}
	closedir(dir);
	if (ret) {
		free(list);
		return ret;
	}
	if (!count) {
		free(list);
		return 0;
	}
	qsort(list, count, sizeof(*list), kuc_info_cmp);
	*out = list;
	*n = count;
	return 0;
}

void kuc_device_list_free(struct kuc_device_info *list)
{
	free(list);
}
