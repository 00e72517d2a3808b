// SPDX-License-Identifier: MIT
/*
 * How a load run is going, while it runs: SIGUSR1 prints one status line
 * on stderr and the run carries on (as dd(1) does), and on a terminal a
 * run longer than a second keeps a live status line on stderr, redrawn
 * at most PROGRESS_EVERY apart and cleared before the summary. Never in
 * a pipe or a file: there it would only be noise to whatever reads it.
 */
#include <inttypes.h>
#include <signal.h>
#include <unistd.h>

#include "kucsend.h"

/* Seconds between redraws of the live line (and before the first). */
#define PROGRESS_EVERY	1.0

static volatile sig_atomic_t status_wanted;
static bool live;		/* stderr is a terminal */
static bool drawn;		/* the live line is on the screen */
static double next_draw;

static void on_usr1(int sig)
{
	(void)sig;
	status_wanted = 1;
}

void kucsend_progress_start(double t0)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	/* No SA_RESTART: the signal ends a wait so the line comes now. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	live = isatty(STDERR_FILENO);
	next_draw = t0 + PROGRESS_EVERY;
}

/* The figures so far; "lost" is only known at the end (see the summary). */
static void print_status(const struct kucsend_run *r, double now,
			 const char *start, const char *end)
{
	double secs = now - r->t0;
	uint64_t in_flight = r->sent > r->counted ? r->sent - r->counted : 0;

	fprintf(stderr, "%skucsend: sent=%" PRIu64 " received=%" PRIu64
		" in_flight=%" PRIu64 " seconds=%.3f msgs_per_sec=%.0f%s",
		start, r->sent, r->counted, in_flight, secs,
		secs > 0 ? (double)r->sent / secs : 0, end);
}

double kucsend_progress(const struct kucsend_run *r, double now)
{
	if (status_wanted) {
		status_wanted = 0;
		/* Its own line, below the live one if that is up. */
		print_status(r, now, drawn ? "\n" : "", "\n");
	}
	if (!live)
		return 0;
	if (now >= next_draw) {
		/* \r and erase to the end: the line is redrawn in place. */
		print_status(r, now, "\r", "\033[K");
		drawn = true;
		next_draw = now + PROGRESS_EVERY;
	}
	return next_draw;
}

void kucsend_progress_end(void)
{
	if (drawn)
		fputs("\r\033[K", stderr);
	drawn = false;
}
