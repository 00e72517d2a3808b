/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kucomms kernel endpoint API, for kernel modules that talk to userspace
 * through /dev/kucomms_NAME (docs/design.md, "The kernel module and the
 * user module"). See man/kucomms_kernel.9.
 *
 * A module registers an endpoint under a name with three handlers. One
 * kernel thread per endpoint calls them, never two at once:
 *   message  as soon as a message arrives and its connection's reply
 *            ring has room for a reply as long, with a private copy
 *            whose length is valid (nothing else about it is: validate
 *            it!) and the connection it came from;
 *   work     100 times a second;
 *   timer    once a second.
 * Each open() of the device is one connection with its own pair of rings.
 *
 * Isolation: the thread never waits on one connection's behalf. A
 * connection whose reply ring lacks room for a reply as long as its next
 * message is passed over (its messages stay queued) until its process
 * makes room; the others are served meanwhile, at most 64 messages or
 * 256 KiB of one connection per turn. So a handler that sends at most
 * one reply no longer than the request never finds the ring full; one
 * that sends more must handle -EAGAIN (drop and count, or queue) rather
 * than wait: kucomms_send_locked() does not wait on the endpoint thread.
 * A connection's memory counts against max_connections until freed and
 * is charged to the opener's memory cgroup. See kucomms_kernel(9).
 */
#ifndef KUCOMMS_KERNEL_H
#define KUCOMMS_KERNEL_H

#include <linux/module.h>
#include <kucomms/kucomms_abi.h>

struct kucomms_endpoint;
struct kucomms_conn;

struct kucomms_endpoint_ops {
	/* Required. @data is valid for @hdr->length bytes during the call. */
	void (*message)(struct kucomms_endpoint *ep, struct kucomms_conn *conn,
			const struct kucomms_msg_hdr *hdr, const void *data);
	/* Optional: 100 Hz and 1 Hz. */
	void (*work)(struct kucomms_endpoint *ep);
	void (*timer)(struct kucomms_endpoint *ep);
	/* Optional: a connection opened / went away. */
	void (*connect)(struct kucomms_endpoint *ep, struct kucomms_conn *conn);
	void (*disconnect)(struct kucomms_endpoint *ep,
			   struct kucomms_conn *conn);
};

/*
 * Register an endpoint for /dev/@name (the device may be created before or
 * after). Returns the endpoint or an ERR_PTR: -EINVAL (bad name or ops),
 * -EEXIST (name taken), -ENOMEM.
 */
struct kucomms_endpoint *
__kucomms_register(const char *name, const struct kucomms_endpoint_ops *ops,
		   void *ctx, struct module *owner);
#define kucomms_register(name, ops, ctx) \
	__kucomms_register(name, ops, ctx, THIS_MODULE)

/*
 * Unregister. Returns only when no handler runs or can run again. Open
 * connections see the shutdown (ESHUTDOWN, POLLHUP). May sleep; must not
 * be called from a handler.
 */
void kucomms_unregister(struct kucomms_endpoint *ep);

void *kucomms_ctx(struct kucomms_endpoint *ep);
u64 kucomms_conn_id(struct kucomms_conn *conn);

/*
 * Send to one connection. kucomms_send() is the unlocked variant: call it
 * from the endpoint's handlers only (they run on one thread); it never
 * sleeps. kucomms_send_locked() may be called from any context that may
 * sleep, from any number of threads. Both return 0, -EAGAIN (ring full;
 * the locked variant first waits up to @timeout jiffies, 0 = no wait,
 * MAX_SCHEDULE_TIMEOUT or more = for ever, woken by the process's
 * KUCOMMS_IOC_KICK, a close or a shutdown; on the endpoint thread it
 * never waits), -EMSGSIZE (longer than the ring's maximum message),
 * -ESHUTDOWN (the connection is closed or broken).
 */
int kucomms_send(struct kucomms_conn *conn, const struct kucomms_msg_hdr *hdr,
		 const void *data);
int kucomms_send_locked(struct kucomms_conn *conn,
			const struct kucomms_msg_hdr *hdr, const void *data,
			unsigned long timeout);

/*
 * Send to every connection of the endpoint, never waiting for room;
 * returns how many received the message. Unlocked: from the handlers
 * only. Locked: may sleep (for the connections' send locks, never while
 * holding up open() or close()).
 */
int kucomms_broadcast(struct kucomms_endpoint *ep,
		      const struct kucomms_msg_hdr *hdr, const void *data);
int kucomms_broadcast_locked(struct kucomms_endpoint *ep,
			     const struct kucomms_msg_hdr *hdr,
			     const void *data);

/* Keep a connection beyond a handler call (for kucomms_send_locked()). */
void kucomms_conn_get(struct kucomms_conn *conn);
void kucomms_conn_put(struct kucomms_conn *conn);

#endif /* KUCOMMS_KERNEL_H */
