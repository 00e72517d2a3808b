// SPDX-License-Identifier: MIT
/*
 * Channel specs (kuc_spec_parse()): the one place that knows that
 * "shm:NAME" names a shared-memory segment and anything else a device.
 * kuc_open(), kuc_serve(), kuc_tap_open() and the tools all go through
 * here, so that the rule cannot drift between them.
 */
#include <errno.h>
#include <string.h>

#include "kuc.h"
#include "shm_segment.h"

const char *kuc_spec_shm_rest(const char *spec)
{
	size_t len = strlen(KUCOMMS_SHM_SPEC);

	return spec && !strncmp(spec, KUCOMMS_SHM_SPEC, len) ? spec + len :
							      NULL;
}

int kuc_spec_parse(const char *spec, enum kuc_kind *kind, char *name,
		   size_t size)
{
	char shm_name[KUCOMMS_NAME_MAX + 2], full[KUCOMMS_NAME_MAX + 1];
	const char *rest = kuc_spec_shm_rest(spec);
	int ret;

	if (!spec || (!name && size))
		return -EINVAL;
	/* Even for a bad name: the caller may word its error by the kind. */
	if (kind)
		*kind = rest ? KUC_KIND_SHM : KUC_KIND_DEVICE;
	if (rest)
		ret = kuc_shm_name(rest, shm_name, sizeof(shm_name), full,
				   sizeof(full));
	else
		ret = kuc_name_normalize(spec, full, sizeof(full));
	if (ret)
		return ret;
	if (size < strlen(full) + 1)
		return -ENOBUFS;
	memcpy(name, full, strlen(full) + 1);
	return 0;
}
