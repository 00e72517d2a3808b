// SPDX-License-Identifier: MIT
/*
 * Futex wait and wake through syscall(2): the C library has no wrapper.
 * The futex is shared, see futex.h.
 */
#include <errno.h>
#include <linux/futex.h>
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
