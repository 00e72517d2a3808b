// SPDX-License-Identifier: MIT
/*
 * Mapping a shm segment or a pair's memfd (channel_shm.h): its header
 * and position pages, the two rings mirrored, and for a segment its tap
 * pages and our tap ring, watched for SIGBUS; then the ring views a side
 * drives, over its freshly zeroed positions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "channel_shm.h"
#include "mirror.h"
#include "sigbus_guard.h"

void kuc_shm_unmap(struct kuc_shm_map *m)
{
	int i;

	if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (i = 0; i < 5; i++)
		kuc_guard_remove(m->guard[i]);
	if (m->pages)
		munmap(m->pages, KUCOMMS_SHM_HDR_PAGES * KUCOMMS_PAGE_SIZE);
	if (m->tap_pages)
		munmap(m->tap_pages, KUCOMMS_SHM_TAP_PAGES * KUCOMMS_PAGE_SIZE);
	kuc_mirror_unmap(m->c2s, m->ring_size);
	kuc_mirror_unmap(m->s2c, m->ring_size);
	kuc_mirror_unmap(m->tap_data, KUCOMMS_SHM_TAP_RING);
	free(m);
}

/* Map the tap pages and the tap ring the side @s2c (0, 1) produces into. */
static int kuc_shm_map_tap(struct kuc_shm_map *m, int fd, int s2c)
{
	void *p;

	p = mmap(NULL, KUCOMMS_SHM_TAP_PAGES * KUCOMMS_PAGE_SIZE,
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)kucomms_shm_tap_area(m->ring_size));
	if (p == MAP_FAILED)
		return -errno;
	m->tap_pages = p;
	m->tap_data = kuc_mirror_map(KUCOMMS_SHM_TAP_RING, fd,
				     (off_t)kucomms_shm_tap_data(m->ring_size,
								 s2c),
				     PROT_READ | PROT_WRITE);
	return m->tap_data ? 0 : -errno;
}

/* Watch the five mappings of a segment that a peer may truncate. */
static int kuc_shm_guard(struct kuc_shm_map *m)
{
	struct { void *addr; size_t len; } r[5] = {
		{ m->pages, KUCOMMS_SHM_HDR_PAGES * KUCOMMS_PAGE_SIZE },
		{ m->c2s, 2 * m->ring_size },
		{ m->s2c, 2 * m->ring_size },
		{ m->tap_pages, KUCOMMS_SHM_TAP_PAGES * KUCOMMS_PAGE_SIZE },
		{ m->tap_data, 2 * KUCOMMS_SHM_TAP_RING },
	};
	int i;

	for (i = 0; i < 5; i++) {
		m->guard[i] = kuc_guard_add(r[i].addr, r[i].len, &m->truncated);
		if (!m->guard[i])
			return -errno;
	}
	return 0;
}

int kuc_shm_map(int fd, uint64_t ring_size, int tap_s2c,
		struct kuc_shm_map **out)
{
	struct kuc_shm_map *m = calloc(1, sizeof(*m));
	void *p;
	int ret;

	if (!m)
		return -ENOMEM;
	m->refs = 1;
	m->ring_size = ring_size;
	p = mmap(NULL, KUCOMMS_SHM_HDR_PAGES * KUCOMMS_PAGE_SIZE,
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		free(m);
		return ret;
	}
	m->pages = p;
	m->c2s = kuc_mirror_map(ring_size, fd,
				(off_t)kucomms_shm_c2s_data(),
				PROT_READ | PROT_WRITE);
	m->s2c = m->c2s ? kuc_mirror_map(ring_size, fd,
					 (off_t)kucomms_shm_s2c_data(ring_size),
					 PROT_READ | PROT_WRITE) : NULL;
	ret = m->s2c ? 0 : -errno;
	if (!ret && tap_s2c >= 0)
		ret = kuc_shm_map_tap(m, fd, tap_s2c);
	if (!ret && tap_s2c >= 0)
		ret = kuc_shm_guard(m);
	if (ret) {
		kuc_shm_unmap(m);
		return ret;
	}
	*out = m;
	return 0;
}

void kuc_shm_reset_own(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;
	int a = s->server ? KUCOMMS_SHM_S2C_PROD : KUCOMMS_SHM_C2S_PROD;
	int b = s->server ? KUCOMMS_SHM_C2S_CONS : KUCOMMS_SHM_S2C_CONS;

	memset(kuc_shm_page(s, a), 0, KUCOMMS_PAGE_SIZE);
	memset(kuc_shm_page(s, b), 0, KUCOMMS_PAGE_SIZE);
	*(uint32_t *)(kuc_shm_page(s, b) + KUCOMMS_SHM_FEATURES) = s->features;
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

uint32_t kuc_shm_features(void)
{
	/* Once per process would do; registering again is harmless. */
	return kuc_membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) ?
	       0 : KUCOMMS_SHM_FEAT_MEMBARRIER;
}

void kuc_shm_agree(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;
	int b = s->server ? KUCOMMS_SHM_S2C_CONS : KUCOMMS_SHM_C2S_CONS;
	uint32_t peer = kuc_ld((uint32_t *)(kuc_shm_page(s, b) +
					    KUCOMMS_SHM_FEATURES));
	/*
	 * Both registered: the receiver's global barrier reaches the
	 * sender's threads whichever side sends. One side alone would
	 * not do: a consumer's barrier covers registered processes only.
	 */
	bool light = s->features & peer & KUCOMMS_SHM_FEAT_MEMBARRIER;

	s->membarrier = light ? MEMBARRIER_CMD_GLOBAL_EXPEDITED : 0;
	ch->tx.light_p2 = light;
}

void kuc_shm_rings(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;
	struct kuc_shm_map *m = s->map;
	uint64_t size = m->ring_size;
	struct kucomms_ring_prod *c2s_p, *s2c_p;
	struct kucomms_ring_cons *c2s_c, *s2c_c;

	c2s_p = (void *)kuc_shm_page(s, KUCOMMS_SHM_C2S_PROD);
	c2s_c = (void *)kuc_shm_page(s, KUCOMMS_SHM_C2S_CONS);
	s2c_p = (void *)kuc_shm_page(s, KUCOMMS_SHM_S2C_PROD);
	s2c_c = (void *)kuc_shm_page(s, KUCOMMS_SHM_S2C_CONS);
	if (s->server) {
		kucomms_ring_init(&ch->tx, s2c_p, s2c_c, m->s2c, size, 0);
		kucomms_ring_init(&ch->rx, c2s_p, c2s_c, m->c2s, size, 0);
	} else {
		kucomms_ring_init(&ch->tx, c2s_p, c2s_c, m->c2s, size, 0);
		kucomms_ring_init(&ch->rx, s2c_p, s2c_c, m->s2c, size, 0);
	}
	/*
	 * Each side reloads the peer's position only when its cached copy
	 * says full (empty): a hostile peer's impossible position is then
	 * refused at that load (kucomms_ring.h, "Cached peer positions").
	 */
	ch->tx.cache_peer = true;
	ch->rx.cache_peer = true;
	/*
	 * Our producer spins before it sleeps: the consumer's wakeup call
	 * is asked for only by a sleep (kucomms_ring.h, "Announcing at
	 * sleep"; kuc_shm_tx_prepare()).
	 */
	ch->tx.announce_at_sleep = true;
	ch->rx_full_seen = 0;
	ch->rx_unchecked = 0;
	ch->rx_peeked = 0;
	ch->tx_slot = NULL;
	ch->tx_unflushed = false;
	ch->tx_kicked = false;
	ch->tx_suppressed = 0;
}
