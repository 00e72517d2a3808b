// SPDX-License-Identifier: MIT
/*
 * A peer of a shm channel can shrink the segment file under our mappings
 * with ftruncate(2); our next access to a page beyond the new end raises
 * SIGBUS, which would kill a process that did nothing wrong. A file from
 * shm_open() cannot be sealed against that (F_SEAL_SHRINK needs a memfd),
 * so libkuc catches that SIGBUS itself, as libwayland does for the shared
 * buffers of its clients:
 *   - every mapping of a segment is registered here (kuc_guard_add());
 *   - a SIGBUS at an address inside one replaces that whole mapping with
 *     private zero pages (mmap MAP_FIXED, anonymous), marks its owner
 *     and returns: the faulting access is retried and sees zeros, which
 *     the ring code bounds like any other impossible value, and the
 *     channel reports the damage (EPROTO) at its next state check;
 *   - every other SIGBUS goes to the handler that was there before ours,
 *     or gets the default action: such a process dies as it would have.
 *
 * The handler runs at any moment, on any thread, so it reads the list of
 * registrations without a lock: nodes are only ever added at the head and
 * never freed (a removed node is reused), and each node's range is read
 * under a sequence count that the writers (serialised by a mutex) make
 * odd while they change it.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "sigbus_guard.h"

struct kuc_guard {
	struct kuc_guard *next;		/* set once, before publication */
	unsigned int seq;		/* odd while being changed */
	uintptr_t start, end;		/* [start, end); 0, 0 when free */
	int *hit;
};

static struct kuc_guard *kuc_guards;	/* the list head */
static pthread_mutex_t kuc_guard_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction kuc_guard_prev;
static pthread_once_t kuc_guard_once = PTHREAD_ONCE_INIT;
static int kuc_guard_err;

/* Bounded: a node whose writer never finishes is not ours to wait for. */
#define KUC_GUARD_SEQ_TRIES	1000

static void kuc_guard_set(struct kuc_guard *g, uintptr_t start, uintptr_t end,
			  int *hit)
{
	__atomic_store_n(&g->seq, g->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&g->start, start, __ATOMIC_RELAXED);
	__atomic_store_n(&g->end, end, __ATOMIC_RELAXED);
	__atomic_store_n(&g->hit, hit, __ATOMIC_RELAXED);
	__atomic_store_n(&g->seq, g->seq + 1, __ATOMIC_RELEASE);
}

/* A consistent copy of @g's range, or false when it cannot be had. */
static bool kuc_guard_read(const struct kuc_guard *g, uintptr_t *start,
			   uintptr_t *end, int **hit)
{
	unsigned int s1, s2, tries;

	for (tries = 0; tries < KUC_GUARD_SEQ_TRIES; tries++) {
		s1 = __atomic_load_n(&g->seq, __ATOMIC_ACQUIRE);
		*start = __atomic_load_n(&g->start, __ATOMIC_RELAXED);
		*end = __atomic_load_n(&g->end, __ATOMIC_RELAXED);
		*hit = __atomic_load_n(&g->hit, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&g->seq, __ATOMIC_RELAXED);
		if (s1 == s2 && !(s1 & 1))
			return true;
	}
	return false;
}

/* Replace the registered mapping that holds @addr: true when there was one. */
static bool kuc_guard_fix(uintptr_t addr)
{
	struct kuc_guard *g = __atomic_load_n(&kuc_guards, __ATOMIC_ACQUIRE);
	uintptr_t start, end;
	int *hit;

	for (; g; g = g->next) {
		if (!kuc_guard_read(g, &start, &end, &hit) || addr < start ||
		    addr >= end)
			continue;
		if (mmap((void *)start, end - start, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			 0) == MAP_FAILED)
			return false;
		__atomic_store_n(hit, 1, __ATOMIC_RELEASE);
		return true;
	}
	return false;
}

static void kuc_guard_handler(int sig, siginfo_t *info, void *uctx)
{
	int err = errno;

	if (info && info->si_code == BUS_ADRERR &&
	    kuc_guard_fix((uintptr_t)info->si_addr)) {
		errno = err;
		return;
	}
	errno = err;
	if (kuc_guard_prev.sa_flags & SA_SIGINFO) {
		kuc_guard_prev.sa_sigaction(sig, info, uctx);
		return;
	}
	if (kuc_guard_prev.sa_handler != SIG_DFL &&
	    kuc_guard_prev.sa_handler != SIG_IGN) {
		kuc_guard_prev.sa_handler(sig);
		return;
	}
	/*
	 * Not ours, and nobody else's: the default action. A fault repeats
	 * when we return and then kills the process as it would have; a
	 * SIGBUS sent by kill() is raised again (it is blocked until we
	 * return). SIG_IGN is no different: the kernel does not let a
	 * process ignore a fault.
	 */
	signal(SIGBUS, SIG_DFL);
	if (!info || info->si_code <= 0)
		raise(SIGBUS);
}

static void kuc_guard_install(void)
{
	struct sigaction sa = { .sa_sigaction = kuc_guard_handler,
				.sa_flags = SA_SIGINFO | SA_ONSTACK |
					    SA_RESTART };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &kuc_guard_prev))
		kuc_guard_err = errno;
}

struct kuc_guard *kuc_guard_add(void *addr, size_t len, int *hit)
{
	struct kuc_guard *g;
	uintptr_t start, end;
	bool fresh = false;
	int *h;

	pthread_once(&kuc_guard_once, kuc_guard_install);
	if (kuc_guard_err) {
		errno = kuc_guard_err;
		return NULL;
	}
	pthread_mutex_lock(&kuc_guard_lock);
	for (g = kuc_guards; g; g = g->next)
		if (kuc_guard_read(g, &start, &end, &h) && !end)
			break;
	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g) {
			pthread_mutex_unlock(&kuc_guard_lock);
			errno = ENOMEM;
			return NULL;
		}
		g->next = kuc_guards;
		fresh = true;
	}
	kuc_guard_set(g, (uintptr_t)addr, (uintptr_t)addr + len, hit);
	if (fresh)
		__atomic_store_n(&kuc_guards, g, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&kuc_guard_lock);
	return g;
}

void kuc_guard_remove(struct kuc_guard *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&kuc_guard_lock);
	kuc_guard_set(g, 0, 0, NULL);
	pthread_mutex_unlock(&kuc_guard_lock);
}
