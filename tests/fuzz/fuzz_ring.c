// SPDX-License-Identifier: MIT
/*
 * kucomms_ring.h, the ring the kernel module compiles too, driven by a
 * hostile peer. The input is a script: each step either lets the peer
 * write what it likes where it can write (the other side's position, its
 * flags, any byte of the data area) or makes our side act (peek and
 * release, prepare to sleep, reserve and commit, ask for a wakeup).
 *
 * The rings live in separate heap blocks of exactly their ABI sizes, and
 * the data area is exactly 2 * size bytes (the mirror, kept equal by
 * hand), so ASan sees any access outside what the ring may touch. After
 * each step the harness checks what the ring promises: a peeked record
 * lies inside the mirror and within what was published, a reservation
 * inside the free space, every position stays aligned, and a peer's
 * nonsense comes back as -EPROTO, never as a message.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <kucomms/kucomms_ring.h>

#include "fuzz.h"

/* Enough to reach any state; more only slows each run down. */
#define FUZZ_RING_STEPS	256

struct rings {
	struct kucomms_ring rx, tx;	/* our consumer and producer views */
	struct kucomms_ring_prod *rx_prod, *tx_prod;
	struct kucomms_ring_cons *rx_cons, *tx_cons;
	unsigned char *rx_data, *tx_data;
	uint64_t size;
};

/* The peer writes @len bytes at @off of a mirrored data area. */
static void peer_write(unsigned char *data, uint64_t size, uint64_t off,
		       const void *src, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t at = (off + i) & (size - 1);

		data[at] = data[at + size] = ((const unsigned char *)src)[i];
	}
}

static bool in_data(const struct rings *r, const unsigned char *data,
		    const void *p, uint64_t len)
{
	const unsigned char *c = p;

	return c >= data && len <= 2 * r->size &&
	       (uint64_t)(c - data) <= 2 * r->size - len;
}

static void consume(struct rings *r)
{
	struct kucomms_msg_hdr h;
	const void *data = NULL;
	long long avail = kucomms_ring_avail(&r->rx);
	long long rec = kucomms_ring_peek(&r->rx, &h, &data);
	unsigned char *copy;

	FUZZ_ASSERT(rec > 0 || rec == -EAGAIN || rec == -EPROTO);
	if (rec <= 0)
		return;
	FUZZ_ASSERT(h.length <= r->rx.msg_max);
	FUZZ_ASSERT((uint64_t)rec == kucomms_record_size(h.length));
	/* The peer cannot change the position between the two reads here. */
	FUZZ_ASSERT(rec <= avail);
	FUZZ_ASSERT(in_data(r, r->rx_data, (const unsigned char *)data -
			    KUCOMMS_HDR_SIZE, (uint64_t)rec));
	/* What a consumer that trusts nobody does: copy it out first. */
	copy = malloc(h.length + 1);
	FUZZ_ASSERT(copy);
	memcpy(copy, data, h.length);
	free(copy);
	kucomms_ring_release(&r->rx, (uint64_t)rec);
	FUZZ_ASSERT(!(r->rx.pos & (KUCOMMS_RECORD_ALIGN - 1)));
	FUZZ_ASSERT(r->rx_cons->pos == r->rx.pos);
}

static void produce(struct rings *r, uint64_t length, bool zero_copy)
{
	struct kucomms_msg_hdr h = { .length = length, .type = 1, .id = 2 };
	struct kucomms_msg_hdr *slot;
	long long space = kucomms_ring_space(&r->tx);
	uint64_t before = r->tx.pos;
	unsigned char *payload;
	int err;

	FUZZ_ASSERT(space == -EPROTO ||
		    (space >= 0 && (uint64_t)space <= r->size));
	if (!zero_copy) {
		/* Bounded by msg_max first: no huge buffer to allocate. */
		if (length > r->tx.msg_max) {
			FUZZ_ASSERT(kucomms_ring_produce(&r->tx, &h, NULL) ==
				    -EMSGSIZE);
			return;
		}
		payload = calloc(1, length + 1);
		FUZZ_ASSERT(payload);
		err = kucomms_ring_produce(&r->tx, &h, payload);
		free(payload);
		FUZZ_ASSERT(!err || err == -EAGAIN || err == -EPROTO);
		FUZZ_ASSERT(err ? r->tx.pos == before :
			    r->tx.pos == before + kucomms_record_size(length));
		return;
	}
	slot = kucomms_ring_reserve(&r->tx, length, &err);
	FUZZ_ASSERT(!slot == !!err);
	FUZZ_ASSERT(!err || err == -EMSGSIZE || err == -EAGAIN ||
		    err == -EPROTO);
	if (!slot)
		return;
	FUZZ_ASSERT(kucomms_record_size(length) <= (uint64_t)space);
	FUZZ_ASSERT(in_data(r, r->tx_data, slot, kucomms_record_size(length)));
	/* Every byte of the reservation is ours to write. */
	memset(slot, 0xa5, kucomms_record_size(length));
	slot->length = length;
	kucomms_ring_commit(&r->tx);
	FUZZ_ASSERT(r->tx_prod->pos == r->tx.pos);
	FUZZ_ASSERT(!(r->tx.pos & (KUCOMMS_RECORD_ALIGN - 1)));
}

/* A position near @mine (the usual lie), or any 64-bit value. */
static uint64_t hostile_pos(struct fuzz_in *in, uint64_t mine)
{
	uint8_t how = (uint8_t)fuzz_take(in, 1);

	if (how & 1)
		return fuzz_take(in, 8);
	return mine + (uint64_t)(int16_t)fuzz_take(in, 2);
}

static void step(struct rings *r, struct fuzz_in *in)
{
	struct kucomms_msg_hdr h;
	unsigned char bytes[64];
	uint64_t off;
	size_t n;

	switch (fuzz_take(in, 1) % 10) {
	case 0:	/* the peer moves its producer position in our rx */
		r->rx_prod->pos = hostile_pos(in, r->rx.pos);
		break;
	case 1:	/* the peer writes a message header where we read next */
		h.length = hostile_pos(in, 0);
		h.type = h.id = h.value = 0;
		peer_write(r->rx_data, r->size, r->rx.pos, &h, sizeof(h));
		break;
	case 2:	/* the peer writes bytes anywhere in our rx data */
		off = fuzz_take(in, 2);
		n = fuzz_take(in, 1) % sizeof(bytes);
		n = fuzz_copy(in, bytes, n);
		peer_write(r->rx_data, r->size, off, bytes, n);
		break;
	case 3:
		consume(r);
		break;
	case 4: {	/* C1-C3, then C4's end */
		long long a = kucomms_ring_prepare_sleep(&r->rx);

		FUZZ_ASSERT(a == -EPROTO || (a >= 0 && (uint64_t)a <= r->size));
		kucomms_ring_awake(&r->rx);
		break;
	}
	case 5:	/* the peer moves its consumer position in our tx */
		r->tx_cons->pos = hostile_pos(in, r->tx.pos);
		break;
	case 6:	/* the peer's consumer flags */
		r->tx_cons->flags = (uint32_t)fuzz_take(in, 4);
		break;
	case 7:
		produce(r, hostile_pos(in, 0), false);
		break;
	case 8:
		produce(r, hostile_pos(in, 0), true);
		break;
	case 9:
		kucomms_ring_need_wakeup(&r->tx);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct rings r;
	uint64_t start;
	int i;

	memset(&r, 0, sizeof(r));
	/* The smallest rings: the same code, and wrapping comes sooner. */
	r.size = 1ULL << (KUCOMMS_RING_ORDER_MIN + fuzz_take(&in, 1) % 2);
	r.rx_prod = calloc(1, sizeof(*r.rx_prod));
	r.tx_prod = calloc(1, sizeof(*r.tx_prod));
	r.rx_cons = calloc(1, sizeof(*r.rx_cons));
	r.tx_cons = calloc(1, sizeof(*r.tx_cons));
	r.rx_data = calloc(1, 2 * r.size);
	r.tx_data = calloc(1, 2 * r.size);
	FUZZ_ASSERT(r.rx_prod && r.tx_prod && r.rx_cons && r.tx_cons &&
		    r.rx_data && r.tx_data);
	/*
	 * Our own positions are private and always aligned, but may be
	 * anywhere (they are free-running): start both at the same place
	 * as the peer's, as after a connection reset.
	 */
	start = fuzz_take(&in, 8) & ~(uint64_t)(KUCOMMS_RECORD_ALIGN - 1);
	r.rx_prod->pos = r.rx_cons->pos = start;
	r.tx_prod->pos = r.tx_cons->pos = start;
	kucomms_ring_init(&r.rx, r.rx_prod, r.rx_cons, r.rx_data, r.size,
			  start);
	kucomms_ring_init(&r.tx, r.tx_prod, r.tx_cons, r.tx_data, r.size,
			  start);
	for (i = 0; i < FUZZ_RING_STEPS && in.n; i++)
		step(&r, &in);
	free(r.rx_prod);
	free(r.tx_prod);
	free(r.rx_cons);
	free(r.tx_cons);
	free(r.rx_data);
	free(r.tx_data);
	return 0;
}
