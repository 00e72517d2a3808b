/* SPDX-License-Identifier: MIT */
/*
 * Shared-memory segments (kucomms_shm.h): names, validation and the
 * attach locks, shared by the shm transport (channel_shm.h) and the
 * management calls of kuc.h (shm_segment.c). Private to libkuc.
 */
#ifndef KUC_SHM_SEGMENT_H
#define KUC_SHM_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kucomms/kucomms_shm.h>

#include "kuc.h"

#ifndef KUC_PRIVATE
#define KUC_PRIVATE __attribute__((visibility("hidden")))
#endif

/*
 * The shm_open() name "/kucomms_NAME" for @name (any form
 * kuc_name_normalize() accepts, or "/dev/shm/kucomms_NAME"); @full gets
 * "kucomms_NAME" when not NULL. 0 or -EINVAL/-ENAMETOOLONG.
 */
KUC_PRIVATE int kuc_shm_name(const char *name, char *shm_name, size_t size,
			     char *full, size_t full_size);

/*
 * The part of the channel spec @spec after "shm:" when it names a
 * segment, else NULL (spec.c: the one home of that rule).
 */
KUC_PRIVATE const char *kuc_spec_shm_rest(const char *spec);

/*
 * Check the header of the open segment @fd against its real size and this
 * library. Returns 0 and the ring size in *@ring_size, or -EPROTO with a
 * short reason in @why (e.g. "bad magic", "size 8192, header says
 * 143360"), or another negative errno from reading it.
 */
KUC_PRIVATE int kuc_shm_validate(int fd, uint64_t *ring_size, char *why,
				 size_t why_size);

/* Take the attach lock @byte (KUCOMMS_SHM_LOCK_*): 0, -EBUSY or -errno. */
KUC_PRIVATE int kuc_shm_lock(int fd, int byte);

/* True when some other open file description holds the lock @byte. */
KUC_PRIVATE bool kuc_shm_locked(int fd, int byte);

/* Fill a fresh header for rings of @ring_size bytes. */
KUC_PRIVATE void kuc_shm_hdr_init(struct kucomms_shm_hdr *h,
				  uint64_t ring_size);

/* 0 when @ring_size is a valid ring size (power of two, in range). */
KUC_PRIVATE int kuc_shm_ring_size_check(uint64_t ring_size);

/*
 * The reading side of a segment's monitor tap (tap_shm.c), behind
 * kuc_tap_open("shm:NAME"). @snaplen 0 means the most a record can hold.
 * Open: 0, or -EACCES (no read and write access), -ENOENT, -EPROTO (not
 * a segment of this layout), -EBUSY (another reader), -ENOMEM, -errno.
 * Read: kuc_tap_read()'s returns; the data is copied to @buf, which
 * holds KUCOMMS_TAP_REC_MAX(snaplen) bytes; -ESHUTDOWN once the segment
 * was removed and everything before was read.
 */
struct kuc_shm_tap;

KUC_PRIVATE int kuc_shm_tap_open(const char *name, uint32_t snaplen,
				 struct kuc_shm_tap **out);
KUC_PRIVATE int kuc_shm_tap_read(struct kuc_shm_tap *t, unsigned char *buf,
				 struct kuc_tap_record *rec, int timeout_ms);
KUC_PRIVATE void kuc_shm_tap_stats(const struct kuc_shm_tap *t,
				   struct kuc_tap_stats *st);
KUC_PRIVATE void kuc_shm_tap_close(struct kuc_shm_tap *t);

#endif /* KUC_SHM_SEGMENT_H */
