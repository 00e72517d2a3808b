// SPDX-License-Identifier: MIT
/* The tools' error reporter: see tool_report.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <kuc.h>

#include "tool_report.h"

static const char *prog = "kucomms";

void tool_set_name(const char *name)
{
	prog = name;
}

const char *tool_name(void)
{
	return prog;
}

/*
 * Write "PROGRAM: PREFIX TEXT SUFFIX" as one line in one fprintf. Bytes
 * below 0x20 and DEL become \xHH: a name or a libc message with a newline
 * in it cannot split the line. UTF-8 passes through.
 */
static void emit(const char *prefix, const char *suffix, const char *fmt,
		 va_list ap)
{
	static const char hex[] = "0123456789abcdef";
	char raw[TOOL_MSG_MAX], line[TOOL_MSG_MAX];
	size_t o = 0;
	const char *s;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	for (s = raw; *s && o + 5 < sizeof(line); s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f) {
			line[o++] = '\\';
			line[o++] = 'x';
			line[o++] = hex[c >> 4];
			line[o++] = hex[c & 15];
		} else {
			line[o++] = (char)c;
		}
	}
	line[o] = '\0';
	fprintf(stderr, "%s: %s%s%s\n", prog, prefix, line, suffix);
}

void tool_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", "", fmt, ap);
	va_end(ap);
}

void tool_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("note: ", "", fmt, ap);
	va_end(ap);
}

int tool_usage(const char *fmt, ...)
{
	char suffix[64];
	va_list ap;

	snprintf(suffix, sizeof(suffix), " (see '%s --help')", prog);
	va_start(ap, fmt);
	emit("", suffix, fmt, ap);
	va_end(ap);
	return TOOL_EXIT_USAGE;
}

const char *tool_cause(int err)
{
	if (err == -ENODEV)
		return "kucomms module not loaded (try 'modprobe kucomms')";
	return kuc_strerror(err);
}

int tool_error(int err, const char *fmt, ...)
{
	char suffix[TOOL_MSG_MAX / 2];
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", tool_cause(err));
	va_start(ap, fmt);
	emit("", suffix, fmt, ap);
	va_end(ap);
	return tool_exit_for(err);
}

int tool_flush_stdout(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		tool_msg("write error: %s", strerror(errno));
		if (!status)
			status = TOOL_EXIT_FAILURE;
	}
	return status;
}
