// SPDX-License-Identifier: MIT
/*
 * kuc_direct: the client side of tests/bats/direct.bats, against
 * kuc_testep.ko (TESTEP_WHO replies carry the tgid of the task that ran
 * the handler). Exit 0 when every reply came back intact, 1 when not
 * (with a line saying why), 2 on a usage error.
 *
 *   kuc_direct [-b] [-d] [-S] [-s SIZE] DEVICE COUNT
 *	COUNT blocking round trips (kuc_send(), then kuc_recv() that waits)
 *	of TESTEP_WHO messages of SIZE data bytes (default 64), each with
 *	its own id and pattern; every reply must be the message but for its
 *	value (TESTEP_TICK broadcasts in between are skipped). With -d
 *	the channel asks for direct delivery first
 *	(kuc_set_direct()). Prints "replies=N here=H elsewhere=E pid=P":
 *	how many replies said the handler ran in this process (P) and how
 *	many said another task ran it (E, the kernel's thread).
 *	With -b, then one TESTEP_STAMP (the handler broadcasts a
 *	TESTEP_TICK, which comes back here too) and one more TESTEP_WHO:
 *	"stamp=direct" when the round trips before and after it both ran
 *	here (the thread slept throughout, so the broadcast was sent from
 *	this process's kick), else "stamp=thread"; the connection then
 *	stays open for a second (its close would make the thread look).
 *	With -S, then one TESTEP_STALL (the handler sleeps while the
 *	parameter stall is 1), which with -d is handled within this
 *	process's kick: kuc_send() returns when the stall is over.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kuc.h>

#include "prog_fail.h"

/* TESTEP_STALL, TESTEP_TICK, TESTEP_STAMP, TESTEP_WHO of kuc_testep.c */
#define STALL_TYPE	2
#define TICK_TYPE	5
#define STAMP_TYPE	6
#define WHO_TYPE	8
#define WAIT_MS		10000

static unsigned char pattern(uint64_t i, size_t j)
{
	return (unsigned char)(i * 151 + j * 11 + (j >> 8));
}

static int usage(void)
{
	fprintf(stderr, "usage: kuc_direct [-b] [-d] [-S] [-s SIZE] DEVICE COUNT\n");
	return 2;
}

/* One TESTEP_WHO round trip without data: did it run in this process? */
static int who_here(struct kuc_channel *ch, bool *here)
{
	struct kucomms_msg_hdr hdr = { .type = WHO_TYPE }, rep;
	int err = kuc_send(ch, &hdr, NULL);

	if (!err)
		err = kuc_recv(ch, &rep, NULL, 0, WAIT_MS);
	if (err)
		return prog_fail("who", err);
	*here = rep.value == (uint64_t)getpid();
	return 0;
}

/* -b: a broadcast sent from a delivery between two that ran here? */
static int stamp(struct kuc_channel *ch)
{
	struct kucomms_msg_hdr hdr = { .type = STAMP_TYPE }, rep;
	bool before, after;
	int err;

	if (who_here(ch, &before))
		return 1;
	err = kuc_send(ch, &hdr, NULL);
	if (!err)
		err = kuc_recv(ch, &rep, NULL, 0, WAIT_MS);
	if (err)
		return prog_fail("stamp", err);
	if (rep.type != TICK_TYPE)
		return prog_fail("stamp: the reply is no TESTEP_TICK", 0);
	if (who_here(ch, &after))
		return 1;
	printf("stamp=%s\n", before && after ? "direct" : "thread");
	fflush(stdout);
	sleep(1);
	return 0;
}

int main(int argc, char **argv)
{
	struct kucomms_msg_hdr hdr, rep;
	unsigned char *buf, *out;
	uint64_t here = 0, elsewhere = 0;
	struct kuc_channel *ch;
	bool direct = false, bcast = false, stall = false;
	unsigned long size = 64;
	long count, i;
	size_t j;
	int opt, err;

	while ((opt = getopt(argc, argv, "bdSs:")) != -1) {
		switch (opt) {
		case 'S':
			stall = true;
			break;
		case 'b':
			bcast = true;
			break;
		case 'd':
			direct = true;
			break;
		case 's':
			size = strtoul(optarg, NULL, 0);
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 2)
		return usage();
	count = strtol(argv[optind + 1], NULL, 0);
	err = kuc_open(argv[optind], &ch);
	if (err)
		return prog_fail("open", err);
	if (size > kuc_msg_max(ch) || count < 1)
		return usage();
	if (direct) {
		err = kuc_set_direct(ch, true);
		if (err)
			return prog_fail("kuc_set_direct", err);
	}
	buf = malloc(size + 1);
	out = malloc(size + 1);
	if (!buf || !out)
		return prog_fail("out of memory", 0);
	for (i = 0; i < count; i++) {
		for (j = 0; j < size; j++)
			buf[j] = pattern(i, j);
		hdr = (struct kucomms_msg_hdr){ .length = size,
						.type = WHO_TYPE, .id = i };
		err = kuc_send(ch, &hdr, buf);
		if (err)
			return prog_fail("send", err);
		/* kuc_testep's tick=1 broadcasts to every connection. */
		do
			err = kuc_recv(ch, &rep, out, size, WAIT_MS);
		while (!err && rep.type == TICK_TYPE);
		if (err)
			return prog_fail("receive", err);
		if (rep.type != WHO_TYPE || rep.id != (uint64_t)i ||
		    rep.length != size || memcmp(out, buf, size)) {
			fprintf(stderr, "kuc_direct: reply %ld differs "
				"(type %" PRIu64 " id %" PRIu64 " length %"
				PRIu64 ")\n", i, (uint64_t)rep.type,
				(uint64_t)rep.id, (uint64_t)rep.length);
			return 1;
		}
		if (rep.value == (uint64_t)getpid())
			here++;
		else
			elsewhere++;
	}
	printf("replies=%ld here=%" PRIu64 " elsewhere=%" PRIu64 " pid=%d\n",
	       count, here, elsewhere, (int)getpid());
	if (bcast && stamp(ch))
		return 1;
	if (stall) {
		hdr = (struct kucomms_msg_hdr){ .type = STALL_TYPE };
		fflush(stdout);
		err = kuc_send(ch, &hdr, NULL);
		if (err)
			return prog_fail("stall", err);
		printf("stall=over\n");
	}
	free(buf);
	free(out);
	kuc_close(ch);
	return 0;
}
