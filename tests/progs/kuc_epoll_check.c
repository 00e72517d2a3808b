// SPDX-License-Identifier: MIT
/*
 * kuc_epoll_check: prove that a channel's fd drives an epoll(7) loop the
 * way kuc.h promises, against kucomms_echo.ko. Run by
 * tests/bats/channel_api.bats in the test VM.
 *
 *   1. a fresh channel is writable (EPOLLOUT) and not readable;
 *   2. a message sent makes it readable (EPOLLIN) when the echo comes
 *      back, and receiving it makes it not readable again;
 *   3. sending without receiving fills both rings (the kernel holds
 *      messages back while the reply ring is full): then the fd is not
 *      writable; receiving every reply makes it writable again, and
 *      every reply is intact;
 *   4. an edge-triggered registration reports a new reply, and nothing
 *      once it was received;
 *   5. it prints "waiting for hangup" and waits (up to --timeout) for
 *      EPOLLHUP: the test removes kucomms_echo meanwhile.
 *
 * Each step prints one line "ok STEP" or "FAIL STEP: why". Exit status:
 * 0 all steps passed, 1 a step failed, 2 an error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <kuc.h>

#include "prog_step.h"

#define MSG_LEN		1000
#define STEP_WAIT_MS	10000

/* The events epoll reports for the channel within @timeout_ms (0: none). */
static uint32_t events_of(int ep, int timeout_ms)
{
	struct epoll_event ev;
	int n;

	do {
		n = epoll_wait(ep, &ev, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	return n == 1 ? ev.events : 0;
}

static int chan_fd;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Wait up to @ms milliseconds for one of @want (EPOLLHUP and EPOLLERR are
 * always reported). The registration asks for @want alone meanwhile, so
 * that a level-triggered event we do not wait for cannot spin the loop.
 * Returns the events seen (0 after the time-out).
 */
static uint32_t wait_for(int ep, uint32_t want, int ms)
{
	struct epoll_event ev = { .events = want };
	double end = now_ms() + ms;
	uint32_t e = 0;

	epoll_ctl(ep, EPOLL_CTL_MOD, chan_fd, &ev);
	while (!(e & (want | EPOLLHUP | EPOLLERR)) && now_ms() < end)
		e = events_of(ep, (int)(end - now_ms()) + 1);
	ev.events = EPOLLIN | EPOLLOUT;
	epoll_ctl(ep, EPOLL_CTL_MOD, chan_fd, &ev);
	return e;
}

static void fill(unsigned char *buf, uint64_t id)
{
	size_t i;

	for (i = 0; i < MSG_LEN; i++)
		buf[i] = (unsigned char)(id * 31 + i);
}

static int reply_ok(const struct kucomms_msg_hdr *h, const unsigned char *buf,
		    uint64_t id)
{
	unsigned char want[MSG_LEN];

	fill(want, id);
	return h->length == MSG_LEN && h->id == id && h->type == 7 &&
	       !memcmp(buf, want, MSG_LEN);
}

int main(int argc, char **argv)
{
	struct kucomms_msg_hdr h = { .length = MSG_LEN, .type = 7 };
	unsigned char buf[MSG_LEN];
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT };
	struct kuc_channel *ch;
	uint64_t sent = 0, got = 0, bad = 0;
	int ep, etp, ret, hup_ms;
	uint32_t e;

	if (argc != 3) {
		fprintf(stderr, "usage: %s NAME HUP_TIMEOUT_MS\n", argv[0]);
		return 2;
	}
	hup_ms = atoi(argv[2]);
	ret = kuc_open(argv[1], &ch);
	if (ret) {
		fprintf(stderr, "open %s: %s\n", argv[1], kuc_strerror(ret));
		return 2;
	}
	chan_fd = kuc_fd(ch);
	ep = epoll_create1(EPOLL_CLOEXEC);
	etp = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || etp < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, kuc_fd(ch), &ev)) {
		perror("epoll");
		return 2;
	}

	/* 1 */
	e = events_of(ep, 0);
	step((e & EPOLLOUT) && !(e & (EPOLLIN | EPOLLHUP | EPOLLERR)),
	     "fresh-channel-writable-only", "events not OUT alone");

	/* 2 */
	h.id = sent;
	fill(buf, sent);
	ret = kuc_send(ch, &h, buf);
	sent++;
	e = wait_for(ep, EPOLLIN, STEP_WAIT_MS);
	step(!ret && (e & EPOLLIN), "reply-makes-readable", "no EPOLLIN");
	ret = kuc_recv(ch, &h, buf, sizeof(buf), 0);
	got += !ret;
	bad += ret || !reply_ok(&h, buf, 0);
	e = events_of(ep, 0);
	step(!ret && !(e & EPOLLIN), "recv-clears-readable",
	     "still EPOLLIN after the only reply was received");

	/* 3: send until the rings are full; nothing is received meanwhile. */
	for (;;) {
		h = (struct kucomms_msg_hdr){ .length = MSG_LEN, .type = 7,
					      .id = sent };
		fill(buf, sent);
		ret = kuc_send_wait(ch, &h, buf, 1000);
		if (ret)
			break;
		sent++;
	}
	e = events_of(ep, 0);
	step(ret == -ETIMEDOUT && !(e & EPOLLOUT) && (e & EPOLLIN),
	     "full-ring-not-writable", "EPOLLOUT with a full send ring");
	while (got < sent) {
		if (!(wait_for(ep, EPOLLIN, STEP_WAIT_MS) & EPOLLIN))
			break;
		while (!kuc_recv(ch, &h, buf, sizeof(buf), 0)) {
			bad += !reply_ok(&h, buf, got);
			got++;
		}
	}
	e = wait_for(ep, EPOLLOUT, STEP_WAIT_MS);
	step(got == sent && !bad && (e & EPOLLOUT) && !(e & EPOLLIN),
	     "drained-writable-again", "replies missing or bad, or no EPOLLOUT");
	printf("# sent=%" PRIu64 " received=%" PRIu64 " bad=%" PRIu64 "\n",
	       sent, got, bad);

	/* 4: edge-triggered: one report per new reply, not per wait. */
	ev.events = EPOLLIN | EPOLLET;
	if (epoll_ctl(etp, EPOLL_CTL_ADD, kuc_fd(ch), &ev)) {
		perror("epoll_ctl");
		return 2;
	}
	events_of(etp, 0);	/* consume the edge of the registration */
	h = (struct kucomms_msg_hdr){ .length = MSG_LEN, .type = 7,
				      .id = sent };
	fill(buf, sent);
	ret = kuc_send(ch, &h, buf);
	sent++;
	e = events_of(etp, STEP_WAIT_MS);
	step(!ret && (e & EPOLLIN), "edge-triggered-reply", "no edge");
	ret = kuc_recv(ch, &h, buf, sizeof(buf), 0);
	step(!ret && reply_ok(&h, buf, sent - 1), "edge-reply-intact",
	     "the reply is missing or differs");
	step(!events_of(etp, 200), "edge-quiet-when-empty",
	     "an edge reported with nothing to read");

	/* 5 */
	printf("waiting for hangup\n");
	fflush(stdout);
	e = wait_for(ep, EPOLLHUP, hup_ms);
	step((e & EPOLLHUP) && !(e & EPOLLERR), "shutdown-hangup",
	     "no EPOLLHUP (or EPOLLERR) after the endpoint went away");
	step(kuc_send(ch, &h, buf) == -ESHUTDOWN, "send-after-hangup",
	     "kuc_send did not return -ESHUTDOWN");

	close(ep);
	close(etp);
	kuc_close(ch);
	return failures ? 1 : 0;
}
