// SPDX-License-Identifier: MIT
/*
 * Monitor taps: a copy of every message of a channel, for kucdump.
 *
 * A tap has a backend. The kernel one (here) attaches an open
 * /dev/kucomms-monitor to a device and read()s whole records from it
 * (kucomms_abi.h, "The monitor tap"). Shared-memory channels ("shm:NAME")
 * have their own, tap_shm.c: the senders copy their messages into two
 * tap rings in the segment (kucomms_shm.h). Both give the same records.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kuc.h"
#include "shm_segment.h"
#include "sysfs.h"

/* Records read() at once: large enough for a burst, small enough to sit
 * in the cache. Never smaller than one record of the snaplen in force.
 */
#define KUC_TAP_READ_BUF	(256 * 1024)

struct kuc_tap {
	struct kuc_shm_tap *shm;	/* the shm backend, or NULL */
	int fd;
	unsigned char *buf;
	size_t bufsz;
	size_t len, off;	/* bytes read into @buf, bytes consumed */
	uint32_t snaplen;
};

/* The monitor node, under kuc_dev_root() (KUC_DEV_ROOT for tests). */
static void kuc_tap_node(char *path, size_t size)
{
	snprintf(path, size, "%s%s", kuc_dev_root(),
		 &KUCOMMS_MONITOR_NODE[strlen("/dev")]);
}

/*
 * The end of both opens: the read buffer of @bufsz, then the tap is the
 * caller's; on failure it is closed.
 */
static int kuc_tap_ready(struct kuc_tap *tap, size_t bufsz,
			 struct kuc_tap **out)
{
	tap->bufsz = bufsz;
	tap->buf = malloc(bufsz);
	if (!tap->buf) {
		kuc_tap_close(tap);
		return -ENOMEM;
	}
	*out = tap;
	return 0;
}

/* A shm segment's tap; opts->buf_order does not apply (fixed rings). */
static int kuc_tap_open_shm(const char *name, const struct kuc_tap_opts *opts,
			    struct kuc_tap **out)
{
	struct kuc_tap *tap = calloc(1, sizeof(*tap));
	int ret;

	if (!tap)
		return -ENOMEM;
	tap->fd = -1;
	ret = kuc_shm_tap_open(name, opts ? opts->snaplen : 0, &tap->shm);
	if (ret) {
		kuc_tap_close(tap);
		return ret;
	}
	return kuc_tap_ready(tap, KUCOMMS_TAP_REC_MAX(KUCOMMS_MSG_MAX(
					KUCOMMS_SHM_TAP_RING)), out);
}

int kuc_tap_open(const char *spec, const struct kuc_tap_opts *opts,
		 struct kuc_tap **out)
{
	struct kucomms_tap_attach a = { 0 };
	struct kucomms_tap_stats st;
	char path[KUC_PATH_MAX];
	enum kuc_kind kind;
	struct kuc_tap *tap;
	size_t bufsz;
	int ret;

	*out = NULL;
	ret = kuc_spec_parse(spec, &kind, a.name, sizeof(a.name));
	if (ret)
		return ret;
	if (kind == KUC_KIND_SHM)
		return kuc_tap_open_shm(a.name, opts, out);
	if (opts) {
		a.snaplen = opts->snaplen;
		a.buf_order = opts->buf_order;
	}
	tap = calloc(1, sizeof(*tap));
	if (!tap)
		return -ENOMEM;
	kuc_tap_node(path, sizeof(path));
	tap->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (tap->fd < 0) {
		ret = -errno;
		if (ret == -ENOENT && !kuc_module_loaded())
			ret = -ENODEV;
		goto err;
	}
	if (ioctl(tap->fd, KUCOMMS_IOC_TAP_ATTACH, &a) ||
	    ioctl(tap->fd, KUCOMMS_IOC_TAP_STATS, &st)) {
		ret = -errno;
		goto err;
	}
	tap->snaplen = st.snaplen;
	bufsz = KUCOMMS_TAP_REC_MAX(st.snaplen);
	if (bufsz < KUC_TAP_READ_BUF)
		bufsz = KUC_TAP_READ_BUF;
	return kuc_tap_ready(tap, bufsz, out);
err:
	kuc_tap_close(tap);
	return ret;
}

void kuc_tap_close(struct kuc_tap *tap)
{
	if (!tap)
		return;
	kuc_shm_tap_close(tap->shm);
	if (tap->fd >= 0)
		close(tap->fd);
	free(tap->buf);
	free(tap);
}

int kuc_tap_fd(const struct kuc_tap *tap)
{
	return tap->shm ? -EOPNOTSUPP : tap->fd;
}

int kuc_tap_stats(const struct kuc_tap *tap, struct kuc_tap_stats *st)
{
	struct kucomms_tap_stats ks;

	if (tap->shm) {
		kuc_shm_tap_stats(tap->shm, st);
		return 0;
	}
	if (ioctl(tap->fd, KUCOMMS_IOC_TAP_STATS, &ks))
		return -errno;
	st->captured = ks.captured;
	st->dropped = ks.dropped;
	st->snaplen = ks.snaplen;
	st->buf_order = ks.buf_order;
	return 0;
}

/* Refill @buf: one read() of whole records, waiting up to @timeout_ms. */
static int kuc_tap_fill(struct kuc_tap *tap, int timeout_ms)
{
	struct pollfd p = { .fd = tap->fd, .events = POLLIN };
	ssize_t n;
	int ret;

	for (;;) {
		n = read(tap->fd, tap->buf, tap->bufsz);
		if (n > 0) {
			tap->len = (size_t)n;
			tap->off = 0;
			return 0;
		}
		if (n == 0)
			return -ESHUTDOWN;
		if (errno != EAGAIN)
			return -errno;
		if (!timeout_ms)
			return -EAGAIN;
		ret = poll(&p, 1, timeout_ms);
		if (ret < 0)
			return -errno;
		if (!ret)
			return -ETIMEDOUT;
		/* POLLHUP: the next read() drains what is left, then EOF. */
	}
}

int kuc_tap_read(struct kuc_tap *tap, struct kuc_tap_record *rec,
		 int timeout_ms)
{
	struct kucomms_tap_rec kr;
	size_t left, size;
	int ret;

	if (tap->shm)
		return kuc_shm_tap_read(tap->shm, tap->buf, rec, timeout_ms);
	if (tap->off == tap->len) {
		ret = kuc_tap_fill(tap, timeout_ms);
		if (ret)
			return ret;
	}
	left = tap->len - tap->off;
	if (left < KUCOMMS_TAP_REC_SIZE)
		return -EPROTO;
	memcpy(&kr, tap->buf + tap->off, sizeof(kr));
	if (kr.caplen > kr.hdr.length || kr.caplen > tap->snaplen ||
	    kr.dir > KUCOMMS_TAP_K2U)
		return -EPROTO;
	size = KUCOMMS_TAP_REC_BYTES(kr.caplen);
	if (size > left)
		return -EPROTO;
	rec->ts_ns = kr.ts_ns;
	rec->conn_id = kr.conn_id;
	rec->dir = kr.dir;
	rec->caplen = kr.caplen;
	rec->hdr = kr.hdr;
	rec->data = tap->buf + tap->off + KUCOMMS_TAP_REC_SIZE;
	tap->off += size;
	return 0;
}
