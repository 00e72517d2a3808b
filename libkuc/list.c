// SPDX-License-Identifier: MIT
/*
 * kuc_list(): the devices and the shm segments in one listing, each
 * segment described as a struct kuc_device_info of kind KUC_KIND_SHM,
 * which is what that kind is for. Every program that shows "what
 * channels are there" (kucctl list) would otherwise merge the two lists
 * itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kuc.h"

/* By name, then device before segment of the same name. */
static int kuc_list_cmp(const void *a, const void *b)
{
	const struct kuc_device_info *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (int)x->kind - (int)y->kind;
}

/* @seg as a listing entry: no device number, its file is its node. */
static void kuc_list_from_shm(const struct kuc_shm_info *seg,
			      struct kuc_device_info *d)
{
	memset(d, 0, sizeof(*d));
	d->kind = KUC_KIND_SHM;
	memcpy(d->name, seg->name, sizeof(d->name));
	memcpy(d->path, seg->path, sizeof(d->path));
	d->node_present = true;
	d->mode = seg->mode;
	d->uid = seg->uid;
	d->gid = seg->gid;
}

int kuc_list(struct kuc_device_info **out, size_t *n, unsigned int which)
{
	struct kuc_device_info *list = NULL, *all;
	struct kuc_shm_info *segs = NULL;
	size_t count = 0, m = 0, i;
	int ret;

	if (!out || !n)
		return -EINVAL;
	*out = NULL;
	*n = 0;
	if (!which || (which & ~(KUC_LIST_DEVICES | KUC_LIST_SHM)))
		return -EINVAL;
	if (which & KUC_LIST_DEVICES) {
		ret = kuc_device_list(&list, &count);
		/* Without the module no device exists: the list is complete. */
		if (ret && ret != -ENODEV)
			return ret;
	}
	if (which & KUC_LIST_SHM) {
		ret = kuc_shm_list(&segs, &m);
		if (ret) {
			kuc_device_list_free(list);
			return ret;
		}
	}
	if (m) {
		all = reallocarray(list, count + m, sizeof(*all));
		if (!all) {
			kuc_device_list_free(list);
			kuc_shm_list_free(segs);
			return -ENOMEM;
		}
		list = all;
		for (i = 0; i < m; i++)
			kuc_list_from_shm(&segs[i], &list[count + i]);
		count += m;
		kuc_shm_list_free(segs);
	}
	if (count)
		qsort(list, count, sizeof(*list), kuc_list_cmp);
	*out = list;
	*n = count;
	return 0;
}
