// SPDX-License-Identifier: MIT
/*
 * The monitor tap of an shm channel inside one process, under
 * ASan/UBSan (kuc_tap_open() on "shm:NAME"): exact records both ways,
 * drops, and garbage written into the tap area by a hostile sender or
 * reader. tests/host/kucdump_shm.bats runs kucdump on it across
 * processes.
 */
#include "shm_harness.h"

/* Our own mapping of the tap area, as a hostile process would have. */
static unsigned char *tap_area(void)
{
	char path[128];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/%s", name);
	fd = shm_open(path, O_RDWR, 0);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, KUCOMMS_SHM_TAP_PAGES * KUCOMMS_PAGE_SIZE,
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)kucomms_shm_tap_area(4096));
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static struct kucomms_shm_tap_prod *tap_prod(unsigned char *a, int page)
{
	return (void *)(a + (size_t)page * KUCOMMS_PAGE_SIZE);
}

static struct kucomms_ring_cons *tap_cons(unsigned char *a, int page)
{
	return (void *)(a + (size_t)page * KUCOMMS_PAGE_SIZE);
}

/* Read records until none comes for 200 ms; returns how many. */
static unsigned int tap_drain(struct kuc_tap *t)
{
	struct kuc_tap_record rec;
	unsigned int n = 0;

	while (!kuc_tap_read(t, &rec, 200))
		n++;
	return n;
}

static void test_tap_records(struct kuc_channel *c)
{
	struct kuc_tap_opts o = { .snaplen = 0 };
	struct kucomms_msg_hdr h, r, *zh;
	struct kuc_tap_record rec;
	struct kuc_tap_stats st;
	struct kuc_tap *t, *t2;
	char buf[64];
	uint64_t last = 0;
	void *z;
	int i, ret, good = 0;

	ret = kuc_tap_open(spec, &o, &t);
	TAP_OK(!ret, "tap: kuc_tap_open(shm:...) (%d)", ret);
	if (ret)
		return;
	TAP_OK(kuc_tap_open(spec, &o, &t2) == -EBUSY, "tap: a second reader: EBUSY");
	TAP_OK(kuc_tap_fd(t) == -EOPNOTSUPP, "tap: no fd for shm");
	TAP_OK(kuc_tap_read(t, &rec, 0) == -EAGAIN, "tap: nothing yet: EAGAIN");
	TAP_OK(kuc_tap_read(t, &rec, 50) == -ETIMEDOUT, "tap: time-out");
	for (i = 0; i < 3; i++) {
		h = (struct kucomms_msg_hdr){ .length = (uint64_t)i * 3,
					      .type = 10 + (uint64_t)i,
					      .id = 100 + (uint64_t)i,
					      .value = ~0ULL - (uint64_t)i };
		memset(buf, 'a' + i, h.length);
		kuc_send_wait(c, &h, buf, 5000);
		kuc_recv(c, &r, buf, sizeof(buf), 5000);
	}
	/* Zero-copy too. */
	z = kuc_reserve(c, 4, &zh, &ret);
	if (z) {
		zh->type = 77;
		zh->id = 78;
		memcpy(z, "zero", 4);
		kuc_commit(c);
		kuc_recv(c, &r, buf, sizeof(buf), 5000);
	}
	for (i = 0; i < 8; i++) {
		int k = i / 2;
		uint64_t len = k < 3 ? (uint64_t)k * 3 : 4;

		ret = kuc_tap_read(t, &rec, 2000);
		if (ret)
			break;
		good += rec.dir == (unsigned int)(i % 2 ? KUCOMMS_TAP_K2U :
						  KUCOMMS_TAP_U2K) &&
			rec.conn_id == kuc_conn_id(c) &&
			rec.hdr.length == len && rec.caplen == len &&
			rec.hdr.type == (k < 3 ? 10 + (uint64_t)k : 77) &&
			rec.hdr.id == (k < 3 ? 100 + (uint64_t)k : 78) &&
			(k == 3 || rec.hdr.value == ~0ULL - (uint64_t)k) &&
			(k < 3 ? (len == 0 ||
				  ((const char *)rec.data)[len - 1] == 'a' + k) :
				 !memcmp(rec.data, "zero", 4)) &&
			rec.ts_ns >= last;
		last = rec.ts_ns;
	}
	TAP_OK(good == 8, "tap: 8 records, both ways in order, exact (%d good)",
	       good);
	TAP_OK(kuc_tap_read(t, &rec, 0) == -EAGAIN, "tap: and no more");
	TAP_OK(!kuc_tap_stats(t, &st) && st.captured == 8 && !st.dropped &&
	       st.buf_order == KUCOMMS_SHM_TAP_RING_ORDER + 1,
	       "tap: stats 8 captured, 0 dropped (%llu, %llu)",
	       (unsigned long long)st.captured,
	       (unsigned long long)st.dropped);
	kuc_tap_close(t);

	/* A snap length; a reader that comes later sees only later traffic. */
	o.snaplen = 2;
	ret = kuc_tap_open(spec, &o, &t);
	TAP_OK(!ret, "tap: a new reader after close (%d)", ret);
	if (ret)
		return;
	h = (struct kucomms_msg_hdr){ .length = 5, .id = 9 };
	kuc_send_wait(c, &h, "hello", 5000);
	kuc_recv(c, &r, buf, sizeof(buf), 5000);
	ret = kuc_tap_read(t, &rec, 2000);
	TAP_OK(!ret && rec.caplen == 2 && rec.hdr.length == 5 &&
	       rec.hdr.id == 9 && !memcmp(rec.data, "he", 2),
	       "tap: snaplen 2 cuts the data, keeps the length");
	TAP_OK(tap_drain(t) == 1, "tap: just the reply follows");
	kuc_tap_close(t);
}

/* A reader that does not read: the senders drop and count, never wait. */
static void test_tap_drops(struct kuc_channel *c)
{
	struct kuc_tap_stats st;
	struct kuc_tap *t;
	unsigned int n, read;
	int ret;

	ret = kuc_tap_open(spec, NULL, &t);
	TAP_OK(!ret, "tap drops: open (%d)", ret);
	if (ret)
		return;
	n = round_trips(c, 20000);
	TAP_OK(n == 20000, "tap drops: 20000 round trips with a stalled reader");
	kuc_tap_stats(t, &st);
	TAP_OK(st.dropped > 0 && st.captured + st.dropped == 40000,
	       "tap drops: %llu captured + %llu dropped = 40000",
	       (unsigned long long)st.captured,
	       (unsigned long long)st.dropped);
	read = tap_drain(t);
	TAP_OK(read == st.captured, "tap drops: every captured record read (%u)",
	       read);
	kuc_tap_close(t);
}

/* Garbage in the tap area: no crash, no hang, the channel unharmed. */
static void test_tap_hostile(struct kuc_channel *c)
{
	struct kucomms_shm_tap_hdr *th;
	struct kucomms_shm_tap_prod *sp, *cp;
	struct kuc_tap_record rec;
	struct kuc_tap_stats st;
	struct kuc_tap *t;
	unsigned char *a = tap_area();
	uint64_t d0;
	int ret;

	TAP_OK(a, "hostile: the tap area mapped");
	if (!a)
		return;
	th = (void *)a;
	sp = tap_prod(a, KUCOMMS_SHM_TAP_S2C_PROD);
	cp = tap_prod(a, KUCOMMS_SHM_TAP_C2S_PROD);

	/* A hostile reader: impossible consumer positions, a huge snaplen. */
	ret = kuc_tap_open(spec, NULL, &t);
	TAP_OK(!ret, "hostile reader: a tap open (%d)", ret);
	if (ret)
		goto out;
	__atomic_store_n(&th->snaplen, 0xffffffffu, __ATOMIC_RELAXED);
	tap_cons(a, KUCOMMS_SHM_TAP_C2S_CONS)->pos = 0x123456789abcdefULL;
	tap_cons(a, KUCOMMS_SHM_TAP_S2C_CONS)->pos = ~0ULL;
	tap_cons(a, KUCOMMS_SHM_TAP_C2S_CONS)->flags = ~0U;
	TAP_OK(round_trips(c, 2000) == 2000,
	       "hostile reader: 2000 round trips unharmed");
	kuc_tap_stats(t, &st);
	TAP_OK(st.dropped == 4000 && !st.captured,
	       "hostile reader: every record dropped and counted (%llu)",
	       (unsigned long long)st.dropped);
	kuc_tap_close(t);

	/* A hostile sender: a position ahead, a misaligned one, records
	 * that lie about their sizes. The reader says EPROTO, and again.
	 */
	ret = kuc_tap_open(spec, NULL, &t);
	if (ret)
		goto out;
	__atomic_store_n(&sp->ring.pos, 12345, __ATOMIC_RELEASE);
	__atomic_store_n(&sp->gen, th->gen, __ATOMIC_RELEASE);
	ret = kuc_tap_read(t, &rec, 100);
	TAP_OK(ret == -EPROTO, "hostile sender: misaligned position: EPROTO (%d)",
	       ret);
	TAP_OK(kuc_tap_read(t, &rec, 100) == -EPROTO, "hostile sender: sticky");
	kuc_tap_close(t);
	ret = kuc_tap_open(spec, NULL, &t);
	if (ret)
		goto out;
	/* Records of garbage: a ring header whose length exceeds the tap
	 * record's claims, then one too short for a tap record.
	 */
	round_trips(c, 1);
	ret = kuc_tap_read(t, &rec, 1000);
	TAP_OK(!ret, "hostile sender: a good record first (%d)", ret);
	{
		char path[128];
		unsigned char *d;
		int fd;

		snprintf(path, sizeof(path), "/%s", name);
		fd = shm_open(path, O_RDWR, 0);
		d = mmap(NULL, KUCOMMS_SHM_TAP_RING, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, (off_t)kucomms_shm_tap_data(4096, 1));
		close(fd);
		if (d != MAP_FAILED) {
			struct kucomms_msg_hdr *g = (void *)(d + (sp->ring.pos &
						(KUCOMMS_SHM_TAP_RING - 1)));
			struct kucomms_tap_rec *gr = (void *)(g + 1);

			g->length = KUCOMMS_TAP_REC_SIZE + 8;
			gr->caplen = 4000;	/* more than the ring says */
			gr->hdr.length = 4000;
			__atomic_store_n(&sp->ring.pos, sp->ring.pos +
					 kucomms_record_size(g->length),
					 __ATOMIC_RELEASE);
			munmap(d, KUCOMMS_SHM_TAP_RING);
		}
	}
	ret = kuc_tap_read(t, &rec, 1000);	/* the reply, then garbage */
	if (!ret)
		ret = kuc_tap_read(t, &rec, 1000);
	TAP_OK(ret == -EPROTO, "hostile sender: a lying record: EPROTO (%d)", ret);
	kuc_tap_close(t);

	/* A session with no reader behind it: the senders tap into the void,
	 * then stop once a liveness check finds the tap lock free.
	 */
	__atomic_store_n(&th->gen, 4242, __ATOMIC_RELEASE);
	TAP_OK(round_trips(c, 100) == 100, "dead reader: the channel works");
	d0 = __atomic_load_n(&cp->captured, __ATOMIC_RELAXED) +
	     __atomic_load_n(&cp->dropped, __ATOMIC_RELAXED);
	TAP_OK(__atomic_load_n(&cp->gen, __ATOMIC_RELAXED) == 4242 && d0 >= 100,
	       "dead reader: the client joined its session (%llu records)",
	       (unsigned long long)d0);
	/* An idle wait longer than the probe period: the check runs. */
	kuc_recv(c, &(struct kucomms_msg_hdr){ 0 }, NULL, 0, 1200);
	round_trips(c, 100);
	TAP_OK(__atomic_load_n(&cp->captured, __ATOMIC_RELAXED) +
	       __atomic_load_n(&cp->dropped, __ATOMIC_RELAXED) == d0,
	       "dead reader: the client stopped tapping after its check");
	__atomic_store_n(&th->gen, 0, __ATOMIC_RELEASE);
	/* And a new reader is served again. */
	ret = kuc_tap_open(spec, NULL, &t);
	if (!ret) {
		round_trips(c, 10);
		TAP_OK(tap_drain(t) == 20, "a new reader after all that: 20 records");
		kuc_tap_close(t);
	}
out:
	munmap(a, KUCOMMS_SHM_TAP_PAGES * KUCOMMS_PAGE_SIZE);
}

static void test_tap(void)
{
	struct kuc_handlers h = { .message = echo };
	struct kuc_channel *s, *c;
	struct kuc_tap *t;
	int ret;

	ret = kuc_tap_open("shm:kucomms_nosuchseg", NULL, &t);
	TAP_OK(ret == -ENOENT, "tap: no segment: ENOENT (%d)", ret);
	kuc_shm_remove(name);
	TAP_OK(!kuc_shm_create(name, 4096, 0600, ID_KEEP),
	       "tap: segment created");
	ret = kuc_tap_open(spec, NULL, &t);
	TAP_OK(!ret, "tap: works with nobody attached (%d)", ret);
	kuc_tap_close(t);
	if (kuc_serve(name, &s))
		return;
	kuc_endpoint_start(s, &h, NULL);
	if (kuc_open(spec, &c)) {
		kuc_close(s);
		return;
	}
	test_tap_records(c);
	test_tap_drops(c);
	test_tap_hostile(c);
	kuc_close(c);
	kuc_close(s);
	kuc_shm_remove(name);
}

int main(void)
{
	shm_names();
	test_tap();
	kuc_shm_remove(name);
	return tap_done();
}
