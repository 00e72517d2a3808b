// SPDX-License-Identifier: MIT
/*
 * Channels: a connection to a kernel endpoint through /dev/kucomms_NAME.
 *
 * All ring logic is kucomms_ring.h's; this file only maps the rings,
 * decides when to sleep and when to wake the kernel:
 *   - after publishing, the kernel is kicked (KUCOMMS_IOC_KICK) only when
 *     it announced that it sleeps (NEED_WAKEUP), and only once until it
 *     made progress;
 *   - a receiver that found its ring empty sleeps in poll(POLLIN): the
 *     kernel wakes poll() waiters when it publishes;
 *   - a sender that found its ring full sleeps in poll(POLLOUT), which the
 *     kernel reports while the ring is at most half full;
 *   - the kernel waits for room in the k2u ring without being told when
 *     it appears, so after consuming, a receiver that sees the kernel
 *     found the ring full (its producer's full counter moved) kicks it
 *     once at least half of the ring is free again.
 */
#define _FILE_OFFSET_BITS 64	/* KUCOMMS_MMAP_RW is beyond 4 GiB */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "channel_internal.h"

#define NSEC_PER_MSEC		1000000LL
#define NSEC_PER_SEC		1000000000LL
#define KUC_WORK_PERIOD_NS	(NSEC_PER_SEC / 100)
#define KUC_TIMER_PERIOD_NS	NSEC_PER_SEC
/* Missed periods caught up on before the schedule restarts (as the kernel). */
#define KUC_MAX_CATCH_UP	10
/* Messages the endpoint thread delivers before it looks at the clock. */
#define KUC_EP_BATCH		64
/*
 * Publications left without a kick while the kernel has not yet consumed
 * what came with our last one; after that many we kick again in case it
 * never will (it could not allocate, say).
 */
#define KUC_KICK_SUPPRESS_MAX	256
/* Naps of a sender whose record does not fit although POLLOUT is ready. */
#define KUC_NAP_MIN_NS		(50 * 1000LL)
#define KUC_NAP_MAX_NS		NSEC_PER_MSEC

/* The endpoint thread's channel, for the -EDEADLK check of a handler. */
static _Thread_local struct kuc_channel *kuc_ep_current;

/* ---- time ----------------------------------------------------------- */

static int64_t kuc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static struct timespec kuc_ns_to_ts(int64_t ns)
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

static struct kuc_deadline kuc_deadline(int timeout_ms)
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
static int64_t kuc_deadline_left(const struct kuc_deadline *dl)
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
 * One poll() of the channel's file until @dl. Returns 0 with *@revents
 * set, -ETIMEDOUT, -EINTR or another negative errno.
 */
static int kuc_poll_fd(struct kuc_channel *ch, short events,
		       const struct kuc_deadline *dl, short *revents,
		       uint64_t *waits)
{
	struct pollfd p = { .fd = ch->fd, .events = events };
	int64_t left = kuc_deadline_left(dl);
	struct timespec ts;
	int n;

	if (!left)
		return -ETIMEDOUT;
	ts = kuc_ns_to_ts(left);
	kuc_count(waits, 1);
	n = ppoll(&p, 1, left == INT64_MAX ? NULL : &ts, NULL);
	if (n < 0)
		return -errno;
	if (!n)
		return -ETIMEDOUT;
	*revents = p.revents;
	return 0;
}

/* ---- state ---------------------------------------------------------- */

/* The connection's state as an error: 0 while open. */
static int kuc_state_err(const struct kuc_channel *ch)
{
	switch (__atomic_load_n(&ch->info->state, __ATOMIC_ACQUIRE)) {
	case KUCOMMS_STATE_OPEN:
		return 0;
	case KUCOMMS_STATE_CORRUPT:
		return -EPROTO;
	default:
		return -ESHUTDOWN;
	}
}

/* What poll()'s POLLHUP/POLLERR means when the state page still says open. */
static int kuc_hangup_err(const struct kuc_channel *ch, short revents)
{
	int err = kuc_state_err(ch);

	if (err)
		return err;
	return revents & POLLERR ? -EPROTO : -ESHUTDOWN;
}

static int kuc_kick(struct kuc_channel *ch, uint64_t *counter)
{
	kuc_count(counter, 1);
	if (!ioctl(ch->fd, KUCOMMS_IOC_KICK))
		return 0;
	return -errno;
}

/* ---- open and close ------------------------------------------------- */

/* The /dev directory; KUC_DEV_ROOT replaces it for tests (as control.c). */
static const char *kuc_dev_root(void)
{
	const char *root = secure_getenv("KUC_DEV_ROOT");

	return root && *root ? root : "/dev";
}

/* Everything the mapping sizes and the ring code rely on, checked once. */
static bool kuc_info_ok(const struct kucomms_info *info)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t size = info->ring_size;

	return info->magic == KUCOMMS_MAGIC &&
	       info->abi_version == KUCOMMS_ABI_VERSION &&
	       info->page_size == KUCOMMS_PAGE_SIZE &&
	       page == (long)info->page_size &&
	       size >= (1ULL << KUCOMMS_RING_ORDER_MIN) &&
	       size <= (1ULL << KUCOMMS_RING_ORDER_MAX) &&
	       !(size & (size - 1)) &&
	       info->msg_max == KUCOMMS_MSG_MAX(size);
}

static int kuc_map(struct kuc_channel *ch, uint64_t size)
{
	unsigned char *ro, *rw;

	ch->ro_len = (size_t)KUCOMMS_RO_PAGES(size) * KUCOMMS_PAGE_SIZE;
	ch->rw_len = (size_t)KUCOMMS_RW_PAGES(size) * KUCOMMS_PAGE_SIZE;
	ro = mmap(NULL, ch->ro_len, PROT_READ, MAP_SHARED, ch->fd,
		  (off_t)KUCOMMS_MMAP_RO);
	if (ro == MAP_FAILED)
		return -errno;
	ch->ro = ro;
	rw = mmap(NULL, ch->rw_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		  ch->fd, (off_t)KUCOMMS_MMAP_RW);
	if (rw == MAP_FAILED)
		return -errno;
	ch->rw = rw;
	ch->info = (const struct kucomms_info *)ro;

	/*
	 * Our own positions start where the shared pages say (read once:
	 * from here on only our private copies count), 0 on a new
	 * connection.
	 */
	kucomms_ring_init(&ch->tx,
			  (struct kucomms_ring_prod *)rw,
			  (struct kucomms_ring_cons *)(ro + KUCOMMS_PAGE_SIZE),
			  rw + 2 * KUCOMMS_PAGE_SIZE, size,
			  kuc_read_once(((struct kucomms_ring_prod *)rw)->pos));
	kucomms_ring_init(&ch->rx,
			  (struct kucomms_ring_prod *)(ro + 2 * KUCOMMS_PAGE_SIZE),
			  (struct kucomms_ring_cons *)(rw + KUCOMMS_PAGE_SIZE),
			  ro + 3 * KUCOMMS_PAGE_SIZE, size,
			  kuc_read_once(((struct kucomms_ring_cons *)
					 (rw + KUCOMMS_PAGE_SIZE))->pos));
	ch->rx_full_seen = kuc_read_once(ch->rx.prod->full);
	return 0;
}

static void kuc_free(struct kuc_channel *ch)
{
	if (ch->rw)
		munmap(ch->rw, ch->rw_len);
	if (ch->ro)
		munmap(ch->ro, ch->ro_len);
	if (ch->fd >= 0)
		close(ch->fd);
	pthread_mutex_destroy(&ch->send_lock);
	pthread_mutex_destroy(&ch->ep_lock);
	free(ch);
}

int kuc_open(const char *name, struct kuc_channel **out)
{
	char full[KUCOMMS_NAME_MAX + 1], path[PATH_MAX];
	struct kucomms_info info;
	struct kuc_channel *ch;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	ret = kuc_name_normalize(name, full, sizeof(full));
	if (ret)
		return ret;
	ret = snprintf(path, sizeof(path), "%s/%s", kuc_dev_root(), full);
	if (ret < 0 || (size_t)ret >= sizeof(path))
		return -ENAMETOOLONG;

	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->ep_stop_fd = -1;
	pthread_mutex_init(&ch->send_lock, NULL);
	pthread_mutex_init(&ch->ep_lock, NULL);
	ch->fd = open(path, O_RDWR | O_CLOEXEC);
	if (ch->fd < 0) {
		ret = -errno;
		/* No node because no module: say so, as the control API does. */
		if (ret == -ENOENT && !kuc_module_loaded())
			ret = -ENODEV;
		goto fail;
	}
	if (ioctl(ch->fd, KUCOMMS_IOC_INFO, &info)) {
		ret = -errno;
		goto fail;
	}
	if (!kuc_info_ok(&info)) {
		ret = -EPROTO;
		goto fail;
	}
	ret = kuc_map(ch, info.ring_size);
	if (ret)
		goto fail;
	*out = ch;
	return 0;
fail:
	kuc_free(ch);
	return ret;
}

void kuc_close(struct kuc_channel *ch)
{
	if (!ch)
		return;
	kuc_endpoint_stop(ch);
	kuc_free(ch);
}

int kuc_fd(const struct kuc_channel *ch)
{
	return ch->fd;
}

size_t kuc_msg_max(const struct kuc_channel *ch)
{
	return ch->tx.msg_max;
}

uint64_t kuc_conn_id(const struct kuc_channel *ch)
{
	return ch->info->conn_id;
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

/* ---- sending -------------------------------------------------------- */

int kuc_flush(struct kuc_channel *ch)
{
	uint64_t cons;

	if (!ch->tx_unflushed)
		return kuc_state_err(ch);
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
	return kuc_kick(ch, &ch->tx_st.kicks);
}

static int kuc_publish(struct kuc_channel *ch,
		       const struct kucomms_msg_hdr *hdr, const void *data)
{
	int ret;

	if (!hdr || (hdr->length && !data))
		return -EINVAL;
	ret = kuc_state_err(ch);
	if (ret)
		return ret;
	ch->tx_slot = NULL;	/* a reservation not committed is dropped */
	ret = kucomms_ring_produce(&ch->tx, hdr, data);
	if (ret == -EAGAIN)
		kuc_count(&ch->tx_st.full, 1);
	if (ret)
		return ret;
	kuc_count(&ch->tx_st.msgs, 1);
	kuc_count(&ch->tx_st.bytes, hdr->length);
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

/* True when poll(POLLOUT) would return at once: half the ring is free. */
static bool kuc_tx_half_free(const struct kuc_channel *ch)
{
	long long space = kucomms_ring_space(&ch->tx);

	return space < 0 || (uint64_t)space >= ch->tx.size / 2;
}

static int kuc_send_until(struct kuc_channel *ch,
			  const struct kucomms_msg_hdr *hdr, const void *data,
			  const struct kuc_deadline *dl)
{
	int64_t nap = KUC_NAP_MIN_NS, left;
	struct timespec ts;
	short revents;
	int ret;

	for (;;) {
		ret = kuc_send(ch, hdr, data);
		if (ret != -EAGAIN || dl->none)
			return ret;
		if (!kuc_tx_half_free(ch)) {
			ret = kuc_poll_fd(ch, POLLOUT, dl, &revents,
					  &ch->tx_st.waits);
			if (ret)
				return ret;
			if (revents & (POLLERR | POLLHUP | POLLNVAL))
				return kuc_hangup_err(ch, revents);
			nap = KUC_NAP_MIN_NS;
			continue;
		}
		/*
		 * A record larger than half the ring: POLLOUT is ready yet
		 * it does not fit. The kernel is consuming (it was kicked
		 * or is running), so nap briefly rather than spin.
		 */
		left = kuc_deadline_left(dl);
		if (!left)
			return -ETIMEDOUT;
		ts = kuc_ns_to_ts(nap < left ? nap : left);
		kuc_count(&ch->tx_st.waits, 1);
		if (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == EINTR)
			return -EINTR;
		if (nap < KUC_NAP_MAX_NS)
			nap *= 2;
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
	ret = kuc_state_err(ch);
	if (ret)
		goto fail;
	slot = kucomms_ring_reserve(&ch->tx, length, &ret);
	if (!slot) {
		if (ret == -EAGAIN)
			kuc_count(&ch->tx_st.full, 1);
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
	int ret;

	if (!ch->tx_slot)
		return -EINVAL;
	ret = kuc_state_err(ch);
	if (ret) {
		ch->tx_slot = NULL;
		ch->tx.pending = 0;
		return ret;
	}
	/* The caller wrote the header in shared memory: length is ours. */
	ch->tx_slot->length = ch->tx_slot_len;
	ch->tx_slot = NULL;
	kucomms_ring_commit(&ch->tx);
	kuc_count(&ch->tx_st.msgs, 1);
	kuc_count(&ch->tx_st.bytes, ch->tx_slot_len);
	ch->tx_unflushed = true;
	return kuc_flush(ch);
}

/* ---- receiving ------------------------------------------------------ */

/*
 * After consuming: if the kernel found the k2u ring full since we last
 * looked, it may be waiting for room; kick it once half the ring is
 * free. The full barrier orders our release of the space before the read
 * of its counter, as the kernel increments the counter before it checks
 * for room again.
 */
static void kuc_rx_freed(struct kuc_channel *ch)
{
	long long avail;
	uint64_t full;

	kuc_full_barrier();
	full = kuc_read_once(ch->rx.prod->full);
	if (full == ch->rx_full_seen)
		return;
	avail = kucomms_ring_avail(&ch->rx);
	if (avail < 0 || (uint64_t)avail > ch->rx.size / 2)
		return;
	ch->rx_full_seen = full;
	kuc_kick(ch, &ch->rx_st.kicks);
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
	ret = kuc_state_err(ch);
	if (ret == -EPROTO)
		return ret;
	rec = kucomms_ring_peek(&ch->rx, hdr, data);
	if (rec > 0) {
		ch->rx_peeked = rec;
		ch->rx_peeked_len = hdr->length;
		return 0;
	}
	if (rec != -EAGAIN)
		return -EPROTO;
	return ret ? ret : -EAGAIN;
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
	return kuc_rx_peek(ch, hdr, data);
}

void kuc_release(struct kuc_channel *ch)
{
	if (!ch->rx_peeked)
		return;
	kuc_rx_consume(ch, ch->rx_peeked, ch->rx_peeked_len);
	ch->rx_peeked = 0;
	kuc_rx_freed(ch);
}

int kuc_recv(struct kuc_channel *ch, struct kucomms_msg_hdr *hdr, void *buf,
	     size_t bufsz, int timeout_ms)
{
	struct kuc_deadline dl = kuc_deadline(timeout_ms);
	struct kucomms_msg_hdr h;
	const void *data;
	bool expired = false;
	short revents = 0;
	int ret;

	if (!hdr || (bufsz && !buf))
		return -EINVAL;
	if (kuc_ep_running(ch))
		return -EBUSY;
	for (;;) {
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
		/* Empty, open, and poll() said it is not: do not spin. */
		if (revents & (POLLERR | POLLHUP | POLLNVAL))
			return kuc_hangup_err(ch, revents);
		ret = kuc_poll_fd(ch, POLLIN, &dl, &revents, &ch->rx_st.waits);
		if (ret == -ETIMEDOUT)
			expired = true;	/* one last look */
		else if (ret)
			return ret;
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

static void *kuc_ep_main(void *arg)
{
	struct kuc_channel *ch = arg;
	const struct kuc_handlers *h = &ch->ep_handlers;
	int64_t start = kuc_now_ns(), wake, left;
	int64_t next_work = start + KUC_WORK_PERIOD_NS;
	int64_t next_timer = start + KUC_TIMER_PERIOD_NS;
	struct timespec ts, *tsp;
	struct pollfd pfd[2];
	bool hung = false, hup_seen = false;
	int n;

	kuc_ep_current = ch;
	pfd[0].fd = ch->fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = ch->ep_stop_fd;
	pfd[1].events = POLLIN;
	while (!__atomic_load_n(&ch->ep_stop, __ATOMIC_ACQUIRE)) {
		n = hung ? 0 : kuc_ep_deliver(ch);
		kuc_ep_periodic(ch, h->work, &next_work, KUC_WORK_PERIOD_NS);
		kuc_ep_periodic(ch, h->timer, &next_timer,
				KUC_TIMER_PERIOD_NS);
		if (n == KUC_EP_BATCH)
			continue;	/* more may wait */
		/*
		 * After POLLHUP/POLLERR the ring is drained first; once it is
		 * empty the fd would report the same at once for ever, so it
		 * is no longer polled.
		 */
		if (n < 0 || (!n && hup_seen))
			hung = true;

		wake = INT64_MAX;
		if (h->work && next_work < wake)
			wake = next_work;
		if (h->timer && next_timer < wake)
			wake = next_timer;
		tsp = NULL;
		if (wake != INT64_MAX) {
			left = wake - kuc_now_ns();
			if (left <= 0)
				continue;
			ts = kuc_ns_to_ts(left);
			tsp = &ts;
		}
		pfd[0].fd = hung ? -1 : ch->fd;
		kuc_count(&ch->rx_st.waits, 1);
		if (ppoll(pfd, 2, tsp, NULL) < 0)
			continue;	/* EINTR (signals are blocked anyway) */
		if (pfd[1].revents & POLLIN)
			break;
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))
			hup_seen = true;
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
	ch->ep_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ch->ep_stop_fd < 0) {
		ret = -errno;
		goto out;
	}
	ch->ep_handlers = *handlers;
	ch->ep_ctx = ctx;
	__atomic_store_n(&ch->ep_stop, 0, __ATOMIC_RELAXED);
	/* A library thread takes no signals: the application's threads do. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&ch->ep_thread, NULL, kuc_ep_main, ch);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		close(ch->ep_stop_fd);
		ch->ep_stop_fd = -1;
		goto out;
	}
	__atomic_store_n(&ch->ep_running, 1, __ATOMIC_RELAXED);
out:
	pthread_mutex_unlock(&ch->ep_lock);
	return ret;
}

int kuc_endpoint_stop(struct kuc_channel *ch)
{
	uint64_t one = 1;
	int ret = 0;

	if (kuc_ep_current == ch)
		return -EDEADLK;
	pthread_mutex_lock(&ch->ep_lock);
	if (!kuc_ep_running(ch)) {
		ret = -ESRCH;
		goto out;
	}
	__atomic_store_n(&ch->ep_stop, 1, __ATOMIC_RELEASE);
	/* Wake it from poll(); adding 1 to an eventfd cannot fail here. */
	if (write(ch->ep_stop_fd, &one, sizeof(one)) != sizeof(one))
		abort();
	pthread_join(ch->ep_thread, NULL);
	close(ch->ep_stop_fd);
	ch->ep_stop_fd = -1;
	__atomic_store_n(&ch->ep_running, 0, __ATOMIC_RELAXED);
out:
	pthread_mutex_unlock(&ch->ep_lock);
	return ret;
}
