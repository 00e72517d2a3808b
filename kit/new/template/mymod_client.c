// SPDX-License-Identifier: MIT
/*
 * mymod_client: say hello to the mymod module through libkuc.
 * Usage: mymod_client TEXT...   (one HELLO per TEXT; prints each reply)
 */
#include <stdio.h>
#include <string.h>

#include <kuc.h>

#include "mymod.h"

int main(int argc, char **argv)
{
	struct kuc_channel *ch;
	char buf[MYMOD_DATA_MAX];
	int i, err;

	err = kuc_open(MYMOD_DEVICE, &ch);
	if (err) {
		fprintf(stderr, "mymod_client: %s: %s\n", MYMOD_DEVICE,
			kuc_strerror(err));
		return 1;
	}
	for (i = 1; i < argc; i++) {
		struct kucomms_msg_hdr hdr = {
			.length = strlen(argv[i]),
			.type = MYMOD_TYPE_HELLO,
			.id = (uint64_t)i,
			.value = 41,
		};

		err = kuc_send_wait(ch, &hdr, argv[i], 1000);
		if (!err)
			err = kuc_recv(ch, &hdr, buf, sizeof(buf), 1000);
		if (err) {
			fprintf(stderr, "mymod_client: %s\n", kuc_strerror(err));
			kuc_close(ch);
			return 1;
		}
		printf("reply: type=%llu id=%llu value=%llu data=\"%.*s\"\n",
		       (unsigned long long)hdr.type, (unsigned long long)hdr.id,
		       (unsigned long long)hdr.value, (int)hdr.length, buf);
	}
	kuc_close(ch);
	return 0;
}
