/* SPDX-License-Identifier: MIT */
/*
 * The channel handle behind struct kuc_channel (kuc.h). Private to libkuc.
 *
 * A channel is a pair of rings, one we produce into (tx) and one we
 * consume from (rx), and a transport that knows how the peer is woken and
 * how we sleep:
 *   device  one open() of /dev/kucomms_NAME with both of its mmap()
 *           regions mapped; the kernel is kicked with an ioctl, we sleep
 *           in poll(2) (channel_device.c);
 *   shm     one side of a POSIX shared-memory segment (server or client),
 *           futexes on the ring positions (channel_shm.h lists its
 *           files);
 *   pair    both sides of such a segment in one process, over a memfd
 *           (the same files).
 * Everything else is one copy for all of them, which calls a transport
 * only through its table (struct kuc_transport): the handle in
 * channel.c, sending and zero-copy in channel_send.c, receiving in
 * channel_recv.c, the endpoint thread in endpoint_thread.c, the spin
 * before a sleep in spin.c. Each side's private state is grouped below,
 * so that one sending and one receiving thread never write the same
 * field.
 *
 * Every message of every kind passes kuc_publish()/kuc_commit() (sent)
 * in channel_send.c: there a channel whose transport has a tap_put
 * (shm: the sender copies it into its tap ring for kucdump, see
 * kucomms_shm.h) records it when a tap reader listens, at the cost of
 * one load (kuc_tap_on()) when none does. Devices are tapped by the
 * kernel, pairs not at all.
 */
#ifndef KUC_CHANNEL_INTERNAL_H
#define KUC_CHANNEL_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <kucomms/kucomms_ring.h>
#include <kucomms/kucomms_shm.h>

#include "kuc.h"

/* Kept out of libkuc.so's dynamic symbol table (as in mirror.h). */
#ifndef KUC_PRIVATE
#define KUC_PRIVATE __attribute__((visibility("hidden")))
#endif

/*
 * Counters written by one side only and read by kuc_channel_stats() from
 * any thread: relaxed atomics, so that the reader sees whole values
 * without the writer paying for a locked instruction.
 */
static inline void kuc_count(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

static inline uint64_t kuc_counter(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

struct kuc_side_stats {
	uint64_t msgs, bytes, kicks, waits, full;
};

/* ---- time ----------------------------------------------------------- */

#define NSEC_PER_USEC		1000LL
#define NSEC_PER_MSEC		1000000LL
#define NSEC_PER_SEC		1000000000LL

static inline int64_t kuc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static inline struct timespec kuc_ns_to_ts(int64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / NSEC_PER_SEC,
		.tv_nsec = ns % NSEC_PER_SEC,
	};

	return ts;
}

/* A time-out in milliseconds as an absolute deadline: -1 never, 0 now. */
struct kuc_deadline {
	int64_t at;
	bool forever;
	bool none;		/* timeout 0: never wait */
};

static inline struct kuc_deadline kuc_deadline(int timeout_ms)
{
	struct kuc_deadline dl = {
		.forever = timeout_ms < 0,
		.none = timeout_ms == 0,
	};

	if (timeout_ms > 0)
		dl.at = kuc_now_ns() + timeout_ms * NSEC_PER_MSEC;
	return dl;
}

/* Nanoseconds left, 0 once passed; INT64_MAX for ever. */
static inline int64_t kuc_deadline_left(const struct kuc_deadline *dl)
{
	int64_t left;

	if (dl->forever)
		return INT64_MAX;
	if (dl->none)
		return 0;
	left = dl->at - kuc_now_ns();
	return left > 0 ? left : 0;
}

/*
 * How long one side spins before it sleeps (spin.c, kuc_spin()):
 * adapted to how long its waits have been, per channel and side.
 */
struct kuc_spin {
	int64_t ns;			/* the bound of the next spin */
	unsigned int misses;		/* spins that ended in a sleep */
	int64_t slept_from;		/* start of the wait now sleeping, 0 */
};

/* ---- transports ----------------------------------------------------- */

struct kuc_channel;

/*
 * What differs between a device, a shm segment and an in-process pair.
 * "Sleep" functions may return early (spuriously); their callers look at
 * the rings again in every case.
 */
struct kuc_transport {
	enum kuc_kind kind;
	/*
	 * The connection's state as an error, cheap (no syscall): 0 while
	 * open, -ESHUTDOWN or -ECONNRESET once the peer went away (the rx
	 * ring still drains), -EPROTO once broken, -ENOTCONN for a shm
	 * server with no client.
	 */
	int (*state)(struct kuc_channel *ch);
	/*
	 * Receiving side, NULL but for shm: a server whose client is over
	 * (state() said -ENOTCONN) serves the one that attached since, if
	 * any; true when it took one. Only the receiver accepts, so that the
	 * endpoint thread ends one connection (disconnect) before the next
	 * begins (connect), with kuc_conn_id() the right one in both.
	 */
	bool (*accept)(struct kuc_channel *ch);
	/* The rx ring held impossible values: record it, return the error. */
	int (*rx_broken)(struct kuc_channel *ch);
	/* After publishing: the peer consumer announced its sleep. */
	int (*kick_consumer)(struct kuc_channel *ch);
	/*
	 * kuc_set_direct(): NULL where the peer's handlers cannot run in
	 * our thread (shm, pair).
	 */
	int (*set_direct)(struct kuc_channel *ch, bool on);
	/* After consuming: the peer producer may be waiting for room. */
	void (*kick_producer)(struct kuc_channel *ch);
	/*
	 * Sleep until a message may have arrived or @dl. 0 (look again),
	 * 1 (the peer hung up: look once more, then report the state),
	 * -ETIMEDOUT, -EINTR or another negative errno.
	 */
	int (*wait_msg)(struct kuc_channel *ch, const struct kuc_deadline *dl);
	/* Sleep until @need bytes may be free in tx, or @dl. */
	int (*wait_room)(struct kuc_channel *ch, uint64_t need,
			 const struct kuc_deadline *dl);
	/* kuc_wait(): POLLIN/POLLOUT/POLLHUP/POLLERR ready, 0 at @dl. */
	int (*wait)(struct kuc_channel *ch, short events,
		    const struct kuc_deadline *dl);
	/* Endpoint thread: set up, sleep (message, stop or @timeout), wake. */
	int (*ep_setup)(struct kuc_channel *ch);
	/* Returns 1 when stopped, 2 when the peer hung up, else 0. */
	int (*ep_sleep)(struct kuc_channel *ch, const struct timespec *timeout,
			bool hung);
	void (*ep_interrupt)(struct kuc_channel *ch);
	void (*ep_teardown)(struct kuc_channel *ch);
	/*
	 * Sending side: record the message about to be published for a tap
	 * reader (kucdump), or count a drop; never waits. Called only while
	 * kuc_tap_on(), so it may be NULL where tap_gen stays
	 * &kuc_tap_never (the device: its tap is the kernel's; the pair).
	 */
	void (*tap_put)(struct kuc_channel *ch,
			const struct kucomms_msg_hdr *hdr, const void *data);
	int (*fd)(const struct kuc_channel *ch);
	uint64_t (*conn_id)(const struct kuc_channel *ch);
	/* Tell the peer we go, unmap, release what the transport holds. */
	void (*close)(struct kuc_channel *ch);
};

extern const struct kuc_transport kuc_device_transport;
extern const struct kuc_transport kuc_shm_transport;

struct kuc_shm;

struct kuc_channel {
	const struct kuc_transport *ops;

	/* device */
	int fd;
	void *ro, *rw;			/* the two mmap() regions */
	size_t ro_len, rw_len;
	const struct kucomms_info *info;	/* page 0 of @ro */
	int direct;			/* atomic: kuc_set_direct() */

	/* shm and pair */
	struct kuc_shm *shm;

	/* Sending side: the send mutex's holder or the one unlocked sender. */
	pthread_mutex_t send_lock;
	struct kucomms_ring tx;		/* u2k, we produce */
	struct kucomms_msg_hdr *tx_slot;	/* reserved, not committed */
	uint64_t tx_slot_len;
	bool tx_unflushed;		/* committed, not published or wakeup
					 * not checked yet (kuc_flush()) */
	bool tx_kicked;			/* tx_kick_prod is valid */
	uint64_t tx_kick_prod;		/* our position at our last kick */
	unsigned int tx_suppressed;	/* kicks left out since then */
	int64_t tx_nap_ns;		/* device: nap while POLLOUT lies */
	struct kuc_spin tx_spin;	/* waits for room (spin.c) */
	struct kuc_side_stats tx_st;
	/*
	 * shm: the tap header's session word in the segment, non-zero while
	 * a tap reader listens; &kuc_tap_never for the other kinds.
	 */
	const uint32_t *tap_gen;
	/*
	 * shm: our counters in the segment (kucomms_shm.h), which kucctl
	 * show reads; NULL for the other kinds. Its msgs and bytes are
	 * written when we publish (kuc_tx_publish()): what they held when
	 * we set it up, plus tx_st's.
	 */
	struct kucomms_shm_stats *seg_st;
	uint64_t seg_msgs0, seg_bytes0;

	/* Receiving side: kuc_recv()/kuc_peek() or the endpoint thread. */
	struct kucomms_ring rx;		/* k2u, we consume */
	uint64_t rx_peeked;		/* record size of the peeked message */
	uint64_t rx_peeked_len;
	uint64_t rx_full_seen;		/* kernel's k2u full count we acted on */
	uint64_t rx_unchecked;		/* released since the last such look */
	struct kuc_spin rx_spin;	/* waits for messages (spin.c) */
	/*
	 * Our NEED_WAKEUP flag stayed up after a sleep that timed out (the
	 * endpoint thread's periodic handlers were due): the next sleep
	 * needs no new announcement (channel_shm.c). Taken down by
	 * kuc_rx_disarm() as soon as there is something to receive.
	 */
	bool rx_armed;
	struct kuc_side_stats rx_st;

	/* The endpoint thread (kuc_endpoint_start()). */
	pthread_mutex_t ep_lock;	/* start and stop */
	pthread_t ep_thread;
	int ep_running;			/* atomic: kuc_recv() checks it */
	int ep_stop;			/* atomic: asked to stop */
	int ep_stop_fd;			/* eventfd that wakes it for the stop */
	struct kuc_handlers ep_handlers;
	void *ep_ctx;
	bool ep_connected;		/* its thread said connect, not yet
					 * disconnect (its own field) */
	int64_t ep_poll_ns;		/* atomic: kuc_endpoint_poll_idle() */
};

/*
 * + @n to a counter of ours in a segment: only this thread writes it, so
 * a load and a store, no read-modify-write between processes (relaxed:
 * kucctl may read it meanwhile, a torn value is all it must not see).
 */
static inline void kuc_seg_count(__u64 *c, __u64 n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

/*
 * A message committed: counted for the handle (kuc_channel_stats()
 * counts what was sent); the segment's counters follow at its
 * publication (kuc_tx_publish()).
 */
static inline void kuc_tx_counted(struct kuc_channel *ch, uint64_t length)
{
	kuc_count(&ch->tx_st.msgs, 1);
	kuc_count(&ch->tx_st.bytes, length);
}

/*
 * Publish what was committed (kucomms_ring.h, "Deferred publication"),
 * and for shm bring the segment's counters to it: they count what this
 * side published, as kucomms_shm.h says, and a burst of kuc_send_more()
 * costs two stores to the segment instead of two per message. Sending
 * thread only, so tx_st is read without a race.
 */
static inline void kuc_tx_publish(struct kuc_channel *ch)
{
	if (ch->tx.unpublished)
		kucomms_ring_publish(&ch->tx);
	if (ch->seg_st) {
		__atomic_store_n(&ch->seg_st->msgs, ch->seg_msgs0 +
				 kuc_counter(&ch->tx_st.msgs),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&ch->seg_st->bytes, ch->seg_bytes0 +
				 kuc_counter(&ch->tx_st.bytes),
				 __ATOMIC_RELAXED);
	}
}

/* A send that found the ring full. */
static inline void kuc_tx_full(struct kuc_channel *ch)
{
	kuc_count(&ch->tx_st.full, 1);
	if (ch->seg_st)
		kuc_seg_count(&ch->seg_st->full, 1);
}

/* A session word that is always 0: channels nobody taps in userspace. */
KUC_PRIVATE extern const uint32_t kuc_tap_never;

/* The one load per message an unwatched channel pays for the tap. */
static inline bool kuc_tap_on(const struct kuc_channel *ch)
{
	return __builtin_expect(__atomic_load_n(ch->tap_gen, __ATOMIC_RELAXED),
				0);
}

/* channel.c: a zeroed handle with its locks, for the transports' opens. */
KUC_PRIVATE struct kuc_channel *kuc_channel_alloc(void);
KUC_PRIVATE void kuc_channel_free(struct kuc_channel *ch);

/* What a look at memory in a loop does between two looks. */
static inline void kuc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* ---- spin.c --------------------------------------------------------- */

/* A side's spin bound as a new channel starts it: the maximum. */
KUC_PRIVATE void kuc_spin_init(struct kuc_spin *sp);
/*
 * Look at the ring for up to the side's bound (and never past @dl)
 * before the caller sleeps: true when what it waits for (a message with
 * @rx, else @need bytes of room) came, false when it should sleep.
 */
KUC_PRIVATE bool kuc_spin(struct kuc_channel *ch, struct kuc_spin *sp,
			  bool rx, uint64_t need,
			  const struct kuc_deadline *dl);
/*
 * What the side waited for came after kuc_spin() said sleep: a wait
 * short enough for a spin grows the bound instead (spin.c).
 */
KUC_PRIVATE void kuc_spin_woke(struct kuc_spin *sp);
/* kuc_spin_woke() with the time it ended (CLOCK_MONOTONIC ns). */
KUC_PRIVATE void kuc_spin_ended(struct kuc_spin *sp, int64_t now);

/* ---- channel_recv.c: the receiving side ----------------------------- */

/* The receiving side found the peer producer may wait for room. */
KUC_PRIVATE bool kuc_rx_producer_waits(struct kuc_channel *ch);
/* After consuming: kick the peer producer if it may wait for room. */
KUC_PRIVATE void kuc_rx_freed(struct kuc_channel *ch);

/*
 * Take our NEED_WAKEUP flag down if it stayed up (rx_armed): while it is
 * up, every message the peer sends makes a wakeup call.
 */
static inline void kuc_rx_disarm(struct kuc_channel *ch)
{
	if (!ch->rx_armed)
		return;
	ch->rx_armed = false;
	kucomms_ring_awake(&ch->rx);
}
/*
 * Peek at the next message into rx_peeked: 0, -EAGAIN (none yet, or a
 * shm server without a client), or the connection's error.
 */
KUC_PRIVATE int kuc_rx_peek(struct kuc_channel *ch,
			    struct kucomms_msg_hdr *hdr, const void **data);

/* Release the peeked record (the ring's rec size) and count it. */
static inline void kuc_rx_consume(struct kuc_channel *ch, uint64_t rec,
				  uint64_t length)
{
	kucomms_ring_release(&ch->rx, rec);
	kuc_count(&ch->rx_st.msgs, 1);
	kuc_count(&ch->rx_st.bytes, length);
}

/* Receiving side: a shm server takes its next client (see accept()). */
static inline bool kuc_rx_accept(struct kuc_channel *ch)
{
	return ch->ops->accept && ch->ops->accept(ch);
}

/* The endpoint thread runs: it is the only receiver. */
static inline bool kuc_ep_running(const struct kuc_channel *ch)
{
	return __atomic_load_n(&ch->ep_running, __ATOMIC_RELAXED);
}

/* channel_device.c and channel_shm_open.c, for kuc_open() (spec.c) */
KUC_PRIVATE int kuc_device_open(const char *name, struct kuc_channel **out);
KUC_PRIVATE int kuc_shm_open_client(const char *name,
				    struct kuc_channel **out);

#endif /* KUC_CHANNEL_INTERNAL_H */
