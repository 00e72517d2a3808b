/* SPDX-License-Identifier: MIT */
/*
 * Mirror mappings: a ring's data area mapped twice, back to back, so that
 * a record running past the end of the area continues, contiguous, into
 * the second copy (see "Rings" in kucomms_abi.h). Private to libkuc.
 */
#ifndef KUC_MIRROR_H
#define KUC_MIRROR_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Private to the library: kept out of libkuc.so's dynamic symbol table
 * while still linking into the unit tests, which use the objects.
 */
#ifndef KUC_PRIVATE
#define KUC_PRIVATE __attribute__((visibility("hidden")))
#endif

/*
 * Map the @size bytes of @fd at @offset twice, back to back, with @prot
 * (PROT_READ, or PROT_READ | PROT_WRITE). @size must be a non-zero
 * multiple of the page size and @offset page-aligned. Returns the base of
 * the 2 * @size bytes, or NULL with errno set (EINVAL for a bad size, or
 * whatever mmap() reported).
 *
 * One PROT_NONE guard page is kept on each side of the mirror, so that an
 * access that escapes the bounds faults rather than reading or writing
 * the neighbouring mapping. kuc_mirror_unmap() removes them with it.
 */
KUC_PRIVATE void *kuc_mirror_map(size_t size, int fd, off_t offset, int prot);

/*
 * A mirror over a fresh anonymous memfd of @size bytes, read-write, for
 * rings that live inside one process and for tests. The memfd is closed
 * again: the mappings keep the memory alive until kuc_mirror_unmap().
 */
KUC_PRIVATE void *kuc_mirror_alloc(size_t size);

/*
 * Unmap a mirror returned by kuc_mirror_map() or kuc_mirror_alloc(), with
 * the same @size. NULL is ignored. errno is left unchanged.
 */
KUC_PRIVATE void kuc_mirror_unmap(void *base, size_t size);

#endif /* KUC_MIRROR_H */
