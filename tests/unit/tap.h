/* SPDX-License-Identifier: MIT */
/*
 * Minimal TAP producer for the C unit tests. scripts/check.sh counts the
 * "ok" / "not ok" lines; a test binary also exits non-zero on any failure,
 * so it cannot pass by printing nothing.
 */
#ifndef KUC_TAP_H
#define KUC_TAP_H

#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

#define TAP_OK(cond, ...) do {						\
	int tap_c_ = !!(cond);						\
	printf("%s %d - ", tap_c_ ? "ok" : "not ok", ++tap_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!tap_c_) {							\
		tap_failed++;						\
		printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__,	\
		       #cond);						\
	}								\
} while (0)

/* Print the plan and return the process exit status. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed || tap_n == 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
