// SPDX-License-Identifier: MIT
/*
 * kuc_sendmsg: send exact messages through kucomms_echo.ko and wait for
 * each reply, for the kucdump tests (kucsend will do this for users).
 *
 *   kuc_sendmsg DEVICE TYPE:ID:VALUE:HEX...
 *
 * Each argument is one message: three numbers (decimal or 0x hex) and
 * its data in hex (may be empty). Prints "conn N" then one line per reply
 * "reply type=T id=I value=V length=L hex=H". Exit 0, or 1 with a
 * one-line error.
 *
 *   kuc_sendmsg --burst N DEVICE
 *
 * Sends N empty messages (ids 1 to N) without reading a reply, closes the
 * channel at once and prints "sent N": the echo module's replies fill the
 * reply ring, the endpoint holds the rest back (flow control), and
 * messages are still queued for the kernel when the file is closed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kuc.h>

static unsigned char buf[1 << 22], out[1 << 22];

static int parse(char *arg, struct kucomms_msg_hdr *hdr, unsigned char *data)
{
	char *p = arg, *end;
	__u64 *f[3] = { &hdr->type, &hdr->id, &hdr->value };
	size_t i, n;

	for (i = 0; i < 3; i++) {
		*f[i] = strtoull(p, &end, 0);
		if (end == p || *end != ':')
			return -1;
		p = end + 1;
	}
	n = strlen(p);
	if (n % 2 || n / 2 > sizeof(buf))
		return -1;
	for (i = 0; i < n / 2; i++)
		if (sscanf(p + 2 * i, "%2hhx", &data[i]) != 1)
			return -1;
	hdr->length = n / 2;
	return 0;
}

static int burst(const char *dev, const char *count)
{
	struct kucomms_msg_hdr hdr = { 0 };
	struct kuc_channel *ch;
	unsigned long n, i;
	int err;

	n = strtoul(count, NULL, 10);
	err = kuc_open(dev, &ch);
	if (err) {
		fprintf(stderr, "kuc_sendmsg: %s: %s\n", dev, kuc_strerror(err));
		return 1;
	}
	for (i = 1; i <= n; i++) {
		hdr.id = i;
		err = kuc_send_wait(ch, &hdr, NULL, 5000);
		if (err) {
			fprintf(stderr, "kuc_sendmsg: message %lu: %s\n", i,
				kuc_strerror(err));
			kuc_close(ch);
			return 1;
		}
	}
	kuc_close(ch);
	printf("sent %lu\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	struct kucomms_msg_hdr hdr;
	struct kuc_channel *ch;
	int i, err;
	uint64_t j;

	if (argc == 4 && !strcmp(argv[1], "--burst"))
		return burst(argv[3], argv[2]);
	if (argc < 2) {
		fprintf(stderr, "usage: kuc_sendmsg DEVICE TYPE:ID:VALUE:HEX...\n"
				"       kuc_sendmsg --burst N DEVICE\n");
		return 1;
	}
	err = kuc_open(argv[1], &ch);
	if (err) {
		fprintf(stderr, "kuc_sendmsg: %s: %s\n", argv[1], kuc_strerror(err));
		return 1;
	}
	printf("conn %" PRIu64 "\n", kuc_conn_id(ch));
	for (i = 2; i < argc; i++) {
		if (parse(argv[i], &hdr, buf)) {
			fprintf(stderr, "kuc_sendmsg: bad message '%s'\n", argv[i]);
			kuc_close(ch);
			return 1;
		}
		err = kuc_send_wait(ch, &hdr, buf, 5000);
		if (!err)
			err = kuc_recv(ch, &hdr, out, sizeof(out), 5000);
		if (err) {
			fprintf(stderr, "kuc_sendmsg: %s\n", kuc_strerror(err));
			kuc_close(ch);
			return 1;
		}
		printf("reply type=%llu id=%llu value=%llu length=%llu hex=",
		       hdr.type, hdr.id, hdr.value, hdr.length);
		for (j = 0; j < hdr.length; j++)
			printf("%02x", out[j]);
		printf("\n");
	}
	kuc_close(ch);
	return 0;
}
