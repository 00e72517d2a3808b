// SPDX-License-Identifier: MIT
/*
 * Per side counts that stay true under emulation: the kernel's own
 * counts of the side's tasks (perf software events and tracepoints:
 * task clock, context switches, system calls entered, wakeups made),
 * plus getrusage() for the voluntary/involuntary split. A counter the
 * kernel refuses is reported as -1 (syscalls, wakeups) or falls back to
 * getrusage() (CPU time, context switches).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kucbench.h"

enum { C_CLOCK, C_CSW, C_SYSCALL, C_WAKEUP };

static long tracepoint_id_in(const char *name)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events",
	};
	char path[256];
	unsigned int i;
	long id = -1;
	FILE *f;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]) && id < 0; i++) {
		snprintf(path, sizeof(path), "%s/%s/id", roots[i], name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%ld", &id) != 1)
			id = -1;
		fclose(f);
	}
	return id;
}

/*
 * A tracepoint's id is only read through tracefs, which a system without
 * systemd's mount of it (a container's or a minimal VM's init) may not
 * have mounted: as root, mount it where the kernel provides its mount
 * point, as perf does, rather than report no counts.
 */
static long tracepoint_id(const char *name)
{
	long id = tracepoint_id_in(name);

	if (id < 0 && !mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
		id = tracepoint_id_in(name);
	return id;
}

/*
 * KB_NO_TRACE=1: count no tracepoints (system calls and wakeups then
 * read -1). An enabled raw_syscalls tracepoint costs every system call
 * of every task something, so runs that count them are slower the more
 * system calls they make; this measures how much.
 */
bool kb_no_trace(void)
{
	const char *v = getenv("KB_NO_TRACE");

	return v && *v && strcmp(v, "0");
}

/*
 * A counting event on @pid (0: this thread, and the threads it starts);
 * -1 for a tracepoint under KB_NO_TRACE.
 */
int kb_perf_open_pid(pid_t pid, int which)
{
	struct perf_event_attr a;
	long id;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.inherit = pid == 0;
	switch (which) {
	case C_CLOCK:
		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_TASK_CLOCK;
		break;
	case C_CSW:
		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
		break;
	default:
		if (kb_no_trace())
			return -1;
		id = tracepoint_id(which == C_SYSCALL ? "raw_syscalls/sys_enter" :
				   "sched/sched_waking");
		if (id < 0)
			return -1;
		a.type = PERF_TYPE_TRACEPOINT;
		a.config = (uint64_t)id;
		break;
	}
	return (int)syscall(SYS_perf_event_open, &a, pid, -1, -1,
			    PERF_FLAG_FD_CLOEXEC);
}

uint64_t kb_perf_read(int fd)
{
	uint64_t v = 0;

	if (fd < 0 || read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void rusage_now(bool thread, uint64_t *cpu, uint64_t *v, uint64_t *iv)
{
	struct rusage ru;

	getrusage(thread ? RUSAGE_THREAD : RUSAGE_SELF, &ru);
	*cpu = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
	*v = (uint64_t)ru.ru_nvcsw;
	*iv = (uint64_t)ru.ru_nivcsw;
}

void kb_ctr_start(struct kb_counters *c, bool thread)
{
	int i;

	c->thread = thread;
	for (i = 0; i < 4; i++)
		c->fd[i] = kb_perf_open_pid(0, i);
	for (i = 0; i < 4; i++)
		c->v0[i] = kb_perf_read(c->fd[i]);
	rusage_now(thread, &c->ru_cpu, &c->ru_v, &c->ru_iv);
}

/*
 * kucbench --hold-events: keep one event of each kind open until killed.
 * The first perf event on a tracepoint enables it by patching kernel
 * text, and the last one closed patches it back. Under TCG that patching
 * can wedge the guest (one vCPU spinning in text_poke_bp() for the other,
 * which never acknowledges: a soft lockup and an RCU stall), and every
 * side of every run opens and closes its events. Held open here for the
 * whole VM part, the tracepoints stay enabled and the runs patch nothing.
 */
int kb_hold_events(void)
{
	int i, fd[4];

	for (i = 0; i < 4; i++)
		fd[i] = kb_perf_open_pid(0, i);
	fprintf(stderr, "# kucbench: holding perf events (%d %d %d %d)\n",
		fd[0], fd[1], fd[2], fd[3]);
	for (;;)
		pause();
	return 0;
}

void kb_ctr_stop(struct kb_counters *c, struct kb_side *s)
{
	uint64_t v[4], cpu, vc, ivc;
	int i;

	for (i = 0; i < 4; i++)
		v[i] = kb_perf_read(c->fd[i]) - c->v0[i];
	rusage_now(c->thread, &cpu, &vc, &ivc);
	s->vcsw = vc - c->ru_v;
	s->ivcsw = ivc - c->ru_iv;
	s->cpu_ns = c->fd[C_CLOCK] >= 0 ? v[C_CLOCK] : cpu - c->ru_cpu;
	s->csw = c->fd[C_CSW] >= 0 ? v[C_CSW] : s->vcsw + s->ivcsw;
	s->syscalls = c->fd[C_SYSCALL] >= 0 ? (int64_t)v[C_SYSCALL] : -1;
	s->wakeups = c->fd[C_WAKEUP] >= 0 ? (int64_t)v[C_WAKEUP] : -1;
	for (i = 0; i < 4; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
}
