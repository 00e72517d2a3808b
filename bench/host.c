// SPDX-License-Identifier: MIT
/*
 * kucbench: the host cases: both sides set up (forked processes,
 * or threads for pairs) and run, and the two without a transport:
 * pingpong (one cache line) and memcpy.
 */
#include "case.h"

struct kb_ep eps[2];

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
	int p[2], q[2], s[2], size = (int)opt.ring, r;

	a->kind = b->kind = opt.c->kind;
	a->batch = b->batch = opt.c->batch;
	a->busy = b->busy = opt.c->busy;
	a->zero_copy = b->zero_copy = opt.c->zero_copy;
	if (kb_ep_buffers(a, opt.size, opt.ring) ||
	    kb_ep_buffers(b, opt.size, opt.ring))
		return -ENOMEM;
	switch (opt.c->kind) {
	case KB_BYTES:
		if (!strcmp(opt.c->name, "unix-stream"))
			goto sockets;
		if (pipe(p) || pipe(q))
			return -errno;
		fcntl(p[1], F_SETPIPE_SZ, opt.ring);
		fcntl(q[1], F_SETPIPE_SZ, opt.ring);
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
		r = kb_spsc_create(&a->tx, &b->rx, opt.ring);
		if (!r && opt.mode == M_RTT)
			r = kb_spsc_create(&b->tx, &a->rx, opt.ring);
		return r;
	case KB_KUC:
		if (!strncmp(opt.c->name, "kuc-pair", 8))
			return kuc_pair_open(opt.ring, &a->ch, &b->ch);
		snprintf(shm_name, sizeof(shm_name), "kucomms_kb%d", (int)getpid());
		kuc_shm_remove(shm_name);
		return kuc_shm_create(shm_name, opt.ring, 0600, (uid_t)-1,
				      (gid_t)-1);
	default:
		return -EINVAL;
	}
}

int run_host(void)
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

int run_pingpong(void)
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

int run_memcpy(void)
{
	unsigned char *src = aligned_alloc(64, opt.ring), *dst = aligned_alloc(64, opt.ring);
	struct kb_counters c;
	uint64_t i, off = 0;
	double deadline;

	if (!src || !dst)
		return 2;
	memset(src, 0x5a, opt.ring);
	memset(dst, 0, opt.ring);
	pin(0);
	kb_ctr_start(&c, false);
	sh->t0 = kb_now();
	deadline = sh->t0 + opt.secs;
	for (i = 0;; i++) {
		memcpy(dst + off, src + off, opt.size);
		__asm__ __volatile__("" : : "r"(dst) : "memory");
		off += opt.size;
		if (off + opt.size > opt.ring)
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

