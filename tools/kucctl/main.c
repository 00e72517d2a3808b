// SPDX-License-Identifier: MIT
/*
 * kucctl: create, remove and list kucomms devices. This file handles the
 * global options and hands the rest of the command line to a subcommand.
 */
#include <errno.h>
#include <popt.h>
#include <stdio.h>
#include <string.h>

#include <kuc.h>

#include "kucctl.h"

static int help_run(const struct kucctl_cmd *cmd, int argc, const char **argv);

int kucctl_json, kucctl_pretty;

static const struct kucctl_cmd kucctl_cmd_helpcmd = {
	.name = "help",
	.args = "[COMMAND]",
	.summary = "show the help of kucctl or of a command",
	.help =
"Show the help of kucctl, or of COMMAND.\n",
	.run = help_run,
};

static const struct kucctl_cmd *const kucctl_cmds[] = {
	&kucctl_cmd_create,
	&kucctl_cmd_remove,
	&kucctl_cmd_list,
	&kucctl_cmd_show,
	&kucctl_cmd_monitor,
	&kucctl_cmd_helpcmd,
};

#define KUCCTL_NCMDS ARRAY_SIZE(kucctl_cmds)

static const struct kucctl_cmd *kucctl_find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < KUCCTL_NCMDS; i++)
		if (!strcmp(kucctl_cmds[i]->name, name))
			return kucctl_cmds[i];
	return NULL;
}

static void kucctl_help(void)
{
	size_t i;

	printf("Usage: kucctl [-j] [-p] [--help] [--version] COMMAND [ARGS]\n"
	       "\n"
	       "Create, remove, list and monitor kucomms devices (/dev/kucomms_NAME)\n"
	       "and shared-memory segments.\n"
	       "\n"
	       "Commands:\n");
	for (i = 0; i < KUCCTL_NCMDS; i++)
		printf("  %-7s %s\n", kucctl_cmds[i]->name,
		       kucctl_cmds[i]->summary);
	printf("\n"
	       "Options:\n"
	       "  -j, --json     JSON output (list, show, monitor)\n"
	       "  -p, --pretty   JSON, indented over several lines\n"
	       "  -h, --help     show this help\n"
	       "  -V, --version  show the version\n"
	       "\n"
	       "NAME may be given with or without the kucomms_ prefix. Run\n"
	       "'kucctl COMMAND --help' for a command's options; kucctl(8) has\n"
	       "the details.\n"
	       "\n"
	       "Exit status: 0 ok, 1 other error, 2 usage error, 3 invalid name,\n"
	       "4 no such device or segment, 5 permission denied, 6 module not\n"
	       "loaded, 9 already exists, 10 device limit reached; the same for\n"
	       "all kucomms tools, see kucomms-tools(7).\n");
}

void kucctl_cmd_help(const struct kucctl_cmd *cmd)
{
	printf("Usage: kucctl %s %s\n\n%s", cmd->name, cmd->args, cmd->help);
}

static int help_run(const struct kucctl_cmd *cmd, int argc, const char **argv)
{
	struct poptOption opts[] = {
		KUCCTL_HELP_OPTION,
		POPT_TABLEEND
	};
	const struct kucctl_cmd *topic;
	const char **args;
	poptContext ctx;
	char buf[128];
	int ret;

	ctx = poptGetContext(cmd->name, argc, argv, opts, 0);
	ret = kucctl_parse_opts(cmd, ctx);
	if (ret != KUCCTL_CONTINUE)
		goto out;
	args = poptGetArgs(ctx);
	if (!args || !args[0]) {
		kucctl_help();
		ret = TOOL_EXIT_OK;
	} else if (args[1]) {
		ret = kucctl_usage_error(cmd, "unexpected argument '%s'",
			tool_printable(args[1], buf, sizeof(buf)));
	} else {
		topic = kucctl_find_cmd(args[0]);
		if (topic) {
			kucctl_cmd_help(topic);
			ret = TOOL_EXIT_OK;
		} else {
			ret = kucctl_usage_error(cmd, "unknown command '%s'",
				tool_printable(args[0], buf, sizeof(buf)));
		}
	}
out:
	poptFreeContext(ctx);
	return ret;
}

int main(int argc, const char **argv)
{
	struct poptOption opts[] = {
		KUCCTL_HELP_OPTION,
		KUCCTL_JSON_OPTIONS(kucctl_json, kucctl_pretty),
		{ "version", 'V', POPT_ARG_NONE, NULL, 'V', NULL, NULL },
		POPT_TABLEEND
	};
	const struct kucctl_cmd *cmd;
	const char **args;
	poptContext ctx;
	char buf[128];
	int rc, n, status;

	tool_set_name("kucctl");
	/* Stop at the first non-option: the rest belongs to the command. */
	ctx = poptGetContext("kucctl", argc, argv, opts,
			     POPT_CONTEXT_POSIXMEHARDER);
	while ((rc = poptGetNextOpt(ctx)) > 0) {
		if (rc == KUCCTL_OPT_HELP) {
			kucctl_help();
			status = TOOL_EXIT_OK;
			goto out;
		}
		if (rc == 'V') {
			printf("kucctl %s\n", KUC_VERSION);
			status = TOOL_EXIT_OK;
			goto out;
		}
	}
	if (rc < -1) {
		status = kucctl_usage_error(NULL, "%s: %s",
			tool_printable(poptBadOption(ctx,
					 POPT_BADOPTION_NOALIAS),
					 buf, sizeof(buf)),
			poptStrerror(rc));
		goto out;
	}
	args = poptGetArgs(ctx);
	if (!args || !args[0]) {
		status = kucctl_usage_error(NULL, "missing command");
		goto out;
	}
	cmd = kucctl_find_cmd(args[0]);
	if (!cmd) {
		status = kucctl_usage_error(NULL, "unknown command '%s'",
			tool_printable(args[0], buf, sizeof(buf)));
		goto out;
	}
	for (n = 0; args[n]; n++)
		;
	status = cmd->run(cmd, n, args);
out:
	poptFreeContext(ctx);
	return tool_flush_stdout(status);
}
