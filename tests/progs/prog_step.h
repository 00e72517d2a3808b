/* SPDX-License-Identifier: MIT */
/*
 * The step report of the check programs run by the VM suites: one line
 * per step, "ok NAME" or "FAIL NAME: WHY", flushed at once so that a
 * crash still shows how far the program got; failures counts the FAILs.
 */
#ifndef PROG_STEP_H
#define PROG_STEP_H

#include <stdio.h>

static int failures;

static void step(int ok, const char *name, const char *why)
{
	if (ok) {
		printf("ok %s\n", name);
	} else {
		printf("FAIL %s: %s\n", name, why);
		failures++;
	}
	fflush(stdout);
}

#endif
