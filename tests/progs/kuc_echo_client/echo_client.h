/* SPDX-License-Identifier: MIT */
/*
 * kuc_echo_client's shared declarations: the options, the reply
 * bookkeeping every mode keeps, and what common.c and each mode's file
 * offer main.c. The program is described at the top of main.c.
 */
#ifndef KUC_ECHO_CLIENT_H
#define KUC_ECHO_CLIENT_H

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kuc.h>
#include "kucomms_echo.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Stream tags: "ec" and the stream number; never ECHO_TYPE_BROADCAST. */
#define TAG_BASE	0x6563000000000000ULL

enum mode { MODE_STREAM, MODE_PINGPONG, MODE_BROADCAST, MODE_ENDPOINT,
	    MODE_HOLD };

struct opts {
	uint64_t count;
	uint64_t min_size, max_size;	/* max_size 0: the channel's max */
	uint64_t seed;
	unsigned int conns, threads;
	enum mode mode;
	bool batch;			/* kuc_send_more() + kuc_flush() */
	int timeout_ms;			/* no progress for this long: fail */
	unsigned int duration;		/* endpoint mode: seconds at least */
	const char *name;
};
extern struct opts opt;

/* ---- common.c: reproducible messages, reply bookkeeping, the channel -- */

const char *errname(int err);
void fail_err(const char *what, int err);
double now_s(void);
void make_msg(unsigned int stream, uint64_t id, uint64_t max,
	      struct kucomms_msg_hdr *hdr, unsigned char *buf);

/* What came back on one stream, checked reply by reply. */
struct tracker {
	unsigned int stream;
	uint64_t type;		/* the type every reply must carry */
	uint64_t n, max;	/* messages expected, their size bound */
	unsigned char *seen;	/* one bit per id */
	uint64_t next;		/* id expected next, for reordering */
	uint64_t got;		/* replies of any kind */
	uint64_t distinct, dup, reorder, corrupt, foreign;
};

/* The trackers of a run added up. */
struct totals {
	uint64_t sent, got, lost, dup, reorder, corrupt, foreign;
};

int tracker_init(struct tracker *t, unsigned int stream, uint64_t type,
		 uint64_t n, uint64_t max);
void tracker_add(struct tracker *t, const struct kucomms_msg_hdr *h,
		 const void *data);
void totals_add(struct totals *sum, const struct tracker *t,
		uint64_t sent);
bool totals_ok(const struct totals *s);
void print_summary(const struct totals *s,
		   const struct kuc_channel_stats *st, double secs);
void stats_add(struct kuc_channel_stats *sum,
	       const struct kuc_channel *ch);
uint64_t max_size(const struct kuc_channel *ch);
int open_channel(struct kuc_channel **ch);

/* ---- the modes (--mode), each returning the exit status ---------------- */

int run_stream(void);		/* stream.c */
int run_threads(void);		/* stream.c, with --threads */
int run_pingpong(void);		/* pingpong.c */
int run_broadcast(void);	/* broadcast.c */
int run_endpoint(void);		/* endpoint.c */
int run_hold(void);		/* endpoint.c */

#endif
