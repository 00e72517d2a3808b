// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: leaks one allocation when loaded. The debug-kernel
 * lane loads it first to prove that its kmemleak check can fail at all.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

/* Shown in kmemleak's hex dump of the object: how the lane finds it. */
#define KUC_LEAK_MARK "kucomms-leak-canary"

static int __init kuc_leak_test_init(void)
{
	char *p = kzalloc(64, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	strscpy(p, KUC_LEAK_MARK, 64);
	/* Deliberately lost: the only reference dies with this frame. */
	pr_info("kuc_leak_test: leaking %p on purpose\n", p);
	return 0;
}

static void __exit kuc_leak_test_exit(void)
{
}

module_init(kuc_leak_test_init);
module_exit(kuc_leak_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kucomms test harness self-test: leaks on load");
