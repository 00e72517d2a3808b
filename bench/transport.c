// SPDX-License-Identifier: MIT
/*
 * kucbench's transports behind one interface (kucbench.h): libkuc
 * channels, byte streams (pipes, unix STREAM sockets, the reference
 * character device), unix SEQPACKET sockets, the bench's own SPSC ring
 * and generic netlink. Each is used the way that favours it most while
 * staying honest: byte-stream readers read as much as there is and parse
 * records in place; batching writers gather up to KB_BATCH bytes per
 * system call.
 *
 * One file despite its length: every transport's send and receive sit
 * next to the dispatch in kb_send()/kb_recv(), so that how each is used
 * can be compared at a glance, which is what makes the bench fair.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kucbench.h"

#define KB_MM_N		64	/* recvmmsg() batch of the genl reader */
#define GENL_PAYLOAD	(NLMSG_HDRLEN + GENL_HDRLEN)

double kb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * One turn of a busy wait: a pause, and after a bounded spin the CPU is
 * yielded, so that a spinning side that shares its CPU with other tasks
 * (an oversubscribed host) lets its peer run instead of burning its slice.
 */
static void spin(unsigned int *n)
{
	if (++*n < 2048) {
		kb_cpu_relax();
	} else {
		*n = 0;
		sched_yield();
	}
}

static size_t msg_bytes(const struct kucomms_msg_hdr *m)
{
	return KUCOMMS_HDR_SIZE + m->length;
}

int kb_ep_buffers(struct kb_ep *e, size_t msg, size_t ring)
{
	size_t rec = kucomms_record_size(msg);

	e->rcap = (ring > rec ? ring : rec) + rec;
	e->wcap = KB_BATCH + rec + GENL_PAYLOAD + 8;
	e->rbuf = aligned_alloc(64, e->rcap);
	e->wbuf = aligned_alloc(64, e->wcap);
	e->tcap = rec;
	e->tmp = aligned_alloc(64, rec + 64);
	if (e->kind == KB_GENL && e->batch) {
		struct mmsghdr *mm = calloc(KB_MM_N, sizeof(*mm) + sizeof(struct iovec));
		struct iovec *iov = (struct iovec *)(mm + KB_MM_N);
		size_t one = rec + GENL_PAYLOAD + 64;
		unsigned char *bufs;
		unsigned int i;

		free(e->rbuf);
		e->rcap = one;
		e->rbuf = bufs = malloc(one * KB_MM_N);
		if (!mm || !bufs)
			return -ENOMEM;
		for (i = 0; i < KB_MM_N; i++) {
			iov[i].iov_base = bufs + i * one;
			iov[i].iov_len = one;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		e->mm = mm;
	}
	return e->rbuf && e->wbuf && e->tmp ? 0 : -ENOMEM;
}

void kb_ep_close(struct kb_ep *e)
{
	if (e->ch)
		kuc_close(e->ch);
	if (e->rfd > 0)
		close(e->rfd);
	if (e->wfd > 0 && e->wfd != e->rfd)
		close(e->wfd);
	free(e->rbuf);
	free(e->wbuf);
	free(e->tmp);
	free(e->mm);
	memset(e, 0, sizeof(*e));
}

/* write() all of it (a pipe or socket may take part). */
static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;
	ssize_t w;

	while (n) {
		w = write(fd, b, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- libkuc ----------------------------------------------------------- */

static int kuc_tx(struct kb_ep *e, const struct kucomms_msg_hdr *m)
{
	int r;

	for (;;) {
		r = e->batch ? kuc_send_more(e->ch, m, m + 1) :
			       kuc_send(e->ch, m, m + 1);
		if (r != -EAGAIN)
			break;
		if (e->batch) {
			r = kuc_flush(e->ch);
			e->wlen = 0;
			if (r)
				return r;
		}
		if (!e->busy && kuc_wait(e->ch, POLLOUT, 1000) < 0)
			return -EIO;
	}
	if (!r && e->batch) {
		e->wlen += kucomms_record_size(m->length);
		if (e->wlen >= KB_BATCH) {
			e->wlen = 0;
			r = kuc_flush(e->ch);
		}
	}
	return r;
}

static int kuc_rx(struct kb_ep *e, const struct kucomms_msg_hdr **msg)
{
	struct kucomms_msg_hdr *h = (struct kucomms_msg_hdr *)e->tmp;
	unsigned int n = 0;
	const void *data;
	int r;

	for (;;) {
		if (e->zero_copy) {
			r = kuc_peek(e->ch, h, &data);
			if (!r) {
				/* The header is right before its data in the ring. */
				*msg = (const struct kucomms_msg_hdr *)data - 1;
				e->held = true;
				return 0;
			}
		} else {
			r = kuc_recv(e->ch, h, h + 1, e->tcap, e->busy ? 0 : -1);
			if (!r) {
				*msg = h;
				return 0;
			}
		}
		if (r != -EAGAIN)
			return r;
		if (e->busy)
			spin(&n);
		else if (e->zero_copy && kuc_wait(e->ch, POLLIN, 1000) < 0)
			return -EIO;
	}
}

/* ---- byte streams: pipe, STREAM socket, character device ------------- */

static int bytes_tx(struct kb_ep *e, const struct kucomms_msg_hdr *m)
{
	size_t rec = kucomms_record_size(m->length);
	int r;

	if (!e->batch)
		return write_all(e->wfd, m, rec);
	if (e->wlen + rec > KB_BATCH && e->wlen) {
		r = kb_flush(e);
		if (r)
			return r;
	}
	memcpy(e->wbuf + e->wlen, m, msg_bytes(m));
	e->wlen += rec;
	return 0;
}

static int bytes_rx(struct kb_ep *e, const struct kucomms_msg_hdr **msg)
{
	const struct kucomms_msg_hdr *h;
	size_t avail, rec;
	ssize_t n;

	for (;;) {
		avail = e->rlen - e->roff;
		if (avail >= KUCOMMS_HDR_SIZE) {
			h = (const struct kucomms_msg_hdr *)(e->rbuf + e->roff);
			rec = kucomms_record_size(h->length);
			if (rec > e->rcap)
				return -EPROTO;
			if (avail >= rec) {
				*msg = h;
				e->roff += rec;
				return 0;
			}
		}
		if (e->roff) {
			memmove(e->rbuf, e->rbuf + e->roff, avail);
			e->rlen = avail;
			e->roff = 0;
		}
		n = read(e->rfd, e->rbuf + e->rlen, e->rcap - e->rlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -EPIPE;
		e->rlen += (size_t)n;
	}
}

/* ---- SEQPACKET: one message per call ---------------------------------- */

static int seq_rx(struct kb_ep *e, const struct kucomms_msg_hdr **msg)
{
	ssize_t n;

	do
		n = recv(e->rfd, e->rbuf, e->rcap, 0);
	while (n < 0 && errno == EINTR);
	if (n < (ssize_t)KUCOMMS_HDR_SIZE)
		return n < 0 ? -errno : -EPIPE;
	*msg = (const struct kucomms_msg_hdr *)e->rbuf;
	return msg_bytes(*msg) == (size_t)n ? 0 : -EPROTO;
}

/* ---- the bare SPSC ring ----------------------------------------------- */

/*
 * One ring: @size bytes (a power of two) mapped twice in a row (a record
 * is always contiguous, as in kucomms), the two positions on their own
 * cache lines, all shared with a child process after fork().
 */
int kb_spsc_create(struct kb_spsc *prod, struct kb_spsc *cons, size_t size)
{
	uint64_t *pos = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned char *base;
	int fd = memfd_create("kucbench-spsc", 0);

	if (pos == MAP_FAILED || fd < 0 || ftruncate(fd, (off_t)size))
		return -errno;
	base = mmap(NULL, 2 * size, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED ||
	    mmap(base, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0) == MAP_FAILED ||
	    mmap(base + size, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		return -errno;
	close(fd);
	memset(prod, 0, sizeof(*prod));
	prod->prod = pos;
	prod->cons = pos + 8;		/* 64 bytes further */
	prod->data = base;
	prod->size = size;
	*cons = *prod;
	return 0;
}

static int spsc_tx(struct kb_spsc *r, const struct kucomms_msg_hdr *m)
{
	uint64_t rec = kucomms_record_size(m->length);
	unsigned int n = 0;

	while (rec > r->size - (r->pos - r->peer)) {
		r->peer = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
		if (rec > r->size - (r->pos - r->peer))
			spin(&n);
	}
	memcpy(r->data + (r->pos & (r->size - 1)), m, msg_bytes(m));
	r->pos += rec;
	__atomic_store_n(r->prod, r->pos, __ATOMIC_RELEASE);
	return 0;
}

static int spsc_rx(struct kb_ep *e, const struct kucomms_msg_hdr **msg)
{
	struct kb_spsc *r = &e->rx;
	const struct kucomms_msg_hdr *h;
	unsigned int n = 0;

	while (r->peer == r->pos) {
		r->peer = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
		if (r->peer == r->pos)
			spin(&n);
	}
	h = (const struct kucomms_msg_hdr *)(r->data + (r->pos & (r->size - 1)));
	r->pending = kucomms_record_size(h->length);
	e->held = true;
	*msg = h;
	return 0;
}

/* ---- generic netlink -------------------------------------------------- */

static int genl_send_buf(struct kb_ep *e, struct iovec *iov, int n)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	struct msghdr mh = {
		.msg_name = &to, .msg_namelen = sizeof(to),
		.msg_iov = iov, .msg_iovlen = (size_t)n,
	};

	while (sendmsg(e->wfd, &mh, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void genl_hdr(struct kb_ep *e, void *p, size_t payload)
{
	struct nlmsghdr *nlh = p;
	struct genlmsghdr *g = (struct genlmsghdr *)((char *)p + NLMSG_HDRLEN);

	nlh->nlmsg_len = (uint32_t)(GENL_PAYLOAD + payload);
	nlh->nlmsg_type = (uint16_t)e->genl_family;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++e->genl_seq;
	nlh->nlmsg_pid = 0;
	g->cmd = 1;		/* KB_GENL_CMD_ECHO */
	g->version = 1;
	g->reserved = 0;
}

static int genl_tx(struct kb_ep *e, const struct kucomms_msg_hdr *m)
{
	size_t len = msg_bytes(m), rec = NLMSG_ALIGN(GENL_PAYLOAD + len);
	unsigned char hdr[GENL_PAYLOAD];
	struct iovec iov[2] = {
		{ hdr, sizeof(hdr) }, { (void *)m, len },
	};
	int r;

	if (!e->batch) {
		genl_hdr(e, hdr, len);
		return genl_send_buf(e, iov, 2);
	}
	if (e->wlen + rec > KB_BATCH && e->wlen) {
		r = kb_flush(e);
		if (r)
			return r;
	}
	genl_hdr(e, e->wbuf + e->wlen, len);
	memcpy(e->wbuf + e->wlen + GENL_PAYLOAD, m, len);
	e->wlen += rec;
	return 0;
}

/* The payload of one reply, or the error the kernel answered with. */
static int genl_payload(const void *buf, ssize_t n,
			const struct kucomms_msg_hdr **msg)
{
	const struct nlmsghdr *nlh = buf;

	if (n < (ssize_t)NLMSG_HDRLEN || (ssize_t)nlh->nlmsg_len > n)
		return -EPROTO;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = NLMSG_DATA(nlh);

		return err->error ? err->error : -EPROTO;
	}
	*msg = (const struct kucomms_msg_hdr *)((const char *)buf + GENL_PAYLOAD);
	return 0;
}

static int genl_rx(struct kb_ep *e, const struct kucomms_msg_hdr **msg)
{
	struct mmsghdr *mm = e->mm;
	ssize_t n;
	int got;

	if (!e->batch) {
		do
			n = recv(e->rfd, e->rbuf, e->rcap, 0);
		while (n < 0 && errno == EINTR);
		return n < 0 ? -errno : genl_payload(e->rbuf, n, msg);
	}
	if (e->mm_i == e->mm_n) {
		do
			got = recvmmsg(e->rfd, mm, KB_MM_N, MSG_WAITFORONE, NULL);
		while (got < 0 && errno == EINTR);
		if (got <= 0)
			return got < 0 ? -errno : -EPIPE;
		e->mm_n = (unsigned int)got;
		e->mm_i = 0;
	}
	n = mm[e->mm_i].msg_len;
	return genl_payload(mm[e->mm_i++].msg_hdr.msg_iov->iov_base, n, msg);
}

/* Find the family "kucbench" (kucbench_genl.ko) and open a socket. */
int kb_genl_open(struct kb_ep *e)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char attrs[64];
	} req = { 0 };
	unsigned char buf[4096];
	struct nlattr *a;
	struct iovec iov;
	int fd, size = 16 << 20, left;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
	e->rfd = e->wfd = fd;
	a = (struct nlattr *)req.attrs;
	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + sizeof("kucbench");
	memcpy((char *)a + NLA_HDRLEN, "kucbench", sizeof("kucbench"));
	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(a->nla_len);
	req.n.nlmsg_type = GENL_ID_CTRL;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	iov = (struct iovec){ &req, req.n.nlmsg_len };
	if (genl_send_buf(e, &iov, 1))
		return -errno;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)GENL_PAYLOAD)
		return -EPROTO;
	if (((struct nlmsghdr *)buf)->nlmsg_type == NLMSG_ERROR)
		return -ENOENT;		/* no such family: module not loaded */
	left = (int)n - GENL_PAYLOAD;
	for (a = (struct nlattr *)(buf + GENL_PAYLOAD); left >= NLA_HDRLEN &&
	     a->nla_len >= NLA_HDRLEN && a->nla_len <= left;
	     left -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID) {
			e->genl_family = *(uint16_t *)((char *)a + NLA_HDRLEN);
			return 0;
		}
	}
	return -EPROTO;
}

/* ---- the interface ---------------------------------------------------- */

int kb_send(struct kb_ep *e, const struct kucomms_msg_hdr *msg)
{
	switch (e->kind) {
	case KB_KUC:
		return kuc_tx(e, msg);
	case KB_BYTES:
		return bytes_tx(e, msg);
	case KB_SEQ:
		return write_all(e->wfd, msg, msg_bytes(msg));
	case KB_SPSC:
		return spsc_tx(&e->tx, msg);
	case KB_GENL:
		return genl_tx(e, msg);
	}
	return -EINVAL;
}

int kb_flush(struct kb_ep *e)
{
	struct iovec iov = { e->wbuf, e->wlen };
	int r = 0;

	switch (e->kind) {
	case KB_KUC:
		e->wlen = 0;
		return kuc_flush(e->ch);
	case KB_BYTES:
		if (e->wlen)
			r = write_all(e->wfd, e->wbuf, e->wlen);
		break;
	case KB_GENL:
		if (e->wlen)
			r = genl_send_buf(e, &iov, 1);
		break;
	default:
		break;
	}
	e->wlen = 0;
	return r;
}

int kb_recv(struct kb_ep *e, const struct kucomms_msg_hdr **msg)
{
	switch (e->kind) {
	case KB_KUC:
		return kuc_rx(e, msg);
	case KB_BYTES:
		return bytes_rx(e, msg);
	case KB_SEQ:
		return seq_rx(e, msg);
	case KB_SPSC:
		return spsc_rx(e, msg);
	case KB_GENL:
		return genl_rx(e, msg);
	}
	return -EINVAL;
}

/* The message last received is no longer needed. */
void kb_done(struct kb_ep *e)
{
	if (!e->held)
		return;
	e->held = false;
	if (e->kind == KB_KUC) {
		kuc_release(e->ch);
	} else if (e->kind == KB_SPSC) {
		e->rx.pos += e->rx.pending;
		__atomic_store_n(e->rx.cons, e->rx.pos, __ATOMIC_RELEASE);
	}
}
