// SPDX-License-Identifier: MIT
/*
 * kucdump: watch the messages of a kucomms channel, like tcpdump. Reads
 * records from a monitor tap (libkuc kuc_tap_*) or a capture file (-r),
 * keeps those the filter matches, and prints them as text or JSON or
 * writes them to a capture file (-w). Ends on -c, Ctrl-C, SIGTERM or the
 * removal of the device or shm segment with "N captured, M dropped" on
 * stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <popt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kucdump.h"

#define KUCDUMP_DEFAULT_SNAPLEN	262144
/* How often a blocked read looks at the stop flag. */
#define KUCDUMP_POLL_MS		200

static struct {
	long count;
	long snaplen;
	long buffer_kib;
	int hex;
	int quiet;
	int tees;		/* how many -t */
	int json;
	int pretty;
	char *filter;
	char *wfile;
	int pcapng;		/* -w writes pcapng */
	char *rfile;
} opt = { .snaplen = KUCDUMP_DEFAULT_SNAPLEN };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: a blocked poll() returns EINTR at once. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void help(void)
{
	printf(
"Usage: kucdump [OPTIONS] CHANNEL [EXPR...]\n"
"       kucdump [OPTIONS] -r FILE [EXPR...]\n"
"\n"
"Show every message of a kucomms channel, both directions, every\n"
"connection, as it happens, or read a capture. CHANNEL is a device name\n"
"(kucomms_NAME, NAME or /dev/kucomms_NAME; needs CAP_SYS_ADMIN) or a\n"
"shared-memory channel shm:NAME (needs read and write access to\n"
"/dev/shm/kucomms_NAME; one kucdump at a time per segment).\n"
"\n"
"Options:\n"
"  -c, --count N        stop after N messages (that match the filter)\n"
"  -s, --snaplen N      keep at most N data bytes of each message\n"
"                       (default %d; 0: all)\n"
"  -B, --buffer KIB     the kernel buffer of this reader, a power of two\n"
"                       from 64 to 16384 KiB (default 1024; devices only:\n"
"                       a shm segment has two tap rings of 1024 KiB)\n"
"  -x, --hex            add a hex dump of the data to each line\n"
"  -t                   no time; -tt seconds since 1970; -ttt since the\n"
"                       previous line; -tttt date and time; -ttttt since\n"
"                       the first line (default: the time of day)\n"
"  -q, --quiet          shorter lines: no id and value\n"
"  -j, --json           one JSON object per line instead of text, and\n"
"                       the summary as {\"captured\":N,\"dropped\":M}\n"
"  -p, --pretty         JSON, indented over several lines (implies -j)\n"
"  -f, --filter EXPR    only messages matching EXPR, e.g.\n"
"                       'k2u and conn 3', 'type==7 or id >= 0x100',\n"
"                       'not (u2k or length > 64)'; or EXPR as words\n"
"                       after CHANNEL (or -r FILE), as tcpdump takes it\n"
"  -w, --write FILE     write a pcap capture to FILE ('-': stdout)\n"
"      --pcapng         with -w: write pcapng instead, each packet's\n"
"                       direction also in its flags\n"
"  -r, --read FILE      read a capture written by -w, or the same as\n"
"                       pcapng, as Wireshark saves it ('-': stdin)\n"
"  -h, --help           show this help\n"
"  -V, --version        show the version\n"
"\n"
"Ends on -c, Ctrl-C, SIGTERM or when the device (segment) is removed,\n"
"printing \"N captured, M dropped\" on stderr.\n"
"\n"
"Exit status: 0 success, 1 other error, 2 usage error, 3 bad input (name,\n"
"filter, capture file), 4 no such device, segment or file, 5 permission\n"
"denied, 6 module not loaded, 10 another reader on the segment; the same\n"
"for all kucomms tools, see kucomms-tools(7).\n", KUCDUMP_DEFAULT_SNAPLEN);
}

/* Where the matching records go. */
struct sink {
	struct kucdump_filter *filter;
	struct kucdump_text text;
	struct kucdump_pcap *wfile;
	uint64_t shown;
	bool started;			/* the tap or file was opened */
	int err;			/* a failed write, -errno */
};

/* Returns true when the record counted (it matched). */
static bool sink_put(struct sink *s, const struct kuc_tap_record *rec)
{
	int ret;

	if (!kucdump_filter_match(s->filter, rec))
		return false;
	s->shown++;
	if (s->wfile) {
		ret = kucdump_pcap_write(s->wfile, rec);
		if (ret && !s->err)
			s->err = ret;
	} else if (opt.json) {
		kucdump_print_json(stdout, rec, opt.pretty);
	} else {
		kucdump_print_text(stdout, rec, &s->text);
	}
	return true;
}

static bool full(const struct sink *s)
{
	return s->err || (opt.count && s->shown >= (unsigned long)opt.count);
}

static bool done(const struct sink *s)
{
	return stop || full(s);
}

/* libkuc's rule (kuc_spec_parse()), also for a spec it refuses. */
static bool is_shm(const char *spec)
{
	char name[KUCOMMS_NAME_MAX + 1];
	enum kuc_kind kind = KUC_KIND_DEVICE;

	kuc_spec_parse(spec, &kind, name, sizeof(name));
	return kind == KUC_KIND_SHM;
}

/* Why kuc_tap_open() failed, in one line; returns the exit status. */
static int open_error(const char *spec, int err)
{
	char name[KUCOMMS_NAME_MAX + 1];
	struct kuc_shm_info si;

	if (!is_shm(spec)) {
		if (err == -EPERM || err == -EACCES)
			tool_msg("%s: %s (watching a device needs CAP_SYS_ADMIN)",
				 spec, kuc_strerror(err));
		else
			tool_error(err, "%s", spec);
		return tool_exit_for(err);
	}
	switch (err) {
	case -EACCES:
	case -EPERM:
		tool_msg("%s: permission denied (watching a shm channel needs read and write access to its segment)",
			 spec);
		break;
	case -ENOENT:
		tool_msg("%s: no such shm segment", spec);
		break;
	case -EBUSY:
		tool_msg("%s: another reader is watching this segment (one at a time)",
			 spec);
		break;
	case -EPROTO:
		if (!kuc_spec_parse(spec, NULL, name, sizeof(name)) &&
		    !kuc_shm_info(name, &si) && si.problem[0]) {
			tool_msg("%s: not a usable segment: %s", spec,
				 si.problem);
			break;
		}
		/* fall through */
	default:
		tool_error(err, "%s", spec);
	}
	return tool_exit_for(err);
}

static int run_live(const char *spec, struct sink *s, uint64_t *dropped)
{
	struct kuc_tap_opts to = { .snaplen = (uint32_t)opt.snaplen };
	struct kuc_tap_record rec;
	struct kuc_tap_stats st;
	struct kuc_tap *tap;
	uint64_t drain;
	int ret;

	if (opt.buffer_kib)
		to.buf_order = (uint32_t)__builtin_ctzl(opt.buffer_kib) + 10;
	ret = kuc_tap_open(spec, &to, &tap);
	if (ret)
		return open_error(spec, ret);
	ret = kuc_tap_stats(tap, &st);
	if (ret) {
		tool_error(ret, "%s", spec);
		kuc_tap_close(tap);
		return tool_exit_for(ret);
	}
	s->started = true;
	tool_msg("listening on %s, snaplen %u, buffer %llu KiB", spec,
		 st.snaplen, (1ULL << st.buf_order) / 1024);
	/*
	 * After a signal, what the tap already buffered is still shown
	 * (so that "N captured, M dropped" adds up to every message), but
	 * nothing is waited for, and at most a buffer's worth.
	 */
	drain = (1ULL << st.buf_order) / KUCOMMS_TAP_REC_SIZE;
	while (!full(s) && (!stop || drain--)) {
		ret = kuc_tap_read(tap, &rec, 0);
		if (ret == -EAGAIN) {
			if (stop) {
				ret = 0;
				break;
			}
			/* Idle: what was printed reaches a pipe now. */
			fflush(stdout);
			ret = kuc_tap_read(tap, &rec, KUCDUMP_POLL_MS);
		}
		if (ret == -ETIMEDOUT || ret == -EINTR) {
			ret = 0;
			continue;
		}
		if (ret == -ESHUTDOWN) {
			tool_msg("%s: the %s was removed", spec,
				 is_shm(spec) ? "segment" : "device");
			ret = 0;
			break;
		}
		if (ret) {
			tool_error(ret, "%s: read", spec);
			break;
		}
		sink_put(s, &rec);
	}
	if (kuc_tap_stats(tap, &st) == 0)
		*dropped = st.dropped;
	kuc_tap_close(tap);
	return tool_exit_for(ret);
}

/*
 * A capture that cannot be read: a file that is not one (or is cut
 * short) is bad input, a missing file is "no such file", and so on.
 */
static int file_error(const char *path, int ret, const char *err)
{
	char buf[128];

	tool_msg("%s: %s", tool_printable(path, buf, sizeof(buf)),
		 err[0] ? err : strerror(-ret));
	return ret == -EPROTO ? TOOL_EXIT_INPUT : tool_exit_for(ret);
}

static int run_file(const char *path, struct sink *s)
{
	struct kuc_tap_record rec;
	struct kucdump_pcap *p;
	char err[160] = "";
	int ret;

	ret = kucdump_pcap_open(path, &p, err, sizeof(err));
	if (ret)
		return file_error(path, ret, err);
	s->started = true;
	while (!done(s)) {
		ret = kucdump_pcap_read(p, &rec, err, sizeof(err));
		if (ret == 1) {
			ret = 0;
			break;
		}
		if (ret)
			break;
		/* -r then -w: each record keeps the kind of its channel. */
		if (s->wfile)
			kucdump_pcap_set_kind(s->wfile, kucdump_pcap_kind(p));
		sink_put(s, &rec);
	}
	kucdump_pcap_close(p);
	return ret ? file_error(path, ret, err) : TOOL_EXIT_OK;
}

/* The trailing filter words as one expression, joined with blanks. */
static char *join_words(const char **words)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; words[i]; i++)
		len += strlen(words[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; words[i]; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	return s;
}

/* On stderr, one line: text for people, JSON with -j. */
static void print_summary(const struct sink *s, uint64_t dropped)
{
	struct tool_out o;

	tool_out_init(&o, stderr, opt.json, false);
	tool_out_open(&o, NULL);
	tool_out_u64(&o, "captured", "%" PRIu64 " captured, ", s->shown);
	tool_out_u64(&o, "dropped", "%" PRIu64 " dropped\n", dropped);
	tool_out_close(&o);
}

static int parse_args(int argc, const char **argv, const char **spec)
{
	int version = 0, helped = 0;
	struct poptOption opts[] = {
		{ "count", 'c', POPT_ARG_LONG, &opt.count, 0, NULL, NULL },
		{ "snaplen", 's', POPT_ARG_LONG, &opt.snaplen, 0, NULL, NULL },
		{ "buffer", 'B', POPT_ARG_LONG, &opt.buffer_kib, 0, NULL, NULL },
		{ "hex", 'x', POPT_ARG_NONE, &opt.hex, 0, NULL, NULL },
		{ NULL, 't', POPT_ARG_NONE, NULL, 't', NULL, NULL },
		{ "quiet", 'q', POPT_ARG_NONE, &opt.quiet, 0, NULL, NULL },
		{ "json", 'j', POPT_ARG_NONE, &opt.json, 0, NULL, NULL },
		{ "pretty", 'p', POPT_ARG_NONE, &opt.pretty, 0, NULL, NULL },
		{ "filter", 'f', POPT_ARG_STRING, &opt.filter, 0, NULL, NULL },
		{ "write", 'w', POPT_ARG_STRING, &opt.wfile, 0, NULL, NULL },
		{ "pcapng", 0, POPT_ARG_NONE, &opt.pcapng, 0, NULL, NULL },
		{ "read", 'r', POPT_ARG_STRING, &opt.rfile, 0, NULL, NULL },
		{ "help", 'h', POPT_ARG_NONE, &helped, 0, NULL, NULL },
		{ "version", 'V', POPT_ARG_NONE, &version, 0, NULL, NULL },
		POPT_TABLEEND
	};
	const char **args, **words;
	poptContext ctx;
	int rc, ret = -1;

	ctx = poptGetContext("kucdump", argc, argv, opts, 0);
	/* -t counts: -tt, -ttt, ... as in tcpdump. */
	while ((rc = poptGetNextOpt(ctx)) == 't')
		opt.tees++;
	if (rc < -1) {
		ret = tool_usage("%s: %s", poptBadOption(ctx, 0),
				 poptStrerror(rc));
		goto out;
	}
	if (helped) {
		help();
		ret = TOOL_EXIT_OK;
		goto out;
	}
	if (version) {
		printf("kucdump %s\n", kuc_version());
		ret = TOOL_EXIT_OK;
		goto out;
	}
	args = poptGetArgs(ctx);
	/* -p is JSON, laid out for people. */
	if (opt.pretty)
		opt.json = 1;
	/* With -r, every argument is filter; else all after CHANNEL. */
	words = args ? (opt.rfile ? args : args + 1) : NULL;
	if (words && !words[0])
		words = NULL;
	if (opt.count < 0)
		ret = tool_usage("--count wants a number >= 0");
	else if (opt.snaplen < 0 || opt.snaplen > (long)KUCOMMS_TAP_SNAPLEN_MAX)
		ret = tool_usage("--snaplen wants 0 to %llu",
				 (unsigned long long)KUCOMMS_TAP_SNAPLEN_MAX);
	else if (opt.buffer_kib && (opt.buffer_kib < 64 ||
		 opt.buffer_kib > 16384 ||
		 (opt.buffer_kib & (opt.buffer_kib - 1))))
		ret = tool_usage("--buffer wants a power of two from 64 to 16384 (KiB)");
	else if (!opt.rfile && (!args || !args[0]))
		ret = tool_usage("missing CHANNEL");
	else if (opt.filter && words)
		ret = tool_usage("the filter is given twice: -f and after the %s",
				 opt.rfile ? "file" : "channel");
	else if (opt.json && opt.wfile)
		ret = tool_usage("--json and -w exclude each other");
	else if (opt.pcapng && !opt.wfile)
		ret = tool_usage("--pcapng goes with -w");
	else if (opt.tees > 5)
		ret = tool_usage("-t: at most five (-ttttt)");
	else if (words && !(opt.filter = join_words(words))) {
		tool_msg("out of memory");
		ret = TOOL_EXIT_FAILURE;
	} else
		*spec = args && !opt.rfile ? strdup(args[0]) : NULL;
out:
	/* popt owns the strings of args; the options' strings are ours. */
	poptFreeContext(ctx);
	return ret;
}

int main(int argc, const char **argv)
{
	struct sink s = { 0 };
	const char *spec = NULL;
	uint64_t dropped = 0;
	char err[160];
	int ret;

	tool_set_name("kucdump");
	ret = parse_args(argc, argv, &spec);
	if (ret >= 0)
		return ret;
	s.text.tstamp = (enum kucdump_tstamp)opt.tees;
	s.text.quiet = opt.quiet;
	s.text.hex = opt.hex;
	if (opt.filter && kucdump_filter_parse(opt.filter, &s.filter, err,
					       sizeof(err))) {
		tool_msg("--filter: %s", err);
		return TOOL_EXIT_INPUT;
	}
	if (opt.wfile) {
		ret = kucdump_pcap_create(opt.wfile, opt.snaplen ?
					  (uint32_t)opt.snaplen :
					  (uint32_t)KUCOMMS_TAP_SNAPLEN_MAX,
					  opt.pcapng, &s.wfile);
		if (ret) {
			tool_msg("%s: %s", opt.wfile, strerror(-ret));
			return tool_exit_for(ret);
		}
		if (spec && is_shm(spec))
			kucdump_pcap_set_kind(s.wfile, KUCDUMP_KIND_SHM);
	}
	catch_signals();
	if (opt.rfile)
		ret = run_file(opt.rfile, &s);
	else
		ret = run_live(spec, &s, &dropped);

	if (s.wfile) {
		int cret = kucdump_pcap_close(s.wfile);

		if (cret && !s.err)
			s.err = cret;
	}
	/* A write error fails even a run that failed otherwise. */
	if (tool_flush_stdout(TOOL_EXIT_OK))
		ret = TOOL_EXIT_FAILURE;
	if (s.err) {
		tool_msg("%s: write: %s", opt.wfile ? opt.wfile : "stdout",
			 strerror(-s.err));
		ret = TOOL_EXIT_FAILURE;
	}
	if (s.started)
		print_summary(&s, dropped);
	kucdump_filter_free(s.filter);
	free((void *)spec);
	free(opt.filter);
	free(opt.wfile);
	free(opt.rfile);
	return ret;
}
