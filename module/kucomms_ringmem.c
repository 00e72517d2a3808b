// SPDX-License-Identifier: GPL-2.0
/*
 * Ring memory: the pages of one ring's data area, allocated page by page,
 * mapped twice back to back in the kernel (vmap) and, for a connection, in
 * the process (mmap), so that every record, even one that wraps, is
 * contiguous on both sides. Connections and the monitor tap use it.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kucomms_ringmem.h"

/*
 * The pages are charged to the memory cgroup of the task that allocates
 * them (__GFP_ACCOUNT): the process that opened the connection or the
 * monitor, as for a pipe's buffers.
 */
int kucm_ringmem_alloc(struct kucm_ringmem *m, unsigned int npages)
{
	struct page **twice;
	unsigned int i;

	m->pages = kcalloc(npages, sizeof(*m->pages), GFP_KERNEL_ACCOUNT);
	if (!m->pages)
		return -ENOMEM;
	m->npages = npages;
	for (i = 0; i < npages; i++) {
		m->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!m->pages[i])
			return -ENOMEM;
	}
	/* The same pages twice in a row: every record is contiguous. */
	twice = kmalloc_array(2 * npages, sizeof(*twice), GFP_KERNEL);
	if (!twice)
		return -ENOMEM;
	for (i = 0; i < 2 * npages; i++)
		twice[i] = m->pages[i % npages];
	m->mirror = vmap(twice, 2 * npages, VM_MAP, PAGE_KERNEL);
	kfree(twice);
	return m->mirror ? 0 : -ENOMEM;
}

void kucm_ringmem_free(struct kucm_ringmem *m)
{
	unsigned int i;

	if (m->mirror)
		vunmap(m->mirror);
	if (m->pages)
		for (i = 0; i < m->npages; i++)
			if (m->pages[i])
				__free_page(m->pages[i]);
	kfree(m->pages);
}

/*
 * Insert the pages twice in a row into @vma from @addr, which must leave
 * room for 2 * @m->npages pages, as the kernel's mirror has them.
 */
int kucm_ringmem_insert(struct kucm_ringmem *m, struct vm_area_struct *vma,
			unsigned long addr)
{
	unsigned int i;
	int ret;

	for (i = 0; i < 2 * m->npages; i++, addr += PAGE_SIZE) {
		ret = vm_insert_page(vma, addr, m->pages[i % m->npages]);
		if (ret)
			return ret;
	}
	return 0;
}
