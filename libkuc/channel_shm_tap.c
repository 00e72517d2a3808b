// SPDX-License-Identifier: MIT
/*
 * The tap's sending side of a shm channel (kuc_shm_tap_put(), the
 * protocol in kucomms_shm.h, its records built by kucomms_tap_rec.h as
 * the kernel's tap builds them); its reading side is tap_shm.c.
 */
#include <limits.h>
#include <time.h>

#include <kucomms/kucomms_tap_rec.h>

#include "channel_shm.h"
#include "shm_segment.h"

void kuc_shm_tap_setup(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;
	struct kuc_shm_map *m = s->map;
	int prod = s->server ? KUCOMMS_SHM_TAP_S2C_PROD :
			       KUCOMMS_SHM_TAP_C2S_PROD;

	s->tap_hdr = (struct kucomms_shm_tap_hdr *)m->tap_pages;
	s->tap.prod = (struct kucomms_shm_tap_prod *)
		      (m->tap_pages + (size_t)prod * KUCOMMS_PAGE_SIZE);
	s->tap.dir = s->server ? KUCOMMS_TAP_K2U : KUCOMMS_TAP_U2K;
	ch->tap_gen = &s->tap_hdr->gen;
	/* Not the tap's, but set up here for the same reason: shm only. */
	ch->seg_st = (struct kucomms_shm_stats *)
		     (m->pages + (s->server ? KUCOMMS_SHM_STATS_SERVER :
					      KUCOMMS_SHM_STATS_CLIENT));
	/* Counted on from what earlier holders of our role left. */
	ch->seg_msgs0 = __atomic_load_n(&ch->seg_st->msgs, __ATOMIC_RELAXED) -
			kuc_counter(&ch->tx_st.msgs);
	ch->seg_bytes0 = __atomic_load_n(&ch->seg_st->bytes,
					 __ATOMIC_RELAXED) -
			 kuc_counter(&ch->tx_st.bytes);
}

/*
 * Join the reader's session @gen: from position 0, or after the sender
 * of our role that joined it before us (the client of an earlier
 * connection, the server we replaced), if its position is plausible.
 * Everything read here was written by others and is only bounded.
 */
static void kuc_shm_tap_join(struct kuc_shm *s, uint32_t gen)
{
	struct kuc_shm_tap_tx *t = &s->tap;
	struct kucomms_shm_tap_prod *p = t->prod;
	struct kucomms_ring_cons *c = (void *)((unsigned char *)p +
					       KUCOMMS_PAGE_SIZE);
	uint64_t pos = 0, cons, snap;

	t->captured = 0;
	t->dropped = 0;
	if (kuc_ld(&p->gen) == gen) {
		pos = kuc_read_once(p->ring.pos);
		cons = kuc_load_acquire(&c->pos);
		if (pos - cons > KUCOMMS_SHM_TAP_RING ||
		    (pos & (KUCOMMS_RECORD_ALIGN - 1)))
			pos = cons & ~(uint64_t)(KUCOMMS_RECORD_ALIGN - 1);
		t->captured = kuc_read_once(p->captured);
		t->dropped = kuc_read_once(p->dropped);
	}
	kucomms_ring_init(&t->ring, &p->ring, c, s->map->tap_data,
			  KUCOMMS_SHM_TAP_RING, pos);
	snap = kuc_read_once(s->tap_hdr->snaplen);
	if (!snap || snap > t->ring.msg_max - KUCOMMS_TAP_REC_SIZE)
		snap = t->ring.msg_max - KUCOMMS_TAP_REC_SIZE;
	t->snaplen = (uint32_t)snap;
	kuc_write_once(p->captured, t->captured);
	kuc_write_once(p->dropped, t->dropped);
	kuc_store_release(&p->ring.pos, pos);
	kuc_st(&p->gen, gen);
	t->gen = gen;
}

void kuc_shm_tap_put(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		     const void *data)
{
	struct kuc_shm *s = ch->shm;
	struct kuc_shm_tap_tx *t = &s->tap;
	struct kucomms_msg_hdr *slot;
	struct timespec ts;
	uint32_t gen = kuc_ld(&s->tap_hdr->gen), caplen;
	uint64_t ts_ns;
	int err;

	if (!gen || gen == __atomic_load_n(&s->tap_dead, __ATOMIC_RELAXED))
		return;
	if (gen != t->gen)
		kuc_shm_tap_join(s, gen);
	slot = kucomms_tap_rec_reserve(&t->ring, hdr->length, t->snaplen,
				       &caplen, &err);
	if (!slot) {
		/* Full, or a consumer position that makes no sense. */
		kuc_write_once(t->prod->dropped, ++t->dropped);
		return;
	}
	/* The clock only for a record that has room. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts_ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	kucomms_tap_rec_fill(slot, caplen, ts_ns, t->dir, ch->ops->conn_id(ch),
			     hdr, data);
	kucomms_ring_commit(&t->ring);
	kuc_write_once(t->prod->captured, ++t->captured);
	if (kucomms_ring_need_wakeup(&t->ring))
		kuc_futex_wake(kuc_pos_word(&t->prod->ring.pos), INT_MAX);
}

void kuc_shm_tap_probe(struct kuc_shm *s)
{
	uint32_t gen;

	if (!s->tap_hdr)
		return;
	gen = kuc_ld(&s->tap_hdr->gen);
	if (gen && gen != __atomic_load_n(&s->tap_dead, __ATOMIC_RELAXED) &&
	    !kuc_shm_locked(s->fd, KUCOMMS_SHM_LOCK_TAP))
		__atomic_store_n(&s->tap_dead, gen, __ATOMIC_RELAXED);
}
