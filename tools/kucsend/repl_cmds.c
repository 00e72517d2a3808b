// SPDX-License-Identifier: MIT
/*
 * The interactive mode's commands: their handlers and the one table
 * (kucsend_repl_cmds[]) that help prints, repl_run_line() runs and
 * readline completes (repl_complete.c), so that the three cannot drift.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kucomms/kucomms_shm.h>	/* KUCOMMS_SHM_SPEC */

#include "repl.h"

static void not_connected(void)
{
	repl_fail(TOOL_EXIT_PEER, "not connected (type 'reconnect')");
}

/*
 * 0, or -ECONNRESET when the channel is a shm segment whose server is
 * no longer attached. libkuc sees a dead server only when it probes the
 * server's lock, at most twice a second and only while it sleeps: a line
 * sent before that would go into a ring nobody reads, and be lost with
 * no word. So the lock is looked at before each line is sent. (A restarted
 * server changed the segment's header: the send itself sees that.)
 */
static int shm_server_gone(void)
{
	struct kuc_shm_info info;

	if (kuc_channel_kind(R.ch) != KUC_KIND_SHM ||
	    kuc_shm_info(R.o->channel + strlen(KUCOMMS_SHM_SPEC), &info))
		return 0;
	return info.server_attached ? 0 : -ECONNRESET;
}

static void cmd_send(char *json)
{
	struct kucsend_batch b = { 0 };
	char err[KUCSEND_ERR_MAX];
	size_t i;
	int ret;

	if (kucsend_parse_text("input", json, strlen(json), &b, err,
			       sizeof(err))) {
		repl_fail(TOOL_EXIT_INPUT, "%s", err);
		goto out;
	}
	if (!b.n) {
		repl_fail(TOOL_EXIT_INPUT, "send: no message given");
		goto out;
	}
	if (!R.ch) {
		not_connected();
		goto out;
	}
	if (kucsend_check_sizes(&b, kuc_msg_max(R.ch), err, sizeof(err))) {
		repl_fail(TOOL_EXIT_INPUT, "%s", err);
		goto out;
	}
	i = 0;
	ret = shm_server_gone();
	while (!ret && i < b.n) {
		ret = kuc_send_wait(R.ch, &b.msgs[i].hdr, b.msgs[i].data, 1000);
		i += !ret;
	}
	if (ret) {
		repl_fail(tool_exit_for(ret), "send: %s (%zu of %zu sent)",
			  kuc_strerror(ret), i, b.n);
		if (ret == -ESHUTDOWN || ret == -EPROTO || ret == -ECONNRESET)
			repl_disconnect(ret);
	}
out:
	kucsend_batch_free(&b);
}

static void cmd_wait(char *args)
{
	char *n = strtok(args, " \t"), *secs = strtok(NULL, " \t"), *end;
	unsigned long long want = 1;
	double t = R.o->timeout;

	if (n) {
		errno = 0;
		want = strtoull(n, &end, 10);
		if (errno || *end || n[0] == '-') {
			repl_fail(TOOL_EXIT_USAGE, "wait: N must be a whole number, got '%s'",
				  n);
			return;
		}
	}
	if (secs) {
		t = strtod(secs, &end);
		if (*end || !(t >= 0) || t > 1e6) {
			repl_fail(TOOL_EXIT_USAGE, "wait: SECONDS must be a number from 0 to 1000000, got '%s'",
				  secs);
			return;
		}
	}
	if (strtok(NULL, " \t")) {
		repl_fail(TOOL_EXIT_USAGE, "wait: too many arguments (wait [N] [SECONDS])");
		return;
	}
	if (!R.ch) {
		not_connected();
		return;
	}
	R.waiting = true;
	R.wait_want = R.wait_left = want;
	R.wait_deadline = kucsend_now() + t;
}

static void cmd_stats(char *args)
{
	struct kuc_channel_stats st;

	(void)args;
	if (!R.ch) {
		not_connected();
		return;
	}
	kuc_channel_stats(R.ch, &st);
	repl_out("sent=%" PRIu64 " bytes_sent=%" PRIu64 " received=%" PRIu64
		 " bytes_received=%" PRIu64 " kicks=%" PRIu64 " waits=%" PRIu64
		 " full=%" PRIu64 " msg_max=%zu\n", st.msgs_sent, st.bytes_sent,
		 st.msgs_received, st.bytes_received, st.kicks, st.waits, st.full,
		 kuc_msg_max(R.ch));
}

/* display's modes, by name: its help, its check and its completion. */
enum display { DISPLAY_JSON, DISPLAY_TEXT, DISPLAY_HEX };
static const char *const display_modes[] = {
	[DISPLAY_JSON] = "json", [DISPLAY_TEXT] = "text",
	[DISPLAY_HEX] = "hex", NULL
};

static const char *display_name(void)
{
	if (R.format != KUCSEND_FORMAT_HUMAN)
		return display_modes[DISPLAY_JSON];
	return display_modes[R.data_mode == TOOL_DATA_HEX ? DISPLAY_HEX :
							      DISPLAY_TEXT];
}

static void cmd_display(char *arg)
{
	size_t i;

	arg = strtok(arg, " \t");
	if (!arg) {
		repl_out("display %s\n", display_name());
		return;
	}
	for (i = 0; display_modes[i] && strcmp(arg, display_modes[i]); i++)
		;
	switch (i) {
	case DISPLAY_JSON:
		R.format = KUCSEND_FORMAT_JSON;
		R.data_mode = R.o->data_mode;
		break;
	case DISPLAY_TEXT:
	case DISPLAY_HEX:
		R.format = KUCSEND_FORMAT_HUMAN;
		R.data_mode = i == DISPLAY_HEX ? TOOL_DATA_HEX : TOOL_DATA_TEXT;
		break;
	default:
		repl_fail(TOOL_EXIT_USAGE, "display: expected json, text or hex, got '%s'",
			  arg);
	}
}

static void cmd_reconnect(char *args)
{
	int ret;

	(void)args;
	repl_disconnect(0);
	ret = repl_connect();
	if (ret)
		repl_fail(tool_exit_for(ret), "open %s: %s", R.o->channel,
			  kuc_strerror(ret));
	else
		repl_out("connected to %s\n", R.o->channel);
}

static void cmd_quit(char *args)
{
	(void)args;
	R.quit = true;
}

static void cmd_help(char *args);

/*
 * The commands: the one list that help prints, repl_run_line() runs and
 * readline completes (repl_complete.c), so that the three cannot drift.
 * An alias names the command it stands for in @same_as.
 */
const struct kucsend_repl_cmd kucsend_repl_cmds[] = {
	{ .name = "send", .args = "MESSAGE...", .json = true,
	  .help = "send JSON messages (as on the command line)",
	  .run = cmd_send },
	{ .name = "wait", .args = "[N] [SECONDS]",
	  .help = "wait up to SECONDS (--timeout) for N messages (1)",
	  .run = cmd_wait },
	{ .name = "recv", .same_as = "wait" },
	{ .name = "stats", .help = "the channel's counters", .run = cmd_stats },
	{ .name = "display", .values = display_modes,
	  .help = "how messages are shown", .run = cmd_display },
	{ .name = "reconnect", .help = "close the channel and open it again",
	  .run = cmd_reconnect },
	{ .name = "help", .help = "this text", .run = cmd_help },
	{ .name = "?", .same_as = "help" },
	{ .name = "quit", .help = "leave (also Ctrl-D)", .run = cmd_quit },
	{ .name = "exit", .same_as = "quit" },
	{ .name = NULL }
};

const struct kucsend_repl_cmd *kucsend_repl_cmd(const char *name)
{
	const struct kucsend_repl_cmd *c;

	for (c = kucsend_repl_cmds; c->name; c++) {
		if (!strcmp(c->name, name))
			return c->same_as ? kucsend_repl_cmd(c->same_as) : c;
	}
	return NULL;
}

/* A command's usage: its name, its arguments, its argument's words. */
static void usage_of(const struct kucsend_repl_cmd *c, char *buf, size_t size)
{
	FILE *f = fmemopen(buf, size, "w");
	const char *const *v;

	if (!f) {
		snprintf(buf, size, "%s", c->name);
		return;
	}
	fprintf(f, "%s", c->name);
	if (c->args)
		fprintf(f, " %s", c->args);
	for (v = c->values; v && *v; v++)
		fprintf(f, "%s%s", v == c->values ? " [" : "|", *v);
	if (c->values)
		fputc(']', f);
	fclose(f);
}

#define HELP_COLUMN	21

static void cmd_help(char *args)
{
	const struct kucsend_repl_cmd *c;
	char usage[128];

	(void)args;
	repl_out("Commands (a line starting with { or [ is sent as it is):\n");
	for (c = kucsend_repl_cmds; c->name; c++) {
		usage_of(c, usage, sizeof(usage));
		if (c->same_as)
			repl_out("  %-*s the same as %s\n", HELP_COLUMN, usage,
				 c->same_as);
		else
			repl_out("  %-*s %s\n", HELP_COLUMN, usage, c->help);
	}
	repl_out("Messages that arrive are shown as soon as they come.\n");
}

void repl_run_line(char *line)
{
	const struct kucsend_repl_cmd *c;
	char *args;

	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line)
		return;
	if (*line == '{' || *line == '[') {
		cmd_send(line);
		return;
	}
	args = line + strcspn(line, " \t");
	if (*args)
		*args++ = '\0';
	c = kucsend_repl_cmd(line);
	if (c)
		c->run(args);
	else
		repl_fail(TOOL_EXIT_USAGE, "unknown command '%s' (type 'help')", line);
}
