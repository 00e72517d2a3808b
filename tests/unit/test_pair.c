// SPDX-License-Identifier: MIT
/*
 * In-process pairs (kuc_pair_open()): the channel API with no kernel and
 * no second process. Echo through the endpoint thread, no loss with
 * backpressure through 4 KiB rings, zero-copy, kuc_wait(), close, and
 * when kuc_send_more() and kuc_commit_more() messages become visible.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kuc.h>

#include "../../libkuc/channel_shm.h"
#include "tap.h"

/* Message @i: length and bytes derived from it, checked on arrival. */
static void fill(uint64_t i, struct kucomms_msg_hdr *h, unsigned char *buf,
		 uint64_t max)
{
	uint64_t k;

	h->length = (i * 2654435761u) % (max + 1);
	h->type = 7;
	h->id = i;
	h->value = ~i;
	for (k = 0; k < h->length; k++)
		buf[k] = (unsigned char)(i + k);
}

static bool check(uint64_t i, const struct kucomms_msg_hdr *h,
		  const unsigned char *buf, uint64_t max)
{
	uint64_t k;

	if (h->id != i || h->type != 7 || h->value != ~i ||
	    h->length != (i * 2654435761u) % (max + 1))
		return false;
	for (k = 0; k < h->length; k++)
		if (buf[k] != (unsigned char)(i + k))
			return false;
	return true;
}

/* The echo endpoint: every message straight back, waiting for room. */
static void echo_message(struct kuc_channel *ch,
			 const struct kucomms_msg_hdr *hdr, const void *data,
			 void *ctx)
{
	int *errs = ctx;

	if (kuc_send_wait(ch, hdr, data, 5000))
		__atomic_add_fetch(errs, 1, __ATOMIC_RELAXED);
}

static int work_runs;

static void count_work(struct kuc_channel *ch, void *ctx)
{
	(void)ch;
	(void)ctx;
	__atomic_add_fetch(&work_runs, 1, __ATOMIC_RELAXED);
}

struct sender {
	struct kuc_channel *ch;
	uint64_t n, max;
	int err;
};

static void *send_all(void *arg)
{
	struct sender *s = arg;
	unsigned char *buf = malloc(s->max + 1);
	struct kucomms_msg_hdr h;
	uint64_t i;

	for (i = 0; i < s->n && !s->err; i++) {
		fill(i, &h, buf, s->max);
		s->err = kuc_send_wait(s->ch, &h, buf, 10000);
	}
	free(buf);
	return NULL;
}

/* @n messages through a pair with an echo endpoint: all back in order. */
static void test_echo(size_t ring, uint64_t n, uint64_t max)
{
	struct kuc_channel *a, *b;
	struct kuc_handlers h = { .message = echo_message, .work = count_work };
	struct kuc_channel_stats st;
	struct sender s;
	struct kucomms_msg_hdr r;
	unsigned char *in;
	pthread_t t;
	uint64_t got = 0, bad = 0;
	int errs = 0, ret;

	ret = kuc_pair_open(ring, &a, &b);
	TAP_OK(!ret, "pair of %zu-byte rings opens (%d)", ring, ret);
	if (ret)
		return;
	TAP_OK(kuc_channel_kind(a) == KUC_KIND_PAIR &&
	       !strcmp(kuc_kind_name(kuc_channel_kind(b)), "pair"),
	       "both ends are of kind pair");
	TAP_OK(kuc_fd(a) == -EOPNOTSUPP, "a pair has no fd to poll");
	if (max > kuc_msg_max(a))
		max = kuc_msg_max(a);
	in = malloc(kuc_msg_max(a));
	ret = kuc_endpoint_start(b, &h, &errs);
	TAP_OK(!ret, "endpoint thread starts on one end");
	s = (struct sender){ .ch = a, .n = n, .max = max };
	pthread_create(&t, NULL, send_all, &s);
	while (got < n) {
		ret = kuc_recv(a, &r, in, kuc_msg_max(a), 10000);
		if (ret)
			break;
		if (!check(got, &r, in, max))
			bad++;
		got++;
	}
	pthread_join(t, NULL);
	TAP_OK(!s.err && !ret, "sender and receiver ran without error (%d, %d)",
	       s.err, ret);
	TAP_OK(got == n && !bad && !errs,
	       "%llu messages echoed, %llu bad, %d echo errors",
	       (unsigned long long)got, (unsigned long long)bad, errs);
	kuc_channel_stats(a, &st);
	printf("# ring %zu: sent %llu, kicks %llu, waits %llu, full %llu\n",
	       ring, (unsigned long long)st.msgs_sent,
	       (unsigned long long)st.kicks, (unsigned long long)st.waits,
	       (unsigned long long)st.full);
	if (ring == 4096)
		TAP_OK(st.full > 0, "4 KiB rings: the sender found the ring "
		       "full (backpressure, not loss)");
	TAP_OK(st.kicks < st.msgs_sent,
	       "fewer wakeups (%llu) than messages (%llu)",
	       (unsigned long long)st.kicks,
	       (unsigned long long)st.msgs_sent);
	kuc_endpoint_stop(b);
	kuc_close(b);
	ret = kuc_recv(a, &r, in, kuc_msg_max(a), 1000);
	TAP_OK(ret == -ESHUTDOWN, "after the other end closed: ESHUTDOWN (%d)",
	       ret);
	ret = kuc_send(a, &r, in);
	TAP_OK(ret == -ESHUTDOWN, "send after close: ESHUTDOWN (%d)", ret);
	kuc_close(a);
	free(in);
}

/* Zero copy, kuc_wait() and the draining of messages before shutdown. */
static void test_zero_copy_and_wait(void)
{
	struct kuc_channel *a, *b;
	struct kucomms_msg_hdr *slot, r;
	const void *data;
	void *p;
	int ret, err;

	if (kuc_pair_open(4096, &a, &b))
		return;
	ret = kuc_wait(b, POLLIN, 0);
	TAP_OK(ret == 0, "empty: kuc_wait(POLLIN, 0) reports nothing (%d)",
	       ret);
	ret = kuc_wait(a, POLLOUT, 0);
	TAP_OK(ret == POLLOUT, "empty: POLLOUT ready (%d)", ret);
	p = kuc_reserve(a, 5, &slot, &err);
	TAP_OK(p && !err, "reserve 5 bytes");
	memcpy(p, "hello", 5);
	slot->id = 99;
	TAP_OK(!kuc_commit(a), "commit");
	ret = kuc_wait(b, POLLIN, 1000);
	TAP_OK(ret == POLLIN, "kuc_wait(POLLIN) sees it (%d)", ret);
	ret = kuc_peek(b, &r, &data);
	TAP_OK(!ret && r.length == 5 && r.id == 99 &&
	       !memcmp(data, "hello", 5), "peek returns it in place");
	kuc_release(b);
	TAP_OK(kuc_peek(b, &r, &data) == -EAGAIN, "released: empty again");
	/* A message then a close: the message first, then ESHUTDOWN. */
	r = (struct kucomms_msg_hdr){ .length = 0, .id = 5 };
	kuc_send(a, &r, NULL);
	kuc_close(a);
	ret = kuc_wait(b, POLLIN, 0);
	TAP_OK(ret & POLLIN && ret & POLLHUP, "POLLIN | POLLHUP (%d)", ret);
	ret = kuc_recv(b, &r, NULL, 0, 0);
	TAP_OK(!ret && r.id == 5, "the message sent before close arrives");
	ret = kuc_recv(b, &r, NULL, 0, -1);
	TAP_OK(ret == -ESHUTDOWN, "then ESHUTDOWN, without waiting (%d)", ret);
	kuc_close(b);
}

/* A receiver asleep on an empty ring is woken by a send from a thread. */
static void *late_send(void *arg)
{
	struct kucomms_msg_hdr h = { .id = 1 };

	usleep(100 * 1000);
	kuc_send(arg, &h, NULL);
	return NULL;
}

static void test_sleeping_receiver(void)
{
	struct kuc_channel *a, *b;
	struct kucomms_msg_hdr r;
	pthread_t t;
	int ret;

	if (kuc_pair_open(0, &a, &b))
		return;
	pthread_create(&t, NULL, late_send, a);
	ret = kuc_recv(b, &r, NULL, 0, 5000);
	pthread_join(t, NULL);
	TAP_OK(!ret && r.id == 1, "a sleeping receiver is woken (%d)", ret);
	TAP_OK(kuc_recv(b, &r, NULL, 0, 50) == -ETIMEDOUT,
	       "and times out when nothing comes");
	kuc_close(a);
	kuc_close(b);
}

/* kuc_send_more() done as kuc_reserve(), a copy in place, kuc_commit_more(). */
static int commit_more(struct kuc_channel *ch,
		       const struct kucomms_msg_hdr *hdr, const void *data)
{
	struct kucomms_msg_hdr *slot;
	void *p;
	int err;

	p = kuc_reserve(ch, hdr->length, &slot, &err);
	if (!p)
		return err;
	memcpy(p, data, hdr->length);
	slot->type = hdr->type;
	slot->id = hdr->id;
	slot->value = hdr->value;
	return kuc_commit_more(ch);
}

typedef int (*send_more_fn)(struct kuc_channel *ch,
			    const struct kucomms_msg_hdr *hdr,
			    const void *data);

/*
 * kuc_send_more() and kuc_commit_more() (@how) defer the publication to
 * kuc_flush() (or the next kuc_send()): a peer looking meanwhile sees
 * none of a short burst; one behind a long burst sees its start before
 * the flush; a full ring publishes all of it.
 */
static void test_send_more_deferred(const char *how, send_more_fn more)
{
	struct kuc_channel *a, *b;
	struct kucomms_msg_hdr h = { .length = 8, .type = 3 }, r;
	char buf[64] = "12345678";
	uint64_t i, n, got;
	int ret, fails = 0;

	if (kuc_pair_open(65536, &a, &b))
		return;
	for (i = 0; i < 10; i++) {
		h.id = i;
		fails += more(a, &h, buf) != 0;
	}
	TAP_OK(!fails, "10 %s succeed", how);
	ret = kuc_recv(b, &r, buf, sizeof(buf), 0);
	TAP_OK(ret == -EAGAIN, "%s: before kuc_flush() the peer sees none of "
	       "them (%d)", how, ret);
	ret = kuc_wait(b, POLLIN, 0);
	TAP_OK(ret == 0, "%s: nor does kuc_wait(POLLIN) (%d)", how, ret);
	TAP_OK(!kuc_flush(a), "kuc_flush()");
	for (got = 0; got < 10; got++)
		if (kuc_recv(b, &r, buf, sizeof(buf), 0) || r.id != got ||
		    r.type != 3 || r.length != 8 || memcmp(buf, "12345678", 8))
			break;
	TAP_OK(got == 10 && kuc_recv(b, &r, buf, sizeof(buf), 0) == -EAGAIN,
	       "%s: after it the peer gets all 10 intact in order (%llu)",
	       how, (unsigned long long)got);

	/* kuc_send() publishes what was left first. */
	h.id = 100;
	more(a, &h, buf);
	h.id = 101;
	TAP_OK(!kuc_send(a, &h, buf), "%s then kuc_send()", how);
	ret = kuc_recv(b, &r, buf, sizeof(buf), 0);
	TAP_OK(!ret && r.id == 100, "%s: the peer gets the first (%d)", how,
	       ret);
	ret = kuc_recv(b, &r, buf, sizeof(buf), 0);
	TAP_OK(!ret && r.id == 101, "%s: then the second (%d)", how, ret);

	/* Half the ring in one burst: its start is visible before a flush. */
	n = 65536 / 2 / 40;	/* 40-byte records */
	for (i = 0, fails = 0; i < n; i++) {
		h.id = i;
		fails += more(a, &h, buf) != 0;
	}
	TAP_OK(!fails, "%llu %s of 8 bytes (half the ring)",
	       (unsigned long long)n, how);
	ret = kuc_recv(b, &r, buf, sizeof(buf), 0);
	TAP_OK(!ret && r.id == 0, "%s: a long burst: the peer sees its start "
	       "before kuc_flush() (%d)", how, ret);
	kuc_flush(a);
	for (got = 1; got < n; got++)
		if (kuc_recv(b, &r, buf, sizeof(buf), 0) || r.id != got)
			break;
	TAP_OK(got == n, "%s: and all of it in order after the flush (%llu)",
	       how, (unsigned long long)got);

	/* A full ring publishes the whole burst before saying -EAGAIN. */
	for (n = 0; (ret = (h.id = n, more(a, &h, buf))) == 0; n++)
		;
	TAP_OK(ret == -EAGAIN && n > 1000, "%s until the ring is full: "
	       "%llu, then %d", how, (unsigned long long)n, ret);
	for (got = 0; got < n; got++)
		if (kuc_recv(b, &r, buf, sizeof(buf), 0) || r.id != got)
			break;
	TAP_OK(got == n, "%s: the peer gets all %llu without a flush (%llu)",
	       how, (unsigned long long)n, (unsigned long long)got);

	/* A wait for room publishes (and kicks) first. */
	h.id = 200;
	more(a, &h, buf);
	ret = kuc_wait(a, POLLOUT, 0);
	TAP_OK(ret == POLLOUT, "kuc_wait(POLLOUT) after %s (%d)", how, ret);
	ret = kuc_recv(b, &r, buf, sizeof(buf), 0);
	TAP_OK(!ret && r.id == 200, "%s: published the message: the peer "
	       "gets it (%d)", how, ret);

	/* A close publishes what was not flushed. */
	h.id = 7;
	more(a, &h, buf);
	kuc_close(a);
	ret = kuc_recv(b, &r, buf, sizeof(buf), 0);
	TAP_OK(!ret && r.id == 7, "a %s message not flushed arrives after "
	       "close (%d)", how, ret);
	ret = kuc_recv(b, &r, buf, sizeof(buf), 0);
	TAP_OK(ret == -ESHUTDOWN, "%s: then ESHUTDOWN (%d)", how, ret);
	kuc_close(b);
}

/* kuc_commit_more() with nothing reserved, and after a failed reserve. */
static void test_commit_more_nothing(void)
{
	struct kuc_channel *a, *b;
	struct kucomms_msg_hdr *slot;
	int ret, err;

	if (kuc_pair_open(4096, &a, &b))
		return;
	ret = kuc_commit_more(a);
	TAP_OK(ret == -EINVAL, "kuc_commit_more() with nothing reserved: "
	       "-EINVAL (%d)", ret);
	TAP_OK(!kuc_reserve(a, 1 << 20, &slot, &err) && err == -EMSGSIZE,
	       "kuc_reserve() of 1 MiB on a 4 KiB ring: -EMSGSIZE (%d)", err);
	ret = kuc_commit_more(a);
	TAP_OK(ret == -EINVAL, "then kuc_commit_more(): -EINVAL (%d)", ret);
	kuc_flush(a);
	ret = kuc_wait(b, POLLIN, 0);
	TAP_OK(ret == 0, "and the peer has nothing (%d)", ret);
	kuc_close(a);
	kuc_close(b);
}

struct drainer {
	struct kuc_channel *ch;
	uint64_t n, got;
};

/* Receive @n messages with ids 0.. in order, starting a little late. */
static void *drain_late(void *arg)
{
	struct drainer *d = arg;
	struct kucomms_msg_hdr r;
	unsigned char *buf = malloc(kuc_msg_max(d->ch));

	usleep(50 * 1000);
	for (d->got = 0; d->got < d->n; d->got++)
		if (kuc_recv(d->ch, &r, buf, kuc_msg_max(d->ch), 10000) ||
		    r.id != d->got)
			break;
	free(buf);
	return NULL;
}

/*
 * Unpublished kuc_send_more() messages never block a sender that waits
 * for room: a message of the whole ring needs them consumed, so they
 * must be published (and the peer woken) before the sender sleeps.
 */
static void test_send_more_then_wait(bool locked)
{
	struct kuc_channel *a, *b;
	struct kucomms_msg_hdr h = { .length = 8 };
	struct drainer d;
	unsigned char *big;
	pthread_t t;
	uint64_t i;
	int ret;

	if (kuc_pair_open(65536, &a, &b))
		return;
	big = calloc(1, kuc_msg_max(a));
	for (i = 0; i < 3; i++) {
		h.id = i;
		kuc_send_more(a, &h, big);
	}
	d = (struct drainer){ .ch = b, .n = 4 };
	pthread_create(&t, NULL, drain_late, &d);
	h = (struct kucomms_msg_hdr){ .length = kuc_msg_max(a), .id = 3 };
	ret = locked ? kuc_send_locked(a, &h, big, 10000) :
		       kuc_send_wait(a, &h, big, 10000);
	pthread_join(t, NULL);
	TAP_OK(!ret && d.got == 4, "%s of a whole-ring message after 3 "
	       "kuc_send_more() does not wait for itself (%d, %llu of 4)",
	       locked ? "kuc_send_locked()" : "kuc_send_wait()", ret,
	       (unsigned long long)d.got);
	free(big);
	kuc_close(a);
	kuc_close(b);
}

/* A sender that never sleeps: kuc_send() again until there is room. */
struct spinner {
	struct kuc_channel *ch;
	uint64_t n, full;
	int err;
};

static void *send_spinning(void *arg)
{
	struct spinner *sp = arg;
	struct kucomms_msg_hdr h = { .length = 64 };
	unsigned char buf[64] = { 0 };
	uint64_t i;
	int ret;

	for (i = 0; i < sp->n && !sp->err; i++) {
		h.id = i;
		while ((ret = kuc_send(sp->ch, &h, buf)) == -EAGAIN)
			sp->full++;
		sp->err = ret;
	}
	return NULL;
}

/* @send sends sp->n messages on sp->ch; @b receives them in order. */
static void stream(struct spinner *sp, void *(*send)(void *),
		   struct kuc_channel *b, const char *what)
{
	struct kucomms_msg_hdr r;
	unsigned char buf[64];
	pthread_t t;
	uint64_t got = 0;
	int ret = 0;

	pthread_create(&t, NULL, send, sp);
	while (got < sp->n &&
	       !(ret = kuc_recv(b, &r, buf, sizeof(buf), 10000)) && r.id == got)
		got++;
	pthread_join(t, NULL);
	TAP_OK(!sp->err && !ret && got == sp->n, "%s: %llu of %llu messages "
	       "in order (%d, %d)", what, (unsigned long long)got,
	       (unsigned long long)sp->n, sp->err, ret);
}

/*
 * The receiver's wakeup calls for a sender are asked for by the sender's
 * sleep (kucomms_ring.h, "Announcing at sleep"): one that only spins for
 * room costs it none, however often it finds the ring full; one that
 * sleeps gets its call.
 */
static void test_sender_wakeups(void)
{
	struct kuc_channel *a, *b;
	struct kuc_channel_stats sa, sb;
	struct kucomms_msg_hdr r;
	static unsigned char buf[1024];
	struct spinner sp;
	struct drainer d;
	pthread_t t;
	int ret = 0;

	if (kuc_pair_open(4096, &a, &b))
		return;
	sp = (struct spinner){ .ch = a, .n = 20000 };
	stream(&sp, send_spinning, b, "a spinning sender");
	kuc_channel_stats(b, &sb);
	TAP_OK(sp.full > 0 && sb.kicks == 0, "it found the ring full %llu "
	       "times and was never woken: %llu wakeup calls",
	       (unsigned long long)sp.full, (unsigned long long)sb.kicks);

	/* 4 KiB of messages fill the ring; the 5th waits for the drainer. */
	d = (struct drainer){ .ch = b, .n = 5 };
	pthread_create(&t, NULL, drain_late, &d);
	r = (struct kucomms_msg_hdr){ .length = 1024 - sizeof(r) };
	for (r.id = 0; r.id < d.n && !ret; r.id++)
		ret = kuc_send_wait(a, &r, buf, 10000);
	pthread_join(t, NULL);
	kuc_channel_stats(a, &sa);
	kuc_channel_stats(b, &sb);
	TAP_OK(!ret && d.got == d.n && sa.waits > 0 && sb.kicks > 0,
	       "a sender that slept for room was woken (%d, %llu of %llu, "
	       "%llu sleeps, %llu wakeup calls)", ret,
	       (unsigned long long)d.got, (unsigned long long)d.n,
	       (unsigned long long)sa.waits, (unsigned long long)sb.kicks);
	kuc_close(a);
	kuc_close(b);
}

/* Bursts of 8 with pauses: the receiver runs dry and sleeps often. */
static void *send_in_bursts(void *arg)
{
	struct spinner *sp = arg;
	struct kucomms_msg_hdr h = { .length = 64 };
	unsigned char buf[64] = { 0 };
	uint64_t i;

	for (i = 0; i < sp->n && !sp->err; i++) {
		h.id = i;
		sp->err = kuc_send_wait(sp->ch, &h, buf, 10000);
		if ((i & 7) == 7)
			usleep(20);
	}
	return NULL;
}

/*
 * No wakeup is lost, with the light P2 of kucomms_ring.h (a pair whose
 * process could register for membarrier(2)) or without: a receiver that
 * sleeps thousands of times is woken for every message, never by the
 * time-out of its sleep (slept_out: a lost wakeup costs a 500 ms slice).
 */
static void test_no_lost_wakeup(void)
{
	struct kuc_channel *a, *b;
	struct kuc_channel_stats sb;
	struct spinner sp;

	if (kuc_pair_open(65536, &a, &b))
		return;
	printf("# membarrier: %s\n", b->shm->membarrier ?
	       "registered, light P2" : "not available, full P2");
	sp = (struct spinner){ .ch = a, .n = 40000 };
	stream(&sp, send_in_bursts, b, "bursts with pauses");
	kuc_channel_stats(b, &sb);
	TAP_OK(sb.waits > 500 && !b->shm->slept_out,
	       "the receiver slept %llu times, woken every time (%llu "
	       "sleeps ended by their time-out)",
	       (unsigned long long)sb.waits,
	       (unsigned long long)b->shm->slept_out);
	kuc_close(a);
	kuc_close(b);
}

/*
 * An idle endpoint thread with a work handler: what its handlers see of
 * its own NEED_WAKEUP flag, and a work handler that pauses on request.
 */
struct idle_ep {
	struct kuc_channel *ch;		/* the thread's end */
	int msgs, flag_in_message;	/* atomic */
	int works, flag_in_work;	/* atomic */
	int pause, pausing;		/* atomic: request, and in it */
};

static bool flag_up(struct kuc_channel *ch)
{
	return __atomic_load_n(&ch->rx.cons->flags, __ATOMIC_RELAXED) &
	       KUCOMMS_RING_NEED_WAKEUP;
}

static void idle_message(struct kuc_channel *ch,
			 const struct kucomms_msg_hdr *hdr, const void *data,
			 void *ctx)
{
	struct idle_ep *ie = ctx;

	(void)hdr;
	(void)data;
	if (flag_up(ch))
		__atomic_add_fetch(&ie->flag_in_message, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&ie->msgs, 1, __ATOMIC_RELEASE);
}

static void idle_work(struct kuc_channel *ch, void *ctx)
{
	struct idle_ep *ie = ctx;

	if (flag_up(ch))
		__atomic_add_fetch(&ie->flag_in_work, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&ie->works, 1, __ATOMIC_RELAXED);
	if (!__atomic_load_n(&ie->pause, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&ie->pausing, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&ie->pause, __ATOMIC_ACQUIRE))
		usleep(1000);
	__atomic_store_n(&ie->pausing, 0, __ATOMIC_RELEASE);
}

/* Wait (up to 5 s) until the thread handled @n messages in all. */
static bool idle_handled(struct idle_ep *ie, int n)
{
	int i;

	for (i = 0; i < 5000; i++) {
		if (__atomic_load_n(&ie->msgs, __ATOMIC_ACQUIRE) >= n)
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * An idle endpoint thread sleeps until its next work tick, 100 times a
 * second. Its NEED_WAKEUP flag stays up across those timed-out sleeps,
 * so it announces a sleep (and with the light P2 makes a membarrier(2)
 * call) once per idle stretch, not once per tick; a message sent to it
 * still wakes it (the sender's wakeup call); and a message that finds
 * the flag up once the thread is awake (here: sent while its work
 * handler runs) takes it down before any handler sees it, so a stream
 * makes no wakeup call per message.
 */
static void test_idle_ticks(void)
{
	struct kuc_handlers h = { .message = idle_message, .work = idle_work };
	struct kuc_channel_stats s0, s1;
	struct kucomms_msg_hdr hdr = { .type = 1 };
	struct idle_ep ie = { 0 };
	struct kuc_channel *a, *b;
	uint64_t announced;
	int works, i;

	if (kuc_pair_open(65536, &a, &b))
		return;
	ie.ch = b;
	if (kuc_endpoint_start(b, &h, &ie))
		return;
	usleep(300 * 1000);
	works = __atomic_load_n(&ie.works, __ATOMIC_RELAXED);
	announced = __atomic_load_n(&b->shm->announced, __ATOMIC_RELAXED);
	TAP_OK(works >= 10 && announced <= 2 &&
	       __atomic_load_n(&ie.flag_in_work, __ATOMIC_RELAXED) >= works - 2,
	       "idle for 0.3 s: %d work ticks, %llu sleep announcements, the "
	       "flag up in %d of the ticks", works,
	       (unsigned long long)announced, ie.flag_in_work);

	kuc_channel_stats(a, &s0);
	TAP_OK(!kuc_send(a, &hdr, NULL) && idle_handled(&ie, 1),
	       "a message sent to the idle thread is handled");
	kuc_channel_stats(a, &s1);
	TAP_OK(s1.kicks > s0.kicks, "its sender woke the thread (%llu call)",
	       (unsigned long long)(s1.kicks - s0.kicks));

	/*
	 * Idle again for a few ticks (each finds the flag up), then pause
	 * in the next one.
	 */
	usleep(50 * 1000);
	__atomic_store_n(&ie.pause, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 5000 && !__atomic_load_n(&ie.pausing,
						 __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	TAP_OK(flag_up(b), "paused in a tick with the flag up");
	for (i = 0; i < 10; i++)
		kuc_send(a, &hdr, NULL);
	__atomic_store_n(&ie.pause, 0, __ATOMIC_RELEASE);
	TAP_OK(idle_handled(&ie, 11) &&
	       !__atomic_load_n(&ie.flag_in_message, __ATOMIC_RELAXED),
	       "messages sent meanwhile: %d handled, the flag up in %d of "
	       "them", ie.msgs, ie.flag_in_message);
	kuc_endpoint_stop(b);
	TAP_OK(!flag_up(b), "after the thread stopped the flag is down");
	kuc_close(a);
	kuc_close(b);
}

int main(void)
{
	struct kuc_channel *a, *b;

	TAP_OK(kuc_pair_open(1000, &a, &b) == -EINVAL,
	       "ring size not a power of two: EINVAL");
	TAP_OK(kuc_pair_open(4096, NULL, &b) == -EINVAL, "NULL: EINVAL");
	TAP_OK(!kuc_pair_open(4096, &a, &b), "pair for kuc_set_direct()");
	/* Its peer's handlers run in the peer's thread, never in ours. */
	TAP_OK(kuc_set_direct(a, true) == -EOPNOTSUPP &&
	       kuc_set_direct(b, false) == -EOPNOTSUPP,
	       "kuc_set_direct() on a pair: EOPNOTSUPP");
	kuc_close(a);
	kuc_close(b);
	test_echo(4096, 100000, 1000);
	test_echo(65536, 50000, 4096);
	test_zero_copy_and_wait();
	test_sleeping_receiver();
	test_send_more_deferred("kuc_send_more()", kuc_send_more);
	test_send_more_deferred("kuc_commit_more()", commit_more);
	test_commit_more_nothing();
	test_send_more_then_wait(false);
	test_send_more_then_wait(true);
	test_sender_wakeups();
	test_no_lost_wakeup();
	test_idle_ticks();
	TAP_OK(__atomic_load_n(&work_runs, __ATOMIC_RELAXED) > 0,
	       "the work handler ran (%d times)", work_runs);
	return tap_done();
}
