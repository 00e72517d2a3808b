/* SPDX-License-Identifier: MIT */
/*
 * Surviving a peer that shrinks a shared-memory segment (sigbus_guard.c).
 * Private to libkuc.
 */
#ifndef KUC_SIGBUS_GUARD_H
#define KUC_SIGBUS_GUARD_H

#include <stddef.h>

#ifndef KUC_PRIVATE
#define KUC_PRIVATE __attribute__((visibility("hidden")))
#endif

struct kuc_guard;

/*
 * Watch the mapping [@addr, @addr + @len) of a file that someone else may
 * truncate. A SIGBUS inside it replaces the whole range with private zero
 * pages and sets *@hit to 1; the faulting access then goes on. @hit must
 * stay valid until kuc_guard_remove(). Installs the SIGBUS handler on first
 * use. Returns the registration, or NULL with errno set (ENOMEM, or the
 * handler could not be installed).
 */
KUC_PRIVATE struct kuc_guard *kuc_guard_add(void *addr, size_t len, int *hit);

/* Stop watching (before the range is unmapped). NULL is ignored. */
KUC_PRIVATE void kuc_guard_remove(struct kuc_guard *g);

#endif /* KUC_SIGBUS_GUARD_H */
