/* SPDX-License-Identifier: MIT */
/*
 * The fatal error of a check program: one line on stderr, "PROG: WHAT"
 * or "PROG: WHAT: ERROR" for a negative errno value from libkuc, and the
 * exit status 1 to return with.
 */
#ifndef PROG_FAIL_H
#define PROG_FAIL_H

#include <errno.h>
#include <stdio.h>

#include <kuc.h>

static inline int prog_fail(const char *what, int err)
{
	if (err)
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name,
			what, kuc_strerror(err));
	else
		fprintf(stderr, "%s: %s\n", program_invocation_short_name,
			what);
	return 1;
}

#endif
