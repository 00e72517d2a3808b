// SPDX-License-Identifier: MIT
/*
 * echo_client: the smallest useful libkuc program. Sends each argument
 * as a message to the kucomms_echo endpoint and prints the reply.
 *
 *   echo_client [-n NAME] TEXT...
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kuc.h>

int main(int argc, char **argv)
{
	const char *name = "kucomms_echo";
	struct kuc_channel *ch;
	char buf[4096];
	int opt, i, err;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n') {
			fprintf(stderr, "usage: echo_client [-n NAME] TEXT...\n");
			return 2;
		}
		name = optarg;
	}
	err = kuc_open(name, &ch);
	if (err) {
		fprintf(stderr, "echo_client: %s: %s\n", name, kuc_strerror(err));
		return 1;
	}
	for (i = optind; i < argc; i++) {
		struct kucomms_msg_hdr hdr = {
			.length = strlen(argv[i]),
			.type = 1,
			.id = (uint64_t)(i - optind),
			.value = 42,
		};

		err = kuc_send_wait(ch, &hdr, argv[i], 1000);
		if (!err)
			err = kuc_recv(ch, &hdr, buf, sizeof(buf), 1000);
		if (err) {
			fprintf(stderr, "echo_client: %s\n", kuc_strerror(err));
			kuc_close(ch);
			return 1;
		}
		printf("reply: type=%llu id=%llu value=%llu length=%llu data=\"%.*s\"\n",
		       (unsigned long long)hdr.type, (unsigned long long)hdr.id,
		       (unsigned long long)hdr.value,
		       (unsigned long long)hdr.length, (int)hdr.length, buf);
	}
	kuc_close(ch);
	return 0;
}
