// SPDX-License-Identifier: MIT
/*
 * kucdump -r FILE: a capture file someone sent, read by pcap.c, each
 * record then filtered and printed in both formats as kucdump does. The
 * input is the file: it goes into a memfd that pcap.c opens by its
 * /proc/self/fd path, as it would open any other path.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kucdump.h"

#include "fuzz.h"

/* Enough records to reach any state of the reader. */
#define FUZZ_PCAP_RECORDS	64

static FILE *devnull;
static struct kucdump_filter *filter;

static void setup(void)
{
	char err[128];

	if (devnull)
		return;
	devnull = fopen("/dev/null", "we");
	FUZZ_ASSERT(devnull);
	FUZZ_ASSERT(!kucdump_filter_parse("type < 100 or (k2u and length > 8)",
					  &filter, err, sizeof(err)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kuc_tap_record rec;
	struct kucdump_pcap *p;
	char path[64], err[256];
	struct kucdump_text text = { 0 };
	int fd, i, ret;

	setup();
	fd = memfd_create("fuzz.pcap", MFD_CLOEXEC);
	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = kucdump_pcap_open(path, &p, err, sizeof(err));
	FUZZ_ASSERT(!ret == !!p);
	for (i = 0; !ret && i < FUZZ_PCAP_RECORDS; i++) {
		ret = kucdump_pcap_read(p, &rec, err, sizeof(err));
		if (ret)
			break;
		FUZZ_ASSERT(rec.caplen <= rec.hdr.length);
		FUZZ_ASSERT(rec.dir == KUCOMMS_TAP_U2K ||
			    rec.dir == KUCOMMS_TAP_K2U);
		kucdump_filter_match(filter, &rec);
		text.hex = i & 1;
		text.quiet = i & 2;
		text.tstamp = (enum kucdump_tstamp)(i % (KUCDUMP_TS_FIRST + 1));
		kucdump_print_text(devnull, &rec, &text);
		kucdump_print_json(devnull, &rec, i & 4);
	}
	kucdump_pcap_close(p);
	close(fd);
	return 0;
}
