/* SPDX-License-Identifier: MIT */
/*
 * kucomms shared-memory channels: the layout of a segment that two
 * processes share without the kernel module (POSIX shared memory,
 * /dev/shm/kucomms_NAME, shm_open() name "/kucomms_NAME"), and of the
 * memory of an in-process pair. Userspace only: the kernel module never
 * sees it. The rings inside are the same rings as a device's (see
 * kucomms_abi.h, kucomms_ring.h), served by the same code.
 *
 * Two roles. The server is what the kernel module is for a device (e.g.
 * the userspace echo example); the client is what kuc_open("shm:NAME")
 * gives an application. One server and one client at a time; a new
 * client is a new connection (all positions start at 0 again).
 *
 * Pages (KUCOMMS_PAGE_SIZE each):
 *   0          struct kucomms_shm_hdr; at KUCOMMS_SHM_STATS_CLIENT and
 *              KUCOMMS_SHM_STATS_SERVER each side's struct
 *              kucomms_shm_stats (layout version 3)
 *   1          c2s producer page  (the client's)
 *   2          c2s consumer page  (the server's); at KUCOMMS_SHM_FEATURES
 *              the server's features (layout version 5)
 *   3          s2c producer page  (the server's)
 *   4          s2c consumer page  (the client's); at KUCOMMS_SHM_FEATURES
 *              the client's features
 *   5 ..       c2s data (ring_size bytes, mapped twice by each side)
 *   then       s2c data (ring_size bytes)
 *   then       the tap area (layout version 2), KUCOMMS_SHM_TAP_PAGES
 *              pages then two tap rings of KUCOMMS_SHM_TAP_RING bytes:
 *     +0       struct kucomms_shm_tap_hdr   (the tap reader's)
 *     +1       c2s tap producer page        (the client's)
 *     +2       c2s tap consumer page        (the reader's)
 *     +3       s2c tap producer page        (the server's)
 *     +4       s2c tap consumer page        (the reader's)
 *     +5 ..    c2s tap data, then s2c tap data
 *
 * The monitor tap (kucdump on "shm:NAME"). A reader (kuc_tap_open())
 * takes the lock byte KUCOMMS_SHM_LOCK_TAP (one reader per segment),
 * zeroes the two tap consumer pages, writes its snaplen and then a new
 * session number into tap_hdr.gen (store-release; 0 means nobody
 * listens). Each sender loads that word once per message (one relaxed
 * load: the whole cost of an unwatched channel) and, while it is not 0,
 * copies a record of what it sends into its own tap ring before it
 * publishes the message: the records of kucomms_abi.h's kernel tap, each
 * a ring message whose data is struct kucomms_tap_rec and the first
 * caplen data bytes. The client's messages are KUCOMMS_TAP_U2K (it plays
 * userspace), the server's KUCOMMS_TAP_K2U (it plays the kernel module);
 * conn_id is the client's generation (kuc_conn_id()). A sender joining a
 * session writes the session number into its producer page (gen) after
 * its position; a sender that finds its predecessor in the same role
 * already joined (a client that reconnected, a server that restarted)
 * continues after it. Senders never wait for the reader: a record that
 * does not fit is dropped and counted in the producer page (dropped).
 * The reader sleeps on the producer positions with the NEED_WAKEUP
 * handshake of kucomms_ring.h. kuc_tap_close() sets gen back to 0; a
 * reader that died leaves it set, and the senders stop when a liveness
 * check finds its lock free. Everything either side reads from the tap
 * area is bounded as for the data rings: a hostile reader costs a sender
 * at most dropped records, a hostile sender costs the reader -EPROTO.
 *
 * Trust. Both processes can write every byte (POSIX shared memory has no
 * per-page protection), so each side treats everything the other writes
 * as hostile, exactly as the kernel treats userspace: the header is
 * validated against the segment's real size before anything is mapped,
 * the peer's positions are bounded by the ring code, and each side keeps
 * its own positions, generation and state privately and only publishes
 * them. A peer that shrinks the file makes our next access past its end
 * fault (SIGBUS): libkuc catches that for its own mappings, maps zero
 * pages in their place and reports the channel broken (sigbus_guard.c).
 *
 * Liveness. Each side holds an open-file-description lock (F_OFD_SETLK)
 * on one byte of the segment for as long as it is attached: the kernel
 * drops it when the process dies, however it dies, so a peer's death is
 * seen by F_OFD_GETLK, and a second server or client is refused (EBUSY).
 */
#ifndef KUCOMMS_SHM_H
#define KUCOMMS_SHM_H

#include <kucomms/kucomms_abi.h>

#define KUCOMMS_SHM_MAGIC	0x6b756373686d2100ULL	/* "kucshm!\0" */
/*
 * 2: the tap area; 3: traffic counters; 4: the consumer's flags on their
 * own line; 5: each side's features
 */
#define KUCOMMS_SHM_VERSION	5
#define KUCOMMS_SHM_DIR		"/dev/shm/"

/* The spec prefix that selects a shm channel: "shm:kucomms_NAME". */
#define KUCOMMS_SHM_SPEC	"shm:"

#define KUCOMMS_SHM_HDR_PAGES	5
#define KUCOMMS_SHM_C2S_PROD	1	/* page numbers, see the top */
#define KUCOMMS_SHM_C2S_CONS	2
#define KUCOMMS_SHM_S2C_PROD	3
#define KUCOMMS_SHM_S2C_CONS	4

/* The tap area: pages, and the data bytes of each tap ring (1 MiB). */
#define KUCOMMS_SHM_TAP_PAGES		5
#define KUCOMMS_SHM_TAP_HDR		0	/* pages in the tap area */
#define KUCOMMS_SHM_TAP_C2S_PROD	1
#define KUCOMMS_SHM_TAP_C2S_CONS	2
#define KUCOMMS_SHM_TAP_S2C_PROD	3
#define KUCOMMS_SHM_TAP_S2C_CONS	4
#define KUCOMMS_SHM_TAP_RING_ORDER	20
#define KUCOMMS_SHM_TAP_RING		(1ULL << KUCOMMS_SHM_TAP_RING_ORDER)

/* Offset of the tap area of a segment with rings of @ring_size bytes. */
static inline __u64 kucomms_shm_tap_area(__u64 ring_size)
{
	return (__u64)KUCOMMS_SHM_HDR_PAGES * KUCOMMS_PAGE_SIZE + 2 * ring_size;
}

/* Offset of a tap ring's data: @s2c 0 for the client's, 1 the server's. */
static inline __u64 kucomms_shm_tap_data(__u64 ring_size, int s2c)
{
	return kucomms_shm_tap_area(ring_size) +
	       (__u64)KUCOMMS_SHM_TAP_PAGES * KUCOMMS_PAGE_SIZE +
	       (s2c ? KUCOMMS_SHM_TAP_RING : 0);
}

/* Bytes of a segment whose rings have @ring_size bytes each. */
static inline __u64 kucomms_shm_size(__u64 ring_size)
{
	return kucomms_shm_tap_data(ring_size, 1) + KUCOMMS_SHM_TAP_RING;
}

/* Offsets of the two data areas. */
static inline __u64 kucomms_shm_c2s_data(void)
{
	return (__u64)KUCOMMS_SHM_HDR_PAGES * KUCOMMS_PAGE_SIZE;
}

static inline __u64 kucomms_shm_s2c_data(__u64 ring_size)
{
	return kucomms_shm_c2s_data() + ring_size;
}

/*
 * A side's features: a __u32 at byte KUCOMMS_SHM_FEATURES of its consumer
 * page (past its struct kucomms_ring_cons), written by that side when it
 * attaches, before it announces itself (server_state, client_gen), and
 * read by the peer once per connection (the server when it accepts the
 * client, the client once accepted). A peer's word only tells what that
 * peer does: a false one costs the peer that wrote it, at worst its own
 * wakeups.
 */
#define KUCOMMS_SHM_FEATURES	128
KUCOMMS_ASSERT(sizeof(struct kucomms_ring_cons) <= KUCOMMS_SHM_FEATURES,
	       "shm features past the ring_cons");
/*
 * The side's process is registered for membarrier(2)'s global expedited
 * command. When both sides are, the producers make no full barrier after
 * publishing and a consumer runs MEMBARRIER_CMD_GLOBAL_EXPEDITED before
 * it sleeps instead (kucomms_ring.h, "A light P2").
 */
#define KUCOMMS_SHM_FEAT_MEMBARRIER	(1U << 0)

/* The byte each side locks while attached (F_OFD_SETLK, F_WRLCK). */
#define KUCOMMS_SHM_LOCK_SERVER	0
#define KUCOMMS_SHM_LOCK_CLIENT	1
#define KUCOMMS_SHM_LOCK_TAP	2	/* the one tap reader */

/* A side's state, in server_state and client_state. */
#define KUCOMMS_SHM_ABSENT	0	/* never attached */
#define KUCOMMS_SHM_ATTACHED	1	/* attached (if its lock is held) */
#define KUCOMMS_SHM_CLOSED	2	/* detached cleanly */

/* The connection's verdict, in conn_state (written by the server). */
#define KUCOMMS_SHM_CONN_OPEN		0
#define KUCOMMS_SHM_CONN_CORRUPT	1	/* the client broke a ring */

struct kucomms_shm_hdr {
	/* Written once by whoever created the segment. */
	__u64 magic;		/* KUCOMMS_SHM_MAGIC */
	__u32 abi_version;	/* KUCOMMS_SHM_VERSION */
	__u32 page_size;	/* KUCOMMS_PAGE_SIZE */
	__u64 ring_size;	/* data bytes of each ring, a power of two */
	__u64 msg_max;		/* KUCOMMS_MSG_MAX(ring_size) */
	/* Written by the server only. */
	__u32 server_gen;	/* + 1 at each server attach */
	__u32 server_state;	/* KUCOMMS_SHM_ABSENT/ATTACHED/CLOSED */
	__u32 server_ack;	/* the client_gen served: futex word */
	__u32 conn_state;	/* KUCOMMS_SHM_CONN_* of that connection */
	__u32 server_pid;	/* for kucctl show only: never trusted */
	/* Written by the client only. */
	__u32 client_gen;	/* + 1 at each client attach: futex word */
	__u32 client_state;	/* KUCOMMS_SHM_ABSENT/ATTACHED/CLOSED */
	__u32 client_pid;	/* for kucctl show only: never trusted */
};

KUCOMMS_ASSERT(sizeof(struct kucomms_shm_hdr) == 64, "shm_hdr");

/*
 * Traffic counters, for kucctl show only (kuc_shm_info()): counted since
 * the segment was made, across connections and restarts. Each side has
 * its own block in page 0, written by that side only, without atomics
 * (the sending side's fields by its sending thread, rx_kicks by its
 * receiving thread). Nobody else writes those cache lines, and neither
 * side reads the other's block: a message costs its sender stores to a
 * line its own core holds, no shared cache-line traffic. The blocks are
 * 256 bytes apart so that no adjacent-line prefetch pairs them with the
 * header or with each other. A hostile peer can write them: they are
 * only displayed, never trusted for anything.
 */
#define KUCOMMS_SHM_STATS_CLIENT	256	/* byte offsets in page 0 */
#define KUCOMMS_SHM_STATS_SERVER	512

struct kucomms_shm_stats {
	__u64 msgs;		/* messages this side published */
	__u64 bytes;		/* their data bytes */
	__u64 full;		/* its sends that found the ring full */
	__u64 kicks;		/* wakeups of the consumer it made (sending) */
	__u64 rx_kicks;		/* wakeups of the producer (receiving side) */
	__u64 protocol_errors;	/* server: clients dropped for a broken ring */
	__u64 reserved[2];
};

KUCOMMS_ASSERT(sizeof(struct kucomms_shm_stats) == 64, "shm_stats");

/* Page 0 of the tap area: written by the tap reader only. */
struct kucomms_shm_tap_hdr {
	__u32 gen;		/* the reader's session; 0: nobody listens */
	__u32 last_gen;		/* the last session: the next is + 1 */
	__u32 snaplen;		/* data bytes per record (senders bound it) */
	__u32 reader_pid;	/* for kucctl show only: never trusted */
};

/* A tap producer page: written by its sender only. */
struct kucomms_shm_tap_prod {
	struct kucomms_ring_prod ring;	/* pos, full, wakeups */
	__u32 gen;		/* the session these positions belong to */
	__u32 reserved;
	__u64 captured;		/* records put in this session */
	__u64 dropped;		/* records lost: the tap ring was full */
};

KUCOMMS_ASSERT(sizeof(struct kucomms_shm_tap_hdr) == 16, "shm_tap_hdr");
KUCOMMS_ASSERT(sizeof(struct kucomms_shm_tap_prod) == 48, "shm_tap_prod");

#endif /* KUCOMMS_SHM_H */
