/* SPDX-License-Identifier: MIT */
/*
 * What the interactive mode's files share (kucsend_repl() in repl.c):
 * its one state, R, and the calls between the loop (repl.c), the screen
 * and input (repl_term.c) and the commands (repl_cmds.c).
 */
#ifndef KUCSEND_REPL_H
#define KUCSEND_REPL_H

#include <signal.h>

#include "kucsend.h"

/* The session's state: one per process, as there is one terminal. */
struct repl {
	const struct kucsend_opts *o;
	struct kuc_channel *ch;
	enum kucsend_format format;
	enum tool_data_mode data_mode;
	char *history;		/* file, or NULL for none */
	bool tty;		/* standard input is a terminal: readline */
	int status;		/* the first error's exit status, or 0 */
	char *pending;		/* not a terminal: input not yet run */
	size_t npending;
	bool eof;
	bool quit;
	bool prompt_shown;	/* readline owns the current screen line */
	/* A wait command in progress. */
	bool waiting;
	uint64_t wait_left, wait_want;
	double wait_deadline;
	void *buf;
	size_t bufsz;
};
extern struct repl R;

/* ---- repl.c: the loop and the channel ------------------------------- */

/* Close the channel; @err (or 0 when asked to) says why. */
void repl_disconnect(int err);
/* Open R.o->channel into R.ch, with a receive buffer: 0 or an error. */
int repl_connect(void);

/* ---- repl_term.c: the screen and the input -------------------------- */

/*
 * Print a line of output. While the prompt is up, take the line being
 * edited off the screen first and put it back after: readline's own
 * buffer is untouched.
 */
__attribute__((format(printf, 1, 2)))
void repl_out(const char *fmt, ...);
/*
 * What happened to the channel or a command (@prefix "error: " for an
 * error): on a terminal a line among the messages, for the one typing;
 * from a pipe or file a "kucsend: ..." line on stderr, so that stdout
 * holds the messages alone, as in a one-shot run.
 */
__attribute__((format(printf, 2, 3)))
void repl_notice(const char *prefix, const char *fmt, ...);

/* An error, remembered as the exit status for input from a pipe. */
#define repl_fail(st, ...) do {						\
	if (!R.status)							\
		R.status = (st);					\
	repl_notice("error: ", __VA_ARGS__);				\
} while (0)

/* A received message, shown as the output's format says. */
void repl_show_msg(const struct kucomms_msg_hdr *h, const void *data);
/* The history file (--history, else ~/.kucsend_history), read in. */
void repl_history_open(void);
/* On a terminal: put the prompt up unless a wait or the end holds it. */
void repl_show_prompt(void);
/* Not a terminal: read what standard input has, run its whole lines. */
void repl_read_lines(void);
void repl_run_pending(void);

/* ---- repl_cmds.c: the commands -------------------------------------- */

/* Run one line: a message ({ or [) or a command of the table. */
void repl_run_line(char *line);

#endif /* KUCSEND_REPL_H */
