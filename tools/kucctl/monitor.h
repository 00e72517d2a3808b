/* SPDX-License-Identifier: MIT */
/*
 * kucctl monitor: its two sources of events, each behind a file
 * descriptor the main loop polls. mon_netlink.c receives the module's
 * events (the generic netlink family of kucomms/kucomms_events.h);
 * mon_shm.c watches the shm segments. cmd_monitor.c prints what they
 * report, one line per event.
 */
#ifndef KUCCTL_MONITOR_H
#define KUCCTL_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kuc.h>

/* One event; NULL strings and false has_* are not shown. */
struct mon_event {
	const char *source;	/* "kernel" or "shm" */
	const char *event;	/* "device-add", "client-leave", ... */
	const char *name;	/* kucomms_NAME, or NULL */
	bool has_conn;
	uint64_t conn;
	bool has_pid;
	uint64_t pid;
	const char *comm;	/* the process's name, when known */
	const char *owner;	/* an endpoint's module */
};

/* Prints @ev; returns false once output failed (the monitor stops). */
typedef bool (*mon_emit_fn)(const struct mon_event *ev);

/* ---- mon_netlink.c ---------------------------------------------------- */
struct mon_nl {
	int fd;
	uint16_t family;	/* 0 while the module is not loaded */
	uint32_t group;
	uint32_t seq;
};

/*
 * Open the socket and join the group when the module is loaded (*@loaded
 * says whether). Family appearing or going later (module load, unload)
 * is followed through nlctrl's notifications. Returns 0 or -errno.
 */
int mon_nl_open(struct mon_nl *nl, bool *loaded);
/* Read what is pending and emit its events; false when emit failed. */
bool mon_nl_read(struct mon_nl *nl, mon_emit_fn emit);
void mon_nl_close(struct mon_nl *nl);

/* ---- mon_shm.c --------------------------------------------------------- */
struct mon_shm {
	int fd;				/* inotify on the segments' directory */
	struct kuc_shm_info *segs;	/* as last seen, sorted by name */
	size_t nsegs;
};

/* Watch the segments from now on (those present are not reported). */
int mon_shm_open(struct mon_shm *s);
/* Look again and emit the differences; false when emit failed. */
bool mon_shm_scan(struct mon_shm *s, mon_emit_fn emit);
void mon_shm_close(struct mon_shm *s);

#endif /* KUCCTL_MONITOR_H */
