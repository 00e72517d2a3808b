// SPDX-License-Identifier: MIT
/*
 * kuc_errno: one system call, and what it returned, for the bats suites:
 *
 *   kuc_errno write FILE DATA   open FILE write-only, one write(2) of DATA
 *   kuc_errno open FILE         open FILE read-write
 *   kuc_errno lseek FILE        open FILE read-write, lseek(2) to offset 0
 *
 * Prints "OK" or the errno name of the call that failed (EINVAL, EEXIST,
 * ENXIO, ...) and exits 0; 2 on bad usage. A compiled program because
 * the tests make dozens of these calls and an interpreter start costs
 * seconds under the debug kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int report(int err)
{
	const char *name = err ? strerrorname_np(err) : "OK";

	if (name)
		puts(name);
	else
		printf("%d\n", err);
	return 0;
}

int main(int argc, char **argv)
{
	size_t len;
	ssize_t n;
	int fd, err;

	if (argc == 4 && !strcmp(argv[1], "write")) {
		fd = open(argv[2], O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return report(errno);
		len = strlen(argv[3]);
		n = write(fd, argv[3], len);
		err = n < 0 ? errno : (size_t)n == len ? 0 : EIO;
		close(fd);
		return report(err);
	}
	if (argc == 3 && !strcmp(argv[1], "open")) {
		fd = open(argv[2], O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return report(errno);
		close(fd);
		return report(0);
	}
	if (argc == 3 && !strcmp(argv[1], "lseek")) {
		fd = open(argv[2], O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return report(errno);
		err = lseek(fd, 0, SEEK_SET) < 0 ? errno : 0;
		close(fd);
		return report(err);
	}
	fprintf(stderr, "usage: kuc_errno write FILE DATA | open FILE | lseek FILE\n");
	return 2;
}
