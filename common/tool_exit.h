/* SPDX-License-Identifier: MIT */
/*
 * The exit statuses of every tool (kucctl, kucsend, kucdump): one number
 * per condition, whichever tool meets it, so that a script can test for
 * "no such segment" or "module not loaded" without knowing which tool
 * said it. kucomms-tools(7), "EXIT STATUS", documents the same table and
 * each tool's page points there. Scripts depend on these numbers: never
 * renumber, only add.
 */
#ifndef KUC_COMMON_TOOL_EXIT_H
#define KUC_COMMON_TOOL_EXIT_H

enum tool_exit {
	TOOL_EXIT_OK		= 0,	/* success */
	TOOL_EXIT_FAILURE	= 1,	/* any other error */
	TOOL_EXIT_USAGE		= 2,	/* bad command, option or argument */
	TOOL_EXIT_INPUT		= 3,	/* bad input (name, message, filter,
					 * capture): nothing done */
	TOOL_EXIT_NOT_FOUND	= 4,	/* no such device or segment */
	TOOL_EXIT_PERM		= 5,	/* permission denied */
	TOOL_EXIT_NO_MODULE	= 6,	/* the kucomms module is not loaded */
	TOOL_EXIT_PEER		= 7,	/* no peer, or the peer went away */
	TOOL_EXIT_TIMEOUT	= 8,	/* replies missing at the time-out */
	TOOL_EXIT_EXISTS	= 9,	/* already exists */
	TOOL_EXIT_BUSY		= 10,	/* a limit reached, or taken by another */
	TOOL_EXIT_MISMATCH	= 11,	/* a reply differs from kucsend --expect */
	/*
	 * Plus N: stopped by signal N with a summary printed; the tool then
	 * dies of N, and a shell shows 128 + N.
	 */
	TOOL_EXIT_SIGNAL	= 128,
};

/* The exit status for a negative errno from libkuc (0 for 0). */
int tool_exit_for(int err);

#endif /* KUC_COMMON_TOOL_EXIT_H */
