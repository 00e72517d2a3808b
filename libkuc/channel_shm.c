// SPDX-License-Identifier: MIT
/*
 * The shm and pair transports (channel_shm.h describes the protocol):
 * waking the peer, sleeping on its futex words in slices that probe its
 * lock, the waits of kuc_recv(), kuc_send() and kuc_wait(), the endpoint
 * thread's sleep, and the table of these functions.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>

#include "channel_shm.h"

static int kuc_shm_kick_consumer(struct kuc_channel *ch)
{
	kuc_count(&ch->tx_st.kicks, 1);
	if (ch->seg_st)		/* a pair has none */
		kuc_seg_count(&ch->seg_st->kicks, 1);
	kuc_futex_wake(kuc_pos_word(&ch->tx.prod->pos), INT_MAX);
	return 0;
}

static void kuc_shm_kick_producer(struct kuc_channel *ch)
{
	kuc_count(&ch->rx_st.kicks, 1);
	if (ch->seg_st)
		kuc_seg_count(&ch->seg_st->rx_kicks, 1);
	kuc_futex_wake(kuc_pos_word(&ch->rx.cons->pos), INT_MAX);
}

void kuc_shm_wake_peer(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;

	kuc_futex_wake(kuc_pos_word(&ch->tx.prod->pos), INT_MAX);
	kuc_futex_wake(kuc_pos_word(&ch->rx.cons->pos), INT_MAX);
	kuc_futex_wake(s->server ? &s->hdr->server_ack : &s->hdr->client_gen,
		       INT_MAX);
}

int kuc_shm_sleep(struct kuc_channel *ch, const uint32_t *const w[2],
		  const uint32_t e[2], int n, int64_t left_ns, uint64_t *waits)
{
	int64_t slice = KUC_SHM_PROBE_MS * NSEC_PER_MSEC;
	struct timespec ts;
	int ret;

	if (left_ns <= 0)
		return -ETIMEDOUT;
	ts = kuc_ns_to_ts(left_ns < slice ? left_ns : slice);
	kuc_count(waits, 1);
	ret = n == 2 ? kuc_futex_wait2(w, e, &ts) :
		       kuc_futex_wait(w[0], e[0], &ts);
	if (ret == -EINTR)
		return -EINTR;
	if (ret == -ETIMEDOUT) {
		__atomic_add_fetch(&ch->shm->slept_out, 1, __ATOMIC_RELAXED);
		kuc_shm_probe(ch->shm);
		if (left_ns <= slice)
			return -ETIMEDOUT;
	}
	return 0;
}

/*
 * A server between clients: its rings are not in use, and its receiver
 * waits for client_gen to move instead (kuc_shm_rx_word()).
 */
static bool kuc_shm_awaits_client(const struct kuc_shm *s)
{
	return s->server && !s->connected;
}

/*
 * The word a receiver sleeps on and the value it must still hold: the
 * producer's position (C1-C3 done by the caller, the ring was empty at
 * our position), or for a server without a client, client_gen.
 */
static void kuc_shm_rx_word(struct kuc_channel *ch, const uint32_t **w,
			    uint32_t *e)
{
	struct kuc_shm *s = ch->shm;

	if (kuc_shm_awaits_client(s)) {
		*w = &s->hdr->client_gen;
		*e = s->peer_gen;
	} else {
		*w = kuc_pos_word(&ch->rx.prod->pos);
		*e = (uint32_t)ch->rx.pos;
	}
}

/*
 * Is our NEED_WAKEUP flag still up since the announcement before a sleep
 * that timed out (kuc_shm_ep_sleep())? Then every publication since its
 * barrier (C2, or the membarrier(2) of the light P2) sees it and makes
 * the wakeup call, and the next sleep needs only the last look (C3), not
 * a new announcement: an idle endpoint thread, which sleeps until its
 * next periodic handler 100 times a second, makes one membarrier(2) call
 * per idle stretch, not one per tick. Only this receiver raises the flag;
 * found down (our pages were reset for a new client), it is not armed.
 */
static bool kuc_shm_rx_still_armed(struct kuc_channel *ch)
{
	if (ch->rx_armed &&
	    !(kuc_read_once(ch->rx.cons->flags) & KUCOMMS_RING_NEED_WAKEUP))
		ch->rx_armed = false;
	return ch->rx_armed;
}

/*
 * Before sleeping for a message: 1 when there is something to look at
 * (a message, a broken ring, a new state), 0 when the caller may sleep.
 * On 0 the NEED_WAKEUP flag is set; kucomms_ring_awake() clears it.
 */
static int kuc_shm_rx_prepare(struct kuc_channel *ch)
{
	int state = kuc_shm_state(ch);

	if (state && state != -ENOTCONN)
		return 1;
	if (state == -ENOTCONN)
		return 0;
	if (kuc_shm_rx_still_armed(ch)) {
		if (!kucomms_ring_avail(&ch->rx))
			return 0;
		kuc_rx_disarm(ch);
		return 1;
	}
	__atomic_add_fetch(&ch->shm->announced, 1, __ATOMIC_RELAXED);
	if (kucomms_ring_prepare_sleep(&ch->rx))
		return 1;
	/*
	 * The producer's P2 is light (kucomms_ring.h): the barrier on its
	 * threads, then the last look. Registered, so it cannot fail; if
	 * it did, sleeping could miss a message: look again instead.
	 */
	if (ch->shm->membarrier &&
	    (kuc_membarrier(ch->shm->membarrier) ||
	     kucomms_ring_avail(&ch->rx))) {
		kucomms_ring_awake(&ch->rx);
		return 1;
	}
	/* A state change just before the flag went up: look again. */
	if (kuc_shm_state(ch)) {
		kucomms_ring_awake(&ch->rx);
		return 1;
	}
	return 0;
}

static int kuc_shm_wait_msg(struct kuc_channel *ch,
			    const struct kuc_deadline *dl)
{
	const uint32_t *w[2];
	uint32_t e[2];
	int state, ret;

	if (kuc_shm_rx_prepare(ch)) {
		state = kuc_shm_state(ch);
		return state && state != -ENOTCONN ? 1 : 0;
	}
	kuc_shm_rx_word(ch, &w[0], &e[0]);
	ret = kuc_shm_sleep(ch, w, e, 1, kuc_deadline_left(dl),
			    &ch->rx_st.waits);
	kucomms_ring_awake(&ch->rx);
	return ret;
}

/*
 * Before sleeping for room: announce it, then 1 when @need bytes are
 * free (or the ring is broken: the next send says so), 0 with the
 * consumer position's word value in *@e when the caller may sleep.
 * Our tx ring announces at sleep only (kucomms_ring.h): a send that
 * found it full and the spin after it asked for no wakeup call. The
 * announcement is a release, after what we published (the consumer
 * acquires the counter, then judges the room by our position); the
 * barrier orders it before our look at the consumer's position (the
 * consumer: release, barrier, read the counter).
 */
static int kuc_shm_tx_prepare(struct kuc_channel *ch, uint64_t need,
			      uint32_t *e)
{
	uint64_t *full = (uint64_t *)&ch->tx.prod->full;
	long long space;

	__atomic_store_n(full, __atomic_load_n(full, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
	kuc_full_barrier();
	*e = kuc_ld(kuc_pos_word(&ch->tx.cons->pos));
	space = kucomms_ring_space(&ch->tx);
	return space < 0 || (uint64_t)space >= need;
}

/* The client of a server's connection went away (for waits for room). */
static bool kuc_shm_client_gone(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;

	return s->server && !s->pair &&
	       (kuc_shm_dead(s) ||
		kuc_ld(&s->hdr->client_state) != KUCOMMS_SHM_ATTACHED);
}

static int kuc_shm_wait_room(struct kuc_channel *ch, uint64_t need,
			     const struct kuc_deadline *dl)
{
	const uint32_t *w[2] = { kuc_pos_word(&ch->tx.cons->pos) };
	uint32_t e[2];
	int state = kuc_shm_state(ch);

	if (state)
		return state;
	if (kuc_shm_client_gone(ch))
		return -ENOTCONN;
	if (kuc_shm_tx_prepare(ch, need, &e[0]))
		return 0;
	return kuc_shm_sleep(ch, w, e, 1, kuc_deadline_left(dl),
			     &ch->tx_st.waits);
}

/*
 * For kuc_wait(POLLOUT): 1 when there is room to report (look again), 0
 * with the word to sleep on in *@w and its value in *@e: the consumer's
 * position, or for a server without a client server_ack, which the
 * receiving side's accept moves (until then no room counts, as
 * kuc_shm_ready() says). Loaded before the state: an accept in between
 * still changes it.
 */
static int kuc_shm_tx_word(struct kuc_channel *ch, const uint32_t **w,
			   uint32_t *e)
{
	struct kuc_shm *s = ch->shm;
	uint32_t ack = kuc_ld(&s->hdr->server_ack);

	if (kuc_shm_state(ch) == -ENOTCONN) {
		*w = &s->hdr->server_ack;
		*e = ack;
		return 0;
	}
	*w = kuc_pos_word(&ch->tx.cons->pos);
	return kuc_shm_tx_prepare(ch, ch->tx.size / 2, e);
}

/* What kuc_wait() reports now, without sleeping. */
static int kuc_shm_ready(struct kuc_channel *ch, short events)
{
	int state = kuc_shm_state(ch), revents = 0;
	long long avail, space;

	if (events & POLLIN) {
		avail = kucomms_ring_avail(&ch->rx);
		if (avail)
			revents |= POLLIN;
	}
	if ((events & POLLOUT) && !state) {
		space = kucomms_ring_space(&ch->tx);
		if (space < 0 || (uint64_t)space >= ch->tx.size / 2)
			revents |= POLLOUT;
	}
	if (state == -EPROTO)
		revents |= POLLERR | POLLHUP;
	else if (state && state != -ENOTCONN)
		revents |= POLLHUP;
	return revents;
}

static int kuc_shm_wait(struct kuc_channel *ch, short events,
			const struct kuc_deadline *dl)
{
	const uint32_t *w[2];
	uint32_t e[2];
	int n, ret, revents;

	for (;;) {
		/* POLLIN is the receiving side's: a server takes a client. */
		if (events & POLLIN)
			kuc_shm_accept_next(ch);
		revents = kuc_shm_ready(ch, events);
		if (revents || dl->none)
			return revents;
		n = 0;
		if ((events & POLLIN) && !kuc_shm_rx_prepare(ch)) {
			kuc_shm_rx_word(ch, &w[n], &e[n]);
			n++;
		} else if (events & POLLIN) {
			continue;	/* something came: report it */
		}
		if (events & POLLOUT) {
			if (kuc_shm_tx_word(ch, &w[n], &e[n])) {
				kucomms_ring_awake(&ch->rx);
				continue;
			}
			n++;
		}
		if (!n)
			return 0;	/* no events asked for */
		ret = kuc_shm_sleep(ch, w, e, n, kuc_deadline_left(dl),
				    &ch->rx_st.waits);
		kucomms_ring_awake(&ch->rx);
		if (ret == -ETIMEDOUT)
			return kuc_shm_ready(ch, events);
		if (ret)
			return ret;
	}
}

static int kuc_shm_ep_setup(struct kuc_channel *ch)
{
	(void)ch;
	return 0;
}

static int kuc_shm_ep_sleep(struct kuc_channel *ch,
			    const struct timespec *timeout, bool hung)
{
	int64_t left = timeout ? timeout->tv_sec * NSEC_PER_SEC +
				 timeout->tv_nsec : INT64_MAX;
	const uint32_t *w[2];
	uint32_t e[2];
	int ret;

	if (__atomic_load_n(&ch->ep_stop, __ATOMIC_ACQUIRE))
		return 1;
	if (hung) {
		/* Only the stop and the periodic handlers wake us now. */
		w[0] = kuc_pos_word(&ch->rx.prod->pos);
		e[0] = kuc_ld(w[0]);
		kuc_count(&ch->rx_st.waits, 1);
		kuc_futex_wait(w[0], e[0], timeout);
		return 0;
	}
	if (kuc_shm_rx_prepare(ch)) {
		ret = kuc_shm_state(ch);
		return ret && ret != -ENOTCONN ? 2 : 0;
	}
	/* Its client is over just now: the thread says disconnect first. */
	if (kuc_shm_awaits_client(ch->shm) && ch->ep_connected)
		return 0;
	kuc_shm_rx_word(ch, &w[0], &e[0]);
	ret = kuc_shm_sleep(ch, w, e, 1, left, &ch->rx_st.waits);
	/*
	 * Timed out (a periodic handler is due) while connected: the flag
	 * stays up for the next sleep (kuc_shm_rx_still_armed()) until the
	 * thread finds a message (kuc_rx_disarm()).
	 */
	if (ret == -ETIMEDOUT && !kuc_shm_awaits_client(ch->shm))
		ch->rx_armed = true;
	else
		kucomms_ring_awake(&ch->rx);
	return 0;
}

/*
 * Another thread: the word is found from the pages, not from ch->rx,
 * which the endpoint thread sets up again when it accepts a client.
 */
static void kuc_shm_ep_interrupt(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;
	struct kucomms_ring_prod *rx_prod;

	rx_prod = (void *)kuc_shm_page(s, s->server ? KUCOMMS_SHM_C2S_PROD :
						      KUCOMMS_SHM_S2C_PROD);
	kuc_futex_wake(kuc_pos_word(&rx_prod->pos), INT_MAX);
	kuc_futex_wake(&s->hdr->client_gen, INT_MAX);
}

static void kuc_shm_ep_teardown(struct kuc_channel *ch)
{
	(void)ch;
}

static int kuc_shm_fd(const struct kuc_channel *ch)
{
	(void)ch;
	return -EOPNOTSUPP;
}

static uint64_t kuc_shm_conn_id(const struct kuc_channel *ch)
{
	return ch->shm->server ? ch->shm->peer_gen : ch->shm->my_gen;
}

/* Shm channels and pairs run the same functions; only the kind differs. */
#define KUC_SHM_OPS						\
	.state = kuc_shm_state,					\
	.accept = kuc_shm_accept_next,				\
	.rx_broken = kuc_shm_broken,				\
	.kick_consumer = kuc_shm_kick_consumer,			\
	.kick_producer = kuc_shm_kick_producer,			\
	.wait_msg = kuc_shm_wait_msg,				\
	.wait_room = kuc_shm_wait_room,				\
	.wait = kuc_shm_wait,					\
	.ep_setup = kuc_shm_ep_setup,				\
	.ep_sleep = kuc_shm_ep_sleep,				\
	.ep_interrupt = kuc_shm_ep_interrupt,			\
	.ep_teardown = kuc_shm_ep_teardown,			\
	.tap_put = kuc_shm_tap_put,				\
	.fd = kuc_shm_fd,					\
	.conn_id = kuc_shm_conn_id,				\
	.close = kuc_shm_close

const struct kuc_transport kuc_shm_transport = {
	.kind = KUC_KIND_SHM,
	KUC_SHM_OPS,
};

const struct kuc_transport kuc_pair_transport = {
	.kind = KUC_KIND_PAIR,
	KUC_SHM_OPS,
};
