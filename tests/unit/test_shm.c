// SPDX-License-Identifier: MIT
/*
 * Shm channels inside one process, under ASan/UBSan: a server (with the
 * endpoint thread echoing) and successive clients on one segment, the
 * attach rules (ENXIO, EBUSY, conn ids), kuc_wait(POLLOUT) on a server
 * before its first client, a clean server shutdown, and the
 * checks on a damaged segment, a segment truncated under both sides
 * (the SIGBUS guard), that every other SIGBUS still reaches the handler
 * the program had before, and the monitor tap (kuc_tap_open() on
 * "shm:NAME"): exact records both ways, drops, and garbage written into
 * the tap area by a hostile sender or reader. Two processes, crashes and
 * hostile peers are tests/host/shm.bats's and kucdump_shm.bats's.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <kuc.h>
#include <kucomms/kucomms_shm.h>

#include "tap.h"

/* kuc_shm_create()'s owner and group: the caller's. */
#define ID_KEEP	(uid_t)-1, (gid_t)-1

static char name[64], spec[80];

static void echo(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		 const void *data, void *ctx)
{
	(void)ctx;
	kuc_send_wait(ch, hdr, data, 5000);
}

/* @n messages to the echo and back, checked; returns how many were good. */
static unsigned int round_trips(struct kuc_channel *c, unsigned int n)
{
	struct kucomms_msg_hdr h, r;
	char out[256], in[256];
	unsigned int i, good = 0;

	for (i = 0; i < n; i++) {
		h = (struct kucomms_msg_hdr){ .length = i % 200, .id = i };
		memset(out, (int)i, h.length);
		if (kuc_send_wait(c, &h, out, 5000) ||
		    kuc_recv(c, &r, in, sizeof(in), 5000))
			break;
		good += r.id == i && r.length == h.length &&
			!memcmp(in, out, h.length);
	}
	return good;
}

/*
 * A server without a client has no room to report: kuc_wait(POLLOUT)
 * times out. It spun for ever instead (its empty ring had room, so it
 * looked again without sleeping and without looking at the time):
 * the alarm kills the test then.
 */
static void wait_no_client(struct kuc_channel *s, short events)
{
	struct timespec a, b;
	long long ms;
	int ret;

	alarm(10);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ret = kuc_wait(s, events, 100);
	clock_gettime(CLOCK_MONOTONIC, &b);
	alarm(0);
	ms = (b.tv_sec - a.tv_sec) * 1000LL + (b.tv_nsec - a.tv_nsec) / 1000000;
	TAP_OK(ret == 0 && ms >= 90 && ms < 5000,
	       "no client: kuc_wait(%s, 100) times out (%d after %lld ms)",
	       events & POLLIN ? "POLLIN | POLLOUT" : "POLLOUT", ret, ms);
}

/* kuc_wait(POLLOUT) from a sending thread of the server, in ms. */
struct out_wait {
	struct kuc_channel *s;
	int ret;
	long long ms;
};

static void *wait_out(void *arg)
{
	struct out_wait *w = arg;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	w->ret = kuc_wait(w->s, POLLOUT, 5000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	w->ms = (b.tv_sec - a.tv_sec) * 1000LL +
		(b.tv_nsec - a.tv_nsec) / 1000000;
	return NULL;
}

static void test_serve_and_clients(void)
{
	struct kuc_handlers h = { .message = echo };
	struct kuc_channel *s, *s2, *c, *c2;
	struct kuc_shm_info si;
	struct kucomms_msg_hdr r = { 0 };	/* no data: length 0 */
	struct out_wait ow = { 0 };
	pthread_t waiter;
	bool waiting;
	int ret;

	ret = kuc_open(spec, &c);
	TAP_OK(ret == -ENOENT, "no segment: ENOENT (%d)", ret);
	TAP_OK(!kuc_shm_create(name, 4096, 0600, ID_KEEP), "segment created");
	TAP_OK(kuc_shm_create(name, 4096, 0600, ID_KEEP) == -EEXIST,
	       "twice: EEXIST");
	ret = kuc_open(spec, &c);
	TAP_OK(ret == -ENXIO, "no server: ENXIO (%d)", ret);
	ret = kuc_serve(name, &s);
	TAP_OK(!ret, "kuc_serve attaches (%d)", ret);
	if (ret)
		return;
	TAP_OK(kuc_channel_kind(s) == KUC_KIND_SHM, "kind shm");
	TAP_OK(kuc_serve(name, &s2) == -EBUSY, "a second server: EBUSY");
	TAP_OK(kuc_send(s, &r, NULL) == -ENOTCONN,
	       "the server sends with no client: ENOTCONN");
	wait_no_client(s, POLLIN | POLLOUT);
	wait_no_client(s, POLLOUT);
	TAP_OK(!kuc_endpoint_start(s, &h, NULL), "server endpoint thread");

	/*
	 * Room comes with the client the endpoint thread accepts: at once,
	 * not at the end of a KUC_SHM_PROBE_MS (500 ms) slice of a sleep on
	 * a word nobody wakes.
	 */
	ow.s = s;
	waiting = !pthread_create(&waiter, NULL, wait_out, &ow);
	usleep(100 * 1000);
	ret = kuc_open(spec, &c);
	TAP_OK(!ret, "a client opens (%d)", ret);
	if (waiting)
		pthread_join(waiter, NULL);
	TAP_OK(waiting && ow.ret == POLLOUT && ow.ms < 450,
	       "a sender waiting for room wakes when it is accepted (%d after %lld ms)",
	       ow.ret, ow.ms);
	if (ret)
		goto out;
	TAP_OK(kuc_conn_id(c) == 1, "first connection: id 1");
	TAP_OK(kuc_open(spec, &c2) == -EBUSY, "a second client: EBUSY");
	TAP_OK(round_trips(c, 20000) == 20000, "20000 round trips");
	TAP_OK(!kuc_shm_info(name, &si) && si.server_attached &&
	       si.client_attached && si.server_pid == getpid() &&
	       si.ring_size == 4096 && !si.problem[0],
	       "kuc_shm_info: both attached, our pid, no problem");
	/* Data bytes i % 200 for i < 20000: 100 times 0 + ... + 199. */
	TAP_OK(!kuc_shm_info(name, &si) && si.msgs_in == 20000 &&
	       si.msgs_out == 20000 && si.bytes_in == 1990000 &&
	       si.bytes_out == 1990000 && !si.protocol_errors,
	       "kuc_shm_info: 20000 messages, 1990000 bytes each way (%llu, %llu, %llu, %llu)",
	       (unsigned long long)si.msgs_in, (unsigned long long)si.bytes_in,
	       (unsigned long long)si.msgs_out,
	       (unsigned long long)si.bytes_out);
	kuc_close(c);
	ret = kuc_open(spec, &c);
	TAP_OK(!ret && kuc_conn_id(c) == 2, "the next client: id 2 (%d)", ret);
	if (ret)
		goto out;
	TAP_OK(round_trips(c, 1000) == 1000, "and it is served");
	TAP_OK(!kuc_shm_info(name, &si) && si.msgs_in == 21000 &&
	       si.msgs_out == 21000 && si.bytes_in == 1990000 + 99500 &&
	       si.bytes_out == 1990000 + 99500,
	       "kuc_shm_info: the counters go on across connections (%llu, %llu)",
	       (unsigned long long)si.msgs_in, (unsigned long long)si.bytes_in);
	kuc_close(s);
	s = NULL;
	ret = kuc_recv(c, &r, NULL, 0, 5000);
	TAP_OK(ret == -ESHUTDOWN, "server closed: the client gets ESHUTDOWN (%d)",
	       ret);
	TAP_OK(kuc_wait(c, POLLIN, 0) & POLLHUP, "and POLLHUP");
	kuc_close(c);
out:
	kuc_close(s);
	TAP_OK(!kuc_shm_remove(name), "segment removed");
	TAP_OK(kuc_shm_remove(name) == -ENOENT, "twice: ENOENT");
}

/* Damage one field of a fresh segment: kuc_serve refuses, info says why. */
static void damage(off_t off, const void *bytes, size_t n, off_t size,
		   const char *why)
{
	struct kuc_channel *s;
	struct kuc_shm_info si;
	char path[128];
	int fd, ret;

	kuc_shm_remove(name);
	kuc_shm_create(name, 4096, 0600, ID_KEEP);
	snprintf(path, sizeof(path), "/%s", name);
	fd = shm_open(path, O_RDWR, 0);
	if (n && pwrite(fd, bytes, n, off) != (ssize_t)n)
		TAP_OK(0, "pwrite");
	if (size && ftruncate(fd, size))
		TAP_OK(0, "ftruncate");
	close(fd);
	ret = kuc_serve(name, &s);
	TAP_OK(ret == -EPROTO, "%s: kuc_serve EPROTO (%d)", why, ret);
	if (!ret)
		kuc_close(s);
	ret = kuc_shm_info(name, &si);
	TAP_OK(!ret && strstr(si.problem, why), "%s: info says \"%s\"", why,
	       si.problem);
}

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

/*
 * The program's own SIGBUS handler, installed before libkuc's: a SIGBUS
 * that is not libkuc's must still reach it.
 */
static sigjmp_buf app_jmp;
static volatile sig_atomic_t app_sigbus;

static void app_handler(int sig, siginfo_t *info, void *uctx)
{
	(void)sig;
	(void)info;
	(void)uctx;
	app_sigbus++;
	siglongjmp(app_jmp, 1);
}

/* Touch the second page of a one-page file: a SIGBUS nobody guards. */
static void test_foreign_sigbus(void)
{
	long page = sysconf(_SC_PAGESIZE);
	volatile unsigned char *p;
	int fd = memfd_create("kuc-foreign", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, page)) {
		TAP_OK(0, "memfd");
		return;
	}
	p = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		TAP_OK(0, "mmap");
		return;
	}
	if (!sigsetjmp(app_jmp, 1))
		p[page] = 1;
	TAP_OK(app_sigbus == 1,
	       "a SIGBUS outside any segment reaches the program's handler (%d)",
	       (int)app_sigbus);
	munmap((void *)p, 2 * (size_t)page);
}

/* Shrink the file under a served connection: EPROTO both ways, no death. */
static void test_truncated(void)
{
	struct kuc_handlers h = { .message = echo };
	struct kucomms_msg_hdr r = { .length = 4 };
	struct kuc_channel *s = NULL, *c = NULL;
	struct kuc_tap_record rec;
	struct kuc_tap *t = NULL;
	char path[128];
	int fd, ret;

	kuc_shm_remove(name);
	kuc_shm_create(name, 4096, 0600, ID_KEEP);
	if (kuc_serve(name, &s) || kuc_endpoint_start(s, &h, NULL) ||
	    kuc_open(spec, &c) || kuc_tap_open(spec, NULL, &t)) {
		TAP_OK(0, "truncate: serve, open and tap");
		goto out;
	}
	TAP_OK(round_trips(c, 100) == 100, "truncate: served before");
	TAP_OK(!kuc_tap_read(t, &rec, 1000), "truncate: the tap reads before");
	snprintf(path, sizeof(path), "/%s", name);
	fd = shm_open(path, O_RDWR, 0);
	TAP_OK(fd >= 0 && !ftruncate(fd, 0), "truncate: the file shrinks to 0");
	close(fd);
	ret = kuc_send_wait(c, &r, "ping", 2000);
	if (!ret)
		ret = kuc_recv(c, &r, NULL, 0, 2000);
	TAP_OK(ret == -EPROTO, "truncate: the client gets EPROTO, alive (%d)",
	       ret);
	ret = kuc_send(c, &r, "ping");
	TAP_OK(ret == -EPROTO, "truncate: and keeps getting it (%d)", ret);
	kuc_endpoint_stop(s);
	ret = kuc_recv(s, &r, NULL, 0, 1000);
	TAP_OK(ret == -EPROTO, "truncate: the server gets EPROTO, alive (%d)",
	       ret);
	/* The tap's reader and the senders' tap mappings are guarded too. */
	ret = kuc_tap_read(t, &rec, 1000);
	while (!ret)
		ret = kuc_tap_read(t, &rec, 1000);
	TAP_OK(ret == -EPROTO, "truncate: the tap reader gets EPROTO, alive (%d)",
	       ret);
	TAP_OK(app_sigbus == 1, "truncate: the program's handler never ran");
out:
	kuc_tap_close(t);
	kuc_close(c);
	kuc_close(s);
	kuc_shm_remove(name);
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = app_handler,
				.sa_flags = SA_SIGINFO };
	unsigned int v = 7;
	unsigned long long big = 3 << 20;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	snprintf(name, sizeof(name), "kucomms_unit_%d", (int)getpid());
	snprintf(spec, sizeof(spec), "shm:%s", name);
	kuc_shm_remove(name);
	TAP_OK(kuc_shm_create(name, 1000, 0600, ID_KEEP) == -EINVAL,
	       "ring size not a power of two: EINVAL");
	TAP_OK(kuc_shm_create("Bad", 4096, 0600, ID_KEEP) == -EINVAL,
	       "bad name: EINVAL");
	test_serve_and_clients();
	test_tap();
	damage(0, "\0\0\0\0", 4, 0, "bad magic");
	damage(8, &v, sizeof(v), 0, "layout version 7");
	v = 2;	/* before the traffic counters */
	damage(8, &v, sizeof(v), 0, "layout version 2, expected 3");
	damage(16, &big, sizeof(big), 0, "bad ring size");
	damage(0, NULL, 0, 8192, "size 8192");
	test_foreign_sigbus();
	test_truncated();
	kuc_shm_remove(name);
	return tap_done();
}
