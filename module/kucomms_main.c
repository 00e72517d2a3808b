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

struct class *kuc_class;

unsigned int kuc_max_devices = KUCOMMS_MAX_DEVICES_DEFAULT;
module_param_named(max_devices, kuc_max_devices, uint, 0444);
MODULE_PARM_DESC(max_devices,
		 "Most kucomms devices that may exist at once (1-1024, default 64)");

static char *kuc_devnode(KUC_DEVNODE_CONST struct device *dev, umode_t *mode)
{
	/* Only root may talk to a kernel module until told otherwise. */
	if (mode)
		*mode = 0600;
	return NULL;
}

static int __init kuc_init(void)
{
	int ret;

	if (kuc_max_devices < 1 ||
	    kuc_max_devices > KUCOMMS_MAX_DEVICES_LIMIT) {
		pr_err("max_devices=%u is out of range 1-%u\n",
		       kuc_max_devices, KUCOMMS_MAX_DEVICES_LIMIT);
		return -EINVAL;
	}

	kuc_class = kuc_class_create(KUCOMMS_CLASS_NAME);
	if (IS_ERR(kuc_class))
		return PTR_ERR(kuc_class);
	kuc_class->devnode = kuc_devnode;

	ret = kuc_devices_init();
	if (ret)
		goto err_class;
	ret = kuc_monitor_init();
	if (ret)
		goto err_devices;
	ret = kuc_control_init();
	if (ret)
		goto err_monitor;
	return 0;

err_monitor:
	kuc_monitor_exit();
err_devices:
	kuc_devices_exit();
err_class:
	class_destroy(kuc_class);
	return ret;
}

static void __exit kuc_exit(void)
{
	/* Control files first: no create or remove can race the teardown. */
	kuc_control_exit();
	/* No reader can be open: each holds the module. */
	kuc_monitor_exit();
	kuc_devices_exit();
	class_destroy(kuc_class);
}

module_init(kuc_init);
module_exit(kuc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kucomms: shared-memory message channels between kernel and userspace");
MODULE_VERSION("0.1.0");
