// SPDX-License-Identifier: GPL-2.0
/*
 * kucomms_echo: the example user kernel module. It registers the endpoint
 * kucomms_echo and sends every message back unchanged to the connection
 * it came from (ECHO_TYPE_BROADCAST: to every connection). How often its
 * handlers ran is in /sys/module/kucomms_echo/parameters/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <kucomms/kucomms_kernel.h>

#include "kucomms_echo.h"

static struct kucomms_endpoint *echo_ep;
static atomic64_t echo_messages, echo_work_runs, echo_timer_runs, echo_dropped;

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

static const struct kucomms_endpoint_ops echo_ops = {
	.message = echo_message,
	.work = echo_work,
	.timer = echo_timer,
};

static int echo_counter_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(kp->arg));
}

static const struct kernel_param_ops echo_counter_ops = {
	.get = echo_counter_get,
};

module_param_cb(messages, &echo_counter_ops, &echo_messages, 0444);
MODULE_PARM_DESC(messages, "Messages received");
module_param_cb(work_runs, &echo_counter_ops, &echo_work_runs, 0444);
MODULE_PARM_DESC(work_runs, "Times the work handler ran (100 Hz)");
module_param_cb(timer_runs, &echo_counter_ops, &echo_timer_runs, 0444);
MODULE_PARM_DESC(timer_runs, "Times the timer handler ran (1 Hz)");
module_param_cb(dropped, &echo_counter_ops, &echo_dropped, 0444);
MODULE_PARM_DESC(dropped, "Replies dropped after 5 s of a full ring");

static int __init echo_init(void)
{
	echo_ep = kucomms_register(ECHO_NAME, &echo_ops, NULL);
	return PTR_ERR_OR_ZERO(echo_ep);
}

static void __exit echo_exit(void)
{
	kucomms_unregister(echo_ep);
}

module_init(echo_init);
module_exit(echo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kucomms example: echo every message back");
