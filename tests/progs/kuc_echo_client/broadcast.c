// SPDX-License-Identifier: MIT
/*
 * kuc_echo_client: broadcast mode: one connection sends, every
 * connection gets each message.
 */
#include "echo_client.h"

/* ---- broadcast: one sends, every connection gets each message -------- */

int run_broadcast(void)
{
	struct kuc_channel **chs = calloc(opt.conns, sizeof(*chs));
	struct tracker *ts = calloc(opt.conns, sizeof(*ts));
	struct kuc_channel_stats st = { 0 };
	struct totals sum = { 0 };
	struct kucomms_msg_hdr h, r;
	unsigned char *out = NULL, *in = NULL;
	unsigned int c, opened = 0;
	uint64_t i = 0, max = 0;
	double t0;
	int ret = 0;

	if (!chs || !ts)
		return 2;
	for (c = 0; c < opt.conns; c++, opened++) {
		if (open_channel(&chs[c])) {
			ret = 2;
			goto out;
		}
	}
	max = max_size(chs[0]);
	out = malloc(max + 1);
	in = malloc(kuc_msg_max(chs[0]) + 1);
	if (!out || !in) {
		ret = 2;
		goto out;
	}
	for (c = 0; c < opt.conns; c++)
		if (tracker_init(&ts[c], 0, ECHO_TYPE_BROADCAST, opt.count, max)) {
			ret = 2;
			goto out;
		}
	t0 = now_s();
	for (i = 0; i < opt.count && !ret; i++) {
		make_msg(0, i, max, &h, out);
		h.type = ECHO_TYPE_BROADCAST;
		ret = kuc_send_wait(chs[0], &h, out, opt.timeout_ms);
		if (ret) {
			fail_err("send", ret);
			break;
		}
		/* Every connection, the sender's too, gets it before the next. */
		for (c = 0; c < opt.conns; c++) {
			ret = kuc_recv(chs[c], &r, in, kuc_msg_max(chs[c]),
				       opt.timeout_ms);
			if (ret) {
				fprintf(stderr, "kuc_echo_client: connection %u, message %"
					PRIu64 ":\n", c, i);
				fail_err("recv", ret);
				break;
			}
			tracker_add(&ts[c], &r, in);
		}
	}
	for (c = 0; c < opt.conns; c++) {
		/* Each connection should have got every message sent. */
		totals_add(&sum, &ts[c], i);
		stats_add(&st, chs[c]);
	}
	print_summary(&sum, &st, now_s() - t0);
	if (!ret && !totals_ok(&sum))
		ret = 1;
	else if (ret)
		ret = 2;
out:
	for (c = 0; c < opened; c++)
		kuc_close(chs[c]);
	for (c = 0; c < opt.conns; c++)
		free(ts[c].seen);
	free(chs);
	free(ts);
	free(out);
	free(in);
	return ret;
}

