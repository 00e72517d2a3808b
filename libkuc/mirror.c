// SPDX-License-Identifier: MIT
/*
 * Mirror mappings. The address range is reserved first with one
 * anonymous PROT_NONE mapping and both copies are then placed into it with
 * MAP_FIXED: placing them at addresses of our own choosing could race
 * with another thread's mmap() and clobber its mapping, while MAP_FIXED
 * over a range we already own replaces only our own reservation.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mirror.h"

static size_t kuc_page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	/* sysconf() cannot fail for _SC_PAGESIZE on Linux; be safe anyway. */
	return ps > 0 ? (size_t)ps : 4096;
}

/*
 * 0 when @size can be mirrored, else -errno: a non-zero multiple of the
 * page size, small enough that the reservation below does not wrap around
 * (which also keeps it within off_t for ftruncate()).
 */
static int kuc_mirror_size_check(size_t size, size_t page)
{
	if (!size || size % page)
		return -EINVAL;
	if (size > (SIZE_MAX - 2 * page) / 2)
		return -ENOMEM;
	return 0;
}

/* The reservation: guard page, the two copies, guard page. */
static size_t kuc_mirror_span(size_t size, size_t page)
{
	return 2 * size + 2 * page;
}

void *kuc_mirror_map(size_t size, int fd, off_t offset, int prot)
{
	size_t page = kuc_page_size();
	unsigned char *res, *base;
	int err = kuc_mirror_size_check(size, page);

	if (err) {
		errno = -err;
		return NULL;
	}
	res = mmap(NULL, kuc_mirror_span(size, page), PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return NULL;
	base = res + page;
	if (mmap(base, size, prot, MAP_SHARED | MAP_FIXED, fd,
		 offset) == MAP_FAILED ||
	    mmap(base + size, size, prot, MAP_SHARED | MAP_FIXED, fd,
		 offset) == MAP_FAILED) {
		err = errno;
		munmap(res, kuc_mirror_span(size, page));
		errno = err;
		return NULL;
	}
	return base;
}

void *kuc_mirror_alloc(size_t size)
{
	void *base;
	int fd, err = kuc_mirror_size_check(size, kuc_page_size());

	if (err) {
		errno = -err;
		return NULL;
	}
	fd = memfd_create("kucomms-ring", MFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)size) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	base = kuc_mirror_map(size, fd, 0, PROT_READ | PROT_WRITE);
	err = errno;
	close(fd);
	errno = err;
	return base;
}

void kuc_mirror_unmap(void *base, size_t size)
{
	size_t page = kuc_page_size();
	int err = errno;

	if (!base)
		return;
	munmap((unsigned char *)base - page, kuc_mirror_span(size, page));
	errno = err;
}
