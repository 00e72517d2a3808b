// SPDX-License-Identifier: MIT
/*
 * What the tools share (common/): the exit statuses libkuc's errors map
 * to, the one-line error reporter, the JSON writer (exact u64, escaping,
 * the pretty layout, text or JSON from one call) and the data encodings,
 * under ASan/UBSan.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

#include "tool_data.h"
#include "tool_json.h"
#include "tool_report.h"

static char buf[4096];

/* What @fn wrote to a memory stream, NUL-ended. */
#define CAPTURE(f, body) do {						\
	FILE *f = fmemopen(buf, sizeof(buf), "w");			\
	body;								\
	fclose(f);							\
} while (0)

static void test_exit(void)
{
	static const struct { int err, want; } map[] = {
		{ 0, TOOL_EXIT_OK }, { -EINVAL, TOOL_EXIT_INPUT },
		{ -ENAMETOOLONG, TOOL_EXIT_INPUT },
		{ -ENOENT, TOOL_EXIT_NOT_FOUND }, { -EACCES, TOOL_EXIT_PERM },
		{ -EPERM, TOOL_EXIT_PERM }, { -ENODEV, TOOL_EXIT_NO_MODULE },
		{ -ENXIO, TOOL_EXIT_PEER }, { -ESHUTDOWN, TOOL_EXIT_PEER },
		{ -ECONNRESET, TOOL_EXIT_PEER },
		{ -ETIMEDOUT, TOOL_EXIT_TIMEOUT },
		{ -EEXIST, TOOL_EXIT_EXISTS }, { -ENOSPC, TOOL_EXIT_BUSY },
		{ -EBUSY, TOOL_EXIT_BUSY }, { -EPROTO, TOOL_EXIT_FAILURE },
		{ -ENOMEM, TOOL_EXIT_FAILURE },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		TAP_OK(tool_exit_for(map[i].err) == map[i].want,
		       "errno %d exits %d (got %d)", -map[i].err, map[i].want,
		       tool_exit_for(map[i].err));
}

static void test_report(void)
{
	int saved = dup(STDERR_FILENO), ret;
	FILE *tmp = tmpfile();
	size_t n;

	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	tool_set_name("kuctest");
	ret = tool_error(-ENODEV, "open %s", "a\nb");
	tool_usage("bad %d", 7);
	tool_note("just so");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	TAP_OK(ret == TOOL_EXIT_NO_MODULE, "tool_error returns the status");
	TAP_OK(!strcmp(buf,
		"kuctest: open a\\x0ab: kucomms module not loaded (try 'modprobe kucomms')\n"
		"kuctest: bad 7 (see 'kuctest --help')\n"
		"kuctest: note: just so\n"),
	       "one line each, control bytes as \\xHH, the hints: %s", buf);
}

/* The same calls, to text or to JSON. */
static void out_sample(FILE *f, bool json)
{
	struct tool_out o;

	tool_out_init(&o, f, json, false);
	tool_out_open(&o, NULL);
	tool_out_u64(&o, "sent", "sent=%" PRIu64, 3);
	tool_out_str(&o, "who", " who=%s", NULL, "none");
	tool_out_null(&o, "size", " size=%s", "unknown");
	tool_out_close(&o);
	tool_out_text(&o, "\n");
}

static void test_json(void)
{
	struct tool_json j;

	CAPTURE(f, {
		tj_init(&j, f, false);
		tj_open_object(&j, NULL);
		tj_u64(&j, "max", UINT64_MAX);
		tj_string(&j, "s", "q\"\\\x01");
		tj_null(&j, "n");
		tj_open_array(&j, "a");
		tj_bool(&j, NULL, true);
		tj_double(&j, NULL, "%.3f", 1.5);
		tj_close_array(&j);
		tj_open_object(&j, "e");
		tj_close_object(&j);
		tj_close_object(&j);
	});
	TAP_OK(!strcmp(buf, "{\"max\":18446744073709551615,\"s\":\"q\\\"\\\\\\u0001\","
			    "\"n\":null,\"a\":[true,1.500],\"e\":{}}\n"),
	       "compact JSON, u64 exact, strings escaped: %s", buf);
	CAPTURE(f, {
		tj_init(&j, f, true);
		tj_open_object(&j, NULL);
		tj_u64(&j, "a", 1);
		tj_open_object(&j, "b");
		tj_u64(&j, "c", 2);
		tj_close_object(&j);
		tj_close_object(&j);
	});
	TAP_OK(!strcmp(buf, "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": 2\n  }\n}\n"),
	       "pretty JSON: %s", buf);
	CAPTURE(f, out_sample(f, false));
	TAP_OK(!strcmp(buf, "sent=3 who=none size=unknown\n"),
	       "the same calls as text: %s", buf);
	CAPTURE(f, out_sample(f, true));
	TAP_OK(!strcmp(buf, "{\"sent\":3,\"who\":null,\"size\":null}\n"),
	       "... and as JSON: %s", buf);
}

static void test_data(void)
{
	unsigned char out[16];
	struct kucomms_msg_hdr h = { .length = 2, .type = UINT64_MAX };
	struct tool_out o;

	TAP_OK(tool_hex_decode("4869 0a", 7, out) == 3 && !memcmp(out, "Hi\n", 3),
	       "hex decodes, blanks between bytes");
	TAP_OK(tool_hex_decode("486", 3, out) == -1, "an odd hex count is refused");
	TAP_OK(tool_base64_decode("SGk", 3, out) == 2 && !memcmp(out, "Hi", 2),
	       "base64 without padding");
	TAP_OK(tool_utf8_valid((const unsigned char *)"\xc3\xbc", 2, true) &&
	       !tool_utf8_valid((const unsigned char *)"\xc0\xaf", 2, false) &&
	       !tool_utf8_valid((const unsigned char *)"\x01", 1, true) &&
	       tool_utf8_valid((const unsigned char *)"\x01", 1, false),
	       "UTF-8: valid, overlong, a control (printable or not)");
	CAPTURE(f, {
		tool_out_init(&o, f, true, false);
		tool_out_open(&o, NULL);
		tool_msg_hdr_out(&o, &h);
		tool_msg_data_out(&o, (const unsigned char *)"\xff\x00", 2,
				  TOOL_DATA_AUTO);
		tool_out_close(&o);
	});
	TAP_OK(!strcmp(buf, "{\"type\":18446744073709551615,\"id\":0,\"value\":0,"
			    "\"length\":2,\"data\":{\"hex\":\"ff00\"}}\n"),
	       "the message JSON: %s", buf);
	CAPTURE(f, {
		tool_out_init(&o, f, false, false);
		tool_msg_hdr_out(&o, &h);
		tool_out_text(&o, " ");
		tool_msg_data_out(&o, (const unsigned char *)"hi", 2,
				  TOOL_DATA_BASE64);
	});
	TAP_OK(!strcmp(buf, "type=18446744073709551615 id=0 value=0 length=2 base64:aGk="),
	       "the same message as text: %s", buf);
}

int main(void)
{
	test_exit();
	test_report();
	test_json();
	test_data();
	return tap_done();
}
