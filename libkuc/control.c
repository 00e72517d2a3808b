// SPDX-License-Identifier: MIT
/*
 * Device control: name handling, the module's presence and its
 * max_devices parameter, and creating and removing devices through the
 * module's sysfs control files (the new node's permissions: device_node.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
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

int kuc_device_create(const char *name, mode_t mode, uid_t owner,
		      gid_t group)
{
	char full[KUCOMMS_NAME_MAX + 1];
	int ret;

	/* Every argument is checked before anything is created. */
	if (mode != KUC_MODE_KEEP && (mode & ~(mode_t)0777))
		return -EINVAL;
	ret = kuc_name_normalize(name, full, sizeof(full));
	if (ret)
		return ret;
	ret = kuc_control_write("create_device", full);
	if (ret || (mode == KUC_MODE_KEEP && owner == (uid_t)-1 &&
		    group == (gid_t)-1))
		return ret;
	ret = kuc_node_setup(full, mode, owner, group);
	/*
	 * No half-made device: take it away again. If that fails, the
	 * device is gone already (removed by someone else, or the module
	 * unloaded): the privilege that created it also removes it.
	 */
	if (ret)
		kuc_device_remove(full);
	return ret;
}

int kuc_device_remove(const char *name)
{
	return kuc_control_write("remove_device", name);
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
