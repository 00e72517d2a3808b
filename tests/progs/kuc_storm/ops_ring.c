// SPDX-License-Identifier: MIT
/*
 * kuc_storm: the worker operations on the rings' contents: garbage into every
 * field userspace may write, and honest traffic through the ring code
 * (whose echoes must come back intact).
 */
#include "storm.h"

struct garbage_arg {
	int m;
	unsigned int writes;
};

static void garbage_fn(void *p)
{
	struct garbage_arg *g = p;
	struct map *mp = &maps[g->m];
	volatile unsigned char *b = mp->addr;
	volatile uint64_t *w;
	size_t off, page0 = mp->first_page, i;
	uint64_t v;
	unsigned int n = 1 + (unsigned int)below(16);

	for (i = 0; i < n; i++) {
		v = wild(below(1 << 20) * 8);
		/* Mostly the positions, the fields the kernel reads. */
		switch (below(6)) {
		case 0:		/* u2k producer pos (RW page 0) */
			off = (0 - page0) * PAGE;
			break;
		case 1:		/* k2u consumer pos */
			off = (1 - page0) * PAGE;
			break;
		case 2:		/* k2u consumer flags, reserved */
			off = (1 - page0) * PAGE + 8 + below(2) * 4;
			v = below(2) ? (uint32_t)rnd() : KUCOMMS_RING_NEED_WAKEUP;
			break;
		case 3:		/* u2k producer full, wakeups */
			off = (0 - page0) * PAGE + 8 + below(2) * 8;
			break;
		default:	/* data: headers and bytes */
			off = below(mp->len / 8) * 8;
			break;
		}
		if (off + 8 > mp->len)
			off = below(mp->len / 8) * 8;
		if (mp->reg == REG_RO || mp->reg == REG_OTHER) {
			/* Only reading here, unless it is writable. */
			v = *(volatile uint64_t *)(b + off);
			if (!(mp->prot >= 0 && (mp->prot & PROT_WRITE)))
				continue;
		}
		w = (volatile uint64_t *)(b + off);
		if (chance(4))
			__atomic_store_n(w, v, __ATOMIC_RELEASE);
		else
			*w = v;
		g->writes++;
	}
	if (chance(4)) {
		/* A burst of bytes somewhere in the data. */
		off = below(mp->len);
		n = (unsigned int)below(512);
		for (i = 0; i < n && off + i < mp->len; i++)
			b[off + i] = (unsigned char)rnd();
	}
}

static void info_check_fn(void *p)
{
	const volatile struct kucomms_info *info = p;

	if (info->magic != KUCOMMS_MAGIC || info->page_size != PAGE ||
	    info->abi_version != KUCOMMS_ABI_VERSION)
		violation("info page: magic %#llx abi %u page %u",
			  (unsigned long long)info->magic, info->abi_version,
			  info->page_size);
}

long op_garbage(void)
{
	struct garbage_arg g = { 0, 0 };
	int m = pick_map(), c;

	if (m < 0)
		return -ENOENT;
	g.m = m;
	arg("reg=%d len=%zu page0=%zu prot=%d", maps[m].reg, maps[m].len,
	    maps[m].first_page, maps[m].prot);
	/* The info page of an untouched read-only mapping must be right. */
	c = maps[m].conn;
	if (maps[m].reg == REG_RO && maps[m].first_page == 0 &&
	    maps[m].prot == PROT_READ && c >= 0 && conns[c].ring_size)
		guarded(info_check_fn, maps[m].addr);
	if (guarded(garbage_fn, &g))
		return -EFAULT;
	arg(" writes=%u", g.writes);
	if (c >= 0 && conns[c].fd >= 0 && chance(2))
		ioctl(conns[c].fd, KUCOMMS_IOC_KICK);
	return g.writes;
}

/* ---- honest traffic through the ring code -------------------------------- */

struct honest_arg {
	struct conn *k;
	int sent, got, err;
};

static void honest_fn(void *p)
{
	struct honest_arg *h = p;
	struct conn *k = h->k;
	static unsigned char buf[8192];
	struct kucomms_msg_hdr hdr;
	const void *data;
	long long rec;
	int i, n = 1 + (int)below(8), ret;

	for (i = 0; i < n; i++) {
		hdr.length = below(k->tx.msg_max < sizeof(buf) ?
				   k->tx.msg_max : sizeof(buf));
		if (chance(4))
			hdr.length = below(64);
		hdr.type = chance(16) ? ECHO_TYPE_BROADCAST : rnd();
		hdr.id = k->next_id++;
		hdr.value = rnd();
		memset(buf, (int)hdr.id, hdr.length);
		ret = kucomms_ring_produce(&k->tx, &hdr, buf);
		if (ret) {
			h->err = ret;
			break;
		}
		h->sent++;
	}
	/* Read the replies (not always: a full reply ring is a case too). */
	if (!chance(6)) {
		for (i = 0; i < 64; i++) {
			rec = kucomms_ring_peek(&k->rx, &hdr, &data);
			if (rec < 0) {
				if (rec != -EAGAIN)
					h->err = (int)rec;
				break;
			}
			kucomms_ring_release(&k->rx, (uint64_t)rec);
			h->got++;
		}
	}
}

long op_honest(void)
{
	struct honest_arg h = { 0 };
	int c, i, n = 0;

	/* A connection with its honest mappings intact. */
	c = -1;
	for (i = 0; i < NCONN; i++)
		if (conns[i].fd >= 0 && conns[i].ro_map >= 0 &&
		    below(++n) == 0)
			c = i;
	if (c < 0)
		return -ENOENT;
	h.k = &conns[c];
	if (guarded(honest_fn, &h))
		return -EFAULT;
	arg("fd=%d sent=%d got=%d err=%s", conns[c].fd, h.sent, h.got,
	    errname(-h.err));
	if (!chance(8))
		return sysret(ioctl(conns[c].fd, KUCOMMS_IOC_KICK));
	return h.err;
}

