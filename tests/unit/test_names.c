// SPDX-License-Identifier: MIT
/* kuc_name_normalize() and the ABI's kucomms_name_valid() it relies on. */
#include <errno.h>
#include <string.h>

#include <kuc.h>

#include "tap.h"

/* Normalize @in into a roomy buffer; *@out gets the result or "". */
static int norm(const char *in, char *out)
{
	out[0] = '\0';
	return kuc_name_normalize(in, out, KUCOMMS_NAME_MAX + 1);
}

/* @in normalizes to @want. */
static void ok_name(const char *in, const char *want)
{
	char out[KUCOMMS_NAME_MAX + 1];
	int ret = norm(in, out);

	TAP_OK(ret == 0 && !strcmp(out, want), "'%s' -> '%s' (got %d '%s')",
	       in, want, ret, out);
}

/* @in is refused with @err and the output buffer is left alone. */
static void bad_name(const char *in, int err, const char *why)
{
	char out[KUCOMMS_NAME_MAX + 1];
	int ret = norm(in, out);

	TAP_OK(ret == err && !out[0], "%s: refused with %d (got %d)", why,
	       err, ret);
}

/* A string of @n copies of 'a'. */
static const char *a_times(size_t n)
{
	static char buf[256];

	memset(buf, 'a', n);
	buf[n] = '\0';
	return buf;
}

static void test_forms(void)
{
	ok_name("foo", "kucomms_foo");
	ok_name("kucomms_foo", "kucomms_foo");
	ok_name("/dev/kucomms_foo", "kucomms_foo");
	ok_name("a", "kucomms_a");
	ok_name("0", "kucomms_0");
	ok_name("_", "kucomms__");
	ok_name("a_b_9", "kucomms_a_b_9");
	/* A name starting with the prefix is always a full name. */
	ok_name("kucomms_kucomms_x", "kucomms_kucomms_x");
	/* Without the prefix "kucomms" is just a short name. */
	ok_name("kucomms", "kucomms_kucomms");
}

static void test_bad(void)
{
	bad_name("", -EINVAL, "empty");
	bad_name("kucomms_", -EINVAL, "prefix only");
	bad_name("/dev/", -EINVAL, "/dev/ only");
	bad_name("/dev/kucomms_", -EINVAL, "/dev/ and prefix only");
	bad_name("/dev/foo", -EINVAL, "/dev/ path without the prefix");
	bad_name("dev/kucomms_foo", -EINVAL, "relative path");
	bad_name("/dev//kucomms_foo", -EINVAL, "double slash");
	bad_name("Foo", -EINVAL, "upper case");
	bad_name("kucomms_Foo", -EINVAL, "upper case after the prefix");
	bad_name("KUCOMMS_foo", -EINVAL, "upper-case prefix");
	bad_name("a-b", -EINVAL, "'-'");
	bad_name("a/b", -EINVAL, "'/'");
	bad_name("a b", -EINVAL, "space");
	bad_name(" a", -EINVAL, "leading space");
	bad_name("a\n", -EINVAL, "trailing newline");
	bad_name("a.b", -EINVAL, "'.'");
	bad_name("..", -EINVAL, "'..'");
	bad_name("\xc3\xa9", -EINVAL, "non-ASCII");
	bad_name("kucomms_a:b", -EINVAL, "':'");
}

static void test_nul(void)
{
	static const char with_nul[] = "kucomms_ab\0cd";

	/* A C string ends at its NUL: what follows is not looked at. */
	ok_name("foo\0/bar", "kucomms_foo");
	/* The ABI check sees NUL inside the given length as invalid. */
	TAP_OK(!kucomms_name_valid(with_nul, sizeof(with_nul) - 1),
	       "ABI: NUL inside the name is invalid");
	TAP_OK(kucomms_name_valid(with_nul, 10),
	       "ABI: the part before the NUL is valid");
}

static void test_length(void)
{
	char full[512];
	size_t max_short = KUCOMMS_NAME_MAX - KUCOMMS_PREFIX_LEN;

	/* 63 characters in all is the longest, 64 one too many. */
	snprintf(full, sizeof(full), "%s%s", KUCOMMS_PREFIX,
		 a_times(max_short));
	TAP_OK(strlen(full) == 63, "the longest full name has 63 characters");
	ok_name(a_times(max_short), full);
	ok_name(full, full);
	bad_name(a_times(max_short + 1), -ENAMETOOLONG, "64 (short form)");
	snprintf(full, sizeof(full), "%s%s", KUCOMMS_PREFIX,
		 a_times(max_short + 1));
	bad_name(full, -ENAMETOOLONG, "64 (full form)");
	bad_name(a_times(200), -ENAMETOOLONG, "200 characters");
	/* Both wrong: the bad character is reported, not the length. */
	snprintf(full, sizeof(full), "%sA", a_times(80));
	bad_name(full, -EINVAL, "too long and upper case");
}

static void test_buffer(void)
{
	char out[16];
	int ret;

	/* "kucomms_foo" needs 12 bytes with the NUL. */
	memset(out, 'x', sizeof(out));
	ret = kuc_name_normalize("foo", out, 12);
	TAP_OK(ret == 0 && !strcmp(out, "kucomms_foo"), "exact buffer fits");
	memset(out, 'x', sizeof(out));
	ret = kuc_name_normalize("foo", out, 11);
	TAP_OK(ret == -ENOBUFS && out[0] == 'x',
	       "one byte short: -ENOBUFS, buffer untouched (got %d)", ret);
	ret = kuc_name_normalize("foo", NULL, 0);
	TAP_OK(ret == -ENOBUFS, "no buffer: -ENOBUFS (got %d)", ret);
	ret = kuc_name_normalize("Foo", NULL, 0);
	TAP_OK(ret == -EINVAL, "bad name without buffer: -EINVAL (got %d)",
	       ret);
	ret = kuc_name_normalize("foo", NULL, 12);
	TAP_OK(ret == -EINVAL, "NULL buffer with a size: -EINVAL (got %d)",
	       ret);
	ret = kuc_name_normalize(NULL, out, sizeof(out));
	TAP_OK(ret == -EINVAL, "NULL name: -EINVAL (got %d)", ret);
}

int main(void)
{
	test_forms();
	test_bad();
	test_nul();
	test_length();
	test_buffer();
	return tap_done();
}
