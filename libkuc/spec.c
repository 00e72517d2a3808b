// SPDX-License-Identifier: MIT
/*
 * Channel specs (kuc_spec_parse()): the one place that knows that
 * "shm:NAME" names a shared-memory segment and anything else a device.
 * kuc_open(), kuc_serve(), kuc_tap_open() and the tools all go through
 * here, so that the rule cannot drift between them.
 */
#include <errno.h>
#include <string.h>

#include "channel_internal.h"
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

/*
 * The one call that picks a transport by its spec: the transports' own
 * opens (channel_device.c, channel_shm_open.c) are named here, so that
 * the transport-neutral core (channel*.c, endpoint_thread.c) names none.
 */
int kuc_open(const char *spec, struct kuc_channel **out)
{
	char name[KUCOMMS_NAME_MAX + 1];
	enum kuc_kind kind;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	ret = kuc_spec_parse(spec, &kind, name, sizeof(name));
	if (ret)
		return ret;
	if (kind == KUC_KIND_SHM)
		return kuc_shm_open_client(name, out);
	return kuc_device_open(name, out);
}
