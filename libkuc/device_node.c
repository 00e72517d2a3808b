// SPDX-License-Identifier: MIT
/*
 * Giving a just-created device's node its mode, owner and group
 * (kuc_device_create()), so that programs need not chmod and chown it
 * themselves and nobody gets a device half set up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "kuc.h"
#include "sysfs.h"

/* How long a static /dev may take (udev) to make the node. */
#define KUC_NODE_WAIT_TICKS	200
#define KUC_NODE_TICK_NS	(10 * 1000 * 1000)

/*
 * Open the node of @name with O_PATH (its path to @path, @size bytes)
 * once it is the character device sysfs gives that name. With devtmpfs
 * (the usual case) the kernel made it before create_device returned;
 * with a static /dev, udev makes it shortly afterwards. Returns the
 * descriptor, -ETIMEDOUT when no such node appeared within 2 s, or
 * another negative errno.
 */
static int kuc_node_open(const char *name, char *path, size_t size)
{
	const struct timespec tick = { .tv_nsec = KUC_NODE_TICK_NS };
	struct kuc_device_info info;
	struct stat st;
	int i, fd, ret;

	for (i = 0; i < KUC_NODE_WAIT_TICKS; i++) {
		ret = kuc_device_info(name, &info);
		if (ret)
			return ret;
		/*
		 * O_PATH does not call the driver's open(): no connection
		 * is made. O_NOFOLLOW: a symlink put there is not followed.
		 */
		fd = open(info.path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			if (!fstat(fd, &st) && S_ISCHR(st.st_mode) &&
			    major(st.st_rdev) == info.major &&
			    minor(st.st_rdev) == info.minor) {
				snprintf(path, size, "%s", info.path);
				return fd;
			}
			close(fd);
		}
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}

/*
 * Race-free as far as sysfs allows: the node is opened once and checked
 * (fstat()) to be the character device whose number sysfs gives for
 * @name, and the owner, group and mode are then set on that open inode
 * (fchownat(AT_EMPTY_PATH), chmod() through /proc/self/fd), never again
 * through the name in /dev, which could meanwhile name something else.
 * Until the mode is set the node is 0600 root:root, so nobody else can
 * open it half set up. What sysfs cannot tell is whether another root
 * process removed the device and created it again between our create
 * and our reading of its number; then the new device of that name is the
 * one set up, which is what was asked for that name anyway.
 */
int kuc_node_setup(const char *name, mode_t mode, uid_t owner, gid_t group)
{
	char proc[64], path[KUC_PATH_MAX];
	int fd, ret = 0;

	fd = kuc_node_open(name, path, sizeof(path));
	if (fd < 0)
		return fd;
	/*
	 * Owner and group first, the mode last: the mode is what widens
	 * access, so it comes once the node belongs to whom it should.
	 */
	if ((owner != (uid_t)-1 || group != (gid_t)-1) &&
	    fchownat(fd, "", owner, group, AT_EMPTY_PATH))
		ret = -errno;
	if (!ret && mode != KUC_MODE_KEEP) {
		/*
		 * fchmod() refuses an O_PATH descriptor; its /proc/self/fd
		 * link reaches the same inode. Without /proc, the path
		 * checked above is the next best thing (/dev is root's).
		 */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (chmod(proc, mode) && (errno != ENOENT || chmod(path, mode)))
			ret = -errno;
	}
	close(fd);
	return ret;
}
