// SPDX-License-Identifier: MIT
/*
 * kuc_echo_client: drive kucomms_echo.ko (NAME kucomms_echo) or its
 * userspace twin kucomms_echo_user (NAME shm:kucomms_echo) through libkuc
 * and check every reply. Run by tests/bats/echo.bats in the test VM and
 * by tests/host/shm.bats on the host.
 *
 * Every message is reproducible from (seed, stream, id): its length and
 * data come from a PRNG seeded with them, its header carries id = the
 * sequence number in its stream, type = the stream's tag and value = the
 * FNV-1a 64 of its data. A reply is checked against all of that, and
 * each stream keeps a bitmap of the ids it got, so that losses,
 * duplicates, reordering and corruption are all counted.
 *
 * Exit status: 0 all replies perfect, 1 a check failed, 2 an error (its
 * errno name is printed, e.g. "open kucomms_echo: ENXIO").
 */
#include "echo_client.h"

struct opts opt = {
	.count = 1000,
	.seed = 1,
	.conns = 1,
	.timeout_ms = 10000,
	.duration = 5,
};

/* ---- main ------------------------------------------------------------- */

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: %s [options] NAME\n"
		"  --mode M        stream (default), pingpong, broadcast, endpoint, hold\n"
		"  --count N       messages per stream (default 1000)\n"
		"  --size B        every message B data bytes\n"
		"  --min-size B    smallest message (default 0)\n"
		"  --max-size B    largest message (default: the channel's maximum)\n"
		"  --seed S        PRNG seed (default 1)\n"
		"  --conns C       connections (stream: each its own; broadcast: all receive)\n"
		"  --threads T     T threads send_locked on one channel, one receives\n"
		"  --batch         stream: kuc_send_more() bursts and one kuc_flush()\n"
		"  --timeout MS    give up after MS without progress (default 10000)\n"
		"  --duration S    endpoint: run at least S seconds (default 5)\n",
		"kuc_echo_client");
}

static uint64_t num(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	if (*s == '-' || *end) {
		fprintf(stderr, "kuc_echo_client: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "min-size", required_argument, NULL, 'a' },
		{ "max-size", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 'S' },
		{ "conns", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 't' },
		{ "batch", no_argument, NULL, 'B' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const char *const modes[] = {
		[MODE_STREAM] = "stream",
		[MODE_PINGPONG] = "pingpong",
		[MODE_BROADCAST] = "broadcast",
		[MODE_ENDPOINT] = "endpoint",
		[MODE_HOLD] = "hold",
	};
	unsigned int m;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			for (m = 0; m < ARRAY_SIZE(modes); m++)
				if (!strcmp(optarg, modes[m]))
					break;
			if (m == ARRAY_SIZE(modes)) {
				print_usage(stderr);
				return 2;
			}
			opt.mode = (enum mode)m;
			break;
		case 'n':
			opt.count = num(optarg);
			break;
		case 's':
			opt.min_size = num(optarg);
			opt.max_size = opt.min_size;
			break;
		case 'a':
			opt.min_size = num(optarg);
			break;
		case 'b':
			opt.max_size = num(optarg);
			break;
		case 'S':
			opt.seed = num(optarg);
			break;
		case 'c':
			opt.conns = (unsigned int)num(optarg);
			break;
		case 't':
			opt.threads = (unsigned int)num(optarg);
			break;
		case 'B':
			opt.batch = true;
			break;
		case 'T':
			opt.timeout_ms = (int)num(optarg);
			break;
		case 'd':
			opt.duration = (unsigned int)num(optarg);
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !opt.conns) {
		print_usage(stderr);
		return 2;
	}
	opt.name = argv[optind];
	if (opt.max_size && opt.min_size > opt.max_size) {
		fprintf(stderr, "kuc_echo_client: --min-size above --max-size\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	switch (opt.mode) {
	case MODE_PINGPONG:
		return run_pingpong();
	case MODE_BROADCAST:
		return run_broadcast();
	case MODE_ENDPOINT:
		return run_endpoint();
	case MODE_HOLD:
		return run_hold();
	default:
		return opt.threads ? run_threads() : run_stream();
	}
}
