// SPDX-License-Identifier: MIT
/*
 * The interactive mode: a readline prompt on a channel. One thread polls
 * standard input and kuc_fd() together and feeds readline one character
 * at a time (rl_callback_read_char), so a message that arrives while the
 * user types is printed above the prompt and the line being edited is
 * redrawn intact below it.
 *
 * Input that is not a terminal (commands piped in, a here-document) gets
 * no readline: no prompt, no line editing escapes, one command per line;
 * and the first error decides the exit status, as in a script.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include <kucomms/kucomms_shm.h>	/* KUCOMMS_SHM_SPEC */

#include "kucsend.h"

#define PROMPT		"kucsend> "
#define HISTORY_MAX	1000

static struct repl {
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
} R;

static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

/*
 * Print a line of output. While the prompt is up, take the line being
 * edited off the screen first and put it back after: readline's own
 * buffer is untouched.
 */
__attribute__((format(printf, 1, 2)))
static void out(const char *fmt, ...);

static char *saved_line;
static int saved_point;

static void screen_take(void)
{
	if (!R.prompt_shown)
		return;
	saved_point = rl_point;
	saved_line = rl_copy_text(0, rl_end);
	rl_save_prompt();
	rl_replace_line("", 0);
	rl_redisplay();
}

static void screen_give_back(void)
{
	if (!R.prompt_shown)
		return;
	rl_restore_prompt();
	rl_replace_line(saved_line ? saved_line : "", 0);
	rl_point = saved_point;
	rl_redisplay();
	free(saved_line);
	saved_line = NULL;
}

static void out(const char *fmt, ...)
{
	va_list ap;

	screen_take();
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	screen_give_back();
}

/*
 * What happened to the channel or a command (@prefix "error: " for an
 * error): on a terminal a line among the messages, for the one typing;
 * from a pipe or file a "kucsend: ..." line on stderr, so that stdout
 * holds the messages alone, as in a one-shot run.
 */
__attribute__((format(printf, 2, 3)))
static void notice(const char *prefix, const char *fmt, ...)
{
	char buf[KUCSEND_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (R.tty)
		out("%s%s\n", prefix, buf);
	else
		tool_msg("%s", buf);
}

/* An error, remembered as the exit status for input from a pipe. */
#define fail(st, ...) do {						\
	if (!R.status)							\
		R.status = (st);					\
	notice("error: ", __VA_ARGS__);					\
} while (0)

static void show_msg(const struct kucomms_msg_hdr *h, const void *data)
{
	screen_take();
	kucsend_print_msg(stdout, h, data, R.format, R.data_mode);
	fflush(stdout);
	screen_give_back();
}

/* Close the channel; @err (or 0 when asked to) says why. */
static void disconnect(int err)
{
	if (!R.ch)
		return;
	kuc_close(R.ch);
	R.ch = NULL;
	if (!err)
		return;
	if (!R.status)
		R.status = tool_exit_for(err);
	notice("", "channel closed: %s (type 'reconnect')",
	       err == -ESHUTDOWN ? "the endpoint went away" :
				   kuc_strerror(err));
}

static int connect_channel(void)
{
	int ret = kuc_open(R.o->channel, &R.ch);

	if (ret) {
		R.ch = NULL;
		return ret;
	}
	R.bufsz = kuc_msg_max(R.ch);
	free(R.buf);
	R.buf = malloc(R.bufsz ? R.bufsz : 1);
	if (!R.buf) {
		kuc_close(R.ch);
		R.ch = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Show whatever arrived; count it against a wait in progress. */
static void receive_all(void)
{
	struct kucomms_msg_hdr h;
	void *nb;
	int ret;

	while (R.ch) {
		ret = kuc_recv(R.ch, &h, R.buf, R.bufsz, 0);
		if (ret == -EMSGSIZE) {
			nb = realloc(R.buf, h.length);
			if (!nb) {
				disconnect(-ENOMEM);
				return;
			}
			R.buf = nb;
			R.bufsz = h.length;
			continue;
		}
		if (ret == -EAGAIN)
			return;
		if (ret) {
			disconnect(ret);
			return;
		}
		show_msg(&h, R.buf);
		if (R.waiting && R.wait_left)
			R.wait_left--;
	}
}

static void not_connected(void)
{
	fail(TOOL_EXIT_PEER, "not connected (type 'reconnect')");
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
		fail(TOOL_EXIT_INPUT, "%s", err);
		goto out;
	}
	if (!b.n) {
		fail(TOOL_EXIT_INPUT, "send: no message given");
		goto out;
	}
	if (!R.ch) {
		not_connected();
		goto out;
	}
	if (kucsend_check_sizes(&b, kuc_msg_max(R.ch), err, sizeof(err))) {
		fail(TOOL_EXIT_INPUT, "%s", err);
		goto out;
	}
	i = 0;
	ret = shm_server_gone();
	while (!ret && i < b.n) {
		ret = kuc_send_wait(R.ch, &b.msgs[i].hdr, b.msgs[i].data, 1000);
		i += !ret;
	}
	if (ret) {
		fail(tool_exit_for(ret), "send: %s (%zu of %zu sent)",
		     kuc_strerror(ret), i, b.n);
		if (ret == -ESHUTDOWN || ret == -EPROTO || ret == -ECONNRESET)
			disconnect(ret);
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
			fail(TOOL_EXIT_USAGE, "wait: N must be a whole number, got '%s'",
			     n);
			return;
		}
	}
	if (secs) {
		t = strtod(secs, &end);
		if (*end || !(t >= 0) || t > 1e6) {
			fail(TOOL_EXIT_USAGE, "wait: SECONDS must be a number from 0 to 1000000, got '%s'",
			     secs);
			return;
		}
	}
	if (strtok(NULL, " \t")) {
		fail(TOOL_EXIT_USAGE, "wait: too many arguments (wait [N] [SECONDS])");
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
	out("sent=%" PRIu64 " bytes_sent=%" PRIu64 " received=%" PRIu64
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
		out("display %s\n", display_name());
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
		fail(TOOL_EXIT_USAGE, "display: expected json, text or hex, got '%s'",
		     arg);
	}
}

static void cmd_reconnect(char *args)
{
	int ret;

	(void)args;
	disconnect(0);
	ret = connect_channel();
	if (ret)
		fail(tool_exit_for(ret), "open %s: %s", R.o->channel,
		     kuc_strerror(ret));
	else
		out("connected to %s\n", R.o->channel);
}

static void cmd_quit(char *args)
{
	(void)args;
	R.quit = true;
}

static void cmd_help(char *args);

/*
 * The commands: the one list that help prints, run_line() runs and
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
	out("Commands (a line starting with { or [ is sent as it is):\n");
	for (c = kucsend_repl_cmds; c->name; c++) {
		usage_of(c, usage, sizeof(usage));
		if (c->same_as)
			out("  %-*s the same as %s\n", HELP_COLUMN, usage,
			    c->same_as);
		else
			out("  %-*s %s\n", HELP_COLUMN, usage, c->help);
	}
	out("Messages that arrive are shown as soon as they come.\n");
}

static void run_line(char *line)
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
		fail(TOOL_EXIT_USAGE, "unknown command '%s' (type 'help')", line);
}

/* readline hands over a finished line (NULL at end of input). */
static void on_line(char *line)
{
	if (!line) {
		R.quit = true;
		return;
	}
	/*
	 * The line is done: readline moved to a new screen line, and no
	 * prompt is up until the handler is installed again.
	 */
	rl_callback_handler_remove();
	R.prompt_shown = false;
	if (*line) {
		add_history(line);
		if (R.history && append_history(1, R.history))
			tool_msg("history %s: %s", R.history,
				 strerror(errno));
	}
	run_line(line);
	free(line);
}

static void history_open(void)
{
	const char *home = getenv("HOME");
	int ret;

	if (R.o->history) {
		R.history = *R.o->history ? strdup(R.o->history) : NULL;
	} else if (home && *home) {
		if (asprintf(&R.history, "%s/.kucsend_history", home) < 0)
			R.history = NULL;
	}
	if (!R.history)
		return;
	ret = read_history(R.history);
	/* append_history() needs the file: make it on the first run. */
	if (ret == ENOENT)
		ret = write_history(R.history);
	if (ret) {
		tool_msg("history %s: %s (not kept)",
			 R.history, strerror(ret));
		free(R.history);
		R.history = NULL;
	}
}

static void show_prompt(void)
{
	if (R.tty && !R.prompt_shown && !R.waiting && !R.quit) {
		rl_callback_handler_install(PROMPT, on_line);
		R.prompt_shown = true;
	}
}

#define POLL_NOFD_MS	50
#define READ_CHUNK	4096

/*
 * Input that is not a terminal: run the complete lines read so far, one
 * at a time and none while a wait is in progress (a wait holds back the
 * next command, as it holds back typing); at the end of the input, the
 * last line even without its newline, then quit.
 */
static void run_pending(void)
{
	char *nl;
	size_t len;

	while (!R.waiting && !R.quit && R.npending) {
		nl = memchr(R.pending, '\n', R.npending);
		if (!nl && !R.eof)
			return;
		len = nl ? (size_t)(nl - R.pending) : R.npending;
		R.pending[len] = '\0';	/* the '\n', or the spare byte */
		run_line(R.pending);
		len = nl ? len + 1 : len;
		memmove(R.pending, R.pending + len, R.npending - len);
		R.npending -= len;
	}
	if (R.eof && !R.npending && !R.waiting)
		R.quit = true;
}

static void read_lines(void)
{
	char *grown;
	ssize_t n;

	/* One spare byte: the last line may lack its newline. */
	grown = realloc(R.pending, R.npending + READ_CHUNK + 1);
	if (!grown) {
		fail(TOOL_EXIT_FAILURE, "out of memory");
		R.quit = true;
		return;
	}
	R.pending = grown;
	n = read(STDIN_FILENO, R.pending + R.npending, READ_CHUNK);
	if (n < 0 && errno != EINTR && errno != EAGAIN) {
		fail(TOOL_EXIT_FAILURE, "read: %s", strerror(errno));
		R.eof = true;
	} else if (n == 0) {
		R.eof = true;
	} else if (n > 0) {
		R.npending += (size_t)n;
	}
}

/* One wait for input, a message or the end of a wait command. */
static void step(void)
{
	struct pollfd pfd[2] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = R.ch ? kuc_fd(R.ch) : -1, .events = POLLIN },
	};
	int timeout = -1;
	double now;
	/*
	 * Shm and pair channels have no fd to poll beside the terminal:
	 * look at them POLL_NOFD_MS apart instead (a prompt, not a data
	 * path: 20 wakeups a second are fine).
	 */
	bool no_fd = R.ch && pfd[1].fd < 0;

	if (R.waiting) {
		now = kucsend_now();
		timeout = now < R.wait_deadline ?
			  (int)((R.wait_deadline - now) * 1000) + 1 : 0;
		/* Typing waits until the wait is over. */
		pfd[0].fd = -1;
	}
	/* Lines already read, or the end of input: nothing to wait for. */
	if (!R.tty && R.eof)
		pfd[0].fd = -1;
	if (no_fd && (timeout < 0 || timeout > POLL_NOFD_MS))
		timeout = POLL_NOFD_MS;
	if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
		fail(TOOL_EXIT_FAILURE, "poll: %s", strerror(errno));
		R.quit = true;
		return;
	}
	if (got_sigint) {
		got_sigint = 0;
		if (R.waiting) {
			R.waiting = false;
			notice("", "wait: interrupted (%" PRIu64 " of %" PRIu64 ")",
			       R.wait_want - R.wait_left, R.wait_want);
		} else if (R.prompt_shown) {
			/* Drop the line being typed, as a shell does. */
			rl_replace_line("", 0);
			printf("\n");
			rl_on_new_line();
			rl_redisplay();
		}
	}
	/*
	 * A shm peer that died is seen only by a sleeping waiter (its
	 * attach lock is probed between futex waits): a short kuc_wait()
	 * is that sleeper, so a dead server closes the channel here too.
	 */
	if (no_fd)
		kuc_wait(R.ch, POLLIN, 1);
	if (pfd[1].revents || no_fd)
		receive_all();
	if (R.waiting && !R.wait_left) {
		R.waiting = false;
	} else if (R.waiting && (kucsend_now() >= R.wait_deadline || !R.ch)) {
		R.waiting = false;
		/* A closed channel set the status already (the peer's). */
		if (!R.status)
			R.status = TOOL_EXIT_TIMEOUT;
		notice("", "wait: %s (%" PRIu64 " of %" PRIu64 ")",
		       R.ch ? "timed out" : "the channel closed",
		       R.wait_want - R.wait_left, R.wait_want);
	}
	if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
		if (R.tty)
			rl_callback_read_char();
		else
			read_lines();
	}
	if (!R.tty)
		run_pending();
	show_prompt();
}

int kucsend_repl(const struct kucsend_opts *o)
{
	struct sigaction sa = { .sa_handler = on_sigint };
	int ret;

	R.o = o;
	R.tty = isatty(STDIN_FILENO);
	R.format = o->format;
	R.data_mode = o->data_mode;
	if (R.format == KUCSEND_FORMAT_HUMAN && R.data_mode != TOOL_DATA_HEX)
		R.data_mode = TOOL_DATA_TEXT;
	ret = connect_channel();
	if (ret)
		return kucsend_channel_error("open", o->channel, ret);
	/* SIGINT is ours (see step()), not readline's. */
	sigaction(SIGINT, &sa, NULL);
	if (R.tty) {
		history_open();
		rl_readline_name = "kucsend";
		rl_catch_signals = 0;
		kucsend_complete_init();
		printf("kucsend %s on %s (max message %zu bytes); type 'help'\n",
		       KUC_VERSION, o->channel, kuc_msg_max(R.ch));
	}
	show_prompt();
	while (!R.quit)
		step();
	if (R.prompt_shown) {
		rl_callback_handler_remove();
		printf("\n");
	}
	if (R.history)
		history_truncate_file(R.history, HISTORY_MAX);
	disconnect(0);
	free(R.history);
	free(R.buf);
	free(R.pending);
	/* On a terminal, errors were seen by the one who typed. */
	return R.tty ? TOOL_EXIT_OK : R.status;
}
