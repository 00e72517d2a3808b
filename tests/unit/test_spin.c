// SPDX-License-Identifier: MIT
/*
 * The adaptive spin of libkuc/spin.c: how a side's bound moves with how
 * its waits end. The times of the waits' ends are given, not measured
 * (kuc_spin_ended()), so nothing here depends on how fast the host is;
 * only the misses are real spins, on a pair's empty ring.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <kuc.h>

#include "../../libkuc/channel_internal.h"
#include "tap.h"

/* A real miss: spin on the empty ring for the bound, then "sleep". */
static bool miss(struct kuc_channel *ch)
{
	struct kuc_deadline dl = kuc_deadline(1000);

	return !kuc_spin(ch, &ch->rx_spin, true, 0, &dl);
}

/* @n waits that miss and end @ns after they began: how many missed. */
static int waits(struct kuc_channel *ch, int n, int64_t ns)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!miss(ch))
			break;
		kuc_spin_ended(&ch->rx_spin, ch->rx_spin.slept_from + ns);
	}
	return i;
}

int main(void)
{
	struct kuc_channel *a, *b;
	struct kuc_spin *sp;
	int64_t from, before;
	int i;

	if (kuc_pair_open(4096, &a, &b)) {
		TAP_OK(0, "pair opens");
		return tap_done();
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		TAP_OK(1, "# SKIP one CPU: kuc_spin() never spins");
		return tap_done();
	}
	sp = &b->rx_spin;
	TAP_OK(sp->ns == 10000, "a new side's bound is the maximum (%lld)",
	       (long long)sp->ns);
	TAP_OK(miss(b), "an empty ring: the spin misses");
	TAP_OK(sp->ns == 10000, "a first miss keeps the bound (%lld)",
	       (long long)sp->ns);
	TAP_OK(miss(b) && sp->ns == 5000, "a second in a row halves it (%lld)",
	       (long long)sp->ns);
	from = sp->slept_from;
	TAP_OK(from > 0, "and notes when the wait began");

	/* A wait of 3 us in all, spin and sleep: a spin would have had it. */
	kuc_spin_ended(sp, from + 3000);
	TAP_OK(sp->ns == 6000, "a wait that ended 3 us after it began sets "
	       "the bound to 6 us, as a catch would (%lld)", (long long)sp->ns);

	/* The 64 KiB case: every wait ~6 us, each ending in a sleep. */
	i = waits(b, 40, 6000);
	TAP_OK(i == 40 && sp->ns == 10000, "40 waits of 6 us that slept: the "
	       "bound stays at the maximum (%lld)", (long long)sp->ns);

	/* Long waits: halved from the second, the CPU bound kept. */
	i = waits(b, 9, 1000000);
	TAP_OK(i == 9 && sp->ns == 500, "9 waits of 1 ms: the bound is down at "
	       "the minimum (%lld)", (long long)sp->ns);

	/* One late answer among timely ones: the bound stays. */
	i = waits(b, 1, 2000);
	before = sp->ns;
	TAP_OK(i == 1 && before == 4000, "a wait of 2 us: the bound is 4 us "
	       "(%lld)", (long long)before);
	i = waits(b, 1, 1000000);
	TAP_OK(i == 1 && sp->ns == before, "then one long wait keeps it "
	       "(%lld)", (long long)sp->ns);
	before = sp->ns;
	kuc_spin_ended(sp, kuc_now_ns());
	TAP_OK(sp->ns == before, "an end reported twice changes nothing");
	kuc_close(a);
	kuc_close(b);
	return tap_done();
}
