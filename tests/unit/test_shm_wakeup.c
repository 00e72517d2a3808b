// SPDX-License-Identifier: MIT
/*
 * Wakeups between two processes on a shm segment. Both sides register
 * for membarrier(2)'s global expedited command and agree on the light P2
 * of kucomms_ring.h (their features words, kucomms_shm.h); or one side
 * cannot (a seccomp filter makes membarrier fail, as a container's
 * profile may) and both keep the full barrier. Either way an echo whose
 * two receivers sleep thousands of times gets every message back, in
 * order, and no sleep ends by its time-out: a lost wakeup would cost a
 * 500 ms slice and show in slept_out.
 */
#include <linux/filter.h>
#include <linux/membarrier.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../../libkuc/channel_shm.h"
#include "shm_harness.h"

#define MSGS	40000

/* What the server (the child) saw, sent back through a pipe. */
struct server_report {
	int ret;		/* 0, or the first failure */
	int membarrier;		/* its receiver's command, 0: none */
	bool light;		/* its tx ring's light P2 */
	uint64_t got;		/* messages received in order and echoed */
	uint64_t waits, slept_out;
};

/* membarrier(2) fails with ENOSYS in this process from now on. */
static int deny_membarrier(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_membarrier, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 4, .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -errno;
	return 0;
}

/* The child: serve @name, echo MSGS messages, report on @fd. */
static void serve_echo(int fd, bool deny)
{
	struct server_report rep = { 0 };
	struct kuc_channel_stats st;
	struct kuc_channel *s = NULL;
	struct kucomms_msg_hdr h;
	unsigned char buf[64];
	char ready = 1;

	rep.ret = deny ? deny_membarrier() : 0;
	if (!rep.ret)
		rep.ret = kuc_serve(name, &s);
	if (write(fd, &ready, 1) != 1 || rep.ret)
		goto out;
	while (rep.got < MSGS &&
	       !(rep.ret = kuc_recv(s, &h, buf, sizeof(buf), 10000)) &&
	       h.id == rep.got &&
	       !(rep.ret = kuc_send_wait(s, &h, buf, 10000)))
		rep.got++;
	rep.membarrier = s->shm->membarrier;
	rep.light = s->tx.light_p2;
	kuc_channel_stats(s, &st);
	rep.waits = st.waits;
	rep.slept_out = s->shm->slept_out;
out:
	if (write(fd, &rep, sizeof(rep)) != sizeof(rep))
		rep.ret = -EIO;
	kuc_close(s);
	_exit(rep.ret ? 1 : 0);
}

struct sender {
	struct kuc_channel *ch;
	int err;
};

/* Bursts of 8 with pauses: both receivers run dry and sleep often. */
static void *send_in_bursts(void *arg)
{
	struct sender *sd = arg;
	struct kucomms_msg_hdr h = { .length = 64 };
	unsigned char buf[64] = { 0 };
	uint64_t i;

	for (i = 0; i < MSGS && !sd->err; i++) {
		h.id = i;
		sd->err = kuc_send_wait(sd->ch, &h, buf, 10000);
		if ((i & 7) == 7)
			usleep(20);
	}
	return NULL;
}

/* Whether this kernel has the global expedited command at all. */
static bool kernel_has_global_expedited(void)
{
	int cmds = (int)syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	return cmds > 0 && (cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED);
}

static void test_echo_wakeups(bool deny)
{
	const char *how = deny ? "server without membarrier" :
				 "both registered";
	struct server_report rep = { .ret = -EIO };
	struct kuc_channel_stats st;
	struct kuc_channel *c = NULL;
	struct kucomms_msg_hdr r;
	struct sender sd = { 0 };
	unsigned char buf[64];
	uint64_t got = 0;
	int fds[2], status, ret = -EIO;
	bool light_wanted = !deny && kernel_has_global_expedited();
	pthread_t t;
	pid_t pid;
	char ready;

	kuc_shm_remove(name);
	if (kuc_shm_create(name, 65536, 0600, ID_KEEP) || pipe(fds)) {
		TAP_OK(0, "%s: segment and pipe", how);
		return;
	}
	pid = fork();
	if (!pid) {
		close(fds[0]);
		serve_echo(fds[1], deny);
	}
	close(fds[1]);
	if (read(fds[0], &ready, 1) == 1)
		ret = kuc_open(spec, &c);
	TAP_OK(!ret, "%s: the client attached (%d)", how, ret);
	if (!ret) {
		TAP_OK(light_wanted == !!c->tx.light_p2 &&
		       c->shm->membarrier ==
		       (light_wanted ? MEMBARRIER_CMD_GLOBAL_EXPEDITED : 0),
		       "%s: the client's light P2 %s (%d, command %d)", how,
		       light_wanted ? "on" : "off", c->tx.light_p2,
		       c->shm->membarrier);
		sd.ch = c;
		pthread_create(&t, NULL, send_in_bursts, &sd);
		while (got < MSGS &&
		       !(ret = kuc_recv(c, &r, buf, sizeof(buf), 10000)) &&
		       r.id == got)
			got++;
		pthread_join(t, NULL);
		kuc_channel_stats(c, &st);
		TAP_OK(!sd.err && !ret && got == MSGS && st.waits > 500 &&
		       !c->shm->slept_out, "%s: %llu of %d echoes in order; "
		       "the client's receiver slept %llu times, %llu ended by "
		       "their time-out (%d, %d)", how,
		       (unsigned long long)got, MSGS,
		       (unsigned long long)st.waits,
		       (unsigned long long)c->shm->slept_out, sd.err, ret);
	}
	if (read(fds[0], &rep, sizeof(rep)) != sizeof(rep))
		rep.ret = -EIO;
	kuc_close(c);
	close(fds[0]);
	waitpid(pid, &status, 0);
	TAP_OK(!rep.ret && rep.got == MSGS && rep.waits > 500 &&
	       !rep.slept_out, "%s: the server echoed %llu; its receiver "
	       "slept %llu times, %llu ended by their time-out (%d)", how,
	       (unsigned long long)rep.got, (unsigned long long)rep.waits,
	       (unsigned long long)rep.slept_out, rep.ret);
	TAP_OK(rep.light == light_wanted &&
	       rep.membarrier ==
	       (light_wanted ? MEMBARRIER_CMD_GLOBAL_EXPEDITED : 0),
	       "%s: the server's light P2 %s (%d, command %d)", how,
	       light_wanted ? "on" : "off", rep.light, rep.membarrier);
	kuc_shm_remove(name);
}

int main(void)
{
	shm_names();
	if (!kernel_has_global_expedited())
		printf("# this kernel has no MEMBARRIER_CMD_GLOBAL_EXPEDITED: "
		       "full barriers only\n");
	test_echo_wakeups(false);
	test_echo_wakeups(true);
	return tap_done();
}
