// SPDX-License-Identifier: MIT
/*
 * kuc_shm_create()'s mode, owner and group, and that a segment whose
 * owner cannot be given is removed again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kuc.h>
#include <kucomms/kucomms_shm.h>

#include "tap.h"

static char name[64], path[128];

/* The segment's file as "MODE UID GID", or "(missing)". */
static const char *seg_is(void)
{
	static char buf[64];
	struct stat st;

	if (stat(path, &st))
		return "(missing)";
	snprintf(buf, sizeof(buf), "%o %u %u", (unsigned int)st.st_mode & 07777,
		 (unsigned int)st.st_uid, (unsigned int)st.st_gid);
	return buf;
}

static void test_ids(void)
{
	char want[64];
	const char *got;
	int ret;

	ret = kuc_shm_create(name, 0, 0640, (uid_t)-1, (gid_t)-1);
	got = seg_is();
	snprintf(want, sizeof(want), "640 %u %u", (unsigned int)geteuid(),
		 (unsigned int)getegid());
	TAP_OK(ret == 0 && !strcmp(got, want),
	       "kept ids: the caller's, mode 0640 (%d, %s)", ret, got);
	kuc_shm_remove(name);
	if (geteuid()) {
		TAP_OK(1, "# SKIP giving a segment away needs root");
		return;
	}
	ret = kuc_shm_create(name, 0, 0660, 65534, 65533);
	got = seg_is();
	TAP_OK(ret == 0 && !strcmp(got, "660 65534 65533"),
	       "owner and group given (%d, %s)", ret, got);
	kuc_shm_remove(name);
	ret = kuc_shm_create(name, 0, 0604, (uid_t)-1, 65533);
	got = seg_is();
	TAP_OK(ret == 0 && !strcmp(got, "604 0 65533"),
	       "group alone (%d, %s)", ret, got);
	kuc_shm_remove(name);
}

/*
 * Without the privilege to give the segment to root, creating it fails
 * with -EPERM and leaves nothing behind.
 */
static void test_undo(void)
{
	int status = 0;
	pid_t pid;

	pid = fork();
	if (!pid) {
		if (!geteuid() && (setgid(65534) || setuid(65534)))
			_exit(3);
		_exit(kuc_shm_create(name, 0, 0600, 0, (gid_t)-1) == -EPERM ?
			      0 : 4);
	}
	waitpid(pid, &status, 0);
	TAP_OK(WIFEXITED(status) && !WEXITSTATUS(status),
	       "chown not allowed: -EPERM (child status %d)", status);
	TAP_OK(!strcmp(seg_is(), "(missing)"), "and the segment is gone (%s)",
	       seg_is());
	kuc_shm_remove(name);
}

static void test_bad(void)
{
	int ret = kuc_shm_create(name, 0, 010000, (uid_t)-1, (gid_t)-1);

	TAP_OK(ret == -EINVAL && !strcmp(seg_is(), "(missing)"),
	       "mode beyond 07777: -EINVAL, nothing made (%d)", ret);
}

int main(void)
{
	snprintf(name, sizeof(name), "kucomms_unit_create_%d", (int)getpid());
	snprintf(path, sizeof(path), KUCOMMS_SHM_DIR "%s", name);
	kuc_shm_remove(name);
	test_ids();
	test_undo();
	test_bad();
	kuc_shm_remove(name);
	return tap_done();
}
