// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The echo endpoint: every message goes back unchanged to the connection
 * it came from (ECHO_TYPE_BROADCAST: to every connection). This one file
 * is compiled into the kernel module kucomms_echo.ko and into the
 * userspace server kucomms_echo_user: kucomms/kucomms_endpoint.h maps the
 * endpoint API onto libkuc outside the kernel.
 */
#include "echo_handlers.h"
#include "kucomms_echo.h"

atomic64_t echo_messages, echo_work_runs, echo_timer_runs, echo_dropped;
atomic64_t echo_connects, echo_disconnects;

static void echo_message(struct kucomms_endpoint *ep, struct kucomms_conn *conn,
			 const struct kucomms_msg_hdr *hdr, const void *data)
{
	atomic64_inc(&echo_messages);
	if (hdr->type == ECHO_TYPE_BROADCAST) {
		kucomms_broadcast(ep, hdr, data);
		return;
	}
	/*
	 * Backpressure: wait (bounded) for the client to make room rather
	 * than drop; what still does not fit is counted, never silent.
	 */
	if (kucomms_send(conn, hdr, data) == -EAGAIN &&
	    kucomms_send_locked(conn, hdr, data, 5 * HZ))
		atomic64_inc(&echo_dropped);
}

static void echo_work(struct kucomms_endpoint *ep)
{
	atomic64_inc(&echo_work_runs);
}

static void echo_timer(struct kucomms_endpoint *ep)
{
	atomic64_inc(&echo_timer_runs);
}

/*
 * Nothing to set up per connection here; counted so that one can see
 * every connection get connect, its messages, then disconnect.
 */
static void echo_connect(struct kucomms_endpoint *ep, struct kucomms_conn *conn)
{
	atomic64_inc(&echo_connects);
}

static void echo_disconnect(struct kucomms_endpoint *ep,
			    struct kucomms_conn *conn)
{
	atomic64_inc(&echo_disconnects);
}

const struct kucomms_endpoint_ops echo_ops = {
	.message = echo_message,
	.work = echo_work,
	.timer = echo_timer,
	.connect = echo_connect,
	.disconnect = echo_disconnect,
};
