// SPDX-License-Identifier: GPL-2.0
/*
 * The monitor tap: /dev/kucomms-monitor. Each open file, once attached to
 * a device (KUCOMMS_IOC_TAP_ATTACH, its opener's CAP_SYS_ADMIN), gets a copy of every
 * message of every connection of that device, both directions, as records
 * in a buffer of its own that read() drains (layout in kucomms_abi.h).
 *
 * The buffer is a kucomms ring (kucomms_ring.h, the one ring
 * implementation) in kernel memory mapped twice in a row, so a record is
 * always contiguous: never split at the buffer end. Its records are built
 * by kucomms_tap_rec.h, as libkuc builds the shm transport's. The data
 * paths are its producers, serialised by a spinlock (they may run on
 * several threads at once, all in process context: interrupts stay on);
 * read() is its one consumer, under a mutex. A producer never waits: a
 * record that does not fit is dropped and counted.
 *
 * Lifetime. A reader holds a reference on its device. The device's list
 * of readers is walked under RCU by the data paths; readers join and
 * leave it under the device's tap_lock. Removing the device unlinks every
 * reader (they then see POLLHUP and, once drained, EOF). The node's fops
 * hold the module, so kucomms.ko cannot be unloaded while a reader is
 * open.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/poll.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kucomms/kucomms_tap_rec.h>

#include "kucomms_internal.h"

struct kucm_tap {
	struct list_head node;		/* in kd->taps, under kd->tap_lock */
	struct kucm_device *kd;		/* set once at attach; holds a ref */
	bool linked;			/* on kd->taps (under kd->tap_lock) */
	bool gone;			/* the device was removed */
	spinlock_t lock;		/* the producers */
	struct mutex read_lock;		/* the consumer; attach */
	wait_queue_head_t wq;
	struct kucm_ringmem mem;
	struct kucomms_ring_prod prod;	/* private: never mapped */
	struct kucomms_ring_cons cons;
	struct kucomms_ring out;	/* producer view, under @lock */
	struct kucomms_ring in;		/* consumer view, under @read_lock */
	u32 snaplen;
	u32 buf_order;
	u64 captured, dropped;		/* under @lock */
};

/*
 * The copy of one message into a reserved record: the costly part (up to
 * KUCOMMS_TAP_SNAPLEN_MAX bytes). Not inlined, so that a test can probe
 * it (tests/bats/hostile.bats looks at the interrupt flag there).
 */
static noinline void kucm_tap_copy(struct kucomms_msg_hdr *slot, u32 caplen,
				   u64 ts, u32 dir, u64 conn_id,
				  const struct kucomms_msg_hdr *hdr,
				  const void *data)
{
	kucomms_tap_rec_fill(slot, caplen, ts, dir, conn_id, hdr, data);
}

/*
 * One record into one reader's buffer, or one more drop. Process context
 * only, as every data path is (the endpoint thread, kucomms_send*() and
 * kucomms_broadcast*(), which the API allows from process context only):
 * a plain spinlock, so the copy of up to snaplen bytes runs with
 * interrupts on.
 */
static void kucm_tap_put(struct kucm_tap *tap, u64 ts, u32 dir, u64 conn_id,
			 const struct kucomms_msg_hdr *hdr, const void *data)
{
	struct kucomms_msg_hdr *slot;
	u32 caplen;
	int err;

	spin_lock(&tap->lock);
	slot = kucomms_tap_rec_reserve(&tap->out, hdr->length, tap->snaplen,
				       &caplen, &err);
	if (!slot) {
		tap->dropped++;
		spin_unlock(&tap->lock);
		return;
	}
	kucm_tap_copy(slot, caplen, ts, dir, conn_id, hdr, data);
	kucomms_ring_commit(&tap->out);
	tap->captured++;
	spin_unlock(&tap->lock);
	/* wq_has_sleeper() orders the publish before the check. */
	if (wq_has_sleeper(&tap->wq))
		wake_up_interruptible_poll(&tap->wq, EPOLLIN | EPOLLRDNORM);
}

void __kuc_tap_msg(struct kucm_device *kd, u32 dir, u64 conn_id,
		   const struct kucomms_msg_hdr *hdr, const void *data)
{
	u64 ts = ktime_get_real_ns();
	struct kucm_tap *tap;

	rcu_read_lock();
	list_for_each_entry_rcu(tap, &kd->taps, node)
		kucm_tap_put(tap, ts, dir, conn_id, hdr, data);
	rcu_read_unlock();
}

/* The device is going away: its readers see POLLHUP, then EOF. */
void kucm_tap_device_removed(struct kucm_device *kd)
{
	struct kucm_tap *tap, *tmp;

	spin_lock(&kd->tap_lock);
	kd->removed = true;
	list_for_each_entry_safe(tap, tmp, &kd->taps, node) {
		list_del_rcu(&tap->node);
		tap->linked = false;
		WRITE_ONCE(tap->gone, true);
		wake_up_interruptible_all(&tap->wq);
	}
	spin_unlock(&kd->tap_lock);
}

static int kucm_mon_open(struct inode *inode, struct file *file)
{
	struct kucm_tap *tap = kzalloc(sizeof(*tap), GFP_KERNEL);

	if (!tap)
		return -ENOMEM;
	INIT_LIST_HEAD(&tap->node);
	spin_lock_init(&tap->lock);
	mutex_init(&tap->read_lock);
	init_waitqueue_head(&tap->wq);
	file->private_data = tap;
	return nonseekable_open(inode, file);
}

static int kucm_mon_release(struct inode *inode, struct file *file)
{
	struct kucm_tap *tap = file->private_data;
	struct kucm_device *kd = tap->kd;

	if (kd) {
		spin_lock(&kd->tap_lock);
		if (tap->linked) {
			list_del_rcu(&tap->node);
			tap->linked = false;
		}
		spin_unlock(&kd->tap_lock);
		/* No data path can still be writing into the buffer. */
		synchronize_rcu();
		put_device(&kd->dev);
	}
	kucm_ringmem_free(&tap->mem);
	kfree(tap);
	return 0;
}

static int kucm_mon_attach(struct file *file, struct kucm_tap *tap,
			   void __user *arg)
{
	struct kucomms_tap_attach a;
	struct kucm_device *kd;
	size_t len;
	u64 size;
	int ret;

	/*
	 * Sniffing every connection of a device is a privilege: the
	 * opener's (file->f_cred), as for a socket, not the caller's. A
	 * privileged process handed an unprivileged opener's file (as its
	 * stdin, say) must not attach it for that opener.
	 */
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	len = strnlen(a.name, sizeof(a.name));
	if (len == sizeof(a.name) || !kucomms_name_valid(a.name, len) ||
	    a.flags)
		return -EINVAL;
	if (!a.buf_order)
		a.buf_order = KUCOMMS_TAP_BUF_ORDER_DEFAULT;
	if (a.buf_order < KUCOMMS_TAP_BUF_ORDER_MIN ||
	    a.buf_order > KUCOMMS_TAP_BUF_ORDER_MAX)
		return -EINVAL;
	size = 1ULL << a.buf_order;
	/* The whole message when asked, but a record must fit the buffer. */
	if (!a.snaplen || a.snaplen > KUCOMMS_TAP_SNAPLEN_MAX)
		a.snaplen = KUCOMMS_TAP_SNAPLEN_MAX;
	a.snaplen = min_t(u64, a.snaplen,
			  KUCOMMS_MSG_MAX(size) - KUCOMMS_TAP_REC_SIZE);

	mutex_lock(&tap->read_lock);
	ret = -EBUSY;
	if (tap->kd)
		goto out;
	ret = kucm_ringmem_alloc(&tap->mem, size >> PAGE_SHIFT);
	if (ret)
		goto out_free;
	kucomms_ring_init(&tap->out, &tap->prod, &tap->cons, tap->mem.mirror,
			  size, 0);
	kucomms_ring_init(&tap->in, &tap->prod, &tap->cons, tap->mem.mirror,
			  size, 0);
	tap->snaplen = a.snaplen;
	tap->buf_order = a.buf_order;

	ret = -ENOENT;
	kd = kucm_device_find_get(a.name);
	if (!kd)
		goto out_free;
	spin_lock(&kd->tap_lock);
	if (!kd->removed) {
		list_add_tail_rcu(&tap->node, &kd->taps);
		tap->linked = true;
		ret = 0;
	}
	spin_unlock(&kd->tap_lock);
	if (ret) {
		put_device(&kd->dev);
		goto out_free;
	}
	/*
	 * Published last, with a release: stats and poll look at the tap
	 * without read_lock, and a non-NULL kd must mean they see the ring,
	 * snaplen and buf_order set above (paired with their acquire loads).
	 */
	smp_store_release(&tap->kd, kd);
	goto out;

out_free:
	kucm_ringmem_free(&tap->mem);
	memset(&tap->mem, 0, sizeof(tap->mem));
out:
	mutex_unlock(&tap->read_lock);
	return ret;
}

static long kucm_mon_stats(struct kucm_tap *tap, void __user *arg)
{
	struct kucomms_tap_stats st = {};

	/* Pairs with the release in kucm_mon_attach(). */
	if (!smp_load_acquire(&tap->kd))
		return -ENOTCONN;
	spin_lock(&tap->lock);
	st.captured = tap->captured;
	st.dropped = tap->dropped;
	spin_unlock(&tap->lock);
	st.snaplen = tap->snaplen;
	st.buf_order = tap->buf_order;
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long kucm_mon_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct kucm_tap *tap = file->private_data;

	switch (cmd) {
	case KUCOMMS_IOC_TAP_ATTACH:
		return kucm_mon_attach(file, tap, (void __user *)arg);
	case KUCOMMS_IOC_TAP_STATS:
		return kucm_mon_stats(tap, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static bool kucm_tap_ready(struct kucm_tap *tap)
{
	return kucomms_ring_avail(&tap->in) || READ_ONCE(tap->gone);
}

static ssize_t kucm_mon_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct kucm_tap *tap = file->private_data;
	struct kucomms_msg_hdr hdr;
	const void *data;
	long long rec;
	ssize_t done = 0;
	size_t n;
	int ret;

	if (mutex_lock_interruptible(&tap->read_lock))
		return -ERESTARTSYS;
	ret = -ENOTCONN;
	if (!tap->kd)
		goto out;
	while (!kucomms_ring_avail(&tap->in)) {
		ret = 0;
		if (READ_ONCE(tap->gone))
			goto out;
		ret = -EAGAIN;
		if (file->f_flags & O_NONBLOCK)
			goto out;
		ret = wait_event_interruptible(tap->wq, kucm_tap_ready(tap));
		if (ret)
			goto out;
	}
	/* Whole records only; our own memory, so nothing here is hostile. */
	ret = 0;
	while ((rec = kucomms_ring_peek(&tap->in, &hdr, &data)) > 0) {
		n = ALIGN(hdr.length, KUCOMMS_RECORD_ALIGN);
		if (n > count - done) {
			if (!done)
				ret = -EINVAL;
			break;
		}
		if (copy_to_user(buf + done, data, n)) {
			if (!done)
				ret = -EFAULT;
			break;
		}
		kucomms_ring_release(&tap->in, rec);
		done += n;
	}
out:
	mutex_unlock(&tap->read_lock);
	return done ? done : ret;
}

static __poll_t kucm_mon_poll(struct file *file, poll_table *wait)
{
	struct kucm_tap *tap = file->private_data;
	__poll_t mask = 0;

	/* Pairs with the release in kucm_mon_attach(). */
	if (!smp_load_acquire(&tap->kd))
		return EPOLLERR;
	poll_wait(file, &tap->wq, wait);
	/*
	 * On the wait queue before the buffer is looked at: pairs with the
	 * barrier of wq_has_sleeper() in kucm_tap_put() (sock_poll_wait()).
	 */
	smp_mb();
	if (kucomms_ring_avail(&tap->in))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(tap->gone))
		mask |= EPOLLHUP;
	return mask;
}

static const struct file_operations kucm_mon_fops = {
	.owner		= THIS_MODULE,
	.open		= kucm_mon_open,
	.release	= kucm_mon_release,
	.read		= kucm_mon_read,
	.poll		= kucm_mon_poll,
	.unlocked_ioctl	= kucm_mon_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice kucm_mon_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "kucomms-monitor",	/* KUCOMMS_MONITOR_NODE */
	.fops	= &kucm_mon_fops,
	.mode	= 0600,
};

int kucm_monitor_init(void)
{
	return misc_register(&kucm_mon_dev);
}

void kucm_monitor_exit(void)
{
	misc_deregister(&kucm_mon_dev);
}
