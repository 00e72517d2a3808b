// SPDX-License-Identifier: MIT
/*
 * kuc_endpoint_poll_idle(): the endpoint thread keeps looking at its ring
 * for the poll time after the last message, so requests that come within
 * it need no wakeup call from the sender and no sleep of the thread; once
 * the time is over it sleeps as before. Counted, not timed: the sender's
 * kicks (FUTEX_WAKE calls) and the thread's sleeps (its channel's
 * waits) over a trickle of requests 2 ms apart, without and with polling.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kuc.h>

#include "tap.h"

#define REQUESTS	30
#define GAP_US		2000

static void echo(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		 const void *data, void *ctx)
{
	(void)ctx;
	kuc_send(ch, hdr, data);
}

static const struct kuc_handlers echo_handlers = { .message = echo };

/* @n requests GAP_US apart, each answered before the next; 0 or error. */
static int trickle(struct kuc_channel *c, int n)
{
	struct kucomms_msg_hdr h = { .length = 8, .type = 1 }, r;
	uint64_t v, got;
	int i, ret;

	for (i = 0; i < n; i++) {
		v = (uint64_t)i * 77;
		h.id = (uint64_t)i;
		ret = kuc_send(c, &h, &v);
		if (!ret)
			ret = kuc_recv(c, &r, &got, sizeof(got), 10000);
		if (ret)
			return ret;
		if (r.id != h.id || got != v)
			return -EBADMSG;
		usleep(GAP_US);
	}
	return 0;
}

static uint64_t kicks(const struct kuc_channel *ch)
{
	struct kuc_channel_stats st;

	kuc_channel_stats(ch, &st);
	return st.kicks;
}

static uint64_t waits(const struct kuc_channel *ch)
{
	struct kuc_channel_stats st;

	kuc_channel_stats(ch, &st);
	return st.waits;
}

static void test_bounds(struct kuc_channel *b)
{
	TAP_OK(kuc_endpoint_poll_idle(b, KUCOMMS_POLL_IDLE_MAX_US + 1) ==
	       -EINVAL, "poll time above a second: EINVAL");
	TAP_OK(!kuc_endpoint_poll_idle(b, KUCOMMS_POLL_IDLE_MAX_US) &&
	       !kuc_endpoint_poll_idle(b, 0), "a second and 0 are taken");
}

int main(void)
{
	struct kuc_channel *a, *b;
	uint64_t k0, w0, k1, w1;
	int ret, i;

	if (kuc_pair_open(4096, &a, &b) ||
	    kuc_endpoint_start(b, &echo_handlers, NULL)) {
		TAP_OK(0, "pair and endpoint thread");
		return tap_done();
	}
	test_bounds(b);

	/* Without polling the thread sleeps in every gap: a kick each. */
	k0 = kicks(a);
	w0 = waits(b);
	ret = trickle(a, REQUESTS);
	k1 = kicks(a);
	w1 = waits(b);
	TAP_OK(!ret, "trickle without polling echoed (%d)", ret);
	TAP_OK(k1 - k0 >= REQUESTS * 3 / 4 && w1 - w0 >= REQUESTS * 3 / 4,
	       "without polling: %llu kicks, %llu sleeps for %d requests",
	       (unsigned long long)(k1 - k0), (unsigned long long)(w1 - w0),
	       REQUESTS);

	/*
	 * Polling for 300 ms, far longer than the gaps: after the first
	 * request (which may find the thread asleep) none needs a kick.
	 */
	TAP_OK(!kuc_endpoint_poll_idle(b, 300000), "poll time 300 ms set");
	ret = trickle(a, 1);
	k0 = kicks(a);
	w0 = waits(b);
	if (!ret)
		ret = trickle(a, REQUESTS);
	k1 = kicks(a);
	w1 = waits(b);
	TAP_OK(!ret, "trickle with polling echoed (%d)", ret);
	TAP_OK(k1 - k0 <= 1 && w1 - w0 <= 1,
	       "with polling: %llu kicks, %llu sleeps for %d requests",
	       (unsigned long long)(k1 - k0), (unsigned long long)(w1 - w0),
	       REQUESTS);

	/* The poll time is bounded: with nothing coming, it sleeps. */
	for (i = 0; i < 300 && waits(b) == w1; i++)
		usleep(10000);
	TAP_OK(waits(b) > w1, "idle past the poll time: the thread sleeps "
	       "(after %d ms)", i * 10);

	/* Off again: the next trickle kicks as at first. */
	TAP_OK(!kuc_endpoint_poll_idle(b, 0), "polling off");
	usleep(400000);
	k0 = kicks(a);
	ret = trickle(a, REQUESTS);
	k1 = kicks(a);
	TAP_OK(!ret && k1 - k0 >= REQUESTS * 3 / 4,
	       "polling off: %llu kicks for %d requests",
	       (unsigned long long)(k1 - k0), REQUESTS);

	kuc_endpoint_stop(b);
	kuc_close(a);
	kuc_close(b);
	return tap_done();
}
