/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kucomms kernel endpoint API, for kernel modules that talk to userspace
 * through /dev/kucomms_NAME (docs/design.md, "The kernel module and the
 * user module"). See man/kucomms_kernel.9.
 *
 * A module registers an endpoint under a name with three handlers. One
 * kernel thread per endpoint calls them, never two at once (with
 * KUCOMMS_EP_DIRECT a sending process may run the message handler in its
 * stead while it sleeps, still one at a time):
 *   message  as soon as a message arrives and its connection's reply
 *            ring has room for a reply as long, with a private copy
 *            whose length is valid (nothing else about it is: validate
 *            it!) and the connection it came from (or, opted in with
 *            KUCOMMS_EP_ZEROCOPY, the data in the shared ring, which the
 *            process may still change: copy what you check);
 *   work     100 times a second;
 *   timer    once a second.
 * Each open() of the device is one connection with its own pair of rings.
 *
 * Isolation: the thread never waits on one connection's behalf. A
 * connection whose reply ring lacks room for a reply as long as its next
 * message is passed over (its messages stay queued) until its process
 * makes room; the others are served meanwhile, at most 128 messages or
 * 512 KiB of one connection per turn. So a handler that sends at most
 * one reply no longer than the request never finds the ring full; one
 * that sends more must handle -EAGAIN (drop and count, or queue) rather
 * than wait: kucomms_send_locked() does not wait on the endpoint thread.
 * A connection's memory counts against max_connections until freed and
 * is charged to the opener's memory cgroup. See kucomms_kernel(9).
 *
 * Each function, structure and macro of this API is documented below in
 * kernel-doc form (scripts/kernel-doc; scripts/kerneldoc.sh checks it in
 * make check): here rather than at the definitions in the module's
 * sources, as authors of out-of-tree modules read this header. The
 * handlers' table, struct kucomms_endpoint_ops, is in
 * kucomms_endpoint_ops.h, which userspace handler sources share.
 */
#ifndef KUCOMMS_KERNEL_H
#define KUCOMMS_KERNEL_H

#include <linux/module.h>
#include <kucomms/kucomms_abi.h>
#include <kucomms/kucomms_endpoint_ops.h>

/**
 * __kucomms_register - register an endpoint (use kucomms_register())
 * @name: full device name, "kucomms_" followed by [a-z0-9_], at most
 *	KUCOMMS_NAME_MAX bytes; the endpoint serves /dev/@name, which may be
 *	created before or after (kucctl(8)). Copied.
 * @ops: the handlers; @ops->message is required. Kept, not copied.
 * @ctx: the caller's context, returned by kucomms_ctx().
 * @owner: the registering module (its name is shown in sysfs), or NULL.
 *
 * Starts the endpoint's thread. Until an endpoint is registered, open()
 * of /dev/@name fails with ENXIO; from now on each open() is a connection
 * of this endpoint.
 *
 * Context: Process context; may sleep. Takes the global endpoint list's
 * mutex.
 *
 * Return: the endpoint, or an ERR_PTR(): -EINVAL for a NULL or invalid
 * @name, a NULL @ops or a NULL @ops->message; -EEXIST when an endpoint of
 * that name is registered already; -ENOMEM; or the error of
 * kthread_create() (-EINTR when the caller was sent SIGKILL).
 */
struct kucomms_endpoint *
__kucomms_register(const char *name, const struct kucomms_endpoint_ops *ops,
		   void *ctx, struct module *owner);

/**
 * kucomms_register - register an endpoint for the calling module
 * @name: full device name, as for __kucomms_register()
 * @ops: the handlers, as for __kucomms_register()
 * @ctx: the caller's context, returned by kucomms_ctx()
 *
 * __kucomms_register() with THIS_MODULE as owner. Like any use of a
 * symbol of kucomms.ko, it makes the module depend on kucomms.ko, which
 * cannot be unloaded while the module is loaded.
 *
 * Context: Process context; may sleep.
 *
 * Return: the endpoint or an ERR_PTR(), as __kucomms_register().
 */
#define kucomms_register(name, ops, ctx) \
	__kucomms_register(name, ops, ctx, THIS_MODULE)

/**
 * kucomms_unregister - unregister an endpoint and stop its thread
 * @ep: an endpoint from kucomms_register(); not used again after
 *
 * Returns only when no handler runs or can run again: the module may then
 * free its context and unload. Connections still open see the shutdown
 * (their operations fail with ESHUTDOWN, poll() reports POLLHUP); their
 * disconnect handler is not called. No new connection is accepted.
 *
 * Context: Process context; sleeps (waits for the endpoint's thread).
 * Must not be called from a handler of @ep.
 */
void kucomms_unregister(struct kucomms_endpoint *ep);

/**
 * kucomms_ctx - the context an endpoint was registered with
 * @ep: the endpoint
 *
 * Context: Any context.
 *
 * Return: the @ctx passed to kucomms_register().
 */
void *kucomms_ctx(struct kucomms_endpoint *ep);

/**
 * kucomms_conn_id - a connection's id
 * @conn: the connection
 *
 * Context: Any context.
 *
 * Return: the connection's id on its device, the one its process reads in
 * struct kucomms_info (conn_id) and kucdump(8) shows.
 */
u64 kucomms_conn_id(struct kucomms_conn *conn);

/**
 * kucomms_send - send a message to one connection (handlers only)
 * @conn: the connection
 * @hdr: the header; @hdr->length data bytes follow at @data
 * @data: the data (may be NULL when @hdr->length is 0)
 *
 * Copies the message into the connection's reply ring and wakes its
 * process if it waits in poll(): at once when called from another
 * thread; from the endpoint's handlers, once at the end of the batch of
 * messages being handled (or of the pass, for the work and timer
 * handlers), not once per reply. Never waits for room.
 *
 * Context: The endpoint's handlers only (process context: the endpoint's
 * thread, or a process's direct delivery, KUCOMMS_EP_DIRECT): it takes no
 * lock of its own, so it must not run concurrently with another send to
 * @conn. Never sleeps. When other threads send to
 * @conn too, everyone must use kucomms_send_locked().
 *
 * Return: 0 when sent; -EAGAIN when the ring has no room for it now
 * (counted in the device's ring_full); -EMSGSIZE when @hdr->length exceeds
 * the ring's maximum message (KUCOMMS_MSG_MAX() of its size);
 * -ESHUTDOWN when the connection is closed, its endpoint is unregistering
 * or its process broke the ring.
 */
int kucomms_send(struct kucomms_conn *conn, const struct kucomms_msg_hdr *hdr,
		 const void *data);

/**
 * kucomms_send_locked - send a message to one connection, from any thread
 * @conn: the connection (held with kucomms_conn_get() outside a handler)
 * @hdr: the header; @hdr->length data bytes follow at @data
 * @data: the data (may be NULL when @hdr->length is 0)
 * @timeout: jiffies to wait for room when the ring is full: 0 does not
 *	wait, MAX_SCHEDULE_TIMEOUT or more waits for ever
 *
 * As kucomms_send(), under the connection's send mutex, which is held
 * only while the message is copied, never while waiting. A wait for room
 * ends when the process makes room (libkuc's KUCOMMS_IOC_KICK), at a
 * close or shutdown, or after @timeout; signals do not end it. On the
 * endpoint's own thread or in a direct delivery (in a handler) it never
 * waits, whatever @timeout.
 * Messages of one thread arrive in the order sent; the order between
 * threads that wait at the same time is not defined.
 *
 * Context: Process context; may sleep. Any number of threads.
 *
 * Return: 0 when sent; -EAGAIN when the ring still has no room once
 * @timeout ran out (or at once with no wait); -EMSGSIZE when @hdr->length
 * exceeds the ring's maximum message; -ESHUTDOWN when the connection is
 * closed, its endpoint is unregistering or its process broke the ring.
 */
int kucomms_send_locked(struct kucomms_conn *conn,
			const struct kucomms_msg_hdr *hdr, const void *data,
			unsigned long timeout);

/**
 * kucomms_broadcast - send a message to every connection (handlers only)
 * @ep: the endpoint
 * @hdr: the header; @hdr->length data bytes follow at @data
 * @data: the data (may be NULL when @hdr->length is 0)
 *
 * kucomms_send() to each open connection of @ep, never waiting for room:
 * a connection whose ring is full misses the message.
 *
 * Context: The endpoint's handlers only (the unlocked sends). May sleep
 * for the endpoint's connection-list mutex, held during the sends.
 *
 * Return: how many connections received the message.
 */
int kucomms_broadcast(struct kucomms_endpoint *ep,
		      const struct kucomms_msg_hdr *hdr, const void *data);

/**
 * kucomms_broadcast_locked - send a message to every connection, any thread
 * @ep: the endpoint
 * @hdr: the header; @hdr->length data bytes follow at @data
 * @data: the data (may be NULL when @hdr->length is 0)
 *
 * As kucomms_broadcast(), with each connection's send mutex, as
 * kucomms_send_locked() with no wait. It holds the endpoint's
 * connection list only to take a reference on each connection, never
 * while sending, so open() and close() do not wait for it.
 *
 * Context: Process context; may sleep. Any number of threads.
 *
 * Return: how many connections received the message (0 also when the
 * list of connections could not be allocated).
 */
int kucomms_broadcast_locked(struct kucomms_endpoint *ep,
			     const struct kucomms_msg_hdr *hdr,
			     const void *data);

/**
 * kucomms_conn_get - take a reference on a connection
 * @conn: the connection, valid now (in a handler, or already referenced)
 *
 * A connection pointer is valid during the handler call it was passed to;
 * a reference keeps it valid beyond, to send to it from another thread
 * with kucomms_send_locked(). Sends to a closed connection fail with
 * -ESHUTDOWN.
 *
 * Context: Any context.
 */
void kucomms_conn_get(struct kucomms_conn *conn);

/**
 * kucomms_conn_put - drop a reference taken with kucomms_conn_get()
 * @conn: the connection; not used again after
 *
 * The last reference frees the connection's memory (its rings).
 *
 * Context: Process context; may sleep when it drops the last reference.
 */
void kucomms_conn_put(struct kucomms_conn *conn);

#endif /* KUCOMMS_KERNEL_H */
