/* SPDX-License-Identifier: MIT */
/*
 * The channel handle behind struct kuc_channel (kuc.h). Private to libkuc.
 *
 * A channel is one open() of /dev/kucomms_NAME with both of its mmap()
 * regions mapped. The library is the u2k producer and the k2u consumer;
 * each side's private state is grouped below, so that one sending and one
 * receiving thread never write the same field.
 */
#ifndef KUC_CHANNEL_INTERNAL_H
#define KUC_CHANNEL_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <kucomms/kucomms_ring.h>

#include "kuc.h"

/*
 * Counters written by one side only and read by kuc_channel_stats() from
 * any thread: relaxed atomics, so that the reader sees whole values
 * without the writer paying for a locked instruction.
 */
static inline void kuc_count(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

static inline uint64_t kuc_counter(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

struct kuc_side_stats {
	uint64_t msgs, bytes, kicks, waits, full;
};

struct kuc_channel {
	int fd;
	void *ro, *rw;			/* the two mmap() regions */
	size_t ro_len, rw_len;
	const struct kucomms_info *info;	/* page 0 of @ro */

	/* Sending side: the send mutex's holder or the one unlocked sender. */
	pthread_mutex_t send_lock;
	struct kucomms_ring tx;		/* u2k, we produce */
	struct kucomms_msg_hdr *tx_slot;	/* reserved, not committed */
	uint64_t tx_slot_len;
	bool tx_unflushed;		/* published, wakeup not checked yet */
	bool tx_kicked;			/* tx_kick_prod is valid */
	uint64_t tx_kick_prod;		/* our position at our last kick */
	unsigned int tx_suppressed;	/* kicks left out since then */
	struct kuc_side_stats tx_st;

	/* Receiving side: kuc_recv()/kuc_peek() or the endpoint thread. */
	struct kucomms_ring rx;		/* k2u, we consume */
	uint64_t rx_peeked;		/* record size of the peeked message */
	uint64_t rx_peeked_len;
	uint64_t rx_full_seen;		/* kernel's k2u full count we acted on */
	struct kuc_side_stats rx_st;

	/* The endpoint thread (kuc_endpoint_start()). */
	pthread_mutex_t ep_lock;	/* start and stop */
	pthread_t ep_thread;
	int ep_running;			/* atomic: kuc_recv() checks it */
	int ep_stop;			/* atomic: asked to stop */
	int ep_stop_fd;			/* eventfd that wakes it for the stop */
	struct kuc_handlers ep_handlers;
	void *ep_ctx;
};

#endif /* KUC_CHANNEL_INTERNAL_H */
