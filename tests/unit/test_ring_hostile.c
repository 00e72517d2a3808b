// SPDX-License-Identifier: MIT
/*
 * The ring of kucomms_ring.h against a hostile peer: every impossible
 * value a producer or a consumer can put into shared memory must be
 * refused (-EPROTO, nothing moved, the good state working again), with
 * and without cached peer positions, at positions near the wrap of the
 * 64-bit space; then random positions and lengths (fuzz), all accesses
 * in bounds. test_ring.c covers well-formed use, ring_harness.h describes
 * the set-up.
 */
#include "ring_harness.h"

/* ---- hostile producer: what the consumer must refuse ---------------------- */

/*
 * With one good 40-byte message (a 72-byte record) at @base, corrupt one
 * thing at a time: -EPROTO each time, then the good state must work again.
 */
static void test_hostile_consumer(__u64 base)
{
	static const __u64 bad_len_tail[] = {
		/* 2^64 - k: a naive len + 32 or len + 7 wraps to a small number */
		1, 2, 7, 8, 9, 24, 25, 31, 32, 33, 39, 40, 41, 64, 72, 4096,
	};
	__u64 size = SIZE_MIN, good = base + 72, bad_lens[64], v;
	struct kucomms_msg_hdr *slot;
	size_t nb = 0, i;
	struct tr t;
	int ok;

	tr_open(&t, size, base);
	put(&t, 40, 9);
	slot = (struct kucomms_msg_hdr *)kucomms_ring_at(&t.c, base);

	for (i = 0; i < ARRAY_SIZE(bad_len_tail); i++)
		bad_lens[nb++] = 0 - bad_len_tail[i];
	bad_lens[nb++] = t.msg_max + 1;
	bad_lens[nb++] = t.msg_max + 8;
	bad_lens[nb++] = size;
	bad_lens[nb++] = 1ULL << 32;
	bad_lens[nb++] = 1ULL << 63;
	bad_lens[nb++] = (1ULL << 63) - 1;
	bad_lens[nb++] = (1ULL << 63) + 1;
	bad_lens[nb++] = 0 - size - 32;

	/* Lengths no ring could hold, with a whole ring published. */
	ok = 1;
	t.prod->pos = base + size;
	for (i = 0; i < nb; i++) {
		slot->length = bad_lens[i];
		ok &= peek_fails(&t, -EPROTO);
	}
	slot->length = 40;
	TAP_OK(ok && peek_is(&t, 40, 9),
	       "base %#llx: %zu impossible lengths (> msg_max, 2^64-k...) -EPROTO",
	       (ull)base, nb);

	/* Lengths whose record runs past the 72 bytes published. */
	ok = 1;
	t.prod->pos = good;
	for (v = 41; v <= 200; v++) {
		slot->length = v;
		ok &= peek_fails(&t, -EPROTO);
	}
	slot->length = 40;
	TAP_OK(ok, "base %#llx: record longer than the bytes published -EPROTO",
	       (ull)base);
	/* 33..40 round up to the same 72-byte record: those are fine. */
	ok = 1;
	for (v = 33; v <= 40; v++) {
		struct kucomms_msg_hdr h;
		const void *d;

		slot->length = v;
		ok &= kucomms_ring_peek(&t.c, &h, &d) == 72 && h.length == v;
	}
	slot->length = 40;
	TAP_OK(ok, "base %#llx: lengths 33..40 use exactly the 72 bytes published",
	       (ull)base);

	/* Less than a header published. */
	ok = 1;
	for (v = 8; v < KUCOMMS_HDR_SIZE; v += 8) {
		t.prod->pos = base + v;
		ok &= peek_fails(&t, -EPROTO);
	}
	TAP_OK(ok, "base %#llx: 8, 16, 24 bytes published (< a header) -EPROTO",
	       (ull)base);

	/* Misaligned, backwards, more than a ring ahead. */
	{
		const __u64 bad_pos[] = {
			base + 1, base + 4, base + 7, base + 33, good - 1,
			good + 1, base + size - 1, base + size + 1,
			base - 8, base - 32, base - size, base - size - 8,
			base - (1ULL << 63), base + size + 8,
			base + 2 * size, base + (1ULL << 63),
			base + (1ULL << 63) - 8, base - 1, U64_MAX - 7 + base,
		};
		int n = 0, bad = 0;

		for (i = 0; i < ARRAY_SIZE(bad_pos); i++) {
			t.prod->pos = bad_pos[i];
			n++;
			if (!peek_fails(&t, -EPROTO) ||
			    kucomms_ring_avail(&t.c) != -EPROTO) {
				printf("#   producer position %#llx accepted\n",
				       (ull)bad_pos[i]);
				bad++;
			}
		}
		TAP_OK(!bad, "base %#llx: %d producer positions misaligned, behind, > a ring ahead: -EPROTO",
		       (ull)base, n);
	}

	/* Corrected, the ring carries on as if nothing happened. */
	t.prod->pos = good;
	ok = get(&t, 40, 9) && !put(&t, 3000, 10) && get(&t, 3000, 10) &&
	     !put(&t, 0, 11) && get(&t, 0, 11) && peek_fails(&t, -EAGAIN);
	TAP_OK(ok, "base %#llx: after the corrections the ring works on",
	       (ull)base);
	tr_close(&t);
}

/* ---- hostile consumer: what the producer must refuse ---------------------- */

static void test_hostile_producer(__u64 base)
{
	__u64 size = SIZE_MIN, ppos, full;
	static unsigned char snap[1 << KUCOMMS_RING_ORDER_MIN];
	struct kucomms_msg_hdr *slot, h = hdr_of(8, 1);
	struct tr t;
	size_t i;
	int err, bad = 0, n = 0;

	tr_open(&t, size, base);
	put(&t, 40, 1);
	ppos = t.p.pos;
	full = t.prod->full;
	memcpy(snap, t.data, size);
	{
		const __u64 bad_cons[] = {
			ppos + 8, ppos + 72, ppos + size, ppos + (1ULL << 63),
			ppos - size - 8, ppos - 2 * size, ppos - (1ULL << 63),
			base + 1, base + 4, ppos - 1, ppos + 1, ppos - size + 4,
			U64_MAX,
		};

		for (i = 0; i < ARRAY_SIZE(bad_cons); i++) {
			t.cons->pos = bad_cons[i];
			n++;
			slot = kucomms_ring_reserve(&t.p, 8, &err);
			if (kucomms_ring_space(&t.p) != -EPROTO || slot ||
			    err != -EPROTO ||
			    kucomms_ring_produce(&t.p, &h, pat) != -EPROTO) {
				printf("#   consumer position %#llx accepted\n",
				       (ull)bad_cons[i]);
				bad++;
			}
		}
	}
	TAP_OK(!bad && t.prod->full == full && t.p.pos == ppos &&
	       t.prod->pos == ppos && t.p.pending == 0 &&
	       !memcmp(snap, t.data, size),
	       "base %#llx: %d consumer positions ahead, > a ring behind, misaligned: -EPROTO, nothing written",
	       (ull)base, n);

	/* Exactly a ring behind is a full ring, not an error. */
	t.cons->pos = ppos - size;
	TAP_OK(kucomms_ring_space(&t.p) == 0 && put(&t, 0, 2) == -EAGAIN,
	       "base %#llx: consumer exactly a ring behind: full, -EAGAIN",
	       (ull)base);
	t.cons->pos = base;
	TAP_OK(!put(&t, 8, 3) && get(&t, 40, 1) && get(&t, 8, 3),
	       "base %#llx: after the correction the ring works on",
	       (ull)base);
	tr_close(&t);
}

/* ---- cached peer positions ---------------------------------------------- */

/*
 * With cache_peer, a peer's position is loaded only when the cached one
 * says empty (full), and every load is still bounded: an impossible
 * position is used for nothing and refused at the load that sees it.
 */
static void test_cached(__u64 base)
{
	__u64 size = SIZE_MIN, ppos, full;
	int ok, ret;
	__u64 id, n;
	struct tr t;

	tr_cache = true;
	/* Consumer: what was published before the corruption is read. */
	tr_open(&t, size, base);
	ok = !put(&t, 40, 1) && !put(&t, 8, 2) && !put(&t, 0, 3);
	ok &= get(&t, 40, 1);
	ppos = t.prod->pos;
	t.prod->pos = base + 4;
	ok &= get(&t, 8, 2) && get(&t, 0, 3);
	TAP_OK(ok, "base %#llx: cached: records below the cached producer position are read without a load",
	       (ull)base);
	TAP_OK(peek_fails(&t, -EPROTO),
	       "base %#llx: cached: the misaligned producer position is refused at the load",
	       (ull)base);
	t.prod->pos = ppos + 8;
	TAP_OK(peek_fails(&t, -EPROTO),
	       "base %#llx: cached: a producer position with less than a header published is refused",
	       (ull)base);
	t.prod->pos = ppos;
	TAP_OK(!put(&t, 16, 4) && get(&t, 16, 4) && peek_fails(&t, -EAGAIN),
	       "base %#llx: cached: corrected, the ring works on", (ull)base);
	tr_close(&t);

	/* Producer: space the cache allows is used, the next load refuses. */
	tr_open(&t, size, base);
	ok = !put(&t, 40, 1);
	t.cons->pos = base + 4;		/* misaligned */
	full = t.prod->full;
	n = 1;
	for (id = 2; !(ret = put(&t, 8, id)); id++)
		n++;
	TAP_OK(ok && ret == -EPROTO && t.prod->full == full &&
	       t.p.pos - base <= size && t.p.pending == 0 &&
	       t.prod->pos == t.p.pos,
	       "base %#llx: cached: %llu records fill the cached space, then the misaligned consumer position is refused at the load: -EPROTO, not -EAGAIN",
	       (ull)base, (ull)n);
	t.cons->pos = base;
	ok = get(&t, 40, 1);
	for (id = 2; id <= n; id++)
		ok &= get(&t, 8, id);
	TAP_OK(ok && peek_fails(&t, -EAGAIN) && !put(&t, 24, 99) &&
	       get(&t, 24, 99),
	       "base %#llx: cached: corrected, every record is read in order and the ring works on",
	       (ull)base);

	/* Exactly a ring behind, loaded: a full ring (-EAGAIN, counted). */
	while (!put(&t, 8, 7))
		;
	full = t.prod->full;
	TAP_OK(put(&t, 8, 7) == -EAGAIN && t.prod->full == full + 1,
	       "base %#llx: cached: a full ring is -EAGAIN after a load, the full counter moves",
	       (ull)base);
	tr_close(&t);
	tr_cache = false;
}

/* ---- fuzz ------------------------------------------------------------------ */

static volatile unsigned char sink;

/* A 64-bit value near @ref, or anywhere. */
static __u64 fuzz_pos(__u64 *s, __u64 ref, __u64 size)
{
	__u64 r = rnd_next(s);

	switch (r % 8) {
	case 0:
		return rnd_next(s);
	case 1:	/* anywhere within a ring and a bit, maybe misaligned */
		return ref + (r >> 8) % (size + 64);
	case 2:	/* aligned, within a ring and one record */
	case 3:
		return ref + ((r >> 8) % (size / 8 + 2)) * 8;
	case 4:	/* a little behind */
		return ref - (r >> 8) % 64;
	case 5:	/* half the number space away */
		return ref + (1ULL << 63) + (r >> 8) % 64 - 32;
	default:
		return ref;
	}
}

static __u64 fuzz_len(__u64 *s, __u64 msg_max)
{
	__u64 r = rnd_next(s);

	switch (r % 6) {
	case 0:
		return rnd_next(s);
	case 1:	/* around 2^64, where naive sums wrap */
		return 0 - (r >> 8) % 128;
	case 2:	/* around msg_max */
		return msg_max + (r >> 8) % 32 - 16;
	default:
		return (r >> 8) % (msg_max + 1);
	}
}

static void test_fuzz(__u64 size, unsigned long iters)
{
	__u64 s = 0x6b75636f6d6d7321ULL ^ size, bad = 0;
	__u64 accepted = 0, rejected = 0, empty = 0, reserved = 0;
	unsigned char *end;
	struct tr t;
	unsigned long i;

	tr_open(&t, size, 0);
	end = t.data + 2 * size;
	for (i = 0; i < iters; i++) {
		struct kucomms_msg_hdr h, *slot;
		const void *data = NULL;
		__u64 r = rnd_next(&s), prod, len, k;
		long long ret, sp;
		int err;

		/* Our own positions are trusted, but may be anywhere. */
		if (r % 512 == 0) {
			t.c.pos = rnd_next(&s) & ~7ULL;
			t.p.pos = t.c.pos + (rnd_next(&s) % (size / 8 + 1)) * 8;
		}
		prod = fuzz_pos(&s, t.c.pos, size);
		t.prod->pos = prod;
		t.cons->pos = fuzz_pos(&s, t.p.pos, size);
		if (r % 3)
			((struct kucomms_msg_hdr *)kucomms_ring_at(&t.c, t.c.pos))
				->length = fuzz_len(&s, t.msg_max);
		if (r % 7 == 0)	/* garbage anywhere in the data */
			for (k = 0; k < 16; k++)
				t.data[rnd_next(&s) % size] =
					(unsigned char)rnd_next(&s);
		if (r % 11 == 0)
			t.cons->flags = (__u32)rnd_next(&s);

		ret = kucomms_ring_peek(&t.c, &h, &data);
		if (ret > 0) {
			const unsigned char *d = data;

			accepted++;
			if (h.length > t.msg_max ||
			    ret != (long long)kucomms_record_size(h.length) ||
			    (__u64)ret > prod - t.c.pos ||
			    d != kucomms_ring_at(&t.c, t.c.pos) +
				 KUCOMMS_HDR_SIZE ||
			    d - KUCOMMS_HDR_SIZE < t.data ||
			    !in_mirror(&t, d, h.length))
				bad++;
			else	/* touch it all: a stray byte faults */
				for (k = 0; k < h.length; k++)
					sink ^= d[k];
			if (r & 64)
				kucomms_ring_release(&t.c, (__u64)ret);
		} else if (ret == -EAGAIN) {
			empty++;
			bad += prod != t.c.pos;
		} else {
			rejected++;
			bad += ret != -EPROTO;
		}

		sp = kucomms_ring_space(&t.p);
		bad += sp != -EPROTO &&
		       (sp < 0 || sp > (long long)size || sp % 8);
		len = fuzz_len(&s, t.msg_max);
		slot = kucomms_ring_reserve(&t.p, len, &err);
		if (slot) {
			reserved++;
			if ((unsigned char *)slot < t.data ||
			    (unsigned char *)slot >= t.data + size ||
			    kucomms_record_size(len) >
			    (__u64)(end - (unsigned char *)slot) ||
			    len > t.msg_max || err)
				bad++;
			else
				memset(slot, 0xa5, kucomms_record_size(len));
			if (r & 128)
				kucomms_ring_commit(&t.p);
		} else {
			bad += err != -EPROTO && err != -EAGAIN &&
			       err != -EMSGSIZE;
			bad += (err == -EMSGSIZE) != (len > t.msg_max);
		}

		ret = kucomms_ring_prepare_sleep(&t.c);
		bad += ret != -EPROTO && (ret < 0 || ret > (long long)size);
		bad += !ret != !!(t.cons->flags & KUCOMMS_RING_NEED_WAKEUP);
		kucomms_ring_need_wakeup(&t.p);
		kucomms_ring_awake(&t.c);
	}
	TAP_OK(!bad && accepted > iters / 100 && rejected > iters / 100 &&
	       reserved > iters / 100,
	       "fuzz ring %llu, %lu rounds: %llu accepted, %llu -EPROTO, %llu empty, %llu reserved; all in bounds",
	       (ull)size, iters, (ull)accepted, (ull)rejected, (ull)empty,
	       (ull)reserved);
	tr_close(&t);
}

int main(void)
{
	const __u64 bases[] = {
		0, 3 * SIZE_MIN - 24, 5 * SIZE_MIN - 8,
		0 - 3 * SIZE_MIN, 0 - 32, 0 - 72, 0 - 8,
	};
	size_t i;

	pat_fill();
	for (i = 0; i < ARRAY_SIZE(bases); i++) {
		test_hostile_consumer(bases[i]);
		test_hostile_producer(bases[i]);
		test_cached(bases[i]);
	}
	test_fuzz(SIZE_MIN, 100000);
	test_fuzz(8192, 20000);
	return tap_done();
}
