// SPDX-License-Identifier: MIT
/*
 * kucomms_tap_rec.h, the one builder of monitor tap records (the module's
 * tap and libkuc's shm tap both use it; only this test sees it outside
 * the VM for the module). Every record is compared byte for byte with one
 * built here by hand from the layout in kucomms_abi.h, in a ring whose
 * bytes are dirty as after earlier records: the snap length rule, the
 * padding zeroed, nothing written past the record, no copy from a NULL
 * data pointer when there is nothing to copy, and a full ring left alone.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <kucomms/kucomms_tap_rec.h>

#include "tap.h"

#define SIZE		4096ULL		/* the smallest ring */
#define DIRT		0xa5		/* what older records left behind */

static unsigned char data[2 * SIZE];	/* the ring's data, no mirror needed */
static unsigned char want[2 * SIZE];
static unsigned char msg[SIZE];

/* The record as kucomms_abi.h lays it out, built without the builder. */
static uint64_t expect(uint64_t at, uint32_t caplen, uint64_t ts,
		       uint32_t dir, uint64_t conn,
		       const struct kucomms_msg_hdr *hdr)
{
	struct kucomms_msg_hdr ring_hdr = {
		.length = KUCOMMS_TAP_REC_SIZE + caplen,
	};
	struct kucomms_tap_rec rec = {
		.ts_ns = ts,
		.conn_id = conn,
		.dir = dir,
		.caplen = caplen,
		.hdr = *hdr,
	};
	uint64_t len = KUCOMMS_HDR_SIZE + KUCOMMS_TAP_REC_BYTES(caplen);

	memset(want + at, 0, len);
	memcpy(want + at, &ring_hdr, sizeof(ring_hdr));
	memcpy(want + at + KUCOMMS_HDR_SIZE, &rec, sizeof(rec));
	memcpy(want + at + KUCOMMS_HDR_SIZE + sizeof(rec), msg, caplen);
	return len;
}

/*
 * One record of a message of @length bytes with @snaplen into a dirty
 * ring at position @at: reserved, filled, committed, compared.
 */
static void one(uint64_t at, uint64_t length, uint32_t snaplen)
{
	struct kucomms_ring_prod prod = { .pos = at };
	struct kucomms_ring_cons cons = { .pos = at };
	struct kucomms_msg_hdr hdr = {
		.length = length, .type = 7, .id = at + 1, .value = ~length,
	};
	uint32_t want_cap = length < snaplen ? (uint32_t)length : snaplen;
	uint64_t ts = 0x1122334455667788ULL ^ length, conn = 42 + snaplen;
	uint32_t dir = (uint32_t)(length & 1), caplen = ~0U;
	struct kucomms_msg_hdr *slot;
	struct kucomms_ring r;
	uint64_t len;
	int err = 1;

	memset(data, DIRT, sizeof(data));
	memset(want, DIRT, sizeof(want));
	kucomms_ring_init(&r, &prod, &cons, data, SIZE, at);
	slot = kucomms_tap_rec_reserve(&r, length, snaplen, &caplen, &err);
	if (!slot || err || caplen != want_cap) {
		TAP_OK(0, "at %llu, length %llu: reserved (%d, caplen %u)",
		       (unsigned long long)at, (unsigned long long)length,
		       err, caplen);
		return;
	}
	/* Nothing to copy: the builder must not touch the pointer. */
	kucomms_tap_rec_fill(slot, caplen, ts, dir, conn, &hdr,
			     caplen ? msg : NULL);
	kucomms_ring_commit(&r);
	len = expect(at & (SIZE - 1), want_cap, ts, dir, conn, &hdr);
	TAP_OK(!memcmp(data, want, sizeof(data)) && prod.pos == at + len,
	       "at %llu, length %llu, snaplen %u: caplen %u, %llu bytes exact",
	       (unsigned long long)at, (unsigned long long)length, snaplen,
	       caplen, (unsigned long long)len);
}

/* A ring without room: NULL, -EAGAIN, nothing written, nothing published. */
static void full(void)
{
	struct kucomms_ring_prod prod = { .pos = SIZE - 64 };
	struct kucomms_ring_cons cons = { .pos = 0 };
	struct kucomms_msg_hdr *slot;
	struct kucomms_ring r;
	uint32_t caplen = 0;
	int err = 0;

	memset(data, DIRT, sizeof(data));
	memset(want, DIRT, sizeof(want));
	kucomms_ring_init(&r, &prod, &cons, data, SIZE, SIZE - 64);
	slot = kucomms_tap_rec_reserve(&r, 100, 40, &caplen, &err);
	TAP_OK(!slot && err == -EAGAIN && caplen == 40 &&
	       prod.pos == SIZE - 64 && prod.full == 1 &&
	       !memcmp(data, want, sizeof(data)),
	       "full ring: -EAGAIN, counted, nothing written (%d)", err);
}

int main(void)
{
	static const uint64_t lengths[] = { 0, 1, 7, 8, 9, 63, 64, 100, 1000 };
	static const uint32_t snaplens[] = { 0, 1, 8, 13, 64, 4096 };
	size_t i, j;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 7 + 1);
	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++)
		for (j = 0; j < sizeof(snaplens) / sizeof(snaplens[0]); j++)
			one(8 * (i + j), lengths[i], snaplens[j]);
	/* At the end of the data area: the record runs into the mirror. */
	one(SIZE - 40, 200, 4096);
	one(3 * SIZE - 8, 13, 13);
	full();
	return tap_done();
}
