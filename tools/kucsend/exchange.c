// SPDX-License-Identifier: MIT
/*
 * The send and receive loop shared by one-shot sends and the load mode:
 * send the batch (cycled up to r->count messages, paced at r->rate), and
 * drain replies all along, so that neither ring can fill up while the
 * other side waits for room in the other (the echo module blocks on a
 * full reply ring). Then wait up to r->timeout_ms after the last send
 * for the replies still expected.
 *
 * A stop signal (SIGINT, SIGTERM: signals.c, load mode only) ends the
 * sending; the replies to the messages already sent are then awaited for
 * at most KUCSEND_STOP_GRACE (or --timeout, if shorter), and a second
 * signal ends that wait too.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "kucsend.h"

/* Kick the kernel at least this often during a burst. */
#define KUCSEND_FLUSH_EVERY 64

/* After a stop signal: the longest wait for replies in flight, seconds. */
#define KUCSEND_STOP_GRACE 0.2

double kucsend_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --match-id: the ids sent, each with its count of replies outstanding. */
struct id_slot {
	uint64_t id;
	uint64_t outstanding;
};

struct id_table {
	struct id_slot *slots;
	size_t n;
	size_t *of_msg;		/* slot of each batch message */
};

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = ((const struct id_slot *)a)->id;
	uint64_t y = ((const struct id_slot *)b)->id;

	return x < y ? -1 : x > y;
}

static struct id_slot *id_find(struct id_table *t, uint64_t id)
{
	size_t lo = 0, hi = t->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->slots[mid].id < id)
			lo = mid + 1;
		else if (t->slots[mid].id > id)
			hi = mid;
		else
			return &t->slots[mid];
	}
	return NULL;
}

static int id_table_init(struct id_table *t, const struct kucsend_batch *b)
{
	size_t i, j;

	t->slots = calloc(b->n ? b->n : 1, sizeof(*t->slots));
	t->of_msg = calloc(b->n ? b->n : 1, sizeof(*t->of_msg));
	if (!t->slots || !t->of_msg)
		return -ENOMEM;
	for (i = 0; i < b->n; i++)
		t->slots[i].id = b->msgs[i].hdr.id;
	qsort(t->slots, b->n, sizeof(*t->slots), cmp_id);
	for (i = 0, j = 0; i < b->n; i++)
		if (!j || t->slots[j - 1].id != t->slots[i].id)
			t->slots[j++] = t->slots[i];
	t->n = j;
	for (i = 0; i < b->n; i++)
		t->of_msg[i] = (size_t)(id_find(t, b->msgs[i].hdr.id) -
					t->slots);
	return 0;
}

static void id_table_free(struct id_table *t)
{
	free(t->slots);
	free(t->of_msg);
}

/* Enough replies counted? */
static bool done_receiving(const struct kucsend_run *r)
{
	if (r->match_id)
		return r->counted >= r->count;
	return r->counted >= r->want;
}

/* Take one reply: count and print it if it is one we wait for. */
static void take(struct kucsend_run *r, struct id_table *ids,
		 const struct kucomms_msg_hdr *h, const void *data)
{
	struct id_slot *s;

	r->received++;
	if (r->match_id) {
		s = id_find(ids, h->id);
		if (!s || !s->outstanding)
			return;
		s->outstanding--;
	} else if (done_receiving(r)) {
		return;		/* beyond --wait N: not ours to show */
	}
	r->counted++;
	kucsend_expect_reply(h, data);
	if (r->print)
		kucsend_print_msg(stdout, h, data, r->format, r->data_mode);
}

/*
 * A stop signal came: send no more, expect only replies to what was sent
 * (one each, or --wait N if fewer), and wait for them a short while.
 */
static void stop(struct kucsend_run *r, double now, double *deadline)
{
	double grace = r->timeout_ms / 1000.0;

	if (grace > KUCSEND_STOP_GRACE)
		grace = KUCSEND_STOP_GRACE;
	r->interrupted = kucsend_stop_signal();
	r->count = r->sent;
	if (r->want > r->sent)
		r->want = r->sent;
	if (!*deadline || now + grace < *deadline)
		*deadline = now + grace;
}

/* Receive what is there. 0, or a final channel error. */
static int drain(struct kucsend_run *r, struct id_table *ids, void **buf,
		 size_t *bufsz)
{
	struct kucomms_msg_hdr h;
	void *nb;
	int ret;

	for (;;) {
		ret = kuc_recv(r->ch, &h, *buf, *bufsz, 0);
		if (ret == -EMSGSIZE) {
			/* The message stays queued: grow and take it. */
			nb = realloc(*buf, h.length);
			if (!nb)
				return -ENOMEM;
			*buf = nb;
			*bufsz = h.length;
			continue;
		}
		if (ret == -EAGAIN)
			return 0;
		if (ret)
			return ret;
		take(r, ids, &h, *buf);
	}
}

/*
 * Run the exchange. Returns TOOL_EXIT_OK, TOOL_EXIT_TIMEOUT (replies
 * missing), the status of the channel error that ended it (r->err says
 * which) or TOOL_EXIT_FAILURE (out of memory, r->err 0).
 */
int kucsend_exchange(struct kucsend_run *r)
{
	const struct kucsend_batch *b = r->batch;
	struct id_table ids = { 0 };
	double t0, now, deadline = 0, next, tick;
	size_t bufsz = kuc_msg_max(r->ch);
	int ret = 0, wait_ms, since_flush = 0;
	bool blocked;
	void *buf;

	r->sent = r->received = r->counted = 0;
	r->err = 0;
	r->interrupted = 0;
	if (!b->n)
		r->count = 0;
	buf = malloc(bufsz ? bufsz : 1);
	if (!buf || (r->match_id && id_table_init(&ids, b))) {
		free(buf);
		id_table_free(&ids);
		return TOOL_EXIT_FAILURE;
	}
	t0 = r->t0 = kucsend_now();
	if (r->progress)
		kucsend_progress_start(t0);
	for (;;) {
		blocked = false;
		now = kucsend_now();
		tick = r->progress ? kucsend_progress(r, now) : 0;
		if (kucsend_stop_signal() && !r->interrupted)
			stop(r, now, &deadline);
		else if (r->interrupted && kucsend_stopped_twice())
			break;
		while (r->sent < r->count) {
			const struct kucsend_msg *m = &b->msgs[r->sent % b->n];

			if (r->rate > 0 && now < t0 + (double)r->sent / r->rate)
				break;
			ret = kuc_send_more(r->ch, &m->hdr, m->data);
			if (ret == -EAGAIN) {
				blocked = true;
				break;
			}
			if (ret)
				goto out;
			if (r->match_id)
				ids.slots[ids.of_msg[r->sent % b->n]].outstanding++;
			r->sent++;
			if (++since_flush == KUCSEND_FLUSH_EVERY) {
				since_flush = 0;
				ret = kuc_flush(r->ch);
				if (ret)
					goto out;
			}
		}
		ret = kuc_flush(r->ch);
		if (ret)
			goto out;
		since_flush = 0;
		ret = drain(r, &ids, &buf, &bufsz);
		if (ret)
			goto out;
		now = kucsend_now();
		if (r->sent == r->count) {
			if (done_receiving(r))
				break;
			if (!deadline)
				deadline = now + r->timeout_ms / 1000.0;
			if (now >= deadline)
				break;
		}
		/*
		 * Sleep until a reply, room, the next paced send, the next
		 * progress line or the end.
		 */
		next = deadline ? deadline : now + 1;
		if (tick && tick < next)
			next = tick;
		if (r->sent < r->count && r->rate > 0 && !blocked) {
			double t = t0 + (double)r->sent / r->rate;

			if (t < next)
				next = t;
		}
		wait_ms = next > now ? (int)((next - now) * 1000) + 1 : 0;
		/* kuc_wait(), not poll(kuc_fd()): shm and pairs have no fd. */
		ret = kuc_wait(r->ch, POLLIN | (blocked ? POLLOUT : 0),
			       wait_ms);
		if (ret < 0 && ret != -EINTR)
			goto out;
	}
	ret = 0;
out:
	r->seconds = kucsend_now() - t0;
	if (r->progress)
		kucsend_progress_end();
	free(buf);
	id_table_free(&ids);
	if (ret == -ENOMEM)
		return TOOL_EXIT_FAILURE;
	if (ret) {
		/* Replies that came before a shutdown still count. */
		r->err = ret;
		return tool_exit_for(ret);
	}
	return done_receiving(r) ? TOOL_EXIT_OK : TOOL_EXIT_TIMEOUT;
}
