/* SPDX-License-Identifier: MIT */
/*
 * libkuc: the userspace side of kucomms.
 *
 * This is the library's one public header, one file on purpose despite
 * its length: a program includes just this, and tests/host/api.bats
 * checks it against the exported symbols (libkuc.map). Conventions for
 * every function declared here:
 *   - functions returning int return 0 (or a documented count) on success
 *     and a negative errno value on failure; kuc_strerror() describes it;
 *   - the library never prints, never exits and keeps no hidden global
 *     state, so it is safe to call from any thread.
 *
 * Device names are "kucomms_" followed by one or more of [a-z0-9_], at
 * most KUCOMMS_NAME_MAX characters in all (see kucomms_abi.h). Every
 * function taking a name also accepts the short form without the prefix
 * and the node path "/dev/kucomms_NAME"; see kuc_name_normalize().
 */
#ifndef KUC_H
#define KUC_H

#include <poll.h>		/* POLLIN, POLLOUT for kuc_wait() */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <kucomms/kucomms_abi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Library information and errors
 */

/* The libkuc version, e.g. "0.1.0". */
const char *kuc_version(void);

/*
 * A short lower-case description of @err, a negative errno value as
 * returned by libkuc (a positive errno is accepted too). Errors with a
 * specific meaning in libkuc get that meaning, e.g. -ENODEV is "kucomms
 * module not loaded" and -EEXIST "device already exists"; others get the
 * C library's description. The string is static: never free it. Safe to
 * call from several threads at once.
 */
const char *kuc_strerror(int err);

/* ------------------------------------------------------------------------
 * Device names
 */

/*
 * Write the full device name for @in to @out (@outsz bytes, NUL included).
 * @in may be
 *   - a full name: "kucomms_foo" (anything starting with "kucomms_" is
 *     taken as a full name, so "kucomms_" alone is invalid),
 *   - a short name: "foo", to which the prefix is added,
 *   - the node path "/dev/kucomms_foo" (the full name after "/dev/").
 * Returns 0, -EINVAL if @in is not a valid name, -ENAMETOOLONG if the full
 * name would exceed KUCOMMS_NAME_MAX characters, or -ENOBUFS if @outsz is
 * too small (KUCOMMS_NAME_MAX + 1 is always enough). @out is only written
 * on success.
 */
int kuc_name_normalize(const char *in, char *out, size_t outsz);

/* ------------------------------------------------------------------------
 * Device control
 *
 * Creating and removing devices needs root (CAP_SYS_ADMIN); listing does
 * not. These functions return -ENODEV when the kucomms module is not
 * loaded, so that callers can tell it from -ENOENT (no such device).
 *
 * For tests, the environment variable KUC_SYSFS_ROOT (default empty) is
 * prepended to every sysfs path and KUC_DEV_ROOT (default "/dev") replaces
 * the /dev directory. Both are ignored in set-user-ID and set-group-ID
 * programs (secure_getenv(3)).
 */

/* True when the kucomms module is loaded (its control directory exists). */
bool kuc_module_loaded(void);

/* For kuc_device_create(): leave the node's mode as it was made. */
#define KUC_MODE_KEEP	((mode_t)-1)

/*
 * Create the device @name (any form kuc_name_normalize() accepts); its
 * node /dev/kucomms_NAME appears with mode 0600, owned by root. Then
 * give the node the permission bits @mode (0 to 0777, or KUC_MODE_KEEP),
 * the owner @owner and the group @group (each (uid_t)-1 or (gid_t)-1 to
 * keep it, as for chown(2)); with all three kept nothing is waited for.
 * Other users can open the node only once all of it is applied. If it
 * cannot be applied, the device is removed again and the error returned.
 * Returns 0, -EINVAL (bad name or mode), -ENAMETOOLONG (bad name),
 * -ENODEV (module not loaded), -EEXIST (exists already), -ENOSPC (module
 * parameter max_devices reached), -EACCES or -EPERM (not privileged),
 * -ETIMEDOUT (the node did not appear within 2 s), or another negative
 * errno.
 */
int kuc_device_create(const char *name, mode_t mode, uid_t owner,
		      gid_t group);

/*
 * Remove the device @name. Processes that have it open keep their file
 * until they close it. Returns 0, -EINVAL or -ENAMETOOLONG (bad name),
 * -ENODEV (module not loaded), -ENOENT (no such device), -EACCES or -EPERM
 * (not privileged), or another negative errno.
 */
int kuc_device_remove(const char *name);

/*
 * The value of the module parameter max_devices: the most devices that
 * may exist at once. Returns it (> 0), -ENODEV if the module is not
 * loaded, or another negative errno.
 */
int kuc_max_devices(void);

/* ------------------------------------------------------------------------
 * Listing devices
 */

/* What an entry of a listing is. */
enum kuc_kind {
	KUC_KIND_DEVICE,	/* a /dev/kucomms_NAME character device */
	KUC_KIND_SHM,		/* a /dev/shm/kucomms_NAME segment */
	KUC_KIND_PAIR,		/* an in-process pair (kuc_pair_open()) */
};

/*
 * "device", "shm" or "pair" for the kinds above, "unknown" for values not
 * known here.
 */
const char *kuc_kind_name(enum kuc_kind kind);

/*
 * Parse the channel spec @spec, as kuc_open() and kuc_tap_open() take it:
 *   "shm:NAME", "shm:kucomms_NAME", "shm:/dev/shm/kucomms_NAME"
 *                                     the shm segment: *@kind KUC_KIND_SHM;
 *   anything else                     a device name in any form
 *                                     kuc_name_normalize() accepts:
 *                                     *@kind KUC_KIND_DEVICE.
 * The full name "kucomms_NAME" goes to @name (@size bytes, NUL included;
 * KUCOMMS_NAME_MAX + 1 is always enough); @kind may be NULL. Returns 0,
 * -EINVAL (bad spec), -ENAMETOOLONG (name too long) or -ENOBUFS (@size
 * too small). @name is only written on success; *@kind is written also
 * when the name is bad (the kind is the prefix's), so that a caller can
 * word its error, but not for a NULL @spec. Thread-safe.
 */
int kuc_spec_parse(const char *spec, enum kuc_kind *kind, char *name,
		   size_t size);

/* Room for a node path such as "/dev/kucomms_foo", NUL included. */
#define KUC_PATH_MAX	256

struct kuc_device_info {
	enum kuc_kind kind;
	char name[KUCOMMS_NAME_MAX + 1];	/* "kucomms_foo" */
	char path[KUC_PATH_MAX];		/* "/dev/kucomms_foo" */
	unsigned int major;			/* device number from sysfs */
	unsigned int minor;
	/*
	 * True when @path is the character device major:minor (for a
	 * segment listed by kuc_list(): always, @path being its file).
	 * When false (no node yet, or something else is at @path), @mode,
	 * @uid and @gid are 0 and mean nothing.
	 */
	bool node_present;
	mode_t mode;				/* permission bits (07777) */
	uid_t uid;				/* owner of the node */
	gid_t gid;				/* group of the node */
};

/*
 * Describe the device @name. Returns 0, -EINVAL or -ENAMETOOLONG (bad
 * name), -ENODEV (module not loaded), -ENOENT (no such device), or another
 * negative errno.
 */
int kuc_device_info(const char *name, struct kuc_device_info *out);

/*
 * List all devices, sorted by name. On success returns 0 and stores a
 * malloc'ed array in *@out (NULL when there are no devices) and its length
 * in *@n; free it with kuc_device_list_free(). Returns -ENODEV if the
 * module is not loaded, -ENOMEM, or another negative errno; *@out and *@n
 * are then NULL and 0. A device removed while the list is being read is
 * left out.
 */
int kuc_device_list(struct kuc_device_info **out, size_t *n);

/* Free a list from kuc_device_list() or kuc_list(); NULL is fine. */
void kuc_device_list_free(struct kuc_device_info *list);

/* For kuc_list(): what to list. */
#define KUC_LIST_DEVICES	0x1u	/* the devices (kind device) */
#define KUC_LIST_SHM		0x2u	/* the shm segments (kind shm) */

/*
 * List the devices and/or the shm segments (@which: KUC_LIST_DEVICES,
 * KUC_LIST_SHM or both) in one array sorted by name (a device before a
 * segment of the same name), each a struct kuc_device_info of its kind.
 * A segment has no device number (@major and @minor 0); @path is its
 * file and @node_present true, with that file's mode, owner and group.
 * Without the kucomms module there are no devices, and that is no error
 * (kuc_module_loaded() tells). On success returns 0 and stores the array
 * in *@out (NULL when empty) and its length in *@n; free it with
 * kuc_device_list_free(). Returns -EINVAL (bad @which), -ENOMEM or
 * another negative errno; *@out and *@n are then NULL and 0.
 */
int kuc_list(struct kuc_device_info **out, size_t *n, unsigned int which);

/*
 * A field of struct kuc_device_stats whose sysfs file could not be read
 * or held no number, as from a module older than this library: no value
 * the module gives.
 */
#define KUC_STAT_UNKNOWN	UINT64_MAX

/*
 * A device's settings (for connections opened from now on) and figures
 * since it was created, read from its sysfs files.
 */
struct kuc_device_stats {
	uint64_t ring_size;		/* bytes of each ring */
	uint64_t max_connections;
	uint64_t connections;		/* open now */
	uint64_t msgs_in, bytes_in;	/* userspace -> kernel */
	uint64_t msgs_out, bytes_out;	/* kernel -> userspace */
	uint64_t ring_full;		/* kernel found a ring to userspace full */
	uint64_t kicks;			/* wakeup calls userspace made */
	uint64_t wakeups;		/* userspace waiters the kernel woke */
	uint64_t protocol_errors;	/* connections broken by userspace */
	uint64_t work_runs, timer_runs;	/* the bound endpoint's handlers */
	char endpoint[64];		/* module bound to the name, or "none" */
	/* Each KUC_STAT_UNKNOWN when its file cannot be read: */
	uint64_t poll_idle_us;		/* endpoint thread polls this long, 0: off */
	uint64_t connections_held;	/* open, or closed and not yet freed */
};

/*
 * Fill *@st for device @name. Returns 0, -EINVAL (bad name), -ENODEV
 * (module not loaded), -ENOENT (no such device) or another negative errno.
 * The files of @poll_idle_us and @connections_held are no error when
 * they cannot be read (a module older than this library has neither):
 * that field is then KUC_STAT_UNKNOWN. Thread-safe.
 */
int kuc_device_stats(const char *name, struct kuc_device_stats *st);

/* ------------------------------------------------------------------------
 * Shared-memory segments: channels without the kernel module
 *
 * A segment /dev/shm/kucomms_NAME (POSIX shared memory, shm_open() name
 * "/kucomms_NAME", layout in kucomms/kucomms_shm.h) carries one channel
 * between two processes with the same rings, message format and API as a
 * device: the server (kuc_serve(), what the kernel module is for a
 * device) and one client at a time (kuc_open("shm:NAME")). Access is the
 * file's mode, owner and group. Nothing here needs root or the module.
 */

/*
 * Create the segment @name (any form kuc_name_normalize() accepts) with
 * rings of @ring_size bytes each (0: 64 KiB; a power of two from 4 KiB
 * to 4 MiB), permission bits @mode (not reduced by the umask), owner
 * @owner and group @group (each (uid_t)-1 or (gid_t)-1 for the caller's,
 * as for chown(2)). Other users can attach only once all of it is
 * applied; if it cannot be, the segment is removed again. Returns 0,
 * -EINVAL (bad name, size or mode), -EEXIST, -EACCES, -EPERM (not
 * allowed to give it that owner or group) or another negative errno.
 */
int kuc_shm_create(const char *name, uint64_t ring_size, mode_t mode,
		   uid_t owner, gid_t group);

/*
 * Remove the segment @name. Processes attached keep their mappings and
 * go on until they close; a new segment of that name is a new channel.
 * Returns 0, -EINVAL, -ENOENT, -EACCES or another negative errno.
 */
int kuc_shm_remove(const char *name);

struct kuc_shm_info {
	char name[KUCOMMS_NAME_MAX + 1];	/* "kucomms_foo" */
	char path[KUC_PATH_MAX];		/* "/dev/shm/kucomms_foo" */
	uint64_t size;				/* bytes of the file */
	uint64_t ring_size;			/* 0 when @problem is set */
	mode_t mode;				/* permission bits (07777) */
	uid_t uid;
	gid_t gid;
	bool server_attached;			/* its attach lock is held */
	bool client_attached;
	pid_t server_pid, client_pid;		/* as written there, or 0 */
	uint32_t connections;			/* clients so far */
	/*
	 * Traffic since the segment was made, as the two sides count it in
	 * the segment (0 when @problem is set). Either side can write any
	 * of them: for display only. in: client to server, out: server to
	 * client, as for a device (the client plays userspace).
	 */
	uint64_t msgs_in, bytes_in;		/* the client sent */
	uint64_t msgs_out, bytes_out;		/* the server sent */
	uint64_t ring_full;			/* sends (either side) that
						 * found the ring full */
	uint64_t kicks;				/* wakeup calls the client made */
	uint64_t wakeups;			/* wakeup calls the server made */
	uint64_t protocol_errors;		/* clients dropped for a
						 * broken ring */
	/*
	 * Empty, or why the segment cannot be used, e.g. "bad magic
	 * 0x...", "size 8192, header says 86016", "not readable:
	 * permission denied" (the fields above are then what stat() says).
	 */
	char problem[96];
};

/*
 * Describe the segment @name. Returns 0 (a stale or corrupted segment is
 * described with its @problem), -EINVAL, -ENOENT or another negative
 * errno.
 */
int kuc_shm_info(const char *name, struct kuc_shm_info *out);

/*
 * List all segments in /dev/shm named kucomms_*, sorted by name; free the
 * array with kuc_shm_list_free(). As kuc_device_list(), but it needs no
 * module: returns 0 (maybe with *@n 0), -ENOMEM or another negative errno.
 */
int kuc_shm_list(struct kuc_shm_info **out, size_t *n);
void kuc_shm_list_free(struct kuc_shm_info *list);

/* ------------------------------------------------------------------------
 * Channels
 *
 * A channel is a pair of rings (see kucomms_abi.h): messages sent go to
 * the peer, messages it sends come back on the same channel. A message
 * is a struct kucomms_msg_hdr followed by hdr->length bytes of data, at
 * most kuc_msg_max() of them. Three kinds, one API:
 *   device  kuc_open("kucomms_NAME"): /dev/kucomms_NAME, served by the
 *           kernel module registered under NAME;
 *   shm     kuc_open("shm:kucomms_NAME"): the client side of the segment
 *           /dev/shm/kucomms_NAME, served by the process that called
 *           kuc_serve("kucomms_NAME") (e.g. the echo example built for
 *           userspace: develop a kernel handler there first);
 *   pair    kuc_pair_open(): both sides in one process, over memory of
 *           its own; for tests and for threads that talk like processes.
 *
 * Threads. A channel has one sending side and one receiving side; each
 * function below says what it allows. In short:
 *   - sending: kuc_send(), kuc_send_more(), kuc_flush(), kuc_send_wait()
 *     and kuc_reserve()/kuc_commit()/kuc_commit_more() are unlocked:
 *     one thread at a time.
 *     kuc_send_locked() takes the channel's send mutex: any number of
 *     threads may call it at once. When more than one thread sends,
 *     every sender must use kuc_send_locked();
 *   - receiving: kuc_recv(), kuc_peek()/kuc_release() and the endpoint
 *     thread (kuc_endpoint_start()) are the channel's only consumer: one
 *     thread at a time, and none while the endpoint thread runs;
 *   - sending and receiving may run in two threads at once;
 *   - kuc_fd(), kuc_msg_max(), kuc_conn_id(), kuc_channel_kind() and
 *     kuc_channel_stats() may be called from any thread at any time
 *     while the channel is open;
 *   - kuc_close() must not run concurrently with any other call on the
 *     channel.
 *
 * Errors common to the channel functions: -ESHUTDOWN once the peer
 * closed (a kernel endpoint was unregistered, a shm server or the other
 * side of a pair closed), -ECONNRESET once a shm server died or was
 * restarted, -EPROTO once the connection was found broken (its rings or
 * its segment held impossible values). All three are final: close the
 * channel and open a new one. Received messages are drained before
 * -ESHUTDOWN and -ECONNRESET are reported.
 *
 * Blocking calls take a timeout in milliseconds: -1 waits for ever, 0 not
 * at all. A signal interrupts the wait with -EINTR. The peer is woken
 * (an ioctl for a device, a FUTEX_WAKE for shm and pairs) only when it
 * announced that it sleeps. Before a blocking kuc_recv(), kuc_wait() or
 * kuc_send_wait() sleeps (in poll(2) for a device, on a futex for shm
 * and pairs), it looks at the ring for a while, at most 10 us, never
 * past the time-out and not at all on a single CPU: the bound adapts to
 * how soon the peer answered before, so a side whose waits are long
 * spends about 1 us of CPU per sleep on it. An idle shm waiter wakes
 * twice a second to check that its peer is still alive.
 */

struct kuc_channel;

/*
 * Open a channel from the spec @spec and store it in *@out:
 *   "kucomms_NAME", "NAME" or "/dev/kucomms_NAME"   the device;
 *   "shm:kucomms_NAME", "shm:NAME"                  the shm segment, as
 *                                                   its client.
 * Returns 0 or: -EINVAL/-ENAMETOOLONG (bad name), -ENODEV (kucomms module
 * not loaded), -ENOENT (no such device or segment), -ENXIO (no kernel
 * module registered the device's endpoint yet; no server attached to the
 * segment), -EBUSY (the device's max_connections reached; the segment
 * has a client already), -ETIMEDOUT (the shm server did not accept within
 * 5 s: it must be receiving, e.g. run its endpoint thread), -EACCES,
 * -EPROTO (another ABI, or a stale or corrupted segment: nothing is
 * mapped; kuc_shm_info() says why), -ENOMEM, or another negative errno.
 * *@out is NULL on failure. Thread-safe.
 */
int kuc_open(const char *spec, struct kuc_channel **out);

/*
 * Attach to the segment @name ("kucomms_NAME", "NAME" or "shm:NAME") as
 * its server: the side a kernel module is for a device. Clients come and
 * go; each is one connection (kuc_conn_id() numbers them) that starts
 * with empty rings. With no client, kuc_send() and its relatives return
 * -ENOTCONN, and kuc_recv(), kuc_peek() and the endpoint thread wait for
 * the next client as for a message (a client is accepted only while the
 * server receives). A client that dies or closes is dropped after what it
 * sent was received; one that breaks a ring is dropped at once (it sees
 * -EPROTO). A server that died leaves a segment the next kuc_serve()
 * takes over (its old client sees -ECONNRESET). Returns 0, -EINVAL,
 * -ENOENT (no such segment: kuc_shm_create() or kucctl create --shm),
 * -EBUSY (served already), -EACCES, -EPROTO (stale or corrupted
 * segment), -ENOMEM or another negative errno.
 */
int kuc_serve(const char *name, struct kuc_channel **out);

/*
 * Two channels connected to each other inside this process, with rings
 * of @ring_size bytes (0: 64 KiB; a power of two from 4 KiB to 4 MiB):
 * what one sends the other receives. Each is closed with kuc_close(); the
 * other then sees -ESHUTDOWN. Returns 0, -EINVAL, -ENOMEM or another
 * negative errno.
 */
int kuc_pair_open(size_t ring_size, struct kuc_channel **a,
		  struct kuc_channel **b);

/* KUC_KIND_DEVICE, KUC_KIND_SHM or KUC_KIND_PAIR. Any thread. */
enum kuc_kind kuc_channel_kind(const struct kuc_channel *ch);

/*
 * Wait up to @timeout_ms until the channel is ready for @events (POLLIN:
 * a message waits; POLLOUT: the send ring is at most half full) and
 * return the ready events (POLLHUP after a shutdown or reset, POLLERR |
 * POLLHUP when broken), 0 when the time ran out, or -EINTR. Works for
 * every kind (kuc_fd() only for devices). POLLIN belongs to the receiving
 * side, POLLOUT to the sending side: asking for both takes both.
 */
int kuc_wait(struct kuc_channel *ch, short events, int timeout_ms);

/*
 * Stop the endpoint thread if it runs, unmap the rings, close the file
 * and free @ch (NULL is ignored). Messages not yet consumed by the kernel
 * may be lost. Not from a handler; nothing else may use @ch meanwhile.
 */
void kuc_close(struct kuc_channel *ch);

/*
 * A device channel's file descriptor, for poll(2)/epoll(7): POLLIN while
 * a message waits, POLLOUT while the send ring is at most half full,
 * POLLHUP after shutdown, POLLERR | POLLHUP when broken. Do not read,
 * write or close it. Shm and pair channels have no file to poll: -EOPNOTSUPP
 * (use kuc_wait() or the endpoint thread). Any thread.
 */
int kuc_fd(const struct kuc_channel *ch);

/* The largest message data this channel carries, in bytes. Any thread. */
size_t kuc_msg_max(const struct kuc_channel *ch);

/*
 * The connection's id: on its device (as the kernel sees it); for shm, the
 * number of the client's connection to the segment (1, 2, ...); 1 for a
 * pair. Any thread.
 */
uint64_t kuc_conn_id(const struct kuc_channel *ch);

/*
 * Send one message: copy @hdr (hdr->length is the data length; type, id
 * and value are the caller's) and hdr->length bytes from @data into the
 * ring and publish it; the kernel is kicked only if it sleeps. Never
 * blocks. Returns 0, -EAGAIN (no room now: the message was not sent),
 * -EMSGSIZE (hdr->length > kuc_msg_max()), -EINVAL, -ESHUTDOWN or
 * -EPROTO. Unlocked: one sending thread at a time (endpoint handlers may
 * use it when no other thread sends).
 */
int kuc_send(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
	     const void *data);

/*
 * kuc_send() that leaves the publishing and the kicking to a later
 * kuc_flush() (or to the next kuc_send()): for bursts of messages, so
 * that a kernel that sleeps is woken once per burst instead of up to
 * once per message. Until then the peer sees none of the messages,
 * however it looks, except that a burst reaching an eighth of the ring
 * is published up to there (no kick), and kuc_close() publishes. A
 * kuc_send_more() or kuc_reserve() that returns -EAGAIN, and
 * kuc_wait(POLLOUT), publish and kick first: a sender never waits for
 * room its own messages hold.
 * Unlocked, like kuc_send().
 */
int kuc_send_more(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		  const void *data);

/*
 * Publish what kuc_send_more() left, and kick the kernel if it sleeps and
 * messages were published since it looked. Returns 0, -ESHUTDOWN or
 * -EPROTO. Unlocked, like kuc_send().
 */
int kuc_flush(struct kuc_channel *ch);

/*
 * kuc_send() that waits up to @timeout_ms for room when the ring is full.
 * Returns what kuc_send() returns, -ETIMEDOUT instead of -EAGAIN when the
 * time ran out (-EAGAIN with @timeout_ms 0), or -EINTR. Unlocked, like
 * kuc_send().
 */
int kuc_send_wait(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		  const void *data, int timeout_ms);

/*
 * kuc_send_wait() under the channel's send mutex: any number of threads
 * may call it at once (each message goes in whole; the order between
 * threads is the order they got the mutex). A positive @timeout_ms
 * bounds the whole call, the wait for the mutex included; with 0 the
 * call does not wait for room but does wait for the mutex.
 */
int kuc_send_locked(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		    const void *data, int timeout_ms);

/*
 * Direct delivery, for a device channel (kuc_set_direct(3)): with @on,
 * a kick of the kernel (after a publication that found its thread
 * asleep) asks for the messages to be handled within that system call,
 * in this thread, if the endpoint allows it (KUCOMMS_EP_DIRECT) and its
 * thread sleeps; otherwise it is the kick it was. A blocking request and
 * reply then costs one system call and no wakeup of the kernel's
 * thread, but a stream of kuc_send() calls costs one system call per
 * message (kuc_send_more() and kuc_flush(): per burst). Off by default.
 * Returns 0, -EOPNOTSUPP (not a device channel, or a kucomms module
 * without it), -ESHUTDOWN or -EPROTO. Any thread.
 */
int kuc_set_direct(struct kuc_channel *ch, bool on);

/*
 * Zero-copy send. kuc_reserve() makes room for a message of @length data
 * bytes directly in the ring and returns where its data goes; *@hdr_out
 * points at its header in the ring with length filled in (set type, id
 * and value there). Nothing is visible to the kernel until kuc_commit().
 * Reserving again or sending drops a reservation not committed (its
 * space is simply reused). Returns NULL with *@err (if not NULL) set
 * to -EAGAIN, -EMSGSIZE, -EINVAL, -ESHUTDOWN or -EPROTO. The length the
 * kernel sees is always the reserved one. kuc_commit() publishes and
 * kicks as kuc_send() does; kuc_commit_more() leaves both to a later
 * kuc_flush(), as kuc_send_more() does (with the same exceptions). Both
 * return 0, -EINVAL (nothing reserved), -ESHUTDOWN or -EPROTO. Unlocked,
 * like kuc_send().
 */
void *kuc_reserve(struct kuc_channel *ch, size_t length,
		  struct kucomms_msg_hdr **hdr_out, int *err);
int kuc_commit(struct kuc_channel *ch);
int kuc_commit_more(struct kuc_channel *ch);

/*
 * Zero-copy receive. kuc_peek() copies the next message's header to *@hdr
 * and points *@data at its data in the ring (valid until kuc_release(),
 * read-only). Never blocks: returns 0, -EAGAIN when no message waits
 * (poll kuc_fd() for POLLIN), -EINVAL, -EBUSY (the endpoint thread runs),
 * -ESHUTDOWN (after the last message) or -EPROTO. kuc_release() gives the
 * message's space back; without a message peeked it does nothing. Peeking
 * again without releasing returns the same message. Consumer side: one
 * receiving thread.
 */
int kuc_peek(struct kuc_channel *ch, struct kucomms_msg_hdr *hdr,
	     const void **data);
void kuc_release(struct kuc_channel *ch);

/*
 * Receive the next message: its header to *@hdr and its data to @buf
 * (@bufsz bytes), waiting up to @timeout_ms for one. Returns 0, -EAGAIN
 * (@timeout_ms 0 and no message), -ETIMEDOUT, -EINTR, -EMSGSIZE (@bufsz <
 * hdr->length: *@hdr is filled in and the message stays queued, so the
 * caller can make room and call again), -EBUSY (the endpoint thread
 * runs), -ESHUTDOWN (after the messages the kernel sent before it went
 * away were received) or -EPROTO. Consumer side: one receiving thread.
 */
int kuc_recv(struct kuc_channel *ch, struct kucomms_msg_hdr *hdr, void *buf,
	     size_t bufsz, int timeout_ms);

/*
 * The endpoint model (docs/design.md): one thread per channel calls
 *   message     as soon as a message arrives (@data points into the ring
 *               and is valid during the call only),
 *   work        100 times a second,
 *   timer       once a second,
 *   connect     when it starts serving a connection, before its first
 *               message,
 *   disconnect  after the last message of that connection was handled,
 * never two at once, with @ctx. Periods follow absolute CLOCK_MONOTONIC
 * deadlines (no drift); a handler that runs late is caught up on for up
 * to 10 periods, then the schedule restarts from now. Between handlers
 * the thread sleeps in poll(2) (or on a futex), a second at most: see
 * kuc_endpoint_stop(). NULL handlers are skipped (message is
 * required). After a shutdown the thread keeps running work and timer
 * until it is stopped; the handlers find out with kuc_send().
 *
 * A shm server (kuc_serve()) gets connect and disconnect once for each
 * client, with kuc_conn_id() the client's number in both: disconnect
 * once the client closed, died or broke its ring and what it sent was
 * handled, and before the next client's connect. Any other channel is
 * one connection: connect when the thread starts, disconnect after the
 * peer went away (shutdown, reset, broken) and the ring was drained. As
 * kucomms_unregister() in the kernel, kuc_endpoint_stop() (and
 * kuc_close()) call no disconnect for a connection still open; a later
 * kuc_endpoint_start() calls connect for it again.
 *
 * Handlers may send with kuc_send() when no other thread sends; if other
 * threads also send, everyone (the handlers too) must use
 * kuc_send_locked(). A handler must not block for long: it delays every
 * other handler.
 */
struct kuc_handlers {
	void (*message)(struct kuc_channel *ch,
			const struct kucomms_msg_hdr *hdr, const void *data,
			void *ctx);
	void (*work)(struct kuc_channel *ch, void *ctx);
	void (*timer)(struct kuc_channel *ch, void *ctx);
	/* Last, for source compatibility with initialisers by position. */
	void (*connect)(struct kuc_channel *ch, void *ctx);
	void (*disconnect)(struct kuc_channel *ch, void *ctx);
};

/*
 * Start the endpoint thread. @handlers is copied. Returns 0, -EINVAL (no
 * message handler), -EBUSY (already started), -EAGAIN/-ENOMEM (no thread
 * or eventfd). Becomes the channel's consumer: no kuc_recv()/kuc_peek()
 * until kuc_endpoint_stop(). Any thread except a handler.
 */
int kuc_endpoint_start(struct kuc_channel *ch,
		       const struct kuc_handlers *handlers, void *ctx);

/*
 * Polling: the endpoint thread keeps looking at its ring for @us
 * microseconds after the last message before it announces sleep, so a
 * steady stream of messages needs no wakeup call from the sender and no
 * wakeup of this thread (as a device's poll_idle_us does for the
 * kernel's thread). It costs a CPU for that long after every last
 * message; 0 (the default) is off. Returns 0 or -EINVAL (@us above
 * KUCOMMS_POLL_IDLE_MAX_US, a second). Any thread, any time, before or
 * while the thread runs: it applies from the thread's next idle moment.
 */
int kuc_endpoint_poll_idle(struct kuc_channel *ch, unsigned int us);

/*
 * Stop the endpoint thread and wait for it: no handler runs after it
 * returned. Returns 0, -ESRCH (not started) or -EDEADLK (called from a
 * handler); the stop itself cannot fail: a thread whose wakeup is lost
 * (the program closed the library's eventfd) sees it within a second.
 * Any other thread, also concurrently with other stops.
 */
int kuc_endpoint_stop(struct kuc_channel *ch);

/* A channel's counters since it was opened. */
struct kuc_channel_stats {
	uint64_t msgs_sent;		/* messages published */
	uint64_t bytes_sent;		/* their data bytes */
	uint64_t msgs_received;		/* messages consumed */
	uint64_t bytes_received;	/* their data bytes */
	uint64_t kicks;			/* wakeup calls: KUCOMMS_IOC_KICK,
					 * FUTEX_WAKE for shm and pairs */
	uint64_t waits;			/* sleeps: poll(2), futex, short naps */
	uint64_t full;			/* sends that found the ring full */
};

/*
 * Read the counters into *@st. Any thread, any time; each counter is
 * read atomically but the set is not a snapshot.
 */
void kuc_channel_stats(const struct kuc_channel *ch,
		       struct kuc_channel_stats *st);

/* ------------------------------------------------------------------------
 * Monitor taps: watching every message of a channel (kucdump(8))
 *
 * A tap receives a copy of every message of every connection of one
 * device or shm segment, both directions, with the time the kernel (for
 * shm: the sender) saw it, without disturbing the programs: when the
 * reader is slow, records are dropped and counted, never waited for.
 * Attaching to a device needs CAP_SYS_ADMIN (see kucomms_abi.h, "The
 * monitor tap"); to a segment, read and write access to its file, and
 * there is one reader per segment (kucomms_shm.h: the senders copy their
 * messages into two tap rings in the segment; the client's are
 * KUCOMMS_TAP_U2K, the server's KUCOMMS_TAP_K2U). A tap is not a
 * connection: it works whether or not an endpoint (a server) is there.
 *
 * Threads: one thread at a time per tap; kuc_tap_fd() and kuc_tap_stats()
 * from any thread while the tap is open.
 */
struct kuc_tap;

struct kuc_tap_opts {
	uint32_t snaplen;	/* data bytes kept per message; 0 = all */
	uint32_t buf_order;	/* kernel buffer 2^buf_order bytes; 0 = default;
				 * ignored for shm (two 1 MiB rings) */
};

/* One captured message. */
struct kuc_tap_record {
	uint64_t ts_ns;			/* CLOCK_REALTIME, nanoseconds */
	uint64_t conn_id;		/* the connection on its device */
	unsigned int dir;		/* KUCOMMS_TAP_U2K or KUCOMMS_TAP_K2U */
	uint32_t caplen;		/* bytes at @data, <= hdr.length */
	struct kucomms_msg_hdr hdr;	/* hdr.length: the original length */
	const void *data;		/* the first @caplen data bytes */
};

struct kuc_tap_stats {
	uint64_t captured;	/* records kept for this tap (shm: by both senders) */
	uint64_t dropped;	/* records lost: the reader was too slow */
	uint32_t snaplen;	/* in force */
	uint32_t buf_order;	/* in force (shm: 21, both tap rings) */
};

/*
 * Open a tap on the channel @spec and store it in *@out. @spec is a
 * device name in any form kuc_name_normalize() accepts, or "shm:NAME"
 * for a shared-memory segment. @opts may be NULL (defaults). Returns 0
 * or: -EINVAL (bad name or options), -ENAMETOOLONG, -ENODEV (kucomms
 * module not loaded), -ENOENT (no such device or segment), -EPERM or
 * -EACCES (not privileged), -EBUSY (the segment has a reader), -EPROTO
 * (a segment of another layout), -ENOMEM, or another negative errno.
 * Thread-safe.
 */
int kuc_tap_open(const char *spec, const struct kuc_tap_opts *opts,
		 struct kuc_tap **out);

/*
 * The next record, waiting up to @timeout_ms (-1 for ever, 0 not at all).
 * *@rec->data stays valid until the next kuc_tap_read() or kuc_tap_close().
 * Returns 0, -EAGAIN (@timeout_ms 0, nothing waiting), -ETIMEDOUT, -EINTR
 * (a signal), -ESHUTDOWN (the device or segment was removed and every
 * record before that was read), -EPROTO (a malformed record: a bug, or
 * for shm a sender that wrote nonsense; final), or another negative
 * errno.
 */
int kuc_tap_read(struct kuc_tap *tap, struct kuc_tap_record *rec,
		 int timeout_ms);

/*
 * For poll(2): POLLIN while records wait, POLLHUP once removed.
 * -EOPNOTSUPP for a shm tap: wait in kuc_tap_read() with a time-out.
 */
int kuc_tap_fd(const struct kuc_tap *tap);

/* Fill *@st. Returns 0 or a negative errno. */
int kuc_tap_stats(const struct kuc_tap *tap, struct kuc_tap_stats *st);

/* Detach and free @tap (NULL is ignored). */
void kuc_tap_close(struct kuc_tap *tap);

#ifdef __cplusplus
}
#endif

#endif /* KUC_H */
