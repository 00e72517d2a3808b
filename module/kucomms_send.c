// SPDX-License-Identifier: GPL-2.0
/*
 * Sending: the kernel as producer of a connection's k2u ring, for
 * handlers and any other kernel context (kucomms_send() and its _locked
 * variant that waits for room, broadcasts), and the room check the
 * endpoint's thread also uses for flow control (kucm_k2u_room()).
 *
 * The exported functions are documented (kernel-doc) where module authors
 * read them: include/kucomms/kucomms_kernel.h.
 */
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "kucomms_internal.h"
#include "kucomms_trace.h"

/*
 * Is there room for a record of @rec bytes in @conn's k2u ring? If not,
 * say so to the process the way a producer that found the ring full does
 * (its full counter moves: libkuc kicks once it freed half the ring),
 * then look again, so that room made meanwhile is not missed: the
 * consumer releases space, then (full barrier) reads the counter; we
 * move the counter, then (full barrier) read its position. A broken ring
 * counts as room: the send then finds it broken.
 */
bool kucm_k2u_room(struct kucomms_conn *conn, u64 rec)
{
	struct kucomms_ring *r = &conn->k2u;
	long long space = kucomms_ring_space(r);

	if (space < 0 || (u64)space >= rec)
		return true;
	WRITE_ONCE(r->prod->full, r->prod->full + 1);
	/* The counter before the position: see above. */
	smp_mb();
	space = kucomms_ring_space(r);
	return space < 0 || (u64)space >= rec;
}

int kucomms_send(struct kucomms_conn *conn, const struct kucomms_msg_hdr *hdr,
		 const void *data)
{
	struct kucm_stats *st = &conn->kd->stats;
	int ret;

	if (READ_ONCE(conn->info->state) != KUCOMMS_STATE_OPEN ||
	    READ_ONCE(conn->closing))
		return -ESHUTDOWN;
	ret = kucomms_ring_produce(&conn->k2u, hdr, data);
	if (ret == -EAGAIN) {
		atomic64_inc(&st->ring_full);
		return ret;
	}
	if (ret == -EPROTO) {
		kucm_conn_state(conn, KUCOMMS_STATE_CORRUPT);
		return -ESHUTDOWN;
	}
	if (ret)
		return ret;
	/*
	 * A handler's reply to the connection whose batch it handles is
	 * counted with the batch (kucm_conn_deliver()); anything else now.
	 */
	if (kucm_in_handler(conn->ep) &&
	    conn == conn->ep->batch_conn) {
		conn->ep->batch_msgs_out++;
		conn->ep->batch_bytes_out += hdr->length;
	} else {
		atomic64_inc(&st->msgs_out);
		atomic64_add(hdr->length, &st->bytes_out);
	}
	trace_kucomms_msg_send(conn->kd->name, conn->id, hdr);
	kucm_tap_msg(conn->kd, KUCOMMS_TAP_K2U, conn->id, hdr, data);
	/*
	 * From the endpoint's thread (a handler), the wakeup waits for the
	 * end of the batch (kucm_conn_wake()); anyone else wakes at once.
	 * wq_has_sleeper() orders the publish before the check.
	 */
	if (kucm_in_handler(conn->ep)) {
		conn->wake_pending = true;
		/* Its own batch's end wakes it; anything else the sweep. */
		if (conn != conn->ep->batch_conn)
			conn->ep->wake_pending = true;
	} else if (wq_has_sleeper(&conn->wq)) {
		atomic64_inc(&st->user_wakeups);
		wake_up_interruptible_poll(&conn->wq, EPOLLIN | EPOLLRDNORM);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(kucomms_send);

/* What a sender waiting for room looks at again: room, or no more use. */
static bool kucm_send_may_retry(struct kucomms_conn *conn, u64 length)
{
	return READ_ONCE(conn->info->state) != KUCOMMS_STATE_OPEN ||
	       READ_ONCE(conn->closing) ||
	       kucm_k2u_room(conn, kucomms_record_size(length));
}

int kucomms_send_locked(struct kucomms_conn *conn,
			const struct kucomms_msg_hdr *hdr, const void *data,
			unsigned long timeout)
{
	long left;
	int ret;

	might_sleep();
	/* A handler never waits on one connection's behalf. */
	if (kucm_in_handler(conn->ep))
		timeout = 0;
	/* Above LONG_MAX: for ever (MAX_SCHEDULE_TIMEOUT), not a wrap. */
	left = min_t(unsigned long, timeout, MAX_SCHEDULE_TIMEOUT);
	for (;;) {
		/* The lock only for the copy: never held while waiting. */
		mutex_lock(&conn->send_lock);
		ret = kucomms_send(conn, hdr, data);
		mutex_unlock(&conn->send_lock);
		if (ret != -EAGAIN || !left)
			return ret;
		/*
		 * Woken by KUCOMMS_IOC_KICK (the process made room after it
		 * saw the full counter move), a close or a state change.
		 */
		left = wait_event_idle_timeout(conn->send_wq,
					       kucm_send_may_retry(conn,
								   hdr->length),
					       left);
	}
}
EXPORT_SYMBOL_GPL(kucomms_send_locked);

/*
 * The endpoint's connections, each with a reference, so that they can be
 * sent to without ep->lock: taking a connection's send_lock under it
 * would make open() and close() wait for that connection's sender.
 */
static struct kucomms_conn **kucm_conns_get(struct kucomms_endpoint *ep,
					    unsigned int *np)
{
	struct kucomms_conn **v, *conn;
	unsigned int n, i, cap = 16;
	bool all;

	for (;;) {
		v = kmalloc_array(cap, sizeof(*v), GFP_KERNEL);
		if (!v)
			return NULL;
		n = 0;
		all = true;
		mutex_lock(&ep->lock);
		list_for_each_entry(conn, &ep->conns, node) {
			if (n == cap) {
				all = false;
				break;
			}
			v[n++] = conn;
		}
		if (all) {
			for (i = 0; i < n; i++)
				kucomms_conn_get(v[i]);
			mutex_unlock(&ep->lock);
			*np = n;
			return v;
		}
		mutex_unlock(&ep->lock);
		kfree(v);
		cap *= 2;
	}
}

static int kucm_broadcast(struct kucomms_endpoint *ep,
			  const struct kucomms_msg_hdr *hdr, const void *data)
{
	struct kucomms_conn *conn;
	int n = 0;

	/* The handlers' unlocked variant: kucomms_send() never waits. */
	mutex_lock(&ep->lock);
	list_for_each_entry(conn, &ep->conns, node)
		if (!kucomms_send(conn, hdr, data))
			n++;
	mutex_unlock(&ep->lock);
	return n;
}

int kucomms_broadcast(struct kucomms_endpoint *ep,
		      const struct kucomms_msg_hdr *hdr, const void *data)
{
	return kucm_broadcast(ep, hdr, data);
}
EXPORT_SYMBOL_GPL(kucomms_broadcast);

int kucomms_broadcast_locked(struct kucomms_endpoint *ep,
			     const struct kucomms_msg_hdr *hdr,
			     const void *data)
{
	struct kucomms_conn **v;
	unsigned int i, n;
	int sent = 0;

	might_sleep();
	v = kucm_conns_get(ep, &n);
	if (!v)
		return 0;
	for (i = 0; i < n; i++) {
		mutex_lock(&v[i]->send_lock);
		if (!kucomms_send(v[i], hdr, data))
			sent++;
		mutex_unlock(&v[i]->send_lock);
		kucomms_conn_put(v[i]);
	}
	kfree(v);
	return sent;
}
EXPORT_SYMBOL_GPL(kucomms_broadcast_locked);
