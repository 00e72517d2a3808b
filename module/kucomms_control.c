// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/devices/virtual/kucomms/kucomms/{create_device,remove_device}:
 * the control files through which root creates and removes devices.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "kucomms_internal.h"

static struct device *kucm_control;

/*
 * Copy a name written to a control file into @name, dropping one trailing
 * newline as echo(1) adds it. Returns 0 or -EINVAL.
 */
static int kucm_parse_name(const char *buf, size_t count, char *name)
{
	if (count && buf[count - 1] == '\n')
		count--;
	if (!kucomms_name_valid(buf, count))
		return -EINVAL;
	memcpy(name, buf, count);
	name[count] = '\0';
	return 0;
}

static ssize_t kucm_control_write(const char *op, const char *buf,
				  size_t count, int (*fn)(const char *))
{
	char name[KUCOMMS_NAME_MAX + 1];
	int ret;

	/* The file mode says root; say it again in case it was chmod'ed. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = kucm_parse_name(buf, count, name);
	if (ret) {
		pr_notice_ratelimited("%s: invalid name (want %s[a-z0-9_]+, at most %d characters)\n",
				      op, KUCOMMS_PREFIX, KUCOMMS_NAME_MAX);
		return ret;
	}
	ret = fn(name);
	if (ret == -EEXIST)
		pr_notice_ratelimited("%s: %s already exists\n", op, name);
	else if (ret == -ENOENT)
		pr_notice_ratelimited("%s: no device %s\n", op, name);
	else if (ret == -ENOSPC)
		pr_notice_ratelimited("%s: %s: all %u devices in use (module parameter max_devices)\n",
				      op, name, kucm_max_devices);
	else if (ret)
		pr_notice_ratelimited("%s: %s failed: %d\n", op, name, ret);
	return ret ? ret : count;
}

static ssize_t create_device_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	return kucm_control_write("create_device", buf, count,
				 kucm_device_create);
}
static DEVICE_ATTR_WO(create_device);

static ssize_t remove_device_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	return kucm_control_write("remove_device", buf, count,
				 kucm_device_remove);
}
static DEVICE_ATTR_WO(remove_device);

static struct attribute *kucm_control_attrs[] = {
	&dev_attr_create_device.attr,
	&dev_attr_remove_device.attr,
	NULL,
};
ATTRIBUTE_GROUPS(kucm_control);

int kucm_control_init(void)
{
	/* devt 0: a sysfs directory only, no /dev node. */
	kucm_control = device_create_with_groups(kucm_class, NULL, 0, NULL,
						 kucm_control_groups,
						KUCOMMS_CLASS_NAME);
	return PTR_ERR_OR_ZERO(kucm_control);
}

void kucm_control_exit(void)
{
	device_unregister(kucm_control);
}
