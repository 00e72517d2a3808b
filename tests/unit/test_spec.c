// SPDX-License-Identifier: MIT
/*
 * kuc_spec_parse(): the one parser of channel specs ("shm:NAME" for a
 * segment, a device name otherwise) that libkuc and the tools share.
 */
#include <errno.h>
#include <string.h>

#include <kuc.h>

#include "tap.h"

/* @spec parses to @kind and the full name @want. */
static void ok_spec(const char *spec, enum kuc_kind kind, const char *want)
{
	char name[KUCOMMS_NAME_MAX + 1] = "";
	enum kuc_kind got = (enum kuc_kind)-1;
	int ret = kuc_spec_parse(spec, &got, name, sizeof(name));

	TAP_OK(ret == 0 && got == kind && !strcmp(name, want),
	       "'%s' -> %s '%s' (got %d, %s '%s')", spec, kuc_kind_name(kind),
	       want, ret, kuc_kind_name(got), name);
}

/*
 * @spec is refused with @err, the name is left alone and the kind is
 * still told (the prefix's), for the caller's error message.
 */
static void bad_spec(const char *spec, int err, const char *why)
{
	char name[KUCOMMS_NAME_MAX + 1] = "";
	enum kuc_kind got = KUC_KIND_PAIR;
	enum kuc_kind want = strncmp(spec, "shm:", 4) ? KUC_KIND_DEVICE :
							KUC_KIND_SHM;
	int ret = kuc_spec_parse(spec, &got, name, sizeof(name));

	TAP_OK(ret == err && !name[0] && got == want,
	       "%s: refused with %d, kind %s (got %d, %s)", why, err,
	       kuc_kind_name(want), ret, kuc_kind_name(got));
}

static void test_forms(void)
{
	ok_spec("foo", KUC_KIND_DEVICE, "kucomms_foo");
	ok_spec("kucomms_foo", KUC_KIND_DEVICE, "kucomms_foo");
	ok_spec("/dev/kucomms_foo", KUC_KIND_DEVICE, "kucomms_foo");
	ok_spec("shm:foo", KUC_KIND_SHM, "kucomms_foo");
	ok_spec("shm:kucomms_foo", KUC_KIND_SHM, "kucomms_foo");
	ok_spec("shm:/dev/shm/kucomms_foo", KUC_KIND_SHM, "kucomms_foo");
	/* Only the exact lower-case prefix selects a segment. */
	ok_spec("shm_x", KUC_KIND_DEVICE, "kucomms_shm_x");
}

static void test_bad(void)
{
	char name[KUCOMMS_NAME_MAX + 1];
	enum kuc_kind kind;
	int ret;

	bad_spec("", -EINVAL, "empty");
	bad_spec("shm:", -EINVAL, "shm: without a name");
	bad_spec("SHM:foo", -EINVAL, "upper-case prefix");
	bad_spec("shm:/dev/kucomms_foo", -EINVAL, "shm: with a device path");
	bad_spec("/dev/shm/kucomms_foo", -EINVAL,
		 "segment path without shm:");
	bad_spec("shm:shm:foo", -EINVAL, "shm: twice");
	bad_spec("shm:a-b", -EINVAL, "bad character in a segment name");
	bad_spec("shm:kucomms_", -EINVAL, "prefix alone");
	bad_spec("shm:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		 -ENAMETOOLONG, "segment name too long");
	kind = KUC_KIND_PAIR;
	ret = kuc_spec_parse(NULL, &kind, name, sizeof(name));
	TAP_OK(ret == -EINVAL && kind == KUC_KIND_PAIR,
	       "NULL spec: -EINVAL, kind untouched (got %d)", ret);
	ret = kuc_spec_parse("foo", &kind, name, 5);
	TAP_OK(ret == -ENOBUFS, "small buffer: -ENOBUFS (got %d)", ret);
	ret = kuc_spec_parse("shm:foo", NULL, name, sizeof(name));
	TAP_OK(ret == 0 && !strcmp(name, "kucomms_foo"),
	       "kind may be NULL (got %d)", ret);
}

int main(void)
{
	test_forms();
	test_bad();
	return tap_done();
}
