// SPDX-License-Identifier: MIT
/*
 * The connection's state on a shm channel or pair (channel_shm.h): the
 * server's and the client's view of it, the server's accepting of the
 * next client, a broken ring, and the probes of the peer's attach lock
 * that a futex cannot make.
 */
#include <errno.h>
#include <limits.h>

#include "channel_shm.h"
#include "shm_segment.h"

static bool kuc_shm_peer_alive(struct kuc_shm *s)
{
	if (s->pair)
		return true;
	return kuc_shm_locked(s->fd, s->server ? KUCOMMS_SHM_LOCK_CLIENT :
						 KUCOMMS_SHM_LOCK_SERVER);
}

void kuc_shm_probe(struct kuc_shm *s)
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

bool kuc_shm_dead(const struct kuc_shm *s)
{
	return __atomic_load_n(&s->peer_dead, __ATOMIC_RELAXED);
}

/* Server: a new client moved client_gen: serve it from position 0. */
static void kuc_shm_accept(struct kuc_channel *ch, uint32_t gen)
{
	struct kuc_shm *s = ch->shm;

	kuc_shm_reset_own(ch);
	kuc_shm_rings(ch);
	kuc_shm_agree(ch);
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

bool kuc_shm_accept_next(struct kuc_channel *ch)
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

int kuc_shm_state(struct kuc_channel *ch)
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

int kuc_shm_broken(struct kuc_channel *ch)
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
	kuc_seg_count(&ch->seg_st->protocol_errors, 1);
	s->connected = false;
	kuc_shm_wake_peer(ch);
	return -ENOTCONN;
}
