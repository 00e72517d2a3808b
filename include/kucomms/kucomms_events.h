/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The module's live events (kucctl monitor): a generic netlink family
 * KUCOMMS_EV_FAMILY with one multicast group KUCOMMS_EV_GROUP and no
 * operations. The module sends one message per event to the group, only
 * while someone listens; the genetlink command is the kind of event and
 * the attributes below describe it. Any user may join the group (it is not
 * flagged GENL_MCAST_CAP_*): names and pids are what /sys/class/kucomms
 * and /proc show anyone already.
 *
 * Why generic netlink, not uevents: a uevent makes udevd run its rules,
 * and a connection open/close is not a device change; a read() on a
 * node would mean a per-reader queue in the module. A multicast to a
 * listener whose receive buffer is full is dropped (the socket then gets
 * ENOBUFS once): a client that opens and closes in a loop costs the
 * kernel one small buffer per event, never a queue that grows.
 *
 * The numbers are ABI: never renumber, only add.
 */
#ifndef KUCOMMS_EVENTS_H
#define KUCOMMS_EVENTS_H

#include <linux/types.h>

#define KUCOMMS_EV_FAMILY	"kucomms"
#define KUCOMMS_EV_VERSION	1
#define KUCOMMS_EV_GROUP	"monitor"

/* The genetlink command of a message: what happened. */
enum kucomms_ev_cmd {
	KUCOMMS_EV_UNSPEC,
	KUCOMMS_EV_DEVICE_ADD,		/* NAME, PID, COMM */
	KUCOMMS_EV_DEVICE_REMOVE,	/* NAME, PID, COMM */
	KUCOMMS_EV_CONN_OPEN,		/* NAME, CONN, PID, COMM */
	KUCOMMS_EV_CONN_CLOSE,		/* NAME, CONN, PID, COMM (the opener) */
	KUCOMMS_EV_ENDPOINT_ADD,	/* NAME, OWNER, PID, COMM */
	KUCOMMS_EV_ENDPOINT_REMOVE,	/* NAME, OWNER, PID, COMM */
	__KUCOMMS_EV_MAX,
};

#define KUCOMMS_EV_MAX (__KUCOMMS_EV_MAX - 1)

/* The attributes; a reader skips the ones it does not know. */
enum kucomms_ev_attr {
	KUCOMMS_EV_A_UNSPEC,
	KUCOMMS_EV_A_NAME,	/* string: the device or endpoint, kucomms_NAME */
	KUCOMMS_EV_A_CONN,	/* u64: the connection id on its device */
	KUCOMMS_EV_A_PID,	/* u32: the process (thread group id) */
	KUCOMMS_EV_A_COMM,	/* string: its name, as in /proc/PID/comm */
	KUCOMMS_EV_A_OWNER,	/* string: the module that registered the endpoint */
	KUCOMMS_EV_A_PAD,	/* padding for the u64 */
	__KUCOMMS_EV_A_MAX,
};

#define KUCOMMS_EV_A_MAX (__KUCOMMS_EV_A_MAX - 1)

#endif /* KUCOMMS_EVENTS_H */
