// SPDX-License-Identifier: MIT
/*
 * Node modes, users and groups: parsing what the user typed and naming
 * what stat(2) found. kucctl is single-threaded, so the plain getpw*() and
 * getgr*() calls are fine.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kucctl.h"

/*
 * An octal mode of at most 0777. Set-ID and sticky bits mean nothing on a
 * device node, so they are refused rather than silently applied.
 */
int kucctl_parse_mode(const char *s, mode_t *mode)
{
	unsigned int v = 0;
	size_t i;

	if (!*s || strlen(s) > 4)
		return -EINVAL;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '7')
			return -EINVAL;
		v = v * 8 + (unsigned int)(s[i] - '0');
	}
	if (v > 0777)
		return -EINVAL;
	*mode = v;
	return 0;
}

/*
 * A decimal id. (uid_t)-1 and (gid_t)-1 are refused: chown(2) reads them
 * as "leave unchanged".
 */
static int kucctl_parse_id(const char *s, unsigned long long *id)
{
	unsigned long long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned int)(*s - '0');
		if (v >= UINT32_MAX)
			return -EINVAL;
	}
	*id = v;
	return 0;
}

/*
 * As chown(1): a user name first, then a numeric id. Returns -ENOENT for
 * an unknown name, -EINVAL for a number out of range.
 */
int kucctl_parse_user(const char *s, uid_t *uid)
{
	const struct passwd *pw;
	unsigned long long id;

	if (!*s)
		return -EINVAL;
	pw = getpwnam(s);
	if (pw) {
		*uid = pw->pw_uid;
		return 0;
	}
	if (kucctl_parse_id(s, &id))
		return s[strspn(s, "0123456789")] ? -ENOENT : -EINVAL;
	*uid = id;
	return 0;
}

int kucctl_parse_group(const char *s, gid_t *gid)
{
	const struct group *gr;
	unsigned long long id;

	if (!*s)
		return -EINVAL;
	gr = getgrnam(s);
	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	if (kucctl_parse_id(s, &id))
		return s[strspn(s, "0123456789")] ? -ENOENT : -EINVAL;
	*gid = id;
	return 0;
}

/* The user's name, or the number when it has none. */
const char *kucctl_user_name(uid_t uid, char *buf, size_t size)
{
	const struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, "%u", (unsigned int)uid);
	return buf;
}

const char *kucctl_group_name(gid_t gid, char *buf, size_t size)
{
	const struct group *gr = getgrgid(gid);

	if (gr)
		snprintf(buf, size, "%s", gr->gr_name);
	else
		snprintf(buf, size, "%u", (unsigned int)gid);
	return buf;
}
