// SPDX-License-Identifier: GPL-2.0
/*
 * The endpoint's thread: the scheduler of docs/design.md, one kernel
 * thread per endpoint that calls its handlers serially: messages as soon
 * as they arrive, work at 100 Hz, timer at 1 Hz; asleep otherwise, woken
 * by a userspace kick only after it announced it would sleep
 * (NEED_WAKEUP), or polling for poll_idle_us after the last message.
 * Wakeups of userspace readers that its handlers' sends cause are
 * deferred to the end of a batch (kucomms_conn's wake_pending).
 *
 * Only this thread runs the handlers, delivers messages and takes closed
 * connections off ep->conns (kucm_endpoint_detach() does once it is gone),
 * with one exception: while it sleeps, a process may deliver its own
 * connection's messages in its stead (KUCOMMS_EP_DIRECT,
 * kucm_endpoint_run()). ep->run_lock makes the two take turns: the
 * thread holds it except while it sleeps.
 */
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched.h>

#include "kucomms_internal.h"
#include "kucomms_trace.h"

#define KUCM_WORK_PERIOD_NS	(NSEC_PER_SEC / 100)
#define KUCM_TIMER_PERIOD_NS	NSEC_PER_SEC
/* Missed periods the scheduler catches up on before it resynchronises. */
#define KUCM_MAX_CATCH_UP	10
/*
 * Messages taken from one connection before the next gets a turn, and
 * bytes: a batch ends after KUCM_BATCH_BYTES (or one larger message).
 * A reader asleep in poll() is woken once per batch, so a stream whose
 * reader drains faster than the thread handles costs a wakeup per
 * batch: 128 makes that under 0.01 per message (measured, A/B in one
 * 6.1 boot under TCG, 4 KiB echoes: 0.0156 at 64, 0.0078 at 128, the
 * rates the same), at the price of a turn twice as long.
 */
#define KUCM_BATCH		128
#define KUCM_BATCH_BYTES		(512 * 1024)
/* How often a connection passed over for lack of reply room is looked at. */
#define KUCM_BLOCKED_RECHECK_NS	KUCM_WORK_PERIOD_NS

/* Make sure the private message buffer holds @len bytes. */
static int kucm_msgbuf_reserve(struct kucomms_endpoint *ep, size_t len)
{
	void *buf;

	if (len <= ep->msgbuf_size && ep->msgbuf)
		return 0;
	buf = kvmalloc(max_t(size_t, len, PAGE_SIZE), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	kvfree(ep->msgbuf);
	ep->msgbuf = buf;
	ep->msgbuf_size = max_t(size_t, len, PAGE_SIZE);
	return 0;
}

/*
 * Wake a reader waiting in poll() for what the thread published to @conn
 * since the last look (kucomms_send() from the thread defers it to here),
 * and a sender waiting for room when @freed: one wakeup per batch, not
 * per message, so a reader that drains faster than the thread produces
 * is not put to sleep and woken for every reply. wq_has_sleeper() orders
 * the publications before the look at the queue; kucm_conn_poll() pairs.
 */
static void kucm_conn_wake(struct kucomms_conn *conn, bool freed)
{
	__poll_t key = 0;

	if (conn->wake_pending)
		key |= EPOLLIN | EPOLLRDNORM;
	if (freed)
		key |= EPOLLOUT | EPOLLWRNORM;
	conn->wake_pending = false;
	if (key && wq_has_sleeper(&conn->wq)) {
		atomic64_inc(&conn->kd->stats.user_wakeups);
		wake_up_interruptible_poll(&conn->wq, key);
	}
}

/*
 * Give the u2k space of the records consumed so far back to the sender
 * (kucomms_ring_release() of nothing more: it store-releases the
 * consumer position the ring code advanced privately).
 */
static void kucm_u2k_give_back(struct kucomms_conn *conn)
{
	kucomms_ring_release(&conn->u2k, 0);
}

/*
 * Give the space back now rather than at the end of the batch? The
 * store-release per message moves the consumer position's cache line to
 * the sender's CPU per message, so it is put off, but not while the
 * sender may be waiting for room: once it found the ring full (its full
 * counter moved since we last gave space back: it may spin or poll for
 * room now) or a quarter of the ring is held back (a sender streaming
 * large records would otherwise fill the ring and stall before the end
 * of a batch of up to KUCM_BATCH_BYTES). The wakeup of a sender blocked
 * in poll() still comes at the end of the batch (kucm_conn_wake()),
 * after the last give-back. Called right after kucomms_ring_peek()
 * loaded the producer's position: the counter shares its cache line,
 * which a streaming sender takes back with every message, so read after
 * the handler it would cost a second miss per message.
 */
static bool kucm_u2k_give_back_now(struct kucomms_conn *conn, u64 held,
				   u64 *full)
{
	u64 f = READ_ONCE(conn->u2k.prod->full);

	if (f == *full && held < conn->u2k.size / 4)
		return false;
	*full = f;
	return true;
}

/*
 * Deliver up to KUCM_BATCH messages (KUCM_BATCH_BYTES) of @conn. Each
 * header is snapshotted and bounded by the ring code, the data copied
 * out of shared memory, and only then the handler sees the message;
 * with KUCOMMS_EP_ZEROCOPY the handler gets the data in the ring
 * itself, and its space is given back only after the handler returned
 * (it stays the handler's, though the sender may still write it). The
 * consumed space goes back to the sender once per batch (or earlier,
 * kucm_u2k_give_back_now()), always before the thread looks for
 * messages again before it sleeps: libkuc's kick suppression relies on
 * a consumer position short of its last kick meaning that the thread
 * has yet to look (kuc_flush()).
 *
 * The device's figures for the batch (and the replies its handlers
 * send to @conn, kucomms_send()) are summed here and added once at the
 * end, before the batch's wakeup: one atomic add per figure per batch,
 * not per message. While a batch runs they lag by its messages; a
 * reader woken for its replies, or reading once the thread is idle,
 * sees them exact (kucctl(8)).
 *
 * Flow control: a message is handed over only when the connection's
 * reply ring has room for a reply as long (a record of the same size).
 * Otherwise the connection is passed over, its messages stay queued (its
 * sender feels backpressure) until the process makes room and kicks; the
 * other connections go on. A closed connection is drained regardless:
 * replies to it fail anyway.
 *
 * Returns true when messages may still be waiting; *@handed is set when
 * a message was handed over.
 */
static bool kucm_conn_deliver(struct kucomms_endpoint *ep,
			      struct kucomms_conn *conn, bool closing,
			     bool *handed)
{
	/* Once per batch: the module may change its flags meanwhile. */
	bool zc = READ_ONCE(ep->ops->flags) & KUCOMMS_EP_ZEROCOPY;
	struct kucm_stats *st = &conn->kd->stats;
	struct kucomms_msg_hdr hdr;
	const void *data, *msg;
	size_t bytes = 0;
	u64 held = 0, data_bytes = 0, full;
	long long rec;
	int n;

	conn->blocked = false;
	if (READ_ONCE(conn->info->state) != KUCOMMS_STATE_OPEN)
		return false;
	if (!zc && kucm_msgbuf_reserve(ep, conn->u2k.msg_max))
		return false;
	full = READ_ONCE(conn->u2k.prod->full);
	ep->batch_conn = conn;
	ep->batch_msgs_out = 0;
	ep->batch_bytes_out = 0;
	for (n = 0; n < KUCM_BATCH && bytes < KUCM_BATCH_BYTES; n++) {
		rec = kucomms_ring_peek(&conn->u2k, &hdr, &data);
		/* The records before this one, whose handlers returned. */
		if (held && kucm_u2k_give_back_now(conn, held, &full)) {
			kucm_u2k_give_back(conn);
			held = 0;
		}
		if (rec == -EAGAIN)
			break;
		if (rec < 0) {
			kucm_conn_state(conn, KUCOMMS_STATE_CORRUPT);
			break;
		}
		if (!closing && !kucm_k2u_room(conn, rec)) {
			conn->blocked = true;
			atomic64_inc(&st->ring_full);
			break;
		}
		bytes += rec;
		data_bytes += hdr.length;
		msg = data;
		if (!zc) {
			memcpy(ep->msgbuf, data, hdr.length);
			msg = ep->msgbuf;
		}
		/*
		 * Consumed: the sender gets the space back only with the
		 * next give-back, after this handler returned.
		 */
		conn->u2k.pos += rec;
		held += rec;
		trace_kucomms_msg_recv(conn->kd->name, conn->id, &hdr);
		kucm_tap_msg(conn->kd, KUCOMMS_TAP_U2K, conn->id, &hdr, msg);
		ep->ops->message(ep, conn, &hdr, msg);
	}
	ep->batch_conn = NULL;
	if (held)
		kucm_u2k_give_back(conn);
	if (n) {
		atomic64_add(n, &st->msgs_in);
		atomic64_add(data_bytes, &st->bytes_in);
		atomic64_add(n, &ep->msgs);
	}
	if (ep->batch_msgs_out) {
		atomic64_add(ep->batch_msgs_out, &st->msgs_out);
		atomic64_add(ep->batch_bytes_out, &st->bytes_out);
	}
	/*
	 * The batch's replies for a reader in poll(), and the space freed
	 * for a sender blocked there.
	 */
	kucm_conn_wake(conn, n);
	if (n)
		*handed = true;
	return !conn->blocked && (n == KUCM_BATCH || bytes >= KUCM_BATCH_BYTES);
}

/*
 * Still passed over? Whether the next message's reply fits now (the
 * process made room without a kick, or the kick came before our flag).
 */
static bool kucm_conn_still_blocked(struct kucomms_conn *conn)
{
	struct kucomms_msg_hdr hdr;
	const void *data;
	long long rec;

	if (!conn->blocked || READ_ONCE(conn->closing) ||
	    READ_ONCE(conn->info->state) != KUCOMMS_STATE_OPEN)
		return false;
	rec = kucomms_ring_peek(&conn->u2k, &hdr, &data);
	return rec > 0 && !kucm_k2u_room(conn, rec);
}

/* The next connection after @conn (or the first), with a reference. */
static struct kucomms_conn *kucm_next_conn(struct kucomms_endpoint *ep,
					   struct kucomms_conn *conn)
{
	struct kucomms_conn *next;

	lockdep_assert_held(&ep->lock);
	next = conn ? list_next_entry(conn, node) :
		      list_first_entry(&ep->conns, struct kucomms_conn, node);
	if (list_entry_is_head(next, &ep->conns, node))
		return NULL;
	kucomms_conn_get(next);
	return next;
}

/*
 * One pass over all connections. Returns true when there is more to do.
 * Notes the time of the last message handed over and the device's
 * poll_idle_us (every connection of an endpoint is one of its device's)
 * for kucm_endpoint_polling().
 *
 * A closed connection is taken off only once its ring is empty: what
 * userspace sent before close() still reaches the handler, like data
 * written to a socket before it is closed. Release runs only when no
 * mapping of the rings is left, so nothing more can arrive, and the
 * drain goes in batches like any other connection's messages. Every
 * connection sees connect, its messages, then disconnect.
 */
static bool kucm_endpoint_pass(struct kucomms_endpoint *ep)
{
	struct kucomms_conn *conn, *next;
	bool busy = false, handed = false, closing, more, over;
	unsigned int poll_us = 0;

	mutex_lock(&ep->lock);
	conn = kucm_next_conn(ep, NULL);
	mutex_unlock(&ep->lock);
	while (conn) {
		/* Read before delivering: an empty ring then stays empty. */
		closing = READ_ONCE(conn->closing);
		if (!conn->connected) {
			conn->connected = true;
			if (ep->ops->connect)
				ep->ops->connect(ep, conn);
		}
		poll_us = max(poll_us, READ_ONCE(conn->kd->poll_idle_us));
		more = kucm_conn_deliver(ep, conn, closing, &handed);
		busy |= more;
		over = closing && !more;	/* closed and drained */
		if (over) {
			kucm_conn_state(conn, KUCOMMS_STATE_SHUTDOWN);
			if (ep->ops->disconnect)
				ep->ops->disconnect(ep, conn);
		}
		mutex_lock(&ep->lock);
		next = kucm_next_conn(ep, conn);
		if (over) {
			list_del_init(&conn->node);
			kucomms_conn_put(conn);		/* the list's */
		}
		mutex_unlock(&ep->lock);
		kucomms_conn_put(conn);
		conn = next;
	}
	/* Bounded by the sysfs store; min() against a stray value anyway. */
	ep->poll_idle_ns = (u64)min_t(unsigned int, poll_us,
				      KUCM_POLL_IDLE_MAX_US) * NSEC_PER_USEC;
	if (handed)
		ep->last_msg = ktime_get();
	return busy;
}

/*
 * Keep polling rather than sleep? Like io_uring's SQPOLL idle time: for
 * poll_idle_us after the last message the thread keeps passing over the
 * rings without announcing sleep (NEED_WAKEUP stays clear), so a steady
 * stream of requests needs no kick and no wakeup of this thread. It
 * costs a CPU for that long after every last message, hence off by
 * default. cond_resched() in the loop yields to anyone else runnable.
 */
static bool kucm_endpoint_polling(struct kucomms_endpoint *ep, ktime_t now)
{
	return ep->poll_idle_ns &&
	       ktime_before(now, ktime_add_ns(ep->last_msg, ep->poll_idle_ns));
}

/*
 * The wakeups handlers deferred outside a batch of their connection's
 * messages: connect, work and timer handlers, broadcasts. Every loop of
 * the thread, polling included: while no handler sent since the last
 * sweep (ep->wake_pending clear, the common case) it costs one load.
 * Replies from a message handler to its own connection do not set it:
 * the end of the batch wakes that connection (kucm_conn_deliver()).
 */
static void kucm_endpoint_wake_pending(struct kucomms_endpoint *ep)
{
	struct kucomms_conn *conn;

	if (!ep->wake_pending)
		return;
	ep->wake_pending = false;
	mutex_lock(&ep->lock);
	list_for_each_entry(conn, &ep->conns, node)
		if (conn->wake_pending)
			kucm_conn_wake(conn, false);
	mutex_unlock(&ep->lock);
}

/*
 * The thread takes run_lock at its start and back after each sleep. Not
 * with mutex_lock(): a direct delivery holds it for as long as its
 * handler runs, and a thread blocked in a mutex for that long would look
 * hung to the hung-task detector (TASK_UNINTERRUPTIBLE). It waits idle
 * instead, and says so: a delivery that sees thread_waits leaves the
 * messages to the thread (kucm_endpoint_run()), so direct deliveries
 * cannot keep it out.
 */
static void kucm_run_lock_thread(struct kucomms_endpoint *ep)
{
	if (!mutex_trylock(&ep->run_lock)) {
		WRITE_ONCE(ep->thread_waits, true);
		wait_event_idle(ep->run_wq, mutex_trylock(&ep->run_lock));
		WRITE_ONCE(ep->thread_waits, false);
	}
	WRITE_ONCE(ep->runner, current);
}

/*
 * The handlers are free: the thread sleeps or ends, or a direct delivery
 * is over (the thread may wait for run_lock then).
 */
static void kucm_run_unlock(struct kucomms_endpoint *ep)
{
	WRITE_ONCE(ep->runner, NULL);
	mutex_unlock(&ep->run_lock);
	/* The unlock before the look at the queue; the waiter pairs. */
	if (wq_has_sleeper(&ep->run_wq))
		wake_up(&ep->run_wq);
}

/*
 * Sleep until @deadline or a kick. C1-C3 of the ring handshake on every
 * connection first: a message published before our flag was visible is
 * seen here, one published after it comes with a kick.
 */
static void kucm_endpoint_sleep(struct kucomms_endpoint *ep, ktime_t deadline)
{
	struct kucomms_conn *conn;
	bool pending = false, blocked = false;

	mutex_lock(&ep->lock);
	list_for_each_entry(conn, &ep->conns, node) {
		if (READ_ONCE(conn->closing) || !conn->connected)
			pending = true;
		else if (kucm_conn_still_blocked(conn))
			/*
			 * Waits for reply room, not for messages: its kick
			 * comes when the process made room (kucm_k2u_room()).
			 */
			blocked = true;
		else if (READ_ONCE(conn->info->state) == KUCOMMS_STATE_OPEN &&
			 kucomms_ring_prepare_sleep(&conn->u2k))
			pending = true;
	}
	mutex_unlock(&ep->lock);
	/* And a look now and then, should that kick never come. */
	if (blocked)
		deadline = min(deadline, ktime_add_ns(ktime_get(),
						      KUCM_BLOCKED_RECHECK_NS));

	/* Asleep, the handlers are free for a direct delivery. */
	kucm_run_unlock(ep);
	set_current_state(TASK_IDLE);
	if (!pending && !READ_ONCE(ep->kicked) && !kthread_should_stop())
		schedule_hrtimeout_range(&deadline, 50 * NSEC_PER_USEC,
					 HRTIMER_MODE_ABS);
	__set_current_state(TASK_RUNNING);
	WRITE_ONCE(ep->kicked, false);
	/* Waits for a direct delivery to end its batch, if one runs. */
	kucm_run_lock_thread(ep);

	mutex_lock(&ep->lock);
	list_for_each_entry(conn, &ep->conns, node)
		kucomms_ring_awake(&conn->u2k);
	mutex_unlock(&ep->lock);
}

/* Run a periodic handler when due at @now; returns the next deadline. */
static ktime_t kucm_periodic(struct kucomms_endpoint *ep,
			     void (*fn)(struct kucomms_endpoint *ep),
			     ktime_t now, ktime_t next, s64 period,
			     atomic64_t *runs)
{
	if (!fn)
		return KTIME_MAX;
	if (ktime_before(now, next))
		return next;
	fn(ep);
	atomic64_inc(runs);
	next = ktime_add_ns(next, period);
	/* Far behind (a slow handler): resynchronise rather than burst. */
	if (ktime_before(next, ktime_sub_ns(now, KUCM_MAX_CATCH_UP * period)))
		next = ktime_add_ns(now, period);
	return next;
}

int kucm_endpoint_thread(void *arg)
{
	struct kucomms_endpoint *ep = arg;
	ktime_t start = ktime_get();
	ktime_t next_work = ktime_add_ns(start, KUCM_WORK_PERIOD_NS);
	ktime_t next_timer = ktime_add_ns(start, KUCM_TIMER_PERIOD_NS);
	ktime_t now;
	bool busy;

	kucm_run_lock_thread(ep);
	while (!kthread_should_stop()) {
		busy = kucm_endpoint_pass(ep);
		/*
		 * One clock read a loop: a polling thread loops for every
		 * look at its rings, and three reads were a quarter of it
		 * under TCG (perf: ktime_get(), read_tsc()).
		 */
		now = ktime_get();
		next_work = kucm_periodic(ep, ep->ops->work, now, next_work,
					  KUCM_WORK_PERIOD_NS, &ep->work_runs);
		next_timer = kucm_periodic(ep, ep->ops->timer, now, next_timer,
					   KUCM_TIMER_PERIOD_NS, &ep->timer_runs);
		kucm_endpoint_wake_pending(ep);
		if (!busy && !kucm_endpoint_polling(ep, now))
			kucm_endpoint_sleep(ep, min(next_work, next_timer));
		/*
		 * Every pass: without a preemptible kernel, a trickle that
		 * always leaves something pending would otherwise keep this
		 * thread on its CPU for good (a soft lockup).
		 */
		cond_resched();
	}
	kucm_run_unlock(ep);
	return 0;
}

/*
 * KUCOMMS_IOC_RUN: deliver @conn's pending messages in the caller's
 * context, the thread's job, when the endpoint allows it and the thread
 * sleeps (run_lock free). The thread stays asleep with its NEED_WAKEUP
 * flags set, so the process's next publication asks again: a blocking
 * request and reply costs this one system call. One batch: what it
 * leaves (a full batch, a connection passed over for reply room is
 * not: its process kicks when it made room) is the thread's, as are
 * connect (a connection the thread has not seen yet is not delivered
 * here) and the periodic handlers.
 *
 * Returns true when the messages were delivered here, false when the
 * caller is to kick the thread instead: the endpoint does not allow it,
 * the thread runs or waits to (it has yet to look at the rings again),
 * another process's delivery runs (the thread, kicked, looks after it),
 * the endpoint is going away, or a full batch leaves more.
 */
bool kucm_endpoint_run(struct kucomms_conn *conn)
{
	struct kucomms_endpoint *ep = conn->ep;
	bool handed = false, more;

	/* The thread, awake and waiting for its turn, delivers them. */
	if (READ_ONCE(ep->thread_waits) || !mutex_trylock(&ep->run_lock))
		return false;
	/*
	 * kucomms_unregister() sets shutdown before it waits for run_lock
	 * (after the thread stopped): once it holds it, no delivery runs,
	 * and the module's ops may go. So ops only under run_lock.
	 */
	if (READ_ONCE(ep->shutdown) || !conn->connected ||
	    READ_ONCE(conn->closing) ||
	    !(READ_ONCE(ep->ops->flags) & KUCOMMS_EP_DIRECT)) {
		kucm_run_unlock(ep);
		return false;
	}
	WRITE_ONCE(ep->runner, current);
	more = kucm_conn_deliver(ep, conn, false, &handed);
	kucm_endpoint_wake_pending(ep);
	kucm_run_unlock(ep);
	return !more;
}
