// SPDX-License-Identifier: MIT
/*
 * The ring of kucomms_ring.h, single-threaded, over a real mirror mapping
 * from libkuc/mirror.c: round trips, records straddling the end of the
 * data area, full and empty, the limits of the message size, the wrap of
 * the 64-bit positions, the wakeup handshake, and every impossible value
 * a hostile peer can put into shared memory. tests/tsan/test_ring_spsc.c
 * covers the two-thread side.
 *
 * The mirror keeps a PROT_NONE guard page on each side, so an access that
 * escapes the mapping faults here instead of going unnoticed (ASan does
 * not watch mmap()ed memory).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kucomms/kucomms_ring.h>

/* The library's private header: the tests link its objects directly. */
#include "../../libkuc/mirror.h"
#include "tap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PAGE		4096ULL
#define SIZE_MIN	(1ULL << KUCOMMS_RING_ORDER_MIN)
#define U64_MAX		(~0ULL)

/* Message data comes from here, at an offset that depends on its id. */
#define PAT_SPREAD	65536ULL
#define PAT_SIZE	((1ULL << KUCOMMS_RING_ORDER_MAX) + PAT_SPREAD)
static unsigned char pat[PAT_SIZE];

typedef unsigned long long ull;

/* splitmix64: small, fast, and every seed gives a good sequence. */
static __u64 rnd_next(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static const unsigned char *pat_of(__u64 id)
{
	return pat + (id * 4099) % PAT_SPREAD;
}

static void bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(EXIT_FAILURE);
}

/*
 * A ring and both of its sides in one process: the producer's view @p and
 * the consumer's view @c share the pages, as two processes would.
 */
struct tr {
	struct kucomms_ring_prod *prod;
	struct kucomms_ring_cons *cons;
	unsigned char *data;
	__u64 size;
	__u64 msg_max;
	struct kucomms_ring p;
	struct kucomms_ring c;
};

/* Both views cache the peer's position (libkuc's shm rings do). */
static bool tr_cache;

static void tr_open(struct tr *t, __u64 size, __u64 start)
{
	unsigned char *pages;

	/* Each position on its own page, as in the ABI. */
	pages = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED)
		bail("mmap");
	t->prod = (struct kucomms_ring_prod *)pages;
	t->cons = (struct kucomms_ring_cons *)(pages + PAGE);
	t->data = kuc_mirror_alloc(size);
	if (!t->data)
		bail("kuc_mirror_alloc");
	t->size = size;
	t->msg_max = KUCOMMS_MSG_MAX(size);
	t->prod->pos = start;
	t->cons->pos = start;
	kucomms_ring_init(&t->p, t->prod, t->cons, t->data, size, start);
	kucomms_ring_init(&t->c, t->prod, t->cons, t->data, size, start);
	t->p.cache_peer = tr_cache;
	t->c.cache_peer = tr_cache;
}

static void tr_close(struct tr *t)
{
	kuc_mirror_unmap(t->data, t->size);
	munmap(t->prod, 2 * PAGE);
}

/* True when [@p, @p + @len) lies inside the mirror. */
static bool in_mirror(const struct tr *t, const void *p, __u64 len)
{
	const unsigned char *b = p;

	return b >= t->data && b <= t->data + 2 * t->size &&
	       len <= (__u64)(t->data + 2 * t->size - b);
}

static struct kucomms_msg_hdr hdr_of(__u64 len, __u64 id)
{
	struct kucomms_msg_hdr h = {
		.length = len,
		.type = id ^ 0x5a5a5a5a5a5a5a5aULL,
		.id = id,
		.value = ~id,
	};

	return h;
}

/* Produce message @id of @len bytes. */
static int put(struct tr *t, __u64 len, __u64 id)
{
	struct kucomms_msg_hdr h = hdr_of(len, id);

	return kucomms_ring_produce(&t->p, &h, pat_of(id));
}

/*
 * Peek message @id of @len bytes, check all of it, release it. Returns
 * false on any difference (the message is then left in the ring).
 */
static bool get(struct tr *t, __u64 len, __u64 id)
{
	struct kucomms_msg_hdr want = hdr_of(len, id), h;
	const unsigned char *slot = kucomms_ring_at(&t->c, t->c.pos);
	const void *data = NULL;
	long long rec = kucomms_ring_peek(&t->c, &h, &data);

	if (rec != (long long)kucomms_record_size(len) ||
	    memcmp(&h, &want, sizeof(h)) || data != slot + KUCOMMS_HDR_SIZE ||
	    !in_mirror(t, slot, (__u64)rec) ||
	    memcmp(data, pat_of(id), len))
		return false;
	kucomms_ring_release(&t->c, (__u64)rec);
	return t->cons->pos == t->c.pos;
}

/* Peek message @id of @len bytes, intact, without consuming it. */
static bool peek_is(struct tr *t, __u64 len, __u64 id)
{
	struct kucomms_msg_hdr want = hdr_of(len, id), h;
	const void *data = NULL;

	return kucomms_ring_peek(&t->c, &h, &data) ==
	       (long long)kucomms_record_size(len) &&
	       !memcmp(&h, &want, sizeof(h)) && !memcmp(data, pat_of(id), len);
}

/* Peek expecting the error @err; nothing on the consumer side may move. */
static bool peek_fails(struct tr *t, long long err)
{
	struct kucomms_msg_hdr h;
	const void *data = NULL;
	__u64 pos = t->c.pos, cpos = t->cons->pos;
	__u32 flags = t->cons->flags;

	return kucomms_ring_peek(&t->c, &h, &data) == err && !data &&
	       t->c.pos == pos && t->cons->pos == cpos &&
	       t->cons->flags == flags;
}

/* ---- the mirror --------------------------------------------------------- */

static void test_mirror(void)
{
	static const size_t sizes[] = { PAGE, 3 * PAGE, 16 * PAGE };
	unsigned char *m, *guard;
	unsigned char vec[64], buf[PAGE];
	size_t i, k, bad;
	int fd;

	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		size_t size = sizes[k];

		m = kuc_mirror_alloc(size);
		if (!m)
			bail("kuc_mirror_alloc");
		bad = 0;
		for (i = 0; i < size; i++)
			m[i] = (unsigned char)(i * 7 + 1);
		for (i = 0; i < size; i++)
			bad += m[size + i] != (unsigned char)(i * 7 + 1);
		for (i = 0; i < size; i++)
			m[size + i] = (unsigned char)(i * 13 + 5);
		for (i = 0; i < size; i++)
			bad += m[i] != (unsigned char)(i * 13 + 5);
		TAP_OK(!bad, "mirror of %zu bytes: each half shows the other's writes",
		       size);
		/* The guards are mapped (PROT_NONE), so mincore() accepts them. */
		guard = m - PAGE;
		TAP_OK(!mincore(guard, PAGE, vec) &&
		       !mincore(m + 2 * size, PAGE, vec),
		       "mirror of %zu bytes: guard pages on both sides", size);
		kuc_mirror_unmap(m, size);
		errno = 0;
		TAP_OK(mincore(guard, 2 * size + 2 * PAGE, vec) < 0 &&
		       errno == ENOMEM,
		       "mirror of %zu bytes: unmap removes it and its guards",
		       size);
	}

	errno = 0;
	TAP_OK(!kuc_mirror_alloc(0) && errno == EINVAL, "alloc(0): EINVAL");
	errno = 0;
	TAP_OK(!kuc_mirror_alloc(100) && errno == EINVAL,
	       "alloc(100): EINVAL");
	errno = 0;
	TAP_OK(!kuc_mirror_alloc(PAGE + 8) && errno == EINVAL,
	       "alloc(page + 8): EINVAL");
	errno = 0;
	TAP_OK(!kuc_mirror_alloc(SIZE_MAX & ~(PAGE - 1)) && errno == ENOMEM,
	       "alloc(huge): ENOMEM, no overflow of 2 * size");
	errno = 0;
	TAP_OK(!kuc_mirror_map(PAGE, -1, 0, PROT_READ) && errno == EBADF,
	       "map(fd -1): EBADF");

	/* A range of a file: pages 1 and 2 of a 3-page file. */
	fd = memfd_create("test_ring", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 3 * PAGE) < 0)
		bail("memfd");
	for (k = 0; k < 3; k++) {
		memset(buf, (int)(k + 1), PAGE);
		if (pwrite(fd, buf, PAGE, (off_t)(k * PAGE)) != (ssize_t)PAGE)
			bail("pwrite");
	}
	m = kuc_mirror_map(2 * PAGE, fd, PAGE, PROT_READ);
	TAP_OK(m && m[0] == 2 && m[PAGE] == 3 && m[2 * PAGE] == 2 &&
	       m[3 * PAGE] == 3 && m[4 * PAGE - 1] == 3,
	       "map(fd, offset one page, 2 pages, read-only): pages 1 2 1 2");
	kuc_mirror_unmap(m, 2 * PAGE);
	errno = 0;
	TAP_OK(!kuc_mirror_map(PAGE, fd, 100, PROT_READ) && errno == EINVAL,
	       "map at an unaligned offset: EINVAL");
	close(fd);

	errno = 1234;
	kuc_mirror_unmap(NULL, PAGE);
	TAP_OK(errno == 1234, "unmap(NULL) does nothing, errno kept");
}

/* ---- well-formed use ---------------------------------------------------- */

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
	__u64 seed = 1;
	size_t i;

	for (i = 0; i < PAT_SIZE; i += 8) {
		__u64 v = rnd_next(&seed);

		memcpy(pat + i, &v, 8);
	}

	test_mirror();
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
	{
		const __u64 bases[] = {
			0, 3 * SIZE_MIN - 24, 5 * SIZE_MIN - 8,
			0 - 3 * SIZE_MIN, 0 - 32, 0 - 72, 0 - 8,
		};

		for (i = 0; i < ARRAY_SIZE(bases); i++) {
			test_hostile_consumer(bases[i]);
			test_hostile_producer(bases[i]);
			test_cached(bases[i]);
		}
	}
	test_fuzz(SIZE_MIN, 100000);
	test_fuzz(8192, 20000);
	/* The streams again, both views caching the peer's position. */
	tr_cache = true;
	test_stream(SIZE_MIN, 0, 200000, 1);
	test_stream(8192, 8192 - 16, 100000, 2);
	test_full();
	test_u64_wrap();
	tr_cache = false;
	return tap_done();
}
