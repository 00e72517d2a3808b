/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The kucomms ring: the one implementation of the single-producer,
 * single-consumer message ring, compiled into the kernel module, libkuc
 * and the tools alike (static inline, no per-world copy).
 *
 * Trust. Each side keeps its own position privately (struct kucomms_ring
 * below) and only publishes it; it never reads its own position back from
 * shared memory. The other side's position and everything in the data
 * area are read as hostile: each is read once, bounded, and a violation
 * returns -EPROTO (the connection is then broken, nothing else). This is
 * what the kernel needs towards userspace and what two mutually
 * untrusting processes need towards each other.
 *
 * Cached peer positions (opt-in: @cache_peer, set by libkuc). A side
 * may keep the last value of the other's position it loaded and checked
 * (struct kucomms_ring's @peer): the producer then reserves against it
 * and loads the consumer's position again only when the cached one says
 * there is no room; the consumer reads records up to it and loads the
 * producer's position again only when the cached one says empty. The
 * peer writes its position for every message: loading it per message
 * moves that cache line across cores per message. A cached value was
 * bounded when it was loaded and stays true for the bytes it covers (a
 * producer publishes whole records, a consumer only gives space back),
 * so nothing it allows went unchecked; every load is checked as without
 * the cache. What changes is when a hostile peer's impossible position
 * is noticed: at the next load, not at the next message. The kernel
 * does not opt in: it notices at once, as its tests expect.
 *
 * Ordering. The producer writes the record, then store-releases its
 * position; the consumer load-acquires the producer position, then reads
 * the record. The consumer store-releases its position after it is done
 * with the record; the producer load-acquires it before reusing space.
 *
 * Deferred publication (opt-in, libkuc's kuc_send_more()). A producer
 * may commit records without publishing them (kucomms_ring_commit_quiet:
 * its private position moves, the shared one does not) and publish all
 * of them later with one store-release (kucomms_ring_publish), so that
 * a burst moves the shared position's cache line once, not per message.
 * The rule above still holds: every record is written before the
 * store-release that publishes it. Unpublished records take room the
 * consumer cannot give back: a producer must publish before it reports
 * or waits for a full ring, or it could wait for itself, and before it
 * announces that it waits (the full counter: kucomms_ring_reserve()
 * publishes first), or a consumer could judge the room it frees without
 * them. The kernel commits with kucomms_ring_commit(), which publishes
 * at once.
 *
 * Announcing at sleep (opt-in: @announce_at_sleep, set by libkuc for the
 * shm and pair rings, whose producers spin before they sleep). By
 * default kucomms_ring_reserve() moves the full counter whenever it
 * finds no room, and the consumer then makes a wakeup call once it freed
 * half the ring. A producer that would only spin until room appears
 * never needs that call, and one that outruns its consumer would cost it
 * a call per half ring. With the option reserve() does not move the
 * counter; the producer moves it itself right before it sleeps (full
 * barrier, then a last look for room). The consumer's rule is the same
 * either way. The kernel does not opt in: it gives space back early to a
 * producer that found the ring full (kucm_u2k_give_back_now()), spinning
 * or not, and its own sends announce at once.
 *
 * Wakeups (no syscall per message, no lost wakeup). A consumer that finds
 * the ring empty and wants to sleep:
 *   C1  flags |= NEED_WAKEUP            (kucomms_ring_prepare_sleep)
 *   C2  full barrier
 *   C3  re-read the producer position; not empty -> clear flag, run
 *   C4  sleep until woken; clear the flag when running again
 * The producer, after it published:
 *   P1  store-release prod->pos         (kucomms_ring_produce/commit/
 *                                        publish)
 *   P2  full barrier                    (kucomms_ring_need_wakeup)
 *   P3  read flags; NEED_WAKEUP set -> make the wakeup call
 * Either P1 precedes C3 (the consumer sees the message and does not
 * sleep) or C1 precedes P3 (the producer sees the flag and wakes it):
 * with both full barriers (C2, P2) the two cannot both miss. The sleep in
 * C4 must itself be race-free against the wakeup call (a wait queue with
 * prepare_to_wait in the kernel; in userspace a futex on the low 32 bits
 * of the producer position, expecting the value C3 saw: P1 changes it, so
 * the wait cannot sleep through a publish. Not a futex on the flag word:
 * the producer never changes it, so a wakeup call made between C3 and the
 * wait would be lost). A consumer whose sleep ended by a time-out, not a
 * wakeup, may leave the flag up and sleep again after C3 alone: while
 * the flag stays up, every P3 after its C2 still sees it. It must take
 * the flag down as soon as it finds a message, or every publication from
 * then on makes a wakeup call (libkuc's endpoint thread between its
 * periodic handlers).
 *
 * A light P2 (opt-in: @light_p2, set by libkuc for an in-process pair
 * whose process could register for membarrier(2), and for a shm segment
 * whose two processes both could). P2's full barrier costs the producer
 * more than the rest of a small send: it waits for the record's stores
 * to reach the cache, line misses and all (a pair's 64-byte stream ran
 * 2.6x faster without it). With the option P2 is a compiler barrier
 * only, and the consumer, after C3 found the ring empty, runs
 * membarrier(2) (MEMBARRIER_CMD_PRIVATE_EXPEDITED in a pair,
 * MEMBARRIER_CMD_GLOBAL_EXPEDITED between processes registered for it),
 * which makes every running thread of the producer's process execute a
 * full barrier, and then re-reads the producer position once more:
 * either the producer's P1 came before that barrier and the re-read
 * sees it, or its P3 comes after it and sees the flag. The cost moves
 * to the consumer's sleeps, which are rare while messages stream.
 */
#ifndef KUCOMMS_RING_H
#define KUCOMMS_RING_H

#include <kucomms/kucomms_abi.h>

#ifdef __KERNEL__
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/barrier.h>
/* Barriers: the ordering rules are in the comment at the top. */
#define kuc_load_acquire(p)		smp_load_acquire(p)
/* Pairs with kuc_load_acquire() of the same position. */
#define kuc_store_release(p, v)		smp_store_release(p, v)
#define kuc_read_once(x)		READ_ONCE(x)
#define kuc_write_once(x, v)		WRITE_ONCE(x, v)
/* C2 and P2 of the wakeup handshake. */
#define kuc_full_barrier()		smp_mb()
/* P2 with "A light P2" (userspace only; the kernel never opts in). */
#define kuc_compiler_barrier()		barrier()
#else
#include <errno.h>
#include <string.h>
#define kuc_load_acquire(p)		__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define kuc_store_release(p, v)		__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define kuc_read_once(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define kuc_write_once(x, v)		__atomic_store_n(&(x), v, __ATOMIC_RELAXED)
#define kuc_full_barrier()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define kuc_compiler_barrier()		__atomic_signal_fence(__ATOMIC_SEQ_CST)
#endif

/*
 * One side's private view of a ring. @data is 2 * @size bytes with the
 * second half mirroring the first, so a record is always contiguous.
 * @pos is this side's own position (producer: bytes published; consumer:
 * bytes consumed), the only copy that is trusted.
 */
struct kucomms_ring {
	struct kucomms_ring_prod *prod;
	struct kucomms_ring_cons *cons;
	unsigned char *data;
	__u64 size;
	__u64 msg_max;
	__u64 pos;
	__u64 pending;	/* producer: bytes reserved but not committed */
	/*
	 * Producer: bytes committed but not yet published (the shared
	 * position is @pos - @unpublished); see "Deferred publication".
	 */
	__u64 unpublished;
	/*
	 * The peer's position as last loaded and checked (see "Cached peer
	 * positions" above); private, like @pos. Neither read nor written
	 * without @cache_peer, which is set only right after
	 * kucomms_ring_init().
	 */
	__u64 peer;
	bool cache_peer;	/* use @peer; kucomms_ring_init() says no */
	/* Producer: "Announcing at sleep"; kucomms_ring_init() says no. */
	bool announce_at_sleep;
	/* Producer: "A light P2"; kucomms_ring_init() says no. */
	bool light_p2;
};

/* Set up a view; @size must be a power of two >= 4 KiB. */
static inline void kucomms_ring_init(struct kucomms_ring *r,
				     struct kucomms_ring_prod *prod,
				     struct kucomms_ring_cons *cons,
				     void *data, __u64 size, __u64 pos)
{
	r->prod = prod;
	r->cons = cons;
	r->data = (unsigned char *)data;
	r->size = size;
	r->msg_max = KUCOMMS_MSG_MAX(size);
	r->pos = pos;
	r->pending = 0;
	r->unpublished = 0;
	/*
	 * A ring's worth behind: "full" to a producer, impossible (so not
	 * used) to a consumer: either side's first look loads the peer's.
	 */
	r->peer = pos - size;
	r->cache_peer = false;
	r->announce_at_sleep = false;
	r->light_p2 = false;
}

static inline unsigned char *kucomms_ring_at(const struct kucomms_ring *r,
					     __u64 pos)
{
	return r->data + (pos & (r->size - 1));
}

/* ---- producer ------------------------------------------------------- */

/*
 * Bytes the producer may write now, or -EPROTO when the consumer's
 * position is impossible (ahead of ours, too far behind, misaligned).
 */
static inline long long kucomms_ring_space(const struct kucomms_ring *r)
{
	__u64 cons = kuc_load_acquire(&r->cons->pos);
	__u64 used = r->pos - cons;

	if (used > r->size || (cons & (KUCOMMS_RECORD_ALIGN - 1)))
		return -EPROTO;
	return (long long)(r->size - used);
}

/*
 * Commit the reserved record without publishing it: the consumer does
 * not see it (nor any record after it) until kucomms_ring_publish(). The
 * header's length must be the one reserved; the caller filled in the
 * rest.
 */
static inline void kucomms_ring_commit_quiet(struct kucomms_ring *r)
{
	r->pos += r->pending;
	r->unpublished += r->pending;
	r->pending = 0;
}

/* Publish every record committed so far (P1 of the handshake). */
static inline void kucomms_ring_publish(struct kucomms_ring *r)
{
	r->unpublished = 0;
	kuc_store_release(&r->prod->pos, r->pos);
}

/*
 * Reserve room for a message of @length data bytes and return where its
 * header goes (the data follows it), or NULL with *@err set: -EMSGSIZE
 * (longer than msg_max), -EAGAIN (not enough room now), -EPROTO. Nothing
 * is visible to the consumer until kucomms_ring_commit().
 */
static inline struct kucomms_msg_hdr *
kucomms_ring_reserve(struct kucomms_ring *r, __u64 length, int *err)
{
	long long space;
	__u64 rec;

	if (length > r->msg_max) {
		*err = -EMSGSIZE;
		return NULL;
	}
	rec = kucomms_record_size(length);
	/*
	 * With the cache, the cached consumer position first (the check
	 * as below); the kernel does not opt in and skips all of it.
	 */
	if (r->cache_peer) {
		__u64 used = r->pos - r->peer;

		if (used <= r->size && rec <= r->size - used) {
			r->pending = rec;
			*err = 0;
			return (struct kucomms_msg_hdr *)kucomms_ring_at(r,
									 r->pos);
		}
	}
	space = kucomms_ring_space(r);
	if (space < 0) {
		*err = (int)space;
		return NULL;
	}
	if (r->cache_peer)
		r->peer = r->pos - (r->size - space);
	if (rec > (__u64)space) {
		/*
		 * Unpublished records first (never for the kernel, which
		 * publishes at each commit): a consumer that sees the
		 * announcement below judges the room it would free by the
		 * published position, and one that judged it without them
		 * could wake us once, too early, and never again.
		 */
		if (r->unpublished) {
			kucomms_ring_publish(r);
			/*
			 * Seen before the announcement (the consumer
			 * acquires the counter, then loads the position).
			 */
			kuc_full_barrier();
		}
		/*
		 * Read by the consumer as the producer's "waiting for room"
		 * announcement (see kuc_rx_producer_waits() in libkuc):
		 * written once, as the peer reads it concurrently. Or made
		 * before sleeping only ("Announcing at sleep").
		 */
		if (!r->announce_at_sleep)
			kuc_write_once(r->prod->full, r->prod->full + 1);
		*err = -EAGAIN;
		return NULL;
	}
	r->pending = rec;
	*err = 0;
	return (struct kucomms_msg_hdr *)kucomms_ring_at(r, r->pos);
}

/*
 * Publish the reserved record (and any committed before it). The
 * header's length must be the one reserved; the caller filled in the
 * rest.
 */
static inline void kucomms_ring_commit(struct kucomms_ring *r)
{
	kucomms_ring_commit_quiet(r);
	kucomms_ring_publish(r);
}

/* Copy a message into a slot from kucomms_ring_reserve(). */
static inline void kucomms_ring_fill(struct kucomms_msg_hdr *slot,
				     const struct kucomms_msg_hdr *hdr,
				     const void *data)
{
	memcpy(slot, hdr, sizeof(*hdr));
	if (hdr->length)
		memcpy(slot + 1, data, hdr->length);
}

/* Copy one message in: 0, -EMSGSIZE, -EAGAIN or -EPROTO. */
static inline int kucomms_ring_produce(struct kucomms_ring *r,
				       const struct kucomms_msg_hdr *hdr,
				       const void *data)
{
	struct kucomms_msg_hdr *slot;
	int err;

	slot = kucomms_ring_reserve(r, hdr->length, &err);
	if (!slot)
		return err;
	kucomms_ring_fill(slot, hdr, data);
	kucomms_ring_commit(r);
	return 0;
}

/*
 * P2 and P3 of the handshake: after publishing, does the consumer need a
 * wakeup call? Counts the wakeups asked for.
 */
static inline bool kucomms_ring_need_wakeup(struct kucomms_ring *r)
{
	if (r->light_p2)
		kuc_compiler_barrier();
	else
		kuc_full_barrier();
	if (!(kuc_read_once(r->cons->flags) & KUCOMMS_RING_NEED_WAKEUP))
		return false;
	kuc_write_once(r->prod->wakeups, r->prod->wakeups + 1);
	return true;
}

/* ---- consumer ------------------------------------------------------- */

/*
 * Bytes published and not yet consumed, or -EPROTO when the producer's
 * position is impossible (behind ours, more than a ring ahead,
 * misaligned).
 */
static inline long long kucomms_ring_avail(const struct kucomms_ring *r)
{
	__u64 prod = kuc_load_acquire(&r->prod->pos);
	__u64 avail = prod - r->pos;

	if (avail > r->size || (prod & (KUCOMMS_RECORD_ALIGN - 1)))
		return -EPROTO;
	return (long long)avail;
}

/*
 * Look at the next message without consuming it. On success the header is
 * copied to *@hdr (a snapshot: read once, its length checked against
 * msg_max and against the bytes published), *@data points at the data in
 * the ring, and the record's size is returned for kucomms_ring_release().
 * Returns -EAGAIN when empty, -EPROTO when the ring is corrupt.
 *
 * The data stays in shared memory, where a hostile producer may still
 * change it: a consumer that does not trust the producer copies it out
 * before looking at it (the kernel always does).
 */
static inline long long kucomms_ring_peek(struct kucomms_ring *r,
					  struct kucomms_msg_hdr *hdr,
					  const void **data)
{
	const struct kucomms_msg_hdr *slot;
	long long avail;
	__u64 rec;

	/*
	 * With the cache, the cached producer position while it holds a
	 * header (it was checked when loaded, the bytes up to it
	 * acquired); else, and always without the cache (the kernel),
	 * load.
	 */
	if (r->cache_peer && r->peer - r->pos <= r->size &&
	    r->peer - r->pos >= KUCOMMS_HDR_SIZE) {
		avail = (long long)(r->peer - r->pos);
	} else {
		avail = kucomms_ring_avail(r);
		if (r->cache_peer && avail >= 0)
			r->peer = r->pos + avail;
	}
	if (avail <= 0)
		return avail ? avail : -EAGAIN;
	if (avail < KUCOMMS_HDR_SIZE)
		return -EPROTO;
	slot = (const struct kucomms_msg_hdr *)kucomms_ring_at(r, r->pos);
	hdr->length = kuc_read_once(slot->length);
	hdr->type = kuc_read_once(slot->type);
	hdr->id = kuc_read_once(slot->id);
	hdr->value = kuc_read_once(slot->value);
	if (hdr->length > r->msg_max)
		return -EPROTO;
	rec = kucomms_record_size(hdr->length);
	if (rec > (__u64)avail)
		return -EPROTO;
	*data = slot + 1;
	return (long long)rec;
}

/* Give the @rec bytes of the message last peeked back to the producer. */
static inline void kucomms_ring_release(struct kucomms_ring *r, __u64 rec)
{
	r->pos += rec;
	kuc_store_release(&r->cons->pos, r->pos);
}

/* C4's end: the consumer runs again. */
static inline void kucomms_ring_awake(struct kucomms_ring *r)
{
	kuc_write_once(r->cons->flags,
		       r->cons->flags & ~KUCOMMS_RING_NEED_WAKEUP);
}

/*
 * C1-C3 of the handshake: announce that the consumer is about to sleep
 * and look again. Returns > 0 when a message arrived meanwhile (the flag
 * is cleared again and the caller must not sleep), 0 when the caller may
 * sleep, -EPROTO when the ring is corrupt.
 */
static inline long long kucomms_ring_prepare_sleep(struct kucomms_ring *r)
{
	long long avail;

	kuc_write_once(r->cons->flags,
		       r->cons->flags | KUCOMMS_RING_NEED_WAKEUP);
	kuc_full_barrier();
	avail = kucomms_ring_avail(r);
	if (avail)
		kucomms_ring_awake(r);
	return avail;
}

#endif /* KUCOMMS_RING_H */
