// SPDX-License-Identifier: GPL-2.0
/*
 * kuc_testep: a test endpoint for tests/bats/hostile.bats and
 * wakeup.bats. It serves /dev/kucomms_testep and does on request what a
 * user module may do that echo does not: a handler that sleeps (a stalled
 * endpoint), a kernel thread sending with kucomms_send_locked() and one
 * calling kucomms_broadcast_locked() in a loop. Each message's type says
 * what:
 *
 *   TESTEP_ECHO    the message goes back (kucomms_send()), else counted
 *   TESTEP_STALL   the handler sleeps while the parameter stall is 1
 *                  (at most 300 s): every connection waits
 *   TESTEP_SENDER  a kernel thread sends hdr->value messages of
 *                  hdr->id bytes to this connection with
 *                  kucomms_send_locked(..., sender_timeout); its pid,
 *                  how many went and its last error are parameters
 *   TESTEP_BCAST   a kernel thread calls kucomms_broadcast_locked() with
 *                  64-byte messages until the module is unloaded
 *   TESTEP_STAMP   the handler broadcasts (kucomms_broadcast()) a
 *                  TESTEP_TICK message, value the ktime_get_ns() of the
 *                  send
 *   TESTEP_PROBE   the handler sets the parameter probing to 1, waits
 *                  (at most 10 s) until the first data byte differs from
 *                  what it read first, and sends the message back as it
 *                  then sees it: loaded with zerocopy=1 (the endpoint
 *                  sets KUCOMMS_EP_ZEROCOPY) it reads the shared ring,
 *                  so a client that rewrote the data meanwhile gets the
 *                  new bytes back; with a private copy never
 *                  (tests/bats/zerocopy.bats)
 *   TESTEP_WHO     the message goes back with value the tgid of the
 *                  task that ran the handler: the endpoint's thread, or
 *                  with direct=1 (the endpoint sets KUCOMMS_EP_DIRECT)
 *                  maybe the sending process (tests/bats/direct.bats)
 *
 * Loaded with tick=1 it also has a timer handler (1 Hz) that broadcasts a
 * TESTEP_TICK message each time, value as above, id its number. Either
 * way it has no work handler. Both broadcasts reach readers that the
 * endpoint thread's sweep of deferred wakeups alone wakes
 * (tests/bats/wakeup.bats): the timer's come after the thread's pass,
 * TESTEP_STAMP's to connections whose turn in the pass is over.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include <kucomms/kucomms_kernel.h>

#define TESTEP_ECHO	1
#define TESTEP_STALL	2
#define TESTEP_SENDER	3
#define TESTEP_BCAST	4
#define TESTEP_TICK	5
#define TESTEP_STAMP	6
#define TESTEP_PROBE	7
#define TESTEP_WHO	8

static bool stall;
module_param(stall, bool, 0644);
MODULE_PARM_DESC(stall, "TESTEP_STALL handlers sleep while this is 1");
static int stalls;
module_param(stalls, int, 0444);
MODULE_PARM_DESC(stalls, "TESTEP_STALL handlers now sleeping");
static int sender_pid;
module_param(sender_pid, int, 0444);
static long sender_sent;
module_param(sender_sent, long, 0444);
static int sender_ret;
module_param(sender_ret, int, 0444);
static ulong sender_timeout = ULONG_MAX;
module_param(sender_timeout, ulong, 0644);
MODULE_PARM_DESC(sender_timeout, "The TESTEP_SENDER thread's timeout (jiffies)");
static bool sender_done;
module_param(sender_done, bool, 0444);
static long bcasts;
module_param(bcasts, long, 0444);
static long dropped;
module_param(dropped, long, 0444);
static bool tick;
module_param(tick, bool, 0444);
MODULE_PARM_DESC(tick, "At load: a timer handler broadcasts TESTEP_TICK every second");
static long ticks;
module_param(ticks, long, 0444);
MODULE_PARM_DESC(ticks, "TESTEP_TICK broadcasts made");
static bool zerocopy;
module_param(zerocopy, bool, 0444);
MODULE_PARM_DESC(zerocopy, "At load: the endpoint sets KUCOMMS_EP_ZEROCOPY");
static bool direct;
module_param(direct, bool, 0444);
MODULE_PARM_DESC(direct, "At load: the endpoint sets KUCOMMS_EP_DIRECT");
static bool probing;
module_param(probing, bool, 0444);
MODULE_PARM_DESC(probing, "A TESTEP_PROBE handler waits for its data to change");

static struct kucomms_endpoint *testep;
static struct task_struct *sender_task, *bcast_task;
static struct kucomms_conn *sender_conn;
static u64 sender_len, sender_count;

static int testep_sender(void *arg)
{
	struct kucomms_msg_hdr hdr = { .type = TESTEP_SENDER };
	void *buf = kzalloc(sender_len ? sender_len : 1, GFP_KERNEL);
	int ret = -ENOMEM;
	u64 i;

	hdr.length = sender_len;
	for (i = 0; buf && i < sender_count && !kthread_should_stop(); i++) {
		hdr.id = i;
		ret = kucomms_send_locked(sender_conn, &hdr, buf,
					  READ_ONCE(sender_timeout));
		if (ret)
			break;
		WRITE_ONCE(sender_sent, i + 1);
	}
	kfree(buf);
	WRITE_ONCE(sender_ret, ret);
	WRITE_ONCE(sender_done, true);
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ / 10);
	return 0;
}

static int testep_bcast(void *arg)
{
	struct kucomms_msg_hdr hdr = { .type = TESTEP_BCAST, .length = 64 };
	static const char data[64];

	while (!kthread_should_stop()) {
		kucomms_broadcast_locked(testep, &hdr, data);
		WRITE_ONCE(bcasts, bcasts + 1);
		hdr.id++;
		schedule_timeout_idle(1);
	}
	return 0;
}

static void testep_message(struct kucomms_endpoint *ep,
			   struct kucomms_conn *conn,
			   const struct kucomms_msg_hdr *hdr, const void *data)
{
	struct kucomms_msg_hdr stamp = { .type = TESTEP_TICK };
	struct kucomms_msg_hdr who;
	const u8 *bytes = data;
	struct task_struct *t;
	u8 first;
	int i;

	switch (hdr->type) {
	case TESTEP_STALL:
		WRITE_ONCE(stalls, stalls + 1);
		for (i = 0; i < 15000 && READ_ONCE(stall); i++)
			msleep(20);
		WRITE_ONCE(stalls, stalls - 1);
		break;
	case TESTEP_SENDER:
		if (sender_task)
			break;
		kucomms_conn_get(conn);
		sender_conn = conn;
		sender_len = hdr->id;
		sender_count = hdr->value;
		t = kthread_run(testep_sender, NULL, "kuc_testep_send");
		if (IS_ERR(t)) {
			kucomms_conn_put(conn);
			break;
		}
		get_task_struct(t);
		sender_task = t;
		WRITE_ONCE(sender_pid, task_pid_nr(t));
		break;
	case TESTEP_BCAST:
		if (bcast_task)
			break;
		t = kthread_run(testep_bcast, NULL, "kuc_testep_bcast");
		if (IS_ERR(t))
			break;
		get_task_struct(t);
		bcast_task = t;
		break;
	case TESTEP_STAMP:
		stamp.value = ktime_get_ns();
		kucomms_broadcast(ep, &stamp, NULL);
		break;
	case TESTEP_PROBE:
		/*
		 * Reads the data again and again on purpose, which a real
		 * handler must never do (kucomms_register(9)): to show
		 * whether it is the client's memory.
		 */
		if (!hdr->length)
			break;
		first = READ_ONCE(bytes[0]);
		WRITE_ONCE(probing, true);
		for (i = 0; i < 500 && READ_ONCE(bytes[0]) == first; i++)
			msleep(20);
		WRITE_ONCE(probing, false);
		if (kucomms_send(conn, hdr, data))
			WRITE_ONCE(dropped, dropped + 1);
		break;
	case TESTEP_WHO:
		who = *hdr;
		who.value = task_tgid_nr(current);
		if (kucomms_send(conn, &who, data))
			WRITE_ONCE(dropped, dropped + 1);
		break;
	default:
		if (kucomms_send(conn, hdr, data))
			WRITE_ONCE(dropped, dropped + 1);
	}
}

static void testep_timer(struct kucomms_endpoint *ep)
{
	struct kucomms_msg_hdr hdr = { .type = TESTEP_TICK };

	hdr.id = ticks;
	hdr.value = ktime_get_ns();
	kucomms_broadcast(ep, &hdr, NULL);
	WRITE_ONCE(ticks, ticks + 1);
}

static const struct kucomms_endpoint_ops testep_ops = {
	.message = testep_message,
};

static const struct kucomms_endpoint_ops testep_tick_ops = {
	.message = testep_message,
	.timer = testep_timer,
};

/* The table registered: one of the two above, with the flags asked for. */
static struct kucomms_endpoint_ops testep_used_ops;

static int __init testep_init(void)
{
	testep_used_ops = tick ? testep_tick_ops : testep_ops;
	if (zerocopy)
		testep_used_ops.flags |= KUCOMMS_EP_ZEROCOPY;
	if (direct)
		testep_used_ops.flags |= KUCOMMS_EP_DIRECT;
	testep = kucomms_register("kucomms_testep", &testep_used_ops, NULL);
	return PTR_ERR_OR_ZERO(testep);
}

static void __exit testep_exit(void)
{
	WRITE_ONCE(stall, false);
	/* The broadcaster uses the endpoint: it stops first. */
	if (bcast_task) {
		kthread_stop(bcast_task);
		put_task_struct(bcast_task);
	}
	kucomms_unregister(testep);
	if (sender_task) {
		kthread_stop(sender_task);
		put_task_struct(sender_task);
		kucomms_conn_put(sender_conn);
	}
}

module_init(testep_init);
module_exit(testep_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kucomms test endpoint: stalls, kernel senders, broadcasts, ticks, zero-copy probes");
