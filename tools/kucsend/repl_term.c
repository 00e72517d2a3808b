// SPDX-License-Identifier: MIT
/*
 * The interactive mode's screen and input. On a terminal, readline in
 * callback mode: the loop (repl.c) polls standard input and the channel
 * together and feeds readline one character at a time
 * (rl_callback_read_char), so a message that arrives while the user
 * types is printed above the prompt and the line being edited is redrawn
 * intact below it (repl_out()).
 *
 * Input that is not a terminal (commands piped in, a here-document) gets
 * no readline: no prompt, no line editing escapes, one command per line;
 * notices go to stderr, and the first error decides the exit status, as
 * in a script.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "repl.h"

#define PROMPT		"kucsend> "
#define READ_CHUNK	4096

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

void repl_out(const char *fmt, ...)
{
	va_list ap;

	screen_take();
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	screen_give_back();
}

__attribute__((format(printf, 2, 3)))
void repl_notice(const char *prefix, const char *fmt, ...)
{
	char buf[KUCSEND_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (R.tty)
		repl_out("%s%s\n", prefix, buf);
	else
		tool_msg("%s", buf);
}

void repl_show_msg(const struct kucomms_msg_hdr *h, const void *data)
{
	screen_take();
	kucsend_print_msg(stdout, h, data, R.format, R.data_mode);
	fflush(stdout);
	screen_give_back();
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
	repl_run_line(line);
	free(line);
}

void repl_history_open(void)
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

void repl_show_prompt(void)
{
	if (R.tty && !R.prompt_shown && !R.waiting && !R.quit) {
		rl_callback_handler_install(PROMPT, on_line);
		R.prompt_shown = true;
	}
}

/*
 * Input that is not a terminal: run the complete lines read so far, one
 * at a time and none while a wait is in progress (a wait holds back the
 * next command, as it holds back typing); at the end of the input, the
 * last line even without its newline, then quit.
 */
void repl_run_pending(void)
{
	char *nl;
	size_t len;

	while (!R.waiting && !R.quit && R.npending) {
		nl = memchr(R.pending, '\n', R.npending);
		if (!nl && !R.eof)
			return;
		len = nl ? (size_t)(nl - R.pending) : R.npending;
		R.pending[len] = '\0';	/* the '\n', or the spare byte */
		repl_run_line(R.pending);
		len = nl ? len + 1 : len;
		memmove(R.pending, R.pending + len, R.npending - len);
		R.npending -= len;
	}
	if (R.eof && !R.npending && !R.waiting)
		R.quit = true;
}

void repl_read_lines(void)
{
	char *grown;
	ssize_t n;

	/* One spare byte: the last line may lack its newline. */
	grown = realloc(R.pending, R.npending + READ_CHUNK + 1);
	if (!grown) {
		repl_fail(TOOL_EXIT_FAILURE, "out of memory");
		R.quit = true;
		return;
	}
	R.pending = grown;
	n = read(STDIN_FILENO, R.pending + R.npending, READ_CHUNK);
	if (n < 0 && errno != EINTR && errno != EAGAIN) {
		repl_fail(TOOL_EXIT_FAILURE, "read: %s", strerror(errno));
		R.eof = true;
	} else if (n == 0) {
		R.eof = true;
	} else if (n > 0) {
		R.npending += (size_t)n;
	}
}
