// SPDX-License-Identifier: MIT
/*
 * kuc_storm: the worker's ioctls: valid ones on connections and the
 * monitor with random arguments, and random ioctl numbers on any fd.
 */
#include "storm.h"

long op_ioctl_conn(void)
{
	struct kucomms_info info;
	int c = pick_conn(), fd;

	if (c < 0)
		return -EBADF;
	fd = conns[c].fd;
	switch (below(8)) {
	case 0: case 1:
		arg("KICK fd=%d", fd);
		return sysret(ioctl(fd, KUCOMMS_IOC_KICK));
	case 6: case 7:
		/* A direct delivery when the echo module allows it (direct=1). */
		arg("RUN fd=%d", fd);
		return sysret(ioctl(fd, KUCOMMS_IOC_RUN));
	case 2: case 3:
		arg("INFO fd=%d", fd);
		return sysret(ioctl(fd, KUCOMMS_IOC_INFO, wild_ptr(&info)));
	case 4:
		arg("TAP_ATTACH on a connection");
		return sysret(ioctl(fd, KUCOMMS_IOC_TAP_ATTACH, wild_ptr(&info)));
	default:
		arg("KICK with arg");
		return sysret(ioctl(fd, KUCOMMS_IOC_KICK, rnd()));
	}
}

static void attach_fill(struct kucomms_tap_attach *a)
{
	const char *name = devices[below(ARRAY_SIZE(devices))];

	memset(a, 0, sizeof(*a));
	switch (below(10)) {
	case 0:	/* not NUL-terminated */
		memset(a->name, 'a', sizeof(a->name));
		break;
	case 1:
		snprintf(a->name, sizeof(a->name), "kucomms_%c%c",
			 (char)(33 + below(94)), (char)(33 + below(94)));
		break;
	default:
		snprintf(a->name, sizeof(a->name), "%s", name);
		break;
	}
	switch (below(6)) {
	case 0: a->snaplen = (uint32_t)rnd(); break;
	case 1: a->snaplen = (uint32_t)below(64); break;
	case 2: a->snaplen = 0; break;
	default: a->snaplen = (uint32_t)below(4096); break;
	}
	switch (below(8)) {
	case 0: a->buf_order = (uint32_t)rnd(); break;
	case 1: a->buf_order = 0; break;
	case 2: a->buf_order = KUCOMMS_TAP_BUF_ORDER_MIN - 1; break;
	case 3:
		/* The largest buffers cost 16 MiB each: rarely, with memory. */
		a->buf_order = __atomic_load_n(&sh->lowmem, __ATOMIC_RELAXED) ?
			       KUCOMMS_TAP_BUF_ORDER_MIN :
			       KUCOMMS_TAP_BUF_ORDER_MIN + (uint32_t)below(9);
		break;
	default:
		a->buf_order = KUCOMMS_TAP_BUF_ORDER_MIN + (uint32_t)below(3);
		break;
	}
	if (a->buf_order > 20 && !chance(4))
		a->buf_order = 0;
	if (chance(10))
		a->flags = rnd();
}

long op_ioctl_mon(void)
{
	struct kucomms_tap_attach a;
	struct kucomms_tap_stats st;
	int i = pick_mon();
	long r;

	if (i < 0)
		return -EBADF;
	if (below(3)) {
		attach_fill(&a);
		arg("ATTACH %.20s snap=%u order=%u flags=%llx", a.name,
		    a.snaplen, a.buf_order, (unsigned long long)a.flags);
		r = sysret(ioctl(mons[i], KUCOMMS_IOC_TAP_ATTACH,
				 chance(8) ? wild_ptr(&a) : (void *)&a));
		if (!r)
			mon_attached[i] = 1;
		return r;
	}
	arg("STATS attached=%d", mon_attached[i]);
	r = sysret(ioctl(mons[i], KUCOMMS_IOC_TAP_STATS, &st));
	if (r == -ENOTCONN && mon_attached[i])
		violation("TAP_STATS says ENOTCONN after a successful attach");
	return r;
}

long op_ioctl_random(void)
{
	static const unsigned long generic[] = {
		FIONREAD, FIONBIO, FIOASYNC, FIOCLEX, FIONCLEX, FIOQSIZE,
		FIGETBSZ, FS_IOC_GETFLAGS, FS_IOC_GETVERSION,
		FS_IOC_FSGETXATTR, TCGETS, 0,
	};
	unsigned long cmd;
	unsigned char buf[256];
	int fd = pick_fd();

	memset(buf, 0, sizeof(buf));
	switch (below(4)) {
	case 0:
		cmd = generic[below(ARRAY_SIZE(generic))];
		break;
	case 1:		/* our magic, any number, direction and size */
		cmd = _IOC(below(4), KUCOMMS_IOC_MAGIC, below(16),
			   below(2) ? below(128) : below(1 << 14));
		break;
	case 2:		/* our numbers with the wrong size */
		cmd = _IOC(below(4), KUCOMMS_IOC_MAGIC, below(4), below(256));
		break;
	default:
		cmd = (uint32_t)rnd();
		break;
	}
	/*
	 * Never freeze or thaw the file system the node lives on, nor make
	 * the node immutable or append-only (later opens would fail).
	 */
	if (cmd == FIFREEZE || cmd == FITHAW || cmd == FS_IOC_SETFLAGS ||
	    cmd == FS_IOC32_SETFLAGS || cmd == FS_IOC_FSSETXATTR ||
	    cmd == FS_IOC_SETVERSION || cmd == FS_IOC32_SETVERSION)
		cmd = FIONREAD;
	arg("fd=%d cmd=%#lx", fd, cmd);
	return sysret(ioctl(fd, cmd, chance(2) ? (void *)buf : wild_ptr(buf)));
}

