// SPDX-License-Identifier: MIT
/*
 * SIGINT and SIGTERM in load mode: a long run stopped by Ctrl-C (or by a
 * kill from a script) still prints its summary. The handler only notes
 * the signal; the exchange loop (exchange.c) sees it, stops sending,
 * waits briefly for the replies in flight, and kucsend then dies of the
 * same signal (kucsend_die_of()), as it would have without the handler.
 */
#include <signal.h>

#include "kucsend.h"

static volatile sig_atomic_t first_sig;	/* the first signal caught */
static volatile sig_atomic_t caught;	/* how many, up to 2 */

static void on_stop_signal(int sig)
{
	if (!first_sig)
		first_sig = sig;
	if (caught < 2)
		caught++;
}

/*
 * Catch SIGINT and SIGTERM. A signal ignored when kucsend started stays
 * ignored: a non-interactive shell ignores SIGINT in its background jobs
 * so that Ctrl-C stops only the foreground one. No SA_RESTART: the
 * signal must end the wait in kuc_wait() at once.
 */
void kucsend_catch_stop_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	struct sigaction sa = { .sa_handler = on_stop_signal }, old;
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(sigs); i++) {
		if (sigaction(sigs[i], NULL, &old) || old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

int kucsend_stop_signal(void)
{
	return first_sig;
}

bool kucsend_stopped_twice(void)
{
	return caught >= 2;
}

const char *kucsend_signal_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" :
	       "signal";
}

/*
 * Die of @sig with its default action, so that the parent sees a death
 * by signal (a shell running a script stops the script on a child's
 * SIGINT death, not on an exit status). Returns only if that failed:
 * the caller then exits with 128 + @sig, what a shell would report.
 */
void kucsend_die_of(int sig)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}
