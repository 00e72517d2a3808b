// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoints: what a user kernel module registers under a name, and their
 * lifetime: the list of endpoints by name, references, connections
 * attached and detached, register and unregister. Each endpoint has one
 * kernel thread that calls its handlers serially (the scheduler,
 * kucomms_endpoint_thread.c); sending is kucomms_send.c.
 *
 * The exported functions are documented (kernel-doc) where module authors
 * read them: include/kucomms/kucomms_kernel.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "kucomms_internal.h"

static DEFINE_MUTEX(kucm_endpoints_lock);
static LIST_HEAD(kucm_endpoints);

static void kucm_endpoint_free(struct kref *ref)
{
	struct kucomms_endpoint *ep = container_of(ref, struct kucomms_endpoint,
						   ref);

	put_task_struct(ep->task);
	kvfree(ep->msgbuf);
	kfree(ep);
}

void kucm_endpoint_put(struct kucomms_endpoint *ep)
{
	kref_put(&ep->ref, kucm_endpoint_free);
}

static struct kucomms_endpoint *kucm_endpoint_find(const char *name)
{
	struct kucomms_endpoint *ep;

	lockdep_assert_held(&kucm_endpoints_lock);
	list_for_each_entry(ep, &kucm_endpoints, node)
		if (!strcmp(ep->name, name))
			return ep;
	return NULL;
}

struct kucomms_endpoint *kucm_endpoint_find_get(const char *name)
{
	struct kucomms_endpoint *ep;

	mutex_lock(&kucm_endpoints_lock);
	ep = kucm_endpoint_find(name);
	if (ep)
		kref_get(&ep->ref);
	mutex_unlock(&kucm_endpoints_lock);
	return ep;
}

void *kucomms_ctx(struct kucomms_endpoint *ep)
{
	return ep->ctx;
}
EXPORT_SYMBOL_GPL(kucomms_ctx);

/* Make the thread look at its connections again. Any context. */
void kucm_endpoint_kick(struct kucomms_endpoint *ep)
{
	WRITE_ONCE(ep->kicked, true);
	wake_up_process(ep->task);
}

int kucm_endpoint_attach(struct kucomms_endpoint *ep, struct kucomms_conn *conn)
{
	mutex_lock(&ep->lock);
	if (ep->shutdown) {
		mutex_unlock(&ep->lock);
		return -ENXIO;
	}
	kucomms_conn_get(conn);		/* the list's reference */
	list_add_tail(&conn->node, &ep->conns);
	mutex_unlock(&ep->lock);
	kucm_endpoint_kick(ep);		/* the connect handler */
	return 0;
}

/*
 * The file was closed. Only the thread takes connections off the list
 * (so it may walk the list with the lock dropped); once the thread is
 * gone, the closer does. The state stays OPEN: the thread still delivers
 * what was sent before the close (kucm_endpoint_pass(), the thread).
 */
void kucm_endpoint_detach(struct kucomms_conn *conn)
{
	struct kucomms_endpoint *ep = conn->ep;
	bool drop = false;

	mutex_lock(&ep->lock);
	WRITE_ONCE(conn->closing, true);
	if (ep->thread_gone) {
		list_del_init(&conn->node);
		drop = true;
	}
	mutex_unlock(&ep->lock);
	/* A kernel sender waiting for room gives up (-ESHUTDOWN). */
	wake_up_all(&conn->send_wq);
	if (drop)
		kucomms_conn_put(conn);
	else
		kucm_endpoint_kick(ep);
}

struct kucomms_endpoint *
__kucomms_register(const char *name, const struct kucomms_endpoint_ops *ops,
		   void *ctx, struct module *owner)
{
	struct kucomms_endpoint *ep;
	struct task_struct *task;
	int ret = 0;

	if (!name || !kucomms_name_valid(name, strnlen(name, KUCOMMS_NAME_MAX + 1)) ||
	    !ops || !ops->message)
		return ERR_PTR(-EINVAL);
	ep = kzalloc(sizeof(*ep), GFP_KERNEL);
	if (!ep)
		return ERR_PTR(-ENOMEM);
	kref_init(&ep->ref);
	strscpy(ep->name, name, sizeof(ep->name));
	ep->ops = ops;
	ep->ctx = ctx;
	strscpy(ep->owner_name, owner ? module_name(owner) : "kernel",
		sizeof(ep->owner_name));
	mutex_init(&ep->run_lock);
	init_waitqueue_head(&ep->run_wq);
	mutex_init(&ep->lock);
	INIT_LIST_HEAD(&ep->conns);

	task = kthread_create(kucm_endpoint_thread, ep, "kuc/%s",
			      name + KUCOMMS_PREFIX_LEN);
	if (IS_ERR(task)) {
		kfree(ep);
		return ERR_CAST(task);
	}
	get_task_struct(task);
	ep->task = task;

	mutex_lock(&kucm_endpoints_lock);
	if (kucm_endpoint_find(name))
		ret = -EEXIST;
	else
		list_add_tail(&ep->node, &kucm_endpoints);
	mutex_unlock(&kucm_endpoints_lock);
	if (ret) {
		kthread_stop(task);	/* never ran: returns at once */
		kucm_endpoint_put(ep);
		return ERR_PTR(ret);
	}
	wake_up_process(task);
	pr_info("endpoint %s registered\n", name);
	kucm_event_endpoint(KUCOMMS_EV_ENDPOINT_ADD, ep);
	return ep;
}
EXPORT_SYMBOL_GPL(__kucomms_register);

void kucomms_unregister(struct kucomms_endpoint *ep)
{
	struct kucomms_conn *conn, *tmp;
	LIST_HEAD(dead);

	mutex_lock(&kucm_endpoints_lock);
	list_del(&ep->node);
	mutex_unlock(&kucm_endpoints_lock);

	/* No new connections; open ones see the shutdown now. */
	mutex_lock(&ep->lock);
	ep->shutdown = true;
	list_for_each_entry(conn, &ep->conns, node)
		kucm_conn_state(conn, KUCOMMS_STATE_SHUTDOWN);
	mutex_unlock(&ep->lock);

	/* Waits for the handler that may be running; none runs after. */
	kthread_stop(ep->task);
	/*
	 * And for a direct delivery (kucm_endpoint_run()) that took
	 * run_lock before it could see the shutdown; later ones see it.
	 */
	mutex_lock(&ep->run_lock);
	mutex_unlock(&ep->run_lock);

	mutex_lock(&ep->lock);
	ep->thread_gone = true;
	list_for_each_entry_safe(conn, tmp, &ep->conns, node)
		if (READ_ONCE(conn->closing))
			list_move(&conn->node, &dead);
	mutex_unlock(&ep->lock);
	list_for_each_entry_safe(conn, tmp, &dead, node) {
		list_del_init(&conn->node);
		kucomms_conn_put(conn);
	}
	pr_info("endpoint %s unregistered\n", ep->name);
	kucm_event_endpoint(KUCOMMS_EV_ENDPOINT_REMOVE, ep);
	kucm_endpoint_put(ep);
}
EXPORT_SYMBOL_GPL(kucomms_unregister);
