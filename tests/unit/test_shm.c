// SPDX-License-Identifier: MIT
/*
 * Shm channels inside one process, under ASan/UBSan: a server (with the
 * endpoint thread echoing) and successive clients on one segment, the
 * attach rules (ENXIO, EBUSY, conn ids), kuc_wait(POLLOUT) on a server
 * before its first client, a clean server shutdown, and the
 * checks on a damaged segment, a segment truncated under both sides
 * (the SIGBUS guard), and that every other SIGBUS still reaches the
 * handler the program had before. The monitor tap is test_shm_tap.c's;
 * two processes, crashes and hostile peers are tests/host/shm.bats's
 * and kucdump_shm.bats's.
 */
#include "shm_harness.h"

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

static void ignore(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		   const void *data, void *ctx)
{
	(void)ch;
	(void)hdr;
	(void)data;
	(void)ctx;
}

/*
 * The segment's traffic counters count what a side published: messages
 * kuc_send_more() keeps back appear at kuc_flush().
 */
static void test_counters_follow_publication(void)
{
	struct kuc_handlers h = { .message = ignore };
	struct kucomms_msg_hdr m = { .length = 5 };
	struct kuc_channel *s = NULL, *c = NULL;
	struct kuc_shm_info si;
	int i, ret;

	kuc_shm_remove(name);
	ret = kuc_shm_create(name, 65536, 0600, ID_KEEP);
	if (!ret)
		ret = kuc_serve(name, &s);
	if (!ret)
		ret = kuc_endpoint_start(s, &h, NULL);
	if (!ret)
		ret = kuc_open(spec, &c);
	if (ret) {
		TAP_OK(0, "counters: serve and open (%d)", ret);
		goto out;
	}
	for (i = 0; i < 3; i++)
		kuc_send_more(c, &m, "hello");
	TAP_OK(!kuc_shm_info(name, &si) && si.msgs_in == 0 && si.bytes_in == 0,
	       "counters: 3 kuc_send_more() not yet published, none counted "
	       "(%llu)", (unsigned long long)si.msgs_in);
	kuc_flush(c);
	TAP_OK(!kuc_shm_info(name, &si) && si.msgs_in == 3 && si.bytes_in == 15,
	       "counters: after kuc_flush() 3 messages, 15 bytes (%llu, %llu)",
	       (unsigned long long)si.msgs_in, (unsigned long long)si.bytes_in);
out:
	kuc_close(c);
	kuc_close(s);
	kuc_shm_remove(name);
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
	shm_names();
	kuc_shm_remove(name);
	TAP_OK(kuc_shm_create(name, 1000, 0600, ID_KEEP) == -EINVAL,
	       "ring size not a power of two: EINVAL");
	TAP_OK(kuc_shm_create("Bad", 4096, 0600, ID_KEEP) == -EINVAL,
	       "bad name: EINVAL");
	test_serve_and_clients();
	damage(0, "\0\0\0\0", 4, 0, "bad magic");
	damage(8, &v, sizeof(v), 0, "layout version 7");
	v = 4;	/* the sides published no features words */
	damage(8, &v, sizeof(v), 0, "layout version 4, expected 5");
	damage(16, &big, sizeof(big), 0, "bad ring size");
	damage(0, NULL, 0, 8192, "size 8192");
	test_counters_follow_publication();
	test_foreign_sigbus();
	test_truncated();
	kuc_shm_remove(name);
	return tap_done();
}
