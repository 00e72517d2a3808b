// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: logs one WARNING when loaded. The harness self-test
 * loads it to prove that tests/vm/run fails a run whose kernel log holds
 * a warning, even when the command itself succeeded.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init kuc_warn_test_init(void)
{
	WARN(1, "kuc_warn_test: deliberate warning for the harness self-test\n");
	return 0;
}

static void __exit kuc_warn_test_exit(void)
{
}

module_init(kuc_warn_test_init);
module_exit(kuc_warn_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kucomms test harness self-test: warns on load");
