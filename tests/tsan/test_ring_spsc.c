// SPDX-License-Identifier: MIT
/*
 * The ring of kucomms_ring.h under ThreadSanitizer: a producer thread and
 * a consumer thread pass a million messages of random sizes through a
 * 4 KiB ring, so that it wraps and fills all the time. Neither side ever
 * spins: each sleeps on a futex behind the NEED_WAKEUP handshake, and a
 * lost wakeup would show as a wait that times out.
 *
 * Futex words. A sleeper waits on the peer's position (see libkuc/futex.h
 * for why not on the flag): the consumer on prod->pos, the producer on
 * cons->pos.
 *
 * The producer's side of the handshake. The ABI has a flag for a sleeping
 * consumer (cons->flags) but none for a producer waiting for space, and
 * the consumer needs one to know when a release must be followed by a
 * wakeup call. This test keeps it on the producer's page, right after
 * struct kucomms_ring_prod, and runs the same handshake mirrored:
 *   producer: flag = NEED_SPACE; full barrier; re-read the space; wait
 *             only if still short; clear the flag when running again
 *   consumer: store-release cons->pos; full barrier; flag set -> wake
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <kucomms/kucomms_ring.h>

/* Private library headers: the test links the library objects. */
#include "../../libkuc/futex.h"
#include "../../libkuc/mirror.h"
#include "../unit/tap.h"

#define RING_SIZE	4096ULL
#define PAGE		4096ULL
#define N_MSGS		1000000ULL
#define PROD_NEED_SPACE	(1U << 0)
/*
 * Far longer than any scheduling delay: expiry means a lost wakeup, and
 * the run stops rather than crawl on from one timeout to the next.
 */
#define WAIT_TIMEOUT_S	5

typedef unsigned long long ull;

struct stats {
	ull msgs;	/* produced or consumed */
	ull waits;	/* futex waits */
	ull wakes;	/* futex wake calls made for the peer */
	ull timeouts;	/* waits that expired: a lost wakeup */
	ull eagain;	/* producer: ring full; consumer: ring empty */
	ull errors;	/* -EPROTO or other unexpected results */
	ull order;	/* consumer: lost, duplicated or reordered */
	ull bad_data;	/* consumer: header or data differ */
};

static struct kucomms_ring_prod *prod;
static struct kucomms_ring_cons *cons;
static uint32_t *prod_flags;	/* the producer's waiting flag, see top */
static unsigned char *data;
static ull n_msgs = N_MSGS;
static struct kucomms_ring pr, cr;	/* producer's and consumer's views */
static struct stats ps, cs;
static int stop;	/* set on a lost wakeup: both sides give up */

static inline __attribute__((always_inline)) __u64 splitmix(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Message @seq: its length, 0..msg_max, and its data PRNG seed. */
static __u64 msg_len(__u64 seq)
{
	__u64 s = seq ^ 0x1234567887654321ULL;

	return splitmix(&s) % (KUCOMMS_MSG_MAX(RING_SIZE) + 1);
}

static inline __attribute__((always_inline)) __u64 msg_seed(__u64 seq)
{
	return seq * 0xd1b54a32d192ed03ULL + 1;
}

static struct kucomms_msg_hdr msg_hdr(__u64 seq)
{
	struct kucomms_msg_hdr h = {
		.length = msg_len(seq),
		.type = seq ^ 0xa5a5a5a5a5a5a5a5ULL,
		.id = seq,
		.value = ~seq,
	};

	return h;
}

/*
 * Data. Two gigabytes pass through the ring, and TSan checking all of it
 * range by range would cost more than everything else together. So the
 * data is generated and verified in full by uninstrumented code, and TSan
 * is told about the ring accesses explicitly: every byte for a quarter of
 * the messages, the first and last 8 bytes for the others. Every header is
 * always checked (plain stores against the consumer's atomic loads).
 */
void __tsan_read_range(void *addr, unsigned long size);
void __tsan_write_range(void *addr, unsigned long size);

static bool tsan_full(__u64 seq)
{
	/* 0 mod 8 is copied in by produce, 1 mod 8 built in place. */
	return seq % 8 < 2;
}

static void tsan_note(bool write, const unsigned char *p, __u64 len,
		      __u64 seq)
{
	void (*note)(void *, unsigned long) =
		write ? __tsan_write_range : __tsan_read_range;
	void *v = (void *)p;

	if (tsan_full(seq) || len <= 16) {
		if (len)
			note(v, len);
		return;
	}
	note(v, 8);
	note((unsigned char *)v + len - 8, 8);
}

/*
 * Message @seq's data: @len bytes of its PRNG, a word at a time, to @dst
 * (8-byte aligned, room rounded up to 8: a record's padding).
 */
__attribute__((no_sanitize("thread")))
static void gen(unsigned char *dst, __u64 len, __u64 seq)
{
	__u64 s = msg_seed(seq), i;

	for (i = 0; i < len; i += 8)
		*(__u64 *)(dst + i) = splitmix(&s);
}

/* True when @src holds message @seq's @len bytes. */
__attribute__((no_sanitize("thread")))
static bool verify(const unsigned char *src, __u64 len, __u64 seq)
{
	__u64 s = msg_seed(seq), i, w, k;

	for (i = 0; i + 8 <= len; i += 8)
		if (*(const __u64 *)(src + i) != splitmix(&s))
			return false;
	w = splitmix(&s);
	for (k = 0; i + k < len; k++)
		if (src[i + k] != ((const unsigned char *)&w)[k])
			return false;
	return true;
}

static int wait_on(const __u64 *pos, __u64 seen, struct stats *st)
{
	struct timespec ts = { .tv_sec = WAIT_TIMEOUT_S };
	int r = kuc_futex_wait(kuc_futex_pos_word(pos), (uint32_t)seen, &ts);

	st->waits++;
	if (r == -ETIMEDOUT) {
		st->timeouts++;
		__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	} else if (r && r != -EAGAIN && r != -EINTR)
		st->errors++;
	return r;
}

/* Sleep until @rec bytes may be free: the producer's handshake. */
static void producer_wait(__u64 rec)
{
	long long space;

	__atomic_store_n(prod_flags, PROD_NEED_SPACE, __ATOMIC_RELAXED);
	kuc_full_barrier();
	space = kucomms_ring_space(&pr);
	if (space < 0) {
		ps.errors++;
	} else if ((__u64)space < rec) {
		/* The consumer position that left only @space free. */
		wait_on(&cons->pos, pr.pos - (RING_SIZE - (__u64)space), &ps);
	}
	__atomic_store_n(prod_flags, 0, __ATOMIC_RELAXED);
}

static void *producer(void *arg)
{
	unsigned char *buf = malloc(KUCOMMS_MSG_MAX(RING_SIZE) + 8);
	__u64 seq;

	(void)arg;
	if (!buf) {
		ps.errors++;
		return NULL;
	}
	for (seq = 0; seq < n_msgs && !ps.errors &&
	     !__atomic_load_n(&stop, __ATOMIC_RELAXED); seq++) {
		struct kucomms_msg_hdr h = msg_hdr(seq), *slot;
		int err;

		/*
		 * One message in four is copied in by produce (its memcpy
		 * is checked by TSan in full); the others are built in place
		 * between reserve and commit.
		 */
		if (seq % 4 == 0)
			gen(buf, h.length, seq);
		for (;;) {
			if (seq % 4) {
				slot = kucomms_ring_reserve(&pr, h.length,
							    &err);
				if (slot) {
					*slot = h;
					gen((unsigned char *)(slot + 1),
					    h.length, seq);
					tsan_note(true,
						  (unsigned char *)(slot + 1),
						  h.length, seq);
					kucomms_ring_commit(&pr);
				}
			} else {
				err = kucomms_ring_produce(&pr, &h, buf);
			}
			if (err != -EAGAIN)
				break;
			ps.eagain++;
			if (__atomic_load_n(&stop, __ATOMIC_RELAXED))
				break;
			producer_wait(kucomms_record_size(h.length));
		}
		if (err == -EAGAIN)	/* stopped */
			break;
		if (err) {
			ps.errors++;
			break;
		}
		ps.msgs++;
		if (kucomms_ring_need_wakeup(&pr)) {
			ps.wakes++;
			if (kuc_futex_wake(kuc_futex_pos_word(&prod->pos),
					   1) < 0)
				ps.errors++;
		}
	}
	free(buf);
	return NULL;
}

static void *consumer(void *arg)
{
	__u64 expect = 0;

	(void)arg;
	while (expect < n_msgs && !cs.errors &&
	       !__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		struct kucomms_msg_hdr h, want;
		const void *d = NULL;
		long long rec = kucomms_ring_peek(&cr, &h, &d);

		if (rec == -EAGAIN) {
			long long r = kucomms_ring_prepare_sleep(&cr);

			cs.eagain++;
			if (r < 0) {
				cs.errors++;
				break;
			}
			if (r > 0)
				continue;
			/* Empty at our position: sleep until it moves. */
			wait_on(&prod->pos, cr.pos, &cs);
			kucomms_ring_awake(&cr);
			continue;
		}
		if (rec < 0) {
			cs.errors++;
			break;
		}
		if (h.id != expect) {
			if (!cs.order)
				printf("# expected message %llu, got %llu\n",
				       expect, (ull)h.id);
			cs.order++;
			/* Resynchronise, so one slip is not counted forever. */
			expect = h.id;
		}
		want = msg_hdr(expect);
		tsan_note(false, d, h.length, expect);
		if (memcmp(&h, &want, sizeof(h)) ||
		    !verify(d, h.length, expect)) {
			if (!cs.bad_data)
				printf("# message %llu differs\n", expect);
			cs.bad_data++;
		}
		kucomms_ring_release(&cr, (__u64)rec);
		cs.msgs++;
		expect++;
		/* The mirrored handshake, the consumer's half. */
		kuc_full_barrier();
		if (__atomic_load_n(prod_flags, __ATOMIC_RELAXED) &
		    PROD_NEED_SPACE) {
			cs.wakes++;
			if (kuc_futex_wake(kuc_futex_pos_word(&cons->pos),
					   1) < 0)
				cs.errors++;
		}
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	pthread_t pt, ct;
	unsigned char *pages;
	double t0, secs;

	/* An optional message count, for quick runs. */
	if (argc > 1)
		n_msgs = strtoull(argv[1], NULL, 0);

	/* The producer's page and the consumer's page, then the data. */
	pages = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	data = kuc_mirror_alloc(RING_SIZE);
	if (pages == MAP_FAILED || !data) {
		printf("Bail out! cannot map the ring\n");
		return EXIT_FAILURE;
	}
	prod = (struct kucomms_ring_prod *)pages;
	cons = (struct kucomms_ring_cons *)(pages + PAGE);
	/* Its own cache line on the producer's page. */
	prod_flags = (uint32_t *)(pages + 64);
	kucomms_ring_init(&pr, prod, cons, data, RING_SIZE, 0);
	kucomms_ring_init(&cr, prod, cons, data, RING_SIZE, 0);

	t0 = now();
	if (pthread_create(&ct, NULL, consumer, NULL) ||
	    pthread_create(&pt, NULL, producer, NULL)) {
		printf("Bail out! pthread_create\n");
		return EXIT_FAILURE;
	}
	pthread_join(pt, NULL);
	pthread_join(ct, NULL);
	secs = now() - t0;

	TAP_OK(ps.msgs == n_msgs && cs.msgs == n_msgs && !cs.order,
	       "%llu messages sent and received in order, none lost or duplicated (%llu out of order)",
	       n_msgs, cs.order);
	TAP_OK(!cs.bad_data, "every header and data byte as sent (%llu differ)",
	       cs.bad_data);
	TAP_OK(!ps.errors && !cs.errors,
	       "no -EPROTO or futex error (producer %llu, consumer %llu)",
	       ps.errors, cs.errors);
	TAP_OK(!ps.timeouts && !cs.timeouts,
	       "no wait timed out, so no wakeup was lost (producer %llu, consumer %llu)",
	       ps.timeouts, cs.timeouts);
	TAP_OK(ps.waits && cs.waits,
	       "both sides slept: producer %llu times, consumer %llu times",
	       ps.waits, cs.waits);
	TAP_OK(prod->wakeups == ps.wakes && prod->full == ps.eagain,
	       "prod->wakeups %llu and prod->full %llu count the producer's wakeups and full rings",
	       (ull)prod->wakeups, (ull)prod->full);
	TAP_OK(prod->pos == cons->pos && pr.pos == cr.pos && prod->pos == pr.pos &&
	       !(cons->flags & KUCOMMS_RING_NEED_WAKEUP),
	       "ring empty at the end, positions agree (%llu bytes passed)",
	       (ull)pr.pos);
	printf("# futex wake calls per 100 messages: %.2f (producer->consumer %llu, consumer->producer %llu)\n",
	       n_msgs ? 100.0 * (double)(ps.wakes + cs.wakes) / (double)n_msgs : 0.0,
	       ps.wakes, cs.wakes);
	printf("# futex waits: producer %llu, consumer %llu; full %llu, empty %llu; %.1f s\n",
	       ps.waits, cs.waits, ps.eagain, cs.eagain, secs);
	kuc_mirror_unmap(data, RING_SIZE);
	munmap(pages, 2 * PAGE);
	return tap_done();
}
