// SPDX-License-Identifier: GPL-2.0
/*
 * Connections: each open() of /dev/kucomms_NAME gets its own pair of
 * rings in pages shared with userspace (mmap), a wait queue for poll(),
 * and a place on its endpoint's list. The pages userspace must not write
 * are only ever mapped read-only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kucomms_compat.h"
#include "kucomms_internal.h"
#include "kucomms_trace.h"

/* The connection's single pages, in the order of the ABI's mmap layout. */
enum {
	CTL_INFO,
	CTL_U2K_CONS,
	CTL_K2U_PROD,
	CTL_U2K_PROD,
	CTL_K2U_CONS,
	CTL_PAGES
};

static_assert(PAGE_SIZE == KUCOMMS_PAGE_SIZE);
static_assert(ARRAY_SIZE(((struct kucomms_conn *)0)->ctl_pages) == CTL_PAGES);

/* Pages mapped into userspace stay alive there until munmap(). */
void kucm_conn_free(struct kref *ref)
{
	struct kucomms_conn *conn = container_of(ref, struct kucomms_conn, ref);
	int i;

	kucm_ringmem_free(&conn->u2k_mem);
	kucm_ringmem_free(&conn->k2u_mem);
	for (i = 0; i < CTL_PAGES; i++)
		if (conn->ctl_pages[i])
			__free_page(conn->ctl_pages[i]);
	if (conn->ep)
		kucm_endpoint_put(conn->ep);
	/* Only now is its memory no longer held: a place for a new one. */
	atomic_dec(&conn->kd->nheld);
	put_device(&conn->kd->dev);
	kfree(conn);
}

/* Exported: documented (kernel-doc) in include/kucomms/kucomms_kernel.h. */
void kucomms_conn_get(struct kucomms_conn *conn)
{
	kref_get(&conn->ref);
}
EXPORT_SYMBOL_GPL(kucomms_conn_get);

void kucomms_conn_put(struct kucomms_conn *conn)
{
	kref_put(&conn->ref, kucm_conn_free);
}
EXPORT_SYMBOL_GPL(kucomms_conn_put);

u64 kucomms_conn_id(struct kucomms_conn *conn)
{
	return conn->id;
}
EXPORT_SYMBOL_GPL(kucomms_conn_id);

/*
 * Leave the OPEN state for good (SHUTDOWN or CORRUPT) and tell whoever
 * waits in poll(). The state lives in the read-only info page.
 */
void kucm_conn_state(struct kucomms_conn *conn, u32 state)
{
	if (cmpxchg(&conn->info->state, KUCOMMS_STATE_OPEN, state) !=
	    KUCOMMS_STATE_OPEN)
		return;
	if (state == KUCOMMS_STATE_CORRUPT) {
		atomic64_inc(&conn->kd->stats.proto_errors);
		pr_notice_ratelimited("%s: connection %llu broke its ring: disconnected\n",
				      conn->kd->name, conn->id);
	}
	wake_up_interruptible_all(&conn->wq);
	wake_up_all(&conn->send_wq);
}

static int kucm_conn_alloc_rings(struct kucomms_conn *conn, u64 size)
{
	void *ctl[CTL_PAGES];
	int i, ret;

	for (i = 0; i < CTL_PAGES; i++) {
		conn->ctl_pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!conn->ctl_pages[i])
			return -ENOMEM;
		ctl[i] = page_address(conn->ctl_pages[i]);
	}
	ret = kucm_ringmem_alloc(&conn->u2k_mem, size >> PAGE_SHIFT);
	if (!ret)
		ret = kucm_ringmem_alloc(&conn->k2u_mem, size >> PAGE_SHIFT);
	if (ret)
		return ret;

	conn->info = ctl[CTL_INFO];
	conn->info->magic = KUCOMMS_MAGIC;
	conn->info->abi_version = KUCOMMS_ABI_VERSION;
	conn->info->page_size = KUCOMMS_PAGE_SIZE;
	conn->info->ring_size = size;
	conn->info->msg_max = KUCOMMS_MSG_MAX(size);
	conn->info->conn_id = conn->id;
	conn->info->state = KUCOMMS_STATE_OPEN;
	kucomms_ring_init(&conn->u2k, ctl[CTL_U2K_PROD], ctl[CTL_U2K_CONS],
			  conn->u2k_mem.mirror, size, 0);
	kucomms_ring_init(&conn->k2u, ctl[CTL_K2U_PROD], ctl[CTL_K2U_CONS],
			  conn->k2u_mem.mirror, size, 0);
	return 0;
}

static int kucm_conn_open(struct inode *inode, struct file *file)
{
	struct kucm_device *kd = container_of(inode->i_cdev,
					     struct kucm_device, cdev);
	struct kucomms_endpoint *ep;
	struct kucomms_conn *conn;
	int ret;

	/*
	 * A place among the connections held, which closed ones keep until
	 * they are freed: max_conns bounds the memory, not just open files.
	 */
	if (atomic_inc_return(&kd->nheld) > READ_ONCE(kd->max_conns)) {
		atomic_dec(&kd->nheld);
		return -EBUSY;
	}
	/* No endpoint registered under this name: "not ready". */
	ep = kucm_endpoint_find_get(kd->name);
	if (!ep) {
		atomic_dec(&kd->nheld);
		return -ENXIO;
	}
	conn = kzalloc(sizeof(*conn), GFP_KERNEL_ACCOUNT);
	if (!conn) {
		kucm_endpoint_put(ep);
		atomic_dec(&kd->nheld);
		return -ENOMEM;
	}
	kref_init(&conn->ref);
	get_device(&kd->dev);
	conn->kd = kd;
	conn->ep = ep;
	conn->id = atomic64_inc_return(&kd->next_conn_id);
	conn->pid = task_tgid_nr(current);
	get_task_comm(conn->comm, current);
	init_waitqueue_head(&conn->wq);
	mutex_init(&conn->send_lock);
	init_waitqueue_head(&conn->send_wq);
	INIT_LIST_HEAD(&conn->node);

	ret = kucm_conn_alloc_rings(conn, 1ULL << READ_ONCE(kd->ring_order));
	if (!ret)
		ret = kucm_endpoint_attach(ep, conn);
	if (ret) {
		kucomms_conn_put(conn);		/* gives its place back */
		return ret;
	}
	atomic_inc(&kd->nconns);
	file->private_data = conn;
	trace_kucomms_conn_open(kd->name, conn->id);
	kucm_event_conn(KUCOMMS_EV_CONN_OPEN, conn);
	return nonseekable_open(inode, file);
}

static int kucm_conn_release(struct inode *inode, struct file *file)
{
	struct kucomms_conn *conn = file->private_data;

	trace_kucomms_conn_close(conn->kd->name, conn->id);
	kucm_event_conn(KUCOMMS_EV_CONN_CLOSE, conn);
	kucm_endpoint_detach(conn);
	atomic_dec(&conn->kd->nconns);
	kucomms_conn_put(conn);
	return 0;
}

static int kucm_conn_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kucomms_conn *conn = file->private_data;
	unsigned long addr = vma->vm_start;
	struct page *ctl[3];
	struct kucm_ringmem *mem;
	unsigned int nctl, i;
	int ret;

	/*
	 * MAP_SHARED only. VM_MAYSHARE, not VM_SHARED: mmap() clears
	 * VM_SHARED for a shared mapping of a file opened read-only.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff == KUCOMMS_MMAP_RO >> PAGE_SHIFT) {
		/* info, the kernel's positions, the k2u data: read-only. */
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		vm_flags_clear(vma, VM_MAYWRITE);
		ctl[0] = conn->ctl_pages[CTL_INFO];
		ctl[1] = conn->ctl_pages[CTL_U2K_CONS];
		ctl[2] = conn->ctl_pages[CTL_K2U_PROD];
		nctl = 3;
		mem = &conn->k2u_mem;
	} else if (vma->vm_pgoff == KUCOMMS_MMAP_RW >> PAGE_SHIFT) {
		ctl[0] = conn->ctl_pages[CTL_U2K_PROD];
		ctl[1] = conn->ctl_pages[CTL_K2U_CONS];
		nctl = 2;
		mem = &conn->u2k_mem;
	} else {
		return -EINVAL;
	}
	if (vma_pages(vma) != nctl + 2 * mem->npages)
		return -EINVAL;
	/* Not inherited across fork: one producer and one consumer. */
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY);

	for (i = 0; i < nctl; i++, addr += PAGE_SIZE) {
		ret = vm_insert_page(vma, addr, ctl[i]);
		if (ret)
			return ret;
	}
	return kucm_ringmem_insert(mem, vma, addr);
}

static __poll_t kucm_conn_poll(struct file *file, poll_table *wait)
{
	struct kucomms_conn *conn = file->private_data;
	u64 size = conn->info->ring_size;
	__poll_t mask = 0;
	u64 prod, cons;

	poll_wait(file, &conn->wq, wait);
	/*
	 * Our entry on the wait queue before the positions are read, as in
	 * sock_poll_wait(): pairs with the barrier of wq_has_sleeper() in
	 * the wakers, which publish before they look at the queue. Either
	 * we see their publication or they see us waiting.
	 */
	smp_mb();
	switch (READ_ONCE(conn->info->state)) {
	case KUCOMMS_STATE_OPEN:
		break;
	case KUCOMMS_STATE_CORRUPT:
		return EPOLLERR | EPOLLHUP;
	default:
		return EPOLLHUP;
	}
	/*
	 * k2u: our position (read-only to userspace) against theirs. The
	 * acquire loads pair with the release stores of the ring code.
	 */
	prod = smp_load_acquire(&conn->k2u.prod->pos);
	cons = READ_ONCE(conn->k2u.cons->pos);
	if (prod - cons > size || (cons & (KUCOMMS_RECORD_ALIGN - 1)))
		return EPOLLERR | EPOLLHUP;
	if (prod != cons)
		mask |= EPOLLIN | EPOLLRDNORM;
	/*
	 * u2k: writable when at least half the ring is free, so a waiting
	 * sender is not woken for every record the kernel consumes.
	 */
	prod = READ_ONCE(conn->u2k.prod->pos);
	/* Our consumer position, published by the thread with a release. */
	cons = smp_load_acquire(&conn->u2k.cons->pos);
	if (prod - cons <= size / 2)
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static long kucm_conn_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct kucomms_conn *conn = file->private_data;
	struct kucomms_info info;

	switch (READ_ONCE(conn->info->state)) {
	case KUCOMMS_STATE_OPEN:
		break;
	case KUCOMMS_STATE_CORRUPT:
		return -EPROTO;
	default:
		return -ESHUTDOWN;
	}
	switch (cmd) {
	case KUCOMMS_IOC_INFO:
		memcpy(&info, conn->info, sizeof(info));
		if (copy_to_user((void __user *)arg, &info, sizeof(info)))
			return -EFAULT;
		return 0;
	case KUCOMMS_IOC_RUN:
	case KUCOMMS_IOC_KICK:
		atomic64_inc(&conn->kd->stats.kicks);
		if (cmd == KUCOMMS_IOC_KICK || !kucm_endpoint_run(conn))
			kucm_endpoint_kick(conn->ep);
		/* Room for a kernel thread waiting in kucomms_send_locked(). */
		if (wq_has_sleeper(&conn->send_wq))
			wake_up(&conn->send_wq);
		return 0;
	default:
		return -ENOTTY;
	}
}

const struct file_operations kucm_conn_fops = {
	.owner		= THIS_MODULE,
	.open		= kucm_conn_open,
	.release	= kucm_conn_release,
	.mmap		= kucm_conn_mmap,
	.poll		= kucm_conn_poll,
	.unlocked_ioctl	= kucm_conn_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};
