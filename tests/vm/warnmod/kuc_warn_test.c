// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: logs one WARNING when loaded. The harness self-test
 * loads it to prove that tests/vm/run fails a run whose kernel log holds
 * a warning, even when the command itself succeeded.
 *
 * With stall_s=N it does not warn but keeps its CPU busy for N seconds with
 * preemption off, a soft lockup once N is above twice the watchdog
 * threshold: the self-test's proof that the runner stops a stalled VM.
 */
#include <linux/bug.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/preempt.h>

static unsigned int stall_s;
module_param(stall_s, uint, 0444);
MODULE_PARM_DESC(stall_s, "instead of warning, spin this many seconds with preemption off");

static int __init kuc_warn_test_init(void)
{
	unsigned long end;

	if (!stall_s) {
		WARN(1, "kuc_warn_test: deliberate warning for the harness self-test\n");
		return 0;
	}
	end = jiffies + stall_s * HZ;
	preempt_disable();
	while (time_before(jiffies, end))
		cpu_relax();
	preempt_enable();
	return 0;
}

static void __exit kuc_warn_test_exit(void)
{
}

module_init(kuc_warn_test_init);
module_exit(kuc_warn_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kucomms test harness self-test: warns (or stalls) on load");
