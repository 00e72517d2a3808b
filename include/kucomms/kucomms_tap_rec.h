/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The monitor tap's record (struct kucomms_tap_rec in kucomms_abi.h):
 * the one implementation of building it in a tap ring, for both of its
 * producers, the module's tap (module/kucomms_tap.c, under a spinlock with
 * IRQs off) and the shm transport's sending side (libkuc/channel_shm_tap.c).
 * A reader cannot tell which of the two wrote a record.
 *
 * What differs between the two is passed in, not compiled in: the time
 * stamp (the kernel reads its clock once per message for all of its
 * readers, libkuc only once a record has room), the direction, the
 * connection id and the snap length. Both copy the data with memcpy(),
 * the kernel from its private copy of the message, libkuc from the
 * message it is sending, so that is not a parameter.
 *
 * Nothing here sleeps or takes a lock (the caller holds its own). The one
 * shared word read is the tap reader's position, by kucomms_ring_reserve()
 * (once, bounded); the record itself is only written.
 */
#ifndef KUCOMMS_TAP_REC_H
#define KUCOMMS_TAP_REC_H

#include <kucomms/kucomms_ring.h>

/*
 * Reserve room in the tap ring @r for the record of a message of @length
 * data bytes, which keeps the first *@caplen of them: @snaplen at most.
 * NULL with *@err set as by kucomms_ring_reserve() when there is no room
 * (the caller counts a drop); kucomms_ring_commit() publishes the record
 * once kucomms_tap_rec_fill() wrote it.
 */
static inline struct kucomms_msg_hdr *
kucomms_tap_rec_reserve(struct kucomms_ring *r, __u64 length, __u32 snaplen,
			__u32 *caplen, int *err)
{
	*caplen = length < snaplen ? (__u32)length : snaplen;
	return kucomms_ring_reserve(r, KUCOMMS_TAP_REC_SIZE + *caplen, err);
}

/*
 * Write the record into @slot from kucomms_tap_rec_reserve(): the ring
 * header, struct kucomms_tap_rec with the message's header @hdr (its
 * length the original one), the first @caplen bytes of @data, and zeroes
 * up to the 8-byte boundary: the ring is reused, and an older record's
 * bytes must not show through the padding (readers get whole records).
 */
static inline void kucomms_tap_rec_fill(struct kucomms_msg_hdr *slot,
					__u32 caplen, __u64 ts_ns, __u32 dir,
					__u64 conn_id,
					const struct kucomms_msg_hdr *hdr,
					const void *data)
{
	struct kucomms_tap_rec *rec = (struct kucomms_tap_rec *)(slot + 1);
	unsigned char *tail = (unsigned char *)(rec + 1);

	memset(slot, 0, sizeof(*slot));
	slot->length = KUCOMMS_TAP_REC_SIZE + caplen;
	rec->ts_ns = ts_ns;
	rec->conn_id = conn_id;
	rec->dir = dir;
	rec->caplen = caplen;
	rec->reserved = 0;
	rec->hdr = *hdr;
	/* @data may be NULL with nothing to copy. */
	if (caplen)
		memcpy(tail, data, caplen);
	memset(tail + caplen, 0,
	       KUCOMMS_TAP_REC_BYTES(caplen) - KUCOMMS_TAP_REC_SIZE - caplen);
}

#endif /* KUCOMMS_TAP_REC_H */
