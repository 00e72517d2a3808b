// SPDX-License-Identifier: GPL-2.0
/*
 * kucomms: shared-memory message channels between a kernel module and
 * userspace. This file ties the pieces together at load and unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>

#include "kucomms_compat.h"
#include "kucomms_internal.h"

struct class *kucm_class;

unsigned int kucm_max_devices = KUCOMMS_MAX_DEVICES_DEFAULT;
module_param_named(max_devices, kucm_max_devices, uint, 0444);
MODULE_PARM_DESC(max_devices,
		 "Most kucomms devices that may exist at once (1-1024, default 64)");

static char *kucm_devnode(KUCM_DEVNODE_CONST struct device *dev, umode_t *mode)
{
	/* Only root may talk to a kernel module until told otherwise. */
	if (mode)
		*mode = 0600;
	return NULL;
}

static int __init kucm_init(void)
{
	int ret;

	if (kucm_max_devices < 1 ||
	    kucm_max_devices > KUCOMMS_MAX_DEVICES_LIMIT) {
		pr_err("max_devices=%u is out of range 1-%u\n",
		       kucm_max_devices, KUCOMMS_MAX_DEVICES_LIMIT);
		return -EINVAL;
	}

	kucm_class = kucm_class_create(KUCOMMS_CLASS_NAME);
	if (IS_ERR(kucm_class))
		return PTR_ERR(kucm_class);
	kucm_class->devnode = kucm_devnode;

	/* Before the devices: their removal at unload is announced. */
	ret = kucm_events_init();
	if (ret)
		goto err_class;
	ret = kucm_devices_init();
	if (ret)
		goto err_events;
	ret = kucm_monitor_init();
	if (ret)
		goto err_devices;
	ret = kucm_control_init();
	if (ret)
		goto err_monitor;
	return 0;

err_monitor:
	kucm_monitor_exit();
err_devices:
	kucm_devices_exit();
err_events:
	kucm_events_exit();
err_class:
	class_destroy(kucm_class);
	return ret;
}

static void __exit kucm_exit(void)
{
	/* Control files first: no create or remove can race the teardown. */
	kucm_control_exit();
	/* No reader can be open: each holds the module. */
	kucm_monitor_exit();
	kucm_devices_exit();
	kucm_events_exit();
	class_destroy(kucm_class);
}

module_init(kucm_init);
module_exit(kucm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kucomms: shared-memory message channels between kernel and userspace");
MODULE_VERSION("0.1.0");
