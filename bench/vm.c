// SPDX-License-Identifier: MIT
/*
 * kucbench: the device cases, run in the test VM: one client
 * against a kernel module (kucomms_echo.ko, kucbench_chr.ko,
 * kucbench_genl.ko), the endpoint thread counted from /proc.
 */
#include "case.h"

static int write_file(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, v, strlen(v)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/*
 * The kuc-dev variants: a setting of the echo device or module, set for
 * the run and back after it, and whether the client asks for direct
 * delivery.
 */
static const struct kb_dev_variant {
	const char *name, *file, *on, *off;
	bool direct;
} dev_variants[] = {
	/* The endpoint thread polls 1 ms after the last message. */
	{ "kuc-dev-poll", "/sys/class/kucomms/kucomms_echo/poll_idle_us",
	  "1000", "0", false },
	/* Its endpoint sets KUCOMMS_EP_ZEROCOPY (read per batch). */
	{ "kuc-dev-zc", "/sys/module/kucomms_echo/parameters/zerocopy",
	  "1", "0", false },
	/* Its endpoint sets KUCOMMS_EP_DIRECT; the client asks. */
	{ "kuc-dev-direct", "/sys/module/kucomms_echo/parameters/direct",
	  "1", "0", true },
};

/*
 * The VM cases' buffers are KB_VM_RING bytes: kucomms' device gets it as
 * the ring_size of its next connection; kucbench_chr.ko, whose buffer is
 * compiled from the same kb_vm_ring.h, must say it has as much (its
 * buf_bytes: a module built before a change of the size does not).
 */
#define KB_DEV_RING_SIZE	"/sys/class/kucomms/kucomms_echo/ring_size"
#define KB_CHR_BUF_BYTES	"/sys/module/kucbench_chr/parameters/buf_bytes"

static int vm_ring(enum kb_kind kind)
{
	char v[32];
	FILE *f;
	int r, n;

	snprintf(v, sizeof(v), "%d", KB_VM_RING);
	if (kind == KB_KUC) {
		r = write_file(KB_DEV_RING_SIZE, v);
		if (r)
			fail(KB_DEV_RING_SIZE, r);
		return r;
	}
	if (kind != KB_BYTES)
		return 0;
	f = fopen(KB_CHR_BUF_BYTES, "re");
	r = f && fscanf(f, "%d", &n) == 1 && n == KB_VM_RING ? 0 : -EINVAL;
	if (f)
		fclose(f);
	if (r)
		fprintf(stderr, "kucbench: %s does not say %d (kucbench_chr.ko's buffer)\n",
			KB_CHR_BUF_BYTES, KB_VM_RING);
	return r;
}

static const struct kb_dev_variant *dev_variant(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(dev_variants) / sizeof(dev_variants[0]); i++)
		if (!strcmp(dev_variants[i].name, name))
			return &dev_variants[i];
	return NULL;
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

unsigned int window_for(void)
{
	uint64_t w = opt.ring / kucomms_record_size(opt.size) - 1;

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

int run_vm(void)
{
	const struct kb_dev_variant *v = dev_variant(opt.c->name);
	struct kb_ep *e = &eps[0];
	struct kb_side k0, k1;
	struct kb_counters c;
	int r, kfd = -1;
	pid_t kt = -1;

	e->kind = opt.c->kind;
	e->batch = opt.c->batch;
	e->zero_copy = opt.c->zero_copy;
	if (kb_ep_buffers(e, opt.size, opt.ring))
		return 2;
	if (vm_ring(e->kind))
		return 2;
	switch (e->kind) {
	case KB_KUC:
		r = v ? write_file(v->file, v->on) : 0;
		if (!r)
			r = kuc_open("kucomms_echo", &e->ch);
		if (!r && v && v->direct)
			r = kuc_set_direct(e->ch, true);
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
	if (v && write_file(v->file, v->off))
		r = -EIO;
	return r ? 2 : 0;
}

