/* SPDX-License-Identifier: MIT */
/*
 * What the in-process shm tests share (test_shm.c: channels, attach
 * rules, damaged and truncated segments; test_shm_tap.c: the monitor
 * tap): the segment's name, an echo handler for the server's endpoint
 * thread and round trips through it. Static inline: a program may use
 * only some of it.
 */
#ifndef KUC_SHM_HARNESS_H
#define KUC_SHM_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <kuc.h>
#include <kucomms/kucomms_shm.h>

#include "tap.h"

/* kuc_shm_create()'s owner and group: the caller's. */
#define ID_KEEP	(uid_t)-1, (gid_t)-1

static char name[64], spec[80];

/* A segment of this process's own: "kucomms_unit_PID". */
static inline void shm_names(void)
{
	snprintf(name, sizeof(name), "kucomms_unit_%d", (int)getpid());
	snprintf(spec, sizeof(spec), "shm:%s", name);
}

static inline void echo(struct kuc_channel *ch,
			const struct kucomms_msg_hdr *hdr,
			const void *data, void *ctx)
{
	(void)ctx;
	kuc_send_wait(ch, hdr, data, 5000);
}

/* @n messages to the echo and back, checked; returns how many were good. */
static inline unsigned int round_trips(struct kuc_channel *c, unsigned int n)
{
	struct kucomms_msg_hdr h, r;
	char out[256], in[256];
	unsigned int i, good = 0;

	for (i = 0; i < n; i++) {
		h = (struct kucomms_msg_hdr){ .length = i % 200, .id = i };
		memset(out, (int)i, h.length);
		if (kuc_send_wait(c, &h, out, 5000) ||
		    kuc_recv(c, &r, in, sizeof(in), 5000))
			break;
		good += r.id == i && r.length == h.length &&
			!memcmp(in, out, h.length);
	}
	return good;
}

#endif
