// SPDX-License-Identifier: MIT
/*
 * kucsend: send messages described in JSON on a kucomms channel and print
 * the replies, in one shot, as load, or interactively (repl.c).
 *
 * The order of a one-shot run is what makes "nothing sent on bad input"
 * true: read and check every message, open the channel, check every size
 * against it, and only then send the first one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kucsend.h"

/* Read every MESSAGE argument, then --file or standard input. */
static int read_input(const struct kucsend_opts *o, struct kucsend_batch *b)
{
	char err[KUCSEND_ERR_MAX], src[32], *text;
	const char *path = o->file;
	size_t i, len;
	int ret;

	for (i = 0; o->messages[i]; i++) {
		snprintf(src, sizeof(src), "argument %zu", i + 1);
		text = strdup(o->messages[i]);
		if (!text) {
			tool_msg("out of memory");
			return TOOL_EXIT_FAILURE;
		}
		ret = kucsend_parse_text(src, text, strlen(text), b, err,
					 sizeof(err));
		free(text);
		if (ret) {
			tool_msg("%s", err);
			return TOOL_EXIT_INPUT;
		}
	}
	if (!path && !o->messages[0] && !isatty(STDIN_FILENO))
		path = "-";
	if (!path)
		return TOOL_EXIT_OK;
	/* JSON around the largest messages: a generous bound on a file. */
	ret = kucsend_read_file(path, &text, &len, 64UL << 20);
	if (ret) {
		tool_msg("cannot read %s: %s", !strcmp(path, "-") ?
			 "standard input" : path,
			 ret == -EFBIG ? "larger than 64 MiB" :
			 strerror(-ret));
		return TOOL_EXIT_INPUT;
	}
	ret = kucsend_parse_text(!strcmp(path, "-") ? "stdin" : path, text,
				 len, b, err, sizeof(err));
	free(text);
	if (ret) {
		tool_msg("%s", err);
		return TOOL_EXIT_INPUT;
	}
	return TOOL_EXIT_OK;
}

static int run_once(const struct kucsend_opts *o)
{
	struct kucsend_batch batch = { 0 };
	struct kucsend_run r = { 0 };
	char err[KUCSEND_ERR_MAX];
	struct kuc_channel *ch;
	bool load = o->count >= 0 || o->rate > 0;
	uint64_t expected;
	int ret;

	ret = read_input(o, &batch);
	if (ret)
		goto out;
	/* Cycling through no message would send nothing and wait in vain. */
	if (o->count > 0 && !batch.n) {
		tool_msg("--count %lld: no message to send (give MESSAGE, --file or JSON on standard input)",
			 o->count);
		ret = TOOL_EXIT_INPUT;
		goto out;
	}
	ret = kuc_open(o->channel, &ch);
	if (ret) {
		ret = kucsend_channel_error("open", o->channel, ret);
		goto out;
	}
	if (kucsend_check_sizes(&batch, kuc_msg_max(ch), err, sizeof(err))) {
		tool_msg("%s", err);
		ret = TOOL_EXIT_INPUT;
		goto close;
	}
	r.ch = ch;
	r.batch = &batch;
	r.count = o->count >= 0 ? (uint64_t)o->count : batch.n;
	r.rate = o->rate;
	r.match_id = o->match_id;
	r.want = o->wait >= 0 ? (uint64_t)o->wait : load ? r.count : 0;
	r.timeout_ms = (int)(o->timeout * 1000);
	r.print = !load;
	r.progress = load;
	r.format = o->format;
	r.data_mode = o->data_mode;
	/* Only a load run has figures worth a summary when stopped. */
	if (load)
		kucsend_catch_stop_signals();
	ret = kucsend_exchange(&r);
	expected = r.match_id ? r.sent : r.want;
	if (load)
		kucsend_print_summary(stdout, &r, expected, o->format);
	/* Replies missing after a stop are no time-out; errors still win. */
	if (r.interrupted && !r.err && ret != TOOL_EXIT_FAILURE)
		ret = TOOL_EXIT_SIGNAL + r.interrupted;
	if (r.err) {
		ret = kucsend_channel_error(r.sent < r.count ? "send on" :
					    "receive on", o->channel, r.err);
	} else if (ret == TOOL_EXIT_TIMEOUT) {
		tool_msg("timed out after %g s: %" PRIu64 " of %" PRIu64 " replies",
			 o->timeout, r.counted, expected);
	} else if (ret == TOOL_EXIT_FAILURE) {
		tool_msg("out of memory");
	}
	ret = kucsend_expect_finish(ret);
close:
	kuc_close(ch);
out:
	kucsend_batch_free(&batch);
	return ret;
}

int main(int argc, const char **argv)
{
	struct kucsend_opts o;
	int ret;

	tool_set_name("kucsend");
	/* Each reply is a line a script may be waiting for: no buffering. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = kucsend_parse_opts(argc, argv, &o);
	if (ret == KUCSEND_CONTINUE)
		ret = o.interactive ? kucsend_repl(&o) : run_once(&o);
	kucsend_free_opts();
	ret = tool_flush_stdout(ret);
	if (ret > TOOL_EXIT_SIGNAL)
		kucsend_die_of(ret - TOOL_EXIT_SIGNAL);
	return ret;
}
