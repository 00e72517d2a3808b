/* SPDX-License-Identifier: MIT */
/*
 * The one error reporter of the tools. Every message is exactly one line
 * on stderr, "PROGRAM: TEXT", written in one piece (scripts and logs rely
 * on it); control characters that reach it are shown as \xHH so that no
 * message can break the line. Causes come from libkuc's kuc_strerror()
 * with the hints a user needs (the modprobe hint for a missing module).
 */
#ifndef KUC_COMMON_TOOL_REPORT_H
#define KUC_COMMON_TOOL_REPORT_H

#include <stddef.h>

#include "printable.h"
#include "tool_exit.h"

/* Room for one message; longer ones are cut. */
#define TOOL_MSG_MAX 1024

/* The program's name in every message ("kucctl"); set once in main(). */
void tool_set_name(const char *name);
const char *tool_name(void);

/* "PROGRAM: TEXT". */
__attribute__((format(printf, 1, 2)))
void tool_msg(const char *fmt, ...);

/* "PROGRAM: note: TEXT": not an error, the exit status is unchanged. */
__attribute__((format(printf, 1, 2)))
void tool_note(const char *fmt, ...);

/* "PROGRAM: TEXT (see 'PROGRAM --help')"; returns TOOL_EXIT_USAGE. */
__attribute__((format(printf, 1, 2)))
int tool_usage(const char *fmt, ...);

/*
 * What libkuc error @err means, with a hint where the usual remedy is
 * known: "kucomms module not loaded (try 'modprobe kucomms')".
 */
const char *tool_cause(int err);

/* "PROGRAM: WHAT: CAUSE"; returns tool_exit_for(@err). */
__attribute__((format(printf, 2, 3)))
int tool_error(int err, const char *fmt, ...);

/*
 * Output that never reached stdout (a full disk, a closed pipe) fails:
 * "PROGRAM: write error: CAUSE", and @status, or TOOL_EXIT_FAILURE where
 * @status is 0. @status unchanged when all was written.
 */
int tool_flush_stdout(int status);

#endif /* KUC_COMMON_TOOL_REPORT_H */
