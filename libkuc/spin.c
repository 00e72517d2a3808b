// SPDX-License-Identifier: MIT
/*
 * The adaptive spin (kuc_spin()): how long a side looks at its ring
 * before it sleeps in its transport, learnt per channel and side from
 * how its waits went. Used by every wait of channel_send.c,
 * channel_recv.c and kuc_wait() (channel.c); it only reads the rings, so
 * it is the same for every transport.
 */
#include <unistd.h>

#include "channel_internal.h"

/*
 * Spinning before sleeping (kuc_spin()). A sleep and its wakeup cost the
 * sleeper a futex wait or poll(2) and a context switch and the peer a
 * wakeup call, several microseconds of CPU between them; a peer that
 * answers sooner is caught by looking at the ring first. The bound
 * starts at KUC_SPIN_MAX_NS; a spin that catches its message sets it to
 * twice what that one took (at least what it was, at most the maximum),
 * the second and every later miss in a row halves it (down to
 * KUC_SPIN_MIN_NS), and every KUC_SPIN_RETRY-th miss in a row tries the
 * maximum again, in case the peer got faster. The first miss after a
 * catch keeps the bound: one late answer among timely ones is jitter,
 * and halving for it had a peer answering every 8-10 us slept for
 * until a retry (a pair, its threads on the two CPUs, a message every
 * 8 us: 0.013-0.014 sleeps per message with that halving, 0.001-0.002
 * without). A side whose waits are long (misses in a row) thus spends
 * at most about KUC_SPIN_MIN_NS + KUC_SPIN_MAX_NS / KUC_SPIN_RETRY of CPU per
 * sleep, 1.1 us (a sleep and its wakeup measured ~5 us of CPU on the
 * host of bench/README); one whose peer answers within the bound sleeps not at
 * all. Never on one CPU, where the spinner would only delay its peer.
 *
 * A miss alone cannot tell a long wait from a short one that the bound,
 * halved by earlier misses, was too short for: a peer answering in 5-8
 * us (a 64 KiB message) would then be slept for on every message, the
 * bound never growing back past KUC_SPIN_MIN_NS but every
 * KUC_SPIN_RETRY-th time. So the caller reports the end of a wait that
 * slept (kuc_spin_woke()): when the whole wait, spin and sleep, took at
 * most KUC_SPIN_MAX_NS, a spin of twice that would have caught it, and
 * the bound is set as for a catch (the halving undone). A wait that
 * long costs a sleep and its wakeup of CPU anyway, so a side whose
 * waits are that short spends less, not more; one whose waits are
 * longer is bounded as above (the sleep's wakeup only makes a wait
 * look longer, never shorter).
 */
#define KUC_SPIN_MAX_NS		10000
#define KUC_SPIN_MIN_NS		500
#define KUC_SPIN_RETRY		16
/* Turns of the loop between two looks at the clock. */
#define KUC_SPIN_CLOCK_TURNS	32

void kuc_spin_init(struct kuc_spin *sp)
{
	sp->ns = KUC_SPIN_MAX_NS;
	sp->misses = 0;
	sp->slept_from = 0;
}

/* A wait that took @took ns in all ended: the bound for the next one. */
static void kuc_spin_caught(struct kuc_spin *sp, int64_t took)
{
	int64_t ns = __atomic_load_n(&sp->ns, __ATOMIC_RELAXED);

	took *= 2;
	if (took > ns)
		__atomic_store_n(&sp->ns, took < KUC_SPIN_MAX_NS ?
				 took : KUC_SPIN_MAX_NS, __ATOMIC_RELAXED);
	__atomic_store_n(&sp->misses, 0, __ATOMIC_RELAXED);
}

void kuc_spin_ended(struct kuc_spin *sp, int64_t now)
{
	int64_t from = __atomic_load_n(&sp->slept_from, __ATOMIC_RELAXED);

	if (!from)
		return;
	__atomic_store_n(&sp->slept_from, 0, __ATOMIC_RELAXED);
	if (now - from <= KUC_SPIN_MAX_NS)
		kuc_spin_caught(sp, now - from);
}

void kuc_spin_woke(struct kuc_spin *sp)
{
	if (__atomic_load_n(&sp->slept_from, __ATOMIC_RELAXED))
		kuc_spin_ended(sp, kuc_now_ns());
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
bool kuc_spin(struct kuc_channel *ch, struct kuc_spin *sp, bool rx,
	      uint64_t need, const struct kuc_deadline *dl)
{
	/*
	 * Relaxed atomics: kuc_wait(POLLOUT) may run in several sending
	 * threads at once; a lost update only makes one bound less apt.
	 */
	int64_t ns = __atomic_load_n(&sp->ns, __ATOMIC_RELAXED);
	int64_t start, limit = ns, left = kuc_deadline_left(dl);
	unsigned int turn, misses;

	if (dl->none || !kuc_spin_worth())
		return false;
	if (left < limit)
		limit = left;
	start = kuc_now_ns();
	for (turn = 1;; turn++) {
		if (kuc_spin_ready(ch, rx, need)) {
			kuc_spin_caught(sp, kuc_now_ns() - start);
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
	else if (misses > 1)
		ns = ns / 2 > KUC_SPIN_MIN_NS ? ns / 2 : KUC_SPIN_MIN_NS;
	__atomic_store_n(&sp->ns, ns, __ATOMIC_RELAXED);
	/* The caller sleeps now; kuc_spin_woke() reports how long. */
	__atomic_store_n(&sp->slept_from, start, __ATOMIC_RELAXED);
	return false;
}
