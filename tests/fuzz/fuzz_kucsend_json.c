// SPDX-License-Identifier: MIT
/*
 * kucsend's input: JSON text from arguments, files and stdin, through the
 * position scan (jsonscan.c), jansson, the field checks and the data
 * decoders (input.c, codec.c); every message accepted is then printed
 * back in each output format and data mode (output.c), as the REPL and
 * the reply printer do with what comes back.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kucsend.h"

#include "fuzz.h"

static FILE *devnull;

/*
 * {"data": {"file": "-"}} reads stdin: it must be empty, not whatever
 * the fuzzer was started with (a terminal would stop it).
 */
static void setup(void)
{
	int fd;

	if (devnull)
		return;
	devnull = fopen("/dev/null", "we");
	fd = open("/dev/null", O_RDONLY);
	FUZZ_ASSERT(devnull && fd >= 0 && dup2(fd, 0) == 0);
	close(fd);
}

static void print_all(const struct kucsend_batch *b)
{
	size_t i;
	int fmt, mode;

	for (i = 0; i < b->n; i++) {
		const struct kucsend_msg *m = &b->msgs[i];

		FUZZ_ASSERT(m->where);
		FUZZ_ASSERT(!m->hdr.length || m->data);
		for (fmt = KUCSEND_FORMAT_JSON; fmt <= KUCSEND_FORMAT_HUMAN; fmt++)
			for (mode = KUCSEND_DATA_AUTO;
			     mode <= KUCSEND_DATA_BASE64; mode++)
				kucsend_print_msg(devnull, &m->hdr, m->data,
						  (enum kucsend_format)fmt,
						  (enum kucsend_data_mode)mode);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kucsend_batch b = { 0 };
	char err[KUCSEND_ERR_MAX] = "";
	char *text = malloc(size + 1);
	int ret;

	setup();
	FUZZ_ASSERT(text);
	/* As kucsend_read_file() hands it over: NUL after the end. */
	memcpy(text, data, size);
	text[size] = '\0';
	ret = kucsend_parse_text("fuzz", text, size, &b, err, sizeof(err));
	FUZZ_ASSERT(ret == 0 || ret == -1);
	FUZZ_ASSERT(ret == 0 || err[0]);
	if (!ret) {
		/* The smallest channel's limit, and the largest. */
		kucsend_check_sizes(&b, KUCOMMS_MSG_MAX(1ULL << KUCOMMS_RING_ORDER_MIN),
				    err, sizeof(err));
		print_all(&b);
	}
	kucsend_batch_free(&b);
	free(text);
	return 0;
}
