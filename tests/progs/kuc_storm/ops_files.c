// SPDX-License-Identifier: MIT
/*
 * kuc_storm: the worker operations on files: open a connection (and map it
 * honestly) or the monitor, close, dup.
 */
#include "storm.h"

long map_one(int c, enum region reg, int prot, int flags,
	     off_t off, size_t len)
{
	int m = free_map();
	void *p;

	if (m < 0)
		return -ENOSPC;
	p = mmap(NULL, len, prot, flags, conns[c].fd, off);
	if (p == MAP_FAILED)
		return -errno;
	maps[m].addr = p;
	maps[m].len = len;
	maps[m].conn = c;
	maps[m].reg = reg;
	maps[m].first_page = 0;
	maps[m].prot = prot;
	maps[m].intact = conns[c].ring_size &&
			 len == region_pages(conns[c].ring_size, reg) * PAGE;
	return m;
}

/* The honest pair of mappings and the ring views over them. */
static void conn_map_honest(int c)
{
	struct conn *k = &conns[c];
	unsigned char *ro, *rw;
	long a, b;

	a = map_one(c, REG_RO, PROT_READ, MAP_SHARED, KUCOMMS_MMAP_RO,
		    region_pages(k->ring_size, REG_RO) * PAGE);
	if (a < 0)
		return;
	b = map_one(c, REG_RW, PROT_READ | PROT_WRITE, MAP_SHARED,
		    (off_t)KUCOMMS_MMAP_RW,
		    region_pages(k->ring_size, REG_RW) * PAGE);
	if (b < 0)
		return;
	ro = maps[a].addr;
	rw = maps[b].addr;
	k->ro_map = (int)a;
	k->rw_map = (int)b;
	kucomms_ring_init(&k->tx, (struct kucomms_ring_prod *)rw,
			  (struct kucomms_ring_cons *)(ro + PAGE),
			  rw + 2 * PAGE, k->ring_size, 0);
	kucomms_ring_init(&k->rx, (struct kucomms_ring_prod *)(ro + 2 * PAGE),
			  (struct kucomms_ring_cons *)(rw + PAGE),
			  ro + 3 * PAGE, k->ring_size, 0);
}

long op_open_conn(void)
{
	static const int modes[] = { O_RDWR, O_RDWR, O_RDWR, O_RDONLY,
				     O_WRONLY, O_RDWR | O_NONBLOCK };
	const char *name = devices[below(ARRAY_SIZE(devices))];
	struct kucomms_info info;
	char path[96];
	int c, fd, flags;

	for (c = 0; c < NCONN; c++)
		if (conns[c].fd < 0)
			break;
	if (c == NCONN) {
		c = (int)below(NCONN);
		conn_close(c);
	}
	flags = modes[below(ARRAY_SIZE(modes))] | O_CLOEXEC;
	snprintf(path, sizeof(path), "/dev/%s", name);
	arg("%s flags=%#x", name, (unsigned int)flags);
	fd = open(path, flags);
	if (fd < 0)
		return -errno;
	conns[c].fd = fd;
	conns[c].opened_ms = now_ms();
	conns[c].ro_map = conns[c].rw_map = -1;
	if (!ioctl(fd, KUCOMMS_IOC_INFO, &info)) {
		if (info.magic != KUCOMMS_MAGIC || info.page_size != PAGE ||
		    info.ring_size < (1ULL << KUCOMMS_RING_ORDER_MIN) ||
		    info.ring_size > (1ULL << KUCOMMS_RING_ORDER_MAX) ||
		    (info.ring_size & (info.ring_size - 1)) ||
		    info.msg_max != KUCOMMS_MSG_MAX(info.ring_size))
			violation("KUCOMMS_IOC_INFO of %s: magic %#llx ring_size %llu",
				  name, (unsigned long long)info.magic,
				  (unsigned long long)info.ring_size);
		else
			conns[c].ring_size = info.ring_size;
	}
	if (conns[c].ring_size && (flags & O_ACCMODE) == O_RDWR && chance(2))
		conn_map_honest(c);
	return fd;
}

long op_open_mon(void)
{
	int i, fd, flags = O_RDWR | O_CLOEXEC;

	for (i = 0; i < NMON; i++)
		if (mons[i] < 0)
			break;
	if (i == NMON) {
		i = (int)below(NMON);
		mon_close(i);
	}
	if (!chance(4))
		flags |= O_NONBLOCK;
	if (chance(8))
		flags = (flags & ~O_ACCMODE) | O_RDONLY;
	arg("flags=%#x", (unsigned int)flags);
	fd = open(KUCOMMS_MONITOR_NODE, flags);
	if (fd < 0)
		return -errno;
	mons[i] = fd;
	mon_attached[i] = 0;
	mon_opened_ms[i] = now_ms();
	return fd;
}

long op_close(void)
{
	int i;

	if (chance(3) && (i = pick_mon()) >= 0) {
		arg("mon fd=%d", mons[i]);
		mon_close(i);
		return 0;
	}
	i = pick_conn();
	if (i < 0)
		return -EBADF;
	arg("conn fd=%d", conns[i].fd);
	conn_close(i);
	return 0;
}

/* dup2 one of our fds over another of ours: the old file is closed. */
long op_dup(void)
{
	int a = pick_conn(), b = pick_conn(), m, num, i;

	if (a < 0)
		return -EBADF;
	if (b < 0 || a == b) {
		m = pick_mon();
		if (m < 0)
			return -EBADF;
		/* The connection's number names the monitor, then nothing. */
		arg("dup2 mon %d -> conn %d", mons[m], conns[a].fd);
		num = dup2(mons[m], conns[a].fd);
		if (num < 0)
			return -errno;
		conn_close(a);
		return 0;
	}
	arg("dup2 conn %d -> conn %d", conns[a].fd, conns[b].fd);
	num = dup2(conns[a].fd, conns[b].fd);
	if (num < 0)
		return -errno;
	/* b's number names a's file now; b's mappings lose their fd. */
	for (i = 0; i < NMAP; i++)
		if (maps[i].addr && maps[i].conn == b)
			maps[i].conn = -1;
	memset(&conns[b], 0, sizeof(conns[b]));
	conns[b].fd = num;
	conns[b].opened_ms = now_ms();
	conns[b].ring_size = conns[a].ring_size;
	conns[b].ro_map = conns[b].rw_map = -1;
	return 0;
}

