// SPDX-License-Identifier: MIT
/*
 * The monitor tap of a shared-memory channel: the reading side (kucdump
 * on "shm:NAME"), behind kuc_tap_open() (tap.c). The protocol and the
 * layout are kucomms_shm.h's; the senders' side is in channel_shm_tap.c.
 *
 * The reader holds the segment's tap lock, owns the tap header and the
 * two tap consumer pages, and reads the two tap rings (one per sending
 * side) with the ring code of kucomms_ring.h. It trusts nothing in them:
 * a record is validated and copied out of shared memory before it is
 * returned, and a ring found broken ends the reading with -EPROTO. Of
 * the two rings, the record with the older time stamp comes first; a
 * sender publishes its record before its message, so a reply is never
 * returned before the request it answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channel_internal.h"
#include "futex.h"
#include "mirror.h"
#include "shm_segment.h"
#include "sigbus_guard.h"

/* Longest sleep before the segment's removal is checked again. */
#define KUC_SHM_TAP_PROBE_MS	500
/*
 * A reader that ran dry naps this long before it announces its sleep:
 * while it has not announced it, the senders make no wakeup calls, so a
 * busy channel costs them one system call per nap at most rather than
 * one per message. Far less than the tap rings hold at full speed.
 */
#define KUC_SHM_TAP_NAP_NS	(200 * 1000)

struct kuc_shm_tap_rx {
	struct kucomms_shm_tap_prod *prod;	/* the sender's page */
	struct kucomms_ring ring;		/* consumer view */
	unsigned char *data;			/* read-only mirror */
	uint32_t dir;
};

struct kuc_shm_tap {
	int fd;				/* the segment: holds the tap lock */
	uint64_t ring_size;		/* of the data rings */
	unsigned char *pages;		/* the tap area's pages */
	struct kucomms_shm_tap_hdr *hdr;
	struct kuc_shm_tap_rx rx[2];	/* c2s (u2k), s2c (k2u) */
	uint32_t gen;			/* our session */
	uint32_t snaplen;
	int broken;			/* a sticky -EPROTO */
	/* A SIGBUS in our mappings: someone shrank the file (as in
	 * channel_shm_map.c, the guard maps zero pages there and sets it).
	 */
	int truncated;
	struct kuc_guard *guard[3];	/* pages, rx[0].data, rx[1].data */
};

static uint32_t kuc_tap_ld(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

void kuc_shm_tap_close(struct kuc_shm_tap *t)
{
	int i;

	if (!t)
		return;
	/*
	 * Still guarded: a sender may have shrunk the file, and this access
	 * must then fault into zero pages, not kill us.
	 */
	if (t->hdr && t->gen &&
	    __atomic_load_n(&t->hdr->gen, __ATOMIC_RELAXED) == t->gen)
		__atomic_store_n(&t->hdr->gen, 0, __ATOMIC_RELEASE);
	for (i = 0; i < 3; i++)
		kuc_guard_remove(t->guard[i]);
	if (t->pages)
		munmap(t->pages, KUCOMMS_SHM_TAP_PAGES * KUCOMMS_PAGE_SIZE);
	for (i = 0; i < 2; i++)
		kuc_mirror_unmap(t->rx[i].data, KUCOMMS_SHM_TAP_RING);
	if (t->fd >= 0)
		close(t->fd);	/* drops the tap lock */
	free(t);
}

static unsigned char *kuc_shm_tap_page(const struct kuc_shm_tap *t, int page)
{
	return t->pages + (size_t)page * KUCOMMS_PAGE_SIZE;
}

int kuc_shm_tap_open(const char *name, uint32_t snaplen,
		     struct kuc_shm_tap **out)
{
	char shm_name[KUCOMMS_NAME_MAX + 2], why[96];
	struct kuc_shm_tap *t;
	uint32_t gen;
	void *p;
	int i, ret;

	*out = NULL;
	ret = kuc_shm_name(name, shm_name, sizeof(shm_name), NULL, 0);
	if (ret)
		return ret;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	/* Read and write access to the segment is the privilege. */
	t->fd = shm_open(shm_name, O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0);
	if (t->fd < 0) {
		ret = -errno;
		goto err;
	}
	ret = kuc_shm_validate(t->fd, &t->ring_size, why, sizeof(why));
	if (ret)
		goto err;
	ret = kuc_shm_lock(t->fd, KUCOMMS_SHM_LOCK_TAP);
	if (ret)
		goto err;
	p = mmap(NULL, KUCOMMS_SHM_TAP_PAGES * KUCOMMS_PAGE_SIZE,
		 PROT_READ | PROT_WRITE, MAP_SHARED, t->fd,
		 (off_t)kucomms_shm_tap_area(t->ring_size));
	if (p == MAP_FAILED) {
		ret = -errno;
		goto err;
	}
	t->pages = p;
	t->hdr = (struct kucomms_shm_tap_hdr *)p;
	for (i = 0; i < 2; i++) {
		struct kuc_shm_tap_rx *r = &t->rx[i];
		int prod = i ? KUCOMMS_SHM_TAP_S2C_PROD :
			       KUCOMMS_SHM_TAP_C2S_PROD;

		/* Read-only: the reader cannot scribble on a sender's ring. */
		r->data = kuc_mirror_map(KUCOMMS_SHM_TAP_RING, t->fd,
					 (off_t)kucomms_shm_tap_data(t->ring_size,
								     i),
					 PROT_READ);
		if (!r->data) {
			ret = -errno;
			goto err;
		}
		r->prod = (void *)kuc_shm_tap_page(t, prod);
		r->dir = i ? KUCOMMS_TAP_K2U : KUCOMMS_TAP_U2K;
		memset(kuc_shm_tap_page(t, prod + 1), 0, KUCOMMS_PAGE_SIZE);
		kucomms_ring_init(&r->ring, &r->prod->ring,
				  (void *)kuc_shm_tap_page(t, prod + 1),
				  r->data, KUCOMMS_SHM_TAP_RING, 0);
	}
	t->guard[0] = kuc_guard_add(t->pages,
				    KUCOMMS_SHM_TAP_PAGES * KUCOMMS_PAGE_SIZE,
				    &t->truncated);
	for (i = 0; i < 2 && t->guard[i]; i++)
		t->guard[i + 1] = kuc_guard_add(t->rx[i].data,
						2 * KUCOMMS_SHM_TAP_RING,
						&t->truncated);
	if (!t->guard[2]) {
		ret = -errno;
		goto err;
	}
	/* As the senders bound it, so that a record of theirs is valid. */
	if (!snaplen || snaplen > KUCOMMS_MSG_MAX(KUCOMMS_SHM_TAP_RING) -
				  KUCOMMS_TAP_REC_SIZE)
		snaplen = KUCOMMS_MSG_MAX(KUCOMMS_SHM_TAP_RING) -
			  KUCOMMS_TAP_REC_SIZE;
	t->snaplen = snaplen;
	gen = __atomic_load_n(&t->hdr->last_gen, __ATOMIC_RELAXED) + 1;
	if (!gen)
		gen = 1;
	t->gen = gen;
	__atomic_store_n(&t->hdr->snaplen, snaplen, __ATOMIC_RELAXED);
	__atomic_store_n(&t->hdr->reader_pid, (uint32_t)getpid(),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&t->hdr->last_gen, gen, __ATOMIC_RELAXED);
	/* Zeroed consumer pages and the snaplen before the session. */
	__atomic_store_n(&t->hdr->gen, gen, __ATOMIC_RELEASE);
	*out = t;
	return 0;
err:
	kuc_shm_tap_close(t);
	return ret;
}

/* A sender joined our session: its ring is ours to read. */
static bool kuc_shm_tap_joined(const struct kuc_shm_tap *t,
			       const struct kuc_shm_tap_rx *r)
{
	return kuc_tap_ld(&r->prod->gen) == t->gen;
}

/*
 * The next record's time stamp in ring @r, its ring record size in
 * *@size; 0 when empty, -EPROTO when broken. The header is peeked again
 * when it is taken: only bounds matter here.
 */
static int kuc_shm_tap_next(struct kuc_shm_tap *t, struct kuc_shm_tap_rx *r,
			    uint64_t *ts)
{
	const struct kucomms_tap_rec *rec;
	struct kucomms_msg_hdr h = { 0 };
	const void *data = NULL;
	long long size;

	if (!kuc_shm_tap_joined(t, r))
		return 0;
	size = kucomms_ring_peek(&r->ring, &h, &data);
	if (size == -EAGAIN)
		return 0;
	if (size <= 0 || h.length < KUCOMMS_TAP_REC_SIZE)
		return -EPROTO;
	rec = data;
	*ts = kuc_read_once(rec->ts_ns);
	return 1;
}

/* Copy the next record of @r out into @buf and give its space back. */
static int kuc_shm_tap_take(struct kuc_shm_tap *t, struct kuc_shm_tap_rx *r,
			    unsigned char *buf, struct kuc_tap_record *out)
{
	struct kucomms_tap_rec rec;
	struct kucomms_msg_hdr h = { 0 };
	const void *data = NULL;
	long long size;

	size = kucomms_ring_peek(&r->ring, &h, &data);
	if (size <= 0 || h.length < KUCOMMS_TAP_REC_SIZE)
		return -EPROTO;
	memcpy(&rec, data, sizeof(rec));
	/* What the ring says, what the record says, what we asked for. */
	if (rec.caplen != h.length - KUCOMMS_TAP_REC_SIZE ||
	    rec.caplen > rec.hdr.length || rec.caplen > t->snaplen)
		return -EPROTO;
	if (rec.caplen)
		memcpy(buf, (const unsigned char *)data + KUCOMMS_TAP_REC_SIZE,
		       rec.caplen);
	kucomms_ring_release(&r->ring, (uint64_t)size);
	out->ts_ns = rec.ts_ns;
	out->conn_id = rec.conn_id;
	out->dir = r->dir;	/* the ring tells, not the sender */
	out->caplen = rec.caplen;
	out->hdr = rec.hdr;
	out->data = buf;
	return 0;
}

/* The oldest record of the two rings into @buf: 0, -EAGAIN or -EPROTO. */
static int kuc_shm_tap_poll(struct kuc_shm_tap *t, unsigned char *buf,
			    struct kuc_tap_record *rec)
{
	uint64_t ts[2] = { 0, 0 };
	int ready[2], i, pick;

	if (t->broken)
		return t->broken;
	if (__atomic_load_n(&t->truncated, __ATOMIC_ACQUIRE))
		return t->broken = -EPROTO;
	/*
	 * The server's ring first: a reply seen there implies that its
	 * request's record, published earlier in the client's ring, is
	 * seen when that ring is looked at next.
	 */
	for (i = 1; i >= 0; i--) {
		ready[i] = kuc_shm_tap_next(t, &t->rx[i], &ts[i]);
		if (ready[i] < 0)
			return t->broken = -EPROTO;
	}
	if (!ready[0] && !ready[1])
		return -EAGAIN;
	pick = ready[0] && (!ready[1] || ts[0] <= ts[1]) ? 0 : 1;
	if (kuc_shm_tap_take(t, &t->rx[pick], buf, rec))
		return t->broken = -EPROTO;
	return 0;
}

/*
 * The segment was removed (unlinked) and no client is attached any more:
 * nobody can send through it again. A server alone does not count: it
 * sends only to a client, and no new client can open a removed segment.
 * (A client and server still attached keep talking: still watched.)
 */
static bool kuc_shm_tap_removed(const struct kuc_shm_tap *t)
{
	struct stat st;

	return !fstat(t->fd, &st) && st.st_nlink == 0 &&
	       !kuc_shm_locked(t->fd, KUCOMMS_SHM_LOCK_CLIENT);
}

/*
 * Before sleeping: the NEED_WAKEUP handshake of kucomms_ring.h on both
 * rings (C1-C3). Returns true when a record came meanwhile; otherwise the
 * words to sleep on and their values are in @w and @e.
 */
static bool kuc_shm_tap_prepare(struct kuc_shm_tap *t, const uint32_t *w[2],
				uint32_t e[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		struct kucomms_ring *r = &t->rx[i].ring;

		w[i] = kuc_futex_pos_word(&r->prod->pos);
		kuc_write_once(r->cons->flags,
			       r->cons->flags | KUCOMMS_RING_NEED_WAKEUP);
	}
	kuc_full_barrier();
	for (i = 0; i < 2; i++) {
		/* A ring whose sender has not joined: whatever is there. */
		e[i] = kuc_tap_ld(w[i]);
		if (kuc_shm_tap_joined(t, &t->rx[i]) &&
		    kucomms_ring_avail(&t->rx[i].ring))
			return true;
	}
	return false;
}

static void kuc_shm_tap_awake(struct kuc_shm_tap *t)
{
	kucomms_ring_awake(&t->rx[0].ring);
	kucomms_ring_awake(&t->rx[1].ring);
}

int kuc_shm_tap_read(struct kuc_shm_tap *t, unsigned char *buf,
		     struct kuc_tap_record *rec, int timeout_ms)
{
	struct kuc_deadline dl = kuc_deadline(timeout_ms);
	int64_t left, slice = KUC_SHM_TAP_PROBE_MS * NSEC_PER_MSEC;
	const uint32_t *w[2];
	struct timespec ts;
	uint32_t e[2];
	bool gone = false, napped = false;
	int ret;

	for (;;) {
		ret = kuc_shm_tap_poll(t, buf, rec);
		if (ret != -EAGAIN)
			return ret;
		/* Removed: what was left is read, then the end. */
		if (gone)
			return -ESHUTDOWN;
		if (dl.none)
			return -EAGAIN;
		left = kuc_deadline_left(&dl);
		if (!left)
			return -ETIMEDOUT;
		if (!napped) {
			napped = true;
			ts = kuc_ns_to_ts(left < KUC_SHM_TAP_NAP_NS ? left :
					  KUC_SHM_TAP_NAP_NS);
			if (nanosleep(&ts, NULL))
				return -EINTR;
			continue;
		}
		if (kuc_shm_tap_prepare(t, w, e)) {
			kuc_shm_tap_awake(t);
			continue;
		}
		ts = kuc_ns_to_ts(left < slice ? left : slice);
		ret = kuc_futex_wait2(w, e, &ts);
		kuc_shm_tap_awake(t);
		if (ret == -EINTR)
			return -EINTR;
		if (ret == -ETIMEDOUT)
			gone = kuc_shm_tap_removed(t);
	}
}

void kuc_shm_tap_stats(const struct kuc_shm_tap *t, struct kuc_tap_stats *st)
{
	const struct kucomms_shm_tap_prod *p;
	int i;

	st->captured = 0;
	st->dropped = 0;
	for (i = 0; i < 2; i++) {
		p = t->rx[i].prod;
		/* The senders' own counts: figures only, never trusted. */
		if (kuc_tap_ld(&p->gen) != t->gen)
			continue;
		st->captured += kuc_read_once(p->captured);
		st->dropped += kuc_read_once(p->dropped);
	}
	st->snaplen = t->snaplen;
	st->buf_order = KUCOMMS_SHM_TAP_RING_ORDER + 1;	/* both rings */
}
