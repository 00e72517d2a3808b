// SPDX-License-Identifier: MIT
/* kucctl remove: remove a device or (--shm) a shared-memory segment. */
#include <kuc.h>

#include "kucctl.h"

static int remove_run(const struct kucctl_cmd *cmd, int argc,
		      const char **argv)
{
	int shm_opt = 0;
	struct poptOption opts[] = {
		{ "shm", '\0', POPT_ARG_NONE, &shm_opt, 0, NULL, NULL },
		KUCCTL_HELP_OPTION,
		POPT_TABLEEND
	};
	char name[KUCOMMS_NAME_MAX + 1];
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
		err = kuc_shm_remove(name);
		ret = err ? kucctl_fail_shm(cmd->name, name, err) :
			    TOOL_EXIT_OK;
		goto out;
	}
	err = kuc_device_remove(name);
	ret = err ? kucctl_fail(cmd->name, name, err) : TOOL_EXIT_OK;
out:
	poptFreeContext(ctx);
	return ret;
}

const struct kucctl_cmd kucctl_cmd_remove = {
	.name = "remove",
	.args = "[--shm] NAME",
	.summary = "remove the device /dev/kucomms_NAME (--shm: a segment)",
	.help =
"Remove the device /dev/kucomms_NAME. NAME may carry the kucomms_ prefix\n"
"or not. Processes that have the device open keep it until they close it.\n"
"With --shm (or shm:NAME), remove the segment /dev/shm/kucomms_NAME;\n"
"processes attached to it keep their mappings until they close.\n"
"\n"
"Options:\n"
"  --shm       remove a shared-memory segment, not a device\n"
"  -h, --help  show this help\n",
	.run = remove_run,
};
