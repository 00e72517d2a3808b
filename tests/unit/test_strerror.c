// SPDX-License-Identifier: MIT
/* kuc_strerror() and kuc_version(). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <kuc.h>

#include "tap.h"

static void expect_msg(int err, const char *want)
{
	const char *got = kuc_strerror(err);

	TAP_OK(got && !strcmp(got, want), "kuc_strerror(%d) is '%s' (got '%s')",
	       err, want, got ? got : "(null)");
}

/* Hammered from several threads: the strings must not change. */
static void *worker(void *arg)
{
	static const int errs[] = { -ENODEV, -EEXIST, -EBADF, -99999 };
	const char *first[4];
	long bad = 0;
	int i, j;

	(void)arg;
	for (j = 0; j < 4; j++)
		first[j] = kuc_strerror(errs[j]);
	for (i = 0; i < 10000; i++)
		for (j = 0; j < 4; j++)
			if (strcmp(kuc_strerror(errs[j]), first[j]))
				bad++;
	return (void *)bad;
}

static void test_threads(void)
{
	pthread_t t[4];
	long bad = 0;
	void *ret;
	int i, started = 0;

	for (i = 0; i < 4; i++)
		if (!pthread_create(&t[i], NULL, worker, NULL))
			started++;
	for (i = 0; i < started; i++) {
		pthread_join(t[i], &ret);
		bad += (long)ret;
	}
	TAP_OK(started == 4 && !bad,
	       "stable from 4 threads (%d started, %ld bad)", started, bad);
}

int main(void)
{
	const char *s;

	expect_msg(0, "success");
	expect_msg(-ENODEV, "kucomms module not loaded");
	expect_msg(-EEXIST, "device already exists");
	expect_msg(-ENOENT, "no such device");
	expect_msg(-ENOSPC, "device limit reached");
	expect_msg(-EACCES, "permission denied");
	expect_msg(-EPERM, "operation not permitted");
	expect_msg(-ENAMETOOLONG, "name too long");
	expect_msg(-ENOBUFS, "buffer too small");
	expect_msg(-EINVAL, "invalid argument");
	/* A positive errno means the same. */
	expect_msg(EEXIST, "device already exists");
	/* Others come from the C library. */
	expect_msg(-EBADF, "Bad file descriptor");
	expect_msg(-99999, "unknown error");
	expect_msg(INT_MIN, "unknown error");
	expect_msg(INT_MAX, "unknown error");
	s = kuc_strerror(-ETIMEDOUT);
	TAP_OK(s && *s, "-ETIMEDOUT has a description ('%s')", s ? s : "");
	test_threads();

	TAP_OK(!strcmp(kuc_version(), KUC_VERSION), "kuc_version() is %s",
	       KUC_VERSION);
	return tap_done();
}
