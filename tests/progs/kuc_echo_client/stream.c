// SPDX-License-Identifier: MIT
/*
 * kuc_echo_client: the throughput modes: stream (each connection
 * sends and receives interleaved, one thread each) and --threads (T
 * threads send on one channel, one receives).
 */
#include "echo_client.h"

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

int run_stream(void)
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

int run_threads(void)
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

