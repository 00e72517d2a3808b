// SPDX-License-Identifier: MIT
/*
 * Listing devices: every device in the kucomms class directory, or one
 * by name, each with its node under /dev if that node is really it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kuc.h"
#include "sysfs.h"

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
