// SPDX-License-Identifier: MIT
/*
 * The sending side of a channel, the same for every transport
 * (channel_internal.h): copying and zero-copy sends, the tap's record
 * before each publication (through the transport's tap_put), and the
 * decision when the peer must be woken (kuc_flush()). All ring logic is
 * kucomms_ring.h's; waking the peer and sleeping for room are the
 * transport's.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "channel_internal.h"

/*
 * Publications left without a kick while the kernel has not yet consumed
 * what came with our last one; after that many we kick again in case it
 * never will (it could not allocate, say).
 */
#define KUC_KICK_SUPPRESS_MAX	256

/*
 * kuc_send_more() publishes (kucomms_ring.h, "Deferred publication") once
 * this part of the ring is committed and unpublished, so that a consumer
 * that looks meanwhile works behind a long burst instead of after it.
 * It must stay below half the ring: then a sender that waits with
 * kuc_wait(POLLOUT) (half the ring free) after kuc_send_more() calls that
 * all succeeded never waits for its own unpublished bytes.
 */
#define KUC_TX_PUBLISH_PART	8

int kuc_flush(struct kuc_channel *ch)
{
	uint64_t cons;

	if (!ch->tx_unflushed)
		return ch->ops->state(ch);
	ch->tx_unflushed = false;
	kuc_tx_publish(ch);
	if (!kucomms_ring_need_wakeup(&ch->tx))
		return 0;
	/*
	 * The flag stays set from the moment the kernel announced its sleep
	 * until its thread runs again, so every publication in between sees
	 * it: without care each would kick. Our last kick obliges the kernel
	 * to consume everything published up to it (tx_kick_prod). While its
	 * consumer position is still short of that, the pass doing so has
	 * not ended, and it sees this message too: it would have to miss it
	 * both in that pass and in its re-check after announcing the next
	 * sleep (C3), while we missed its release (full barriers on both
	 * sides: one of the two loads sees the other store). Once it caught
	 * up, the flag means a new sleep and we kick again.
	 */
	cons = kuc_load_acquire(&ch->tx.cons->pos);
	if (ch->tx_kicked && (int64_t)(ch->tx_kick_prod - cons) > 0 &&
	    ++ch->tx_suppressed < KUC_KICK_SUPPRESS_MAX)
		return 0;
	ch->tx_kicked = true;
	ch->tx_kick_prod = ch->tx.pos;
	ch->tx_suppressed = 0;
	return ch->ops->kick_consumer(ch);
}

/*
 * A full ring (-EAGAIN): what was committed is published and its kick
 * made before the caller hears of it, so that whatever waits for room
 * next waits only for the consumer, which has been told about all of it.
 */
static void kuc_tx_full_flush(struct kuc_channel *ch)
{
	kuc_tx_full(ch);
	if (ch->tx_unflushed)
		kuc_flush(ch);
}

/*
 * kucomms_ring_produce(), with the tap's record made between the copy
 * and the commit: a record is in the tap before the peer can see its
 * message, so a reply is never captured before its request. The record
 * is committed, not published: kuc_flush() publishes (or, for a long
 * burst, kuc_send_more() once a part of the ring waits). Inlined into
 * its two callers: as a call it cost kuc_send_more() about 2 ns a
 * message (10 ns instead of 7.7, single-threaded, 64-byte records).
 */
static inline __attribute__((always_inline)) int
kuc_publish(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
	    const void *data)
{
	struct kucomms_msg_hdr *slot;
	int ret;

	if (!hdr || (hdr->length && !data))
		return -EINVAL;
	ret = ch->ops->state(ch);
	if (ret)
		return ret;
	ch->tx_slot = NULL;	/* a reservation not committed is dropped */
	slot = kucomms_ring_reserve(&ch->tx, hdr->length, &ret);
	if (!slot) {
		if (ret == -EAGAIN)
			kuc_tx_full_flush(ch);
		return ret;
	}
	kucomms_ring_fill(slot, hdr, data);
	if (kuc_tap_on(ch))
		ch->ops->tap_put(ch, hdr, data);
	kucomms_ring_commit_quiet(&ch->tx);
	kuc_tx_counted(ch, hdr->length);
	ch->tx_unflushed = true;
	return 0;
}

/*
 * The end of a deferred send (kuc_send_more(), kuc_commit_more()): a
 * burst that reached a part of the ring is published up to here.
 */
static inline int kuc_tx_more(struct kuc_channel *ch, int ret)
{
	if (!ret && ch->tx.unpublished >= ch->tx.size / KUC_TX_PUBLISH_PART)
		kuc_tx_publish(ch);
	return ret;
}

int kuc_send_more(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		  const void *data)
{
	return kuc_tx_more(ch, kuc_publish(ch, hdr, data));
}

int kuc_send(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
	     const void *data)
{
	int ret = kuc_publish(ch, hdr, data);

	if (ret) {
		/* Earlier kuc_send_more() messages still get theirs. */
		if (ch->tx_unflushed)
			kuc_flush(ch);
		return ret;
	}
	return kuc_flush(ch);
}

static int kuc_send_until(struct kuc_channel *ch,
			  const struct kucomms_msg_hdr *hdr, const void *data,
			  const struct kuc_deadline *dl)
{
	bool slept = false;
	int ret;

	for (;;) {
		ret = kuc_send(ch, hdr, data);
		if (ret != -EAGAIN || dl->none) {
			if (!ret && slept)
				kuc_spin_woke(&ch->tx_spin);
			return ret;
		}
		if (kuc_spin(ch, &ch->tx_spin, false,
			     kucomms_record_size(hdr->length), dl))
			continue;
		ret = ch->ops->wait_room(ch, kucomms_record_size(hdr->length),
					 dl);
		if (ret)
			return ret;
		slept = true;
	}
}

int kuc_send_wait(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		  const void *data, int timeout_ms)
{
	struct kuc_deadline dl = kuc_deadline(timeout_ms);

	return kuc_send_until(ch, hdr, data, &dl);
}

int kuc_send_locked(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		    const void *data, int timeout_ms)
{
	struct kuc_deadline dl = kuc_deadline(timeout_ms);
	struct timespec ts;
	int ret;

	if (timeout_ms > 0) {
		/*
		 * timedlock wants a CLOCK_REALTIME deadline: the same time-out
		 * from now (only the mutex wait would notice a clock step).
		 * Not pthread_mutex_clocklock(): ThreadSanitizer does not know
		 * it and then reports every unlock as a bug.
		 */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts = kuc_ns_to_ts(ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec +
				  timeout_ms * NSEC_PER_MSEC);
		ret = pthread_mutex_timedlock(&ch->send_lock, &ts);
		if (ret)
			return -ret;
	} else {
		pthread_mutex_lock(&ch->send_lock);
	}
	ret = kuc_send_until(ch, hdr, data, &dl);
	pthread_mutex_unlock(&ch->send_lock);
	return ret;
}

void *kuc_reserve(struct kuc_channel *ch, size_t length,
		  struct kucomms_msg_hdr **hdr_out, int *err)
{
	struct kucomms_msg_hdr *slot;
	int ret;

	ch->tx_slot = NULL;
	ch->tx.pending = 0;	/* a new reservation replaces the old one */
	if (!hdr_out) {
		ret = -EINVAL;
		goto fail;
	}
	ret = ch->ops->state(ch);
	if (ret)
		goto fail;
	slot = kucomms_ring_reserve(&ch->tx, length, &ret);
	if (!slot) {
		if (ret == -EAGAIN)
			kuc_tx_full_flush(ch);
		goto fail;
	}
	slot->length = length;
	ch->tx_slot = slot;
	ch->tx_slot_len = length;
	*hdr_out = slot;
	if (err)
		*err = 0;
	return slot + 1;
fail:
	if (err)
		*err = ret;
	return NULL;
}

/*
 * kuc_reserve()'s message committed, not published: kuc_publish() for a
 * message the caller wrote in place.
 */
static inline __attribute__((always_inline)) int
kuc_commit_slot(struct kuc_channel *ch)
{
	struct kucomms_msg_hdr hdr;
	int ret;

	if (!ch->tx_slot)
		return -EINVAL;
	ret = ch->ops->state(ch);
	if (ret) {
		ch->tx_slot = NULL;
		ch->tx.pending = 0;
		return ret;
	}
	/* The caller wrote the header in shared memory: length is ours. */
	ch->tx_slot->length = ch->tx_slot_len;
	if (kuc_tap_on(ch)) {
		/* Before the peer sees it (see kuc_publish()). */
		memcpy(&hdr, ch->tx_slot, sizeof(hdr));
		hdr.length = ch->tx_slot_len;
		ch->ops->tap_put(ch, &hdr, ch->tx_slot + 1);
	}
	ch->tx_slot = NULL;
	kucomms_ring_commit_quiet(&ch->tx);
	kuc_tx_counted(ch, ch->tx_slot_len);
	ch->tx_unflushed = true;
	return 0;
}

int kuc_commit(struct kuc_channel *ch)
{
	int ret = kuc_commit_slot(ch);

	return ret ? ret : kuc_flush(ch);
}

int kuc_commit_more(struct kuc_channel *ch)
{
	return kuc_tx_more(ch, kuc_commit_slot(ch));
}
