// SPDX-License-Identifier: MIT
/*
 * kuc_echo_client: what every mode uses: errors, the clock, messages
 * reproducible from (seed, stream, id), the bookkeeping that checks
 * each reply, the channel opened as the options say.
 */
#include "echo_client.h"

const char *errname(int err)
{
	const char *s = strerrorname_np(err < 0 ? -err : err);

	return s ? s : "E?";
}

void fail_err(const char *what, int err)
{
	fprintf(stderr, "kuc_echo_client: %s: %s (%s)\n", what, errname(err),
		kuc_strerror(err));
}

double now_s(void)
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
void make_msg(unsigned int stream, uint64_t id, uint64_t max,
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

int tracker_init(struct tracker *t, unsigned int stream, uint64_t type,
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
 void tracker_add(struct tracker *t, const struct kucomms_msg_hdr *h,
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

void totals_add(struct totals *sum, const struct tracker *t,
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

bool totals_ok(const struct totals *s)
{
	return !s->lost && !s->dup && !s->reorder && !s->corrupt &&
	       !s->foreign && s->got == s->sent;
}

void print_summary(const struct totals *s,
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

void stats_add(struct kuc_channel_stats *sum,
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

uint64_t max_size(const struct kuc_channel *ch)
{
	uint64_t max = kuc_msg_max(ch);

	if (opt.max_size && opt.max_size < max)
		max = opt.max_size;
	return max;
}

int open_channel(struct kuc_channel **ch)
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

