/* SPDX-License-Identifier: GPL-2.0 */
/* Private declarations shared by the kucomms module's source files. */
#ifndef KUCOMMS_INTERNAL_H
#define KUCOMMS_INTERNAL_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/list.h>

#include <kucomms/kucomms_abi.h>

/*
 * One /dev/kucomms_NAME. Its lifetime is that of @dev: the cdev holds a
 * reference while the node is open, so an open file keeps the structure
 * alive after the device was removed.
 */
struct kuc_device {
	struct device dev;
	struct cdev cdev;
	struct list_head node;		/* in kuc_devices, under kuc_devices_lock */
	char name[KUCOMMS_NAME_MAX + 1];
};

extern struct class *kuc_class;
extern unsigned int kuc_max_devices;

int kuc_devices_init(void);
void kuc_devices_exit(void);
int kuc_device_create(const char *name);
int kuc_device_remove(const char *name);

int kuc_control_init(void);
void kuc_control_exit(void);

#endif /* KUCOMMS_INTERNAL_H */
