// SPDX-License-Identifier: MIT
/*
 * kuc_storm: each process's life: the weighted choice among the
 * operations, the worker loop (with its fork children), the admin and
 * loader loops.
 */
#include "storm.h"

/* A weighted choice among the enabled operations of @role. */
static enum op pick_op(enum role role)
{
	unsigned int total = 0, i, r;

	for (i = 0; i < NOPS; i++)
		if (ops[i].role == role && opt.enabled[i] &&
		    !(is_fork_child && i == OP_FORK))
			total += ops[i].weight;
	if (!total)
		return NOPS;
	r = (unsigned int)below(total);
	for (i = 0; i < NOPS; i++) {
		if (ops[i].role != role || !opt.enabled[i] ||
		    (is_fork_child && i == OP_FORK))
			continue;
		if (r < ops[i].weight)
			return (enum op)i;
		r -= ops[i].weight;
	}
	return NOPS;
}

bool role_enabled(enum role role)
{
	unsigned int i;

	for (i = 0; i < NOPS; i++)
		if (ops[i].role == role && opt.enabled[i])
			return true;
	return false;
}

static struct slot *slot_claim(int role, int index)
{
	int i, zero;

	for (i = 0; i < MAX_SLOTS; i++) {
		zero = 0;
		if (__atomic_compare_exchange_n(&sh->slots[i].pid, &zero,
						getpid(), false,
						__ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST)) {
			sh->slots[i].role = role;
			sh->slots[i].index = index;
			sh->slots[i].op = NOPS;
			sh->slots[i].seq = 0;
			return &sh->slots[i];
		}
	}
	return NULL;
}

static void slot_release(void)
{
	__atomic_store_n(&me->pid, 0, __ATOMIC_SEQ_CST);
}

static int nkids;

static void reap_kids(bool block)
{
	pid_t pid;

	while (nkids > 0) {
		pid = waitpid(-1, NULL, block ? 0 : WNOHANG);
		if (pid > 0)
			nkids--;
		else if (!(pid < 0 && errno == EINTR))
			break;
	}
}

bool stopping(void)
{
	return now_ms() >= end_ms || __atomic_load_n(&sh->stop, __ATOMIC_RELAXED);
}

static void worker_housekeeping(void)
{
	int64_t t = now_ms();
	int i;

	/* No connection lives long: one that stalls the endpoint ends. */
	for (i = 0; i < NCONN; i++)
		if (conns[i].fd >= 0 &&
		    (t - conns[i].opened_ms > FD_MAX_MS ||
		     __atomic_load_n(&sh->lowmem, __ATOMIC_RELAXED)))
			conn_close(i);
	for (i = 0; i < NMON; i++)
		if (mons[i] >= 0 && (t - mon_opened_ms[i] > FD_MAX_MS ||
				     __atomic_load_n(&sh->lowmem, __ATOMIC_RELAXED)))
			mon_close(i);
	reap_kids(false);
}

/*
 * The loader wants kucomms.ko out: nothing of ours may hold it (files,
 * mappings, which hold their files). A fork child just ends.
 */
static bool worker_quiet(void)
{
	if (!__atomic_load_n(&sh->quiet, __ATOMIC_SEQ_CST))
		return false;
	if (is_fork_child)
		return true;
	close_all();
	reap_kids(true);
	__atomic_fetch_add(&sh->quiet_workers, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&sh->quiet, __ATOMIC_SEQ_CST) && !stopping())
		usleep(5000);
	__atomic_fetch_sub(&sh->quiet_workers, 1, __ATOMIC_SEQ_CST);
	return false;
}

static void worker_loop(unsigned int max_ops)
{
	unsigned int n = 0;
	enum op o;

	while (!stopping() && (!max_ops || n++ < max_ops)) {
		if (worker_quiet())
			break;
		worker_housekeeping();
		o = pick_op(R_WORKER);
		if (o == NOPS)
			break;
		if (__atomic_load_n(&sh->lowmem, __ATOMIC_RELAXED) &&
		    (o == OP_OPEN_CONN || o == OP_OPEN_MON)) {
			usleep(1000);
			continue;
		}
		run_op(o);
	}
}

/* A child that shares our files (not our mappings: VM_DONTCOPY). */
long op_fork(void)
{
	pid_t pid;

	if (nkids >= 2) {
		reap_kids(true);
		return -EAGAIN;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		uint64_t seq = me->seq;
		int idx = me->index;

		is_fork_child = true;
		nkids = 0;
		for (int i = 0; i < NMAP; i++) {
			unsigned long long off;
			char perms[5];

			/* Only what MADV_DOFORK let through is still ours. */
			if (maps[i].addr && !vma_at(maps[i].addr, perms, &off))
				map_drop(i);
		}
		me = slot_claim(R_FORK, idx);
		if (!me)
			_exit(0);
		rng_seed(R_FORK, idx, seq);
		signals_setup(true);
		worker_loop(5 + (unsigned int)below(30));
		/* Files and mappings go with the process. */
		slot_release();
		_exit(0);
	}
	nkids++;
	add(&sh->children, 1);
	arg("pid=%d", pid);
	return pid;
}

static void admin_loop(void)
{
	enum op o;

	while (!stopping()) {
		o = pick_op(R_ADMIN);
		if (o == NOPS)
			break;
		/* The echo device exists most of the time. */
		if (o == OP_REMOVE && chance(2))
			o = OP_CREATE;
		run_op(o);
		if (chance(4))
			usleep((useconds_t)below(2000));
	}
}

static void loader_loop(void)
{
	enum op o;

	while (!stopping()) {
		o = pick_op(R_LOADER);
		if (o == NOPS)
			break;
		if (o == OP_RELOAD_CORE && !chance(4))
			o = OP_INSMOD;
		run_op(o);
		/* Loaded most of the time, so that connections open. */
		usleep((useconds_t)(o == OP_INSMOD ? 20000 + below(200000) :
				    below(30000)));
	}
}

void child_main(enum role role, int index)
{
	me = slot_claim(role, index);
	if (!me)
		_exit(2);
	rng_seed(role, index, 0);
	state_init();
	switch (role) {
	case R_WORKER:
		signals_setup(true);
		worker_loop(0);
		setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 0 } },
			  NULL);
		close_all();
		reap_kids(true);
		break;
	case R_ADMIN:
		signals_setup(false);
		admin_loop();
		break;
	default:
		signals_setup(false);
		loader_loop();
		break;
	}
	slot_release();
	_exit(0);
}

