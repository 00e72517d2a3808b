/* SPDX-License-Identifier: MIT */
/* Declarations shared by kucsend's source files. */
#ifndef KUCSEND_H
#define KUCSEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kuc.h>

#include "tool_data.h"		/* common/: data encodings, message JSON */
#include "tool_report.h"	/* common/: tool_msg(), exit statuses */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Room for one error message ("SRC:LINE:COL: message N: field ...: ..."). */
#define KUCSEND_ERR_MAX 1024

/* One JSON object per line, or one line of text per message. */
enum kucsend_format {
	KUCSEND_FORMAT_JSON,
	KUCSEND_FORMAT_HUMAN,
	KUCSEND_FORMAT_PRETTY,	/* JSON over several lines (-p) */
};

/* A message ready to send: header (length set) and its data. */
struct kucsend_msg {
	struct kucomms_msg_hdr hdr;
	unsigned char *data;	/* malloc'ed, NULL when hdr.length is 0 */
	char *where;		/* "SRC:LINE:COL: message N", for errors */
};

/* Every message of the input, validated, in order. */
struct kucsend_batch {
	struct kucsend_msg *msgs;
	size_t n, cap;
};

/* The command line (opts.c). */
struct kucsend_opts {
	const char *channel;
	const char **messages;	/* MESSAGE arguments, NULL-terminated */
	const char *file;	/* --file, "-" for stdin */
	const char *history;	/* --history */
	bool interactive;
	long long wait;		/* --wait N, -1 when not given */
	bool match_id;
	double timeout;		/* seconds */
	long long count;	/* --count, -1 when not given */
	double rate;		/* messages per second, 0 = as fast as possible */
	enum tool_data_mode data_mode;
	enum kucsend_format format;
	const char *expect;	/* --expect JSON (expect.c) */
};

/* opts.c: returns KUCSEND_CONTINUE or the exit status (help, error). */
#define KUCSEND_CONTINUE (-1)
int kucsend_parse_opts(int argc, const char **argv, struct kucsend_opts *o);
void kucsend_free_opts(void);

/* report.c: a channel error, with kucsend's hints; returns its status. */
int kucsend_channel_error(const char *op, const char *channel, int err);

/* jsonscan.c and input.c: messages from JSON text. */
void kucsend_batch_free(struct kucsend_batch *b);
int kucsend_parse_text(const char *src, char *text, size_t len,
		       struct kucsend_batch *b, char *err, size_t errsz);
int kucsend_read_file(const char *path, char **text, size_t *len,
		      size_t max);
int kucsend_check_sizes(const struct kucsend_batch *b, size_t msg_max,
			char *err, size_t errsz);

/* output.c: one received message, one line. */
void kucsend_print_msg(FILE *f, const struct kucomms_msg_hdr *hdr,
		       const void *data, enum kucsend_format format,
		       enum tool_data_mode mode);

/* exchange.c: send a batch and collect the replies. */
struct kucsend_run {
	struct kuc_channel *ch;
	const struct kucsend_batch *batch;
	/* count and want are lowered to what was sent by a stop signal. */
	uint64_t count;		/* messages to send, cycling the batch */
	double rate;		/* per second, 0 = as fast as possible */
	uint64_t want;		/* replies to wait for (without match_id) */
	bool match_id;		/* wait for one reply per message sent, by id */
	int timeout_ms;		/* longest wait after the last send */
	bool print;		/* print each reply counted */
	bool progress;		/* report progress (progress.c): load runs */
	enum kucsend_format format;
	enum tool_data_mode data_mode;
	/* Results. */
	uint64_t sent, received, counted;
	double t0;		/* when the first send was made */
	double seconds;
	int err;		/* the channel error that ended the run, or 0 */
	int interrupted;	/* the stop signal that ended the run, or 0 */
};
int kucsend_exchange(struct kucsend_run *r);
double kucsend_now(void);

/* signals.c: SIGINT and SIGTERM stop a load run (exchange.c looks). */
void kucsend_catch_stop_signals(void);
int kucsend_stop_signal(void);
bool kucsend_stopped_twice(void);
const char *kucsend_signal_name(int sig);
void kucsend_die_of(int sig);

/*
 * progress.c: SIGUSR1's status line and a live one on a terminal.
 * kucsend_progress() returns when it wants to be called next, or 0.
 */
void kucsend_progress_start(double t0);
double kucsend_progress(const struct kucsend_run *r, double now);
void kucsend_progress_end(void);

/* load.c: --count/--rate summary. */
void kucsend_print_summary(FILE *f, const struct kucsend_run *r,
			   uint64_t expected, enum kucsend_format format);

/* expect.c: --expect, checked on each reply counted. */
int kucsend_expect_setup(struct kucsend_opts *o);
void kucsend_expect_reply(const struct kucomms_msg_hdr *h, const void *data);
int kucsend_expect_finish(int status);

/* repl.c */
int kucsend_repl(const struct kucsend_opts *o);

/* repl_cmds.c: the interactive mode's commands (help, dispatch, completion). */
struct kucsend_repl_cmd {
	const char *name;		/* NULL ends the table */
	const char *args;		/* for help, or NULL */
	const char *const *values;	/* the argument's words, or NULL */
	bool json;			/* the arguments are messages */
	const char *same_as;		/* an alias: the command it names */
	const char *help;
	void (*run)(char *args);
};
extern const struct kucsend_repl_cmd kucsend_repl_cmds[];
/* The command @name, an alias resolved; NULL when there is none. */
const struct kucsend_repl_cmd *kucsend_repl_cmd(const char *name);

/* repl_complete.c */
void kucsend_complete_init(void);

#endif /* KUCSEND_H */
