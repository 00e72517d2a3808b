// SPDX-License-Identifier: MIT
/*
 * kuc_echo_client: pingpong mode: one message in flight, through
 * the copying and the zero-copy calls, round-trip times.
 */
#include "echo_client.h"

/* ---- pingpong: one message in flight, round-trip times --------------- */

/*
 * Message @id through the zero-copy calls: built in the ring with
 * kuc_reserve()/kuc_commit(), its reply read in place with
 * kuc_peek()/kuc_release().
 */
static int pingpong_zero_copy(struct kuc_channel *ch, uint64_t id, uint64_t max,
			      unsigned char *tmp, struct tracker *t)
{
	struct kucomms_msg_hdr h, *slot, r;
	const void *data;
	void *buf;
	int ret;

	make_msg(0, id, max, &h, tmp);
	for (;;) {
		buf = kuc_reserve(ch, h.length, &slot, &ret);
		if (buf || ret != -EAGAIN)
			break;
		kuc_wait(ch, POLLOUT, opt.timeout_ms);
	}
	if (!buf)
		return ret;
	memcpy(buf, tmp, h.length);
	slot->type = h.type;
	slot->id = h.id;
	slot->value = h.value;
	ret = kuc_commit(ch);
	if (ret)
		return ret;
	while ((ret = kuc_peek(ch, &r, &data)) == -EAGAIN)
		if (kuc_wait(ch, POLLIN, opt.timeout_ms) == 0)
			return -ETIMEDOUT;
	if (ret)
		return ret;
	tracker_add(t, &r, data);
	kuc_release(ch);
	return 0;
}

/* kuc_recv() into a buffer one byte short: -EMSGSIZE, message kept. */
static int pingpong_short_buffer(struct kuc_channel *ch,
				 const struct kucomms_msg_hdr *sent,
				 unsigned char *in)
{
	struct kucomms_msg_hdr r = { 0 };
	int ret;

	if (!sent->length)
		return 0;
	ret = kuc_recv(ch, &r, in, sent->length - 1, opt.timeout_ms);
	if (ret != -EMSGSIZE || r.length != sent->length || r.id != sent->id) {
		fprintf(stderr, "kuc_echo_client: short buffer: %s, length %llu\n",
			ret ? errname(ret) : "0", (unsigned long long)r.length);
		return -EBADMSG;
	}
	return 0;
}

int run_pingpong(void)
{
	struct kuc_channel_stats st;
	struct totals sum = { 0 };
	struct kucomms_msg_hdr h, r;
	struct kuc_channel *ch;
	unsigned char *out, *in;
	struct tracker t;
	uint64_t i, max;
	double t0;
	int ret = 0;

	if (open_channel(&ch))
		return 2;
	max = max_size(ch);
	out = malloc(max + 1);
	in = malloc(kuc_msg_max(ch) + 1);
	if (!out || !in || tracker_init(&t, 0, TAG_BASE, opt.count, max)) {
		kuc_close(ch);
		return 2;
	}
	t0 = now_s();
	for (i = 0; i < opt.count; i++) {
		/* Every fourth message goes the zero-copy way. */
		if (i % 4 == 3) {
			ret = pingpong_zero_copy(ch, i, max, out, &t);
			if (ret) {
				fail_err("zero-copy", ret);
				break;
			}
			continue;
		}
		make_msg(0, i, max, &h, out);
		ret = kuc_send_wait(ch, &h, out, opt.timeout_ms);
		if (ret) {
			fail_err("send", ret);
			break;
		}
		if (i % 100 == 1) {
			ret = pingpong_short_buffer(ch, &h, in);
			if (ret)
				break;
		}
		ret = kuc_recv(ch, &r, in, kuc_msg_max(ch), opt.timeout_ms);
		if (ret) {
			fail_err("recv", ret);
			break;
		}
		tracker_add(&t, &r, in);
	}
	kuc_channel_stats(ch, &st);
	totals_add(&sum, &t, i);
	print_summary(&sum, &st, now_s() - t0);
	printf("rtt_us=%.1f\n", i ? (now_s() - t0) * 1e6 / i : 0.0);
	kuc_close(ch);
	free(out);
	free(in);
	free(t.seen);
	return ret ? 2 : totals_ok(&sum) ? 0 : 1;
}

