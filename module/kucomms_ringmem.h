/* SPDX-License-Identifier: GPL-2.0 */
/* Ring memory (kucomms_ringmem.c): one ring's pages, mapped twice. */
#ifndef KUCOMMS_RINGMEM_H
#define KUCOMMS_RINGMEM_H

struct page;
struct vm_area_struct;

/* One ring's memory: @npages pages, mapped twice in a row at @mirror. */
struct kucm_ringmem {
	struct page **pages;
	unsigned int npages;
	void *mirror;
};

int kucm_ringmem_alloc(struct kucm_ringmem *m, unsigned int npages);
void kucm_ringmem_free(struct kucm_ringmem *m);
int kucm_ringmem_insert(struct kucm_ringmem *m, struct vm_area_struct *vma,
			unsigned long addr);

#endif /* KUCOMMS_RINGMEM_H */
