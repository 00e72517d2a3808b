// SPDX-License-Identifier: MIT
/* kucctl remove: remove a device. */
#include <kuc.h>

#include "kucctl.h"

static int remove_run(const struct kucctl_cmd *cmd, int argc,
		      const char **argv)
{
	struct poptOption opts[] = {
		KUCCTL_HELP_OPTION,
		POPT_TABLEEND
	};
	char name[KUCOMMS_NAME_MAX + 1];
	poptContext ctx;
	int ret, err;

	ctx = poptGetContext(cmd->name, argc, argv, opts, 0);
	ret = kucctl_parse_opts(cmd, ctx);
	if (ret == KUCCTL_CONTINUE)
		ret = kucctl_name_arg(cmd, ctx, name, sizeof(name));
	if (ret != KUCCTL_CONTINUE)
		goto out;
	err = kuc_device_remove(name);
	ret = err ? kucctl_fail(cmd->name, name, err) : KUCCTL_EXIT_OK;
out:
	poptFreeContext(ctx);
	return ret;
}

const struct kucctl_cmd kucctl_cmd_remove = {
	.name = "remove",
	.args = "NAME",
	.summary = "remove the device /dev/kucomms_NAME",
	.help =
"Remove the device /dev/kucomms_NAME. NAME may carry the kucomms_ prefix\n"
"or not. Processes that have the device open keep it until they close it.\n"
"\n"
"Options:\n"
"  -h, --help  show this help\n",
	.run = remove_run,
};
