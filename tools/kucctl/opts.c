// SPDX-License-Identifier: MIT
/* Option and argument handling shared by the subcommands (popt). */
#include <popt.h>

#include <kuc.h>

#include "kucctl.h"

/*
 * Run popt over a subcommand's options; the option table stores their
 * values. Returns KUCCTL_CONTINUE, or the exit status when --help was
 * given (help printed) or an option was bad (error printed).
 */
int kucctl_parse_opts(const struct kucctl_cmd *cmd, poptContext ctx)
{
	char buf[128];
	int rc;

	while ((rc = poptGetNextOpt(ctx)) > 0) {
		if (rc == KUCCTL_OPT_HELP) {
			kucctl_cmd_help(cmd);
			return TOOL_EXIT_OK;
		}
	}
	if (rc < -1)
		return kucctl_usage_error(cmd, "%s: %s",
			tool_printable(poptBadOption(ctx,
					 POPT_BADOPTION_NOALIAS),
					 buf, sizeof(buf)),
			poptStrerror(rc));
	return KUCCTL_CONTINUE;
}

/* Take the one positional argument, called @what in messages. */
int kucctl_one_arg(const struct kucctl_cmd *cmd, poptContext ctx,
		   const char *what, const char **arg)
{
	const char **args = poptGetArgs(ctx);
	char buf[128];

	if (!args || !args[0])
		return kucctl_usage_error(cmd, "missing %s", what);
	if (args[1])
		return kucctl_usage_error(cmd, "unexpected argument '%s'",
			tool_printable(args[1], buf, sizeof(buf)));
	*arg = args[0];
	return KUCCTL_CONTINUE;
}

/*
 * Take the one positional argument, a device name with or without the
 * kucomms_ prefix, and store its full form in @name (@size bytes).
 */
int kucctl_name_arg(const struct kucctl_cmd *cmd, poptContext ctx,
		    char *name, size_t size)
{
	const char *arg;
	int ret, err;

	ret = kucctl_one_arg(cmd, ctx, "NAME", &arg);
	if (ret != KUCCTL_CONTINUE)
		return ret;
	err = kuc_name_normalize(arg, name, size);
	return err ? kucctl_name_error(cmd->name, arg, err) : KUCCTL_CONTINUE;
}

int kucctl_no_args(const struct kucctl_cmd *cmd, poptContext ctx)
{
	const char *arg = poptGetArg(ctx);
	char buf[128];

	if (arg)
		return kucctl_usage_error(cmd, "unexpected argument '%s'",
			tool_printable(arg, buf, sizeof(buf)));
	return KUCCTL_CONTINUE;
}

/*
 * As kucctl_name_arg(), for commands that take a device or a shm segment:
 * "shm:NAME" (or --shm, passed in *@shm) selects the segment
 * /dev/shm/kucomms_NAME, and *@shm tells which one it is.
 */
int kucctl_target_arg(const struct kucctl_cmd *cmd, poptContext ctx,
		      char *name, size_t size, bool *shm)
{
	enum kuc_kind kind;
	const char *arg;
	int ret, err;

	ret = kucctl_one_arg(cmd, ctx, "NAME", &arg);
	if (ret != KUCCTL_CONTINUE)
		return ret;
	err = kuc_spec_parse(arg, &kind, name, size);
	if (err)
		return kucctl_name_error(cmd->name, arg, err);
	if (kind == KUC_KIND_SHM)
		*shm = true;
	return KUCCTL_CONTINUE;
}

void kucctl_out_init(struct tool_out *o, int json, int pretty)
{
	pretty |= kucctl_pretty;
	tool_out_init(o, stdout, json || kucctl_json || pretty, pretty);
}
