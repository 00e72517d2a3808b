// SPDX-License-Identifier: MIT
/* kucsend's command line (popt): options, their checks, --help. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <popt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kucsend.h"

static poptContext ctx;

static void help(void)
{
	printf(
"Usage: kucsend [OPTIONS] CHANNEL [MESSAGE...]\n"
"       kucsend -i [OPTIONS] CHANNEL\n"
"\n"
"Send messages described in JSON on a kucomms channel and print the replies.\n"
"CHANNEL is a device name, with or without the kucomms_ prefix, or shm:NAME.\n"
"A MESSAGE is a JSON object {\"type\": N, \"id\": N, \"value\": N, \"data\": D};\n"
"missing fields are 0 or empty, numbers go from 0 to 18446744073709551615,\n"
"and D is a string (sent as UTF-8), {\"hex\": \"...\"}, {\"base64\": \"...\"},\n"
"an array of byte values or {\"file\": \"PATH\"}. Without MESSAGE and without\n"
"--file, messages are read from standard input (JSON lines or a JSON array),\n"
"unless it is a terminal: then the interactive mode starts. The whole input\n"
"is checked before the first message goes out.\n"
"\n"
"Options:\n"
"  -f, --file PATH        read messages from PATH (- for standard input)\n"
"  -w, --wait N           wait for N replies (any id)\n"
"  -m, --match-id         wait for one reply per message sent, with its id\n"
"  -t, --timeout SECONDS  longest wait for replies after the last send\n"
"                         (default 5)\n"
"  -d, --data MODE        show data as auto (a string when printable UTF-8,\n"
"                         else hex; the default), text, hex or base64\n"
"  -F, --format FORMAT    json (one object per line, the default) or human\n"
"  -j, --json             the same as --format json\n"
"  -p, --pretty           JSON, indented over several lines\n"
"  -c, --count N          load mode: send N messages, cycling through the\n"
"                         given ones, expect one reply each (unless --wait)\n"
"                         and print a summary instead of the replies\n"
"  -r, --rate R           load mode: send at most R messages per second\n"
"  -i, --interactive      the interactive mode (readline; type 'help')\n"
"      --history PATH     its history file (default ~/.kucsend_history)\n"
"  -e, --expect JSON      check the replies, in order, against these messages\n"
"                         (only the fields given); waits for as many replies\n"
"                         (unless --wait or --match-id); a difference is\n"
"                         printed and makes the exit status 11\n"
"  -h, --help             show this help\n"
"  -V, --version          show the version\n"
"\n"
"Ctrl-C (SIGINT) or SIGTERM stops a load run: replies in flight are awaited\n"
"for at most 0.2 s, the summary is printed marked \"interrupted\", and\n"
"kucsend dies of that signal. SIGUSR1 prints a status line on stderr and\n"
"the run goes on; on a terminal a live one shows after the first second.\n"
"\n"
"Exit status: 0 ok, 1 other error, 2 bad usage, 3 bad input (nothing was\n"
"sent), 4 no such device or segment, 5 permission denied, 6 module not\n"
"loaded, 7 no endpoint or server (or it went away), 8 time-out (replies\n"
"missing), 10 connection limit, 11 a reply differs from --expect,\n"
"130/143 load run stopped by SIGINT/SIGTERM (128 + signal); the same for\n"
"all kucomms tools, see kucomms-tools(7).\n");
}

/* A whole number from 0 to LLONG_MAX. */
static int parse_count(const char *opt, const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno || end == s || *end || *out < 0 || s[0] == '-')
		return tool_usage("%s: expected a whole number, got '%s'",
				  opt, s);
	return KUCSEND_CONTINUE;
}

/* A number of seconds (or a rate): finite, >= 0, at most @max. */
static int parse_real(const char *opt, const char *s, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(*out) || *out < 0 ||
	    *out > max)
		return tool_usage("%s: expected a number from 0 to %.0f, got '%s'",
				  opt, max, s);
	return KUCSEND_CONTINUE;
}

int kucsend_parse_opts(int argc, const char **argv, struct kucsend_opts *o)
{
	char *wait = NULL, *timeout = NULL, *data = NULL, *format = NULL;
	char *count = NULL, *rate = NULL, *file = NULL, *history = NULL;
	char *expect = NULL;
	int interactive = 0, match_id = 0, json = 0, pretty = 0, rc;
	int ret = KUCSEND_CONTINUE;
	struct poptOption table[] = {
		{ "file", 'f', POPT_ARG_STRING, &file, 0, NULL, NULL },
		{ "wait", 'w', POPT_ARG_STRING, &wait, 0, NULL, NULL },
		{ "match-id", 'm', POPT_ARG_NONE, &match_id, 0, NULL, NULL },
		{ "timeout", 't', POPT_ARG_STRING, &timeout, 0, NULL, NULL },
		{ "data", 'd', POPT_ARG_STRING, &data, 0, NULL, NULL },
		{ "format", 'F', POPT_ARG_STRING, &format, 0, NULL, NULL },
		{ "json", 'j', POPT_ARG_NONE, &json, 0, NULL, NULL },
		{ "pretty", 'p', POPT_ARG_NONE, &pretty, 0, NULL, NULL },
		{ "count", 'c', POPT_ARG_STRING, &count, 0, NULL, NULL },
		{ "rate", 'r', POPT_ARG_STRING, &rate, 0, NULL, NULL },
		{ "interactive", 'i', POPT_ARG_NONE, &interactive, 0, NULL, NULL },
		{ "history", 0, POPT_ARG_STRING, &history, 0, NULL, NULL },
		{ "expect", 'e', POPT_ARG_STRING, &expect, 0, NULL, NULL },
		{ "help", 'h', POPT_ARG_NONE, NULL, 'h', NULL, NULL },
		{ "version", 'V', POPT_ARG_NONE, NULL, 'V', NULL, NULL },
		POPT_TABLEEND
	};
	const char **args;
	char buf[128];

	memset(o, 0, sizeof(*o));
	o->wait = -1;
	o->count = -1;
	o->timeout = 5;
	ctx = poptGetContext("kucsend", argc, argv, table, 0);
	while ((rc = poptGetNextOpt(ctx)) > 0) {
		if (rc == 'h') {
			help();
			return TOOL_EXIT_OK;
		}
		if (rc == 'V') {
			printf("kucsend %s\n", KUC_VERSION);
			return TOOL_EXIT_OK;
		}
	}
	if (rc < -1)
		return tool_usage("%s: %s",
			tool_printable(poptBadOption(ctx,
					  POPT_BADOPTION_NOALIAS),
					  buf, sizeof(buf)),
			poptStrerror(rc));
	if (wait)
		ret = parse_count("--wait", wait, &o->wait);
	if (ret == KUCSEND_CONTINUE && count)
		ret = parse_count("--count", count, &o->count);
	if (ret == KUCSEND_CONTINUE && timeout)
		ret = parse_real("--timeout", timeout, INT_MAX / 1000,
				 &o->timeout);
	if (ret == KUCSEND_CONTINUE && rate)
		ret = parse_real("--rate", rate, 1e9, &o->rate);
	if (ret != KUCSEND_CONTINUE)
		return ret;
	if (data && tool_data_mode_parse(data, &o->data_mode))
		return tool_usage("--data: expected auto, text, hex or base64, got '%s'",
			tool_printable(data, buf, sizeof(buf)));
	if (format && !strcmp(format, "human"))
		o->format = KUCSEND_FORMAT_HUMAN;
	else if (format && strcmp(format, "json"))
		return tool_usage("--format: expected json or human, got '%s'",
			tool_printable(format, buf, sizeof(buf)));
	if (json && format && strcmp(format, "json"))
		return tool_usage("--json and --format %s cannot be combined",
			tool_printable(format, buf, sizeof(buf)));
	if (pretty && o->format == KUCSEND_FORMAT_HUMAN)
		return tool_usage("--pretty is JSON: not with --format human");
	if (pretty)
		o->format = KUCSEND_FORMAT_PRETTY;
	if (rate && o->rate == 0)
		return tool_usage("--rate: must be more than 0");
	o->file = file;
	o->history = history;
	o->interactive = interactive;
	o->match_id = match_id;
	if (o->match_id && o->wait >= 0)
		return tool_usage("--match-id and --wait cannot be combined");
	args = poptGetArgs(ctx);
	if (!args || !args[0])
		return tool_usage("missing CHANNEL");
	o->channel = args[0];
	o->messages = args + 1;
	if (o->interactive && (o->messages[0] || o->file))
		return tool_usage("--interactive takes no MESSAGE or --file");
	if (!o->messages[0] && !o->file && !o->interactive &&
	    isatty(STDIN_FILENO) && o->count < 0 && o->wait < 0)
		o->interactive = true;
	o->expect = expect;
	return kucsend_expect_setup(o);
}

/* The strings in the options live in popt's context until this. */
void kucsend_free_opts(void)
{
	if (ctx)
		poptFreeContext(ctx);
	ctx = NULL;
}
