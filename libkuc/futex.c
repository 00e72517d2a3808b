// SPDX-License-Identifier: MIT
/*
 * Futex wait and wake through syscall(2): the C library has no wrapper.
 * The futex is shared, see futex.h.
 */
#include <errno.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "futex.h"

int kuc_futex_wait(const uint32_t *word, uint32_t expected,
		   const struct timespec *timeout)
{
	/*
	 * FUTEX_WAIT only reads the word, so a read-only mapping of the
	 * peer's page will do; the cast is for the syscall's prototype.
	 * Integer arguments go as long: syscall() reads its variadic
	 * arguments as long.
	 */
	if (syscall(SYS_futex, (uint32_t *)word, (long)FUTEX_WAIT,
		    (long)expected, timeout, NULL, 0L) < 0)
		return -errno;
	return 0;
}

int kuc_futex_wake(const uint32_t *word, int nr)
{
	long ret = syscall(SYS_futex, (uint32_t *)word, (long)FUTEX_WAKE,
			   (long)nr, NULL, NULL, 0L);

	return ret < 0 ? -errno : (int)ret;
}

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449	/* the same number on every architecture */
#endif

int kuc_futex_wait2(const uint32_t *const w[2], const uint32_t e[2],
		    const struct timespec *timeout)
{
	static const struct timespec slice = { .tv_nsec = 10 * 1000 * 1000 };
	static bool no_waitv;	/* racy but idempotent: set to true once */
	struct futex_waitv v[2];
	struct timespec abs;
	int i;

	if (!__atomic_load_n(&no_waitv, __ATOMIC_RELAXED)) {
		for (i = 0; i < 2; i++) {
			v[i] = (struct futex_waitv){
				.val = e[i],
				.uaddr = (uintptr_t)w[i],
				.flags = FUTEX_32,
			};
		}
		/* futex_waitv takes an absolute CLOCK_MONOTONIC time. */
		if (timeout) {
			clock_gettime(CLOCK_MONOTONIC, &abs);
			abs.tv_sec += timeout->tv_sec;
			abs.tv_nsec += timeout->tv_nsec;
			if (abs.tv_nsec >= 1000000000L) {
				abs.tv_sec++;
				abs.tv_nsec -= 1000000000L;
			}
		}
		if (syscall(SYS_futex_waitv, v, 2U, 0U,
			    timeout ? &abs : NULL, (long)CLOCK_MONOTONIC) >= 0)
			return 0;
		if (errno != ENOSYS)
			return -errno;
		__atomic_store_n(&no_waitv, true, __ATOMIC_RELAXED);
	}
	if (*(volatile const uint32_t *)w[1] != e[1])
		return -EAGAIN;
	if (!timeout || timeout->tv_sec ||
	    timeout->tv_nsec > slice.tv_nsec)
		timeout = &slice;
	return kuc_futex_wait(w[0], e[0], timeout);
}
