// SPDX-License-Identifier: MIT
/*
 * kuc_echo_client: drive kucomms_echo.ko (NAME kucomms_echo) or its
 * userspace twin kucomms_echo_user (NAME shm:kucomms_echo) through libkuc
 * and check every reply. Run by tests/bats/echo.bats in the test VM and
 * by tests/host/shm.bats on the host.
 *
 * Every message is reproducible from (seed, stream, id): its length and
 * data come from a PRNG seeded with them, its header carries id = the
 * sequence number in its stream, type = the stream's tag and value = the
 * FNV-1a 64 of its data. A reply is checked against all of that, and
 * each stream keeps a bitmap of the ids it got, so that losses,
 * duplicates, reordering and corruption are all counted.
 *
 * Exit status: 0 all replies perfect, 1 a check failed, 2 an error (its
 * errno name is printed, e.g. "open kucomms_echo: ENXIO").
 */
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

static struct opts {
	uint64_t count;
	uint64_t min_size, max_size;	/* max_size 0: the channel's max */
	uint64_t seed;
	unsigned int conns, threads;
	enum mode mode;
	bool batch;			/* kuc_send_more() + kuc_flush() */
	int timeout_ms;			/* no progress for this long: fail */
	unsigned int duration;		/* endpoint mode: seconds at least */
	const char *name;
} opt = {
	.count = 1000,
	.seed = 1,
	.conns = 1,
	.timeout_ms = 10000,
	.duration = 5,
};

static const char *errname(int err)
{
	const char *s = strerrorname_np(err < 0 ? -err : err);

	return s ? s : "E?";
}

static void fail_err(const char *what, int err)
{
	fprintf(stderr, "kuc_echo_client: %s: %s (%s)\n", what, errname(err),
		kuc_strerror(err));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- reproducible messages ------------------------------------------ */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t fnv1a64(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Fill @hdr and @buf with message @id of @stream. */
static void make_msg(unsigned int stream, uint64_t id, uint64_t max,
		     struct kucomms_msg_hdr *hdr, unsigned char *buf)
{
	uint64_t s = opt.seed ^ ((uint64_t)stream << 48) ^ (id * 0x2545f491ULL);
	uint64_t span = max - opt.min_size + 1, len, r = 0, i;

	len = opt.min_size + splitmix64(&s) % span;
	for (i = 0; i < len; i++) {
		if (!(i & 7))
			r = splitmix64(&s);
		buf[i] = (unsigned char)(r >> (8 * (i & 7)));
	}
	hdr->length = len;
	hdr->type = TAG_BASE + stream;
	hdr->id = id;
	hdr->value = fnv1a64(buf, len);
}

/* The expected length of message @id (without generating its data). */
static uint64_t msg_len(unsigned int stream, uint64_t id, uint64_t max)
{
	uint64_t s = opt.seed ^ ((uint64_t)stream << 48) ^ (id * 0x2545f491ULL);

	return opt.min_size + splitmix64(&s) % (max - opt.min_size + 1);
}

/* ---- reply bookkeeping ---------------------------------------------- */

struct tracker {
	unsigned int stream;
	uint64_t type;		/* the type every reply must carry */
	uint64_t n, max;	/* messages expected, their size bound */
	unsigned char *seen;	/* one bit per id */
	uint64_t next;		/* id expected next, for reordering */
	uint64_t got;		/* replies of any kind */
	uint64_t distinct, dup, reorder, corrupt, foreign;
};

static int tracker_init(struct tracker *t, unsigned int stream, uint64_t type,
			uint64_t n, uint64_t max)
{
	memset(t, 0, sizeof(*t));
	t->stream = stream;
	t->type = type;
	t->n = n;
	t->max = max;
	t->seen = calloc(n / 8 + 1, 1);
	return t->seen ? 0 : -ENOMEM;
}

/* Check one reply; the stream's messages were made with make_msg(). */
static void tracker_add(struct tracker *t, const struct kucomms_msg_hdr *h,
			const void *data)
{
	uint64_t id = h->id;

	t->got++;
	if (h->type != t->type) {
		t->foreign++;
		return;
	}
	if (id >= t->n || h->length != msg_len(t->stream, id, t->max) ||
	    fnv1a64(data, h->length) != h->value) {
		t->corrupt++;
		return;
	}
	if (t->seen[id / 8] & (1u << (id % 8))) {
		t->dup++;
		return;
	}
	t->seen[id / 8] |= 1u << (id % 8);
	t->distinct++;
	if (id != t->next)
		t->reorder++;
	t->next = id + 1;
}

struct totals {
	uint64_t sent, got, lost, dup, reorder, corrupt, foreign;
};

static void totals_add(struct totals *sum, const struct tracker *t,
		       uint64_t sent)
{
	sum->sent += sent;
	sum->got += t->got;
	sum->lost += t->n - t->distinct;
	sum->dup += t->dup;
	sum->reorder += t->reorder;
	sum->corrupt += t->corrupt;
	sum->foreign += t->foreign;
}

static bool totals_ok(const struct totals *s)
{
	return !s->lost && !s->dup && !s->reorder && !s->corrupt &&
	       !s->foreign && s->got == s->sent;
}

static void print_summary(const struct totals *s,
			  const struct kuc_channel_stats *st, double secs)
{
	printf("sent=%" PRIu64 " received=%" PRIu64 " lost=%" PRIu64
	       " dup=%" PRIu64 " reorder=%" PRIu64 " corrupt=%" PRIu64
	       " foreign=%" PRIu64 " kicks=%" PRIu64 " waits=%" PRIu64
	       " full=%" PRIu64 " secs=%.2f rate=%.0f\n",
	       s->sent, s->got, s->lost, s->dup, s->reorder, s->corrupt,
	       s->foreign, st->kicks, st->waits, st->full, secs,
	       secs > 0 ? s->got / secs : 0.0);
}

static void stats_add(struct kuc_channel_stats *sum,
		      const struct kuc_channel *ch)
{
	struct kuc_channel_stats st;

	kuc_channel_stats(ch, &st);
	sum->msgs_sent += st.msgs_sent;
	sum->msgs_received += st.msgs_received;
	sum->kicks += st.kicks;
	sum->waits += st.waits;
	sum->full += st.full;
}

static uint64_t max_size(const struct kuc_channel *ch)
{
	uint64_t max = kuc_msg_max(ch);

	if (opt.max_size && opt.max_size < max)
		max = opt.max_size;
	return max;
}

static int open_channel(struct kuc_channel **ch)
{
	char what[128];
	int ret = kuc_open(opt.name, ch);

	if (ret) {
		snprintf(what, sizeof(what), "open %s", opt.name);
		fail_err(what, ret);
		return ret;
	}
	if (opt.min_size > max_size(*ch)) {
		fprintf(stderr, "kuc_echo_client: --min-size above %" PRIu64 "\n",
			max_size(*ch));
		kuc_close(*ch);
		return -EINVAL;
	}
	return 0;
}

/* ---- stream: send and receive interleaved on one channel ------------- */

struct stream_job {
	struct kuc_channel *ch;
	unsigned int stream;
	struct tracker t;
	uint64_t sent;
	int err;
};

/*
 * Send as much as fits, then take what came back, and sleep only when
 * neither moved. Both rings may be full at once (the kernel waits for
 * room for its reply while we wait for room to send): draining replies
 * before waiting is what keeps that from deadlocking.
 */
static void *stream_run(void *arg)
{
	struct stream_job *job = arg;
	struct kuc_channel *ch = job->ch;
	uint64_t max = max_size(ch), ring = kuc_msg_max(ch) + KUCOMMS_HDR_SIZE;
	unsigned char *out = malloc(max + 1), *in = malloc(kuc_msg_max(ch) + 1);
	struct kucomms_msg_hdr h, r;
	short events;
	bool have = false, blocked;
	int ret, idle_ms = 0;

	if (!out || !in) {
		job->err = -ENOMEM;
		goto out;
	}
	while (job->t.got < opt.count) {
		bool progress = false;

		blocked = false;
		while (job->sent < opt.count) {
			if (!have)
				make_msg(job->stream, job->sent, max, &h, out);
			have = true;
			ret = opt.batch ? kuc_send_more(ch, &h, out) :
					  kuc_send(ch, &h, out);
			if (ret == -EAGAIN) {
				blocked = true;
				break;
			}
			if (ret) {
				fail_err("send", ret);
				job->err = ret;
				goto out;
			}
			have = false;
			job->sent++;
			progress = true;
		}
		if (opt.batch) {
			ret = kuc_flush(ch);
			if (ret) {
				fail_err("flush", ret);
				job->err = ret;
				goto out;
			}
		}
		for (;;) {
			ret = kuc_recv(ch, &r, in, kuc_msg_max(ch), 0);
			if (ret)
				break;
			tracker_add(&job->t, &r, in);
			progress = true;
		}
		if (ret != -EAGAIN) {
			fail_err("recv", ret);
			job->err = ret;
			goto out;
		}
		if (progress) {
			idle_ms = 0;
			continue;
		}
		/*
		 * POLLOUT means half the ring is free: worth waiting for only
		 * when the message waiting to go fits in half. A kernel
		 * endpoint copies a message out before its handler runs, so
		 * then a reply is outstanding whenever a send is blocked and
		 * POLLIN comes. A userspace endpoint releases the message
		 * only after its handler replied: wait for room for the
		 * record itself, briefly (both rings may be full).
		 */
		if (blocked && kucomms_record_size(h.length) > ring / 2 &&
		    kuc_channel_kind(ch) != KUC_KIND_DEVICE) {
			ret = kuc_send_wait(ch, &h, out, 1);
			if (!ret) {
				have = false;
				job->sent++;
				idle_ms = 0;
				continue;
			}
			if (ret != -ETIMEDOUT) {
				fail_err("send", ret);
				job->err = ret;
				goto out;
			}
		}
		events = POLLIN;
		if (blocked && kucomms_record_size(h.length) <= ring / 2)
			events |= POLLOUT;
		ret = kuc_wait(ch, events, 100);
		if (ret < 0 && ret != -EINTR) {
			job->err = ret;
			goto out;
		}
		if (ret == 0)
			idle_ms += 100;
		if (idle_ms >= opt.timeout_ms) {
			fprintf(stderr, "kuc_echo_client: stream %u stalled: sent=%" PRIu64
				" received=%" PRIu64 "\n", job->stream, job->sent,
				job->t.got);
			break;
		}
	}
out:
	free(out);
	free(in);
	return NULL;
}

static int run_stream(void)
{
	struct stream_job *jobs = calloc(opt.conns, sizeof(*jobs));
	struct kuc_channel_stats st = { 0 };
	struct totals sum = { 0 };
	pthread_t *tids = calloc(opt.conns, sizeof(*tids));
	unsigned int i, opened;
	double t0;
	int ret = 0;

	if (!jobs || !tids)
		return 2;
	for (opened = 0; opened < opt.conns; opened++) {
		if (open_channel(&jobs[opened].ch))
			break;
		jobs[opened].stream = opened;
		if (tracker_init(&jobs[opened].t, opened, TAG_BASE + opened,
				 opt.count, max_size(jobs[opened].ch))) {
			kuc_close(jobs[opened].ch);
			break;
		}
	}
	if (opened < opt.conns) {
		ret = 2;
		goto out;
	}
	t0 = now_s();
	if (opt.conns == 1) {
		stream_run(&jobs[0]);
	} else {
		for (i = 0; i < opt.conns; i++)
			pthread_create(&tids[i], NULL, stream_run, &jobs[i]);
		for (i = 0; i < opt.conns; i++)
			pthread_join(tids[i], NULL);
	}
	for (i = 0; i < opt.conns; i++) {
		if (jobs[i].err)
			ret = 2;
		totals_add(&sum, &jobs[i].t, jobs[i].sent);
		stats_add(&st, jobs[i].ch);
	}
	print_summary(&sum, &st, now_s() - t0);
	if (!ret && !totals_ok(&sum))
		ret = 1;
out:
	for (i = 0; i < opened; i++) {
		kuc_close(jobs[i].ch);
		free(jobs[i].t.seen);
	}
	free(jobs);
	free(tids);
	return ret;
}

/* ---- pingpong: one message in flight, round-trip times --------------- */

/*
 * Message @id through the zero-copy calls: built in the ring with
 * kuc_reserve()/kuc_commit(), its reply read in place with
 * kuc_peek()/kuc_release().
 */
static int pingpong_zero_copy(struct kuc_channel *ch, uint64_t id, uint64_t max,
			      unsigned char *tmp, struct tracker *t)
{
	struct kucomms_msg_hdr h, *slot, r;
	const void *data;
	void *buf;
	int ret;

	make_msg(0, id, max, &h, tmp);
	for (;;) {
		buf = kuc_reserve(ch, h.length, &slot, &ret);
		if (buf || ret != -EAGAIN)
			break;
		kuc_wait(ch, POLLOUT, opt.timeout_ms);
	}
	if (!buf)
		return ret;
	memcpy(buf, tmp, h.length);
	slot->type = h.type;
	slot->id = h.id;
	slot->value = h.value;
	ret = kuc_commit(ch);
	if (ret)
		return ret;
	while ((ret = kuc_peek(ch, &r, &data)) == -EAGAIN)
		if (kuc_wait(ch, POLLIN, opt.timeout_ms) == 0)
			return -ETIMEDOUT;
	if (ret)
		return ret;
	tracker_add(t, &r, data);
	kuc_release(ch);
	return 0;
}

/* kuc_recv() into a buffer one byte short: -EMSGSIZE, message kept. */
static int pingpong_short_buffer(struct kuc_channel *ch,
				 const struct kucomms_msg_hdr *sent,
				 unsigned char *in)
{
	struct kucomms_msg_hdr r = { 0 };
	int ret;

	if (!sent->length)
		return 0;
	ret = kuc_recv(ch, &r, in, sent->length - 1, opt.timeout_ms);
	if (ret != -EMSGSIZE || r.length != sent->length || r.id != sent->id) {
		fprintf(stderr, "kuc_echo_client: short buffer: %s, length %llu\n",
			ret ? errname(ret) : "0", (unsigned long long)r.length);
		return -EBADMSG;
	}
	return 0;
}

static int run_pingpong(void)
{
	struct kuc_channel_stats st;
	struct totals sum = { 0 };
	struct kucomms_msg_hdr h, r;
	struct kuc_channel *ch;
	unsigned char *out, *in;
	struct tracker t;
	uint64_t i, max;
	double t0;
	int ret = 0;

	if (open_channel(&ch))
		return 2;
	max = max_size(ch);
	out = malloc(max + 1);
	in = malloc(kuc_msg_max(ch) + 1);
	if (!out || !in || tracker_init(&t, 0, TAG_BASE, opt.count, max)) {
		kuc_close(ch);
		return 2;
	}
	t0 = now_s();
	for (i = 0; i < opt.count; i++) {
		/* Every fourth message goes the zero-copy way. */
		if (i % 4 == 3) {
			ret = pingpong_zero_copy(ch, i, max, out, &t);
			if (ret) {
				fail_err("zero-copy", ret);
				break;
			}
			continue;
		}
		make_msg(0, i, max, &h, out);
		ret = kuc_send_wait(ch, &h, out, opt.timeout_ms);
		if (ret) {
			fail_err("send", ret);
			break;
		}
		if (i % 100 == 1) {
			ret = pingpong_short_buffer(ch, &h, in);
			if (ret)
				break;
		}
		ret = kuc_recv(ch, &r, in, kuc_msg_max(ch), opt.timeout_ms);
		if (ret) {
			fail_err("recv", ret);
			break;
		}
		tracker_add(&t, &r, in);
	}
	kuc_channel_stats(ch, &st);
	totals_add(&sum, &t, i);
	print_summary(&sum, &st, now_s() - t0);
	printf("rtt_us=%.1f\n", i ? (now_s() - t0) * 1e6 / i : 0.0);
	kuc_close(ch);
	free(out);
	free(in);
	free(t.seen);
	return ret ? 2 : totals_ok(&sum) ? 0 : 1;
}

/* ---- broadcast: one sends, every connection gets each message -------- */

static int run_broadcast(void)
{
	struct kuc_channel **chs = calloc(opt.conns, sizeof(*chs));
	struct tracker *ts = calloc(opt.conns, sizeof(*ts));
	struct kuc_channel_stats st = { 0 };
	struct totals sum = { 0 };
	struct kucomms_msg_hdr h, r;
	unsigned char *out = NULL, *in = NULL;
	unsigned int c, opened = 0;
	uint64_t i = 0, max = 0;
	double t0;
	int ret = 0;

	if (!chs || !ts)
		return 2;
	for (c = 0; c < opt.conns; c++, opened++) {
		if (open_channel(&chs[c])) {
			ret = 2;
			goto out;
		}
	}
	max = max_size(chs[0]);
	out = malloc(max + 1);
	in = malloc(kuc_msg_max(chs[0]) + 1);
	if (!out || !in) {
		ret = 2;
		goto out;
	}
	for (c = 0; c < opt.conns; c++)
		if (tracker_init(&ts[c], 0, ECHO_TYPE_BROADCAST, opt.count, max)) {
			ret = 2;
			goto out;
		}
	t0 = now_s();
	for (i = 0; i < opt.count && !ret; i++) {
		make_msg(0, i, max, &h, out);
		h.type = ECHO_TYPE_BROADCAST;
		ret = kuc_send_wait(chs[0], &h, out, opt.timeout_ms);
		if (ret) {
			fail_err("send", ret);
			break;
		}
		/* Every connection, the sender's too, gets it before the next. */
		for (c = 0; c < opt.conns; c++) {
			ret = kuc_recv(chs[c], &r, in, kuc_msg_max(chs[c]),
				       opt.timeout_ms);
			if (ret) {
				fprintf(stderr, "kuc_echo_client: connection %u, message %"
					PRIu64 ":\n", c, i);
				fail_err("recv", ret);
				break;
			}
			tracker_add(&ts[c], &r, in);
		}
	}
	for (c = 0; c < opt.conns; c++) {
		/* Each connection should have got every message sent. */
		totals_add(&sum, &ts[c], i);
		stats_add(&st, chs[c]);
	}
	print_summary(&sum, &st, now_s() - t0);
	if (!ret && !totals_ok(&sum))
		ret = 1;
	else if (ret)
		ret = 2;
out:
	for (c = 0; c < opened; c++)
		kuc_close(chs[c]);
	for (c = 0; c < opt.conns; c++)
		free(ts[c].seen);
	free(chs);
	free(ts);
	free(out);
	free(in);
	return ret;
}

/* ---- threads: T senders on one channel, one receiver ------------------ */

struct sender {
	pthread_t tid;
	struct kuc_channel *ch;
	unsigned int stream;
	uint64_t sent, max;
	int err;
};

static void *sender_run(void *arg)
{
	struct sender *s = arg;
	unsigned char *out = malloc(s->max + 1);
	struct kucomms_msg_hdr h;
	int ret;

	if (!out) {
		s->err = -ENOMEM;
		return NULL;
	}
	for (; s->sent < opt.count; s->sent++) {
		make_msg(s->stream, s->sent, s->max, &h, out);
		ret = kuc_send_locked(s->ch, &h, out, opt.timeout_ms);
		if (ret) {
			fail_err("send_locked", ret);
			s->err = ret;
			break;
		}
	}
	free(out);
	return NULL;
}

static int run_threads(void)
{
	struct sender *snd = calloc(opt.threads, sizeof(*snd));
	struct tracker *ts = calloc(opt.threads, sizeof(*ts));
	struct kuc_channel_stats st;
	struct totals sum = { 0 };
	struct kucomms_msg_hdr r;
	struct kuc_channel *ch;
	unsigned char *in;
	uint64_t got = 0, total = opt.count * opt.threads, max;
	unsigned int i;
	double t0;
	int ret = 0;

	if (!snd || !ts || open_channel(&ch))
		return 2;
	max = max_size(ch);
	in = malloc(kuc_msg_max(ch) + 1);
	if (!in)
		return 2;
	for (i = 0; i < opt.threads; i++)
		if (tracker_init(&ts[i], i, TAG_BASE + i, opt.count, max))
			return 2;
	t0 = now_s();
	for (i = 0; i < opt.threads; i++) {
		snd[i] = (struct sender){ .ch = ch, .stream = i, .max = max };
		pthread_create(&snd[i].tid, NULL, sender_run, &snd[i]);
	}
	while (got < total) {
		ret = kuc_recv(ch, &r, in, kuc_msg_max(ch), opt.timeout_ms);
		if (ret) {
			fail_err("recv", ret);
			break;
		}
		got++;
		/* The type names the sending thread: route to its tracker. */
		i = r.type - TAG_BASE;
		if (r.type < TAG_BASE || i >= opt.threads)
			i = 0;	/* counted as foreign there */
		tracker_add(&ts[i], &r, in);
	}
	for (i = 0; i < opt.threads; i++) {
		pthread_join(snd[i].tid, NULL);
		if (snd[i].err)
			ret = snd[i].err;
		totals_add(&sum, &ts[i], snd[i].sent);
		free(ts[i].seen);
	}
	kuc_channel_stats(ch, &st);
	print_summary(&sum, &st, now_s() - t0);
	kuc_close(ch);
	free(in);
	free(snd);
	free(ts);
	return ret ? 2 : totals_ok(&sum) ? 0 : 1;
}

/* ---- endpoint: the handler model -------------------------------------- */

struct ep_ctx {
	struct tracker t;
	uint64_t messages, work, timer;	/* atomic: read by main */
	int stop_in_handler;		/* what kuc_endpoint_stop() said there */
};

static void ep_message(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		       const void *data, void *arg)
{
	struct ep_ctx *c = arg;

	/* A handler cannot wait for its own thread. */
	if (!c->t.got)
		c->stop_in_handler = kuc_endpoint_stop(ch);
	tracker_add(&c->t, hdr, data);
	__atomic_fetch_add(&c->messages, 1, __ATOMIC_RELEASE);
}

static void ep_work(struct kuc_channel *ch, void *arg)
{
	struct ep_ctx *c = arg;

	(void)ch;
	__atomic_fetch_add(&c->work, 1, __ATOMIC_RELAXED);
}

static void ep_timer(struct kuc_channel *ch, void *arg)
{
	struct ep_ctx *c = arg;

	(void)ch;
	__atomic_fetch_add(&c->timer, 1, __ATOMIC_RELAXED);
}

static int run_endpoint(void)
{
	static const struct kuc_handlers handlers = {
		.message = ep_message,
		.work = ep_work,
		.timer = ep_timer,
	};
	struct kuc_channel_stats st;
	struct totals sum = { 0 };
	struct kucomms_msg_hdr h;
	struct kuc_channel *ch;
	struct ep_ctx c = { 0 };
	unsigned char *out;
	double t0, waited, secs;
	uint64_t i, max;
	bool api_ok = true;
	int ret;

	if (open_channel(&ch))
		return 2;
	max = max_size(ch);
	out = malloc(max + 1);
	if (!out || tracker_init(&c.t, 0, TAG_BASE, opt.count, max))
		return 2;
	t0 = now_s();
	ret = kuc_endpoint_start(ch, &handlers, &c);
	if (ret) {
		fail_err("endpoint_start", ret);
		return 2;
	}
	/* The thread is the consumer now: no second one, no kuc_recv(). */
	if (kuc_endpoint_start(ch, &handlers, &c) != -EBUSY ||
	    kuc_recv(ch, &h, out, max, 0) != -EBUSY) {
		fprintf(stderr, "kuc_echo_client: endpoint running, yet no EBUSY\n");
		api_ok = false;
	}
	for (i = 0; i < opt.count; i++) {
		make_msg(0, i, max, &h, out);
		ret = kuc_send_locked(ch, &h, out, opt.timeout_ms);
		if (ret) {
			fail_err("send_locked", ret);
			break;
		}
	}
	/* All echoed (or stalled), then at least --duration in all. */
	waited = now_s();
	while (__atomic_load_n(&c.messages, __ATOMIC_ACQUIRE) < i &&
	       now_s() - waited < opt.timeout_ms / 1000.0)
		usleep(10000);
	while (now_s() - t0 < opt.duration)
		usleep(10000);
	ret = kuc_endpoint_stop(ch);
	if (ret)
		fail_err("endpoint_stop", ret);
	secs = now_s() - t0;
	if (kuc_endpoint_stop(ch) != -ESRCH || c.stop_in_handler != -EDEADLK) {
		fprintf(stderr, "kuc_echo_client: stop: in handler %s, twice not ESRCH\n",
			errname(c.stop_in_handler));
		api_ok = false;
	}
	kuc_channel_stats(ch, &st);
	totals_add(&sum, &c.t, i);
	print_summary(&sum, &st, secs);
	printf("work=%" PRIu64 " timer=%" PRIu64 " handler_secs=%.3f api=%s\n",
	       c.work, c.timer, secs, api_ok ? "ok" : "FAIL");
	kuc_close(ch);
	free(out);
	free(c.t.seen);
	if (ret || i < opt.count)
		return 2;
	return totals_ok(&sum) && api_ok && c.work && c.timer ? 0 : 1;
}

/* ---- hold: wait on an idle connection until it ends ------------------- */

static int run_hold(void)
{
	struct kucomms_msg_hdr h = { 0 };
	struct kuc_channel *ch;
	char buf[64];
	int ret, sret, revents;

	if (open_channel(&ch))
		return 2;
	printf("open conn_id=%" PRIu64 "\n", kuc_conn_id(ch));
	fflush(stdout);
	ret = kuc_recv(ch, &h, buf, sizeof(buf), opt.timeout_ms);
	printf("recv: %s\n", ret ? errname(ret) : "message");
	revents = kuc_wait(ch, POLLIN | POLLOUT, 0);
	printf("poll:%s%s%s%s\n", revents & POLLIN ? " POLLIN" : "",
	       revents & POLLOUT ? " POLLOUT" : "",
	       revents & POLLHUP ? " POLLHUP" : "",
	       revents & POLLERR ? " POLLERR" : "");
	sret = kuc_send(ch, &h, NULL);
	printf("send: %s\n", sret ? errname(sret) : "OK");
	kuc_close(ch);
	return ret == -ESHUTDOWN && revents > 0 && (revents & POLLHUP) &&
	       sret == -ESHUTDOWN ? 0 : 1;
}

/* ---- main ------------------------------------------------------------- */

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: %s [options] NAME\n"
		"  --mode M        stream (default), pingpong, broadcast, endpoint, hold\n"
		"  --count N       messages per stream (default 1000)\n"
		"  --size B        every message B data bytes\n"
		"  --min-size B    smallest message (default 0)\n"
		"  --max-size B    largest message (default: the channel's maximum)\n"
		"  --seed S        PRNG seed (default 1)\n"
		"  --conns C       connections (stream: each its own; broadcast: all receive)\n"
		"  --threads T     T threads send_locked on one channel, one receives\n"
		"  --batch         stream: kuc_send_more() bursts and one kuc_flush()\n"
		"  --timeout MS    give up after MS without progress (default 10000)\n"
		"  --duration S    endpoint: run at least S seconds (default 5)\n",
		"kuc_echo_client");
}

static uint64_t num(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	if (*s == '-' || *end) {
		fprintf(stderr, "kuc_echo_client: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "min-size", required_argument, NULL, 'a' },
		{ "max-size", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 'S' },
		{ "conns", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 't' },
		{ "batch", no_argument, NULL, 'B' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const char *const modes[] = {
		[MODE_STREAM] = "stream",
		[MODE_PINGPONG] = "pingpong",
		[MODE_BROADCAST] = "broadcast",
		[MODE_ENDPOINT] = "endpoint",
		[MODE_HOLD] = "hold",
	};
	unsigned int m;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			for (m = 0; m < ARRAY_SIZE(modes); m++)
				if (!strcmp(optarg, modes[m]))
					break;
			if (m == ARRAY_SIZE(modes)) {
				print_usage(stderr);
				return 2;
			}
			opt.mode = (enum mode)m;
			break;
		case 'n':
			opt.count = num(optarg);
			break;
		case 's':
			opt.min_size = num(optarg);
			opt.max_size = opt.min_size;
			break;
		case 'a':
			opt.min_size = num(optarg);
			break;
		case 'b':
			opt.max_size = num(optarg);
			break;
		case 'S':
			opt.seed = num(optarg);
			break;
		case 'c':
			opt.conns = (unsigned int)num(optarg);
			break;
		case 't':
			opt.threads = (unsigned int)num(optarg);
			break;
		case 'B':
			opt.batch = true;
			break;
		case 'T':
			opt.timeout_ms = (int)num(optarg);
			break;
		case 'd':
			opt.duration = (unsigned int)num(optarg);
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !opt.conns) {
		print_usage(stderr);
		return 2;
	}
	opt.name = argv[optind];
	if (opt.max_size && opt.min_size > opt.max_size) {
		fprintf(stderr, "kuc_echo_client: --min-size above --max-size\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	switch (opt.mode) {
	case MODE_PINGPONG:
		return run_pingpong();
	case MODE_BROADCAST:
		return run_broadcast();
	case MODE_ENDPOINT:
		return run_endpoint();
	case MODE_HOLD:
		return run_hold();
	default:
		return opt.threads ? run_threads() : run_stream();
	}
}
