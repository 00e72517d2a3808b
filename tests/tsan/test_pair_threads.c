// SPDX-License-Identifier: MIT
/*
 * A pair under ThreadSanitizer: four threads kuc_send_locked() into one
 * end through 4 KiB rings while the other end's endpoint thread echoes
 * every message back and a receiver thread on the first end checks them.
 * Every side sleeps on futexes behind the ring handshakes (no naps, no
 * polling): a lost wakeup shows as a time-out, a race as a TSan report.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kuc.h>

#include "../unit/tap.h"

#define THREADS		4
#define PER_THREAD	50000ULL
#define MAX_LEN		200

struct job {
	struct kuc_channel *ch;
	unsigned int t;
	int err;
};

static void echo(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		 const void *data, void *ctx)
{
	int *errs = ctx;

	if (kuc_send_wait(ch, hdr, data, 10000))
		__atomic_add_fetch(errs, 1, __ATOMIC_RELAXED);
}

static uint64_t len_of(unsigned int t, uint64_t i)
{
	return (i * 7 + t * 13) % (MAX_LEN + 1);
}

static void *sender(void *arg)
{
	struct job *j = arg;
	unsigned char buf[MAX_LEN];
	struct kucomms_msg_hdr h;
	uint64_t i;

	for (i = 0; i < PER_THREAD && !j->err; i++) {
		h = (struct kucomms_msg_hdr){
			.length = len_of(j->t, i), .type = j->t, .id = i,
		};
		memset(buf, (int)(i + j->t), h.length);
		j->err = kuc_send_locked(j->ch, &h, buf, 10000);
	}
	return NULL;
}

int main(void)
{
	struct kuc_handlers h = { .message = echo };
	uint64_t next[THREADS] = { 0 }, got = 0, bad = 0, k;
	struct job jobs[THREADS];
	struct kuc_channel *a, *b;
	struct kucomms_msg_hdr r;
	unsigned char buf[MAX_LEN];
	pthread_t tids[THREADS];
	unsigned int t;
	int errs = 0, ret = 0;

	if (kuc_pair_open(4096, &a, &b) || kuc_endpoint_start(b, &h, &errs)) {
		TAP_OK(0, "pair and endpoint set up");
		return tap_done();
	}
	for (t = 0; t < THREADS; t++) {
		jobs[t] = (struct job){ .ch = a, .t = t };
		pthread_create(&tids[t], NULL, sender, &jobs[t]);
	}
	while (got < THREADS * PER_THREAD) {
		ret = kuc_recv(a, &r, buf, sizeof(buf), 10000);
		if (ret)
			break;
		got++;
		/* Each thread's messages come back in its own order. */
		if (r.type >= THREADS || r.id != next[r.type]++ ||
		    r.length != len_of((unsigned int)r.type, r.id)) {
			bad++;
			continue;
		}
		for (k = 0; k < r.length; k++)
			if (buf[k] != (unsigned char)(r.id + r.type))
				bad++;
	}
	for (t = 0; t < THREADS; t++) {
		pthread_join(tids[t], NULL);
		TAP_OK(!jobs[t].err, "sender %u: no error (%d)", t, jobs[t].err);
	}
	TAP_OK(!ret, "receiver: no error or time-out (%d)", ret);
	TAP_OK(got == THREADS * PER_THREAD && !bad && !errs,
	       "%llu of %llu messages back, %llu bad, %d echo errors",
	       (unsigned long long)got,
	       (unsigned long long)(THREADS * PER_THREAD),
	       (unsigned long long)bad, errs);
	kuc_endpoint_stop(b);
	kuc_close(b);
	kuc_close(a);
	return tap_done();
}
