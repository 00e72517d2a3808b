/* SPDX-License-Identifier: MIT */
/*
 * Futex wait and wake, for a ring side that sleeps on a word its peer
 * changes. Private to libkuc.
 *
 * A futex only avoids lost wakeups when the waker changes the word before
 * it wakes: FUTEX_WAIT sleeps only while the word still holds the value
 * the waiter saw, and that check is atomic with respect to FUTEX_WAKE.
 * The words a ring offers for this are the positions: a consumer waits on
 * the producer's position (which moves when a message is published), a
 * producer on the consumer's (which moves when space is released). The
 * flag word of the handshake in kucomms_ring.h is the wrong word: the
 * waker never writes it, so a wakeup between the check and the wait
 * would be lost.
 *
 * The futexes are shared (not FUTEX_PRIVATE_FLAG): the words live in
 * memory that may be mapped by another process.
 */
#ifndef KUC_FUTEX_H
#define KUC_FUTEX_H

#include <stdint.h>
#include <time.h>

#include <kucomms/kucomms_abi.h>

/* Kept out of libkuc.so's dynamic symbol table (as in mirror.h). */
#ifndef KUC_PRIVATE
#define KUC_PRIVATE __attribute__((visibility("hidden")))
#endif

/*
 * The 32-bit futex word inside a 64-bit ring position: its low half,
 * wherever the byte order puts it. The low half alone is enough to see
 * the position move: a position cannot advance by 2^32 bytes while its
 * peer still waits for it, as the ring holds at most
 * 2^KUCOMMS_RING_ORDER_MAX bytes.
 */
static inline const uint32_t *kuc_futex_pos_word(const __u64 *pos)
{
	const uint32_t *w = (const uint32_t *)pos;

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return w + 1;
#else
	return w;
#endif
}

/*
 * Sleep while *@word == @expected, at most @timeout (relative; NULL:
 * forever). Returns 0 when woken (possibly spuriously), -EAGAIN when the
 * word no longer held @expected, -ETIMEDOUT, -EINTR (a signal), or another
 * negative errno (e.g. -EFAULT). Callers re-check their condition in all
 * cases.
 */
KUC_PRIVATE int kuc_futex_wait(const uint32_t *word, uint32_t expected,
			       const struct timespec *timeout);

/*
 * Sleep while *@w[0] == @e[0] and *@w[1] == @e[1] (futex_waitv, Linux
 * 5.16), at most @timeout (relative; NULL: forever). Returns as
 * kuc_futex_wait(). Without futex_waitv it waits on @w[0] only, for at
 * most 10 ms at a time, so that a change of @w[1] is seen late but seen.
 */
KUC_PRIVATE int kuc_futex_wait2(const uint32_t *const w[2],
				const uint32_t e[2],
				const struct timespec *timeout);

/*
 * Wake up to @nr waiters sleeping on @word. Returns the number woken or a
 * negative errno.
 */
KUC_PRIVATE int kuc_futex_wake(const uint32_t *word, int nr);

#endif /* KUC_FUTEX_H */
