// SPDX-License-Identifier: MIT
/*
 * The device transport: a connection to a kernel endpoint through
 * /dev/kucomms_NAME.
 *   - after publishing, the kernel is kicked (KUCOMMS_IOC_KICK) only when
 *     it announced that it sleeps (NEED_WAKEUP), and only once until it
 *     made progress (channel_send.c decides that); with kuc_set_direct()
 *     the kick is KUCOMMS_IOC_RUN, which may deliver the messages in
 *     our system call instead of waking the kernel's thread;
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
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "channel_internal.h"
#include "sysfs.h"

/* Naps of a sender whose record does not fit although POLLOUT is ready. */
#define KUC_NAP_MIN_NS		(50 * 1000LL)
#define KUC_NAP_MAX_NS		NSEC_PER_MSEC

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

/* The connection's state as an error: 0 while open. */
static int kuc_dev_state(struct kuc_channel *ch)
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

/* The kernel notices a broken k2u ring itself when we next kick it. */
static int kuc_dev_rx_broken(struct kuc_channel *ch)
{
	(void)ch;
	return -EPROTO;
}

/* What poll()'s POLLHUP/POLLERR means when the state page still says open. */
static int kuc_hangup_err(struct kuc_channel *ch, short revents)
{
	int err = kuc_dev_state(ch);

	if (err)
		return err;
	return revents & POLLERR ? -EPROTO : -ESHUTDOWN;
}

static int kuc_kick(struct kuc_channel *ch, unsigned long cmd,
		    uint64_t *counter)
{
	kuc_count(counter, 1);
	if (!ioctl(ch->fd, cmd))
		return 0;
	return -errno;
}

static int kuc_dev_kick_consumer(struct kuc_channel *ch)
{
	bool direct = __atomic_load_n(&ch->direct, __ATOMIC_RELAXED);

	return kuc_kick(ch, direct ? KUCOMMS_IOC_RUN : KUCOMMS_IOC_KICK,
			&ch->tx_st.kicks);
}

static void kuc_dev_kick_producer(struct kuc_channel *ch)
{
	kuc_kick(ch, KUCOMMS_IOC_KICK, &ch->rx_st.kicks);
}

/*
 * Whether the module knows KUCOMMS_IOC_RUN is asked once, by making one:
 * a kick with nothing new to deliver costs the kernel's thread a look at
 * its rings (or delivers what we published, if it slept).
 */
static int kuc_dev_set_direct(struct kuc_channel *ch, bool on)
{
	if (on && ioctl(ch->fd, KUCOMMS_IOC_RUN))
		return errno == ENOTTY ? -EOPNOTSUPP : -errno;
	__atomic_store_n(&ch->direct, on, __ATOMIC_RELAXED);
	return 0;
}

static int kuc_dev_wait_msg(struct kuc_channel *ch,
			    const struct kuc_deadline *dl)
{
	short revents = 0;
	int ret = kuc_poll_fd(ch, POLLIN, dl, &revents, &ch->rx_st.waits);

	if (ret)
		return ret;
	return revents & (POLLERR | POLLHUP | POLLNVAL) ? 1 : 0;
}

/* True when poll(POLLOUT) would return at once: half the ring is free. */
static bool kuc_tx_half_free(const struct kuc_channel *ch)
{
	long long space = kucomms_ring_space(&ch->tx);

	return space < 0 || (uint64_t)space >= ch->tx.size / 2;
}

static int kuc_dev_wait_room(struct kuc_channel *ch, uint64_t need,
			     const struct kuc_deadline *dl)
{
	struct timespec ts;
	int64_t left;
	short revents;
	int ret;

	(void)need;
	if (!kuc_tx_half_free(ch)) {
		ret = kuc_poll_fd(ch, POLLOUT, dl, &revents, &ch->tx_st.waits);
		if (ret)
			return ret;
		if (revents & (POLLERR | POLLHUP | POLLNVAL))
			return kuc_hangup_err(ch, revents);
		ch->tx_nap_ns = KUC_NAP_MIN_NS;
		return 0;
	}
	/*
	 * A record larger than half the ring: POLLOUT is ready yet it does
	 * not fit. The kernel is consuming (it was kicked or is running),
	 * so nap briefly rather than spin.
	 */
	left = kuc_deadline_left(dl);
	if (!left)
		return -ETIMEDOUT;
	if (ch->tx_nap_ns < KUC_NAP_MIN_NS)
		ch->tx_nap_ns = KUC_NAP_MIN_NS;
	ts = kuc_ns_to_ts(ch->tx_nap_ns < left ? ch->tx_nap_ns : left);
	kuc_count(&ch->tx_st.waits, 1);
	if (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == EINTR)
		return -EINTR;
	if (ch->tx_nap_ns < KUC_NAP_MAX_NS)
		ch->tx_nap_ns *= 2;
	return 0;
}

/* kuc_wait(): poll(2) itself, which also looks once with a time-out 0. */
static int kuc_dev_wait(struct kuc_channel *ch, short events,
			const struct kuc_deadline *dl)
{
	struct pollfd p = { .fd = ch->fd, .events = events };
	int64_t left = kuc_deadline_left(dl);
	struct timespec ts = kuc_ns_to_ts(left == INT64_MAX ? 0 : left);
	int n;

	if (left)
		kuc_count(&ch->rx_st.waits, 1);
	n = ppoll(&p, 1, left == INT64_MAX ? NULL : &ts, NULL);
	if (n < 0)
		return -errno;
	return n ? p.revents : 0;
}

static int kuc_dev_ep_setup(struct kuc_channel *ch)
{
	ch->ep_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return ch->ep_stop_fd < 0 ? -errno : 0;
}

static int kuc_dev_ep_sleep(struct kuc_channel *ch,
			    const struct timespec *timeout, bool hung)
{
	struct pollfd pfd[2] = {
		{ .fd = hung ? -1 : ch->fd, .events = POLLIN },
		{ .fd = ch->ep_stop_fd, .events = POLLIN },
	};

	kuc_count(&ch->rx_st.waits, 1);
	if (ppoll(pfd, 2, timeout, NULL) < 0)
		return 0;	/* EINTR (signals are blocked anyway) */
	if (pfd[1].revents & POLLNVAL) {
		/*
		 * The program closed our eventfd: it would report POLLNVAL at
		 * once for ever. Sleep without it (kuc_ep_main() in
		 * endpoint_thread.c bounds the sleep, so a stop is still
		 * seen) rather than spin.
		 */
		pfd[1].fd = -1;
		if (ppoll(pfd, 2, timeout, NULL) < 0)
			return 0;
	}
	if (pfd[1].revents & POLLIN)
		return 1;
	if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))
		return 2;
	return 0;
}

/*
 * Wake it from poll(). Nothing to do if the write fails: EAGAIN means the
 * counter is full, so the eventfd polls readable already; any other error
 * means the program closed it under us, and the thread then sees the stop
 * when its bounded sleep (kuc_ep_main(), endpoint_thread.c) ends.
 */
static void kuc_dev_ep_interrupt(struct kuc_channel *ch)
{
	uint64_t one = 1;
	ssize_t n;

	n = write(ch->ep_stop_fd, &one, sizeof(one));
	(void)n;
}

static void kuc_dev_ep_teardown(struct kuc_channel *ch)
{
	if (ch->ep_stop_fd >= 0)
		close(ch->ep_stop_fd);
	ch->ep_stop_fd = -1;
}

static int kuc_dev_fd(const struct kuc_channel *ch)
{
	return ch->fd;
}

static uint64_t kuc_dev_conn_id(const struct kuc_channel *ch)
{
	return ch->info->conn_id;
}

static void kuc_dev_close(struct kuc_channel *ch)
{
	if (ch->rw)
		munmap(ch->rw, ch->rw_len);
	if (ch->ro)
		munmap(ch->ro, ch->ro_len);
	if (ch->fd >= 0)
		close(ch->fd);
	ch->rw = ch->ro = NULL;
	ch->fd = -1;
}

const struct kuc_transport kuc_device_transport = {
	.kind = KUC_KIND_DEVICE,
	.state = kuc_dev_state,
	.rx_broken = kuc_dev_rx_broken,
	.kick_consumer = kuc_dev_kick_consumer,
	.kick_producer = kuc_dev_kick_producer,
	.set_direct = kuc_dev_set_direct,
	.wait_msg = kuc_dev_wait_msg,
	.wait_room = kuc_dev_wait_room,
	.wait = kuc_dev_wait,
	.ep_setup = kuc_dev_ep_setup,
	.ep_sleep = kuc_dev_ep_sleep,
	.ep_interrupt = kuc_dev_ep_interrupt,
	.ep_teardown = kuc_dev_ep_teardown,
	.fd = kuc_dev_fd,
	.conn_id = kuc_dev_conn_id,
	.close = kuc_dev_close,
};

/* ---- open ----------------------------------------------------------- */

/* Everything the mapping sizes and the ring code rely on, checked once. */
static bool kuc_info_ok(const struct kucomms_info *info)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t size = info->ring_size;

	return info->magic == KUCOMMS_MAGIC &&
	       info->abi_version == KUCOMMS_ABI_VERSION &&
	       info->page_size == KUCOMMS_PAGE_SIZE &&
	       page == (long)info->page_size &&
	       kucomms_ring_size_valid(size) &&
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

int kuc_device_open(const char *name, struct kuc_channel **out)
{
	char full[KUCOMMS_NAME_MAX + 1], path[PATH_MAX];
	struct kucomms_info info;
	struct kuc_channel *ch;
	int ret;

	ret = kuc_name_normalize(name, full, sizeof(full));
	if (ret)
		return ret;
	ret = snprintf(path, sizeof(path), "%s/%s", kuc_dev_root(), full);
	if (ret < 0 || (size_t)ret >= sizeof(path))
		return -ENAMETOOLONG;

	ch = kuc_channel_alloc();
	if (!ch)
		return -ENOMEM;
	ch->ops = &kuc_device_transport;
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
	kuc_channel_free(ch);
	return ret;
}
