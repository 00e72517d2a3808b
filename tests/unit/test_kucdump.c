// SPDX-License-Identifier: MIT
/*
 * kucdump's filter language, JSON output and capture files, compiled in
 * from tools/kucdump/ (they need no device), under ASan/UBSan.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

#include "../../tools/kucdump/filter.c"
#include "../../tools/kucdump/pcap.c"
#include "../../tools/kucdump/pcapng.c"
#include "../../tools/kucdump/print_json.c"

/* kucdump_dir_name() lives with the text printer; the tests need only it. */
const char *kucdump_dir_name(unsigned int dir)
{
	return dir == KUCOMMS_TAP_U2K ? "u2k" : "k2u";
}

static struct kuc_tap_record rec(unsigned int dir, uint64_t conn,
				 uint64_t type, uint64_t id, uint64_t len)
{
	struct kuc_tap_record r = {
		.dir = dir, .conn_id = conn,
		.hdr = { .length = len, .type = type, .id = id },
	};

	return r;
}

/* @expr parses and gives @want on @r. */
static void match(const char *expr, struct kuc_tap_record r, bool want)
{
	struct kucdump_filter *f;
	char err[128] = "";
	int ret = kucdump_filter_parse(expr, &f, err, sizeof(err));

	TAP_OK(ret == 0 && kucdump_filter_match(f, &r) == want,
	       "'%s' %s (ret %d %s)", expr, want ? "matches" : "does not match",
	       ret, err);
	kucdump_filter_free(f);
}

static void refused(const char *expr, const char *why)
{
	struct kucdump_filter *f;
	char err[128] = "";
	int ret = kucdump_filter_parse(expr, &f, err, sizeof(err));

	TAP_OK(ret == -EINVAL && !f && strstr(err, why),
	       "'%s' refused: '%s' (got %d '%s')", expr, why, ret, err);
}

/* The JSON line of @r with @data. */
static const char *json(struct kuc_tap_record r, const void *data)
{
	static char buf[1024];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	r.data = data;
	r.caplen = (uint32_t)r.hdr.length;
	kucdump_print_json(f, &r, false);
	fclose(f);
	return buf;
}

static void test_filters(void)
{
	struct kuc_tap_record a = rec(KUCOMMS_TAP_U2K, 3, 16, 100, 5);
	struct kuc_tap_record b = rec(KUCOMMS_TAP_K2U, 4, UINT64_MAX, 0, 70);

	match("u2k", a, true);
	match("dir k2u", a, false);
	match("k2u", b, true);
	match("conn 3", a, true);
	match("conn == 4", a, false);
	match("conn != 4", a, true);
	match("type 0x10 and id >= 100", a, true);
	match("type 0x10 and id > 100", a, false);
	match("type 18446744073709551615", b, true);
	match("type == 0xffffffffffffffff && length <= 70", b, true);
	match("length < 70", b, false);
	match("not u2k", a, false);
	match("!u2k", b, true);
	match("!(u2k)", b, true);
	match("u2k or k2u and conn 9", a, true);	/* and binds tighter */
	match("(u2k or k2u) and conn 9", a, false);
	match("not u2k and conn 4", b, true);		/* not binds tightest */
	match("k2u || conn 3", a, true);
	/* Operators need no blanks around them (tcpdump, C). */
	match("type==16", a, true);
	match("type=16", a, true);
	match("type!=16", a, false);
	match("id>=100&&conn<4", a, true);
	match("id>100||length<=5", a, true);
	match("!(u2k)&&type==0xffffffffffffffff", b, true);
	match("conn>3", b, true);
	refused("", "empty");
	refused("type===1", "wants a number, not '='");
	refused("type==1 & id 2", "unexpected '&'");
	refused("type<>1", "wants a number, not '>'");
	refused("type", "wants a number");
	refused("type ==", "wants a number, not 'the end'");
	refused("type x", "wants a number, not 'x'");
	refused("type -1", "wants a number");
	refused("type 18446744073709551616", "wants a number");
	refused("dir up", "'dir' wants u2k or k2u");
	refused("(u2k", "missing ')'");
	refused("u2k)", "unexpected ')'");
	refused("u2k and", "ends too soon");
	refused("colour 3", "unknown word 'colour'");
	refused("not", "ends too soon");
}

/*
 * @levels of "!" (or of "(", with as many ")") before u2k: parses and
 * matches a u2k record, or is refused as too deep.
 */
static void nested(size_t levels, bool parens, bool ok)
{
	struct kuc_tap_record r = rec(KUCOMMS_TAP_U2K, 1, 1, 1, 1);
	char *expr = malloc(2 * levels + 4), err[128] = "";
	struct kucdump_filter *f;
	int ret;

	memset(expr, parens ? '(' : '!', levels);
	memcpy(expr + levels, "u2k", 3);
	memset(expr + levels + 3, ')', parens ? levels : 0);
	expr[levels + 3 + (parens ? levels : 0)] = '\0';
	ret = kucdump_filter_parse(expr, &f, err, sizeof(err));
	if (ok)
		TAP_OK(!ret && kucdump_filter_match(f, &r) == (parens || levels % 2 == 0),
		       "%zu levels of '%c' parse (ret %d %s)", levels,
		       parens ? '(' : '!', ret, err);
	else
		TAP_OK(ret == -EINVAL && !f && strstr(err, "nested more than 256 deep"),
		       "%zu levels of '%c' refused: '%s'", levels,
		       parens ? '(' : '!', err);
	kucdump_filter_free(f);
	free(expr);
}

/* An argument of 128 KiB of "!" overflowed the parser's stack. */
static void test_filter_depth(void)
{
	nested(256, false, true);
	nested(256, true, true);
	nested(257, false, false);
	nested(257, true, false);
	nested(131072, false, false);
	nested(65536, true, false);
}

static void test_json(void)
{
	struct kuc_tap_record r = rec(KUCOMMS_TAP_K2U, 7, 1, 2, 5);

	r.ts_ns = 1700000000123456789ULL;
	r.hdr.value = UINT64_MAX;
	TAP_OK(!strcmp(json(r, "hello"),
		       "{\"ts\":\"1700000000.123456789\",\"dir\":\"k2u\",\"conn\":7,"
		       "\"type\":1,\"id\":2,\"value\":18446744073709551615,"
		       "\"length\":5,\"caplen\":5,\"data\":\"hello\"}\n"),
	       "a text message, u64 values exact: %s", json(r, "hello"));
	r.hdr.length = 4;
	TAP_OK(strstr(json(r, "a\"\\\n"), "\"data\":\"a\\\"\\\\\\n\"}"),
	       "quotes, backslashes and newlines escaped");
	r.hdr.length = 3;
	TAP_OK(strstr(json(r, "\x00\xff\x01"), "\"data\":{\"hex\":\"00ff01\"}"),
	       "binary data as hex");
	r.hdr.length = 6;
	TAP_OK(strstr(json(r, "gr\xc3\xbc\xc3\x9f"), "\"data\":\"gr\xc3\xbc\xc3\x9f\""),
	       "UTF-8 text stays text");
	r.hdr.length = 2;
	TAP_OK(strstr(json(r, "\xc0\xaf"), "{\"hex\":\"c0af\"}"),
	       "an overlong UTF-8 form is hex");
	r.hdr.length = 3;
	TAP_OK(strstr(json(r, "\xed\xa0\x80"), "{\"hex\":\"eda080\"}"),
	       "a UTF-16 surrogate is hex");
	r.hdr.length = 2;
	TAP_OK(strstr(json(r, "\xc2\x85"), "{\"hex\":\"c285\"}"),
	       "a C1 control character is hex");
	r.hdr.length = 2;
	TAP_OK(strstr(json(r, "\xc3"), "{\"hex\":") != NULL,
	       "a cut UTF-8 sequence is hex");
	r.hdr.length = 0;
	TAP_OK(strstr(json(r, ""), "\"length\":0,\"caplen\":0,\"data\":\"\"}"),
	       "no data: an empty string");
}

/*
 * Write a record to @path as pcap or (@ng) pcapng and read it back: it
 * must come back whole. @data's length is odd for pcapng's padding.
 */
static void pcap_roundtrip(const char *path, bool ng, const char *data)
{
	struct kuc_tap_record w = rec(KUCOMMS_TAP_U2K, 9, 5, 6, 10), r;
	const char *fmt = ng ? "pcapng" : "pcap";
	struct kucdump_pcap *p;
	char err[128] = "";
	int ret;

	w.ts_ns = 1700000000000000042ULL;
	w.hdr.value = 0x0102030405060708ULL;
	w.caplen = (uint32_t)strlen(data);
	w.data = data;
	ret = kucdump_pcap_create(path, 4, ng, &p);
	TAP_OK(ret == 0, "%s: create a capture (%d)", fmt, ret);
	if (ret)
		return;
	TAP_OK(kucdump_pcap_write(p, &w) == 0, "%s: write a record", fmt);
	w.dir = KUCOMMS_TAP_K2U;
	TAP_OK(kucdump_pcap_write(p, &w) == 0, "%s: and its reply", fmt);
	TAP_OK(kucdump_pcap_close(p) == 0, "%s: close", fmt);
	ret = kucdump_pcap_open(path, &p, err, sizeof(err));
	TAP_OK(ret == 0, "%s: open it again (%d %s)", fmt, ret, err);
	if (ret)
		return;
	for (w.dir = KUCOMMS_TAP_U2K; w.dir <= KUCOMMS_TAP_K2U; w.dir++) {
		ret = kucdump_pcap_read(p, &r, err, sizeof(err));
		TAP_OK(ret == 0 && r.ts_ns == w.ts_ns && r.dir == w.dir &&
		       r.conn_id == 9 && r.hdr.type == 5 && r.hdr.id == 6 &&
		       r.hdr.value == w.hdr.value && r.hdr.length == 10 &&
		       r.caplen == w.caplen && !memcmp(r.data, data, w.caplen),
		       "%s: the %s record comes back whole (%d %s)", fmt,
		       kucdump_dir_name(w.dir), ret, err);
	}
	TAP_OK(kucdump_pcap_read(p, &r, err, sizeof(err)) == 1,
	       "%s: then the end", fmt);
	kucdump_pcap_close(p);
}

static void test_pcap(void)
{
	char path[] = "/tmp/kucdump-unit-XXXXXX";
	struct kuc_tap_record r;
	struct kucdump_pcap *p;
	char err[128] = "";
	int fd = mkstemp(path), ret;
	FILE *f;

	close(fd);
	pcap_roundtrip(path, true, "abc");
	pcap_roundtrip(path, false, "abcd");
	/* A packet shorter than the pseudo-header is refused, not read. */
	f = fopen(path, "r+b");
	fseek(f, 24 + 8, SEEK_SET);
	fwrite("\x10\0\0\0", 4, 1, f);
	fclose(f);
	ret = kucdump_pcap_open(path, &p, err, sizeof(err));
	TAP_OK(ret == 0, "open the damaged file");
	if (!ret) {
		ret = kucdump_pcap_read(p, &r, err, sizeof(err));
		TAP_OK(ret == -EPROTO && strstr(err, "bad packet length 16"),
		       "a 16-byte packet is refused (%d %s)", ret, err);
		kucdump_pcap_close(p);
	}
	/* Another link type is not ours. */
	f = fopen(path, "r+b");
	fseek(f, 20, SEEK_SET);
	fwrite("\x01\0\0\0", 4, 1, f);
	fclose(f);
	ret = kucdump_pcap_open(path, &p, err, sizeof(err));
	TAP_OK(ret == -EPROTO && strstr(err, "link type 1,"),
	       "an Ethernet capture is refused (%d %s)", ret, err);
	unlink(path);
}

/* Read @path to its end; the number of records, or -1 on an error. */
static int read_all(const char *path)
{
	struct kuc_tap_record r;
	struct kucdump_pcap *p;
	char err[160];
	int n = 0, ret;

	if (kucdump_pcap_open(path, &p, err, sizeof(err)))
		return -1;
	while ((ret = kucdump_pcap_read(p, &r, err, sizeof(err))) == 0)
		n++;
	kucdump_pcap_close(p);
	return ret == 1 ? n : -1;
}

/*
 * pcapng, little-endian, nanoseconds: one section, one interface, one
 * packet; then every truncation and every single corrupted byte of it
 * is read without a fault (ASan watches) and never yields a bad record.
 */
static void test_pcapng(void)
{
	static const unsigned char ng[] = {
		/* section header, 28 bytes */
		0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a,
		1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		28, 0, 0, 0,
		/* interface: USER0, if_tsresol 9; 32 bytes */
		1, 0, 0, 0, 32, 0, 0, 0, 147, 0, 0, 0, 0, 0, 1, 0,
		9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0,
		/* enhanced packet: 48-byte pseudo-header + "ab"; 84 bytes */
		6, 0, 0, 0, 84, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		42, 0, 0, 0, 50, 0, 0, 0, 50, 0, 0, 0,
		1, 1, 0, 48, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7,
		0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3,
		0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 5,
		'a', 'b', 0, 0, 84, 0, 0, 0,
	};
	char path[] = "/tmp/kucdump-ng-XXXXXX";
	unsigned char copy[sizeof(ng)];
	struct kuc_tap_record r;
	struct kucdump_pcap *p;
	int fd = mkstemp(path), bad = 0, n;
	char err[160] = "";
	size_t i, len;

	if (write(fd, ng, sizeof(ng)) != (ssize_t)sizeof(ng))
		bad = 1;
	close(fd);
	TAP_OK(!bad && kucdump_pcap_open(path, &p, err, sizeof(err)) == 0,
	       "a pcapng file opens (%s)", err);
	if (bad)
		return;
	n = kucdump_pcap_read(p, &r, err, sizeof(err));
	TAP_OK(n == 0 && r.ts_ns == 42 && r.dir == KUCOMMS_TAP_K2U &&
	       r.conn_id == 7 && r.hdr.length == 2 && r.hdr.type == 3 &&
	       r.hdr.id == 4 && r.hdr.value == 5 && r.caplen == 2 &&
	       !memcmp(r.data, "ab", 2), "its record, exactly (%d %s)", n, err);
	TAP_OK(kucdump_pcap_read(p, &r, err, sizeof(err)) == 1, "then the end");
	kucdump_pcap_close(p);
	for (len = 0; len < sizeof(ng); len++) {
		fd = open(path, O_WRONLY | O_TRUNC);
		if (write(fd, ng, len) != (ssize_t)len)
			bad++;
		close(fd);
		/* Cut at a block's end: fewer records; elsewhere: an error. */
		n = read_all(path);
		if (n > 0 || (n == 0 && len != 28 && len != 60))
			bad++;
	}
	TAP_OK(!bad, "every truncation is an error or the end of a block");
	for (i = 0, bad = 0; i < sizeof(ng); i++) {
		memcpy(copy, ng, sizeof(ng));
		copy[i] ^= 0xa5;
		fd = open(path, O_WRONLY | O_TRUNC);
		if (write(fd, copy, sizeof(copy)) != (ssize_t)sizeof(copy))
			bad++;
		close(fd);
		if (read_all(path) > 1)
			bad++;
	}
	TAP_OK(!bad, "every corrupted byte reads safely");
	unlink(path);
}

int main(void)
{
	test_filters();
	test_filter_depth();
	test_json();
	test_pcap();
	test_pcapng();
	return tap_done();
}
