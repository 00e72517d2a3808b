/* SPDX-License-Identifier: MIT */
/*
 * kucbench: the benchmark's one program (bench/README). Shared between
 * its files: the transports behind one interface, the counters, the
 * message pattern.
 */
#ifndef KUCBENCH_H
#define KUCBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <kuc.h>

/* Message types: the data, the first message of a run, its end. */
#define KB_DATA		1
#define KB_HELLO	2
#define KB_END		3

/*
 * Every ring and kernel buffer of a host case holds this much (opt.ring;
 * --vm-ring: a host case run in the VM, as a floor, gets the VM's) ...
 */
#define KB_RING		(256 * 1024)
/* ... and of a VM case: KB_VM_RING, with its reasons. */
#include "modules/kb_vm_ring.h"
/* Writers that batch gather up to this many bytes per call. */
#define KB_BATCH	(64 * 1024)

enum kb_kind {
	KB_KUC,		/* a libkuc channel: device, shm or pair */
	KB_BYTES,	/* a byte stream: pipe, unix STREAM socket, chardev */
	KB_SEQ,		/* unix SEQPACKET: one message per send and recv */
	KB_SPSC,	/* the bare ring written here */
	KB_GENL,	/* generic netlink to kucbench_genl.ko */
};

/* A ring of the bench's own: the floor for kucomms' record format. */
struct kb_spsc {
	uint64_t *prod;		/* producer position (own cache line) */
	uint64_t *cons;		/* consumer position (own cache line) */
	unsigned char *data;	/* 2 * size bytes, mirrored */
	uint64_t size;		/* bytes of the ring (a power of two) */
	uint64_t pos, peer;	/* own position; cached peer's */
	uint64_t pending;	/* consumer: record being looked at */
};

/* One side of a connection. */
struct kb_ep {
	enum kb_kind kind;
	bool batch;		/* writes gathered (KUC: send_more) */
	bool busy;		/* receive by polling, never sleeping */
	bool zero_copy;		/* KUC receive: kuc_peek()/kuc_release() */
	struct kuc_channel *ch;
	int rfd, wfd;
	int genl_family;
	uint32_t genl_seq;
	/* Reading: a buffer of what read() returned, parsed in place. */
	unsigned char *rbuf;
	size_t rcap, rlen, roff;
	/* Writing: the gathered records (batch) */
	unsigned char *wbuf;
	size_t wcap, wlen;
	unsigned int wmsgs;
	/* recvmmsg() of the batched genl reader */
	unsigned int mm_n, mm_i;
	void *mm;
	struct kb_spsc tx, rx;	/* KB_SPSC: one ring per direction */
	bool held;		/* a KUC peek or SPSC record to release */
	unsigned char *tmp;	/* a receive buffer (kuc_recv) */
	size_t tcap;
};

/* Per side figures over the measured interval. */
struct kb_side {
	uint64_t cpu_ns;	/* task clock of every thread of the side */
	uint64_t csw, vcsw, ivcsw;
	int64_t syscalls;	/* -1: not countable here */
	int64_t wakeups;	/* wakeups this side made (sched_wakeup) */
	uint64_t kicks, waits;	/* libkuc's own counters */
};

struct kb_counters {
	int fd[4];
	uint64_t v0[4];
	uint64_t ru_cpu, ru_v, ru_iv;
	bool thread;		/* RUSAGE_THREAD, else RUSAGE_SELF */
};

void kb_ctr_start(struct kb_counters *c, bool thread);
void kb_ctr_stop(struct kb_counters *c, struct kb_side *s);
bool kb_no_trace(void);
int kb_perf_open_pid(pid_t pid, int which);
uint64_t kb_perf_read(int fd);
int kb_hold_events(void);

/*
 * The transports (transport.c). Each returns 0 or a negative errno. A
 * message is always a header with its data right after it, in memory as
 * in kucomms' rings: kb_send() takes one, kb_recv() points at one (in the
 * transport's buffer or ring, valid until kb_done()).
 */
int kb_send(struct kb_ep *e, const struct kucomms_msg_hdr *msg);
int kb_flush(struct kb_ep *e);
int kb_recv(struct kb_ep *e, const struct kucomms_msg_hdr **msg);
void kb_done(struct kb_ep *e);
int kb_ep_buffers(struct kb_ep *e, size_t msg, size_t ring);
void kb_ep_close(struct kb_ep *e);
int kb_spsc_create(struct kb_spsc *prod, struct kb_spsc *cons, size_t size);
int kb_genl_open(struct kb_ep *e);

double kb_now(void);

/* One turn of a busy wait. */
static inline void kb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

#endif /* KUCBENCH_H */
