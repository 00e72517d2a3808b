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

/* Serialises create and remove; protects kuc_devices. */
static DEFINE_MUTEX(kuc_devices_lock);
static LIST_HEAD(kuc_devices);
static DEFINE_IDA(kuc_minors);
static dev_t kuc_devt;

static void kuc_device_release(struct device *dev)
{
	struct kuc_device *kd = container_of(dev, struct kuc_device, dev);

	ida_free(&kuc_minors, MINOR(dev->devt));
	kfree(kd);
}

static struct kuc_device *kuc_device_find(const char *name)
{
	struct kuc_device *kd;

	lockdep_assert_held(&kuc_devices_lock);
	list_for_each_entry(kd, &kuc_devices, node)
		if (!strcmp(kd->name, name))
			return kd;
	return NULL;
}

/* The device @name with a reference (put_device()), or NULL. */
struct kuc_device *kuc_device_find_get(const char *name)
{
	struct kuc_device *kd;

	mutex_lock(&kuc_devices_lock);
	kd = kuc_device_find(name);
	if (kd)
		get_device(&kd->dev);
	mutex_unlock(&kuc_devices_lock);
	return kd;
}

/* @name has been validated by the caller. */
int kuc_device_create(const char *name)
{
	struct kuc_device *kd;
	int minor, ret;

	mutex_lock(&kuc_devices_lock);
	if (kuc_device_find(name)) {
		ret = -EEXIST;
		goto out;
	}
	minor = ida_alloc_max(&kuc_minors, kuc_max_devices - 1, GFP_KERNEL);
	if (minor < 0) {
		ret = minor;
		goto out;
	}
	kd = kzalloc(sizeof(*kd), GFP_KERNEL);
	if (!kd) {
		ida_free(&kuc_minors, minor);
		ret = -ENOMEM;
		goto out;
	}
	strscpy(kd->name, name, sizeof(kd->name));
	INIT_LIST_HEAD(&kd->taps);
	spin_lock_init(&kd->tap_lock);
	device_initialize(&kd->dev);
	kd->dev.class = kuc_class;
	kd->dev.devt = MKDEV(MAJOR(kuc_devt), minor);
	kd->dev.release = kuc_device_release;
	kd->dev.groups = kuc_device_groups;
	kd->ring_order = KUCOMMS_RING_ORDER_DEFAULT;
	kd->max_conns = KUCOMMS_CONNS_DEFAULT;
	kd->poll_idle_us = KUC_POLL_IDLE_DEFAULT_US;
	cdev_init(&kd->cdev, &kuc_conn_fops);
	kd->cdev.owner = THIS_MODULE;
	ret = dev_set_name(&kd->dev, "%s", name);
	if (!ret)
		ret = cdev_device_add(&kd->cdev, &kd->dev);
	if (ret) {
		/* The release callback frees kd and its minor. */
		put_device(&kd->dev);
		goto out;
	}
	list_add_tail(&kd->node, &kuc_devices);
out:
	mutex_unlock(&kuc_devices_lock);
	return ret;
}

static void kuc_device_destroy(struct kuc_device *kd)
{
	lockdep_assert_held(&kuc_devices_lock);
	list_del(&kd->node);
	kuc_tap_device_removed(kd);
	cdev_device_del(&kd->cdev, &kd->dev);
	put_device(&kd->dev);
}

int kuc_device_remove(const char *name)
{
	struct kuc_device *kd;
	int ret = 0;

	mutex_lock(&kuc_devices_lock);
	kd = kuc_device_find(name);
	if (kd)
		kuc_device_destroy(kd);
	else
		ret = -ENOENT;
	mutex_unlock(&kuc_devices_lock);
	return ret;
}

int kuc_devices_init(void)
{
	return alloc_chrdev_region(&kuc_devt, 0, kuc_max_devices,
				   KUCOMMS_CLASS_NAME);
}

void kuc_devices_exit(void)
{
	struct kuc_device *kd, *tmp;

	mutex_lock(&kuc_devices_lock);
	list_for_each_entry_safe(kd, tmp, &kuc_devices, node)
		kuc_device_destroy(kd);
	mutex_unlock(&kuc_devices_lock);
	unregister_chrdev_region(kuc_devt, kuc_max_devices);
	ida_destroy(&kuc_minors);
}
