// SPDX-License-Identifier: GPL-2.0
/*
 * kuc_handmod: a module written by hand, not by the starter, that includes
 * only the installed <kucomms/kucomms_kernel.h>. It serves
 * /dev/kucomms_handmod: a message of type 1 comes back with its value
 * incremented; anything else is refused with a reply of type 0xffff.
 * Built with the kit on every kernel lane (scripts/check.sh, lane_build).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kucomms/kucomms_kernel.h>

static struct kucomms_endpoint *handmod_ep;

static void handmod_message(struct kucomms_endpoint *ep,
			    struct kucomms_conn *conn,
			    const struct kucomms_msg_hdr *hdr, const void *data)
{
	struct kucomms_msg_hdr reply = *hdr;

	if (hdr->type == 1) {
		reply.value = hdr->value + 1;
	} else {
		reply.type = 0xffff;
		reply.length = 0;
		data = NULL;
	}
	if (kucomms_send(conn, &reply, data))
		pr_warn_ratelimited("reply to connection %llu lost\n",
				    kucomms_conn_id(conn));
}

static const struct kucomms_endpoint_ops handmod_ops = {
	.message = handmod_message,
};

static int __init handmod_init(void)
{
	handmod_ep = kucomms_register("kucomms_handmod", &handmod_ops, NULL);
	return PTR_ERR_OR_ZERO(handmod_ep);
}

static void __exit handmod_exit(void)
{
	kucomms_unregister(handmod_ep);
}

module_init(handmod_init);
module_exit(handmod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kucomms test: a hand-written module built with the kit");
