// SPDX-License-Identifier: MIT
/*
 * kucctl monitor: live events, one line each, as ip monitor or udevadm
 * monitor print them, from the module (mon_netlink.c) and from the shm
 * segments (mon_shm.c). Runs until SIGINT or SIGTERM, then exits 0. The
 * signals are blocked but in ppoll(), so one cannot slip in between the
 * test of the flag and the wait.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <kucomms/kucomms_shm.h>

#include "kucctl.h"
#include "monitor.h"

/* How often the segments are looked at (ms). */
#define MON_SHM_TICK_MS 100

static volatile sig_atomic_t mon_stop;
static struct tool_out mon_out;

static void mon_on_signal(int sig)
{
	(void)sig;
	mon_stop = 1;
}

/* Now, as 2026-11-30T05:20:01.123456Z. */
static void mon_time(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%06ldZ", ts.tv_nsec / 1000);
}

/* A string from the kernel or /proc, made fit for a text line. */
static void mon_str(struct tool_out *o, const char *key, const char *fmt,
		    const char *s)
{
	char buf[256];

	if (!s)
		return;
	tool_out_str(o, key, fmt, o->json ? s : tool_printable(s, buf,
							      sizeof(buf)),
		     NULL);
}

/*
 * TIME SOURCE EVENT [NAME] [conn=N] [pid=N] [comm=NAME] [owner=MODULE];
 * JSON: the same keys, "name" for NAME. Flushed: works in a pipe.
 */
static bool mon_print(const struct mon_event *ev)
{
	struct tool_out *o = &mon_out;
	char now[40];

	mon_time(now, sizeof(now));
	tool_out_open(o, NULL);
	tool_out_str(o, "time", "%s", now, NULL);
	tool_out_str(o, "source", " %s", ev->source, NULL);
	tool_out_str(o, "event", " %s", ev->event, NULL);
	mon_str(o, "name", " %s", ev->name);
	if (ev->has_conn)
		tool_out_u64(o, "conn", " conn=%" PRIu64, ev->conn);
	if (ev->has_pid)
		tool_out_u64(o, "pid", " pid=%" PRIu64, ev->pid);
	mon_str(o, "comm", " comm=%s", ev->comm);
	mon_str(o, "owner", " owner=%s", ev->owner);
	tool_out_close(o);
	tool_out_text(o, "\n");
	return !fflush(stdout) && !ferror(stdout);
}

/* Milliseconds on the monotonic clock. */
static long long mon_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * The segments are looked at when inotify saw a file come or go, and
 * otherwise every MON_SHM_TICK_MS, however many kernel events arrive.
 */
static int mon_loop(struct mon_nl *nl, struct mon_shm *shm,
		    const sigset_t *waitmask)
{
	long long next = mon_now_ms() + MON_SHM_TICK_MS;
	struct pollfd fds[2];
	nfds_t n = 0;
	int inl = -1, ishm = -1;

	if (nl->fd >= 0) {
		inl = (int)n;
		fds[n++] = (struct pollfd){ .fd = nl->fd, .events = POLLIN };
	}
	if (shm->fd >= 0) {
		ishm = (int)n;
		fds[n++] = (struct pollfd){ .fd = shm->fd, .events = POLLIN };
	}
	while (!mon_stop) {
		long long left = next - mon_now_ms();
		struct timespec ts = { 0, 0 };
		int r;

		if (left > 0)
			ts = (struct timespec){ left / 1000,
						(left % 1000) * 1000000 };
		r = ppoll(fds, n, ishm >= 0 ? &ts : NULL, waitmask);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			tool_msg("monitor: poll: %s", strerror(errno));
			return TOOL_EXIT_FAILURE;
		}
		if (inl >= 0 && fds[inl].revents && !mon_nl_read(nl, mon_print))
			return TOOL_EXIT_FAILURE;
		if (ishm < 0 || (!fds[ishm].revents && mon_now_ms() < next))
			continue;
		if (!mon_shm_scan(shm, mon_print))
			return TOOL_EXIT_FAILURE;
		next = mon_now_ms() + MON_SHM_TICK_MS;
	}
	return TOOL_EXIT_OK;
}

static int monitor_run(const struct kucctl_cmd *cmd, int argc,
		       const char **argv)
{
	int json = 0, pretty = 0, kernel_only = 0, shm_only = 0;
	struct poptOption opts[] = {
		KUCCTL_JSON_OPTIONS(json, pretty),
		{ "kernel", '\0', POPT_ARG_NONE, &kernel_only, 0, NULL, NULL },
		{ "shm", '\0', POPT_ARG_NONE, &shm_only, 0, NULL, NULL },
		KUCCTL_HELP_OPTION,
		POPT_TABLEEND
	};
	struct mon_nl nl = { .fd = -1 };
	struct mon_shm shm = { .fd = -1 };
	struct sigaction sa = { .sa_handler = mon_on_signal };
	sigset_t block, waitmask;
	poptContext ctx;
	bool loaded;
	int ret, err;

	ctx = poptGetContext(cmd->name, argc, argv, opts, 0);
	ret = kucctl_parse_opts(cmd, ctx);
	if (ret == KUCCTL_CONTINUE)
		ret = kucctl_no_args(cmd, ctx);
	if (ret != KUCCTL_CONTINUE)
		goto out;
	if (kernel_only && shm_only) {
		ret = kucctl_usage_error(cmd, "--kernel and --shm exclude each other");
		goto out;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!shm_only) {
		err = mon_nl_open(&nl, &loaded);
		if (err) {
			ret = tool_error(err, "monitor: netlink");
			goto out;
		}
		if (!loaded)
			tool_note("kucomms module not loaded: watching for it%s",
				  kernel_only ? "" : " and the shm segments");
	}
	if (!kernel_only) {
		err = mon_shm_open(&shm);
		if (err) {
			ret = tool_error(err, "monitor: %s", KUCOMMS_SHM_DIR);
			goto out;
		}
	}
	kucctl_out_init(&mon_out, json, pretty);
	ret = mon_loop(&nl, &shm, &waitmask);
out:
	mon_nl_close(&nl);
	mon_shm_close(&shm);
	poptFreeContext(ctx);
	return ret;
}

const struct kucctl_cmd kucctl_cmd_monitor = {
	.name = "monitor",
	.args = "[-j] [--kernel|--shm]",
	.summary = "print live events of devices, connections and segments",
	.help =
"Print events as they happen, one line each, until interrupted (SIGINT\n"
"or SIGTERM: exit 0): devices added and removed, connections opened and\n"
"closed, endpoints registered and unregistered (from the module, over\n"
"generic netlink), shm segments added and removed, their servers and\n"
"clients attaching and leaving (by looking every 100 ms). A line is\n"
"TIME SOURCE EVENT NAME and key=value pairs (conn, pid, comm, owner);\n"
"with --json one JSON object per line with the same keys; kucctl(8)\n"
"lists the events. Without the module a note on stderr says so, the\n"
"segments are watched, and the module's events start when it is loaded.\n"
"\n"
"Options:\n"
"  -j, --json    one JSON object per event\n"
"  -p, --pretty  JSON, indented over several lines (implies -j)\n"
"      --kernel  the module's events only\n"
"      --shm     the segments' events only\n"
"  -h, --help    show this help\n",
	.run = monitor_run,
};
