// SPDX-License-Identifier: MIT
/*
 * kucctl show: one device's settings and figures (connections, ring size,
 * traffic each way, ring-full events, wakeups, protocol errors, the bound
 * endpoint), or one shared-memory segment's state and any problem with
 * it, as "key: value" lines or as JSON (schema in kucctl(8)).
 */
#include <inttypes.h>
#include <stdio.h>

#include <kuc.h>

#include "kucctl.h"

/*
 * A device's settings and figures from struct kuc_device_stats, in the
 * order shown; the JSON keys are the same names. X: always known; U:
 * KUC_STAT_UNKNOWN when the library could not read it (shown so).
 */
#define SHOW_FIELDS(X, U)						\
	X(ring_size) X(max_connections) U(poll_idle_us)			\
	X(connections) U(connections_held)				\
	X(msgs_in) X(bytes_in) X(msgs_out) X(bytes_out)			\
	X(ring_full) X(kicks) X(wakeups) X(protocol_errors)		\
	X(work_runs) X(timer_runs)

/* A segment's traffic: the device's names, where they mean something. */
#define SHOW_SHM_FIELDS(X)						\
	X(msgs_in) X(bytes_in) X(msgs_out) X(bytes_out)			\
	X(ring_full) X(kicks) X(wakeups) X(protocol_errors)

/*
 * The width of a text line's "key:", the longest key's ("connections_held:")
 * so that every value starts in the same column.
 */
#define LABEL_WIDTH	17

/*
 * One value, once: a "key: value" line, or the JSON member "key". The
 * text format is made from the key, so the two say the same.
 */
static const char *line_fmt(const char *key, const char *conv, char *buf,
			    size_t size)
{
	char label[32];

	snprintf(label, sizeof(label), "%s:", key);
	snprintf(buf, size, "%-*s %s\n", LABEL_WIDTH, label, conv);
	return buf;
}

static void show_u64(struct tool_out *o, const char *key, uint64_t v)
{
	char fmt[48];

	tool_out_u64(o, key, line_fmt(key, "%" PRIu64, fmt, sizeof(fmt)), v);
}

/* @s, or JSON null and @null_text for NULL. */
static void show_str(struct tool_out *o, const char *key, const char *s,
		     const char *null_text)
{
	char fmt[48];

	tool_out_str(o, key, line_fmt(key, "%s", fmt, sizeof(fmt)), s,
		     null_text);
}

/* @v, or unknown (JSON null) when it is not @known. */
static void show_u64_if(struct tool_out *o, const char *key, bool known,
			uint64_t v)
{
	if (known)
		show_u64(o, key, v);
	else
		show_str(o, key, NULL, "unknown");
}

static int show_device(const char *name, const struct kuc_device_stats *st,
		       struct tool_out *o)
{
	tool_out_open(o, NULL);
	show_str(o, "name", name, NULL);
	show_str(o, "kind", "device", NULL);
	show_str(o, "endpoint", st->endpoint, NULL);
#define X(f) show_u64(o, #f, st->f);
#define U(f) show_u64_if(o, #f, st->f != KUC_STAT_UNKNOWN, st->f);
	SHOW_FIELDS(X, U)
#undef U
#undef X
	tool_out_close(o);
	return TOOL_EXIT_OK;
}

/*
 * What only the segment's header tells (ring size, who is attached, the
 * connections) is unknown when it cannot be read or makes no sense: then
 * @problem says why, and these show "unknown" (JSON null), not zeros.
 */
static bool shm_known(const struct kuc_shm_info *si)
{
	return !si->problem[0];
}

/* A side of a segment: "pid N" (JSON: N) while its attach lock is held. */
static void show_side(struct tool_out *o, const char *key,
		      const struct kuc_shm_info *si, bool attached, pid_t pid)
{
	char text[32], fmt[48];

	if (!shm_known(si) || !attached) {
		show_str(o, key, NULL, shm_known(si) ? "none" : "unknown");
		return;
	}
	if (o->json) {
		tj_u64(&o->j, key, (uint64_t)pid);
		return;
	}
	snprintf(text, sizeof(text), "pid %ld", (long)pid);
	tool_out_str(o, key, line_fmt(key, "%s", fmt, sizeof(fmt)), text, NULL);
}

static int show_shm(const char *name, struct tool_out *o)
{
	char owner[256], group[256], mode[8];
	struct kuc_shm_info si;
	int err = kuc_shm_info(name, &si);

	if (err)
		return kucctl_fail_shm("show", name, err);
	kucctl_user_name(si.uid, owner, sizeof(owner));
	kucctl_group_name(si.gid, group, sizeof(group));
	snprintf(mode, sizeof(mode), "%04o", (unsigned int)si.mode);
	tool_out_open(o, NULL);
	show_str(o, "name", si.name, NULL);
	show_str(o, "kind", "shm", NULL);
	show_str(o, "path", si.path, NULL);
	show_str(o, "mode", mode, NULL);
	show_str(o, "owner", owner, NULL);
	show_str(o, "group", group, NULL);
	show_u64(o, "size", si.size);
	show_u64_if(o, "ring_size", shm_known(&si), si.ring_size);
	show_side(o, "server", &si, si.server_attached, si.server_pid);
	show_side(o, "client", &si, si.client_attached, si.client_pid);
	show_u64_if(o, "connections", shm_known(&si), si.connections);
#define X(f) show_u64_if(o, #f, shm_known(&si), si.f);
	SHOW_SHM_FIELDS(X)
#undef X
	show_str(o, "problem", si.problem[0] ? si.problem : NULL, "none");
	tool_out_close(o);
	return TOOL_EXIT_OK;
}

static int show_run(const struct kucctl_cmd *cmd, int argc, const char **argv)
{
	int json = 0, pretty = 0, shm_opt = 0;
	struct poptOption opts[] = {
		KUCCTL_JSON_OPTIONS(json, pretty),
		{ "shm", '\0', POPT_ARG_NONE, &shm_opt, 0, NULL, NULL },
		KUCCTL_HELP_OPTION,
		POPT_TABLEEND
	};
	char name[KUCOMMS_NAME_MAX + 1];
	struct kuc_device_stats st;
	struct tool_out o;
	poptContext ctx;
	bool shm = false;
	int ret, err;

	ctx = poptGetContext(cmd->name, argc, argv, opts, 0);
	ret = kucctl_parse_opts(cmd, ctx);
	if (ret == KUCCTL_CONTINUE)
		ret = kucctl_target_arg(cmd, ctx, name, sizeof(name), &shm);
	if (ret != KUCCTL_CONTINUE)
		goto out;
	kucctl_out_init(&o, json, pretty);
	if (shm || shm_opt) {
		ret = show_shm(name, &o);
		goto out;
	}
	err = kuc_device_stats(name, &st);
	if (err) {
		ret = kucctl_fail(cmd->name, name, err);
		goto out;
	}
	ret = show_device(name, &st, &o);
out:
	poptFreeContext(ctx);
	return ret;
}

const struct kucctl_cmd kucctl_cmd_show = {
	.name = "show",
	.args = "[--shm] NAME [-j] [-p]",
	.summary = "show a device's (or segment's) settings, connections, traffic",
	.help =
"Show the device /dev/kucomms_NAME: the module bound to its name (or\n"
"none), ring size and connection limit for new connections, how long\n"
"the endpoint's thread polls after the last message (poll_idle_us), open\n"
"connections and those whose memory is still held (connections_held:\n"
"open, or closed and not yet freed), messages and bytes each way since\n"
"it was created (in: userspace to kernel, out: kernel to userspace),\n"
"ring-full events, wakeup calls from userspace (kicks) and wakeups of\n"
"userspace (wakeups), connections broken by a corrupt ring, and how\n"
"often the endpoint's work and timer handlers ran. With --json, one JSON\n"
"object with the same keys (exact unsigned 64-bit numbers).\n"
"\n"
"With --shm (or shm:NAME), show the segment /dev/shm/kucomms_NAME: its\n"
"file's mode, owner, group and size, its ring size, the server and the\n"
"client attached now (by pid) or none, the connections made so far, the\n"
"traffic since it was made as its two sides count it (in: client to\n"
"server, out: server to client; ring-full events of either side; wakeup\n"
"calls of the client (kicks) and of the server (wakeups); clients\n"
"dropped for a broken ring), and the problem that makes a stale or\n"
"corrupted segment unusable (or none); what the problem hides (an\n"
"unreadable segment's ring size, server, client, connections, traffic)\n"
"is shown as unknown (null in JSON).\n"
"\n"
"Options:\n"
"  -j, --json    print JSON instead of key: value lines\n"
"  -p, --pretty  JSON, indented over several lines (implies -j)\n"
"      --shm     show a shared-memory segment, not a device\n"
"  -h, --help    show this help\n",
	.run = show_run,
};
