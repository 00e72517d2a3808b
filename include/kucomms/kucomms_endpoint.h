/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The endpoint API in both worlds: a handler source file that includes
 * this header compiles unchanged into a kernel module (serving
 * /dev/kucomms_NAME through kucomms_kernel.h) and into a userspace
 * program linked with libkuc (serving the shm segment
 * /dev/shm/kucomms_NAME). Develop and debug a kernel handler in userspace
 * first, with no module loaded, then build the same file into the module.
 *
 * In the kernel this is kucomms_kernel.h. In userspace it maps:
 *   kucomms_register(name, ops, ctx)  kuc_serve(name) and the endpoint
 *                                     thread (message, work, timer,
 *                                     connect, disconnect)
 *   kucomms_unregister(ep)            stop it, detach from the segment
 *   kucomms_send/_locked(conn, ...)   kuc_send/kuc_send_locked() on it
 *   kucomms_broadcast/_locked(ep, ...) the same to its one connection
 *   kucomms_ctx(), kucomms_conn_id()  as in the kernel
 *   atomic64_t, atomic64_inc/add/read, HZ, ERR_PTR/IS_ERR/PTR_ERR
 * Differences a handler may notice: a shm segment has one connection at
 * a time (conn is the endpoint's channel, conn_id counts clients), so
 * each client's disconnect comes before the next one's connect; HZ is
 * 1000, so timeouts in jiffies are milliseconds; -ENOTCONN (no client)
 * comes back as -ESHUTDOWN, like a closed connection in the kernel. With
 * one client there is nobody else to hold up, so kucomms_send_locked()
 * waits as asked on the endpoint thread too (in the kernel it never waits
 * there), and a message is not held back until its reply fits (the
 * kernel's flow control, kucomms_kernel(9)).
 */
#ifndef KUCOMMS_ENDPOINT_H
#define KUCOMMS_ENDPOINT_H

#ifdef __KERNEL__

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <kucomms/kucomms_kernel.h>

#else /* userspace */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <kuc.h>

#ifndef HZ
#define HZ 1000
#endif

/* The kernel's atomic64_t (a typedef there) as a plain struct. */
struct kucomms_atomic64 {
	long long counter;
};

#define atomic64_t struct kucomms_atomic64

static inline void atomic64_add(long long n, atomic64_t *v)
{
	__atomic_add_fetch(&v->counter, n, __ATOMIC_RELAXED);
}

static inline void atomic64_inc(atomic64_t *v)
{
	atomic64_add(1, v);
}

static inline long long atomic64_read(const atomic64_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

#define MAX_ERRNO	4095
#define IS_ERR(p)	((uintptr_t)(p) >= (uintptr_t)-MAX_ERRNO)
#define PTR_ERR(p)	((long)(intptr_t)(p))
#define ERR_PTR(e)	((void *)(intptr_t)(e))

/* A connection is the endpoint's channel: one client at a time. */
#include <kucomms/kucomms_endpoint_ops.h>

struct kucomms_endpoint {
	struct kuc_channel *ch;
	const struct kucomms_endpoint_ops *ops;
	void *ctx;
};

static inline struct kuc_channel *kucomms_conn_ch(struct kucomms_conn *conn)
{
	return (struct kuc_channel *)conn;
}

static inline void kucomms_ep_message(struct kuc_channel *ch,
				      const struct kucomms_msg_hdr *hdr,
				      const void *data, void *ctx)
{
	struct kucomms_endpoint *ep = ctx;

	ep->ops->message(ep, (struct kucomms_conn *)ch, hdr, data);
}

static inline void kucomms_ep_connect(struct kuc_channel *ch, void *ctx)
{
	struct kucomms_endpoint *ep = ctx;

	ep->ops->connect(ep, (struct kucomms_conn *)ch);
}

static inline void kucomms_ep_disconnect(struct kuc_channel *ch, void *ctx)
{
	struct kucomms_endpoint *ep = ctx;

	ep->ops->disconnect(ep, (struct kucomms_conn *)ch);
}

static inline void kucomms_ep_work(struct kuc_channel *ch, void *ctx)
{
	struct kucomms_endpoint *ep = ctx;

	(void)ch;
	ep->ops->work(ep);
}

static inline void kucomms_ep_timer(struct kuc_channel *ch, void *ctx)
{
	struct kucomms_endpoint *ep = ctx;

	(void)ch;
	ep->ops->timer(ep);
}

/*
 * Serve the segment @name (it must exist: kucctl create --shm). Returns
 * the endpoint or an ERR_PTR: -EINVAL (no message handler), and what
 * kuc_serve() and kuc_endpoint_start() return.
 */
static inline struct kucomms_endpoint *
kucomms_register(const char *name, const struct kucomms_endpoint_ops *ops,
		 void *ctx)
{
	struct kuc_handlers h = { .message = kucomms_ep_message };
	struct kucomms_endpoint *ep;
	int ret;

	if (!ops || !ops->message)
		return ERR_PTR(-EINVAL);
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return ERR_PTR(-ENOMEM);
	ep->ops = ops;
	ep->ctx = ctx;
	if (ops->work)
		h.work = kucomms_ep_work;
	if (ops->timer)
		h.timer = kucomms_ep_timer;
	if (ops->connect)
		h.connect = kucomms_ep_connect;
	if (ops->disconnect)
		h.disconnect = kucomms_ep_disconnect;
	ret = kuc_serve(name, &ep->ch);
	if (!ret) {
		ret = kuc_endpoint_start(ep->ch, &h, ep);
		if (ret)
			kuc_close(ep->ch);
	}
	if (ret) {
		free(ep);
		return ERR_PTR(ret);
	}
	return ep;
}

/* As in the kernel, a client still connected gets no disconnect. */
static inline void kucomms_unregister(struct kucomms_endpoint *ep)
{
	if (!ep)
		return;
	kuc_close(ep->ch);	/* stops the endpoint thread first */
	free(ep);
}

static inline void *kucomms_ctx(struct kucomms_endpoint *ep)
{
	return ep->ctx;
}

static inline uint64_t kucomms_conn_id(struct kucomms_conn *conn)
{
	return kuc_conn_id(kucomms_conn_ch(conn));
}

/* libkuc's errors as the kernel API reports them. */
static inline int kucomms_err(int ret)
{
	if (ret == -ENOTCONN || ret == -ECONNRESET)
		return -ESHUTDOWN;
	if (ret == -ETIMEDOUT)
		return -EAGAIN;
	return ret;
}

static inline int kucomms_send(struct kucomms_conn *conn,
			       const struct kucomms_msg_hdr *hdr,
			       const void *data)
{
	return kucomms_err(kuc_send(kucomms_conn_ch(conn), hdr, data));
}

static inline int kucomms_send_locked(struct kucomms_conn *conn,
				      const struct kucomms_msg_hdr *hdr,
				      const void *data, unsigned long timeout)
{
	int ms = timeout > 0x7fffffffUL / (1000 / HZ) ? 0x7fffffff :
		 (int)(timeout * (1000 / HZ));

	return kucomms_err(kuc_send_locked(kucomms_conn_ch(conn), hdr, data,
					   ms));
}

static inline int kucomms_broadcast(struct kucomms_endpoint *ep,
				    const struct kucomms_msg_hdr *hdr,
				    const void *data)
{
	return kuc_send(ep->ch, hdr, data) ? 0 : 1;
}

static inline int kucomms_broadcast_locked(struct kucomms_endpoint *ep,
					   const struct kucomms_msg_hdr *hdr,
					   const void *data)
{
	return kuc_send_locked(ep->ch, hdr, data, -1) ? 0 : 1;
}

#endif /* __KERNEL__ */

#endif /* KUCOMMS_ENDPOINT_H */
