// SPDX-License-Identifier: GPL-2.0
/*
 * kucbench_chr: a character-device echo, the benchmark's reference for
 * kucomms' device (bench/README). /dev/kucbench_chr: every write() is one
 * message in kucomms' record format (a struct kucomms_msg_hdr whose length
 * is the bytes after it); read() returns as many whole records as fit in
 * the caller's buffer, each padded to KUCOMMS_RECORD_ALIGN, in the order
 * written. All the work is done in the caller's context: two copies per
 * echo (write in, read out), no thread, no shared memory.
 *
 * Each open file has its own buffer of KB_CHR_BUF bytes, the size of the
 * rings the benchmark gives kucomms. write() blocks while the buffer has
 * no room for the record, read() while it is empty (O_NONBLOCK: -EAGAIN);
 * poll() reports EPOLLIN when a record waits, EPOLLOUT when the largest
 * record fits.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include <kucomms/kucomms_abi.h>

#include "kb_vm_ring.h"

/* kucbench's buffers of a VM case; buf_bytes tells it what was built. */
#define KB_CHR_BUF	KB_VM_RING
#define KB_CHR_MSG_MAX	(KB_CHR_BUF / 2 - KUCOMMS_HDR_SIZE)

static unsigned int buf_bytes = KB_CHR_BUF;
module_param(buf_bytes, uint, 0444);
MODULE_PARM_DESC(buf_bytes, "bytes of each open file's buffer (read-only)");

struct kb_chr {
	struct mutex lock;		/* head, tail and the buffer */
	wait_queue_head_t wq;		/* readers and writers */
	u64 head;			/* bytes written (free-running) */
	u64 tail;			/* bytes read */
	u8 *buf;			/* KB_CHR_BUF bytes */
};

static int kb_chr_open(struct inode *inode, struct file *file)
{
	struct kb_chr *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	c->buf = vmalloc(KB_CHR_BUF);
	if (!c->buf) {
		kfree(c);
		return -ENOMEM;
	}
	mutex_init(&c->lock);
	init_waitqueue_head(&c->wq);
	file->private_data = c;
	return stream_open(inode, file);
}

static int kb_chr_release(struct inode *inode, struct file *file)
{
	struct kb_chr *c = file->private_data;

	vfree(c->buf);
	kfree(c);
	return 0;
}

/* Copy @len bytes between the user and the buffer at @pos, wrapping. */
static int kb_chr_copy_in(struct kb_chr *c, u64 pos, const char __user *src,
			  size_t len)
{
	size_t off = pos & (KB_CHR_BUF - 1), first = min(len, KB_CHR_BUF - off);

	if (copy_from_user(c->buf + off, src, first))
		return -EFAULT;
	if (first < len && copy_from_user(c->buf, src + first, len - first))
		return -EFAULT;
	return 0;
}

static int kb_chr_copy_out(struct kb_chr *c, u64 pos, char __user *dst,
			   size_t len)
{
	size_t off = pos & (KB_CHR_BUF - 1), first = min(len, KB_CHR_BUF - off);

	if (copy_to_user(dst, c->buf + off, first))
		return -EFAULT;
	if (first < len && copy_to_user(dst + first, c->buf, len - first))
		return -EFAULT;
	return 0;
}

/* The length of the record at @pos (the buffer's own copy: trusted). */
static u64 kb_chr_rec_at(struct kb_chr *c, u64 pos)
{
	struct kucomms_msg_hdr hdr;
	size_t off = pos & (KB_CHR_BUF - 1), first;

	first = min_t(size_t, sizeof(hdr), KB_CHR_BUF - off);
	memcpy(&hdr, c->buf + off, first);
	if (first < sizeof(hdr))
		memcpy((u8 *)&hdr + first, c->buf, sizeof(hdr) - first);
	return kucomms_record_size(hdr.length);
}

static ssize_t kb_chr_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	struct kb_chr *c = file->private_data;
	struct kucomms_msg_hdr hdr;
	u64 rec;
	int ret;

	if (len < sizeof(hdr) || len > KUCOMMS_HDR_SIZE + KB_CHR_MSG_MAX)
		return -EMSGSIZE;
	if (copy_from_user(&hdr, ubuf, sizeof(hdr)))
		return -EFAULT;
	if (hdr.length != len - sizeof(hdr))
		return -EINVAL;
	rec = kucomms_record_size(hdr.length);
	for (;;) {
		if (mutex_lock_interruptible(&c->lock))
			return -ERESTARTSYS;
		if (KB_CHR_BUF - (c->head - c->tail) >= rec)
			break;
		mutex_unlock(&c->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(c->wq, KB_CHR_BUF -
					     (READ_ONCE(c->head) -
					      READ_ONCE(c->tail)) >= rec))
			return -ERESTARTSYS;
	}
	/* The header as checked, then the data after it. */
	ret = kb_chr_copy_in(c, c->head + sizeof(hdr), ubuf + sizeof(hdr),
			     hdr.length);
	if (!ret) {
		u64 off = c->head & (KB_CHR_BUF - 1);

		if (off + sizeof(hdr) <= KB_CHR_BUF) {
			memcpy(c->buf + off, &hdr, sizeof(hdr));
		} else {
			memcpy(c->buf + off, &hdr, KB_CHR_BUF - off);
			memcpy(c->buf, (u8 *)&hdr + (KB_CHR_BUF - off),
			       sizeof(hdr) - (KB_CHR_BUF - off));
		}
		WRITE_ONCE(c->head, c->head + rec);
	}
	mutex_unlock(&c->lock);
	if (ret)
		return ret;
	wake_up_interruptible(&c->wq);
	return len;
}

static ssize_t kb_chr_read(struct file *file, char __user *ubuf, size_t len,
			   loff_t *ppos)
{
	struct kb_chr *c = file->private_data;
	u64 done = 0, rec;
	int ret = 0;

	for (;;) {
		if (mutex_lock_interruptible(&c->lock))
			return -ERESTARTSYS;
		if (c->head != c->tail)
			break;
		mutex_unlock(&c->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(c->wq, READ_ONCE(c->head) !=
					     READ_ONCE(c->tail)))
			return -ERESTARTSYS;
	}
	/* Whole records only: as many as fit. */
	while (c->tail + done != c->head) {
		rec = kb_chr_rec_at(c, c->tail + done);
		if (done + rec > len)
			break;
		done += rec;
	}
	if (!done)
		ret = -EMSGSIZE;
	else
		ret = kb_chr_copy_out(c, c->tail, ubuf, done);
	if (!ret)
		WRITE_ONCE(c->tail, c->tail + done);
	mutex_unlock(&c->lock);
	if (ret)
		return ret;
	wake_up_interruptible(&c->wq);
	return done;
}

static __poll_t kb_chr_poll(struct file *file, poll_table *wait)
{
	struct kb_chr *c = file->private_data;
	u64 head, tail;
	__poll_t mask = 0;

	poll_wait(file, &c->wq, wait);
	head = READ_ONCE(c->head);
	tail = READ_ONCE(c->tail);
	if (head != tail)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (KB_CHR_BUF - (head - tail) >=
	    kucomms_record_size(KB_CHR_MSG_MAX))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static const struct file_operations kb_chr_fops = {
	.owner = THIS_MODULE,
	.open = kb_chr_open,
	.release = kb_chr_release,
	.read = kb_chr_read,
	.write = kb_chr_write,
	.poll = kb_chr_poll,
};

static struct miscdevice kb_chr_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kucbench_chr",
	.fops = &kb_chr_fops,
	.mode = 0600,
};

static int __init kb_chr_init(void)
{
	return misc_register(&kb_chr_dev);
}

static void __exit kb_chr_exit(void)
{
	misc_deregister(&kb_chr_dev);
}

module_init(kb_chr_init);
module_exit(kb_chr_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kucomms benchmark: character-device echo (reference)");
