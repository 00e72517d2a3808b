// SPDX-License-Identifier: MIT
/*
 * Attaching to a shm segment that a hostile process made and shares:
 * the input builds the segment file (/dev/shm/kucomms_fuzz_PID: the
 * attach calls take a name, not a descriptor), then libkuc attaches to
 * it the way one of four programs would, and the rest of the input is a
 * script of what the other side does meanwhile (writes any byte of the
 * file, publishes records, truncates the file) and what we do (receive,
 * send, zero-copy, read the tap, wait, run the endpoint thread). A wait
 * lasts a millisecond at most.
 *
 * Input: mode byte, the 64-byte header, the file size when the mode says
 * so, then the steps. The mode's low two bits choose the program:
 *   0  kucctl show        kuc_shm_info()
 *   1  a server           kuc_serve(), then a client "attaches"
 *   2  a client           kuc_open("shm:..."), a server lock held here
 *   3  kucdump            kuc_tap_open("shm:...")
 * bit 2: the file's size comes from the input, not from the header.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kuc.h>
#include <kucomms/kucomms_ring.h>
#include <kucomms/kucomms_shm.h>

#include "fuzz.h"

#define FUZZ_SHM_STEPS	64
#define PAGE		KUCOMMS_PAGE_SIZE

enum { M_INFO, M_SERVER, M_CLIENT, M_TAP };

struct seg {
	char name[KUCOMMS_NAME_MAX + 1];
	char path[sizeof(KUCOMMS_SHM_DIR) + KUCOMMS_NAME_MAX];
	int fd;			/* the hostile side's descriptor */
	uint64_t ring;		/* the ring size the file is laid out for */
	int mode;
	struct kuc_channel *ch;
	struct kuc_tap *tap;
	unsigned char *buf;	/* receive and send buffer */
	size_t bufsz;
	bool endpoint;		/* its thread runs */
};

/* The hostile side writes, never past the file's end (no growing it). */
static void seg_write(struct seg *s, uint64_t off, const void *p, size_t n)
{
	struct stat st;

	if (fstat(s->fd, &st) || off >= (uint64_t)st.st_size)
		return;
	if (n > (uint64_t)st.st_size - off)
		n = (size_t)((uint64_t)st.st_size - off);
	if (pwrite(s->fd, p, n, (off_t)off) < 0)
		return;
}

static uint64_t seg_read64(struct seg *s, uint64_t off)
{
	uint64_t v = 0;

	if (pread(s->fd, &v, sizeof(v), (off_t)off) != (ssize_t)sizeof(v))
		return 0;
	return v;
}

/* Start and length of region @r of the file (see kucomms_shm.h). */
static void region(const struct seg *s, unsigned int r, uint64_t *off,
		   uint64_t *len)
{
	switch (r % 6) {
	case 0:
		*off = 0;
		*len = KUCOMMS_SHM_HDR_PAGES * PAGE;
		break;
	case 1:
		*off = kucomms_shm_c2s_data();
		*len = s->ring;
		break;
	case 2:
		*off = kucomms_shm_s2c_data(s->ring);
		*len = s->ring;
		break;
	case 3:
		*off = kucomms_shm_tap_area(s->ring);
		*len = KUCOMMS_SHM_TAP_PAGES * PAGE;
		break;
	default:
		*off = kucomms_shm_tap_data(s->ring, r % 6 == 5);
		*len = KUCOMMS_SHM_TAP_RING;
		break;
	}
}

/*
 * The ring the side under test reads: its producer page (the peer's),
 * its consumer page (ours) and its data, as file offsets. For the tap,
 * @which picks one of the two tap rings.
 */
static void read_ring(const struct seg *s, unsigned int which, uint64_t *prod,
		      uint64_t *cons, uint64_t *data, uint64_t *size)
{
	uint64_t len;

	if (s->mode == M_TAP) {
		int base = which & 1 ? KUCOMMS_SHM_TAP_S2C_PROD :
				       KUCOMMS_SHM_TAP_C2S_PROD;

		*prod = kucomms_shm_tap_area(s->ring) + (uint64_t)base * PAGE;
		*cons = *prod + PAGE;
		region(s, 4 + (which & 1), data, &len);
		*size = KUCOMMS_SHM_TAP_RING;
		return;
	}
	if (s->mode == M_SERVER) {
		*prod = KUCOMMS_SHM_C2S_PROD * PAGE;
		*cons = KUCOMMS_SHM_C2S_CONS * PAGE;
		region(s, 1, data, &len);
	} else {
		*prod = KUCOMMS_SHM_S2C_PROD * PAGE;
		*cons = KUCOMMS_SHM_S2C_CONS * PAGE;
		region(s, 2, data, &len);
	}
	*size = s->ring;
}

/*
 * The peer publishes one record where we read next: a message header
 * (for the tap, a tap record after it) with a length of its choosing,
 * and its position that far ahead, give or take a lie.
 */
static void peer_publish(struct seg *s, struct fuzz_in *in)
{
	unsigned int which = (unsigned int)fuzz_take(in, 1);
	uint64_t prod, cons, data, size, pos, at;
	struct kucomms_msg_hdr h = { 0 };
	struct kucomms_tap_rec rec;

	read_ring(s, which, &prod, &cons, &data, &size);
	pos = seg_read64(s, cons);
	h.length = fuzz_take(in, 2);
	h.type = fuzz_take(in, 1);
	at = data + (pos & (size - 1));
	seg_write(s, at, &h, sizeof(h));
	if (s->mode == M_TAP) {
		fuzz_copy(in, &rec, sizeof(rec));
		seg_write(s, at + sizeof(h), &rec, sizeof(rec));
	}
	pos += kucomms_record_size(h.length) + (uint64_t)(int8_t)fuzz_take(in, 1);
	seg_write(s, prod, &pos, sizeof(pos));
	/* A tap sender also says which session it writes for. */
	if (s->mode == M_TAP && (which & 2)) {
		uint32_t gen = (uint32_t)seg_read64(s, kucomms_shm_tap_area(s->ring));

		seg_write(s, prod + offsetof(struct kucomms_shm_tap_prod, gen),
			  &gen, sizeof(gen));
	}
}

/* The peer writes up to 64 bytes anywhere in one region of the file. */
static void peer_patch(struct seg *s, struct fuzz_in *in)
{
	unsigned char bytes[64];
	uint64_t off, len, at;
	size_t n;

	region(s, (unsigned int)fuzz_take(in, 1), &off, &len);
	at = fuzz_take(in, 3) % len;
	n = (size_t)fuzz_take(in, 1) % sizeof(bytes);
	n = fuzz_copy(in, bytes, n);
	seg_write(s, off + at, bytes, n);
}

static void we_receive(struct seg *s)
{
	struct kucomms_msg_hdr h;
	struct kuc_tap_record rec;
	int ret;

	if (s->tap) {
		ret = kuc_tap_read(s->tap, &rec, 0);
		FUZZ_ASSERT(ret <= 0);
		if (!ret) {
			FUZZ_ASSERT(rec.caplen <= rec.hdr.length);
			if (rec.caplen)
				memcpy(s->buf, rec.data, rec.caplen);
		}
		return;
	}
	ret = kuc_recv(s->ch, &h, s->buf, s->bufsz, 0);
	FUZZ_ASSERT(ret <= 0);
	FUZZ_ASSERT(ret || h.length <= kuc_msg_max(s->ch));
}

static void we_peek(struct seg *s)
{
	struct kucomms_msg_hdr h;
	const void *data;

	if (kuc_peek(s->ch, &h, &data))
		return;
	FUZZ_ASSERT(h.length <= kuc_msg_max(s->ch));
	memcpy(s->buf, data, h.length);
	kuc_release(s->ch);
}

static void we_send(struct seg *s, struct fuzz_in *in, bool zero_copy)
{
	struct kucomms_msg_hdr h = { .type = 7 }, *slot;
	size_t len = (size_t)fuzz_take(in, 2) % (kuc_msg_max(s->ch) + 2);
	void *p;
	int err;

	if (!zero_copy) {
		h.length = len;
		kuc_send(s->ch, &h, s->buf);
		return;
	}
	p = kuc_reserve(s->ch, len, &slot, &err);
	FUZZ_ASSERT(!p == !!err);
	if (!p)
		return;
	memset(p, 0x5a, len);
	kuc_commit(s->ch);
}

/*
 * The calls that may sleep, for at most a millisecond: the NEED_WAKEUP
 * handshake and the futex sleeps run on what the peer wrote.
 */
static void we_wait(struct seg *s, struct fuzz_in *in)
{
	unsigned int how = (unsigned int)fuzz_take(in, 1);
	struct kucomms_msg_hdr h = { .length = how >> 4 };
	struct kuc_tap_record rec;
	int ret;

	if (s->tap) {
		ret = kuc_tap_read(s->tap, &rec, 1);
		FUZZ_ASSERT(ret || rec.caplen <= rec.hdr.length);
		return;
	}
	switch (how & 3) {
	case 0:
		kuc_wait(s->ch, POLLIN | POLLOUT, (int)(how >> 2 & 1));
		break;
	case 1:
		kuc_wait(s->ch, POLLIN, (int)(how >> 2 & 1));
		break;
	case 2:
		ret = kuc_recv(s->ch, &h, s->buf, s->bufsz, 1);
		FUZZ_ASSERT(ret || h.length <= kuc_msg_max(s->ch));
		break;
	case 3:
		kuc_send_wait(s->ch, &h, s->buf, 1);
		break;
	}
}

/* The endpoint thread's handler: a consumer that copies out first. */
static void on_message(struct kuc_channel *ch,
		       const struct kucomms_msg_hdr *hdr, const void *data,
		       void *ctx)
{
	unsigned char *copy = malloc(hdr->length + 1);

	(void)ctx;
	FUZZ_ASSERT(hdr->length <= kuc_msg_max(ch) && copy);
	memcpy(copy, data, hdr->length);
	free(copy);
}

/*
 * Start the endpoint thread, or stop it: while it runs, the steps that
 * follow write the file under a consumer that reads it concurrently.
 */
static void we_toggle_endpoint(struct seg *s)
{
	static const struct kuc_handlers h = { .message = on_message };

	if (s->endpoint) {
		FUZZ_ASSERT(!kuc_endpoint_stop(s->ch));
		s->endpoint = false;
	} else {
		s->endpoint = !kuc_endpoint_start(s->ch, &h, NULL);
	}
}

static void step(struct seg *s, struct fuzz_in *in)
{
	unsigned int op = (unsigned int)fuzz_take(in, 1) % 8;

	if (op == 0)
		peer_patch(s, in);
	else if (op == 1)
		peer_publish(s, in);
	else if (op == 2)
		we_receive(s);
	else if (op == 5)	/* the peer shrinks the file under us */
		(void)!ftruncate(s->fd, (off_t)(fuzz_take(in, 2) * PAGE));
	else if (op == 6)
		we_wait(s, in);
	else if (s->ch && op == 3)
		we_peek(s);
	else if (s->ch && op == 4)
		we_send(s, in, fuzz_take(in, 1) & 1);
	else if (s->ch)
		we_toggle_endpoint(s);
}

/* Write the segment file: the header, then a file of the size asked. */
static int seg_build(struct seg *s, struct fuzz_in *in, bool any_size)
{
	struct kucomms_shm_hdr h;
	uint64_t size;

	fuzz_copy(in, &h, sizeof(h));
	s->ring = h.ring_size;
	if (s->ring < (1ULL << KUCOMMS_RING_ORDER_MIN) ||
	    s->ring > (1ULL << KUCOMMS_RING_ORDER_MAX) ||
	    (s->ring & (s->ring - 1)))
		s->ring = 1ULL << KUCOMMS_RING_ORDER_MIN;
	size = kucomms_shm_size(s->ring);
	if (any_size)
		size = fuzz_take(in, 4) % (size + PAGE);
	if (s->mode == M_CLIENT)	/* else the client waits 5 s for it */
		h.server_ack = h.client_gen + 1;
	s->fd = open(s->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_ASSERT(s->fd >= 0);
	if (ftruncate(s->fd, (off_t)size))
		return -1;
	seg_write(s, 0, &h, sizeof(h));
	return 0;
}

/* Take the lock byte @byte (KUCOMMS_SHM_LOCK_*) on a descriptor of ours. */
static void hold_lock(struct seg *s, int byte)
{
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = byte,
		.l_len = 1,
	};

	(void)!fcntl(s->fd, F_OFD_SETLK, &fl);
}

/* A client attaches to our server: its generation moves. */
static void client_attaches(struct seg *s)
{
	struct kucomms_shm_hdr h;

	if (pread(s->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return;
	h.client_gen++;
	h.client_state = KUCOMMS_SHM_ATTACHED;
	seg_write(s, 0, &h, sizeof(h));
	hold_lock(s, KUCOMMS_SHM_LOCK_CLIENT);
}

static void attach(struct seg *s)
{
	char spec[sizeof(KUCOMMS_SHM_SPEC) + KUCOMMS_NAME_MAX];
	struct kuc_shm_info info;
	int ret = 0;

	snprintf(spec, sizeof(spec), KUCOMMS_SHM_SPEC "%s", s->name);
	switch (s->mode) {
	case M_INFO:
		ret = kuc_shm_info(s->name, &info);
		FUZZ_ASSERT(ret || !info.ring_size || !info.problem[0]);
		break;
	case M_SERVER:
		ret = kuc_serve(spec, &s->ch);
		if (!ret)
			client_attaches(s);
		break;
	case M_CLIENT:
		hold_lock(s, KUCOMMS_SHM_LOCK_SERVER);
		ret = kuc_open(spec, &s->ch);
		break;
	case M_TAP:
		ret = kuc_tap_open(spec, NULL, &s->tap);
		break;
	}
	FUZZ_ASSERT(!ret == (s->mode == M_INFO || s->ch || s->tap));
	/* Room for any message or tap record, and for a send one too long. */
	s->bufsz = s->ch ? kuc_msg_max(s->ch) + 1 :
			   KUCOMMS_MSG_MAX(KUCOMMS_SHM_TAP_RING);
}

/*
 * A run that crashed (a finding, or libFuzzer's -minimize_crash, whose
 * every child crashes) left its segment behind: remove those of the
 * processes that are gone, once per process.
 */
static void remove_stale(void)
{
	static bool done;
	char path[sizeof(KUCOMMS_SHM_DIR) + 256];
	struct dirent *de;
	DIR *dir;
	int pid;

	if (done)
		return;
	done = true;
	dir = opendir(KUCOMMS_SHM_DIR);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (sscanf(de->d_name, "kucomms_fuzz_%d", &pid) != 1 ||
		    pid <= 0 || !kill(pid, 0) || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), KUCOMMS_SHM_DIR "%s", de->d_name);
		unlink(path);
	}
	closedir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct seg s = { .fd = -1 };
	uint8_t mode = (uint8_t)fuzz_take(&in, 1);
	int i;

	remove_stale();
	snprintf(s.name, sizeof(s.name), "kucomms_fuzz_%d", (int)getpid());
	snprintf(s.path, sizeof(s.path), KUCOMMS_SHM_DIR "%s", s.name);
	s.mode = mode & 3;
	if (!seg_build(&s, &in, mode & 4)) {
		attach(&s);
		s.buf = malloc(s.bufsz);
		FUZZ_ASSERT(s.buf);
		for (i = 0; i < FUZZ_SHM_STEPS && in.n && (s.ch || s.tap); i++)
			step(&s, &in);
		free(s.buf);
	}
	kuc_close(s.ch);
	kuc_tap_close(s.tap);
	if (s.fd >= 0)
		close(s.fd);
	unlink(s.path);
	return 0;
}
