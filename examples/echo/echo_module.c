// SPDX-License-Identifier: GPL-2.0
/*
 * kucomms_echo: the example user kernel module. It registers the endpoint
 * kucomms_echo with the handlers of echo_handlers.c (shared with the
 * userspace server echo_user.c), which send every message back unchanged
 * to the connection it came from (ECHO_TYPE_BROADCAST: to every
 * connection). How often its handlers ran is in
 * /sys/module/kucomms_echo/parameters/. With zerocopy=1 (at load, or
 * written there later) it opts in to KUCOMMS_EP_ZEROCOPY: its handler
 * then sends each message back straight from the shared ring (two copies
 * per echo instead of three), which is safe as it only passes the bytes
 * through (kucomms_register(9)). With direct=1 it opts in to
 * KUCOMMS_EP_DIRECT: a client that asks for direct delivery
 * (kuc_set_direct(3)) gets its messages echoed within its own kick while
 * the endpoint's thread sleeps, which the echo handler allows as it
 * neither sleeps nor cares which task runs it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "echo_handlers.h"
#include "kucomms_echo.h"

static struct kucomms_endpoint *echo_ep;
/*
 * The table registered: echo_ops (shared with the userspace server, so
 * const) with the flags the parameters zerocopy and direct ask for.
 */
static struct kucomms_endpoint_ops echo_run_ops;

static bool zerocopy, direct;

/* The flags the parameters ask for. */
static unsigned int echo_flags(void)
{
	return (zerocopy ? KUCOMMS_EP_ZEROCOPY : 0) |
	       (direct ? KUCOMMS_EP_DIRECT : 0);
}

/*
 * Both may also be written while the module is loaded (make bench
 * switches them between runs): kucomms reads an endpoint's flags once
 * per batch of messages, so the next batch goes the new way.
 */
static int echo_flag_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (!ret)
		WRITE_ONCE(echo_run_ops.flags, echo_flags());
	return ret;
}

static const struct kernel_param_ops echo_flag_ops = {
	.set = echo_flag_set,
	.get = param_get_bool,
};

module_param_cb(zerocopy, &echo_flag_ops, &zerocopy, 0644);
MODULE_PARM_DESC(zerocopy, "Handle messages in the shared ring, without the private copy (KUCOMMS_EP_ZEROCOPY)");
module_param_cb(direct, &echo_flag_ops, &direct, 0644);
MODULE_PARM_DESC(direct, "Let a client's kick run the handler while the thread sleeps (KUCOMMS_EP_DIRECT)");

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
MODULE_PARM_DESC(dropped, "Replies that did not fit (counted, not waited for)");
module_param_cb(connects, &echo_counter_ops, &echo_connects, 0444);
MODULE_PARM_DESC(connects, "Connections opened (connect handler runs)");
module_param_cb(disconnects, &echo_counter_ops, &echo_disconnects, 0444);
MODULE_PARM_DESC(disconnects, "Connections over (disconnect handler runs)");

static int __init echo_init(void)
{
	/* Against a write of a flag meanwhile (sysfs takes this lock). */
	kernel_param_lock(THIS_MODULE);
	echo_run_ops = echo_ops;
	echo_run_ops.flags = echo_flags();
	kernel_param_unlock(THIS_MODULE);
	echo_ep = kucomms_register(ECHO_NAME, &echo_run_ops, NULL);
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
