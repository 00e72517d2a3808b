// SPDX-License-Identifier: GPL-2.0
/*
 * Live events for kucctl monitor: the generic netlink family "kucomms"
 * with the multicast group "monitor" (kucomms/kucomms_events.h has the
 * ABI and why it is netlink). One small message per device created or
 * removed, connection opened or closed and endpoint registered or
 * unregistered; nothing on the message data path.
 *
 * Every caller runs in process context and may sleep (GFP_KERNEL). With
 * no listener nothing is allocated (genl_has_listeners()). A message
 * that cannot be allocated, or that finds a listener's receive buffer
 * full, is dropped: the listener learns it from ENOBUFS. Nothing here
 * waits for a listener or queues for one, so a process that opens and
 * closes a device in a loop cannot make the module hold more memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <net/genetlink.h>

#include <kucomms/kucomms_events.h>
#include "kucomms_internal.h"

static const struct genl_multicast_group kucm_ev_groups[] = {
	{ .name = KUCOMMS_EV_GROUP },
};

static struct genl_family kucm_ev_family __ro_after_init = {
	.name = KUCOMMS_EV_FAMILY,
	.version = KUCOMMS_EV_VERSION,
	.maxattr = KUCOMMS_EV_A_MAX,
	.module = THIS_MODULE,
	.mcgrps = kucm_ev_groups,
	.n_mcgrps = ARRAY_SIZE(kucm_ev_groups),
	/* No operations: nothing to parse, the reserved fields are moot. */
	.resv_start_op = KUCOMMS_EV_MAX + 1,
};

/* What one event says; @conn is sent when @has_conn, @owner when set. */
struct kucm_ev {
	u8 cmd;
	const char *name;
	const char *owner;
	bool has_conn;
	u64 conn;
	pid_t pid;
	const char *comm;
};

static int kucm_ev_fill(struct sk_buff *skb, const struct kucm_ev *ev)
{
	if (nla_put_string(skb, KUCOMMS_EV_A_NAME, ev->name) ||
	    nla_put_u32(skb, KUCOMMS_EV_A_PID, ev->pid) ||
	    nla_put_string(skb, KUCOMMS_EV_A_COMM, ev->comm))
		return -EMSGSIZE;
	if (ev->has_conn &&
	    nla_put_u64_64bit(skb, KUCOMMS_EV_A_CONN, ev->conn,
			      KUCOMMS_EV_A_PAD))
		return -EMSGSIZE;
	if (ev->owner && nla_put_string(skb, KUCOMMS_EV_A_OWNER, ev->owner))
		return -EMSGSIZE;
	return 0;
}

/* The most room an event takes: a few hundred bytes. */
#define KUCM_EV_SIZE (nla_total_size(KUCOMMS_NAME_MAX + 1) +		\
		      nla_total_size(sizeof(u32)) +			\
		      nla_total_size(TASK_COMM_LEN) +			\
		      nla_total_size_64bit(sizeof(u64)) +		\
		      nla_total_size(MODULE_NAME_LEN))

static void kucm_ev_send(const struct kucm_ev *ev)
{
	struct sk_buff *skb;
	void *head;

	might_sleep();
	if (!genl_has_listeners(&kucm_ev_family, &init_net, 0))
		return;
	skb = genlmsg_new(KUCM_EV_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	head = genlmsg_put(skb, 0, 0, &kucm_ev_family, 0, ev->cmd);
	if (!head || kucm_ev_fill(skb, ev)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, head);
	/* -ESRCH (the listener just left) and drops are not errors here. */
	genlmsg_multicast(&kucm_ev_family, skb, 0, 0, GFP_KERNEL);
}

/**
 * kucm_event_device() - announce a device created or removed
 * @cmd: KUCOMMS_EV_DEVICE_ADD or KUCOMMS_EV_DEVICE_REMOVE
 * @name: the device's name
 *
 * The process is the one that asked (current).
 */
void kucm_event_device(u8 cmd, const char *name)
{
	char comm[TASK_COMM_LEN];
	struct kucm_ev ev = {
		.cmd = cmd, .name = name, .comm = comm,
		.pid = task_tgid_nr(current),
	};

	get_task_comm(comm, current);
	kucm_ev_send(&ev);
}

/**
 * kucm_event_conn() - announce a connection opened or closed
 * @cmd: KUCOMMS_EV_CONN_OPEN or KUCOMMS_EV_CONN_CLOSE
 * @conn: the connection; its opener is the process named
 *
 * A file is released by whichever process drops the last reference (or a
 * kernel worker), so both events name the process that opened it.
 */
void kucm_event_conn(u8 cmd, const struct kucomms_conn *conn)
{
	struct kucm_ev ev = {
		.cmd = cmd, .name = conn->kd->name, .has_conn = true,
		.conn = conn->id, .pid = conn->pid, .comm = conn->comm,
	};

	kucm_ev_send(&ev);
}

/**
 * kucm_event_endpoint() - announce an endpoint registered or unregistered
 * @cmd: KUCOMMS_EV_ENDPOINT_ADD or KUCOMMS_EV_ENDPOINT_REMOVE
 * @ep: the endpoint
 */
void kucm_event_endpoint(u8 cmd, const struct kucomms_endpoint *ep)
{
	char comm[TASK_COMM_LEN];
	struct kucm_ev ev = {
		.cmd = cmd, .name = ep->name, .owner = ep->owner_name,
		.comm = comm, .pid = task_tgid_nr(current),
	};

	get_task_comm(comm, current);
	kucm_ev_send(&ev);
}

int kucm_events_init(void)
{
	return genl_register_family(&kucm_ev_family);
}

void kucm_events_exit(void)
{
	genl_unregister_family(&kucm_ev_family);
}
