// SPDX-License-Identifier: MIT
/*
 * The shm and pair transports: channels between two processes over a
 * POSIX shared-memory segment, or between two handles of one process over
 * a memfd, with the layout of kucomms_shm.h. The rings and the code that
 * drives them are the device's (channel.c); only waking and sleeping
 * differ:
 *   - a consumer that found its ring empty runs the NEED_WAKEUP handshake
 *     of kucomms_ring.h (C1-C3) and sleeps on a futex on the low word of
 *     the producer's position; the producer, after publishing, makes a
 *     FUTEX_WAKE only when it saw the flag (channel.c's kuc_flush());
 *   - a producer that found its ring full announces it by its full
 *     counter (which kucomms_ring_reserve() increments, as for the
 *     kernel), runs a full barrier, looks again, and sleeps on the
 *     consumer's position; the consumer, after releasing, wakes it when
 *     the counter moved and half the ring is free (channel.c's
 *     kuc_rx_producer_waits(), the same rule as for the kernel);
 *   - no syscall per message while both run; none at all while idle,
 *     except one liveness check per KUC_SHM_PROBE_MS of sleep: a futex
 *     cannot tell that the peer died, its attach lock can.
 * The server accepts a client when the client's generation moves: it
 * zeroes its own pages, then acknowledges (server_ack); a client
 * attaching zeroes its own pages, moves client_gen and waits for that.
 * Only the server's receiving side accepts, once the last client is over,
 * so that its endpoint thread sees one connection end before the next.
 *
 * The tap's sending side is here too (kuc_shm_tap_put(), the protocol in
 * kucomms_shm.h, its records built by kucomms_tap_rec.h as the kernel's
 * tap builds them); its reading side is tap_shm.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kucomms/kucomms_tap_rec.h>

#include "channel_internal.h"
#include "futex.h"
#include "mirror.h"
#include "shm_segment.h"
#include "sigbus_guard.h"

/* Longest sleep before the peer's attach lock is checked again. */
#define KUC_SHM_PROBE_MS	500
/* How long kuc_open("shm:...") waits for the server to accept. */
#define KUC_SHM_ACCEPT_MS	5000

/*
 * The mappings, shared by the two handles of a pair. Those of a shm
 * segment are watched for SIGBUS (sigbus_guard.c): a peer that shrinks the
 * file turns them into zero pages and sets @truncated, which breaks the
 * channel (EPROTO) instead of killing us.
 */
struct kuc_shm_map {
	int refs;			/* atomic */
	unsigned char *pages;		/* header and position pages */
	unsigned char *c2s, *s2c;	/* mirrored data */
	uint64_t ring_size;
	/* shm only (pairs have no tap): the tap pages, our tap ring. */
	unsigned char *tap_pages;
	unsigned char *tap_data;	/* mirrored */
	int truncated;			/* atomic, set by the SIGBUS guard */
	/* pages, c2s, s2c, tap pages, tap data; NULL for a pair */
	struct kuc_guard *guard[5];
};

/* The sending side's view of its tap ring: private to that side. */
struct kuc_shm_tap_tx {
	struct kucomms_shm_tap_prod *prod;	/* our page */
	struct kucomms_ring ring;	/* producer view */
	uint32_t gen;			/* the session we joined, 0: none */
	uint32_t snaplen;		/* bounded */
	uint32_t dir;			/* KUCOMMS_TAP_U2K or _K2U */
	uint64_t captured, dropped;	/* what we published last */
};

struct kuc_shm {
	struct kuc_shm_map *map;
	struct kucomms_shm_hdr *hdr;
	int fd;				/* shm: the segment (holds our lock) */
	bool server;
	bool pair;
	/* Private copies: never read back from the segment. */
	uint32_t my_gen;		/* the generation we published */
	uint32_t peer_gen;		/* client: server_gen at accept;
					 * server: client_gen served */
	bool connected;			/* server: a client is served */
	bool peer_dead;			/* its lock is gone */
	int64_t next_probe;		/* when to check its lock again */
	int final;			/* a sticky error */
	/* The tap (NULL header for pairs). */
	struct kucomms_shm_tap_hdr *tap_hdr;
	uint32_t tap_dead;		/* atomic: a session whose reader died */
	struct kuc_shm_tap_tx tap;	/* the sending side's */
};

static uint32_t kuc_ld(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void kuc_st(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static unsigned char *kuc_shm_page(const struct kuc_shm *s, int page)
{
	return s->map->pages + (size_t)page * KUCOMMS_PAGE_SIZE;
}

static const uint32_t *kuc_pos_word(const __u64 *pos)
{
	return kuc_futex_pos_word(pos);
}

/* ---- mapping -------------------------------------------------------- */

static void kuc_shm_unmap(struct kuc_shm_map *m)
{
	int i;

	if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (i = 0; i < 5; i++)
		kuc_guard_remove(m->guard[i]);
	if (m->pages)
		munmap(m->pages, KUCOMMS_SHM_HDR_PAGES * KUCOMMS_PAGE_SIZE);
	if (m->tap_pages)
		munmap(m->tap_pages, KUCOMMS_SHM_TAP_PAGES * KUCOMMS_PAGE_SIZE);
	kuc_mirror_unmap(m->c2s, m->ring_size);
	kuc_mirror_unmap(m->s2c, m->ring_size);
	kuc_mirror_unmap(m->tap_data, KUCOMMS_SHM_TAP_RING);
	free(m);
}

/* Map the tap pages and the tap ring the side @s2c (0, 1) produces into. */
static int kuc_shm_map_tap(struct kuc_shm_map *m, int fd, int s2c)
{
	void *p;

	p = mmap(NULL, KUCOMMS_SHM_TAP_PAGES * KUCOMMS_PAGE_SIZE,
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)kucomms_shm_tap_area(m->ring_size));
	if (p == MAP_FAILED)
		return -errno;
	m->tap_pages = p;
	m->tap_data = kuc_mirror_map(KUCOMMS_SHM_TAP_RING, fd,
				     (off_t)kucomms_shm_tap_data(m->ring_size,
								 s2c),
				     PROT_READ | PROT_WRITE);
	return m->tap_data ? 0 : -errno;
}

/* Watch the five mappings of a segment that a peer may truncate. */
static int kuc_shm_guard(struct kuc_shm_map *m)
{
	struct { void *addr; size_t len; } r[5] = {
		{ m->pages, KUCOMMS_SHM_HDR_PAGES * KUCOMMS_PAGE_SIZE },
		{ m->c2s, 2 * m->ring_size },
		{ m->s2c, 2 * m->ring_size },
		{ m->tap_pages, KUCOMMS_SHM_TAP_PAGES * KUCOMMS_PAGE_SIZE },
		{ m->tap_data, 2 * KUCOMMS_SHM_TAP_RING },
	};
	int i;

	for (i = 0; i < 5; i++) {
		m->guard[i] = kuc_guard_add(r[i].addr, r[i].len, &m->truncated);
		if (!m->guard[i])
			return -errno;
	}
	return 0;
}

/*
 * Map a segment's pages and rings; with @tap_s2c 0 (client) or 1
 * (server), also its tap pages and the tap ring that side fills, and
 * watch them all for SIGBUS (another process can truncate the file).
 * @tap_s2c -1: a pair's memory, nobody else's.
 */
static int kuc_shm_map(int fd, uint64_t ring_size, int tap_s2c,
		       struct kuc_shm_map **out)
{
	struct kuc_shm_map *m = calloc(1, sizeof(*m));
	void *p;
	int ret;

	if (!m)
		return -ENOMEM;
	m->refs = 1;
	m->ring_size = ring_size;
	p = mmap(NULL, KUCOMMS_SHM_HDR_PAGES * KUCOMMS_PAGE_SIZE,
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		free(m);
		return ret;
	}
	m->pages = p;
	m->c2s = kuc_mirror_map(ring_size, fd,
				(off_t)kucomms_shm_c2s_data(),
				PROT_READ | PROT_WRITE);
	m->s2c = m->c2s ? kuc_mirror_map(ring_size, fd,
					 (off_t)kucomms_shm_s2c_data(ring_size),
					 PROT_READ | PROT_WRITE) : NULL;
	ret = m->s2c ? 0 : -errno;
	if (!ret && tap_s2c >= 0)
		ret = kuc_shm_map_tap(m, fd, tap_s2c);
	if (!ret && tap_s2c >= 0)
		ret = kuc_shm_guard(m);
	if (ret) {
		kuc_shm_unmap(m);
		return ret;
	}
	*out = m;
	return 0;
}

/* The tap's sending side, once mapped: nothing published until a join. */
static void kuc_shm_tap_setup(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;
	struct kuc_shm_map *m = s->map;
	int prod = s->server ? KUCOMMS_SHM_TAP_S2C_PROD :
			       KUCOMMS_SHM_TAP_C2S_PROD;

	s->tap_hdr = (struct kucomms_shm_tap_hdr *)m->tap_pages;
	s->tap.prod = (struct kucomms_shm_tap_prod *)
		      (m->tap_pages + (size_t)prod * KUCOMMS_PAGE_SIZE);
	s->tap.dir = s->server ? KUCOMMS_TAP_K2U : KUCOMMS_TAP_U2K;
	ch->tap_gen = &s->tap_hdr->gen;
}

/*
 * Join the reader's session @gen: from position 0, or after the sender
 * of our role that joined it before us (the client of an earlier
 * connection, the server we replaced), if its position is plausible.
 * Everything read here was written by others and is only bounded.
 */
static void kuc_shm_tap_join(struct kuc_shm *s, uint32_t gen)
{
	struct kuc_shm_tap_tx *t = &s->tap;
	struct kucomms_shm_tap_prod *p = t->prod;
	struct kucomms_ring_cons *c = (void *)((unsigned char *)p +
					       KUCOMMS_PAGE_SIZE);
	uint64_t pos = 0, cons, snap;

	t->captured = 0;
	t->dropped = 0;
	if (kuc_ld(&p->gen) == gen) {
		pos = kuc_read_once(p->ring.pos);
		cons = kuc_load_acquire(&c->pos);
		if (pos - cons > KUCOMMS_SHM_TAP_RING ||
		    (pos & (KUCOMMS_RECORD_ALIGN - 1)))
			pos = cons & ~(uint64_t)(KUCOMMS_RECORD_ALIGN - 1);
		t->captured = kuc_read_once(p->captured);
		t->dropped = kuc_read_once(p->dropped);
	}
	kucomms_ring_init(&t->ring, &p->ring, c, s->map->tap_data,
			  KUCOMMS_SHM_TAP_RING, pos);
	snap = kuc_read_once(s->tap_hdr->snaplen);
	if (!snap || snap > t->ring.msg_max - KUCOMMS_TAP_REC_SIZE)
		snap = t->ring.msg_max - KUCOMMS_TAP_REC_SIZE;
	t->snaplen = (uint32_t)snap;
	kuc_write_once(p->captured, t->captured);
	kuc_write_once(p->dropped, t->dropped);
	kuc_store_release(&p->ring.pos, pos);
	kuc_st(&p->gen, gen);
	t->gen = gen;
}

void kuc_shm_tap_put(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		     const void *data)
{
	struct kuc_shm *s = ch->shm;
	struct kuc_shm_tap_tx *t = &s->tap;
	struct kucomms_msg_hdr *slot;
	struct timespec ts;
	uint32_t gen = kuc_ld(&s->tap_hdr->gen), caplen;
	uint64_t ts_ns;
	int err;

	if (!gen || gen == __atomic_load_n(&s->tap_dead, __ATOMIC_RELAXED))
		return;
	if (gen != t->gen)
		kuc_shm_tap_join(s, gen);
	slot = kucomms_tap_rec_reserve(&t->ring, hdr->length, t->snaplen,
				       &caplen, &err);
	if (!slot) {
		/* Full, or a consumer position that makes no sense. */
		kuc_write_once(t->prod->dropped, ++t->dropped);
		return;
	}
	/* The clock only for a record that has room. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts_ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	kucomms_tap_rec_fill(slot, caplen, ts_ns, t->dir, ch->ops->conn_id(ch),
			     hdr, data);
	kucomms_ring_commit(&t->ring);
	kuc_write_once(t->prod->captured, ++t->captured);
	if (kucomms_ring_need_wakeup(&t->ring))
		kuc_futex_wake(kuc_pos_word(&t->prod->ring.pos), INT_MAX);
}

/* Our own two position pages, zeroed: a new connection starts at 0. */
static void kuc_shm_reset_own(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;
	int a = s->server ? KUCOMMS_SHM_S2C_PROD : KUCOMMS_SHM_C2S_PROD;
	int b = s->server ? KUCOMMS_SHM_C2S_CONS : KUCOMMS_SHM_S2C_CONS;

	memset(kuc_shm_page(s, a), 0, KUCOMMS_PAGE_SIZE);
	memset(kuc_shm_page(s, b), 0, KUCOMMS_PAGE_SIZE);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* Both ring views, our positions at 0. */
static void kuc_shm_rings(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;
	struct kuc_shm_map *m = s->map;
	uint64_t size = m->ring_size;
	struct kucomms_ring_prod *c2s_p, *s2c_p;
	struct kucomms_ring_cons *c2s_c, *s2c_c;

	c2s_p = (void *)kuc_shm_page(s, KUCOMMS_SHM_C2S_PROD);
	c2s_c = (void *)kuc_shm_page(s, KUCOMMS_SHM_C2S_CONS);
	s2c_p = (void *)kuc_shm_page(s, KUCOMMS_SHM_S2C_PROD);
	s2c_c = (void *)kuc_shm_page(s, KUCOMMS_SHM_S2C_CONS);
	if (s->server) {
		kucomms_ring_init(&ch->tx, s2c_p, s2c_c, m->s2c, size, 0);
		kucomms_ring_init(&ch->rx, c2s_p, c2s_c, m->c2s, size, 0);
	} else {
		kucomms_ring_init(&ch->tx, c2s_p, c2s_c, m->c2s, size, 0);
		kucomms_ring_init(&ch->rx, s2c_p, s2c_c, m->s2c, size, 0);
	}
	ch->rx_full_seen = 0;
	ch->rx_peeked = 0;
	ch->tx_slot = NULL;
	ch->tx_unflushed = false;
	ch->tx_kicked = false;
	ch->tx_suppressed = 0;
}

/* Wake every futex word the peer may sleep on (it looks at the state). */
static void kuc_shm_wake_peer(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;

	kuc_futex_wake(kuc_pos_word(&ch->tx.prod->pos), INT_MAX);
	kuc_futex_wake(kuc_pos_word(&ch->rx.cons->pos), INT_MAX);
	kuc_futex_wake(s->server ? &s->hdr->server_ack : &s->hdr->client_gen,
		       INT_MAX);
}

/* ---- state ---------------------------------------------------------- */

static bool kuc_shm_peer_alive(struct kuc_shm *s)
{
	if (s->pair)
		return true;
	return kuc_shm_locked(s->fd, s->server ? KUCOMMS_SHM_LOCK_CLIENT :
						 KUCOMMS_SHM_LOCK_SERVER);
}

/*
 * A tap session whose reader died (its lock is free) is ignored from now
 * on: the senders stop filling a ring nobody will read. The session is
 * read before the lock, so a new reader's session is never the one
 * ignored (it locks, then publishes a new number).
 */
static void kuc_shm_tap_probe(struct kuc_shm *s)
{
	uint32_t gen;

	if (!s->tap_hdr)
		return;
	gen = kuc_ld(&s->tap_hdr->gen);
	if (gen && gen != __atomic_load_n(&s->tap_dead, __ATOMIC_RELAXED) &&
	    !kuc_shm_locked(s->fd, KUCOMMS_SHM_LOCK_TAP))
		__atomic_store_n(&s->tap_dead, gen, __ATOMIC_RELAXED);
}

/*
 * Check the peer's lock, at most once per KUC_SHM_PROBE_MS however short
 * the sleeps. The sending and the receiving side may both get here:
 * the two fields are atomics, and a check made twice is harmless.
 */
static void kuc_shm_probe(struct kuc_shm *s)
{
	int64_t now = kuc_now_ns();

	if (now < __atomic_load_n(&s->next_probe, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&s->next_probe, now + KUC_SHM_PROBE_MS * NSEC_PER_MSEC,
			 __ATOMIC_RELAXED);
	if (!kuc_shm_peer_alive(s))
		__atomic_store_n(&s->peer_dead, true, __ATOMIC_RELAXED);
	kuc_shm_tap_probe(s);
}

static bool kuc_shm_dead(const struct kuc_shm *s)
{
	return __atomic_load_n(&s->peer_dead, __ATOMIC_RELAXED);
}

/* Server: a new client moved client_gen: serve it from position 0. */
static void kuc_shm_accept(struct kuc_channel *ch, uint32_t gen)
{
	struct kuc_shm *s = ch->shm;

	kuc_shm_reset_own(ch);
	kuc_shm_rings(ch);
	s->peer_gen = gen;
	s->connected = true;
	__atomic_store_n(&s->peer_dead, false, __ATOMIC_RELAXED);
	kuc_st(&s->hdr->conn_state, KUCOMMS_SHM_CONN_OPEN);
	kuc_st(&s->hdr->server_ack, gen);
	kuc_futex_wake(&s->hdr->server_ack, INT_MAX);
}

/*
 * Server: the client served, or -ENOTCONN once it is over; the next is
 * taken by kuc_shm_accept_next() only, on the receiving side.
 */
static int kuc_shm_server_state(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;
	bool same;
	long long avail;

	if (s->final)
		return s->final;
	if (!s->connected)
		return -ENOTCONN;
	same = kuc_ld(&s->hdr->client_gen) == s->peer_gen;
	if (same && kuc_ld(&s->hdr->client_state) == KUCOMMS_SHM_ATTACHED &&
	    !kuc_shm_dead(s))
		return 0;
	/* The client went away: a pair's server sees a shutdown. */
	if (s->pair)
		return -ESHUTDOWN;
	/*
	 * A shm server drains what it sent, then waits for the next; a next
	 * client that attached already reset the ring.
	 */
	avail = kucomms_ring_avail(&ch->rx);
	if (same && avail > 0)
		return 0;
	s->connected = false;
	return -ENOTCONN;
}

/* The transport's accept(): a client attached since the last one ended. */
static bool kuc_shm_accept_next(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;
	uint32_t gen;

	/* Still connected: state() has not found that client over yet. */
	if (!s->server || s->pair || s->connected || s->final)
		return false;
	gen = kuc_ld(&s->hdr->client_gen);
	if (gen == s->peer_gen ||
	    kuc_ld(&s->hdr->client_state) != KUCOMMS_SHM_ATTACHED)
		return false;
	kuc_shm_accept(ch, gen);
	return true;
}

static int kuc_shm_client_state(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;
	struct kucomms_shm_hdr *h = s->hdr;
	uint32_t st;

	if (s->final)
		return s->final;
	st = kuc_ld(&h->server_state);
	if (kuc_ld(&h->server_gen) != s->peer_gen ||
	    kuc_ld(&h->server_ack) != s->my_gen || kuc_shm_dead(s))
		return -ECONNRESET;	/* not final: drain first */
	if (kuc_ld(&h->conn_state) != KUCOMMS_SHM_CONN_OPEN)
		return s->final = -EPROTO;
	if (st == KUCOMMS_SHM_CLOSED)
		return -ESHUTDOWN;
	if (st != KUCOMMS_SHM_ATTACHED)
		return -ECONNRESET;
	return 0;
}

static int kuc_shm_state(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;
	int ret = s->server ? kuc_shm_server_state(ch) :
			      kuc_shm_client_state(ch);

	/*
	 * The peer shrank the segment (perhaps under the reads just made):
	 * what we map now is zeros.
	 */
	if (__atomic_load_n(&s->map->truncated, __ATOMIC_ACQUIRE))
		return s->final = -EPROTO;
	return ret;
}

static int kuc_shm_broken(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;

	int state;

	if (!s->server || s->pair) {
		/* A peer that restarted zeroed its positions: not corrupt. */
		state = kuc_shm_state(ch);
		if (state && state != -EPROTO)
			return state;
		s->final = -EPROTO;
		return -EPROTO;
	}
	/* The client broke a ring: it alone is dropped. */
	kuc_st(&s->hdr->conn_state, KUCOMMS_SHM_CONN_CORRUPT);
	s->connected = false;
	kuc_shm_wake_peer(ch);
	return -ENOTCONN;
}

/* ---- waking and sleeping -------------------------------------------- */

static int kuc_shm_kick_consumer(struct kuc_channel *ch)
{
	kuc_count(&ch->tx_st.kicks, 1);
	kuc_futex_wake(kuc_pos_word(&ch->tx.prod->pos), INT_MAX);
	return 0;
}

static void kuc_shm_kick_producer(struct kuc_channel *ch)
{
	kuc_count(&ch->rx_st.kicks, 1);
	kuc_futex_wake(kuc_pos_word(&ch->rx.cons->pos), INT_MAX);
}

/*
 * One futex sleep on @n words (1 or 2) until @dl, cut into slices of
 * KUC_SHM_PROBE_MS after each of which the peer's lock is checked.
 * Returns 0 (look again), -ETIMEDOUT (@dl passed) or -EINTR.
 */
static int kuc_shm_sleep(struct kuc_channel *ch, const uint32_t *const w[2],
			 const uint32_t e[2], int n, int64_t left_ns,
			 uint64_t *waits)
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
		kuc_shm_probe(ch->shm);
		if (left_ns <= slice)
			return -ETIMEDOUT;
	}
	return 0;
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

	if (s->server && !s->connected) {
		*w = &s->hdr->client_gen;
		*e = s->peer_gen;
	} else {
		*w = kuc_pos_word(&ch->rx.prod->pos);
		*e = (uint32_t)ch->rx.pos;
	}
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
	if (kucomms_ring_prepare_sleep(&ch->rx))
		return 1;
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
 * Before sleeping for room: 1 when @need bytes are free (or the ring is
 * broken: the next send says so), 0 with the consumer position's word
 * value in *@e when the caller may sleep. The full counter went up in
 * the send that failed; the barrier orders it before our look at the
 * consumer's position (the consumer: release, barrier, read the counter).
 */
static int kuc_shm_tx_prepare(struct kuc_channel *ch, uint64_t need,
			      uint32_t *e)
{
	long long space;

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
			/* Announce, as a failed send does (see above). */
			kuc_count((uint64_t *)&ch->tx.prod->full, 1);
			w[n] = kuc_pos_word(&ch->tx.cons->pos);
			if (kuc_shm_tx_prepare(ch, ch->tx.size / 2, &e[n])) {
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
	if (ch->shm->server && !ch->shm->connected && ch->ep_connected)
		return 0;
	kuc_shm_rx_word(ch, &w[0], &e[0]);
	kuc_shm_sleep(ch, w, e, 1, left, &ch->rx_st.waits);
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

static void kuc_shm_close(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;

	if (!s)
		return;
	if (s->map && s->hdr) {
		if (s->server)
			kuc_st(&s->hdr->server_state, KUCOMMS_SHM_CLOSED);
		else
			kuc_st(&s->hdr->client_state, KUCOMMS_SHM_CLOSED);
		if (ch->tx.prod)
			kuc_shm_wake_peer(ch);
	}
	kuc_shm_unmap(s->map);
	if (s->fd >= 0)
		close(s->fd);	/* drops our attach lock */
	free(s);
	ch->shm = NULL;
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
	.fd = kuc_shm_fd,					\
	.conn_id = kuc_shm_conn_id,				\
	.close = kuc_shm_close

const struct kuc_transport kuc_shm_transport = {
	.kind = KUC_KIND_SHM,
	KUC_SHM_OPS,
};

static const struct kuc_transport kuc_pair_transport = {
	.kind = KUC_KIND_PAIR,
	KUC_SHM_OPS,
};

/* ---- opening -------------------------------------------------------- */

static struct kuc_channel *kuc_shm_alloc(const struct kuc_transport *ops,
					 bool server)
{
	struct kuc_channel *ch = kuc_channel_alloc();

	if (!ch)
		return NULL;
	ch->shm = calloc(1, sizeof(*ch->shm));
	if (!ch->shm) {
		kuc_channel_free(ch);
		return NULL;
	}
	ch->ops = ops;
	ch->shm->fd = -1;
	ch->shm->server = server;
	return ch;
}

/* Open the segment @name and check it; the caller's lock comes next. */
static int kuc_shm_attach_fd(const char *name, int *fd, uint64_t *ring_size)
{
	char shm_name[KUCOMMS_NAME_MAX + 2], why[96];
	int ret = kuc_shm_name(name, shm_name, sizeof(shm_name), NULL, 0);

	if (ret)
		return ret;
	*fd = shm_open(shm_name, O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0);
	if (*fd < 0)
		return -errno;
	ret = kuc_shm_validate(*fd, ring_size, why, sizeof(why));
	if (ret) {
		close(*fd);
		*fd = -1;
	}
	return ret;
}

int kuc_serve(const char *name, struct kuc_channel **out)
{
	struct kuc_channel *ch;
	struct kuc_shm *s;
	uint64_t ring_size;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (name && !strncmp(name, KUCOMMS_SHM_SPEC, strlen(KUCOMMS_SHM_SPEC)))
		name += strlen(KUCOMMS_SHM_SPEC);
	ch = kuc_shm_alloc(&kuc_shm_transport, true);
	if (!ch)
		return -ENOMEM;
	s = ch->shm;
	ret = kuc_shm_attach_fd(name, &s->fd, &ring_size);
	if (ret)
		goto fail;
	ret = kuc_shm_lock(s->fd, KUCOMMS_SHM_LOCK_SERVER);
	if (ret)
		goto fail;
	ret = kuc_shm_map(s->fd, ring_size, 1, &s->map);
	if (ret)
		goto fail;
	s->hdr = (struct kucomms_shm_hdr *)s->map->pages;
	kuc_shm_tap_setup(ch);
	/*
	 * Clients attached before us are not ours: wait for the next. The
	 * new generation goes out before our pages are zeroed, so that a
	 * client of our predecessor that sees them zeroed sees it too and
	 * reports a reset, not a corrupt ring.
	 */
	s->peer_gen = kuc_ld(&s->hdr->client_gen);
	s->my_gen = kuc_ld(&s->hdr->server_gen) + 1;
	kuc_st(&s->hdr->server_pid, (uint32_t)getpid());
	kuc_st(&s->hdr->server_gen, s->my_gen);
	kuc_st(&s->hdr->server_ack, s->peer_gen);
	kuc_st(&s->hdr->conn_state, KUCOMMS_SHM_CONN_OPEN);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	kuc_shm_reset_own(ch);
	kuc_shm_rings(ch);
	kuc_st(&s->hdr->server_state, KUCOMMS_SHM_ATTACHED);
	/* A client of our predecessor may sleep: it must see the reset. */
	kuc_shm_wake_peer(ch);
	*out = ch;
	return 0;
fail:
	kuc_channel_free(ch);
	return ret;
}

/* Wait for the server to accept client generation @gen. */
static int kuc_shm_await_accept(struct kuc_channel *ch, uint32_t gen)
{
	struct kuc_shm *s = ch->shm;
	struct kuc_deadline dl = kuc_deadline(KUC_SHM_ACCEPT_MS);
	const uint32_t *w[2] = { &s->hdr->server_ack };
	uint32_t e[2];
	int ret;

	for (;;) {
		e[0] = kuc_ld(&s->hdr->server_ack);
		if (e[0] == gen)
			return 0;
		if (kuc_ld(&s->hdr->server_state) != KUCOMMS_SHM_ATTACHED)
			return -ENXIO;
		ret = kuc_shm_sleep(ch, w, e, 1, kuc_deadline_left(&dl),
				    &ch->rx_st.waits);
		if (kuc_shm_dead(s))
			return -ENXIO;
		if (ret)
			return ret;
	}
}

int kuc_shm_open_client(const char *name, struct kuc_channel **out)
{
	struct kuc_channel *ch;
	struct kuc_shm *s;
	uint64_t ring_size;
	int ret;

	ch = kuc_shm_alloc(&kuc_shm_transport, false);
	if (!ch)
		return -ENOMEM;
	s = ch->shm;
	ret = kuc_shm_attach_fd(name, &s->fd, &ring_size);
	if (ret)
		goto fail;
	ret = kuc_shm_lock(s->fd, KUCOMMS_SHM_LOCK_CLIENT);
	if (ret)
		goto fail;
	if (!kuc_shm_locked(s->fd, KUCOMMS_SHM_LOCK_SERVER)) {
		ret = -ENXIO;	/* nobody serves it */
		goto fail;
	}
	ret = kuc_shm_map(s->fd, ring_size, 0, &s->map);
	if (ret)
		goto fail;
	s->hdr = (struct kucomms_shm_hdr *)s->map->pages;
	kuc_shm_tap_setup(ch);
	if (kuc_ld(&s->hdr->server_state) != KUCOMMS_SHM_ATTACHED) {
		ret = -ENXIO;
		goto fail;
	}
	kuc_shm_reset_own(ch);
	kuc_shm_rings(ch);
	s->my_gen = kuc_ld(&s->hdr->client_gen) + 1;
	kuc_st(&s->hdr->client_pid, (uint32_t)getpid());
	kuc_st(&s->hdr->client_state, KUCOMMS_SHM_ATTACHED);
	kuc_st(&s->hdr->client_gen, s->my_gen);
	kuc_shm_wake_peer(ch);
	ret = kuc_shm_await_accept(ch, s->my_gen);
	if (ret)
		goto fail;
	/* The server that accepted us: a later one is a reset. */
	s->peer_gen = kuc_ld(&s->hdr->server_gen);
	*out = ch;
	return 0;
fail:
	kuc_channel_free(ch);
	return ret;
}

int kuc_pair_open(size_t ring_size, struct kuc_channel **a,
		  struct kuc_channel **b)
{
	struct kuc_channel *ca = NULL, *cb = NULL;
	struct kucomms_shm_hdr *h;
	struct kuc_shm_map *m;
	int fd, ret;

	if (!a || !b)
		return -EINVAL;
	*a = *b = NULL;
	if (!ring_size)
		ring_size = 1ULL << KUCOMMS_RING_ORDER_DEFAULT;
	if (kuc_shm_ring_size_check(ring_size))
		return -EINVAL;
	fd = memfd_create("kucomms-pair", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The tap area is never mapped nor touched: it costs nothing. */
	if (ftruncate(fd, (off_t)kucomms_shm_size(ring_size))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = kuc_shm_map(fd, ring_size, -1, &m);
	close(fd);	/* the mappings keep the memory */
	if (ret)
		return ret;
	h = (struct kucomms_shm_hdr *)m->pages;
	kuc_shm_hdr_init(h, ring_size);
	h->server_gen = h->client_gen = h->server_ack = 1;
	h->server_state = h->client_state = KUCOMMS_SHM_ATTACHED;
	h->server_pid = h->client_pid = (uint32_t)getpid();

	ca = kuc_shm_alloc(&kuc_pair_transport, false);
	cb = kuc_shm_alloc(&kuc_pair_transport, true);
	if (!ca || !cb) {
		kuc_shm_unmap(m);
		kuc_close(ca);
		kuc_close(cb);
		return -ENOMEM;
	}
	m->refs = 2;
	ca->shm->map = cb->shm->map = m;
	ca->shm->hdr = cb->shm->hdr = h;
	ca->shm->pair = cb->shm->pair = true;
	ca->shm->my_gen = cb->shm->my_gen = 1;
	ca->shm->peer_gen = cb->shm->peer_gen = 1;
	cb->shm->connected = true;
	kuc_shm_rings(ca);
	kuc_shm_rings(cb);
	*a = ca;
	*b = cb;
	return 0;
}
