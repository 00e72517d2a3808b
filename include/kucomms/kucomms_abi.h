/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * kucomms ABI: everything the kernel module, libkuc and the tools must
 * agree on. This one header is compiled verbatim into all of them, so a
 * rule written here cannot drift between the kernel and userspace.
 */
#ifndef KUCOMMS_ABI_H
#define KUCOMMS_ABI_H

#include <linux/ioctl.h>
#include <linux/types.h>
#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/stddef.h>
#else
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#endif

/**
 * KUCOMMS_PREFIX - the prefix of every device name: /dev/kucomms_NAME
 */
#define KUCOMMS_PREFIX		"kucomms_"
#define KUCOMMS_PREFIX_LEN	(sizeof(KUCOMMS_PREFIX) - 1)

/**
 * KUCOMMS_NAME_MAX - longest full device name
 *
 * Prefix included, terminating NUL excluded. A name is the prefix followed
 * by one or more of [a-z0-9_] (kucomms_name_valid()).
 */
#define KUCOMMS_NAME_MAX	63

/* Where the module's control files live (docs/design.md, "Creating..."). */
#define KUCOMMS_CLASS_NAME	"kucomms"
#define KUCOMMS_SYSFS_CTL	"/sys/devices/virtual/kucomms/kucomms"
#define KUCOMMS_SYSFS_CLASS	"/sys/class/kucomms"

/* Default and hard upper bound of the module parameter max_devices. */
#define KUCOMMS_MAX_DEVICES_DEFAULT	64
#define KUCOMMS_MAX_DEVICES_LIMIT	1024

static inline bool kucomms_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/**
 * kucomms_name_valid - check a full device name
 * @name: the name's bytes, prefix included
 * @len: how many bytes of @name to check
 *
 * The bytes need not be NUL-terminated; a NUL inside them makes the name
 * invalid.
 *
 * Return: true when the @len bytes at @name form a valid full device name.
 */
static inline bool kucomms_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len <= KUCOMMS_PREFIX_LEN || len > KUCOMMS_NAME_MAX)
		return false;
	for (i = 0; i < KUCOMMS_PREFIX_LEN; i++)
		if (name[i] != KUCOMMS_PREFIX[i])
			return false;
	for (; i < len; i++)
		if (!kucomms_name_char_ok(name[i]))
			return false;
	return true;
}

/* ------------------------------------------------------------------------
 * Messages (docs/design.md, "The message").
 */

/**
 * struct kucomms_msg_hdr - the header of every message
 * @length: bytes of data that follow the header; the only field kucomms
 *	interprets
 * @type: the user's; no reserved values
 * @id: the user's; no reserved values
 * @value: the user's; no reserved values
 *
 * A message is this 32-byte header followed by @length bytes of data.
 */
struct kucomms_msg_hdr {
	__u64 length;
	__u64 type;
	__u64 id;
	__u64 value;
};

/**
 * KUCOMMS_HDR_SIZE - bytes of struct kucomms_msg_hdr
 */
#define KUCOMMS_HDR_SIZE	32
#define KUCOMMS_RECORD_ALIGN	8

/**
 * kucomms_record_size - bytes a message occupies in a ring
 * @length: the message's data bytes, already bounded by the ring's maximum
 *	message size (so the sum cannot overflow)
 *
 * Return: the header, the data and padding to KUCOMMS_RECORD_ALIGN (8)
 * bytes.
 */
static inline __u64 kucomms_record_size(__u64 length)
{
	return KUCOMMS_HDR_SIZE +
	       ((length + KUCOMMS_RECORD_ALIGN - 1) &
		~(__u64)(KUCOMMS_RECORD_ALIGN - 1));
}

/* ------------------------------------------------------------------------
 * Rings: one per direction, single producer, single consumer.
 *
 * The data area is 2^order bytes. Positions are free-running 64-bit byte
 * counts (never masked in shared memory); a record starts at data[pos &
 * (size - 1)] and is 8-byte aligned. The data area is mapped twice back to
 * back (like the BPF ring buffer) so every record, even one that wraps, is
 * contiguous in memory: no split copies, true zero-copy reserve and peek.
 *
 * Each position has one owner, and each lives on its own page so that the
 * side that must not write it can be given a read-only mapping.
 */
#define KUCOMMS_RING_ORDER_MIN		12	/* 4 KiB */
#define KUCOMMS_RING_ORDER_DEFAULT	16	/* 64 KiB */
#define KUCOMMS_RING_ORDER_MAX		22	/* 4 MiB */

/**
 * kucomms_ring_size_valid - check a ring size (data bytes of one ring)
 * @size: the size asked for (sysfs ring_size, a shm segment's size) or
 *        found (a connection's or segment's header)
 *
 * The one statement of the rule, for the module, libkuc and the tools: a
 * power of two from 1 << KUCOMMS_RING_ORDER_MIN to 1 << KUCOMMS_RING_ORDER_MAX.
 *
 * Return: true when @size is a valid ring size.
 */
static inline bool kucomms_ring_size_valid(__u64 size)
{
	return size >= (1ULL << KUCOMMS_RING_ORDER_MIN) &&
	       size <= (1ULL << KUCOMMS_RING_ORDER_MAX) &&
	       !(size & (size - 1));
}

/*
 * The longest an endpoint thread may keep polling its rings after the
 * last message (a device's poll_idle_us, kuc_endpoint_poll_idle()).
 */
#define KUCOMMS_POLL_IDLE_MAX_US	1000000

/* Connections one device accepts at once: default and settable maximum. */
#define KUCOMMS_CONNS_DEFAULT		16
#define KUCOMMS_CONNS_LIMIT		1024

/**
 * KUCOMMS_MSG_MAX - the largest message a ring carries
 * @size: the ring's data bytes
 *
 * Return: the largest @length of a message in a ring of @size bytes.
 */
#define KUCOMMS_MSG_MAX(size)		((size) - KUCOMMS_HDR_SIZE)

/* Written only by the producer. */
struct kucomms_ring_prod {
	__u64 pos;		/* bytes published */
	__u64 full;		/* times the producer found the ring full */
	__u64 wakeups;		/* wakeups of the consumer it asked for */
};

/*
 * The cache line size the layout is arranged for (64 bytes on the CPUs
 * kucomms runs on; a larger line only shares more, it breaks nothing).
 */
#define KUCOMMS_CACHELINE	64

/*
 * Written only by the consumer. @pos moves with every message; @flags
 * changes only when the consumer goes to sleep or wakes, but the producer
 * reads it after every publication (kucomms_ring_need_wakeup()). On the
 * same cache line, each of those reads would pull the line the consumer
 * is writing across cores; on a line of its own it stays in both caches
 * while the consumer runs (ABI version 2, shm layout version 4).
 */
struct kucomms_ring_cons {
	__u64 pos;		/* bytes consumed */
	__u64 reserved0[7];	/* unused: @flags on the next line */
	__u32 flags;		/* KUCOMMS_RING_* below */
	__u32 reserved;
};

/*
 * Set by the consumer before it sleeps, cleared when it runs again. The
 * producer makes a wakeup call only when it sees this flag after it
 * published (see the handshake in kucomms_ring.h).
 */
#define KUCOMMS_RING_NEED_WAKEUP	(1U << 0)

/* ------------------------------------------------------------------------
 * A connection's shared memory (one per open() of /dev/kucomms_NAME).
 *
 * Two mmap() regions, page offsets below. "u2k" is the ring userspace
 * produces into, "k2u" the one the kernel produces into.
 *
 *  KUCOMMS_MMAP_RO (PROT_READ only; PROT_WRITE fails with EPERM)
 *    page 0               struct kucomms_info
 *    page 1               u2k consumer page  (the kernel's)
 *    page 2               k2u producer page  (the kernel's)
 *    pages 3 ..           k2u data, twice (2 * ring_size bytes)
 *  KUCOMMS_MMAP_RW (PROT_READ | PROT_WRITE)
 *    page 0               u2k producer page  (userspace's)
 *    page 1               k2u consumer page  (userspace's)
 *    pages 2 ..           u2k data, twice (2 * ring_size bytes)
 */
#define KUCOMMS_MAGIC		0x6b75636f6d6d7321ULL	/* "kucomms!" */
#define KUCOMMS_ABI_VERSION	2	/* 2: the consumer's flags on their own line */
#define KUCOMMS_PAGE_SIZE	4096

#define KUCOMMS_MMAP_RO		0ULL
#define KUCOMMS_MMAP_RW		(1ULL << 32)

#define KUCOMMS_RO_PAGES(ring_size)	(3 + 2 * (ring_size) / KUCOMMS_PAGE_SIZE)
#define KUCOMMS_RW_PAGES(ring_size)	(2 + 2 * (ring_size) / KUCOMMS_PAGE_SIZE)

/* Connection state, in kucomms_info.state (written by the kernel). */
#define KUCOMMS_STATE_OPEN	0	/* working */
#define KUCOMMS_STATE_SHUTDOWN	1	/* endpoint unregistered: ESHUTDOWN */
#define KUCOMMS_STATE_CORRUPT	2	/* userspace broke the ring: EPROTO */

struct kucomms_info {
	__u64 magic;		/* KUCOMMS_MAGIC */
	__u32 abi_version;	/* KUCOMMS_ABI_VERSION */
	__u32 page_size;	/* KUCOMMS_PAGE_SIZE */
	__u64 ring_size;	/* data bytes of each ring, a power of two */
	__u64 msg_max;		/* largest message data, KUCOMMS_MSG_MAX() */
	__u64 conn_id;		/* this connection's id on its device */
	__u32 state;		/* KUCOMMS_STATE_* */
	__u32 reserved;
};

/* ------------------------------------------------------------------------
 * ioctls on an open /dev/kucomms_NAME.
 */
#define KUCOMMS_IOC_MAGIC	0xC5

/* Fill in struct kucomms_info: sizes to mmap() with. */
#define KUCOMMS_IOC_INFO	_IOR(KUCOMMS_IOC_MAGIC, 0, struct kucomms_info)
/*
 * Wake the endpoint's thread: userspace published into u2k and saw
 * KUCOMMS_RING_NEED_WAKEUP, or it freed space in a k2u ring the kernel had
 * found full (k2u producer page, field full, moved) so that a kernel
 * sender waiting for room goes on at once.
 */
#define KUCOMMS_IOC_KICK	_IO(KUCOMMS_IOC_MAGIC, 1)
/*
 * A kick that asks for direct delivery: when the endpoint allows it
 * (KUCOMMS_EP_DIRECT) and its thread is asleep, this connection's
 * pending messages are handed to the handler in the caller's context,
 * and the call returns after them (its replies are then in k2u already).
 * Otherwise, and for what one batch leaves, the same as KUCOMMS_IOC_KICK.
 * Modules before it fail with ENOTTY (libkuc then kicks).
 */
#define KUCOMMS_IOC_RUN		_IO(KUCOMMS_IOC_MAGIC, 4)

/* ------------------------------------------------------------------------
 * The monitor tap (kucdump(8)): a copy of every message of a device.
 *
 * The tap is reached through its own node, /dev/kucomms-monitor (a name no
 * device can have: device names have no '-'), so it works whether or not
 * an endpoint is registered and is never a connection of the device. A
 * fresh open file is attached to one device with KUCOMMS_IOC_TAP_ATTACH;
 * attaching needs CAP_SYS_ADMIN (sniffing is a privilege, as with
 * usbmon) in the credentials of the process that opened the file (as for
 * a socket: a file handed to a privileged process keeps its opener's
 * rights), and the node itself is 0600 root. From then on read(2)
 * returns whole records, oldest first:
 *
 *   struct kucomms_tap_rec, then caplen bytes of data, padded to 8 bytes
 *
 * for every message of every connection of the device, both directions:
 * KUCOMMS_TAP_U2K as the kernel took it out of the connection's ring
 * (after it was copied out of shared memory, before the endpoint's
 * handler saw it), KUCOMMS_TAP_K2U as the kernel put it in. read()
 * returns as many whole records as fit in its buffer; a buffer smaller
 * than the next record fails with EINVAL (KUCOMMS_TAP_REC_MAX(snaplen)
 * is always enough). It blocks unless O_NONBLOCK (EAGAIN then); poll(2)
 * reports POLLIN while records wait and POLLHUP once the device was
 * removed; read() then returns what is left, then 0.
 *
 * The data path never waits for a reader: each reader has its own buffer
 * (2^buf_order bytes), filled under a spinlock; a record that does not fit
 * is dropped and counted (KUCOMMS_IOC_TAP_STATS). With no reader attached
 * to a device, its messages cost one load and a branch.
 */
#define KUCOMMS_MONITOR_NODE	"/dev/kucomms-monitor"

#define KUCOMMS_TAP_U2K		0	/* userspace -> kernel */
#define KUCOMMS_TAP_K2U		1	/* kernel -> userspace */

#define KUCOMMS_TAP_BUF_ORDER_MIN	16	/* 64 KiB */
#define KUCOMMS_TAP_BUF_ORDER_DEFAULT	20	/* 1 MiB */
#define KUCOMMS_TAP_BUF_ORDER_MAX	24	/* 16 MiB */
/* snaplen 0 means "everything" (the largest message a ring can carry). */
#define KUCOMMS_TAP_SNAPLEN_MAX		KUCOMMS_MSG_MAX(1ULL << KUCOMMS_RING_ORDER_MAX)

struct kucomms_tap_attach {
	char name[KUCOMMS_NAME_MAX + 1];	/* "kucomms_foo", NUL-terminated */
	__u32 snaplen;		/* data bytes kept per message; 0 = all */
	__u32 buf_order;	/* reader buffer 2^buf_order bytes; 0 = default */
	__u64 flags;		/* must be 0 */
};

struct kucomms_tap_rec {
	__u64 ts_ns;		/* CLOCK_REALTIME when the kernel saw it */
	__u64 conn_id;		/* the connection (kucomms_info.conn_id) */
	__u32 dir;		/* KUCOMMS_TAP_U2K or KUCOMMS_TAP_K2U */
	__u32 caplen;		/* data bytes that follow, <= hdr.length */
	__u64 reserved;		/* 0 */
	/* The message's header; hdr.length is its original data length. */
	struct kucomms_msg_hdr hdr;
};

#define KUCOMMS_TAP_REC_SIZE	sizeof(struct kucomms_tap_rec)
/* Bytes a record with @caplen data bytes occupies in read()'s buffer. */
#define KUCOMMS_TAP_REC_BYTES(caplen) \
	(KUCOMMS_TAP_REC_SIZE + (((__u64)(caplen) + 7) & ~(__u64)7))
#define KUCOMMS_TAP_REC_MAX(snaplen)	KUCOMMS_TAP_REC_BYTES(snaplen)

struct kucomms_tap_stats {
	__u64 captured;		/* records put in this reader's buffer */
	__u64 dropped;		/* records lost: the buffer was full */
	__u32 snaplen;		/* in force (0 asked: the maximum) */
	__u32 buf_order;	/* in force */
	__u64 reserved;
};

/*
 * ioctls on /dev/kucomms-monitor: attach this file to a device (once;
 * EBUSY after that, ENOENT for no such device, EPERM without
 * CAP_SYS_ADMIN, EINVAL for a bad name, snaplen, buf_order or flags) and
 * read its figures (ENOTCONN before attach).
 */
#define KUCOMMS_IOC_TAP_ATTACH	_IOW(KUCOMMS_IOC_MAGIC, 2, struct kucomms_tap_attach)
#define KUCOMMS_IOC_TAP_STATS	_IOR(KUCOMMS_IOC_MAGIC, 3, struct kucomms_tap_stats)

/*
 * Compile-time checks that also build as C99, which has no static_assert:
 * there a false condition declares a bit-field of width -1 and fails the
 * build (the message is then the compiler's, not ours).
 */
#if defined(__KERNEL__) || defined(__cplusplus) || \
	(defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L)
#define KUCOMMS_ASSERT(cond, what) static_assert(cond, what)
#else
#define KUCOMMS_CAT_(a, b) a##b
#define KUCOMMS_CAT(a, b) KUCOMMS_CAT_(a, b)
#define KUCOMMS_ASSERT(cond, what) \
	struct KUCOMMS_CAT(kucomms_assert_, __LINE__) { int ok : (cond) ? 1 : -1; }
#endif

/* The layout is the ABI: pin it. */
KUCOMMS_ASSERT(sizeof(struct kucomms_msg_hdr) == KUCOMMS_HDR_SIZE, "hdr");
KUCOMMS_ASSERT(sizeof(struct kucomms_ring_prod) == 24, "ring_prod");
KUCOMMS_ASSERT(sizeof(struct kucomms_ring_cons) == 72, "ring_cons");
KUCOMMS_ASSERT(offsetof(struct kucomms_ring_cons, flags) == KUCOMMS_CACHELINE,
	       "ring_cons.flags");
KUCOMMS_ASSERT(sizeof(struct kucomms_info) == 48, "info");
KUCOMMS_ASSERT(sizeof(struct kucomms_tap_attach) == 80, "tap_attach");
KUCOMMS_ASSERT(sizeof(struct kucomms_tap_rec) == 64, "tap_rec");
KUCOMMS_ASSERT(offsetof(struct kucomms_tap_rec, hdr) == 32, "tap_rec.hdr");
KUCOMMS_ASSERT(sizeof(struct kucomms_tap_stats) == 32, "tap_stats");

#endif /* KUCOMMS_ABI_H */
