// SPDX-License-Identifier: MIT
/*
 * kuc_privcheck: the permission checks of a connection's mmap and of the
 * monitor's KUCOMMS_IOC_TAP_ATTACH, for tests/bats/hostile.bats. Each
 * mode prints OK or the errno name of what it checks.
 *
 *   kuc_privcheck mmap-rdonly DEVICE     a connection opened O_RDONLY:
 *       its read-only part mapped MAP_SHARED (must work: nothing there is
 *       writable), then MAP_PRIVATE (must fail: EINVAL). Prints both.
 *   kuc_privcheck tap-opener-unpriv DEVICE   the monitor opened by a
 *       process without CAP_SYS_ADMIN, attached by one with it (fd passed
 *       over a socket): the opener's credentials count (EPERM).
 *   kuc_privcheck tap-user-unpriv DEVICE     opened with CAP_SYS_ADMIN,
 *       which the process then drops before attaching (OK).
 */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kucomms/kucomms_abi.h>

static const char *result(int ret)
{
	const char *s;

	if (!ret)
		return "OK";
	s = strerrorname_np(errno);
	return s ? s : "E?";
}

static int drop_sys_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].permitted &= ~(1u << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].inheritable &= ~(1u << (CAP_SYS_ADMIN % 32));
	return (int)syscall(SYS_capset, &h, d);
}

static int attach(int fd, const char *dev)
{
	struct kucomms_tap_attach a;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", dev);
	return ioctl(fd, KUCOMMS_IOC_TAP_ATTACH, &a);
}

static int mmap_rdonly(const char *dev)
{
	char path[128];
	struct kucomms_info info;
	size_t len;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", dev);
	fd = open(path, O_RDONLY);
	if (fd < 0 || ioctl(fd, KUCOMMS_IOC_INFO, &info)) {
		perror("kuc_privcheck");
		return 2;
	}
	len = (size_t)KUCOMMS_RO_PAGES(info.ring_size) * KUCOMMS_PAGE_SIZE;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)KUCOMMS_MMAP_RO);
	printf("shared=%s", result(p == MAP_FAILED));
	if (p != MAP_FAILED)
		munmap(p, len);
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, (off_t)KUCOMMS_MMAP_RO);
	printf(" private=%s\n", result(p == MAP_FAILED));
	close(fd);
	return 0;
}

static int tap_opener_unpriv(const char *dev)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int sv[2], fd, status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return 2;
	pid = fork();
	if (pid < 0)
		return 2;
	if (!pid) {
		if (drop_sys_admin())
			_exit(2);
		fd = open(KUCOMMS_MONITOR_NODE, O_RDWR);
		if (fd < 0)
			_exit(2);
		memset(cbuf, 0, sizeof(cbuf));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
		_exit(sendmsg(sv[1], &msg, 0) == 1 ? 0 : 2);
	}
	if (recvmsg(sv[0], &msg, 0) != 1 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		return 2;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return 2;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	printf("%s\n", result(attach(fd, dev)));
	return 0;
}

static int tap_user_unpriv(const char *dev)
{
	int fd = open(KUCOMMS_MONITOR_NODE, O_RDWR);

	if (fd < 0 || drop_sys_admin())
		return 2;
	printf("%s\n", result(attach(fd, dev)));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "mmap-rdonly"))
		return mmap_rdonly(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "tap-opener-unpriv"))
		return tap_opener_unpriv(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "tap-user-unpriv"))
		return tap_user_unpriv(argv[2]);
	fprintf(stderr, "usage: kuc_privcheck mmap-rdonly|tap-opener-unpriv|tap-user-unpriv DEVICE\n");
	return 2;
}
