/* SPDX-License-Identifier: MIT */
/*
 * The shm and pair transports: channels between two processes over a
 * POSIX shared-memory segment, or between two handles of one process over
 * a memfd, with the layout of kucomms_shm.h. The rings and the code that
 * drives them are the device's (channel_send.c, channel_recv.c); only
 * waking and sleeping differ:
 *   - a consumer that found its ring empty runs the NEED_WAKEUP handshake
 *     of kucomms_ring.h (C1-C3) and sleeps on a futex on the low word of
 *     the producer's position; the producer, after publishing, makes a
 *     FUTEX_WAKE only when it saw the flag (channel_send.c's kuc_flush());
 *   - in a pair, and on a segment whose two processes both registered
 *     for membarrier(2) (their features words), the producer's barrier
 *     after publishing is light and the consumer runs membarrier(2)
 *     before it sleeps instead (kucomms_ring.h, "A light P2"; struct
 *     kuc_shm's membarrier, kuc_shm_agree());
 *   - an endpoint thread whose sleep timed out (its periodic handlers
 *     were due) keeps its NEED_WAKEUP flag up for the next sleep, which
 *     then needs neither a barrier nor membarrier(2) (struct
 *     kuc_channel's rx_armed): one announcement per idle stretch, not
 *     one per tick;
 *   - a producer that found its ring full spins for room a while; if
 *     it must sleep, it announces that by its full counter (right
 *     before sleeping only, unlike the kernel's rings: kucomms_ring.h,
 *     "Announcing at sleep"), runs a full barrier, looks again, and
 *     sleeps on the consumer's position; the consumer, after releasing,
 *     wakes it when the counter moved and half the ring is free
 *     (channel_recv.c's kuc_rx_producer_waits(), the same rule as for
 *     the kernel);
 *   - no syscall per message while both run; none at all while idle,
 *     except one liveness check per KUC_SHM_PROBE_MS of sleep: a futex
 *     cannot tell that the peer died, its attach lock can.
 * The server accepts a client when the client's generation moves: it
 * zeroes its own pages, then acknowledges (server_ack); a client
 * attaching zeroes its own pages, moves client_gen and waits for that.
 * Only the server's receiving side accepts, once the last client is over,
 * so that its endpoint thread sees one connection end before the next.
 *
 * The handle's shm state and what the transport's files share. Private
 * to libkuc:
 *   channel_shm.c        waking, sleeping and waiting; the transport table
 *   channel_shm_map.c    mapping a segment, the ring views over it
 *   channel_shm_state.c  the connection's state: accepting, probing
 *   channel_shm_open.c   kuc_serve(), a client's attach, kuc_pair_open(),
 *                        closing
 *   channel_shm_tap.c    the tap's sending side
 */
#ifndef KUC_CHANNEL_SHM_H
#define KUC_CHANNEL_SHM_H

#include <errno.h>
#include <linux/membarrier.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <kucomms/kucomms_shm.h>

#include "channel_internal.h"
#include "futex.h"

/* Longest sleep before the peer's attach lock is checked again. */
#define KUC_SHM_PROBE_MS	500

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
	/*
	 * Our features word (KUCOMMS_SHM_FEATURES), published with our
	 * pages at each reset: what this process could register for.
	 */
	uint32_t features;
	/*
	 * The membarrier(2) command our receiver runs before it sleeps, 0
	 * for none. Set, with our tx ring's light P2 (kucomms_ring.h), for
	 * a pair whose process registered (PRIVATE_EXPEDITED) and for a
	 * segment whose two sides both did (GLOBAL_EXPEDITED,
	 * kuc_shm_agree()).
	 */
	int membarrier;
	uint64_t slept_out;		/* atomic: sleeps that ended by their
					 * time-out (tests: a lost wakeup) */
	uint64_t announced;		/* atomic: our receiver's C1-C2 (and
					 * membarrier(2)) before a sleep */
	/* The tap (NULL header for pairs). */
	struct kucomms_shm_tap_hdr *tap_hdr;
	uint32_t tap_dead;		/* atomic: a session whose reader died */
	struct kuc_shm_tap_tx tap;	/* the sending side's */
};

/* membarrier(2), which the C library does not wrap: 0 or -errno. */
static inline int kuc_membarrier(int cmd)
{
	return syscall(SYS_membarrier, cmd, 0, 0) ? -errno : 0;
}

static inline uint32_t kuc_ld(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void kuc_st(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline unsigned char *kuc_shm_page(const struct kuc_shm *s, int page)
{
	return s->map->pages + (size_t)page * KUCOMMS_PAGE_SIZE;
}

static inline const uint32_t *kuc_pos_word(const __u64 *pos)
{
	return kuc_futex_pos_word(pos);
}

/* ---- channel_shm_map.c ---------------------------------------------- */

/*
 * Map a segment's pages and rings; with @tap_s2c 0 (client) or 1
 * (server), also its tap pages and the tap ring that side fills, and
 * watch them all for SIGBUS (another process can truncate the file).
 * @tap_s2c -1: a pair's memory, nobody else's.
 */
KUC_PRIVATE int kuc_shm_map(int fd, uint64_t ring_size, int tap_s2c,
			    struct kuc_shm_map **out);
/* Drop a reference to @m; the last one unmaps. NULL is ignored. */
KUC_PRIVATE void kuc_shm_unmap(struct kuc_shm_map *m);
/* Our own two position pages, zeroed: a new connection starts at 0. */
KUC_PRIVATE void kuc_shm_reset_own(struct kuc_channel *ch);
/* Both ring views, our positions at 0. */
KUC_PRIVATE void kuc_shm_rings(struct kuc_channel *ch);
/*
 * Register this process for membarrier(2)'s global expedited command:
 * the features word to publish (KUCOMMS_SHM_FEAT_MEMBARRIER or 0).
 */
KUC_PRIVATE uint32_t kuc_shm_features(void);
/*
 * A segment's connection is made (the server accepted the client, the
 * client was accepted): the light P2 when both sides' features say so.
 * After kuc_shm_rings(), before our receiver first sleeps.
 */
KUC_PRIVATE void kuc_shm_agree(struct kuc_channel *ch);

/* ---- channel_shm_state.c -------------------------------------------- */

/* The transport's state() (struct kuc_transport, channel_internal.h). */
KUC_PRIVATE int kuc_shm_state(struct kuc_channel *ch);
/* The transport's accept(): a client attached since the last one ended. */
KUC_PRIVATE bool kuc_shm_accept_next(struct kuc_channel *ch);
/* The transport's rx_broken(). */
KUC_PRIVATE int kuc_shm_broken(struct kuc_channel *ch);
/*
 * Check the peer's lock, at most once per KUC_SHM_PROBE_MS however short
 * the sleeps. The sending and the receiving side may both get here:
 * the two fields are atomics, and a check made twice is harmless.
 */
KUC_PRIVATE void kuc_shm_probe(struct kuc_shm *s);
/* The last probe found the peer's attach lock free. */
KUC_PRIVATE bool kuc_shm_dead(const struct kuc_shm *s);

/* ---- channel_shm.c -------------------------------------------------- */

/*
 * One futex sleep on @n words (1 or 2) until @dl, cut into slices of
 * KUC_SHM_PROBE_MS after each of which the peer's lock is checked.
 * Returns 0 (look again), -ETIMEDOUT (@dl passed) or -EINTR.
 */
KUC_PRIVATE int kuc_shm_sleep(struct kuc_channel *ch,
			      const uint32_t *const w[2], const uint32_t e[2],
			      int n, int64_t left_ns, uint64_t *waits);
/* Wake every futex word the peer may sleep on (it looks at the state). */
KUC_PRIVATE void kuc_shm_wake_peer(struct kuc_channel *ch);
/* The pair's table: kuc_shm_transport's functions, its own kind. */
KUC_PRIVATE extern const struct kuc_transport kuc_pair_transport;

/* ---- channel_shm_open.c --------------------------------------------- */

/* The transport's close(). */
KUC_PRIVATE void kuc_shm_close(struct kuc_channel *ch);

/* ---- channel_shm_tap.c ---------------------------------------------- */

/*
 * The tap's sending side, once mapped: nothing published until a join.
 * Also points ch->seg_st at our traffic counters in the segment.
 */
KUC_PRIVATE void kuc_shm_tap_setup(struct kuc_channel *ch);
/*
 * The transport's tap_put(): the sending side copies the message it is
 * about to publish into its tap ring, or counts a drop; never waits.
 * Only after kuc_tap_on() said so.
 */
KUC_PRIVATE void kuc_shm_tap_put(struct kuc_channel *ch,
				 const struct kucomms_msg_hdr *hdr,
				 const void *data);
/*
 * A tap session whose reader died (its lock is free) is ignored from now
 * on: the senders stop filling a ring nobody will read. The session is
 * read before the lock, so a new reader's session is never the one
 * ignored (it locks, then publishes a new number).
 */
KUC_PRIVATE void kuc_shm_tap_probe(struct kuc_shm *s);

#endif /* KUC_CHANNEL_SHM_H */
