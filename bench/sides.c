// SPDX-License-Identifier: MIT
/*
 * kucbench: what a side of a connection does: messages made,
 * stamped and checked, the barrier and CPU pinning, the stream, rtt and
 * idle loops and the hello that starts them.
 */
#include "case.h"

struct kucomms_msg_hdr *msg_new(void)
{
	struct kucomms_msg_hdr *m = aligned_alloc(64, KUCOMMS_HDR_SIZE + opt.size + 64);

	if (!m)
		exit(2);
	memcpy(m + 1, pattern, opt.size);
	m->length = opt.size;
	m->type = KB_DATA;
	return m;
}

/* Message @id: the header, and its id in the first and last 8 bytes. */
void stamp(struct kucomms_msg_hdr *m, uint64_t id)
{
	unsigned char *d = (unsigned char *)(m + 1);
	uint64_t v = PAT(id);

	m->id = id;
	m->value = id;
	memcpy(d, &v, 8);
	memcpy(d + opt.size - 8, &v, 8);
}

uint64_t word_sum(const unsigned char *d, uint64_t n)
{
	uint64_t sum = 0, w, i;

	for (i = 0; i < n; i += 8) {
		memcpy(&w, d + i, 8);
		sum += w;
	}
	return sum;
}

/*
 * Every receiver reads every data byte once (the sum of its words), as
 * one that used the data would: a zero-copy receiver that looked at 16
 * bytes would never move the rest across cores, and would flatter its
 * case against one that copies. --verify compares every byte too.
 */
bool check(const struct kucomms_msg_hdr *m, uint64_t id)
{
	const unsigned char *d = (const unsigned char *)(m + 1);
	uint64_t v = PAT(id), a, b;

	if (m->type != KB_DATA || m->id != id || m->length != opt.size)
		return false;
	memcpy(&a, d, 8);
	memcpy(&b, d + opt.size - 8, 8);
	if (a != v || b != v || word_sum(d + 8, opt.size - 16) != pattern_sum)
		return false;
	return !opt.verify || !memcmp(d + 8, pattern + 8, opt.size - 16);
}

void fail(const char *what, int err)
{
	fprintf(stderr, "kucbench: %s %d %" PRIu64 ": %s: %s\n", opt.c->name,
		(int)opt.mode, opt.size, what,
		strerror(err < 0 ? -err : err));
	__atomic_store_n(&sh->err, err ? err : -EIO, __ATOMIC_RELAXED);
}

/* Both sides (or @n of them) are here; time starts. */
void barrier(int n)
{
	__atomic_add_fetch(&sh->arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&sh->arrived, __ATOMIC_ACQUIRE) < n &&
	       !__atomic_load_n(&sh->err, __ATOMIC_RELAXED))
		sched_yield();
}

void pin(int cpu)
{
	cpu_set_t set;

	if (!opt.pin)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* ---- the two-sided loops ---------------------------------------------- */

static int send_end(struct kb_ep *e)
{
	struct kucomms_msg_hdr *m = msg_new();
	int r;

	m->type = KB_END;
	r = kb_send(e, m);
	if (!r)
		r = kb_flush(e);
	free(m);
	return r;
}

/* Client of stream: send until the time is up, then the end marker. */
static int stream_sender(struct kb_ep *e)
{
	struct kucomms_msg_hdr *m = msg_new();
	double deadline;
	uint64_t i;

	sh->t0 = kb_now();
	deadline = sh->t0 + opt.secs;
	for (i = 0;; i++) {
		stamp(m, i);
		TRY("send", kb_send(e, m));
		if ((i & 63) == 63 && kb_now() >= deadline)
			break;
	}
	free(m);
	TRY("send end", send_end(e));
	return 0;
}

static int stream_receiver(struct kb_ep *e)
{
	const struct kucomms_msg_hdr *m;
	uint64_t n = 0;

	for (;;) {
		TRY("recv", kb_recv(e, &m));
		if (m->type == KB_END) {
			kb_done(e);
			break;
		}
		if (!check(m, n))
			sh->bad++;
		n++;
		kb_done(e);
	}
	sh->t1 = kb_now();
	sh->msgs = n;
	return 0;
}

int rtt_client(struct kb_ep *e)
{
	struct kucomms_msg_hdr *m = msg_new();
	const struct kucomms_msg_hdr *r;
	double deadline, t;
	uint64_t i;

	sh->t0 = kb_now();
	deadline = sh->t0 + opt.secs;
	for (i = 0; i < opt.max_samples; i++) {
		stamp(m, i);
		t = kb_now();
		TRY("send", kb_send(e, m));
		TRY("flush", kb_flush(e));
		TRY("recv", kb_recv(e, &r));
		lat[i] = kb_now() - t;
		if (!check(r, i))
			sh->bad++;
		kb_done(e);
		if (lat[i] + t >= deadline) {
			i++;
			break;
		}
	}
	sh->t1 = kb_now();
	sh->msgs = i;
	free(m);
	/*
	 * Only a server process waits for the end marker. A kernel echo
	 * would echo it to a connection closed meanwhile (kucomms_echo.ko
	 * counts that as a dropped reply, which bench/guest fails on).
	 */
	if (opt.c->where == HOST)
		TRY("send end", send_end(e));
	return 0;
}

static int rtt_server(struct kb_ep *e)
{
	const struct kucomms_msg_hdr *m;

	for (;;) {
		TRY("recv", kb_recv(e, &m));
		if (m->type == KB_END) {
			kb_done(e);
			return 0;
		}
		TRY("send", kb_send(e, m));
		TRY("flush", kb_flush(e));
		kb_done(e);
	}
}

/* Idle: nothing is sent for the whole interval. */
int idle_client(struct kb_ep *e)
{
	sh->t0 = kb_now();
	usleep((useconds_t)(opt.secs * 1e6));
	sh->t1 = kb_now();
	sh->msgs = 1;
	return e ? send_end(e) : 0;
}

/*
 * The measured part of side @idx (0 client, 1 server) on its endpoint.
 * @thread: the side is one thread of a process that has another side.
 */
int side_run(struct kb_ep *e, int idx, bool thread)
{
	struct kb_counters c;
	int r;

	barrier(2);
	kb_ctr_start(&c, thread);
	if (opt.mode == M_STREAM)
		r = idx ? stream_receiver(e) : stream_sender(e);
	else if (opt.mode == M_RTT)
		r = idx ? rtt_server(e) : rtt_client(e);
	else
		r = idx ? rtt_server(e) : idle_client(e);
	kb_ctr_stop(&c, &sh->side[idx]);
	if (e->kind == KB_KUC) {
		struct kuc_channel_stats st;

		kuc_channel_stats(e->ch, &st);
		sh->side[idx].kicks = st.kicks;
		sh->side[idx].waits = st.waits;
	}
	return r;
}

/* The first message of a connection: a shm server accepts with it. */
int hello(struct kb_ep *e, int idx)
{
	const struct kucomms_msg_hdr *m;
	struct kucomms_msg_hdr *h;
	int r;

	if (idx == 1) {
		r = kb_recv(e, &m);
		if (!r && m->type != KB_HELLO)
			r = -EPROTO;
		kb_done(e);
		return r;
	}
	h = msg_new();
	h->type = KB_HELLO;
	r = kb_send(e, h);
	if (!r)
		r = kb_flush(e);
	free(h);
	return r;
}

