/* SPDX-License-Identifier: MIT */
/*
 * What the single-threaded ring tests share (test_ring.c: well-formed
 * use, test_ring_hostile.c: hostile peers and fuzz, test_mirror.c: the
 * mirror mapping): a ring with both of its sides in one process over a
 * real mirror mapping from libkuc/mirror.c, and messages whose contents
 * come from one random pattern, so that every byte can be checked.
 *
 * The mirror keeps a PROT_NONE guard page on each side, so an access that
 * escapes the mapping faults here instead of going unnoticed (ASan does
 * not watch mmap()ed memory).
 *
 * Functions are static inline: each program uses only some of them.
 */
#ifndef KUC_RING_HARNESS_H
#define KUC_RING_HARNESS_H

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
static inline __u64 rnd_next(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline const unsigned char *pat_of(__u64 id)
{
	return pat + (id * 4099) % PAT_SPREAD;
}

static inline void bail(const char *what)
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

static inline void tr_open(struct tr *t, __u64 size, __u64 start)
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

static inline void tr_close(struct tr *t)
{
	kuc_mirror_unmap(t->data, t->size);
	munmap(t->prod, 2 * PAGE);
}

/* True when [@p, @p + @len) lies inside the mirror. */
static inline bool in_mirror(const struct tr *t, const void *p, __u64 len)
{
	const unsigned char *b = p;

	return b >= t->data && b <= t->data + 2 * t->size &&
	       len <= (__u64)(t->data + 2 * t->size - b);
}

static inline struct kucomms_msg_hdr hdr_of(__u64 len, __u64 id)
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
static inline int put(struct tr *t, __u64 len, __u64 id)
{
	struct kucomms_msg_hdr h = hdr_of(len, id);

	return kucomms_ring_produce(&t->p, &h, pat_of(id));
}

/*
 * Peek message @id of @len bytes, check all of it, release it. Returns
 * false on any difference (the message is then left in the ring).
 */
static inline bool get(struct tr *t, __u64 len, __u64 id)
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
static inline bool peek_is(struct tr *t, __u64 len, __u64 id)
{
	struct kucomms_msg_hdr want = hdr_of(len, id), h;
	const void *data = NULL;

	return kucomms_ring_peek(&t->c, &h, &data) ==
	       (long long)kucomms_record_size(len) &&
	       !memcmp(&h, &want, sizeof(h)) && !memcmp(data, pat_of(id), len);
}

/* Peek expecting the error @err; nothing on the consumer side may move. */
static inline bool peek_fails(struct tr *t, long long err)
{
	struct kucomms_msg_hdr h;
	const void *data = NULL;
	__u64 pos = t->c.pos, cpos = t->cons->pos;
	__u32 flags = t->cons->flags;

	return kucomms_ring_peek(&t->c, &h, &data) == err && !data &&
	       t->c.pos == pos && t->cons->pos == cpos &&
	       t->cons->flags == flags;
}

/* Fill the pattern messages are made of (once, before any test). */
static inline void pat_fill(void)
{
	__u64 seed = 1;
	size_t i;

	for (i = 0; i < PAT_SIZE; i += 8) {
		__u64 v = rnd_next(&seed);

		memcpy(pat + i, &v, 8);
	}
}

#endif
