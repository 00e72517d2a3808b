/* SPDX-License-Identifier: MIT */
/*
 * One run of one case, as kucbench's files share it: kucbench.c (the
 * cases, the options, main and the JSON line), sides.c (messages and
 * what each side of a connection does), host.c (the host cases), vm.c
 * (the device cases, in the VM). kucbench.h is the layer below: the
 * transports and the counters.
 */
#ifndef KUCBENCH_CASE_H
#define KUCBENCH_CASE_H

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include "kucbench.h"

enum mode { M_STREAM = 1, M_RTT = 2, M_IDLE = 4 };
enum where { HOST, VM };

struct kb_case {
	const char *name;
	enum where where;
	unsigned int modes;	/* M_STREAM | M_RTT */
	enum kb_kind kind;
	bool batch, busy, zero_copy;
	const char *what;
};

/* Shared by the two sides (MAP_SHARED, across fork()). */
struct shared {
	int arrived;			/* the barrier */
	int served;			/* shm server attached */
	int err;
	double t0, t1;			/* the measured interval */
	uint64_t msgs, bad;
	struct kb_side side[3];		/* client, server, kernel thread */
	uint64_t line __attribute__((aligned(64)));	/* pingpong */
};

/* The options (kucbench.c). */
struct kb_opts {
	double secs;
	bool verify, pin;
	unsigned int window;
	const struct kb_case *c;
	enum mode mode;
	uint64_t size;
	uint64_t max_samples;
	/* Bytes of every ring and buffer: KB_RING, or KB_VM_RING (--vm-ring) */
	size_t ring;
};
extern struct kb_opts opt;

/* kucbench.c */
extern struct shared *sh;
extern double *lat;		/* round-trip samples, seconds */
extern unsigned char *pattern;	/* the data every message carries */
extern uint64_t pattern_sum;	/* word_sum() of it between the stamps */
extern char shm_name[64];

/* Message @i's stamp in its first and last 8 bytes (sides.c). */
#define PAT(i)	((i) * 0x9e3779b97f4a7c15ULL ^ 0x6b75636f6d6d7321ULL)

/* Return from the caller with a failure of @expr, reported by fail(). */
#define TRY(what, expr) do {				\
	int r_ = (expr);				\
	if (r_ < 0) {					\
		fail(what, r_);				\
		return r_;				\
	}						\
} while (0)

/* sides.c: messages, the barrier, the two-sided loops */
struct kucomms_msg_hdr *msg_new(void);
void stamp(struct kucomms_msg_hdr *m, uint64_t id);
uint64_t word_sum(const unsigned char *d, uint64_t n);
bool check(const struct kucomms_msg_hdr *m, uint64_t id);
void fail(const char *what, int err);
void barrier(int n);
void pin(int cpu);
int rtt_client(struct kb_ep *e);
int idle_client(struct kb_ep *e);
int side_run(struct kb_ep *e, int idx, bool thread);
int hello(struct kb_ep *e, int idx);

/* host.c: the host cases, pingpong and memcpy */
extern struct kb_ep eps[2];
int run_host(void);
int run_pingpong(void);
int run_memcpy(void);

/* vm.c: the device cases */
unsigned int window_for(void);
int run_vm(void);

#endif
