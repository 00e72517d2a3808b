// SPDX-License-Identifier: MIT
/*
 * kucbench: one case of the benchmark (bench/README), as one JSON line.
 *
 *   kucbench [--secs S] [--verify] [--pin] [--window W] CASE MODE SIZE
 *   kucbench --list
 *   kucbench --hold-events      (bench/guest: see kb_hold_events())
 *
 * MODE is stream, rtt or idle (kuc-shm, kuc-dev: an open connection
 * nobody uses, for SECS, to count what waiting costs); SIZE the data bytes of each message (a multiple
 * of 8, at least 16). Host cases run two sides (a forked process, or a
 * thread for pairs; --pin pins them to CPUs 0 and 1, which on a shared
 * host measures how busy those two CPUs are); device cases (kuc-dev*, chr,
 * genl*) run in the test VM, one client against a kernel module: stream
 * keeps a window of echoes in flight. Each side counts its own CPU time,
 * context switches, system calls and wakeups over the measured interval
 * (counters.c); kucomms' endpoint thread is counted from /proc. Every
 * message is checked (type, id, length, its first and last 8 bytes, the
 * sum of its data words, so every byte is read; with --verify every
 * byte is compared): the line says "ok": false otherwise.
 * KB_NO_TRACE=1 in the environment opens no tracepoint (system calls and
 * wakeups then read -1, and the line says "traced": false): the timed
 * rounds of make bench (kb_measure in bench/cases.sh).
 * Exit status: 0, 1 when a message was wrong, 2 on an error.
 */

#include "case.h"

static const struct kb_case cases[] = {
	{ "kuc-shm", HOST, M_STREAM | M_RTT | M_IDLE, KB_KUC, false, false, false,
	  "kucomms shm channel, two processes: kuc_send()/kuc_recv()" },
	{ "kuc-shm-batch", HOST, M_STREAM, KB_KUC, true, false, true,
	  "kucomms shm: kuc_send_more() + kuc_flush() per 64 KiB, kuc_peek()/kuc_release()" },
	{ "kuc-shm-busy", HOST, M_RTT, KB_KUC, false, true, false,
	  "kucomms shm: both sides poll kuc_recv(timeout 0)" },
	{ "kuc-pair", HOST, M_STREAM | M_RTT, KB_KUC, false, false, false,
	  "kucomms in-process pair, two threads: kuc_send()/kuc_recv()" },
	{ "kuc-pair-batch", HOST, M_STREAM, KB_KUC, true, false, true,
	  "kucomms pair: kuc_send_more() + kuc_flush(), kuc_peek()/kuc_release()" },
	{ "kuc-pair-busy", HOST, M_RTT, KB_KUC, false, true, false,
	  "kucomms pair: both sides poll kuc_recv(timeout 0)" },
	{ "pipe", HOST, M_STREAM | M_RTT, KB_BYTES, false, false, false,
	  "pipe(2), one write() per message, reader reads all there is" },
	{ "pipe-batch", HOST, M_STREAM, KB_BYTES, true, false, false,
	  "pipe(2), writes of up to 64 KiB of messages" },
	{ "unix-seqpacket", HOST, M_STREAM | M_RTT, KB_SEQ, false, false, false,
	  "AF_UNIX SOCK_SEQPACKET socketpair, one send()/recv() per message" },
	{ "unix-stream", HOST, M_STREAM | M_RTT, KB_BYTES, false, false, false,
	  "AF_UNIX SOCK_STREAM socketpair, one write() per message, reader reads all there is" },
	{ "spsc", HOST, M_STREAM | M_RTT, KB_SPSC, false, true, false,
	  "the bench's bare SPSC ring (same records, cached positions, spinning)" },
	{ "pingpong", HOST, M_RTT, KB_SPSC, false, true, false,
	  "two processes bouncing one cache line" },
	{ "memcpy", HOST, M_STREAM, KB_SPSC, false, false, false,
	  "memcpy() of the message size within buffers of the ring's size, one thread" },
	{ "kuc-dev", VM, M_STREAM | M_RTT | M_IDLE, KB_KUC, false, false, false,
	  "kucomms device + kucomms_echo.ko: kuc_send()/kuc_recv()" },
	{ "kuc-dev-zc", VM, M_STREAM | M_RTT, KB_KUC, false, false, true,
	  "zero copy at both ends: kucomms_echo.ko's zerocopy=1, the client kuc_peek()s" },
	{ "kuc-dev-poll", VM, M_STREAM | M_RTT, KB_KUC, false, false, false,
	  "kuc-dev with the device's poll_idle_us at 1000 (the endpoint thread polls)" },
	{ "kuc-dev-direct", VM, M_STREAM | M_RTT, KB_KUC, false, false, false,
	  "kuc-dev with kucomms_echo.ko's direct=1 and kuc_set_direct() (handler runs in the client's kick)" },
	{ "kuc-dev-batch", VM, M_STREAM, KB_KUC, true, false, true,
	  "kucomms device: kuc_send_more() + kuc_flush(), kuc_peek()/kuc_release()" },
	{ "chr", VM, M_STREAM | M_RTT, KB_BYTES, false, false, false,
	  "character-device echo (kucbench_chr.ko): write() per message, batched read()" },
	{ "genl", VM, M_STREAM | M_RTT, KB_GENL, false, false, false,
	  "generic netlink echo (kucbench_genl.ko): one sendmsg()/recv() per message" },
	{ "genl-batch", VM, M_STREAM, KB_GENL, true, false, false,
	  "generic netlink: multi-message sendmsg() of up to 64 KiB, recvmmsg()" },
};

struct kb_opts opt = { .secs = 0.5, .max_samples = 2000000 };

struct shared *sh;
double *lat;		/* round-trip samples, seconds */
unsigned char *pattern;	/* the data every message carries */
uint64_t pattern_sum;
char shm_name[64];

/* ---- output ----------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print_side(const char *name, const struct kb_side *s, bool comma)
{
	printf("\"%s\":{\"cpu_ns\":%" PRIu64 ",\"csw\":%" PRIu64 ",\"vcsw\":%"
	       PRIu64 ",\"ivcsw\":%" PRIu64 ",\"syscalls\":%" PRId64
	       ",\"wakeups\":%" PRId64 ",\"kicks\":%" PRIu64 ",\"waits\":%"
	       PRIu64 "}%s", name, s->cpu_ns, s->csw, s->vcsw, s->ivcsw,
	       s->syscalls, s->wakeups, s->kicks, s->waits, comma ? "," : "");
}

static void print_result(int rc)
{
	double secs = sh->t1 - sh->t0, med = 0, p99 = 0;
	uint64_t n = sh->msgs;
	bool two = opt.c->where == HOST && strcmp(opt.c->name, "memcpy");
	bool kt = opt.c->where == VM && opt.c->kind == KB_KUC;

	if (opt.mode == M_RTT && n) {
		qsort(lat, n, sizeof(*lat), cmp_double);
		med = lat[n / 2];
		p99 = lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
	}
	printf("{\"case\":\"%s\",\"where\":\"%s\",\"mode\":\"%s\",\"size\":%" PRIu64
	       ",\"msgs\":%" PRIu64 ",\"bad\":%" PRIu64 ",\"secs\":%.6f,"
	       "\"window\":%u,\"ring\":%zu,\"msgs_per_s\":%.1f,\"bytes_per_s\":%.1f,"
	       "\"rtt_med_ns\":%.1f,\"rtt_p99_ns\":%.1f,\"ok\":%s,"
	       "\"traced\":%s,\"sides\":{",
	       opt.c->name, opt.c->where == VM ? "vm" : "host",
	       opt.mode == M_RTT ? "rtt" : opt.mode == M_IDLE ? "idle" : "stream",
	       opt.size, n, sh->bad, secs,
	       opt.c->where == VM && opt.mode == M_STREAM ? window_for() : 1,
	       opt.ring, secs > 0 ? n / secs : 0, secs > 0 ? n * (double)opt.size / secs : 0,
	       med * 1e9, p99 * 1e9,
	       !rc && n && !sh->bad ? "true" : "false",
	       kb_no_trace() ? "false" : "true");
	print_side("client", &sh->side[0], two || kt);
	if (two)
		print_side("server", &sh->side[1], kt);
	if (kt)
		print_side("kthread", &sh->side[2], false);
	printf("}}\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: kucbench [--secs S] [--verify] [--pin] [--window W] [--vm-ring] CASE MODE SIZE\n"
		"       kucbench --list\n"
		"       kucbench --hold-events   (keep the perf events enabled until killed)\n"
		"--vm-ring: a host case's rings and buffers hold what a VM case's do\n"
		"environment: KB_NO_TRACE=1 counts no system calls or wakeups (no tracepoint)\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "secs", required_argument, NULL, 's' },
		{ "verify", no_argument, NULL, 'v' },
		{ "pin", no_argument, NULL, 'p' },
		{ "window", required_argument, NULL, 'w' },
		{ "vm-ring", no_argument, NULL, 'R' },
		{ "list", no_argument, NULL, 'l' },
		{ "hold-events", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool vm_ring = false;
	unsigned int i;
	int o, rc;

	while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (o) {
		case 's':
			opt.secs = atof(optarg);
			break;
		case 'v':
			opt.verify = true;
			break;
		case 'p':
			opt.pin = true;
			break;
		case 'w':
			opt.window = (unsigned int)atoi(optarg);
			break;
		case 'R':
			vm_ring = true;
			break;
		case 'l':
			for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
				printf("%s %s%s%s%s\t%s\n", cases[i].name,
				       cases[i].where == VM ? "vm" : "host",
				       cases[i].modes & M_STREAM ? " stream" : "",
				       cases[i].modes & M_RTT ? " rtt" : "",
				       cases[i].modes & M_IDLE ? " idle" : "",
				       cases[i].what);
			return 0;
		case 'H':
			return kb_hold_events();
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 3) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(cases[i].name, argv[optind]))
			opt.c = &cases[i];
	opt.mode = !strcmp(argv[optind + 1], "rtt") ? M_RTT :
		   !strcmp(argv[optind + 1], "idle") ? M_IDLE :
		   !strcmp(argv[optind + 1], "stream") ? M_STREAM : 0;
	opt.size = strtoull(argv[optind + 2], NULL, 0);
	opt.ring = vm_ring || (opt.c && opt.c->where == VM) ? KB_VM_RING : KB_RING;
	if (!opt.c || !(opt.c->modes & opt.mode) || opt.size < 16 ||
	    opt.size % 8 || opt.size > opt.ring / 2) {
		fprintf(stderr, "kucbench: no such case, mode or size (see --list)\n");
		return 2;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		opt.pin = false;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	lat = malloc(opt.max_samples * sizeof(*lat));
	pattern = malloc(opt.size);
	if (sh == MAP_FAILED || !lat || !pattern)
		return 2;
	for (i = 0; i < opt.size; i++)
		pattern[i] = (unsigned char)(i * 31 + 7);
	pattern_sum = word_sum(pattern + 8, opt.size - 16);
	/* A side that hangs must not hang the whole benchmark. */
	alarm((unsigned int)(opt.secs * 4) + 60);
	if (!strcmp(opt.c->name, "pingpong"))
		rc = run_pingpong();
	else if (!strcmp(opt.c->name, "memcpy"))
		rc = run_memcpy();
	else if (opt.c->where == VM)
		rc = run_vm();
	else
		rc = run_host();
	print_result(rc);
	return rc ? 2 : sh->bad || !sh->msgs ? 1 : 0;
}
