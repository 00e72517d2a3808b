// SPDX-License-Identifier: MIT
/*
 * kucctl show: one device's settings and figures (connections, ring size,
 * traffic each way, ring-full events, wakeups, protocol errors, the bound
 * endpoint), as "key: value" lines or as JSON (schema in kucctl(8)).
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
	return KUCCTL_EXIT_OK;
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
		kucctl_msg("show: out of memory");
		return KUCCTL_EXIT_FAILURE;
	}
	json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(root);
	return KUCCTL_EXIT_OK;
}

static int show_run(const struct kucctl_cmd *cmd, int argc, const char **argv)
{
	int json = 0;
	struct poptOption opts[] = {
		{ "json", '\0', POPT_ARG_NONE, &json, 0, NULL, NULL },
		KUCCTL_HELP_OPTION,
		POPT_TABLEEND
	};
	char name[KUCOMMS_NAME_MAX + 1];
	struct kuc_device_stats st;
	poptContext ctx;
	int ret, err;

	ctx = poptGetContext(cmd->name, argc, argv, opts, 0);
	ret = kucctl_parse_opts(cmd, ctx);
	if (ret == KUCCTL_CONTINUE)
		ret = kucctl_name_arg(cmd, ctx, name, sizeof(name));
	if (ret != KUCCTL_CONTINUE)
		goto out;
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
	.args = "NAME [--json]",
	.summary = "show a device's settings, connections and traffic",
	.help =
"Show the device /dev/kucomms_NAME: the module bound to its name (or\n"
"none), ring size and connection limit for new connections, open\n"
"connections, messages and bytes each way since it was created (in:\n"
"userspace to kernel, out: kernel to userspace), ring-full events, wakeup\n"
"calls from userspace (kicks) and wakeups of userspace (wakeups),\n"
"connections broken by a corrupt ring, and how often the endpoint's work\n"
"and timer handlers ran. With --json, one JSON object with the same keys.\n"
"\n"
"Options:\n"
"  --json      print JSON instead of key: value lines\n"
"  -h, --help  show this help\n",
	.run = show_run,
};
