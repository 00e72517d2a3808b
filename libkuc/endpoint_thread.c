// SPDX-License-Identifier: MIT
/*
 * The endpoint thread (kuc_endpoint_start()/kuc_endpoint_stop()), as the
 * module's kucomms_endpoint.c is the kernel's. Its contract:
 *   - one thread per channel, started and stopped under ep_lock; while it
 *     runs it is the channel's only receiver (kuc_recv() and kuc_peek()
 *     return -EBUSY);
 *   - it calls the message handler for each message as it arrives, with a
 *     pointer into the ring, in batches of KUC_EP_BATCH between looks at
 *     the clock; work every 10 ms (100 Hz) and timer every second (1 Hz),
 *     on absolute deadlines with the kernel's catch-up rule;
 *   - connect before a connection's first message and disconnect after
 *     its last, one connection at a time (kuc_ep_follow());
 *   - a handler may send, but not stop its own thread (-EDEADLK);
 *   - with kuc_endpoint_poll_idle() it keeps looking at its ring for
 *     that long after the last message before it sleeps, as the
 *     kernel's endpoint thread does with a device's poll_idle_us;
 *   - it takes no signals but the synchronous ones its faults raise.
 * How it sleeps and is woken is the transport's (ep_setup, ep_sleep,
 * ep_interrupt, ep_teardown in struct kuc_transport); what it receives
 * comes from channel_recv.c.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "channel_internal.h"

#define KUC_WORK_PERIOD_NS	(NSEC_PER_SEC / 100)
#define KUC_TIMER_PERIOD_NS	NSEC_PER_SEC
/* Missed periods caught up on before the schedule restarts (as the kernel). */
#define KUC_MAX_CATCH_UP	10
/* Messages the endpoint thread delivers before it looks at the clock. */
#define KUC_EP_BATCH		64
/*
 * The longest the endpoint thread sleeps without looking at its stop
 * flag: a stop whose wakeup is lost (a program that closed the device
 * transport's eventfd under us) still ends, within this.
 */
#define KUC_EP_SLEEP_MAX_NS	NSEC_PER_SEC
/* The endpoint thread's channel, for the -EDEADLK check of a handler. */
static _Thread_local struct kuc_channel *kuc_ep_current;

/*
 * Deliver up to KUC_EP_BATCH messages straight from the ring. Returns how
 * many, or -EPROTO/-ESHUTDOWN when the ring is empty for good.
 */
static int kuc_ep_deliver(struct kuc_channel *ch)
{
	const struct kuc_handlers *h = &ch->ep_handlers;
	struct kucomms_msg_hdr hdr;
	const void *data;
	int n, ret = 0;

	for (n = 0; n < KUC_EP_BATCH; n++) {
		ret = kuc_rx_peek(ch, &hdr, &data);
		if (ret)
			break;
		/*
		 * A message while the flag stayed up: down with it, once
		 * per batch (only a sleep raises it again).
		 */
		if (!n)
			kuc_rx_disarm(ch);
		h->message(ch, &hdr, data, ch->ep_ctx);
		kuc_rx_consume(ch, ch->rx_peeked, ch->rx_peeked_len);
		ch->rx_peeked = 0;
	}
	if (n) {
		kuc_rx_freed(ch);
		return n;
	}
	return ret == -EAGAIN ? 0 : ret;
}

/*
 * Polling (kuc_endpoint_poll_idle()): look at the ring instead of
 * sleeping until @last + the poll time, or @until (the next periodic
 * deadline) if sooner. The consumer's NEED_WAKEUP flag stays clear
 * meanwhile, so a peer that sends finds no sleeper and makes no wakeup
 * call, and the message is seen without a context switch. Returns true
 * when the thread should go round again (a message, a stop, or @until
 * reached within the poll time), false when the poll time is over and it
 * should sleep. On one CPU every look yields: the peer must run to send.
 */
static bool kuc_ep_poll(struct kuc_channel *ch, int64_t last, int64_t until,
			bool one_cpu)
{
	int64_t poll = __atomic_load_n(&ch->ep_poll_ns, __ATOMIC_RELAXED);
	int64_t end = last + poll, now;
	unsigned int turn;

	if (!poll || kuc_now_ns() >= end)
		return false;
	kuc_rx_disarm(ch);
	for (turn = 1;; turn++) {
		if (kucomms_ring_avail(&ch->rx) != 0 ||
		    __atomic_load_n(&ch->ep_stop, __ATOMIC_RELAXED))
			return true;
		if (one_cpu)
			sched_yield();
		else
			kuc_cpu_relax();
		if (turn % 64)
			continue;
		now = kuc_now_ns();
		if (now >= until)
			return true;
		if (now >= end)
			return false;
	}
}

/* Run a periodic handler when due, and advance its absolute deadline. */
static void kuc_ep_periodic(struct kuc_channel *ch,
			    void (*fn)(struct kuc_channel *, void *),
			    int64_t *next, int64_t period)
{
	int64_t now = kuc_now_ns();

	if (!fn || now < *next)
		return;
	fn(ch, ch->ep_ctx);
	*next += period;
	/* Far behind (a slow handler): restart from now rather than burst. */
	if (*next < now - KUC_MAX_CATCH_UP * period)
		*next = now + period;
}

/* Say disconnect for the connection connect was said for, if any. */
static bool kuc_ep_disconnect(struct kuc_channel *ch)
{
	const struct kuc_handlers *h = &ch->ep_handlers;

	if (!ch->ep_connected)
		return false;
	ch->ep_connected = false;
	if (h->disconnect)
		h->disconnect(ch, ch->ep_ctx);
	return true;
}

/*
 * Follow the connection as the kernel's endpoint thread follows its
 * connections: disconnect once a shm server's client is over (state()
 * says so only after what it sent was received), then take the next
 * client; connect before a connection's first message. The other kinds
 * are one connection: connect the first time, disconnect when it hung up
 * (kuc_ep_main()). A connection found broken before its first message
 * gets neither. Returns true when a handler was called: the caller looks
 * at the ring again before it sleeps.
 */
static bool kuc_ep_follow(struct kuc_channel *ch)
{
	const struct kuc_handlers *h = &ch->ep_handlers;
	bool called = false;
	int state = ch->ops->state(ch);

	if (state == -ENOTCONN) {
		called = kuc_ep_disconnect(ch);
		if (!kuc_rx_accept(ch))
			return called;
	} else if (state == -EPROTO || ch->ep_connected) {
		return called;
	}
	ch->ep_connected = true;
	if (h->connect)
		h->connect(ch, ch->ep_ctx);
	return true;
}

static void *kuc_ep_main(void *arg)
{
	struct kuc_channel *ch = arg;
	const struct kuc_handlers *h = &ch->ep_handlers;
	int64_t start = kuc_now_ns(), wake, left;
	int64_t next_work = start + KUC_WORK_PERIOD_NS;
	int64_t next_timer = start + KUC_TIMER_PERIOD_NS;
	int64_t last_msg = start;
	struct timespec ts;
	bool hung = false, hup_seen = false;
	bool one_cpu = sysconf(_SC_NPROCESSORS_ONLN) <= 1;
	int n;

	kuc_ep_current = ch;
	kuc_ep_follow(ch);
	while (!__atomic_load_n(&ch->ep_stop, __ATOMIC_ACQUIRE)) {
		n = hung ? 0 : kuc_ep_deliver(ch);
		if (n > 0)
			last_msg = kuc_now_ns();
		kuc_ep_periodic(ch, h->work, &next_work, KUC_WORK_PERIOD_NS);
		kuc_ep_periodic(ch, h->timer, &next_timer,
				KUC_TIMER_PERIOD_NS);
		if (n == KUC_EP_BATCH)
			continue;	/* more may wait */
		/*
		 * After a hangup the ring is drained first; once it is empty
		 * the transport would report the same at once for ever, so
		 * it is no longer asked about messages.
		 */
		if (n < 0 || (!n && hup_seen)) {
			hung = true;
			kuc_ep_disconnect(ch);	/* its last message is handled */
		} else if (!hung && kuc_ep_follow(ch)) {
			continue;	/* a client came or went */
		}

		wake = kuc_now_ns() + KUC_EP_SLEEP_MAX_NS;
		if (h->work && next_work < wake)
			wake = next_work;
		if (h->timer && next_timer < wake)
			wake = next_timer;
		if (!hung && ch->ep_connected &&
		    kuc_ep_poll(ch, last_msg, wake, one_cpu))
			continue;
		left = wake - kuc_now_ns();
		if (left <= 0)
			continue;
		ts = kuc_ns_to_ts(left);
		switch (ch->ops->ep_sleep(ch, &ts, hung)) {
		case 1:
			goto out;
		case 2:
			hup_seen = true;
			break;
		}
	}
out:
	/* Whoever receives after us must not inherit a flag left up. */
	kuc_rx_disarm(ch);
	return NULL;
}

int kuc_endpoint_start(struct kuc_channel *ch,
		       const struct kuc_handlers *handlers, void *ctx)
{
	sigset_t all, old;
	int ret;

	if (!handlers || !handlers->message)
		return -EINVAL;
	if (kuc_ep_current == ch)
		return -EBUSY;
	pthread_mutex_lock(&ch->ep_lock);
	if (kuc_ep_running(ch)) {
		ret = -EBUSY;
		goto out;
	}
	ret = ch->ops->ep_setup(ch);
	if (ret)
		goto out;
	ch->ep_handlers = *handlers;
	ch->ep_ctx = ctx;
	ch->ep_connected = false;	/* each run says connect anew */
	__atomic_store_n(&ch->ep_stop, 0, __ATOMIC_RELAXED);
	/*
	 * A library thread takes no signals: the application's threads do.
	 * Except the synchronous ones its own faults raise: blocked, they
	 * kill the process outright, and SIGBUS is how the SIGBUS guard
	 * (sigbus_guard.c) learns that a peer shrank a shm segment.
	 */
	sigfillset(&all);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&ch->ep_thread, NULL, kuc_ep_main, ch);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		ch->ops->ep_teardown(ch);
		goto out;
	}
	__atomic_store_n(&ch->ep_running, 1, __ATOMIC_RELAXED);
out:
	pthread_mutex_unlock(&ch->ep_lock);
	return ret;
}

int kuc_endpoint_poll_idle(struct kuc_channel *ch, unsigned int us)
{
	if (us > KUCOMMS_POLL_IDLE_MAX_US)
		return -EINVAL;
	__atomic_store_n(&ch->ep_poll_ns, (int64_t)us * NSEC_PER_USEC,
			 __ATOMIC_RELAXED);
	return 0;
}

int kuc_endpoint_stop(struct kuc_channel *ch)
{
	struct timespec ts;
	int ret = 0;

	if (kuc_ep_current == ch)
		return -EDEADLK;
	pthread_mutex_lock(&ch->ep_lock);
	if (!kuc_ep_running(ch)) {
		ret = -ESRCH;
		goto out;
	}
	__atomic_store_n(&ch->ep_stop, 1, __ATOMIC_RELEASE);
	/*
	 * Wake it, and again every 10 ms until it is gone: a futex wakeup
	 * (shm) that comes just before the thread's wait is lost, as the
	 * stop flag is not the word it sleeps on. Nothing here can fail:
	 * should every wakeup be lost, the thread still looks at the flag
	 * every KUC_EP_SLEEP_MAX_NS.
	 */
	for (;;) {
		ch->ops->ep_interrupt(ch);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts = kuc_ns_to_ts(ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec +
				  10 * NSEC_PER_MSEC);
		if (pthread_timedjoin_np(ch->ep_thread, NULL, &ts) != ETIMEDOUT)
			break;
	}
	ch->ops->ep_teardown(ch);
	__atomic_store_n(&ch->ep_running, 0, __ATOMIC_RELAXED);
out:
	pthread_mutex_unlock(&ch->ep_lock);
	return ret;
}
