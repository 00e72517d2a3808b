/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private declarations shared by the kucomms module's source files.
 *
 * Names: kucomms_ is the API exported to other modules
 * (kucomms_kernel.h), kucm_ and KUCM_ everything internal to the module;
 * kuc_ belongs to libkuc, userspace's library, so a name tells which
 * world it lives in.
 */
#ifndef KUCOMMS_INTERNAL_H
#define KUCOMMS_INTERNAL_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include <kucomms/kucomms_abi.h>
#include <kucomms/kucomms_events.h>
#include <kucomms/kucomms_kernel.h>
#include <kucomms/kucomms_ring.h>
#include "kucomms_ringmem.h"

/* Per-device figures, shown one value per file in sysfs. */
struct kucm_stats {
	atomic64_t msgs_in, bytes_in;	/* userspace -> kernel */
	atomic64_t msgs_out, bytes_out;	/* kernel -> userspace */
	atomic64_t ring_full;		/* kernel found a k2u ring full */
	atomic64_t kicks;		/* wakeup ioctls from userspace */
	atomic64_t user_wakeups;	/* wakeups of userspace waiters */
	atomic64_t proto_errors;	/* connections broken by userspace */
};

/*
 * One /dev/kucomms_NAME. Its lifetime is that of @dev: the cdev holds a
 * reference while the node is open, so an open file keeps the structure
 * alive after the device was removed.
 */
struct kucm_device {
	struct device dev;
	struct cdev cdev;
	struct list_head node;		/* in kucm_devices, under kucm_devices_lock */
	char name[KUCOMMS_NAME_MAX + 1];
	/* The settings: unsigned int, as kucomms_sysfs.c reads them. */
	unsigned int ring_order;	/* for connections opened from now on */
	unsigned int max_conns;
	/*
	 * How long the endpoint's thread keeps polling the rings after the
	 * last message before it announces sleep (0: it does not poll).
	 */
	unsigned int poll_idle_us;
	atomic_t nconns;		/* open files */
	/*
	 * Connections whose memory is allocated: open ones, and closed ones
	 * until the endpoint thread has drained and freed them. open() fails
	 * with EBUSY while max_conns are held, which bounds the memory.
	 */
	atomic_t nheld;
	atomic64_t next_conn_id;
	struct kucm_stats stats;
	struct list_head taps;		/* monitor readers (RCU), kucomms_tap.c */
	spinlock_t tap_lock;		/* taps, removed */
	bool removed;			/* no new readers */
};

/*
 * One open() of a device. The endpoint's thread consumes u2k and produces
 * into k2u; userspace does the opposite. Shared pages are only written
 * through the ring API; everything read from them is bounded there.
 */
struct kucomms_conn {
	struct kref ref;
	struct kucm_device *kd;		/* holds a reference on kd->dev */
	struct kucomms_endpoint *ep;	/* holds a reference; NULL once detached */
	struct list_head node;		/* in ep->conns, under ep->lock */
	u64 id;
	pid_t pid;			/* the opener's tgid, for kucm_event_conn() */
	char comm[TASK_COMM_LEN];	/* and its name */
	wait_queue_head_t wq;		/* userspace waiting in poll() */
	/*
	 * kucomms_send_locked(): held only while a message is copied in,
	 * never while waiting for room (senders wait on send_wq, which
	 * KUCOMMS_IOC_KICK and every state change wake).
	 */
	struct mutex send_lock;
	wait_queue_head_t send_wq;
	struct page *ctl_pages[5];	/* info, u2k cons, k2u prod, u2k prod, k2u cons */
	struct kucm_ringmem u2k_mem, k2u_mem;
	struct kucomms_info *info;
	struct kucomms_ring u2k;	/* kernel as consumer */
	struct kucomms_ring k2u;	/* kernel as producer */
	bool connected;			/* connect handler ran (thread only) */
	bool blocked;			/* no reply room: passed over (thread only) */
	/*
	 * The endpoint's thread published to k2u and has not yet looked
	 * for a reader in poll() (thread only): it wakes one once per
	 * batch, not once per reply (kucm_conn_wake()). Set together with
	 * the endpoint's wake_pending.
	 */
	bool wake_pending;
	bool closing;			/* file closed; the thread unlinks it */
};

struct kucomms_endpoint {
	struct kref ref;
	struct list_head node;		/* in kucm_endpoints */
	char name[KUCOMMS_NAME_MAX + 1];
	const struct kucomms_endpoint_ops *ops;
	void *ctx;
	/*
	 * The registering module's name, for sysfs "endpoint": a copy, as
	 * the module may be unloaded while a reader holds the endpoint.
	 */
	char owner_name[MODULE_NAME_LEN];
	struct task_struct *task;	/* held with get_task_struct() */
	/*
	 * Held by whoever runs the handlers: the thread, except while it
	 * sleeps, or a process delivering its own messages in the
	 * thread's stead (KUCOMMS_EP_DIRECT, kucm_endpoint_run()). Every
	 * field marked "thread only" (here and in struct kucomms_conn) is
	 * the holder's. Taken before lock, never after.
	 */
	struct mutex run_lock;
	/* The task holding run_lock, or NULL: kucm_in_handler(). */
	struct task_struct *runner;
	/*
	 * The thread waits here for run_lock (at its start and after a
	 * sleep), with thread_waits set, while a direct delivery holds
	 * it (kucm_endpoint_run() wakes it).
	 */
	wait_queue_head_t run_wq;
	bool thread_waits;
	struct mutex lock;		/* conns, shutdown */
	struct list_head conns;
	bool shutdown;			/* unregistering: no new connections */
	bool thread_gone;		/* the thread has stopped */
	bool kicked;			/* a KICK or new connection: look again */
	/*
	 * Some connection's wake_pending may be set outside its own batch
	 * (thread only, like those: kucomms_send() sets both from the
	 * thread, so program order is all the ordering needed). The
	 * thread's sweep for wakeups deferred outside a batch clears it
	 * and skips ep->lock and the walk of the connections while it is
	 * clear. Not set for a send to @batch_conn, whose wakeup the end
	 * of its batch makes.
	 */
	bool wake_pending;
	/* Thread only: the connection whose batch is being delivered. */
	struct kucomms_conn *batch_conn;
	/*
	 * Thread only: the replies sent to batch_conn during its batch,
	 * added to the device's figures at the batch's end.
	 */
	u64 batch_msgs_out, batch_bytes_out;
	/* Thread only: the device's poll_idle_us, as of the last pass. */
	u64 poll_idle_ns;
	ktime_t last_msg;		/* thread only: a message was handed over */
	void *msgbuf;			/* private copy of each message */
	size_t msgbuf_size;
	atomic64_t work_runs, timer_runs, msgs;
};

extern struct class *kucm_class;
extern unsigned int kucm_max_devices;

/* poll_idle_us: its bound (a second) and the default of a new device. */
#define KUCM_POLL_IDLE_MAX_US	KUCOMMS_POLL_IDLE_MAX_US
#define KUCM_POLL_IDLE_DEFAULT_US	0

int kucm_devices_init(void);
void kucm_devices_exit(void);
int kucm_device_create(const char *name);
int kucm_device_remove(const char *name);

struct kucm_device *kucm_device_find_get(const char *name);

extern const struct file_operations kucm_conn_fops;
extern const struct attribute_group *kucm_device_groups[];
void kucm_conn_state(struct kucomms_conn *conn, u32 state);
void kucm_conn_free(struct kref *ref);

struct kucomms_endpoint *kucm_endpoint_find_get(const char *name);
void kucm_endpoint_put(struct kucomms_endpoint *ep);
int kucm_endpoint_attach(struct kucomms_endpoint *ep, struct kucomms_conn *conn);
void kucm_endpoint_detach(struct kucomms_conn *conn);
void kucm_endpoint_kick(struct kucomms_endpoint *ep);

/* The endpoint's thread (kucomms_endpoint_thread.c). */
int kucm_endpoint_thread(void *arg);
bool kucm_endpoint_run(struct kucomms_conn *conn);

/*
 * Is the caller one of @ep's handlers? Only the holder of run_lock
 * finds itself in ep->runner: others may read a stale value, never
 * their own task.
 */
static inline bool kucm_in_handler(const struct kucomms_endpoint *ep)
{
	return ep && READ_ONCE(ep->runner) == current;
}

/* Sending (kucomms_send.c): room for a @rec-byte record in k2u? */
bool kucm_k2u_room(struct kucomms_conn *conn, u64 rec);

/*
 * The monitor tap (kucomms_tap.c). kucm_tap_msg() is called by the data
 * paths for every message; with no reader on the device it costs one
 * load and a branch. @data is the kernel's own copy of the message.
 *
 * Not a static key: readers come and go at the pace of a user's
 * open()/close(), and every static-key flip patches kernel text and
 * interrupts every CPU (text_poke_bp). It also crashed the debug kernel
 * under QEMU's TCG: a vCPU hit the patch's int3 after the patch was done
 * ("int3: 0000", RIP in the data path) when kucdump attached and
 * detached in a loop during traffic. The list is walked under RCU; the
 * peek needs no lock (list_empty() reads with READ_ONCE()), a reader that
 * is just joining sees the next message.
 */
void __kuc_tap_msg(struct kucm_device *kd, u32 dir, u64 conn_id,
		   const struct kucomms_msg_hdr *hdr, const void *data);

static inline void kucm_tap_msg(struct kucm_device *kd, u32 dir, u64 conn_id,
				const struct kucomms_msg_hdr *hdr,
			       const void *data)
{
	if (unlikely(!list_empty(&kd->taps)))
		__kuc_tap_msg(kd, dir, conn_id, hdr, data);
}

void kucm_tap_device_removed(struct kucm_device *kd);
int kucm_monitor_init(void);
void kucm_monitor_exit(void);

/* Live events for kucctl monitor (kucomms_events.c); process context. */
int kucm_events_init(void);
void kucm_events_exit(void);
void kucm_event_device(u8 cmd, const char *name);
void kucm_event_conn(u8 cmd, const struct kucomms_conn *conn);
void kucm_event_endpoint(u8 cmd, const struct kucomms_endpoint *ep);

int kucm_control_init(void);
void kucm_control_exit(void);

#endif /* KUCOMMS_INTERNAL_H */
