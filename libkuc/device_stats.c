// SPDX-License-Identifier: MIT
/*
 * A device's settings and figures, from the module's per-device sysfs
 * files (/sys/class/kucomms/kucomms_NAME/, one value per file).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kuc.h"
#include "sysfs.h"

static int kuc_stat_read(const char *name, const char *file, char *buf,
			 size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int ret;

	ret = kuc_path(path, sizeof(path), "%s" KUCOMMS_SYSFS_CLASS "/%s/%s",
		       kuc_sysfs_root(), name, file);
	if (ret)
		return ret;
	n = kuc_read_small(path, buf, size);
	if (n < 0)
		return (int)n;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

static int kuc_stat_u64(const char *name, const char *file, uint64_t *out)
{
	char buf[32], *end;
	int ret = kuc_stat_read(name, file, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*out = strtoull(buf, &end, 10);
	return errno || end == buf || *end ? -EIO : 0;
}

int kuc_device_stats(const char *name, struct kuc_device_stats *st)
{
	/*
	 * @optional: a file newer than the module may be; the field is
	 * KUC_STAT_UNKNOWN when it cannot be read, not an error.
	 */
	static const struct {
		const char *file;
		size_t off;
		bool optional;
	} fields[] = {
#define F(x) { #x, offsetof(struct kuc_device_stats, x), false }
#define OPT(x) { #x, offsetof(struct kuc_device_stats, x), true }
		F(ring_size), F(max_connections), F(connections),
		F(msgs_in), F(bytes_in), F(msgs_out), F(bytes_out),
		F(ring_full), F(kicks), F(wakeups), F(protocol_errors),
		F(work_runs), F(timer_runs),
		OPT(poll_idle_us), OPT(connections_held),
#undef OPT
#undef F
	};
	char full[KUCOMMS_NAME_MAX + 1];
	uint64_t *v;
	size_t i;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = kuc_name_normalize(name, full, sizeof(full));
	if (ret)
		return ret;
	if (!kuc_module_loaded())
		return -ENODEV;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		v = (uint64_t *)((char *)st + fields[i].off);
		ret = kuc_stat_u64(full, fields[i].file, v);
		if (ret && fields[i].optional)
			*v = KUC_STAT_UNKNOWN;
		else if (ret)
			return ret == -ENOTDIR ? -ENOENT : ret;
	}
	/* Last: a device removed meanwhile is -ENOENT, not unknown fields. */
	return kuc_stat_read(full, "endpoint", st->endpoint,
			     sizeof(st->endpoint));
}
