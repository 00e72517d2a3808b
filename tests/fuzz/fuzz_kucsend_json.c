// SPDX-License-Identifier: MIT
/*
 * kucsend's input: JSON text from arguments, files and stdin, through the
 * position scan (jsonscan.c), jansson, the field checks and the data
 * decoders (input.c, codec.c); every message accepted is then printed
 * back in each output format and data mode (output.c), as the REPL and
 * the reply printer do with what comes back, and its JSON line must
 * parse into the same message again.
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

/*
 * A JSON output line is valid input that gives the same message back
 * (output.c promises it: a reply can be sent again), whatever the data
 * mode.
 */
static void round_trip(const struct kucsend_msg *m,
		       enum tool_data_mode mode)
{
	struct kucsend_batch b = { 0 };
	char err[KUCSEND_ERR_MAX] = "", *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	int ret;

	FUZZ_ASSERT(f);
	kucsend_print_msg(f, &m->hdr, m->data, KUCSEND_FORMAT_JSON, mode);
	FUZZ_ASSERT(!fclose(f));
	ret = kucsend_parse_text("output", line, len, &b, err, sizeof(err));
	if (ret)
		fprintf(stderr, "%s\n%s\n", line, err);
	FUZZ_ASSERT(!ret && b.n == 1);
	FUZZ_ASSERT(!memcmp(&b.msgs[0].hdr, &m->hdr, sizeof(m->hdr)));
	FUZZ_ASSERT(!m->hdr.length ||
		    !memcmp(b.msgs[0].data, m->data, m->hdr.length));
	kucsend_batch_free(&b);
	free(line);
}

static void print_all(const struct kucsend_batch *b)
{
	size_t i;
	int mode;

	for (i = 0; i < b->n; i++) {
		const struct kucsend_msg *m = &b->msgs[i];

		FUZZ_ASSERT(m->where);
		FUZZ_ASSERT(!m->hdr.length || m->data);
		for (mode = TOOL_DATA_AUTO; mode <= TOOL_DATA_BASE64;
		     mode++) {
			round_trip(m, (enum tool_data_mode)mode);
			kucsend_print_msg(devnull, &m->hdr, m->data,
					  KUCSEND_FORMAT_HUMAN,
					  (enum tool_data_mode)mode);
		}
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
