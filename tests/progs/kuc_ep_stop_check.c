// SPDX-License-Identifier: MIT
/*
 * kuc_ep_stop_check NAME: kuc_endpoint_stop() stops a device channel's
 * endpoint thread even when its wakeup cannot be delivered. The program
 * closes the eventfd libkuc wakes the thread with (found in
 * /proc/self/fd) under it; libkuc used to abort() when that write
 * failed. Against kucomms_echo.ko, run by tests/bats/channel_api.bats:
 *
 *   1. the thread still delivers a reply after the close;
 *   2. idle for 1.5 s, it does not spin on the closed eventfd;
 *   3. kuc_endpoint_stop() returns 0 within 3 s (the thread's sleep is
 *      bounded at 1 s) and the program is still alive;
 *   4. the thread is gone: kuc_recv() is the caller's again.
 *
 * Each step prints one line "ok STEP" or "FAIL STEP: why". Exit status:
 * 0 all steps passed, 1 a step failed, 2 an error.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <kuc.h>

#include "prog_step.h"

static int replies;	/* atomic: the handler counts, main reads */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The CPU time the process used, user and system, in milliseconds. */
static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void on_message(struct kuc_channel *ch,
		       const struct kucomms_msg_hdr *hdr, const void *data,
		       void *ctx)
{
	(void)ch;
	(void)hdr;
	(void)data;
	(void)ctx;
	__atomic_add_fetch(&replies, 1, __ATOMIC_RELAXED);
}

/* The one eventfd of the process (libkuc's), or -1. */
static int find_eventfd(void)
{
	char target[64];
	struct dirent *d;
	int fd = -1, n = 0;
	ssize_t len;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		len = readlinkat(dirfd(dir), d->d_name, target,
				 sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (!strcmp(target, "anon_inode:[eventfd]")) {
			fd = atoi(d->d_name);
			n++;
		}
	}
	closedir(dir);
	return n == 1 ? fd : -1;
}

int main(int argc, char **argv)
{
	struct kuc_handlers handlers = { .message = on_message };
	struct kucomms_msg_hdr h = { .type = 7, .id = 1 };
	struct kuc_channel *ch;
	double t0, cpu0, ms;
	char why[128];
	int ret, efd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s NAME\n", argv[0]);
		return 2;
	}
	ret = kuc_open(argv[1], &ch);
	if (ret) {
		fprintf(stderr, "open %s: %s\n", argv[1], kuc_strerror(ret));
		return 2;
	}
	ret = kuc_endpoint_start(ch, &handlers, NULL);
	efd = find_eventfd();
	if (ret || efd < 0) {
		fprintf(stderr, "endpoint start: %s, eventfd %d\n",
			kuc_strerror(ret), efd);
		return 2;
	}
	/* The program's fault, on purpose: the thread now sleeps on it. */
	close(efd);

	/* 1 */
	ret = kuc_send(ch, &h, NULL);
	t0 = now_ms();
	while (!__atomic_load_n(&replies, __ATOMIC_RELAXED) &&
	       now_ms() - t0 < 5000)
		usleep(1000);
	snprintf(why, sizeof(why), "send %d, %d replies", ret,
		 __atomic_load_n(&replies, __ATOMIC_RELAXED));
	step(!ret && __atomic_load_n(&replies, __ATOMIC_RELAXED) == 1,
	     "delivers-after-close", why);

	/* 2 */
	cpu0 = cpu_ms();
	usleep(1500 * 1000);
	ms = cpu_ms() - cpu0;
	snprintf(why, sizeof(why), "%.0f ms of CPU in 1.5 s idle", ms);
	step(ms < 300, "idle-no-spin", why);

	/* 3 */
	t0 = now_ms();
	ret = kuc_endpoint_stop(ch);
	ms = now_ms() - t0;
	printf("# stopped in %.0f ms\n", ms);
	snprintf(why, sizeof(why), "returned %d after %.0f ms", ret, ms);
	step(!ret && ms < 3000, "stop-returns", why);

	/* 4 */
	ret = kuc_recv(ch, &h, NULL, 0, 0);
	snprintf(why, sizeof(why), "kuc_recv: %d", ret);
	step(ret == -EAGAIN, "thread-gone", why);

	kuc_close(ch);
	return failures ? 1 : 0;
}
