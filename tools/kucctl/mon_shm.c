// SPDX-License-Identifier: MIT
/*
 * kucctl monitor's shm source. No process tells anyone when it attaches
 * to a segment, so the monitor looks: at every tick of the main loop
 * (100 ms) and at once when inotify reports a file created, removed or
 * renamed in /dev/shm, it lists the segments with kuc_shm_list() (what
 * kucctl list and show use: it reads each header as untrusted data and
 * takes a side as attached only while its OFD lock is held) and reports
 * the difference from the last look:
 *
 *   shm-add, shm-remove            a segment appeared or went
 *   server-attach, server-leave    its server (kuc_serve()) came or went
 *   client-attach, client-leave    its client came or went
 *
 * with the pid as written in the header, and the process name from
 * /proc when the process is still there. A client that came and went
 * between two looks is seen in the segment's connection count and
 * reported as an attach and a leave (without a pid: the header keeps
 * none once it left); a server that did the same, or a segment removed
 * and made again in that time, is not seen.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <kucomms/kucomms_shm.h>

#include "kucctl.h"
#include "monitor.h"

int mon_shm_open(struct mon_shm *s)
{
	uint32_t mask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO;
	int err;

	memset(s, 0, sizeof(*s));
	s->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->fd < 0)
		return -errno;
	if (inotify_add_watch(s->fd, KUCOMMS_SHM_DIR, mask) < 0) {
		err = -errno;
		close(s->fd);
		s->fd = -1;
		return err;
	}
	err = kuc_shm_list(&s->segs, &s->nsegs);
	if (err)
		mon_shm_close(s);
	return err;
}

void mon_shm_close(struct mon_shm *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	kuc_shm_list_free(s->segs);
	s->segs = NULL;
	s->nsegs = 0;
}

/* The name of process @pid from /proc, or NULL once it is gone. */
static const char *mon_shm_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;
	bool ok;

	if (pid <= 0)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	if (!ok)
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static bool mon_shm_emit(mon_emit_fn emit, const char *event,
			 const char *name, bool has_pid, pid_t pid)
{
	struct mon_event ev = {
		.source = "shm", .event = event, .name = name,
		.has_pid = has_pid && pid > 0, .pid = (uint64_t)pid,
	};
	char comm[64];

	if (ev.has_pid)
		ev.comm = mon_shm_comm(pid, comm, sizeof(comm));
	return emit(&ev);
}

/* One side as seen at a look. */
struct mon_side {
	bool attached;
	pid_t pid;
	uint32_t count;		/* clients so far (0 for the server) */
};

/* Clients that came and went unseen, reported at most (per look). */
#define MON_SHM_MISSED_MAX 64

/*
 * A side that changed: leave of the old one, attach of the new one. A
 * new pid, or a higher count with the same pid, is a new attachment.
 * Count rises not explained by what is attached now are clients that
 * came and went between two looks: an attach and a leave each, without
 * pid (a header is untrusted: at most MON_SHM_MISSED_MAX of them).
 */
static bool mon_shm_side(mon_emit_fn emit, const char *name,
			 const char *attach, const char *leave,
			 const struct mon_side *was, const struct mon_side *now)
{
	uint32_t delta = now->count > was->count ? now->count - was->count : 0;
	bool again = delta || now->pid != was->pid;
	bool fresh = now->attached && (!was->attached || again);

	if (was->attached && (!now->attached || again) &&
	    !mon_shm_emit(emit, leave, name, true, was->pid))
		return false;
	if (fresh && delta)
		delta--;
	if (delta > MON_SHM_MISSED_MAX)
		delta = MON_SHM_MISSED_MAX;
	for (; delta; delta--)
		if (!mon_shm_emit(emit, attach, name, false, 0) ||
		    !mon_shm_emit(emit, leave, name, false, 0))
			return false;
	return !fresh || mon_shm_emit(emit, attach, name, true, now->pid);
}

/* Segment @was (NULL: new) is now @now (NULL: gone). */
static bool mon_shm_diff(mon_emit_fn emit, const struct kuc_shm_info *was,
			 const struct kuc_shm_info *now)
{
	struct mon_side ws = { 0 }, ns = { 0 }, wc = { 0 }, nc = { 0 };

	if (!now)
		return mon_shm_emit(emit, "shm-remove", was->name, false, 0);
	if (!was && !mon_shm_emit(emit, "shm-add", now->name, false, 0))
		return false;
	if (was) {
		ws = (struct mon_side){ was->server_attached, was->server_pid, 0 };
		wc = (struct mon_side){ was->client_attached, was->client_pid,
					was->connections };
	}
	else	/* new: its past clients are not news */
		wc.count = now->connections;
	ns = (struct mon_side){ now->server_attached, now->server_pid, 0 };
	nc = (struct mon_side){ now->client_attached, now->client_pid,
				now->connections };
	/* A pid only counts while its side is attached. */
	if (!ws.attached)
		ws.pid = 0;
	if (!ns.attached)
		ns.pid = 0;
	return mon_shm_side(emit, now->name, "server-attach", "server-leave",
			    &ws, &ns) &&
	       mon_shm_side(emit, now->name, "client-attach", "client-leave",
			    &wc, &nc);
}

static void mon_shm_drain(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

bool mon_shm_scan(struct mon_shm *s, mon_emit_fn emit)
{
	struct kuc_shm_info *segs = NULL;
	size_t n = 0, i = 0, j = 0;
	bool ok = true;

	mon_shm_drain(s->fd);
	/* Out of memory or the like: try again at the next tick. */
	if (kuc_shm_list(&segs, &n))
		return true;
	/* Both lists are sorted by name: merge them. */
	while (ok && (i < s->nsegs || j < n)) {
		int c = i == s->nsegs ? 1 : j == n ? -1 :
			strcmp(s->segs[i].name, segs[j].name);

		if (c < 0)
			ok = mon_shm_diff(emit, &s->segs[i++], NULL);
		else if (c > 0)
			ok = mon_shm_diff(emit, NULL, &segs[j++]);
		else
			ok = mon_shm_diff(emit, &s->segs[i++], &segs[j++]);
	}
	kuc_shm_list_free(s->segs);
	s->segs = segs;
	s->nsegs = n;
	return ok;
}
