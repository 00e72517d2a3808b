// SPDX-License-Identifier: GPL-2.0
/*
 * kucbench_genl: a generic netlink echo, the benchmark's reference for
 * kucomms' device (bench/README). The family "kucbench" has one command,
 * KB_GENL_CMD_ECHO, whose payload after the genetlink header is a message
 * in kucomms' record format (a struct kucomms_msg_hdr and its data; no
 * attributes, as a netlink attribute cannot carry 64 KiB). The handler
 * runs in the sender's context and unicasts the payload back unchanged to
 * the sending socket. A sendmsg() may carry several requests (one
 * nlmsghdr each): each gets its own reply.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include <kucomms/kucomms_abi.h>

#define KB_GENL_NAME		"kucbench"
#define KB_GENL_VERSION		1
#define KB_GENL_CMD_ECHO	1

static struct genl_family kb_genl_family;

static int kb_genl_echo(struct sk_buff *skb, struct genl_info *info)
{
	const void *data = genlmsg_data(info->genlhdr);
	int len = nlmsg_len(info->nlhdr) - GENL_HDRLEN;
	struct kucomms_msg_hdr hdr;
	struct sk_buff *reply;
	void *head;

	if (len < (int)sizeof(hdr))
		return -EINVAL;
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.length != len - sizeof(hdr))
		return -EINVAL;
	reply = genlmsg_new(len, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	head = genlmsg_put_reply(reply, info, &kb_genl_family, 0,
				 KB_GENL_CMD_ECHO);
	if (!head) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	skb_put_data(reply, data, len);
	genlmsg_end(reply, head);
	return genlmsg_reply(reply, info);
}

static const struct genl_small_ops kb_genl_ops[] = {
	{
		.cmd = KB_GENL_CMD_ECHO,
		.doit = kb_genl_echo,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family kb_genl_family __ro_after_init = {
	.name = KB_GENL_NAME,
	.version = KB_GENL_VERSION,
	.maxattr = 0,
	.module = THIS_MODULE,
	.small_ops = kb_genl_ops,
	.n_small_ops = ARRAY_SIZE(kb_genl_ops),
	/*
	 * The payload is not attributes: commands from resv_start_op on get
	 * a policy that rejects every attribute, which would parse it.
	 */
	.resv_start_op = KB_GENL_CMD_ECHO + 1,
};

static int __init kb_genl_init(void)
{
	return genl_register_family(&kb_genl_family);
}

static void __exit kb_genl_exit(void)
{
	genl_unregister_family(&kb_genl_family);
}

module_init(kb_genl_init);
module_exit(kb_genl_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kucomms benchmark: generic netlink echo (reference)");
