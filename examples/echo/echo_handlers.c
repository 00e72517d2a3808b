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
	/*
	 * hdr is a checked snapshot; data may be the shared ring itself
	 * (kucomms_echo.ko's zerocopy=1, and always in userspace), where
	 * the client may change it meanwhile. Safe here: the bytes are only
	 * passed on, each copy reads them once, nothing is decided on them.
	 */
	if (hdr->type == ECHO_TYPE_BROADCAST) {
		kucomms_broadcast(ep, hdr, data);
		return;
	}
	/*
	 * Never waits in the kernel: the endpoint thread hands a message
	 * over only when its connection's reply ring has room for a reply
	 * as long (backpressure: the rest stays queued), and a send from
	 * that thread does not wait (kucomms_kernel(9)); one connection's
	 * client cannot hold up the others. In userspace (a shm segment has
	 * one client at a time, kucomms_endpoint.h) this waits up to 5 s for
	 * the client to make room. What does not fit is counted, never
	 * silent.
	 */
	if (kucomms_send_locked(conn, hdr, data, 5 * HZ))
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
