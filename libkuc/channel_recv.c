// SPDX-License-Identifier: MIT
/*
 * The receiving side of a channel, the same for every transport
 * (channel_internal.h): kuc_peek()/kuc_release(), kuc_recv(), and the
 * look for a peer producer that waits for room after consuming. The
 * endpoint thread (endpoint_thread.c) receives through the same
 * kuc_rx_*() functions. All ring logic is kucomms_ring.h's; sleeping
 * for a message and waking the producer are the transport's.
 */
#include <errno.h>
#include <string.h>

#include "channel_internal.h"

/*
 * kuc_release() on a channel whose rx view caches the producer position
 * looks for a producer waiting for room once this part of the ring was
 * released since it last looked, and whenever its view ran empty.
 */
#define KUC_RX_CHECK_PART	8

/*
 * After consuming: if the peer found the rx ring full since we last
 * looked (its producer's full counter moved), it may be waiting for room;
 * wake it once half the ring is free (or it is empty, for a record
 * larger than half). The full barrier orders our release of the space
 * before the read of its counter, as the producer increments the counter
 * before it checks for room again: one of the two sees the other.
 */
bool kuc_rx_producer_waits(struct kuc_channel *ch)
{
	long long avail;
	uint64_t full;

	kuc_full_barrier();
	/*
	 * Acquired: a producer publishes what it committed before it
	 * announces (kucomms_ring.h, "Deferred publication"), and the room
	 * judged below must count those records.
	 */
	full = kuc_load_acquire(&ch->rx.prod->full);
	if (full == ch->rx_full_seen)
		return false;
	avail = kucomms_ring_avail(&ch->rx);
	if (avail < 0 || (uint64_t)avail > ch->rx.size / 2)
		return false;
	ch->rx_full_seen = full;
	return true;
}

void kuc_rx_freed(struct kuc_channel *ch)
{
	if (kuc_rx_producer_waits(ch))
		ch->ops->kick_producer(ch);
}

/*
 * kuc_rx_peek(), inlined into kuc_peek() and kuc_recv(): as a call it
 * cost the batch receiver about 0.8 ns of its ~8 ns per message
 * (single-threaded, 64-byte records).
 */
static inline __attribute__((always_inline)) int
kuc_rx_peek_one(struct kuc_channel *ch, struct kucomms_msg_hdr *hdr,
		const void **data)
{
	long long rec;
	int ret;

	/* A broken connection is over at once; a shut down one drains. */
	ret = ch->ops->state(ch);
	if (ret == -EPROTO)
		return ret;
	/*
	 * A shm server without a client waits for one like for a message.
	 * Its ring holds nothing for us: drained, broken, or being reset by
	 * the next client.
	 */
	if (ret == -ENOTCONN)
		return -EAGAIN;
	rec = kucomms_ring_peek(&ch->rx, hdr, data);
	if (rec > 0) {
		ch->rx_peeked = rec;
		ch->rx_peeked_len = hdr->length;
		return 0;
	}
	if (rec != -EAGAIN) {
		/* A shm server drops a client that broke the ring: waits on. */
		ret = ch->ops->rx_broken(ch);
		return ret == -ENOTCONN ? -EAGAIN : ret;
	}
	return ret ? ret : -EAGAIN;
}

int kuc_rx_peek(struct kuc_channel *ch, struct kucomms_msg_hdr *hdr,
		const void **data)
{
	return kuc_rx_peek_one(ch, hdr, data);
}

int kuc_peek(struct kuc_channel *ch, struct kucomms_msg_hdr *hdr,
	     const void **data)
{
	int ret;

	if (!hdr || !data)
		return -EINVAL;
	if (kuc_ep_running(ch))
		return -EBUSY;
	ret = kuc_rx_peek_one(ch, hdr, data);
	/*
	 * A shm server takes its next client only once the ring gave
	 * nothing (its state() says -ENOTCONN only then): not a call per
	 * message.
	 */
	if (ret == -EAGAIN && kuc_rx_accept(ch))
		ret = kuc_rx_peek_one(ch, hdr, data);
	return ret;
}

void kuc_release(struct kuc_channel *ch)
{
	uint64_t rec = ch->rx_peeked;

	if (!rec)
		return;
	kuc_rx_consume(ch, rec, ch->rx_peeked_len);
	ch->rx_peeked = 0;
	/*
	 * The look costs a full barrier and the producer's cache line, which
	 * it writes for every message. With a cached view (shm, pairs) it is
	 * made once 1/KUC_RX_CHECK_PART of the ring was released since the
	 * last one, and on the release that empties the view: a receiver
	 * only sleeps on an empty ring, which it cannot find without
	 * emptying its view first, so a waiting producer is still woken
	 * before the receiver sleeps, and while the receiver keeps reading
	 * within that part of the ring of when it would be woken before.
	 */
	if (ch->rx.cache_peer) {
		ch->rx_unchecked += rec;
		if (ch->rx.peer != ch->rx.pos &&
		    ch->rx_unchecked < ch->rx.size / KUC_RX_CHECK_PART)
			return;
		ch->rx_unchecked = 0;
	}
	kuc_rx_freed(ch);
}

int kuc_recv(struct kuc_channel *ch, struct kucomms_msg_hdr *hdr, void *buf,
	     size_t bufsz, int timeout_ms)
{
	struct kuc_deadline dl = kuc_deadline(timeout_ms);
	struct kucomms_msg_hdr h;
	const void *data = NULL;	/* set when the peek returns 0 */
	bool expired = false, hup = false, spun = false, slept = false;
	int ret;

	if (!hdr || (bufsz && !buf))
		return -EINVAL;
	if (kuc_ep_running(ch))
		return -EBUSY;
	for (;;) {
		ret = kuc_rx_peek_one(ch, &h, &data);
		if (!ret) {
			*hdr = h;
			if (h.length > bufsz) {
				ch->rx_peeked = 0;	/* stays queued */
				return -EMSGSIZE;
			}
			if (h.length)
				memcpy(buf, data, h.length);
			kuc_release(ch);
			if (slept)
				kuc_spin_woke(&ch->rx_spin);
			return 0;
		}
		if (ret != -EAGAIN)
			return ret;
		/* As in kuc_peek(): a next client only when nothing came. */
		if (kuc_rx_accept(ch))
			continue;
		if (dl.none)
			return -EAGAIN;
		if (expired)
			return -ETIMEDOUT;
		/* Empty, open, and the transport said it is not: no spin. */
		if (hup) {
			ret = ch->ops->state(ch);
			return ret && ret != -ENOTCONN ? ret : -ESHUTDOWN;
		}
		/* Once a call: a sleep that ended early does not spin again. */
		if (!spun) {
			spun = true;
			if (kuc_spin(ch, &ch->rx_spin, true, 0, &dl))
				continue;
		}
		ret = ch->ops->wait_msg(ch, &dl);
		slept = true;
		if (ret == -ETIMEDOUT)
			expired = true;	/* one last look */
		else if (ret < 0)
			return ret;
		else if (ret)
			hup = true;	/* one last look */
	}
}
