// SPDX-License-Identifier: MIT
/*
 * kucctl show: one device's settings and figures (connections, ring size,
 * traffic each way, ring-full events, wakeups, protocol errors, the bound
 * endpoint), or one shared-memory segment's state and any problem with
 * it, as "key: value" lines or as JSON (schema in kucctl(8)).
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>

#include <kuc.h>

#include "kucctl.h"

/* The figures in the order shown; the JSON keys are the same names. */
#define SHOW_FIELDS(X)							\
	X(ring_size) X(max_connections) X(connections)			\
	X(msgs_in) X(bytes_in) X(msgs_out) X(bytes_out)			\
	X(ring_full) X(kicks) X(wakeups) X(protocol_errors)		\
	X(work_runs) X(timer_runs)

static int show_text(const char *name, const struct kuc_device_stats *st)
{
	printf("%-16s %s\n", "name:", name);
	printf("%-16s %s\n", "kind:", "device");
	printf("%-16s %s\n", "endpoint:", st->endpoint);
#define X(f) printf("%-16s %" PRIu64 "\n", #f ":", st->f);
	SHOW_FIELDS(X)
#undef X
	return TOOL_EXIT_OK;
}

static int show_json(const char *name, const struct kuc_device_stats *st)
{
	json_t *root = json_pack("{s:s, s:s, s:s}", "name", name,
				 "kind", "device", "endpoint", st->endpoint);
	int bad = !root;

#define X(f) bad |= !root || json_object_set_new(root, #f,		\
					json_integer((json_int_t)st->f));
	SHOW_FIELDS(X)
#undef X
	if (bad) {
		json_decref(root);
		tool_msg("show: out of memory");
		return TOOL_EXIT_FAILURE;
	}
	json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(root);
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

/* A side of a segment: "pid N" while its attach lock is held, or "none". */
static const char *show_side(const struct kuc_shm_info *si, bool attached,
			     pid_t pid, char *buf, size_t size)
{
	if (!shm_known(si))
		return "unknown";
	if (attached)
		snprintf(buf, size, "pid %ld", (long)pid);
	else
		snprintf(buf, size, "none");
	return buf;
}

/* In JSON: the pid as a number, or null for none (or unknown). */
static json_t *side_json(const struct kuc_shm_info *si, bool attached,
			 pid_t pid)
{
	return shm_known(si) && attached ? json_integer(pid) : NULL;
}

static json_t *u64_json(const struct kuc_shm_info *si, uint64_t v)
{
	return shm_known(si) ? json_integer((json_int_t)v) : NULL;
}

static void show_shm_text(const struct kuc_shm_info *si, const char *mode,
			  const char *owner, const char *group)
{
	char server[32], client[32], ring[24], conns[24];

	snprintf(ring, sizeof(ring), "%" PRIu64, si->ring_size);
	snprintf(conns, sizeof(conns), "%" PRIu32, si->connections);
	printf("%-16s %s\n", "name:", si->name);
	printf("%-16s %s\n", "kind:", "shm");
	printf("%-16s %s\n", "path:", si->path);
	printf("%-16s %s\n", "mode:", mode);
	printf("%-16s %s\n", "owner:", owner);
	printf("%-16s %s\n", "group:", group);
	printf("%-16s %" PRIu64 "\n", "size:", si->size);
	printf("%-16s %s\n", "ring_size:", shm_known(si) ? ring : "unknown");
	printf("%-16s %s\n", "server:", show_side(si, si->server_attached,
		si->server_pid, server, sizeof(server)));
	printf("%-16s %s\n", "client:", show_side(si, si->client_attached,
		si->client_pid, client, sizeof(client)));
	printf("%-16s %s\n", "connections:", shm_known(si) ? conns : "unknown");
	printf("%-16s %s\n", "problem:", si->problem[0] ? si->problem : "none");
}

static int show_shm(const char *name, bool json)
{
	char owner[256], group[256], mode[8];
	struct kuc_shm_info si;
	json_t *root;
	int err = kuc_shm_info(name, &si);

	if (err)
		return kucctl_fail_shm("show", name, err);
	kucctl_user_name(si.uid, owner, sizeof(owner));
	kucctl_group_name(si.gid, group, sizeof(group));
	snprintf(mode, sizeof(mode), "%04o", (unsigned int)si.mode);
	if (!json) {
		show_shm_text(&si, mode, owner, group);
		return TOOL_EXIT_OK;
	}
	root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o?, s:o?, s:o?,"
			 " s:o?, s:s?}",
			 "name", si.name, "kind", "shm", "path", si.path,
			 "mode", mode, "owner", owner, "group", group,
			 "size", (json_int_t)si.size,
			 "ring_size", u64_json(&si, si.ring_size),
			 "server", side_json(&si, si.server_attached,
					     si.server_pid),
			 "client", side_json(&si, si.client_attached,
					     si.client_pid),
			 "connections", u64_json(&si, si.connections),
			 "problem", si.problem[0] ? si.problem : NULL);
	if (!root) {
		tool_msg("show: out of memory");
		return TOOL_EXIT_FAILURE;
	}
	json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(root);
	return TOOL_EXIT_OK;
}

static int show_run(const struct kucctl_cmd *cmd, int argc, const char **argv)
{
	int json = 0, shm_opt = 0;
	struct poptOption opts[] = {
		{ "json", '\0', POPT_ARG_NONE, &json, 0, NULL, NULL },
		{ "shm", '\0', POPT_ARG_NONE, &shm_opt, 0, NULL, NULL },
		KUCCTL_HELP_OPTION,
		POPT_TABLEEND
	};
	char name[KUCOMMS_NAME_MAX + 1];
	struct kuc_device_stats st;
	poptContext ctx;
	bool shm = false;
	int ret, err;

	ctx = poptGetContext(cmd->name, argc, argv, opts, 0);
	ret = kucctl_parse_opts(cmd, ctx);
	if (ret == KUCCTL_CONTINUE)
		ret = kucctl_target_arg(cmd, ctx, name, sizeof(name), &shm);
	if (ret != KUCCTL_CONTINUE)
		goto out;
	if (shm || shm_opt) {
		ret = show_shm(name, json);
		goto out;
	}
	err = kuc_device_stats(name, &st);
	if (err) {
		ret = kucctl_fail(cmd->name, name, err);
		goto out;
	}
	ret = json ? show_json(name, &st) : show_text(name, &st);
out:
	poptFreeContext(ctx);
	return ret;
}

const struct kucctl_cmd kucctl_cmd_show = {
	.name = "show",
	.args = "[--shm] NAME [--json]",
	.summary = "show a device's (or segment's) settings, connections, traffic",
	.help =
"Show the device /dev/kucomms_NAME: the module bound to its name (or\n"
"none), ring size and connection limit for new connections, open\n"
"connections, messages and bytes each way since it was created (in:\n"
"userspace to kernel, out: kernel to userspace), ring-full events, wakeup\n"
"calls from userspace (kicks) and wakeups of userspace (wakeups),\n"
"connections broken by a corrupt ring, and how often the endpoint's work\n"
"and timer handlers ran. With --json, one JSON object with the same keys.\n"
"\n"
"With --shm (or shm:NAME), show the segment /dev/shm/kucomms_NAME: its\n"
"file's mode, owner, group and size, its ring size, the server and the\n"
"client attached now (by pid) or none, the connections made so far, and\n"
"the problem that makes a stale or corrupted segment unusable (or none);\n"
"what the problem hides (an unreadable segment's ring size, server,\n"
"client, connections) is shown as unknown (null in JSON).\n"
"\n"
"Options:\n"
"  --json      print JSON instead of key: value lines\n"
"  --shm       show a shared-memory segment, not a device\n"
"  -h, --help  show this help\n",
	.run = show_run,
};
