// SPDX-License-Identifier: MIT
/*
 * kucctl create: create a device and optionally set its node's mode,
 * owner and group. Either all of it happens or none: every option is
 * checked before the device is created, and a device whose node cannot
 * be set up is removed again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
			kucctl_printable(mode, buf, sizeof(buf)));
	if (owner) {
		err = kucctl_parse_user(owner, &p->uid);
		if (err)
			return kucctl_usage_error(cmd, "--owner: %s user '%s'",
				err == -ENOENT ? "no such" : "invalid",
				kucctl_printable(owner, buf, sizeof(buf)));
	}
	if (group) {
		err = kucctl_parse_group(group, &p->gid);
		if (err)
			return kucctl_usage_error(cmd, "--group: %s group '%s'",
				err == -ENOENT ? "no such" : "invalid",
				kucctl_printable(group, buf, sizeof(buf)));
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

static int create_run(const struct kucctl_cmd *cmd, int argc,
		      const char **argv)
{
	char *mode = NULL, *owner = NULL, *group = NULL;
	struct poptOption opts[] = {
		{ "mode", '\0', POPT_ARG_STRING, &mode, 0, NULL, NULL },
		{ "owner", '\0', POPT_ARG_STRING, &owner, 0, NULL, NULL },
		{ "group", '\0', POPT_ARG_STRING, &group, 0, NULL, NULL },
		KUCCTL_HELP_OPTION,
		POPT_TABLEEND
	};
	char name[KUCOMMS_NAME_MAX + 1], path[KUC_PATH_MAX];
	struct create_perms perms;
	const char *step, *cause;
	poptContext ctx;
	int ret, err, rerr;

	ctx = poptGetContext(cmd->name, argc, argv, opts, 0);
	ret = kucctl_parse_opts(cmd, ctx);
	if (ret == KUCCTL_CONTINUE)
		ret = kucctl_name_arg(cmd, ctx, name, sizeof(name));
	if (ret == KUCCTL_CONTINUE)
		ret = create_parse_perms(cmd, mode, owner, group, &perms);
	if (ret != KUCCTL_CONTINUE)
		goto out;

	err = kuc_device_create(name);
	if (err) {
		ret = kucctl_fail(cmd->name, name, err);
		goto out;
	}
	ret = KUCCTL_EXIT_OK;
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
		kucctl_msg("%s %s: %s %s: %s; removing the device failed too: %s",
			   cmd->name, name, step, path, cause,
			   kuc_strerror(rerr));
	else
		kucctl_msg("%s %s: %s %s: %s; device removed again",
			   cmd->name, name, step, path, cause);
	ret = err == -EPERM || err == -EACCES ? KUCCTL_EXIT_PERM :
					       KUCCTL_EXIT_FAILURE;
out:
	poptFreeContext(ctx);
	free(mode);
	free(owner);
	free(group);
	return ret;
}

const struct kucctl_cmd kucctl_cmd_create = {
	.name = "create",
	.args = "NAME [--mode MODE] [--owner USER] [--group GROUP]",
	.summary = "create the device /dev/kucomms_NAME",
	.help =
"Create the device /dev/kucomms_NAME. NAME may carry the kucomms_ prefix\n"
"or not. The node is created with mode 0600, owned by root:root; the\n"
"options change that. If they cannot be applied, the device is removed\n"
"again.\n"
"\n"
"Options:\n"
"  --mode MODE    octal permission bits of the node, 0 to 0777\n"
"  --owner USER   owner of the node: a user name or a numeric id\n"
"  --group GROUP  group of the node: a group name or a numeric id\n"
"  -h, --help     show this help\n",
	.run = create_run,
};
