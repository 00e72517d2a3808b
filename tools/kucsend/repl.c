// SPDX-License-Identifier: MIT
/*
 * The interactive mode (kucsend -i): a prompt on a channel. One thread
 * polls standard input and the channel together (step()): it shows
 * messages as they arrive, ends wait commands, and hands input to the
 * screen and input code (repl_term.c), whose finished lines run the
 * commands (repl_cmds.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "repl.h"

#define HISTORY_MAX	1000
#define POLL_NOFD_MS	50

struct repl R;

static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

void repl_disconnect(int err)
{
	if (!R.ch)
		return;
	kuc_close(R.ch);
	R.ch = NULL;
	if (!err)
		return;
	if (!R.status)
		R.status = tool_exit_for(err);
	repl_notice("", "channel closed: %s (type 'reconnect')",
		    err == -ESHUTDOWN ? "the endpoint went away" :
					kuc_strerror(err));
}

int repl_connect(void)
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
				repl_disconnect(-ENOMEM);
				return;
			}
			R.buf = nb;
			R.bufsz = h.length;
			continue;
		}
		if (ret == -EAGAIN)
			return;
		if (ret) {
			repl_disconnect(ret);
			return;
		}
		repl_show_msg(&h, R.buf);
		if (R.waiting && R.wait_left)
			R.wait_left--;
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
		repl_fail(TOOL_EXIT_FAILURE, "poll: %s", strerror(errno));
		R.quit = true;
		return;
	}
	if (got_sigint) {
		got_sigint = 0;
		if (R.waiting) {
			R.waiting = false;
			repl_notice("", "wait: interrupted (%" PRIu64 " of %" PRIu64 ")",
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
		repl_notice("", "wait: %s (%" PRIu64 " of %" PRIu64 ")",
			    R.ch ? "timed out" : "the channel closed",
			    R.wait_want - R.wait_left, R.wait_want);
	}
	if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
		if (R.tty)
			rl_callback_read_char();
		else
			repl_read_lines();
	}
	if (!R.tty)
		repl_run_pending();
	repl_show_prompt();
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
	ret = repl_connect();
	if (ret)
		return kucsend_channel_error("open", o->channel, ret);
	/* SIGINT is ours (see step()), not readline's. */
	sigaction(SIGINT, &sa, NULL);
	if (R.tty) {
		repl_history_open();
		rl_readline_name = "kucsend";
		rl_catch_signals = 0;
		kucsend_complete_init();
		printf("kucsend %s on %s (max message %zu bytes); type 'help'\n",
		       KUC_VERSION, o->channel, kuc_msg_max(R.ch));
	}
	repl_show_prompt();
	while (!R.quit)
		step();
	if (R.prompt_shown) {
		rl_callback_handler_remove();
		printf("\n");
	}
	if (R.history)
		history_truncate_file(R.history, HISTORY_MAX);
	repl_disconnect(0);
	free(R.history);
	free(R.buf);
	free(R.pending);
	/* On a terminal, errors were seen by the one who typed. */
	return R.tty ? TOOL_EXIT_OK : R.status;
}
