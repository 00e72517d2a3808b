// SPDX-License-Identifier: MIT
/*
 * Channels: everything about a channel that does not depend on its
 * transport (channel_internal.h): sending, receiving, zero-copy, the
 * decision when the peer must be woken, and the endpoint thread. All ring
 * logic is kucomms_ring.h's; how the peer is woken and how we sleep is
 * the transport's (channel_device.c, channel_shm.c).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kucomms/kucomms_shm.h>

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
/*
 * Publications left without a kick while the kernel has not yet consumed
 * what came with our last one; after that many we kick again in case it
 * never will (it could not allocate, say).
 */
#define KUC_KICK_SUPPRESS_MAX	256
/*
 * Spinning before sleeping (kuc_spin()). A sleep and its wakeup cost the
 * sleeper a futex wait or poll(2) and a context switch and the peer a
 * wakeup call, several microseconds of CPU between them; a peer that
 * answers sooner is caught by looking at the ring first. The bound
 * starts at KUC_SPIN_MAX_NS; a spin that catches its message sets it to
 * twice what that one took (at least what it was, at most the maximum),
 * one that ends in a sleep halves it (down to KUC_SPIN_MIN_NS), and every
 * KUC_SPIN_RETRY-th miss in a row tries the maximum again, in case the
 * peer got faster. A side whose waits are long thus spends at most
 * about KUC_SPIN_MIN_NS + KUC_SPIN_MAX_NS / KUC_SPIN_RETRY of CPU per
 * sleep, 1.1 us (a sleep and its wakeup measured ~5 us of CPU on the
 * host of bench/README); one whose peer answers within the bound sleeps not at
 * all. Never on one CPU, where the spinner would only delay its peer.
 */
#define KUC_SPIN_MAX_NS		10000
#define KUC_SPIN_MIN_NS		500
#define KUC_SPIN_RETRY		16
/* Turns of the loop between two looks at the clock. */
#define KUC_SPIN_CLOCK_TURNS	32
/*
 * kuc_release() on a channel whose rx view caches the producer position
 * looks for a producer waiting for room once this part of the ring was
 * released since it last looked, and whenever its view ran empty.
 */
#define KUC_RX_CHECK_PART	8
/* The endpoint thread's channel, for the -EDEADLK check of a handler. */
static _Thread_local struct kuc_channel *kuc_ep_current;

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
	ch->tx_spin.ns = KUC_SPIN_MAX_NS;
	ch->rx_spin.ns = KUC_SPIN_MAX_NS;
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

int kuc_open(const char *spec, struct kuc_channel **out)
{
	char name[KUCOMMS_NAME_MAX + 1];
	enum kuc_kind kind;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	ret = kuc_spec_parse(spec, &kind, name, sizeof(name));
	if (ret)
		return ret;
	if (kind == KUC_KIND_SHM)
		return kuc_shm_open_client(name, out);
	return kuc_device_open(name, out);
}

void kuc_close(struct kuc_channel *ch)
{
	if (!ch)
		return;
	kuc_endpoint_stop(ch);
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

/* ---- spinning before sleeping (KUC_SPIN_MAX_NS above) --------------- */

static inline void kuc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* More than one CPU online (asked once; a racy but idempotent cache). */
static bool kuc_spin_worth(void)
{
	static int ncpu;
	int n = __atomic_load_n(&ncpu, __ATOMIC_RELAXED);

	if (!n) {
		n = (int)sysconf(_SC_NPROCESSORS_ONLN);
		if (n < 1)
			n = 1;
		__atomic_store_n(&ncpu, n, __ATOMIC_RELAXED);
	}
	return n > 1;
}

/* What a spin waits for: a message (rx) or @need bytes of room (tx). */
static bool kuc_spin_ready(struct kuc_channel *ch, bool rx, uint64_t need)
{
	long long n;

	if (rx)
		return kucomms_ring_avail(&ch->rx) != 0;
	n = kucomms_ring_space(&ch->tx);
	return n < 0 || (uint64_t)n >= need;
}

/*
 * Look at the ring for up to the side's bound (and never past @dl)
 * before the caller sleeps: true when what it waits for came (or the
 * ring broke: the caller looks and finds out), false when it should
 * sleep. Only reads the rings, so it needs no handshake: the caller's
 * sleep still announces itself (NEED_WAKEUP, the full counter) first.
 */
static bool kuc_spin(struct kuc_channel *ch, struct kuc_spin *sp, bool rx,
		     uint64_t need, const struct kuc_deadline *dl)
{
	/*
	 * Relaxed atomics: kuc_wait(POLLOUT) may run in several sending
	 * threads at once; a lost update only makes one bound less apt.
	 */
	int64_t ns = __atomic_load_n(&sp->ns, __ATOMIC_RELAXED);
	int64_t start, took, limit = ns, left = kuc_deadline_left(dl);
	unsigned int turn, misses;

	if (dl->none || !kuc_spin_worth())
		return false;
	if (left < limit)
		limit = left;
	start = kuc_now_ns();
	for (turn = 1;; turn++) {
		if (kuc_spin_ready(ch, rx, need)) {
			took = 2 * (kuc_now_ns() - start);
			if (took > ns)
				__atomic_store_n(&sp->ns, took < KUC_SPIN_MAX_NS ?
						 took : KUC_SPIN_MAX_NS,
						 __ATOMIC_RELAXED);
			__atomic_store_n(&sp->misses, 0, __ATOMIC_RELAXED);
			return true;
		}
		kuc_cpu_relax();
		if (!(turn % KUC_SPIN_CLOCK_TURNS) &&
		    kuc_now_ns() - start >= limit)
			break;
	}
	misses = __atomic_load_n(&sp->misses, __ATOMIC_RELAXED) + 1;
	__atomic_store_n(&sp->misses, misses, __ATOMIC_RELAXED);
	if (misses % KUC_SPIN_RETRY == 0)
		ns = KUC_SPIN_MAX_NS;
	else
		ns = ns / 2 > KUC_SPIN_MIN_NS ? ns / 2 : KUC_SPIN_MIN_NS;
	__atomic_store_n(&sp->ns, ns, __ATOMIC_RELAXED);
	return false;
}

int kuc_wait(struct kuc_channel *ch, short events, int timeout_ms)
{
	struct kuc_deadline dl = kuc_deadline(timeout_ms);

	/*
	 * A receiver waits for a message, a sender for half the ring, as
	 * the transports' POLLIN and POLLOUT say.
	 */
	if (events & POLLIN)
		kuc_spin(ch, &ch->rx_spin, true, 0, &dl);
	else if (events & POLLOUT)
		kuc_spin(ch, &ch->tx_spin, false, ch->tx.size / 2, &dl);
	return ch->ops->wait(ch, events, &dl);
}

/* ---- sending -------------------------------------------------------- */

int kuc_flush(struct kuc_channel *ch)
{
	uint64_t cons;

	if (!ch->tx_unflushed)
		return ch->ops->state(ch);
	ch->tx_unflushed = false;
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
 * kucomms_ring_produce(), with the tap's record made between the copy
 * and the publication: a record is in the tap before the peer can see
 * its message, so a reply is never captured before its request.
 */
static int kuc_publish(struct kuc_channel *ch,
		       const struct kucomms_msg_hdr *hdr, const void *data)
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
	if (ret == -EAGAIN)
		kuc_tx_full(ch);
	if (!slot)
		return ret;
	kucomms_ring_fill(slot, hdr, data);
	if (kuc_tap_on(ch))
		kuc_shm_tap_put(ch, hdr, data);
	kucomms_ring_commit(&ch->tx);
	kuc_tx_counted(ch, hdr->length);
	ch->tx_unflushed = true;
	return 0;
}

int kuc_send_more(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		  const void *data)
{
	return kuc_publish(ch, hdr, data);
}

int kuc_send(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
	     const void *data)
{
	int ret = kuc_publish(ch, hdr, data);

	if (ret) {
		/* Earlier kuc_send_more() messages still get their kick. */
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
	int ret;

	for (;;) {
		ret = kuc_send(ch, hdr, data);
		if (ret != -EAGAIN || dl->none)
			return ret;
		if (kuc_spin(ch, &ch->tx_spin, false,
			     kucomms_record_size(hdr->length), dl))
			continue;
		ret = ch->ops->wait_room(ch, kucomms_record_size(hdr->length),
					 dl);
		if (ret)
			return ret;
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
			kuc_tx_full(ch);
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

int kuc_commit(struct kuc_channel *ch)
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
		kuc_shm_tap_put(ch, &hdr, ch->tx_slot + 1);
	}
	ch->tx_slot = NULL;
	kucomms_ring_commit(&ch->tx);
	kuc_tx_counted(ch, ch->tx_slot_len);
	ch->tx_unflushed = true;
	return kuc_flush(ch);
}

/* ---- receiving ------------------------------------------------------ */

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
	full = kuc_read_once(ch->rx.prod->full);
	if (full == ch->rx_full_seen)
		return false;
	avail = kucomms_ring_avail(&ch->rx);
	if (avail < 0 || (uint64_t)avail > ch->rx.size / 2)
		return false;
	ch->rx_full_seen = full;
	return true;
}

static void kuc_rx_freed(struct kuc_channel *ch)
{
	if (kuc_rx_producer_waits(ch))
		ch->ops->kick_producer(ch);
}

/* Release the peeked record (the ring's rec size) and count it. */
static void kuc_rx_consume(struct kuc_channel *ch, uint64_t rec,
			   uint64_t length)
{
	kucomms_ring_release(&ch->rx, rec);
	kuc_count(&ch->rx_st.msgs, 1);
	kuc_count(&ch->rx_st.bytes, length);
}

static int kuc_rx_peek(struct kuc_channel *ch, struct kucomms_msg_hdr *hdr,
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

/* Receiving side: a shm server takes its next client (see accept()). */
static bool kuc_rx_accept(struct kuc_channel *ch)
{
	return ch->ops->accept && ch->ops->accept(ch);
}

static bool kuc_ep_running(const struct kuc_channel *ch)
{
	return __atomic_load_n(&ch->ep_running, __ATOMIC_RELAXED);
}

int kuc_peek(struct kuc_channel *ch, struct kucomms_msg_hdr *hdr,
	     const void **data)
{
	if (!hdr || !data)
		return -EINVAL;
	if (kuc_ep_running(ch))
		return -EBUSY;
	kuc_rx_accept(ch);
	return kuc_rx_peek(ch, hdr, data);
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
	const void *data;
	bool expired = false, hup = false, spun = false;
	int ret;

	if (!hdr || (bufsz && !buf))
		return -EINVAL;
	if (kuc_ep_running(ch))
		return -EBUSY;
	for (;;) {
		kuc_rx_accept(ch);
		ret = kuc_rx_peek(ch, &h, &data);
		if (!ret) {
			*hdr = h;
			if (h.length > bufsz) {
				ch->rx_peeked = 0;	/* stays queued */
				return -EMSGSIZE;
			}
			if (h.length)
				memcpy(buf, data, h.length);
			kuc_release(ch);
			return 0;
		}
		if (ret != -EAGAIN)
			return ret;
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
		if (ret == -ETIMEDOUT)
			expired = true;	/* one last look */
		else if (ret < 0)
			return ret;
		else if (ret)
			hup = true;	/* one last look */
	}
}

/* ---- the endpoint thread -------------------------------------------- */

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
	struct timespec ts;
	bool hung = false, hup_seen = false;
	int n;

	kuc_ep_current = ch;
	kuc_ep_follow(ch);
	while (!__atomic_load_n(&ch->ep_stop, __ATOMIC_ACQUIRE)) {
		n = hung ? 0 : kuc_ep_deliver(ch);
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
		left = wake - kuc_now_ns();
		if (left <= 0)
			continue;
		ts = kuc_ns_to_ts(left);
		switch (ch->ops->ep_sleep(ch, &ts, hung)) {
		case 1:
			return NULL;
		case 2:
			hup_seen = true;
			break;
		}
	}
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
