// SPDX-License-Identifier: GPL-2.0
/*
 * The set of /dev/kucomms_NAME character devices: create, remove, and the
 * teardown of all of them at unload. All devices share one major number
 * and the kucomms class; minors come from an IDA bounded by max_devices.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kucomms_internal.h"

/* Serialises create and remove; protects kucm_devices. */
static DEFINE_MUTEX(kucm_devices_lock);
static LIST_HEAD(kucm_devices);
static DEFINE_IDA(kucm_minors);
static dev_t kucm_devt;

static void kucm_device_release(struct device *dev)
{
	struct kucm_device *kd = container_of(dev, struct kucm_device, dev);

	ida_free(&kucm_minors, MINOR(dev->devt));
	kfree(kd);
}

static struct kucm_device *kucm_device_find(const char *name)
{
	struct kucm_device *kd;

	lockdep_assert_held(&kucm_devices_lock);
	list_for_each_entry(kd, &kucm_devices, node)
		if (!strcmp(kd->name, name))
			return kd;
	return NULL;
}

/* The device @name with a reference (put_device()), or NULL. */
struct kucm_device *kucm_device_find_get(const char *name)
{
	struct kucm_device *kd;

	mutex_lock(&kucm_devices_lock);
	kd = kucm_device_find(name);
	if (kd)
		get_device(&kd->dev);
	mutex_unlock(&kucm_devices_lock);
	return kd;
}

/* @name has been validated by the caller. */
int kucm_device_create(const char *name)
{
	struct kucm_device *kd;
	int minor, ret;

	mutex_lock(&kucm_devices_lock);
	if (kucm_device_find(name)) {
		ret = -EEXIST;
		goto out;
	}
	minor = ida_alloc_max(&kucm_minors, kucm_max_devices - 1, GFP_KERNEL);
	if (minor < 0) {
		ret = minor;
		goto out;
	}
	kd = kzalloc(sizeof(*kd), GFP_KERNEL);
	if (!kd) {
		ida_free(&kucm_minors, minor);
		ret = -ENOMEM;
		goto out;
	}
	strscpy(kd->name, name, sizeof(kd->name));
	INIT_LIST_HEAD(&kd->taps);
	spin_lock_init(&kd->tap_lock);
	device_initialize(&kd->dev);
	kd->dev.class = kucm_class;
	kd->dev.devt = MKDEV(MAJOR(kucm_devt), minor);
	kd->dev.release = kucm_device_release;
	kd->dev.groups = kucm_device_groups;
	kd->ring_order = KUCOMMS_RING_ORDER_DEFAULT;
	kd->max_conns = KUCOMMS_CONNS_DEFAULT;
	kd->poll_idle_us = KUCM_POLL_IDLE_DEFAULT_US;
	cdev_init(&kd->cdev, &kucm_conn_fops);
	kd->cdev.owner = THIS_MODULE;
	ret = dev_set_name(&kd->dev, "%s", name);
	if (!ret)
		ret = cdev_device_add(&kd->cdev, &kd->dev);
	if (ret) {
		/* The release callback frees kd and its minor. */
		put_device(&kd->dev);
		goto out;
	}
	list_add_tail(&kd->node, &kucm_devices);
	kucm_event_device(KUCOMMS_EV_DEVICE_ADD, kd->name);
out:
	mutex_unlock(&kucm_devices_lock);
	return ret;
}

static void kucm_device_destroy(struct kucm_device *kd)
{
	lockdep_assert_held(&kucm_devices_lock);
	list_del(&kd->node);
	kucm_tap_device_removed(kd);
	cdev_device_del(&kd->cdev, &kd->dev);
	kucm_event_device(KUCOMMS_EV_DEVICE_REMOVE, kd->name);
	put_device(&kd->dev);
}

int kucm_device_remove(const char *name)
{
	struct kucm_device *kd;
	int ret = 0;

	mutex_lock(&kucm_devices_lock);
	kd = kucm_device_find(name);
	if (kd)
		kucm_device_destroy(kd);
	else
		ret = -ENOENT;
	mutex_unlock(&kucm_devices_lock);
	return ret;
}

int kucm_devices_init(void)
{
	return alloc_chrdev_region(&kucm_devt, 0, kucm_max_devices,
				   KUCOMMS_CLASS_NAME);
}

void kucm_devices_exit(void)
{
	struct kucm_device *kd, *tmp;

	mutex_lock(&kucm_devices_lock);
	list_for_each_entry_safe(kd, tmp, &kucm_devices, node)
		kucm_device_destroy(kd);
	mutex_unlock(&kucm_devices_lock);
	unregister_chrdev_region(kucm_devt, kucm_max_devices);
	ida_destroy(&kucm_minors);
}
