// SPDX-License-Identifier: MIT
/*
 * kuc_echo_client: the modes where the client serves or waits:
 * endpoint (libkuc's handler model, messages, work and timers) and hold
 * (an idle connection kept until it ends).
 */
#include "echo_client.h"

/* ---- endpoint: the handler model -------------------------------------- */

struct ep_ctx {
	struct tracker t;
	uint64_t messages, work, timer;	/* atomic: read by main */
	int stop_in_handler;		/* what kuc_endpoint_stop() said there */
};

static void ep_message(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		       const void *data, void *arg)
{
	struct ep_ctx *c = arg;

	/* A handler cannot wait for its own thread. */
	if (!c->t.got)
		c->stop_in_handler = kuc_endpoint_stop(ch);
	tracker_add(&c->t, hdr, data);
	__atomic_fetch_add(&c->messages, 1, __ATOMIC_RELEASE);
}

static void ep_work(struct kuc_channel *ch, void *arg)
{
	struct ep_ctx *c = arg;

	(void)ch;
	__atomic_fetch_add(&c->work, 1, __ATOMIC_RELAXED);
}

static void ep_timer(struct kuc_channel *ch, void *arg)
{
	struct ep_ctx *c = arg;

	(void)ch;
	__atomic_fetch_add(&c->timer, 1, __ATOMIC_RELAXED);
}

int run_endpoint(void)
{
	static const struct kuc_handlers handlers = {
		.message = ep_message,
		.work = ep_work,
		.timer = ep_timer,
	};
	struct kuc_channel_stats st;
	struct totals sum = { 0 };
	struct kucomms_msg_hdr h;
	struct kuc_channel *ch;
	struct ep_ctx c = { 0 };
	unsigned char *out;
	double t0, waited, secs;
	uint64_t i, max;
	bool api_ok = true;
	int ret;

	if (open_channel(&ch))
		return 2;
	max = max_size(ch);
	out = malloc(max + 1);
	if (!out || tracker_init(&c.t, 0, TAG_BASE, opt.count, max))
		return 2;
	t0 = now_s();
	ret = kuc_endpoint_start(ch, &handlers, &c);
	if (ret) {
		fail_err("endpoint_start", ret);
		return 2;
	}
	/* The thread is the consumer now: no second one, no kuc_recv(). */
	if (kuc_endpoint_start(ch, &handlers, &c) != -EBUSY ||
	    kuc_recv(ch, &h, out, max, 0) != -EBUSY) {
		fprintf(stderr, "kuc_echo_client: endpoint running, yet no EBUSY\n");
		api_ok = false;
	}
	for (i = 0; i < opt.count; i++) {
		make_msg(0, i, max, &h, out);
		ret = kuc_send_locked(ch, &h, out, opt.timeout_ms);
		if (ret) {
			fail_err("send_locked", ret);
			break;
		}
	}
	/* All echoed (or stalled), then at least --duration in all. */
	waited = now_s();
	while (__atomic_load_n(&c.messages, __ATOMIC_ACQUIRE) < i &&
	       now_s() - waited < opt.timeout_ms / 1000.0)
		usleep(10000);
	while (now_s() - t0 < opt.duration)
		usleep(10000);
	ret = kuc_endpoint_stop(ch);
	if (ret)
		fail_err("endpoint_stop", ret);
	secs = now_s() - t0;
	if (kuc_endpoint_stop(ch) != -ESRCH || c.stop_in_handler != -EDEADLK) {
		fprintf(stderr, "kuc_echo_client: stop: in handler %s, twice not ESRCH\n",
			errname(c.stop_in_handler));
		api_ok = false;
	}
	kuc_channel_stats(ch, &st);
	totals_add(&sum, &c.t, i);
	print_summary(&sum, &st, secs);
	printf("work=%" PRIu64 " timer=%" PRIu64 " handler_secs=%.3f api=%s\n",
	       c.work, c.timer, secs, api_ok ? "ok" : "FAIL");
	kuc_close(ch);
	free(out);
	free(c.t.seen);
	if (ret || i < opt.count)
		return 2;
	return totals_ok(&sum) && api_ok && c.work && c.timer ? 0 : 1;
}

/* ---- hold: wait on an idle connection until it ends ------------------- */

int run_hold(void)
{
	struct kucomms_msg_hdr h = { 0 };
	struct kuc_channel *ch;
	char buf[64];
	int ret, sret, revents;

	if (open_channel(&ch))
		return 2;
	printf("open conn_id=%" PRIu64 "\n", kuc_conn_id(ch));
	fflush(stdout);
	ret = kuc_recv(ch, &h, buf, sizeof(buf), opt.timeout_ms);
	printf("recv: %s\n", ret ? errname(ret) : "message");
	revents = kuc_wait(ch, POLLIN | POLLOUT, 0);
	printf("poll:%s%s%s%s\n", revents & POLLIN ? " POLLIN" : "",
	       revents & POLLOUT ? " POLLOUT" : "",
	       revents & POLLHUP ? " POLLHUP" : "",
	       revents & POLLERR ? " POLLERR" : "");
	sret = kuc_send(ch, &h, NULL);
	printf("send: %s\n", sret ? errname(sret) : "OK");
	kuc_close(ch);
	return ret == -ESHUTDOWN && revents > 0 && (revents & POLLHUP) &&
	       sret == -ESHUTDOWN ? 0 : 1;
}

