// SPDX-License-Identifier: MIT
/*
 * kucctl create: create a device (or with --shm a shared-memory segment)
 * and optionally set its node's mode, owner and group. Either all of it
 * happens or none: every option is checked before the device is created,
 * and libkuc removes a device whose node (a segment whose file) cannot
 * be set up again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <kuc.h>

#include "kucctl.h"

/* What the options asked for; -1 or "no" means leave as created. */
struct create_perms {
	bool set_mode;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

static int create_parse_perms(const struct kucctl_cmd *cmd,
			      const char *mode, const char *owner,
			      const char *group, struct create_perms *p)
{
	char buf[128];
	int err;

	p->set_mode = mode;
	p->uid = (uid_t)-1;
	p->gid = (gid_t)-1;
	if (mode && kucctl_parse_mode(mode, &p->mode))
		return kucctl_usage_error(cmd,
			"--mode: invalid mode '%s', want octal 0 to 0777",
			tool_printable(mode, buf, sizeof(buf)));
	if (owner) {
		err = kucctl_parse_user(owner, &p->uid);
		if (err)
			return kucctl_usage_error(cmd, "--owner: %s user '%s'",
				err == -ENOENT ? "no such" : "invalid",
				tool_printable(owner, buf, sizeof(buf)));
	}
	if (group) {
		err = kucctl_parse_group(group, &p->gid);
		if (err)
			return kucctl_usage_error(cmd, "--group: %s group '%s'",
				err == -ENOENT ? "no such" : "invalid",
				tool_printable(group, buf, sizeof(buf)));
	}
	return KUCCTL_CONTINUE;
}

/*
 * The segment /dev/shm/@name, with the mode asked for (0600 by default),
 * owner and group: kuc_shm_create() applies them and removes the segment
 * again if it cannot.
 */
static int create_shm(const struct kucctl_cmd *cmd, const char *name,
		      const char *size_arg, const struct create_perms *p)
{
	unsigned long long size = 0;
	char buf[128], *end;
	int err;

	if (size_arg) {
		errno = 0;
		size = strtoull(size_arg, &end, 0);
		if (errno || *end || !kucomms_ring_size_valid(size))
			return kucctl_usage_error(cmd,
				"--size: invalid ring size '%s', want a power of two from %llu to %llu",
				tool_printable(size_arg, buf, sizeof(buf)),
				1ULL << KUCOMMS_RING_ORDER_MIN,
				1ULL << KUCOMMS_RING_ORDER_MAX);
	}
	err = kuc_shm_create(name, size, p->set_mode ? p->mode : 0600, p->uid,
			     p->gid);
	return err ? kucctl_fail_shm(cmd->name, name, err) : TOOL_EXIT_OK;
}

/*
 * The device @name: kuc_device_create() sets up its node and removes the
 * device again if it cannot.
 */
static int create_device(const struct kucctl_cmd *cmd, const char *name,
			 const struct create_perms *p)
{
	int err = kuc_device_create(name, p->set_mode ? p->mode : KUC_MODE_KEEP,
				    p->uid, p->gid);

	if (err == -ETIMEDOUT) {
		tool_msg("%s %s: its node did not appear in /dev; device removed again",
			 cmd->name, name);
		return TOOL_EXIT_FAILURE;
	}
	return err ? kucctl_fail(cmd->name, name, err) : TOOL_EXIT_OK;
}

static int create_run(const struct kucctl_cmd *cmd, int argc,
		      const char **argv)
{
	char *mode = NULL, *owner = NULL, *group = NULL, *size = NULL;
	int shm_opt = 0;
	struct poptOption opts[] = {
		{ "mode", '\0', POPT_ARG_STRING, &mode, 0, NULL, NULL },
		{ "owner", '\0', POPT_ARG_STRING, &owner, 0, NULL, NULL },
		{ "group", '\0', POPT_ARG_STRING, &group, 0, NULL, NULL },
		{ "shm", '\0', POPT_ARG_NONE, &shm_opt, 0, NULL, NULL },
		{ "size", '\0', POPT_ARG_STRING, &size, 0, NULL, NULL },
		KUCCTL_HELP_OPTION,
		POPT_TABLEEND
	};
	char name[KUCOMMS_NAME_MAX + 1];
	struct create_perms perms;
	poptContext ctx;
	bool shm = false;
	int ret;

	ctx = poptGetContext(cmd->name, argc, argv, opts, 0);
	ret = kucctl_parse_opts(cmd, ctx);
	if (ret == KUCCTL_CONTINUE)
		ret = kucctl_target_arg(cmd, ctx, name, sizeof(name), &shm);
	if (ret == KUCCTL_CONTINUE)
		ret = create_parse_perms(cmd, mode, owner, group, &perms);
	shm = shm || shm_opt;
	if (ret == KUCCTL_CONTINUE && size && !shm)
		ret = kucctl_usage_error(cmd, "--size needs --shm (a device's ring size is in /sys/class/kucomms/NAME/ring_size)");
	if (ret != KUCCTL_CONTINUE)
		goto out;
	ret = shm ? create_shm(cmd, name, size, &perms) :
		    create_device(cmd, name, &perms);
out:
	poptFreeContext(ctx);
	free(mode);
	free(owner);
	free(group);
	free(size);
	return ret;
}

const struct kucctl_cmd kucctl_cmd_create = {
	.name = "create",
	.args = "[--shm] NAME [--size BYTES] [--mode MODE] [--owner USER] [--group GROUP]",
	.summary = "create the device /dev/kucomms_NAME (--shm: a segment)",
	.help =
"Create the device /dev/kucomms_NAME. NAME may carry the kucomms_ prefix\n"
"or not. The node is created with mode 0600, owned by root:root; the\n"
"options change that. If they cannot be applied, the device is removed\n"
"again.\n"
"\n"
"With --shm (or NAME written shm:NAME), create the shared-memory segment\n"
"/dev/shm/kucomms_NAME instead: a channel between two processes that\n"
"needs no module and no root (see libkuc(3)). It is created with mode\n"
"0600, owned by the caller, with rings of --size bytes; --owner and\n"
"--group give it away (root only), and if they cannot, it is removed.\n"
"\n"
"Options:\n"
"  --shm          create a shared-memory segment, not a device\n"
"  --size BYTES   with --shm: bytes of each ring, a power of two from\n"
"                 4096 to 4194304 (default 65536)\n"
"  --mode MODE    octal permission bits of the node, 0 to 0777\n"
"  --owner USER   owner of the node: a user name or a numeric id\n"
"  --group GROUP  group of the node: a group name or a numeric id\n"
"  -h, --help     show this help\n",
	.run = create_run,
};
