// SPDX-License-Identifier: MIT
/*
 * kucctl create: create a device (or with --shm a shared-memory segment)
 * and optionally set its node's mode, owner and group. Either all of it
 * happens or none: every option is checked before the device is created,
 * and a device whose node cannot be set up is removed again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <kuc.h>
#include <kucomms/kucomms_shm.h>

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
 * Wait for the node of @name to appear. With devtmpfs (the usual case)
 * the kernel has made it before create_device returned; with a static
 * /dev, udev makes it shortly afterwards.
 */
static int create_wait_node(const char *name, struct kuc_device_info *info)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	int i, err;

	for (i = 0; i < 200; i++) {
		err = kuc_device_info(name, info);
		if (err || info->node_present)
			return err;
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}

/*
 * Apply @p to the node of @name. On failure, *@step and *@cause say what
 * went wrong and @path names the node.
 */
static int create_apply_perms(const char *name, const struct create_perms *p,
			      char *path, size_t size, const char **step,
			      const char **cause)
{
	struct kuc_device_info info;
	int err;

	*step = "find";
	snprintf(path, size, "/dev/%s", name);
	err = create_wait_node(name, &info);
	if (err) {
		*cause = err == -ETIMEDOUT ? "the node did not appear" :
					     kuc_strerror(err);
		return err;
	}
	snprintf(path, size, "%s", info.path);
	/* The mode last: chown(2) may clear bits that chmod(2) set. */
	*step = "chown";
	if ((p->uid != (uid_t)-1 || p->gid != (gid_t)-1) &&
	    chown(info.path, p->uid, p->gid))
		goto fail;
	*step = "chmod";
	if (p->set_mode && chmod(info.path, p->mode))
		goto fail;
	return 0;
fail:
	err = -errno;
	*cause = strerror(errno);
	return err;
}

/*
 * The segment /dev/shm/@name: created with the mode asked for (0600 by
 * default), then given its owner and group; removed again if that fails.
 */
static int create_shm(const struct kucctl_cmd *cmd, const char *name,
		      const char *size_arg, const struct create_perms *p)
{
	unsigned long long size = 0;
	char path[KUC_PATH_MAX], buf[128], *end;
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
	err = kuc_shm_create(name, size, p->set_mode ? p->mode : 0600);
	if (err)
		return kucctl_fail_shm(cmd->name, name, err);
	snprintf(path, sizeof(path), KUCOMMS_SHM_DIR "%s", name);
	if ((p->uid == (uid_t)-1 && p->gid == (gid_t)-1) ||
	    !chown(path, p->uid, p->gid))
		return TOOL_EXIT_OK;
	err = -errno;
	kuc_shm_remove(name);
	tool_msg("%s shm:%s: chown %s: %s; segment removed again",
		 cmd->name, name, path, strerror(-err));
	return err == -EPERM || err == -EACCES ? TOOL_EXIT_PERM :
						 TOOL_EXIT_FAILURE;
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
	char name[KUCOMMS_NAME_MAX + 1], path[KUC_PATH_MAX];
	struct create_perms perms;
	const char *step, *cause;
	poptContext ctx;
	bool shm = false;
	int ret, err, rerr;

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
	if (shm) {
		ret = create_shm(cmd, name, size, &perms);
		goto out;
	}

	err = kuc_device_create(name);
	if (err) {
		ret = kucctl_fail(cmd->name, name, err);
		goto out;
	}
	ret = TOOL_EXIT_OK;
	if (!perms.set_mode && perms.uid == (uid_t)-1 &&
	    perms.gid == (gid_t)-1)
		goto out;

	err = create_apply_perms(name, &perms, path, sizeof(path), &step,
				 &cause);
	if (!err)
		goto out;
	/* No half-made device: take it away again. */
	rerr = kuc_device_remove(name);
	if (rerr)
		tool_msg("%s %s: %s %s: %s; removing the device failed too: %s",
			 cmd->name, name, step, path, cause,
			 kuc_strerror(rerr));
	else
		tool_msg("%s %s: %s %s: %s; device removed again",
			 cmd->name, name, step, path, cause);
	ret = err == -EPERM || err == -EACCES ? TOOL_EXIT_PERM :
					       TOOL_EXIT_FAILURE;
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
"0600, owned by the caller, with rings of --size bytes.\n"
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
