/* SPDX-License-Identifier: MIT */
/*
 * kucsend's exit statuses. Scripts depend on these numbers and kucsend(1)
 * documents them: never renumber, only add.
 */
#ifndef KUCSEND_EXIT_CODES_H
#define KUCSEND_EXIT_CODES_H

enum kucsend_exit {
	KUCSEND_EXIT_OK		= 0,	/* success */
	KUCSEND_EXIT_FAILURE	= 1,	/* any other error (memory, output) */
	KUCSEND_EXIT_USAGE	= 2,	/* bad option or argument */
	KUCSEND_EXIT_INPUT	= 3,	/* bad message input: nothing was sent */
	KUCSEND_EXIT_CHANNEL	= 4,	/* cannot open, send or receive */
	KUCSEND_EXIT_TIMEOUT	= 5,	/* replies missing when --timeout ran out */
	KUCSEND_EXIT_MISMATCH	= 6,	/* a reply differs from --expect */
	/*
	 * Plus N: a load run stopped by signal N (SIGINT 130, SIGTERM 143),
	 * summary printed. kucsend then dies of N; a shell shows 128 + N.
	 */
	KUCSEND_EXIT_SIGNAL	= 128,
};

#endif /* KUCSEND_EXIT_CODES_H */
