// SPDX-License-Identifier: GPL-2.0
/*
 * mymod: a kernel module that talks to userspace through kucomms
 * (/dev/kucomms_mymod). Its endpoint's handlers, all called by one kernel
 * thread, never two at once:
 *   message     each message from a process: validate, then reply
 *   work        100 times a second
 *   timer       once a second
 *   connect     a process opened the device
 *   disconnect  after that connection's last message
 * The protocol is in mymod.h. How often each handler ran is in
 * /sys/module/mymod/parameters/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <kucomms/kucomms_kernel.h>

#include "mymod.h"

static struct kucomms_endpoint *mymod_ep;
static atomic64_t mymod_messages, mymod_work_runs, mymod_timer_runs;
static atomic64_t mymod_connects, mymod_disconnects, mymod_refused;

/* Replies go back with the unlocked send: we are on the endpoint thread. */
static void mymod_reply(struct kucomms_conn *conn, u64 type, u64 id,
			u64 value, const void *data, u64 length)
{
	struct kucomms_msg_hdr reply = {
		.length = length, .type = type, .id = id, .value = value,
	};

	if (kucomms_send(conn, &reply, data))
		pr_warn_ratelimited("connection %llu: reply lost\n",
				    kucomms_conn_id(conn));
}

static void mymod_message(struct kucomms_endpoint *ep,
			  struct kucomms_conn *conn,
			  const struct kucomms_msg_hdr *hdr, const void *data)
{
	atomic64_inc(&mymod_messages);
	/* Only hdr->length is checked for us: validate everything else. */
	switch (hdr->type) {
	case MYMOD_TYPE_HELLO:
		if (hdr->length > MYMOD_DATA_MAX)
			break;
		mymod_reply(conn, hdr->type, hdr->id, hdr->value + 1, data,
			    hdr->length);
		return;
	case MYMOD_TYPE_UPTIME:
		if (hdr->length)
			break;
		mymod_reply(conn, hdr->type, hdr->id,
			    atomic64_read(&mymod_timer_runs), NULL, 0);
		return;
	}
	atomic64_inc(&mymod_refused);
	mymod_reply(conn, MYMOD_TYPE_ERROR, hdr->id, EINVAL, NULL, 0);
}

static void mymod_work(struct kucomms_endpoint *ep)
{
	atomic64_inc(&mymod_work_runs);
}

static void mymod_timer(struct kucomms_endpoint *ep)
{
	atomic64_inc(&mymod_timer_runs);
}

static void mymod_connect(struct kucomms_endpoint *ep,
			  struct kucomms_conn *conn)
{
	atomic64_inc(&mymod_connects);
	pr_debug("connection %llu opened\n", kucomms_conn_id(conn));
}

static void mymod_disconnect(struct kucomms_endpoint *ep,
			     struct kucomms_conn *conn)
{
	atomic64_inc(&mymod_disconnects);
	pr_debug("connection %llu closed\n", kucomms_conn_id(conn));
}

static const struct kucomms_endpoint_ops mymod_ops = {
	.message = mymod_message,
	.work = mymod_work,
	.timer = mymod_timer,
	.connect = mymod_connect,
	.disconnect = mymod_disconnect,
};

static int mymod_counter_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(kp->arg));
}

static const struct kernel_param_ops mymod_counter_ops = {
	.get = mymod_counter_get,
};

module_param_cb(messages, &mymod_counter_ops, &mymod_messages, 0444);
MODULE_PARM_DESC(messages, "Messages received");
module_param_cb(refused, &mymod_counter_ops, &mymod_refused, 0444);
MODULE_PARM_DESC(refused, "Messages refused (MYMOD_TYPE_ERROR replies)");
module_param_cb(work_runs, &mymod_counter_ops, &mymod_work_runs, 0444);
MODULE_PARM_DESC(work_runs, "Times the work handler ran (100 Hz)");
module_param_cb(timer_runs, &mymod_counter_ops, &mymod_timer_runs, 0444);
MODULE_PARM_DESC(timer_runs, "Times the timer handler ran (1 Hz)");
module_param_cb(connects, &mymod_counter_ops, &mymod_connects, 0444);
MODULE_PARM_DESC(connects, "Connections opened");
module_param_cb(disconnects, &mymod_counter_ops, &mymod_disconnects, 0444);
MODULE_PARM_DESC(disconnects, "Connections over");

static int __init mymod_init(void)
{
	/* The device may be created before or after (kucctl create mymod). */
	mymod_ep = kucomms_register(MYMOD_DEVICE, &mymod_ops, NULL);
	return PTR_ERR_OR_ZERO(mymod_ep);
}

static void __exit mymod_exit(void)
{
	kucomms_unregister(mymod_ep);
}

module_init(mymod_init);
module_exit(mymod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mymod: a kucomms endpoint");
