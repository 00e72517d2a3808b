// SPDX-License-Identifier: MIT
/*
 * The ring of kucomms_ring.h, single-threaded, in well-formed use: round
 * trips, records straddling the end of the data area, full and empty,
 * the limits of the message size, the wrap of the 64-bit positions, the
 * wakeup handshake; then the streams again with both views caching the
 * peer's position. test_ring_hostile.c covers every impossible value a
 * hostile peer can put into shared memory, tests/tsan/test_ring_spsc.c
 * the two-thread side, ring_harness.h describes the set-up.
 */
#include "ring_harness.h"

static void test_empty(void)
{
	struct tr t;

	tr_open(&t, SIZE_MIN, 0);
	TAP_OK(peek_fails(&t, -EAGAIN), "empty ring: peek -EAGAIN");
	TAP_OK(kucomms_ring_avail(&t.c) == 0, "empty ring: avail 0");
	TAP_OK(kucomms_ring_space(&t.p) == (long long)SIZE_MIN,
	       "empty ring: space is the whole ring");
	TAP_OK(!put(&t, 5, 1) && get(&t, 5, 1) && peek_fails(&t, -EAGAIN),
	       "empty again after one message: peek -EAGAIN");
	tr_close(&t);
}

static void test_zero_length(void)
{
	struct kucomms_msg_hdr h;
	const void *data = NULL;
	long long rec;
	struct tr t;
	int i, ok = 1;

	tr_open(&t, SIZE_MIN, 0);
	TAP_OK(!put(&t, 0, 42) && t.prod->pos == KUCOMMS_HDR_SIZE,
	       "zero-length message: a 32-byte record is published");
	rec = kucomms_ring_peek(&t.c, &h, &data);
	TAP_OK(rec == KUCOMMS_HDR_SIZE && h.length == 0 && h.id == 42 &&
	       h.type == hdr_of(0, 42).type && h.value == ~42ULL &&
	       data == t.data + KUCOMMS_HDR_SIZE,
	       "zero-length message: header intact, data points past it");
	kucomms_ring_release(&t.c, (__u64)rec);
	/* A ring full of headers only: size / 32 of them. */
	for (i = 0; i < (int)(SIZE_MIN / KUCOMMS_HDR_SIZE); i++)
		ok &= !put(&t, 0, (__u64)i);
	ok &= put(&t, 0, 999) == -EAGAIN;
	for (i = 0; i < (int)(SIZE_MIN / KUCOMMS_HDR_SIZE); i++)
		ok &= get(&t, 0, (__u64)i);
	TAP_OK(ok && peek_fails(&t, -EAGAIN),
	       "%llu zero-length messages fill the ring exactly, in order",
	       (ull)(SIZE_MIN / KUCOMMS_HDR_SIZE));
	tr_close(&t);
}

/*
 * Every length 0..msg_max, one at a time, from @start: the records walk
 * around the ring and many straddle its end.
 */
static void test_round_trip(__u64 size, __u64 start)
{
	__u64 len, bad = 0, straddled = 0;
	struct tr t;

	tr_open(&t, size, start);
	for (len = 0; len <= t.msg_max; len++) {
		__u64 off = t.c.pos & (size - 1);

		if (put(&t, len, len)) {
			bad++;
			break;
		}
		straddled += off + kucomms_record_size(len) > size;
		if (!get(&t, len, len)) {
			bad++;
			break;
		}
	}
	TAP_OK(!bad && t.prod->pos == t.p.pos && t.cons->pos == t.c.pos &&
	       t.p.pos == t.c.pos && straddled > 0,
	       "ring %llu from %#llx: lengths 0..%llu round-trip (%llu straddle the end)",
	       (ull)size, (ull)start, (ull)t.msg_max, (ull)straddled);
	tr_close(&t);
}

/*
 * Records placed so that they cross the end of the data area: the header
 * split after 8, 16 or 24 bytes, the data split anywhere, and records
 * ending exactly at the end. Each must be contiguous through the mirror,
 * and its bytes must be those of the first copy at the wrapped offsets.
 */
static void test_straddle(void)
{
	static const __u64 offs[] = { 8, 16, 24, 32, 40, 48, 136, 2048 };
	static const __u64 lens[] = { 0, 1, 7, 8, 9, 100, 1000, 2047,
				      SIZE_MIN - 64, KUCOMMS_MSG_MAX(SIZE_MIN) };
	__u64 size = SIZE_MIN, mask = size - 1;
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		__u64 off = size - offs[i], bad = 0;

		for (j = 0; j < ARRAY_SIZE(lens); j++) {
			__u64 len = lens[j], k, id = i * 100 + j;
			struct kucomms_msg_hdr h = hdr_of(len, id), got;
			const unsigned char *src = pat_of(id);
			const unsigned char *rec_b;
			const void *data;
			struct tr t;

			/* Start on the fifth lap, @offs[i] before its end. */
			tr_open(&t, size, 4 * size + off);
			if (put(&t, len, id)) {
				bad++;
				tr_close(&t);
				continue;
			}
			if (kucomms_ring_peek(&t.c, &got, &data) !=
			    (long long)kucomms_record_size(len) ||
			    data != t.data + off + KUCOMMS_HDR_SIZE ||
			    memcmp(&got, &h, sizeof(h)) ||
			    memcmp(data, src, len))
				bad++;
			/* The same bytes read from the first copy, wrapped. */
			rec_b = (const unsigned char *)&h;
			for (k = 0; k < KUCOMMS_HDR_SIZE; k++)
				bad += t.data[(off + k) & mask] != rec_b[k];
			for (k = 0; k < len; k++)
				bad += t.data[(off + KUCOMMS_HDR_SIZE + k) &
					      mask] != src[k];
			tr_close(&t);
		}
		TAP_OK(!bad, "records starting %llu bytes before the end: contiguous and correct",
		       (ull)offs[i]);
	}
}

/* Random lengths, several in flight, the ring filling up constantly. */
static __u64 stream_len(__u64 seed, __u64 seq, __u64 msg_max)
{
	__u64 s = seed ^ (seq * 0x2545f4914f6cdd1dULL), r = rnd_next(&s);

	/* Mostly small messages, so that many are in flight at once. */
	return r % 4 ? r % 300 : (r >> 8) % (msg_max + 1);
}

static void test_stream(__u64 size, __u64 start, __u64 n, __u64 seed)
{
	__u64 prod_seq = 0, cons_seq = 0, bad = 0, full = 0;
	__u64 s = seed;
	struct tr t;
	int err;

	tr_open(&t, size, start);
	while (cons_seq < n && !bad) {
		__u64 burst = rnd_next(&s) % 12 + 1, before = cons_seq;

		while (burst-- && prod_seq < n) {
			__u64 len = stream_len(seed, prod_seq, t.msg_max);

			err = put(&t, len, prod_seq);
			if (err == -EAGAIN) {
				full++;
				break;
			}
			bad += err != 0;
			prod_seq++;
		}
		burst = rnd_next(&s) % 12 + 1;
		while (burst-- && cons_seq < prod_seq) {
			bad += !get(&t, stream_len(seed, cons_seq, t.msg_max),
				    cons_seq);
			cons_seq++;
		}
		if (cons_seq == prod_seq)
			bad += !peek_fails(&t, -EAGAIN);
		/* An empty ring refusing a message would loop forever. */
		bad += cons_seq == before && cons_seq == prod_seq;
	}
	TAP_OK(!bad && cons_seq == n && t.prod->full == full && full > 0,
	       "ring %llu from %#llx: %llu random messages in order (full %llu times)",
	       (ull)size, (ull)start, (ull)n, (ull)full);
	tr_close(&t);
}

static void test_full(void)
{
	__u64 size = SIZE_MIN, n = size / 64, i;
	struct kucomms_msg_hdr *slot;
	struct tr t;
	int err, ok = 1;

	tr_open(&t, size, 0);
	/* 32 data bytes: 64-byte records, exactly size / 64 of them fit. */
	for (i = 0; i < n; i++)
		ok &= !put(&t, 32, i);
	TAP_OK(ok && kucomms_ring_space(&t.p) == 0 && t.prod->full == 0,
	       "%llu 64-byte records fill the ring: space 0", (ull)n);
	TAP_OK(put(&t, 32, n) == -EAGAIN && t.prod->full == 1,
	       "full ring: produce -EAGAIN, full counter 1");
	TAP_OK(put(&t, 0, n) == -EAGAIN && t.prod->full == 2,
	       "full ring: even a header-only message -EAGAIN, full counter 2");
	slot = kucomms_ring_reserve(&t.p, 0, &err);
	TAP_OK(!slot && err == -EAGAIN && t.prod->full == 3 &&
	       t.prod->pos == n * 64 && t.p.pending == 0,
	       "full ring: reserve -EAGAIN, full counter 3, nothing published");
	TAP_OK(kucomms_ring_avail(&t.c) == (long long)size,
	       "full ring: avail is the whole ring");

	ok = get(&t, 32, 0);
	TAP_OK(ok && kucomms_ring_space(&t.p) == 64,
	       "one record released: space 64");
	TAP_OK(put(&t, 33, n) == -EAGAIN && t.prod->full == 4,
	       "a 72-byte record does not fit in 64: -EAGAIN, full counter 4");
	TAP_OK(!put(&t, 25, n) && kucomms_ring_space(&t.p) == 0,
	       "a 64-byte record (25 bytes, padded) fits exactly");
	for (i = 1; i < n; i++)
		ok &= get(&t, 32, i);
	ok &= get(&t, 25, n);
	TAP_OK(ok && peek_fails(&t, -EAGAIN) && t.prod->full == 4,
	       "all %llu messages come out in order", (ull)n + 1);
	tr_close(&t);
}

static void test_msg_max(void)
{
	int order, err;

	for (order = KUCOMMS_RING_ORDER_MIN; order <= KUCOMMS_RING_ORDER_MAX;
	     order++) {
		__u64 size = 1ULL << order;
		struct kucomms_msg_hdr *slot;
		struct tr t;
		bool ok;

		tr_open(&t, size, 3 * size);
		ok = put(&t, t.msg_max + 1, 1) == -EMSGSIZE &&
		     t.prod->full == 0 && t.prod->pos == 3 * size;
		slot = kucomms_ring_reserve(&t.p, U64_MAX, &err);
		ok &= !slot && err == -EMSGSIZE && t.p.pending == 0;
		slot = kucomms_ring_reserve(&t.p, U64_MAX - 31, &err);
		ok &= !slot && err == -EMSGSIZE;
		ok &= !put(&t, t.msg_max, 2) &&
		      kucomms_ring_space(&t.p) == 0 &&
		      put(&t, 0, 3) == -EAGAIN;
		ok &= get(&t, t.msg_max, 2);
		/* msg_max needs an empty ring: 8 bytes in use are too many. */
		ok &= !put(&t, 0, 4) && put(&t, t.msg_max, 5) == -EAGAIN;
		TAP_OK(ok, "ring %llu: msg_max %llu fits an empty ring exactly, msg_max + 1 and 2^64-1 -EMSGSIZE",
		       (ull)size, (ull)t.msg_max);
		tr_close(&t);
	}
}

static void test_reserve_commit(void)
{
	struct kucomms_msg_hdr *slot, h = { 0 };
	const void *data;
	struct tr t;
	int err;

	/* 40 bytes before the end: the record straddles it. */
	tr_open(&t, SIZE_MIN, 2 * SIZE_MIN - 40);
	slot = kucomms_ring_reserve(&t.p, 100, &err);
	TAP_OK(slot && !err &&
	       (unsigned char *)slot == t.data + SIZE_MIN - 40 &&
	       t.p.pending == kucomms_record_size(100),
	       "reserve 100: slot at the producer position, 136 bytes pending");
	TAP_OK(peek_fails(&t, -EAGAIN) && t.prod->pos == 2 * SIZE_MIN - 40,
	       "reserved but not committed: nothing visible");
	if (!slot) {
		tr_close(&t);
		return;
	}
	*slot = hdr_of(100, 7);
	memcpy(slot + 1, pat_of(7), 100);
	kucomms_ring_commit(&t.p);
	TAP_OK(t.prod->pos == 2 * SIZE_MIN - 40 + 136 && t.p.pending == 0,
	       "commit publishes the record");
	TAP_OK(get(&t, 100, 7), "the consumer sees it, intact");
	kucomms_ring_commit(&t.p);
	TAP_OK(t.prod->pos == t.p.pos && peek_fails(&t, -EAGAIN),
	       "commit without a reservation publishes nothing");

	/* The consumer's header is a snapshot: later writes cannot move it. */
	put(&t, 16, 8);
	if (kucomms_ring_peek(&t.c, &h, &data) == 48) {
		slot = (struct kucomms_msg_hdr *)kucomms_ring_at(&t.c, t.c.pos);
		slot->length = U64_MAX;
		kucomms_ring_release(&t.c, 48);
	}
	TAP_OK(h.length == 16 && t.c.pos == t.p.pos &&
	       peek_fails(&t, -EAGAIN),
	       "peeked header is a snapshot: rewriting the length later changes nothing");
	tr_close(&t);
}

/* The free-running positions pass 2^64 and start again from 0. */
static void test_u64_wrap(void)
{
	__u64 start = 0 - 3 * SIZE_MIN, n = SIZE_MIN / 64, i;
	struct tr t;
	int ok = 1;

	test_round_trip(SIZE_MIN, start);
	test_stream(SIZE_MIN, start, 20000, 77);
	test_stream(65536, 0 - 65536 - 8, 20000, 78);

	/* Fill the ring across the wrap: producer at 2048, consumer behind. */
	tr_open(&t, SIZE_MIN, 0 - 2048);
	for (i = 0; i < n; i++)
		ok &= !put(&t, 30, i);
	TAP_OK(ok && t.prod->pos == 2048 && kucomms_ring_space(&t.p) == 0 &&
	       kucomms_ring_avail(&t.c) == (long long)SIZE_MIN &&
	       put(&t, 0, n) == -EAGAIN,
	       "ring filled across 2^64: producer at 2048, full, avail the whole ring");
	for (i = 0; i < n; i++)
		ok &= get(&t, 30, i);
	TAP_OK(ok && t.cons->pos == 2048 && peek_fails(&t, -EAGAIN),
	       "and drained across 2^64, in order");
	tr_close(&t);

	/* One record whose header starts 8 bytes before 2^64. */
	tr_open(&t, SIZE_MIN, 0 - 8);
	TAP_OK(!put(&t, 64, 5) && t.prod->pos == 88 && get(&t, 64, 5),
	       "a record straddling position 2^64");
	tr_close(&t);
}

static void test_handshake(void)
{
	struct tr t;
	long long r;

	tr_open(&t, SIZE_MIN, 0);
	TAP_OK(!kucomms_ring_need_wakeup(&t.p) && t.prod->wakeups == 0,
	       "flag clear: no wakeup needed, none counted");
	r = kucomms_ring_prepare_sleep(&t.c);
	TAP_OK(r == 0 && (t.cons->flags & KUCOMMS_RING_NEED_WAKEUP),
	       "prepare_sleep on an empty ring: 0, NEED_WAKEUP set");
	TAP_OK(kucomms_ring_need_wakeup(&t.p) && t.prod->wakeups == 1,
	       "flag set: wakeup needed, counted");
	TAP_OK(kucomms_ring_need_wakeup(&t.p) && t.prod->wakeups == 2 &&
	       (t.cons->flags & KUCOMMS_RING_NEED_WAKEUP),
	       "the producer leaves the flag alone: asked again, counted again");
	kucomms_ring_awake(&t.c);
	TAP_OK(!(t.cons->flags & KUCOMMS_RING_NEED_WAKEUP) &&
	       !kucomms_ring_need_wakeup(&t.p) && t.prod->wakeups == 2,
	       "awake clears the flag: no wakeup needed");

	put(&t, 10, 1);
	r = kucomms_ring_prepare_sleep(&t.c);
	TAP_OK(r == (long long)kucomms_record_size(10) &&
	       !(t.cons->flags & KUCOMMS_RING_NEED_WAKEUP),
	       "prepare_sleep with a message waiting: > 0 (%lld), flag cleared",
	       r);

	/* Flag bits the handshake does not own are left alone. */
	t.cons->flags = 0x80000000U;
	kucomms_ring_prepare_sleep(&t.c);
	kucomms_ring_awake(&t.c);
	TAP_OK(t.cons->flags == 0x80000000U, "other flag bits are preserved");
	t.cons->flags = 0;

	/* A corrupt producer position: -EPROTO and do not sleep. */
	t.prod->pos = t.c.pos + 4;
	r = kucomms_ring_prepare_sleep(&t.c);
	TAP_OK(r == -EPROTO && !(t.cons->flags & KUCOMMS_RING_NEED_WAKEUP),
	       "prepare_sleep with a misaligned producer position: -EPROTO, flag cleared");
	t.prod->pos = t.p.pos;
	TAP_OK(get(&t, 10, 1), "the ring still works afterwards");
	tr_close(&t);
}

/*
 * The producer reads the consumer's flags word after every publication
 * (kucomms_ring_need_wakeup()); the consumer writes its position for every
 * message. On one cache line, that read would pull the line across cores
 * per message: the layout keeps them apart.
 */
static void test_layout(void)
{
	size_t pos = offsetof(struct kucomms_ring_cons, pos);
	size_t flags = offsetof(struct kucomms_ring_cons, flags);

	TAP_OK(pos / KUCOMMS_CACHELINE != flags / KUCOMMS_CACHELINE &&
	       flags % KUCOMMS_CACHELINE == 0,
	       "consumer page: flags on a cache line of their own (pos %zu, flags %zu)",
	       pos, flags);
}

int main(void)
{
	pat_fill();
	test_layout();
	test_empty();
	test_zero_length();
	test_round_trip(SIZE_MIN, 0);
	test_round_trip(SIZE_MIN, 1000);
	test_round_trip(2 * SIZE_MIN, 24);
	test_round_trip(65536, 65536 - 8);
	test_straddle();
	test_stream(SIZE_MIN, 0, 200000, 1);
	test_stream(8192, 8192 - 16, 100000, 2);
	test_full();
	test_msg_max();
	test_reserve_commit();
	test_u64_wrap();
	test_handshake();
	/* The streams again, both views caching the peer's position. */
	tr_cache = true;
	test_stream(SIZE_MIN, 0, 200000, 1);
	test_stream(8192, 8192 - 16, 100000, 2);
	test_full();
	test_u64_wrap();
	tr_cache = false;
	return tap_done();
}
