// SPDX-License-Identifier: MIT
/*
 * kuc_zerocopy: the client side of tests/bats/zerocopy.bats, against an
 * endpoint that sets KUCOMMS_EP_ZEROCOPY (kucomms_echo.ko or
 * kuc_testep.ko loaded with zerocopy=1). Exit 0 when the case ended as
 * expected, 1 when not (with a line saying why), 2 on a usage error.
 *
 *   kuc_zerocopy echo DEVICE SIZE COUNT
 *	COUNT round trips of SIZE data bytes ("max": the channel's
 *	largest message), each with its own pattern; every reply must be
 *	the message, header and bytes.
 *
 *   kuc_zerocopy probe DEVICE PROBING_FILE
 *	One kuc_testep TESTEP_PROBE message of 64 'A' written in place
 *	(kuc_reserve()); once the handler runs (PROBING_FILE, its
 *	parameter, says 1) the bytes are rewritten to 'B' in the ring.
 *	The reply must be all 'B': the handler read the shared ring, not
 *	a copy made before it ran.
 *
 *   kuc_zerocopy rewrite DEVICE COUNT
 *	A hostile client: COUNT messages of 4064 bytes (records of exactly
 *	4 KiB, so every record's data sits at the same place in each 4 KiB
 *	of the ring) in windows of 8, while a second thread keeps writing
 *	over the data of every record in the ring, published or not: the
 *	echo handler's bytes change under it. The headers are left alone,
 *	so every reply must come back with its id and length (its data is
 *	whatever it was when the kernel copied it).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kuc.h>

#include "prog_fail.h"

#define PROBE_TYPE	7	/* TESTEP_PROBE of kuc_testep.c */
#define REWRITE_LEN	4064	/* a 4096-byte record */
#define REWRITE_WINDOW	8

static unsigned char *buf, *out;

static unsigned char pattern(uint64_t i, size_t j)
{
	return (unsigned char)(i * 131 + j * 7 + (j >> 8));
}

static int echo(struct kuc_channel *ch, const char *size_arg, long count)
{
	struct kucomms_msg_hdr hdr, rep;
	size_t size, j;
	long i;
	int err;

	size = strcmp(size_arg, "max") ? strtoul(size_arg, NULL, 0) :
					 kuc_msg_max(ch);
	for (i = 0; i < count; i++) {
		for (j = 0; j < size; j++)
			buf[j] = pattern(i, j);
		hdr = (struct kucomms_msg_hdr){ .length = size, .type = 1,
						.id = i, .value = ~i };
		err = kuc_send_wait(ch, &hdr, buf, 10000);
		if (err)
			return prog_fail("send", err);
		err = kuc_recv(ch, &rep, out, size, 10000);
		if (err)
			return prog_fail("receive", err);
		if (memcmp(&rep, &hdr, sizeof(hdr)))
			return prog_fail("a reply's header differs", 0);
		if (memcmp(out, buf, size)) {
			for (j = 0; out[j] == buf[j]; j++)
				;
			fprintf(stderr, "kuc_zerocopy: message %ld: byte %zu is 0x%02x, not 0x%02x\n",
				i, j, out[j], buf[j]);
			return 1;
		}
	}
	printf("echoed %ld of %zu bytes\n", count, size);
	return 0;
}

static int file_says_1(const char *path)
{
	FILE *f = fopen(path, "r");
	int c = f ? fgetc(f) : EOF;

	if (f)
		fclose(f);
	return c == '1' || c == 'Y';
}

static int probe(struct kuc_channel *ch, const char *probing)
{
	struct kucomms_msg_hdr *slot, rep;
	unsigned char *data;
	int err, i;

	data = kuc_reserve(ch, 64, &slot, &err);
	if (!data)
		return prog_fail("reserve", err);
	slot->type = PROBE_TYPE;
	slot->id = 42;
	slot->value = 0;
	memset(data, 'A', 64);
	err = kuc_commit(ch);
	if (err)
		return prog_fail("commit", err);
	/* Bounded only against a hang: the handler tells when it runs. */
	for (i = 0; i < 20000 && !file_says_1(probing); i++)
		usleep(1000);
	if (!file_says_1(probing))
		return prog_fail("the probe handler never ran", 0);
	/* Published and being handled: change it under the handler. */
	memset(data, 'B', 64);
	err = kuc_recv(ch, &rep, out, 64, 30000);
	if (err)
		return prog_fail("receive", err);
	if (rep.id != 42 || rep.length != 64)
		return prog_fail("the reply's header differs", 0);
	for (i = 0; i < 64; i++)
		if (out[i] != 'B') {
			fprintf(stderr, "kuc_zerocopy: the handler saw 0x%02x at %d, not the rewritten 'B' (0x42): it did not read the shared ring\n",
				out[i], i);
			return 1;
		}
	printf("the handler saw the rewrite\n");
	return 0;
}

struct rewriter {
	unsigned char *ring;	/* the data area of the send ring */
	size_t size;
	atomic_bool stop;
	unsigned long passes;
};

static void *rewrite_loop(void *arg)
{
	struct rewriter *rw = arg;
	unsigned char v = 0;
	size_t off;

	while (!atomic_load_explicit(&rw->stop, memory_order_relaxed)) {
		/* Every record's data, never a header (at each 4 KiB). */
		for (off = 0; off < rw->size; off += 4096)
			memset(rw->ring + off + sizeof(struct kucomms_msg_hdr),
			       v++, REWRITE_LEN);
		rw->passes++;
	}
	return NULL;
}

static int rewrite(struct kuc_channel *ch, long count)
{
	struct kucomms_msg_hdr hdr = { .length = REWRITE_LEN, .type = 1 };
	struct kucomms_msg_hdr *slot, rep;
	struct rewriter rw = { 0 };
	long sent = 0, got = 0, i;
	unsigned char *data;
	pthread_t t;
	int err, ret = 1;

	/*
	 * The first record of the connection starts the ring: its header
	 * is the ring's first byte. A reservation not committed is dropped
	 * by the next send.
	 */
	data = kuc_reserve(ch, REWRITE_LEN, &slot, &err);
	if (!data)
		return prog_fail("reserve", err);
	rw.ring = (unsigned char *)slot;
	rw.size = kuc_msg_max(ch) + sizeof(struct kucomms_msg_hdr);
	if (pthread_create(&t, NULL, rewrite_loop, &rw))
		return prog_fail("pthread_create", 0);
	memset(buf, 0x5a, REWRITE_LEN);
	while (got < count) {
		for (i = 0; i < REWRITE_WINDOW && sent < count; i++, sent++) {
			hdr.id = sent;
			err = kuc_send_wait(ch, &hdr, buf, 10000);
			if (err) {
				prog_fail("send", err);
				goto out;
			}
		}
		while (got < sent) {
			err = kuc_recv(ch, &rep, out, REWRITE_LEN, 10000);
			if (err) {
				prog_fail("receive", err);
				goto out;
			}
			if (rep.id != (uint64_t)got || rep.length != REWRITE_LEN ||
			    rep.type != 1) {
				fprintf(stderr, "kuc_zerocopy: reply %ld: id %llu length %llu\n",
					got, rep.id, rep.length);
				goto out;
			}
			got++;
		}
	}
	ret = 0;
out:
	atomic_store(&rw.stop, true);
	pthread_join(t, NULL);
	if (!ret)
		printf("%ld replies, ring rewritten %lu times\n", got, rw.passes);
	return ret;
}

int main(int argc, char **argv)
{
	struct kuc_channel *ch;
	int err, ret = 2;

	if (argc < 4) {
		fprintf(stderr, "usage: kuc_zerocopy echo DEVICE SIZE|max COUNT\n"
				"       kuc_zerocopy probe DEVICE PROBING_FILE\n"
				"       kuc_zerocopy rewrite DEVICE COUNT\n");
		return 2;
	}
	buf = malloc(1 << 22);
	out = malloc(1 << 22);
	if (!buf || !out)
		return prog_fail("out of memory", 0);
	err = kuc_open(argv[2], &ch);
	if (err)
		return prog_fail(argv[2], err);
	if (kuc_msg_max(ch) > (1 << 22))
		ret = prog_fail("the ring is larger than this program's buffers", 0);
	else if (!strcmp(argv[1], "echo") && argc == 5)
		ret = echo(ch, argv[3], strtol(argv[4], NULL, 0));
	else if (!strcmp(argv[1], "probe"))
		ret = probe(ch, argv[3]);
	else if (!strcmp(argv[1], "rewrite"))
		ret = rewrite(ch, strtol(argv[3], NULL, 0));
	else
		fprintf(stderr, "kuc_zerocopy: bad arguments\n");
	kuc_close(ch);
	return ret;
}
