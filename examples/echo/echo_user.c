// SPDX-License-Identifier: MIT
/*
 * kucomms_echo_user: the echo endpoint in userspace. The handlers are
 * echo_handlers.c, the very file kucomms_echo.ko is built from; here
 * kucomms/kucomms_endpoint.h maps their endpoint API onto libkuc, and
 * they serve the shm segment /dev/shm/kucomms_NAME instead of the device.
 * This is how a kernel handler is developed without a module: run it
 * here, talk to it with kuc_open("shm:NAME"), then build the same file
 * into the module.
 *
 *   kucomms_echo_user [-c] [-s BYTES] [-p US] [NAME]  (default kucomms_echo)
 *
 * -c creates the segment first if it does not exist (mode 0600, rings of
 * -s BYTES, default 64 KiB); otherwise create it with
 * kucctl create --shm NAME. -p US makes the endpoint thread poll for US
 * microseconds after the last message (kuc_endpoint_poll_idle()), as a
 * device's poll_idle_us does in the kernel. Runs until SIGINT or SIGTERM, then prints how
 * often each handler ran. Exit status: 0, 1 on an error, 2 on bad usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "echo_handlers.h"
#include "kucomms_echo.h"

static void print_usage(FILE *f)
{
	fprintf(f, "usage: kucomms_echo_user [-c] [-s BYTES] [-p US] [NAME]\n"
		"  -c        create the segment /dev/shm/NAME if missing\n"
		"  -s BYTES  its ring size (with -c; default 65536)\n"
		"  -p US     poll for US microseconds after the last message\n"
		"            before sleeping (0-1000000; default 0, off)\n"
		"  NAME      the segment to serve (default " ECHO_NAME ")\n");
}

int main(int argc, char **argv)
{
	const char *name = ECHO_NAME;
	struct kucomms_endpoint *ep;
	unsigned long long size = 0, poll_us = 0;
	bool create = false;
	sigset_t set;
	char *end;
	int opt, sig, ret;

	while ((opt = getopt(argc, argv, "cs:p:h")) != -1) {
		switch (opt) {
		case 'c':
			create = true;
			break;
		case 's':
			size = strtoull(optarg, &end, 0);
			if (*end || !size) {
				fprintf(stderr, "kucomms_echo_user: bad size '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'p':
			poll_us = strtoull(optarg, &end, 0);
			if (*end || !*optarg ||
			    poll_us > KUCOMMS_POLL_IDLE_MAX_US) {
				fprintf(stderr, "kucomms_echo_user: bad poll time '%s' (0-%u us)\n",
					optarg, KUCOMMS_POLL_IDLE_MAX_US);
				return 2;
			}
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc) {
		print_usage(stderr);
		return 2;
	}
	if (create) {
		ret = kuc_shm_create(name, size, 0600, (uid_t)-1, (gid_t)-1);
		if (ret && ret != -EEXIST) {
			fprintf(stderr, "kucomms_echo_user: create %s: %s\n",
				name, kuc_strerror(ret));
			return 1;
		}
	}
	/* The signals are taken by sigwait() below, in this thread only. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	ep = kucomms_register(name, &echo_ops, NULL);
	if (IS_ERR(ep)) {
		fprintf(stderr, "kucomms_echo_user: serve %s: %s\n", name,
			kuc_strerror((int)PTR_ERR(ep)));
		return 1;
	}
	kuc_endpoint_poll_idle(ep->ch, (unsigned int)poll_us);
	printf("serving shm:%s\n", name);
	fflush(stdout);
	sigwait(&set, &sig);
	kucomms_unregister(ep);
	printf("messages=%lld work_runs=%lld timer_runs=%lld dropped=%lld",
	       atomic64_read(&echo_messages), atomic64_read(&echo_work_runs),
	       atomic64_read(&echo_timer_runs), atomic64_read(&echo_dropped));
	printf(" connects=%lld disconnects=%lld\n",
	       atomic64_read(&echo_connects), atomic64_read(&echo_disconnects));
	return 0;
}
