// SPDX-License-Identifier: MIT
/*
 * Channels: the handle (channel_internal.h) and what does not depend on
 * its transport nor on one side: open and close, the accessors and
 * counters, kuc_wait(). The sending side is channel_send.c, the
 * receiving side channel_recv.c, the endpoint thread endpoint_thread.c,
 * the spin before a sleep spin.c. The core calls a transport only
 * through its table (struct kuc_transport): how the peer is woken and
 * how we sleep is the transport's (channel_device.c, channel_shm.h).
 */
#include <poll.h>
#include <stdlib.h>

#include "channel_internal.h"

const uint32_t kuc_tap_never;

/* ---- open and close ------------------------------------------------- */

struct kuc_channel *kuc_channel_alloc(void)
{
	struct kuc_channel *ch = calloc(1, sizeof(*ch));

	if (!ch)
		return NULL;
	ch->fd = -1;
	ch->ep_stop_fd = -1;
	ch->tap_gen = &kuc_tap_never;
	kuc_spin_init(&ch->tx_spin);
	kuc_spin_init(&ch->rx_spin);
	pthread_mutex_init(&ch->send_lock, NULL);
	pthread_mutex_init(&ch->ep_lock, NULL);
	return ch;
}

void kuc_channel_free(struct kuc_channel *ch)
{
	if (ch->ops)
		ch->ops->close(ch);
	pthread_mutex_destroy(&ch->send_lock);
	pthread_mutex_destroy(&ch->ep_lock);
	free(ch);
}

void kuc_close(struct kuc_channel *ch)
{
	if (!ch)
		return;
	kuc_endpoint_stop(ch);
	/*
	 * kuc_send_more() messages not flushed: published before the peer
	 * hears we go, so that it drains them as it did before they were
	 * deferred (no kick: the transport's close wakes the peer).
	 */
	if (ch->tx.prod && ch->tx_unflushed)
		kuc_tx_publish(ch);
	kuc_channel_free(ch);
}

enum kuc_kind kuc_channel_kind(const struct kuc_channel *ch)
{
	return ch->ops->kind;
}

int kuc_fd(const struct kuc_channel *ch)
{
	return ch->ops->fd(ch);
}

size_t kuc_msg_max(const struct kuc_channel *ch)
{
	return ch->tx.msg_max;
}

uint64_t kuc_conn_id(const struct kuc_channel *ch)
{
	return ch->ops->conn_id(ch);
}

int kuc_set_direct(struct kuc_channel *ch, bool on)
{
	if (!ch->ops->set_direct)
		return -EOPNOTSUPP;
	return ch->ops->set_direct(ch, on);
}

void kuc_channel_stats(const struct kuc_channel *ch,
		       struct kuc_channel_stats *st)
{
	st->msgs_sent = kuc_counter(&ch->tx_st.msgs);
	st->bytes_sent = kuc_counter(&ch->tx_st.bytes);
	st->msgs_received = kuc_counter(&ch->rx_st.msgs);
	st->bytes_received = kuc_counter(&ch->rx_st.bytes);
	st->kicks = kuc_counter(&ch->tx_st.kicks) +
		    kuc_counter(&ch->rx_st.kicks);
	st->waits = kuc_counter(&ch->tx_st.waits) +
		    kuc_counter(&ch->rx_st.waits);
	st->full = kuc_counter(&ch->tx_st.full);
}

int kuc_wait(struct kuc_channel *ch, short events, int timeout_ms)
{
	struct kuc_deadline dl = kuc_deadline(timeout_ms);
	struct kuc_spin *sp = NULL;
	short want = 0;
	int ret;

	/*
	 * A wait for room publishes and kicks what kuc_send_more() left
	 * first, as a full ring does (kuc_send(3)): the room could be held
	 * by those messages, or freed by a consumer never told of them.
	 * Only tried under the send mutex: kuc_send_locked() senders in
	 * other threads flush in each send, so a holder leaves nothing.
	 */
	if ((events & POLLOUT) && !pthread_mutex_trylock(&ch->send_lock)) {
		if (ch->tx_unflushed)
			kuc_flush(ch);
		pthread_mutex_unlock(&ch->send_lock);
	}
	/*
	 * A receiver waits for a message, a sender for half the ring, as
	 * the transports' POLLIN and POLLOUT say.
	 */
	if (events & POLLIN) {
		if (!kuc_spin(ch, &ch->rx_spin, true, 0, &dl))
			sp = &ch->rx_spin;
		want = POLLIN;
	} else if (events & POLLOUT) {
		if (!kuc_spin(ch, &ch->tx_spin, false, ch->tx.size / 2, &dl))
			sp = &ch->tx_spin;
		want = POLLOUT;
	}
	ret = ch->ops->wait(ch, events, &dl);
	/* The spin missed and what it waited for came: how long it took. */
	if (sp && !dl.none && ret > 0 && (ret & want))
		kuc_spin_woke(sp);
	return ret;
}
