// SPDX-License-Identifier: MIT
/*
 * kucbench: one case of the benchmark (bench/README), as one JSON line.
 *
 *   kucbench [--secs S] [--verify] [--pin] [--window W] CASE MODE SIZE
 *   kucbench --list
 *
 * MODE is stream, rtt or idle (kuc-shm, kuc-dev: an open connection
 * nobody uses, for SECS, to count what waiting costs); SIZE the data bytes of each message (a multiple
 * of 8, at least 16). Host cases run two sides (a forked process, or a
 * thread for pairs; --pin pins them to CPUs 0 and 1, which on a shared
 * host measures how busy those two CPUs are); device cases (kuc-dev*, chr,
 * genl*) run in the test VM, one client against a kernel module: stream
 * keeps a window of echoes in flight. Each side counts its own CPU time,
 * context switches, system calls and wakeups over the measured interval
 * (counters.c); kucomms' endpoint thread is counted from /proc. Every
 * message is checked (type, id, length, its first and last 8 bytes;
 * with --verify every byte): the line says "ok": false otherwise.
 * Exit status: 0, 1 when a message was wrong, 2 on an error.
 */

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include "kucbench.h"

enum mode { M_STREAM = 1, M_RTT = 2, M_IDLE = 4 };
enum where { HOST, VM };

struct kb_case {
	const char *name;
	enum where where;
	unsigned int modes;	/* M_STREAM | M_RTT */
	enum kb_kind kind;
	bool batch, busy, zero_copy;
	const char *what;
};

static const struct kb_case cases[] = {
	{ "kuc-shm", HOST, M_STREAM | M_RTT | M_IDLE, KB_KUC, false, false, false,
	  "kucomms shm channel, two processes: kuc_send()/kuc_recv()" },
	{ "kuc-shm-batch", HOST, M_STREAM, KB_KUC, true, false, true,
	  "kucomms shm: kuc_send_more() + kuc_flush() per 64 KiB, kuc_peek()/kuc_release()" },
	{ "kuc-shm-busy", HOST, M_RTT, KB_KUC, false, true, false,
	  "kucomms shm: both sides poll kuc_recv(timeout 0)" },
	{ "kuc-pair", HOST, M_STREAM | M_RTT, KB_KUC, false, false, false,
	  "kucomms in-process pair, two threads: kuc_send()/kuc_recv()" },
	{ "kuc-pair-batch", HOST, M_STREAM, KB_KUC, true, false, true,
	  "kucomms pair: kuc_send_more() + kuc_flush(), kuc_peek()/kuc_release()" },
	{ "kuc-pair-busy", HOST, M_RTT, KB_KUC, false, true, false,
	  "kucomms pair: both sides poll kuc_recv(timeout 0)" },
	{ "pipe", HOST, M_STREAM | M_RTT, KB_BYTES, false, false, false,
	  "pipe(2), one write() per message, reader reads all there is" },
	{ "pipe-batch", HOST, M_STREAM, KB_BYTES, true, false, false,
	  "pipe(2), writes of up to 64 KiB of messages" },
	{ "unix-seqpacket", HOST, M_STREAM | M_RTT, KB_SEQ, false, false, false,
	  "AF_UNIX SOCK_SEQPACKET socketpair, one send()/recv() per message" },
	{ "unix-stream", HOST, M_STREAM | M_RTT, KB_BYTES, false, false, false,
	  "AF_UNIX SOCK_STREAM socketpair, one write() per message, reader reads all there is" },
	{ "spsc", HOST, M_STREAM | M_RTT, KB_SPSC, false, true, false,
	  "the bench's bare SPSC ring (same records, cached positions, spinning)" },
	{ "pingpong", HOST, M_RTT, KB_SPSC, false, true, false,
	  "two processes bouncing one cache line" },
	{ "memcpy", HOST, M_STREAM, KB_SPSC, false, false, false,
	  "memcpy() of the message size within 256 KiB buffers, one thread" },
	{ "kuc-dev", VM, M_STREAM | M_RTT | M_IDLE, KB_KUC, false, false, false,
	  "kucomms device + kucomms_echo.ko: kuc_send()/kuc_recv()" },
	{ "kuc-dev-poll", VM, M_STREAM | M_RTT, KB_KUC, false, false, false,
	  "kuc-dev with the device's poll_idle_us at 1000 (the endpoint thread polls)" },
	{ "kuc-dev-batch", VM, M_STREAM, KB_KUC, true, false, true,
	  "kucomms device: kuc_send_more() + kuc_flush(), kuc_peek()/kuc_release()" },
	{ "chr", VM, M_STREAM | M_RTT, KB_BYTES, false, false, false,
	  "character-device echo (kucbench_chr.ko): write() per message, batched read()" },
	{ "genl", VM, M_STREAM | M_RTT, KB_GENL, false, false, false,
	  "generic netlink echo (kucbench_genl.ko): one sendmsg()/recv() per message" },
	{ "genl-batch", VM, M_STREAM, KB_GENL, true, false, false,
	  "generic netlink: multi-message sendmsg() of up to 64 KiB, recvmmsg()" },
};

/* Shared by the two sides (MAP_SHARED, across fork()). */
struct shared {
	int arrived;			/* the barrier */
	int served;			/* shm server attached */
	int err;
	double t0, t1;			/* the measured interval */
	uint64_t msgs, bad;
	struct kb_side side[3];		/* client, server, kernel thread */
	uint64_t line __attribute__((aligned(64)));	/* pingpong */
};

static struct {
	double secs;
	bool verify, pin;
	unsigned int window;
	const struct kb_case *c;
	enum mode mode;
	uint64_t size;
	uint64_t max_samples;
} opt = { .secs = 0.5, .max_samples = 2000000 };

static struct shared *sh;
static double *lat;		/* round-trip samples, seconds */
static unsigned char *pattern;	/* the data every message carries */
static char shm_name[64];

#define PAT(i)	((i) * 0x9e3779b97f4a7c15ULL ^ 0x6b75636f6d6d7321ULL)

/* ---- messages --------------------------------------------------------- */

static struct kucomms_msg_hdr *msg_new(void)
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
static void stamp(struct kucomms_msg_hdr *m, uint64_t id)
{
	unsigned char *d = (unsigned char *)(m + 1);
	uint64_t v = PAT(id);

	m->id = id;
	m->value = id;
	memcpy(d, &v, 8);
	memcpy(d + opt.size - 8, &v, 8);
}

static bool check(const struct kucomms_msg_hdr *m, uint64_t id)
{
	const unsigned char *d = (const unsigned char *)(m + 1);
	uint64_t v = PAT(id), a, b;

	if (m->type != KB_DATA || m->id != id || m->length != opt.size)
		return false;
	memcpy(&a, d, 8);
	memcpy(&b, d + opt.size - 8, 8);
	if (a != v || b != v)
		return false;
	return !opt.verify || !memcmp(d + 8, pattern + 8, opt.size - 16);
}

static void fail(const char *what, int err)
{
	fprintf(stderr, "kucbench: %s %d %" PRIu64 ": %s: %s\n", opt.c->name,
		(int)opt.mode, opt.size, what,
		strerror(err < 0 ? -err : err));
	__atomic_store_n(&sh->err, err ? err : -EIO, __ATOMIC_RELAXED);
}

#define TRY(what, expr) do {				\
	int r_ = (expr);				\
	if (r_ < 0) {					\
		fail(what, r_);				\
		return r_;				\
	}						\
} while (0)

/* Both sides (or @n of them) are here; time starts. */
static void barrier(int n)
{
	__atomic_add_fetch(&sh->arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&sh->arrived, __ATOMIC_ACQUIRE) < n &&
	       !__atomic_load_n(&sh->err, __ATOMIC_RELAXED))
		sched_yield();
}

static void pin(int cpu)
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

static int rtt_client(struct kb_ep *e)
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
static int idle_client(struct kb_ep *e)
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
static int side_run(struct kb_ep *e, int idx, bool thread)
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
static int hello(struct kb_ep *e, int idx)
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

/* ---- setting up the host cases ---------------------------------------- */

static struct kb_ep eps[2];

static void *pair_thread(void *arg)
{
	(void)arg;
	pin(1);
	if (!hello(&eps[1], 1))
		side_run(&eps[1], 1, true);
	return NULL;
}

/* Side 1 of a forked case: attach, then run. */
static int child_side(void)
{
	struct kb_ep *e = &eps[1];
	int r;

	pin(1);
	if (opt.c->kind == KB_KUC) {
		r = kuc_serve(shm_name, &e->ch);
		if (r) {
			fail("kuc_serve", r);
			return 2;
		}
		__atomic_store_n(&sh->served, 1, __ATOMIC_RELEASE);
	}
	r = hello(e, 1);
	if (r) {
		fail("hello", r);
		return 2;
	}
	return side_run(e, 1, false) ? 2 : 0;
}

static int setup_host(void)
{
	struct kb_ep *a = &eps[0], *b = &eps[1];
	int p[2], q[2], s[2], size = KB_RING, r;

	a->kind = b->kind = opt.c->kind;
	a->batch = b->batch = opt.c->batch;
	a->busy = b->busy = opt.c->busy;
	a->zero_copy = b->zero_copy = opt.c->zero_copy;
	if (kb_ep_buffers(a, opt.size) || kb_ep_buffers(b, opt.size))
		return -ENOMEM;
	switch (opt.c->kind) {
	case KB_BYTES:
		if (!strcmp(opt.c->name, "unix-stream"))
			goto sockets;
		if (pipe(p) || pipe(q))
			return -errno;
		fcntl(p[1], F_SETPIPE_SZ, KB_RING);
		fcntl(q[1], F_SETPIPE_SZ, KB_RING);
		a->wfd = p[1];
		b->rfd = p[0];
		b->wfd = q[1];
		a->rfd = q[0];
		return 0;
	case KB_SEQ:
sockets:
		if (socketpair(AF_UNIX, (opt.c->kind == KB_SEQ ? SOCK_SEQPACKET :
			       SOCK_STREAM) | SOCK_CLOEXEC, 0, s))
			return -errno;
		for (r = 0; r < 2; r++) {
			setsockopt(s[r], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
			setsockopt(s[r], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		}
		a->rfd = a->wfd = s[0];
		b->rfd = b->wfd = s[1];
		return 0;
	case KB_SPSC:
		r = kb_spsc_create(&a->tx, &b->rx);
		if (!r && opt.mode == M_RTT)
			r = kb_spsc_create(&b->tx, &a->rx);
		return r;
	case KB_KUC:
		if (!strncmp(opt.c->name, "kuc-pair", 8))
			return kuc_pair_open(KB_RING, &a->ch, &b->ch);
		snprintf(shm_name, sizeof(shm_name), "kucomms_kb%d", (int)getpid());
		kuc_shm_remove(shm_name);
		return kuc_shm_create(shm_name, KB_RING, 0600, (uid_t)-1,
				      (gid_t)-1);
	default:
		return -EINVAL;
	}
}

static int run_host(void)
{
	struct kb_ep *a = &eps[0];
	pthread_t tid;
	double until;
	int r, st = 0;
	pid_t pid;

	r = setup_host();
	if (r) {
		fail("setup", r);
		return 2;
	}
	if (opt.c->kind == KB_KUC && !shm_name[0]) {
		pthread_create(&tid, NULL, pair_thread, NULL);
		pin(0);
		r = hello(a, 0);
		if (r)
			fail("hello", r);
		else
			side_run(a, 0, true);
		pthread_join(tid, NULL);
		return sh->err ? 2 : 0;
	}
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0)
		_exit(child_side());
	pin(0);
	if (shm_name[0]) {
		char spec[80];

		until = kb_now() + 10;
		while (!__atomic_load_n(&sh->served, __ATOMIC_ACQUIRE) &&
		       !sh->err && kb_now() < until)
			usleep(1000);
		snprintf(spec, sizeof(spec), "shm:%s", shm_name);
		r = kuc_open(spec, &a->ch);
		if (r)
			fail("kuc_open", r);
	}
	if (!r) {
		r = hello(a, 0);
		if (r)
			fail("hello", r);
		else
			side_run(a, 0, false);
	}
	if (r)
		kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	if (shm_name[0])
		kuc_shm_remove(shm_name);
	return sh->err || !WIFEXITED(st) || WEXITSTATUS(st) ? 2 : 0;
}

/* ---- pingpong and memcpy ---------------------------------------------- */

#define PP_END	UINT64_MAX

static int run_pingpong(void)
{
	struct kb_counters c;
	double deadline, t;
	uint64_t i, v, x;
	pid_t pid = fork();

	if (pid < 0)
		return 2;
	if (pid == 0) {
		pin(1);
		barrier(2);
		kb_ctr_start(&c, false);
		for (v = 1;; v += 2) {
			while ((x = __atomic_load_n(&sh->line, __ATOMIC_ACQUIRE)) != v) {
				if (x == PP_END)
					goto out;
				kb_cpu_relax();
			}
			__atomic_store_n(&sh->line, v + 1, __ATOMIC_RELEASE);
		}
out:
		kb_ctr_stop(&c, &sh->side[1]);
		_exit(0);
	}
	pin(0);
	barrier(2);
	kb_ctr_start(&c, false);
	sh->t0 = kb_now();
	deadline = sh->t0 + opt.secs;
	for (i = 0; i < opt.max_samples; i++) {
		t = kb_now();
		__atomic_store_n(&sh->line, 2 * i + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&sh->line, __ATOMIC_ACQUIRE) != 2 * i + 2)
			kb_cpu_relax();
		lat[i] = kb_now() - t;
		if (t + lat[i] >= deadline) {
			i++;
			break;
		}
	}
	sh->t1 = kb_now();
	sh->msgs = i;
	__atomic_store_n(&sh->line, PP_END, __ATOMIC_RELEASE);
	kb_ctr_stop(&c, &sh->side[0]);
	waitpid(pid, NULL, 0);
	return 0;
}

static int run_memcpy(void)
{
	unsigned char *src = aligned_alloc(64, KB_RING), *dst = aligned_alloc(64, KB_RING);
	struct kb_counters c;
	uint64_t i, off = 0;
	double deadline;

	if (!src || !dst)
		return 2;
	memset(src, 0x5a, KB_RING);
	memset(dst, 0, KB_RING);
	pin(0);
	kb_ctr_start(&c, false);
	sh->t0 = kb_now();
	deadline = sh->t0 + opt.secs;
	for (i = 0;; i++) {
		memcpy(dst + off, src + off, opt.size);
		__asm__ __volatile__("" : : "r"(dst) : "memory");
		off += opt.size;
		if (off + opt.size > KB_RING)
			off = 0;
		if ((i & 255) == 255 && kb_now() >= deadline)
			break;
	}
	sh->t1 = kb_now();
	sh->msgs = i + 1;
	kb_ctr_stop(&c, &sh->side[0]);
	if (memcmp(dst, src, opt.size))
		sh->bad = 1;
	free(src);
	free(dst);
	return 0;
}

/* ---- the device cases (in the VM) ------------------------------------- */

/* The echo device's polling setting during the kuc-dev-poll case. */
#define KB_POLL_IDLE_US		"1000"
#define KB_POLL_IDLE_FILE	"/sys/class/kucomms/kucomms_echo/poll_idle_us"

static int set_poll_idle(const char *us)
{
	int fd = open(KB_POLL_IDLE_FILE, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, us, strlen(us)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* The endpoint thread of kucomms_echo: "kuc/" and the short name. */
static pid_t kthread_pid(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char path[300], comm[32];
	pid_t pid = -1;
	FILE *f;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, "kuc/echo\n"))
			pid = atoi(de->d_name);
		fclose(f);
		if (pid > 0)
			break;
	}
	if (d)
		closedir(d);
	return pid;
}

/* CPU time (schedstat) and switches (status) of a task. */
static void task_snap(pid_t pid, struct kb_side *s)
{
	char path[64], line[128];
	unsigned long long v;
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &v) == 1)
			s->cpu_ns = v;
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1)
			s->vcsw = v;
		else if (sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
			s->ivcsw = v;
	}
	if (f)
		fclose(f);
}

static unsigned int window_for(void)
{
	uint64_t w = KB_RING / kucomms_record_size(opt.size) - 1;

	if (opt.window)
		return opt.window;
	return w > 256 ? 256 : w ? (unsigned int)w : 1;
}

/* Echoes with up to @w in flight; replies drained down to half of it. */
static int stream_window(struct kb_ep *e, unsigned int w)
{
	struct kucomms_msg_hdr *m = msg_new();
	const struct kucomms_msg_hdr *r;
	uint64_t sent = 0, got = 0;
	bool stopping = false;
	double deadline;

	sh->t0 = kb_now();
	deadline = sh->t0 + opt.secs;
	for (;;) {
		while (!stopping && sent - got < w) {
			stamp(m, sent++);
			TRY("send", kb_send(e, m));
		}
		TRY("flush", kb_flush(e));
		if (!stopping && kb_now() >= deadline)
			stopping = true;
		if (got == sent)
			break;
		do {
			TRY("recv", kb_recv(e, &r));
			if (!check(r, got))
				sh->bad++;
			got++;
			kb_done(e);
		} while (got < sent && (stopping || sent - got > w / 2));
	}
	sh->t1 = kb_now();
	sh->msgs = got;
	free(m);
	return 0;
}

static int run_vm(void)
{
	struct kb_ep *e = &eps[0];
	struct kb_side k0, k1;
	struct kb_counters c;
	int r, kfd = -1;
	pid_t kt = -1;

	e->kind = opt.c->kind;
	e->batch = opt.c->batch;
	e->zero_copy = opt.c->zero_copy;
	if (kb_ep_buffers(e, opt.size))
		return 2;
	switch (e->kind) {
	case KB_KUC:
		r = strcmp(opt.c->name, "kuc-dev-poll") ? 0 :
		    set_poll_idle(KB_POLL_IDLE_US);
		if (!r)
			r = kuc_open("kucomms_echo", &e->ch);
		kt = kthread_pid();
		break;
	case KB_BYTES:
		e->rfd = e->wfd = open("/dev/kucbench_chr", O_RDWR | O_CLOEXEC);
		r = e->rfd < 0 ? -errno : 0;
		break;
	default:
		r = kb_genl_open(e);
		break;
	}
	if (r) {
		fail("open", r);
		return 2;
	}
	if (kt > 0) {
		kfd = kb_perf_open_pid(kt, 3);
		task_snap(kt, &k0);
		k0.wakeups = (int64_t)kb_perf_read(kfd);
	}
	kb_ctr_start(&c, false);
	if (opt.mode == M_STREAM)
		r = stream_window(e, window_for());
	else if (opt.mode == M_RTT)
		r = rtt_client(e);
	else
		r = idle_client(NULL);
	kb_ctr_stop(&c, &sh->side[0]);
	if (kt > 0) {
		task_snap(kt, &k1);
		sh->side[2].cpu_ns = k1.cpu_ns - k0.cpu_ns;
		sh->side[2].vcsw = k1.vcsw - k0.vcsw;
		sh->side[2].ivcsw = k1.ivcsw - k0.ivcsw;
		sh->side[2].csw = sh->side[2].vcsw + sh->side[2].ivcsw;
		sh->side[2].syscalls = 0;
		sh->side[2].wakeups = kfd >= 0 ?
			(int64_t)kb_perf_read(kfd) - k0.wakeups : -1;
	}
	if (e->kind == KB_KUC) {
		struct kuc_channel_stats st;

		kuc_channel_stats(e->ch, &st);
		sh->side[0].kicks = st.kicks;
		sh->side[0].waits = st.waits;
	}
	kb_ep_close(e);
	if (!strcmp(opt.c->name, "kuc-dev-poll") && set_poll_idle("0"))
		r = -EIO;
	return r ? 2 : 0;
}

/* ---- output ----------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print_side(const char *name, const struct kb_side *s, bool comma)
{
	printf("\"%s\":{\"cpu_ns\":%" PRIu64 ",\"csw\":%" PRIu64 ",\"vcsw\":%"
	       PRIu64 ",\"ivcsw\":%" PRIu64 ",\"syscalls\":%" PRId64
	       ",\"wakeups\":%" PRId64 ",\"kicks\":%" PRIu64 ",\"waits\":%"
	       PRIu64 "}%s", name, s->cpu_ns, s->csw, s->vcsw, s->ivcsw,
	       s->syscalls, s->wakeups, s->kicks, s->waits, comma ? "," : "");
}

static void print_result(int rc)
{
	double secs = sh->t1 - sh->t0, med = 0, p99 = 0;
	uint64_t n = sh->msgs;
	bool two = opt.c->where == HOST && strcmp(opt.c->name, "memcpy");
	bool kt = opt.c->where == VM && opt.c->kind == KB_KUC;

	if (opt.mode == M_RTT && n) {
		qsort(lat, n, sizeof(*lat), cmp_double);
		med = lat[n / 2];
		p99 = lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
	}
	printf("{\"case\":\"%s\",\"where\":\"%s\",\"mode\":\"%s\",\"size\":%" PRIu64
	       ",\"msgs\":%" PRIu64 ",\"bad\":%" PRIu64 ",\"secs\":%.6f,"
	       "\"window\":%u,\"msgs_per_s\":%.1f,\"bytes_per_s\":%.1f,"
	       "\"rtt_med_ns\":%.1f,\"rtt_p99_ns\":%.1f,\"ok\":%s,\"sides\":{",
	       opt.c->name, opt.c->where == VM ? "vm" : "host",
	       opt.mode == M_RTT ? "rtt" : opt.mode == M_IDLE ? "idle" : "stream",
	       opt.size, n, sh->bad, secs,
	       opt.c->where == VM && opt.mode == M_STREAM ? window_for() : 1,
	       secs > 0 ? n / secs : 0, secs > 0 ? n * (double)opt.size / secs : 0,
	       med * 1e9, p99 * 1e9,
	       !rc && n && !sh->bad ? "true" : "false");
	print_side("client", &sh->side[0], two || kt);
	if (two)
		print_side("server", &sh->side[1], kt);
	if (kt)
		print_side("kthread", &sh->side[2], false);
	printf("}}\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: kucbench [--secs S] [--verify] [--pin] [--window W] CASE MODE SIZE\n"
		"       kucbench --list\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "secs", required_argument, NULL, 's' },
		{ "verify", no_argument, NULL, 'v' },
		{ "pin", no_argument, NULL, 'p' },
		{ "window", required_argument, NULL, 'w' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	unsigned int i;
	int o, rc;

	while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (o) {
		case 's':
			opt.secs = atof(optarg);
			break;
		case 'v':
			opt.verify = true;
			break;
		case 'p':
			opt.pin = true;
			break;
		case 'w':
			opt.window = (unsigned int)atoi(optarg);
			break;
		case 'l':
			for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
				printf("%s %s%s%s%s\t%s\n", cases[i].name,
				       cases[i].where == VM ? "vm" : "host",
				       cases[i].modes & M_STREAM ? " stream" : "",
				       cases[i].modes & M_RTT ? " rtt" : "",
				       cases[i].modes & M_IDLE ? " idle" : "",
				       cases[i].what);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 3) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(cases[i].name, argv[optind]))
			opt.c = &cases[i];
	opt.mode = !strcmp(argv[optind + 1], "rtt") ? M_RTT :
		   !strcmp(argv[optind + 1], "idle") ? M_IDLE :
		   !strcmp(argv[optind + 1], "stream") ? M_STREAM : 0;
	opt.size = strtoull(argv[optind + 2], NULL, 0);
	if (!opt.c || !(opt.c->modes & opt.mode) || opt.size < 16 ||
	    opt.size % 8 || opt.size > KB_RING / 2) {
		fprintf(stderr, "kucbench: no such case, mode or size (see --list)\n");
		return 2;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		opt.pin = false;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	lat = malloc(opt.max_samples * sizeof(*lat));
	pattern = malloc(opt.size);
	if (sh == MAP_FAILED || !lat || !pattern)
		return 2;
	for (i = 0; i < opt.size; i++)
		pattern[i] = (unsigned char)(i * 31 + 7);
	/* A side that hangs must not hang the whole benchmark. */
	alarm((unsigned int)(opt.secs * 4) + 60);
	if (!strcmp(opt.c->name, "pingpong"))
		rc = run_pingpong();
	else if (!strcmp(opt.c->name, "memcpy"))
		rc = run_memcpy();
	else if (opt.c->where == VM)
		rc = run_vm();
	else
		rc = run_host();
	print_result(rc);
	return rc ? 2 : sh->bad || !sh->msgs ? 1 : 0;
}
