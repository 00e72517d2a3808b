// SPDX-License-Identifier: MIT
/*
 * kuc_tick_wait: wait for the TESTEP_TICK messages the timer handler of
 * tests/vm/testep/kuc_testep.ko broadcasts (its parameter tick at 1),
 * sleeping only in poll(2) on the channel's fd, and say how late each
 * woke us. Run by tests/bats/wakeup.bats in the test VM.
 *
 *   kuc_tick_wait NAME COUNT MAX_LATE_MS TIMEOUT_MS
 *
 * It sends nothing: the only thing that can wake it is the wakeup the
 * endpoint thread deferred when its timer handler sent. A tick's lateness
 * is CLOCK_MONOTONIC when poll() returned minus the ktime_get_ns() the
 * handler put in the message's value (the same clock). Prints one line
 * "# tick ID late=MS" per tick, then the steps:
 *
 *   ticks-arrive   COUNT ticks arrived within TIMEOUT_MS;
 *   ticks-on-time  none woke us more than MAX_LATE_MS after its send.
 *
 * Exit status: 0 both steps passed, 1 a step failed, 2 an error.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <kuc.h>

#include "prog_step.h"

#define TESTEP_TICK	5

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct kucomms_msg_hdr h;
	struct kuc_channel *ch;
	struct pollfd pfd;
	int64_t end, woke, late, max_late = 0;
	long count, max_ms, got = 0;
	unsigned char buf[64];
	int ret, n;

	if (argc != 5) {
		fprintf(stderr,
			"usage: %s NAME COUNT MAX_LATE_MS TIMEOUT_MS\n",
			argv[0]);
		return 2;
	}
	count = atol(argv[2]);
	max_ms = atol(argv[3]);
	end = now_ns() + atol(argv[4]) * 1000000LL;
	ret = kuc_open(argv[1], &ch);
	if (ret) {
		fprintf(stderr, "open %s: %s\n", argv[1], kuc_strerror(ret));
		return 2;
	}
	pfd.fd = kuc_fd(ch);
	pfd.events = POLLIN;
	while (got < count && now_ns() < end) {
		n = poll(&pfd, 1, (int)((end - now_ns()) / 1000000) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("poll");
			return 2;
		}
		woke = now_ns();
		if (pfd.revents & (POLLHUP | POLLERR)) {
			fprintf(stderr, "poll: hangup or error (0x%x)\n",
				pfd.revents);
			return 2;
		}
		while (got < count &&
		       !(ret = kuc_recv(ch, &h, buf, sizeof(buf), 0))) {
			if (h.type != TESTEP_TICK) {
				fprintf(stderr, "unexpected type %llu\n",
					(unsigned long long)h.type);
				return 2;
			}
			late = woke - (int64_t)h.value;
			/* Sent after poll() returned: on time. */
			if (late < 0)
				late = 0;
			printf("# tick %llu late=%.3f ms\n",
			       (unsigned long long)h.id,
			       late / 1e6);
			if (late > max_late)
				max_late = late;
			got++;
		}
		if (ret && ret != -EAGAIN) {
			fprintf(stderr, "recv: %s\n", kuc_strerror(ret));
			return 2;
		}
	}
	printf("# ticks=%ld max_late=%.3f ms\n", got, max_late / 1e6);
	step(got == count, "ticks-arrive", "fewer ticks than asked in time");
	step(got && max_late <= max_ms * 1000000LL, "ticks-on-time",
	     "a tick woke the reader late: its wakeup was lost");
	kuc_close(ch);
	return failures ? 1 : 0;
}
