/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * struct kucomms_endpoint_ops, declared once for both worlds: kernel
 * modules get it from kucomms_kernel.h, userspace handler sources from
 * kucomms_endpoint.h (the same handlers serve a device in the kernel and
 * a shm segment in userspace, so the table of them must be one type).
 */
#ifndef KUCOMMS_ENDPOINT_OPS_H
#define KUCOMMS_ENDPOINT_OPS_H

#include <kucomms/kucomms_abi.h>

/*
 * Opaque to the module author: an endpoint (from kucomms_register()) and
 * one connection of it (one open file of /dev/kucomms_NAME, handed to the
 * handlers).
 */
struct kucomms_endpoint;
struct kucomms_conn;

/**
 * KUCOMMS_EP_ZEROCOPY - handle messages in the shared ring, uncopied
 *
 * A flag of &struct kucomms_endpoint_ops.flags: the message handler
 * reads the data in the shared ring, not a private copy, which saves
 * copying every message out of the ring. The header the handler gets is
 * still the checked snapshot (its length is true and bounded), and the
 * record's space goes back to the sender only after the handler
 * returned, but the data bytes are the sender's memory: the process may
 * change them at any time, also between two reads of the same byte. The
 * handler must copy whatever it checks or acts on and use that copy
 * only, reading each byte once; passing the bytes through unexamined
 * (an echo's kucomms_send()) is safe. The tap (kucdump) then records
 * the bytes as they are when it copies them, which need not be what the
 * handler read. Userspace endpoints (kucomms_endpoint.h) always get the
 * data in shared memory and ignore the flag.
 */
#define KUCOMMS_EP_ZEROCOPY	(1U << 0)

/**
 * KUCOMMS_EP_DIRECT - let a process's kick run the message handler
 *
 * A flag of &struct kucomms_endpoint_ops.flags: a process that asks for
 * direct delivery (libkuc's kuc_set_direct(), the KUCOMMS_IOC_RUN ioctl)
 * while the endpoint's thread is asleep gets its connection's pending
 * messages handled in its own system call, not by the thread, which
 * stays asleep. A blocking request and reply then costs one system call
 * and no thread wakeup, like a character device's write() and read().
 * The handlers are still never run two at once, and every rule of the
 * thread holds (flow control, batches, deferred wakeups), but the
 * message handler may then run in the context of the sending process:
 * current is that process, not the thread, and a signal pending for it
 * ends an interruptible sleep early. Only the message handler; connect,
 * disconnect, work and timer always run in the thread. Userspace
 * endpoints (kucomms_endpoint.h) ignore the flag.
 */
#define KUCOMMS_EP_DIRECT	(1U << 1)

/**
 * struct kucomms_endpoint_ops - an endpoint's handlers
 * @message: required. A message arrived on @conn and the connection's
 *	reply ring has room for a reply as long. @hdr and @data are a
 *	private copy, valid for the call only; @data holds @hdr->length
 *	bytes, and that length is all kucomms checked: validate the rest,
 *	as if a hostile process sent it. Messages a process sent before it
 *	closed the device still come here (replies to them fail with
 *	-ESHUTDOWN). With KUCOMMS_EP_ZEROCOPY in @flags, @data is in the
 *	shared ring instead and may change under the handler (see there).
 * @work: optional (may be NULL). Called 100 times a second.
 * @timer: optional. Called once a second.
 * @connect: optional. A connection opened: called before its first
 *	message.
 * @disconnect: optional. A connection went away: called after its last
 *	message. Not called for connections still open at
 *	kucomms_unregister().
 * @flags: 0, or KUCOMMS_EP_ZEROCOPY and/or KUCOMMS_EP_DIRECT. Read once
 *	per batch of a connection's messages, so the module may change it
 *	while the endpoint is registered (with WRITE_ONCE()): the next
 *	batch goes the new way.
 *
 * One kernel thread per endpoint (named kuc/NAME) calls the handlers,
 * never two at once, so they need no locking among themselves (with
 * KUCOMMS_EP_DIRECT a sending process may run the message handler in
 * the thread's stead, still one at a time). They run
 * in process context and may sleep, but while one runs every other
 * connection of the endpoint waits: keep them short and never wait on
 * one connection's behalf (for its process to make room, say). The
 * structure must stay valid until kucomms_unregister() returns.
 */
struct kucomms_endpoint_ops {
	void (*message)(struct kucomms_endpoint *ep, struct kucomms_conn *conn,
			const struct kucomms_msg_hdr *hdr, const void *data);
	void (*work)(struct kucomms_endpoint *ep);
	void (*timer)(struct kucomms_endpoint *ep);
	void (*connect)(struct kucomms_endpoint *ep, struct kucomms_conn *conn);
	void (*disconnect)(struct kucomms_endpoint *ep,
			   struct kucomms_conn *conn);
	unsigned int flags;
};

#endif /* KUCOMMS_ENDPOINT_OPS_H */
