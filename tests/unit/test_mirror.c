// SPDX-License-Identifier: MIT
/*
 * The mirror mapping of libkuc/mirror.c that the rings' data areas live
 * in: each half shows the other's writes, guard pages on both sides, the
 * bad sizes and offsets refused, a range of a file mapped twice.
 */
#include "ring_harness.h"

static void test_mirror(void)
{
	static const size_t sizes[] = { PAGE, 3 * PAGE, 16 * PAGE };
	unsigned char *m, *guard;
	unsigned char vec[64], buf[PAGE];
	size_t i, k, bad;
	int fd;

	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		size_t size = sizes[k];

		m = kuc_mirror_alloc(size);
		if (!m)
			bail("kuc_mirror_alloc");
		bad = 0;
		for (i = 0; i < size; i++)
			m[i] = (unsigned char)(i * 7 + 1);
		for (i = 0; i < size; i++)
			bad += m[size + i] != (unsigned char)(i * 7 + 1);
		for (i = 0; i < size; i++)
			m[size + i] = (unsigned char)(i * 13 + 5);
		for (i = 0; i < size; i++)
			bad += m[i] != (unsigned char)(i * 13 + 5);
		TAP_OK(!bad, "mirror of %zu bytes: each half shows the other's writes",
		       size);
		/* The guards are mapped (PROT_NONE), so mincore() accepts them. */
		guard = m - PAGE;
		TAP_OK(!mincore(guard, PAGE, vec) &&
		       !mincore(m + 2 * size, PAGE, vec),
		       "mirror of %zu bytes: guard pages on both sides", size);
		kuc_mirror_unmap(m, size);
		errno = 0;
		TAP_OK(mincore(guard, 2 * size + 2 * PAGE, vec) < 0 &&
		       errno == ENOMEM,
		       "mirror of %zu bytes: unmap removes it and its guards",
		       size);
	}

	errno = 0;
	TAP_OK(!kuc_mirror_alloc(0) && errno == EINVAL, "alloc(0): EINVAL");
	errno = 0;
	TAP_OK(!kuc_mirror_alloc(100) && errno == EINVAL,
	       "alloc(100): EINVAL");
	errno = 0;
	TAP_OK(!kuc_mirror_alloc(PAGE + 8) && errno == EINVAL,
	       "alloc(page + 8): EINVAL");
	errno = 0;
	TAP_OK(!kuc_mirror_alloc(SIZE_MAX & ~(PAGE - 1)) && errno == ENOMEM,
	       "alloc(huge): ENOMEM, no overflow of 2 * size");
	errno = 0;
	TAP_OK(!kuc_mirror_map(PAGE, -1, 0, PROT_READ) && errno == EBADF,
	       "map(fd -1): EBADF");

	/* A range of a file: pages 1 and 2 of a 3-page file. */
	fd = memfd_create("test_ring", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 3 * PAGE) < 0)
		bail("memfd");
	for (k = 0; k < 3; k++) {
		memset(buf, (int)(k + 1), PAGE);
		if (pwrite(fd, buf, PAGE, (off_t)(k * PAGE)) != (ssize_t)PAGE)
			bail("pwrite");
	}
	m = kuc_mirror_map(2 * PAGE, fd, PAGE, PROT_READ);
	TAP_OK(m && m[0] == 2 && m[PAGE] == 3 && m[2 * PAGE] == 2 &&
	       m[3 * PAGE] == 3 && m[4 * PAGE - 1] == 3,
	       "map(fd, offset one page, 2 pages, read-only): pages 1 2 1 2");
	kuc_mirror_unmap(m, 2 * PAGE);
	errno = 0;
	TAP_OK(!kuc_mirror_map(PAGE, fd, 100, PROT_READ) && errno == EINVAL,
	       "map at an unaligned offset: EINVAL");
	close(fd);

	errno = 1234;
	kuc_mirror_unmap(NULL, PAGE);
	TAP_OK(errno == 1234, "unmap(NULL) does nothing, errno kept");
}

int main(void)
{
	test_mirror();
	return tap_done();
}
