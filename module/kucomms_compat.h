/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one home of the differences between the kernels kucomms supports
 * (6.1 to the newest): each shim names the release that changed the API.
 * Code elsewhere uses the names defined here and tests no version.
 *
 * Not a shim, but a change to know about: 6.12 removed no_llseek. The
 * open handlers call nonseekable_open(), which refuses lseek on every
 * supported kernel, so the file_operations name no .llseek at all.
 */
#ifndef KUCOMMS_COMPAT_H
#define KUCOMMS_COMPAT_H

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/version.h>

/* 6.3 made vma->vm_flags read-only and added the setters. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/* 6.2 made the device of struct class's devnode() callback const. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define KUCM_DEVNODE_CONST const
#else
#define KUCM_DEVNODE_CONST
#endif

/* 6.4 dropped class_create()'s owner argument. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define kucm_class_create(name) class_create(name)
#else
#define kucm_class_create(name) class_create(THIS_MODULE, name)
#endif

/*
 * 6.10 dropped __assign_str()'s source argument: the string given to
 * __string() is copied. Used by kucomms_trace.h.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define kucm_assign_str(dst, src) __assign_str(dst)
#else
#define kucm_assign_str(dst, src) __assign_str(dst, src)
#endif

#endif /* KUCOMMS_COMPAT_H */
