// SPDX-License-Identifier: GPL-2.0
/*
 * Per-device sysfs attributes, one value per file, under
 * /sys/class/kucomms/kucomms_NAME/: the settings new connections get
 * (ring_size, max_connections), the endpoint thread's polling
 * (poll_idle_us) and the device's figures.
 */
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/sysfs.h>

#include "kucomms_internal.h"

static struct kucm_device *to_kd(struct device *dev)
{
	return container_of(dev, struct kucm_device, dev);
}

/*
 * The settings: each an unsigned int of struct kucm_device, written as a
 * number from @min to @max (else -EINVAL; what does not parse gets
 * kstrtouint()'s error) and shown as written. A @log2 setting is a ring
 * size instead: written in bytes (kstrtou64()), checked by
 * kucomms_ring_size_valid() (the rule's one statement; @min and @max
 * unused) and stored as its log2. Written with WRITE_ONCE(), read with
 * READ_ONCE(): their readers (open(), the endpoint's thread) take no lock.
 */
struct kucm_setting {
	struct device_attribute attr;
	size_t off;			/* of the unsigned int in kucm_device */
	u64 min, max;
	bool log2;
};

#define to_kucm_setting(a) container_of(a, struct kucm_setting, attr)

static unsigned int *kucm_setting_field(struct device *dev,
					const struct kucm_setting *s)
{
	return (unsigned int *)((char *)to_kd(dev) + s->off);
}

static ssize_t kucm_setting_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	const struct kucm_setting *s = to_kucm_setting(attr);
	unsigned int v = READ_ONCE(*kucm_setting_field(dev, s));

	if (s->log2)
		return sysfs_emit(buf, "%llu\n", 1ULL << v);
	return sysfs_emit(buf, "%u\n", v);
}

static ssize_t kucm_setting_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	const struct kucm_setting *s = to_kucm_setting(attr);
	unsigned int n = 0;
	u64 v;
	int ret;

	if (s->log2) {
		ret = kstrtou64(buf, 0, &v);
	} else {
		ret = kstrtouint(buf, 0, &n);
		v = n;
	}
	if (ret)
		return ret;
	if (s->log2 ? !kucomms_ring_size_valid(v) : (v < s->min || v > s->max))
		return -EINVAL;
	WRITE_ONCE(*kucm_setting_field(dev, s), s->log2 ? ilog2(v) : v);
	return count;
}

/* One setting: struct kucm_setting kucm_setting_NAME, file NAME (0644). */
#define KUCM_SETTING(_name, _field, _min, _max, _log2)			\
static struct kucm_setting kucm_setting_##_name = {			\
	.attr = __ATTR(_name, 0644, kucm_setting_show,			\
		       kucm_setting_store),				\
	.off = offsetof(struct kucm_device, _field),			\
	.min = (_min),							\
	.max = (_max),							\
	.log2 = (_log2),						\
}

/* Bytes of each ring of connections opened from now on. */
KUCM_SETTING(ring_size, ring_order, 0, 0, true);
/* Connections held at once (open() fails with EBUSY beyond). */
KUCM_SETTING(max_connections, max_conns, 1, KUCOMMS_CONNS_LIMIT, false);
/*
 * Microseconds the endpoint's thread keeps polling its connections' rings
 * after the last message before it sleeps (0: off). Read on every pass:
 * takes effect at once.
 */
KUCM_SETTING(poll_idle_us, poll_idle_us, 0, KUCM_POLL_IDLE_MAX_US, false);

static ssize_t connections_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_kd(dev)->nconns));
}
static DEVICE_ATTR_RO(connections);

/* Connections whose memory is held: open, or closed and not yet freed. */
static ssize_t connections_held_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_kd(dev)->nheld));
}
static DEVICE_ATTR_RO(connections_held);

/* The module that registered the endpoint of this name, or "none". */
static ssize_t endpoint_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct kucomms_endpoint *ep = kucm_endpoint_find_get(to_kd(dev)->name);
	ssize_t ret;

	if (!ep)
		return sysfs_emit(buf, "none\n");
	ret = sysfs_emit(buf, "%s\n", ep->owner_name);
	kucm_endpoint_put(ep);
	return ret;
}
static DEVICE_ATTR_RO(endpoint);

#define KUCM_STAT_ATTR(name, field)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lld\n",				\
			  atomic64_read(&to_kd(dev)->stats.field));	\
}									\
static DEVICE_ATTR_RO(name)

KUCM_STAT_ATTR(msgs_in, msgs_in);
KUCM_STAT_ATTR(bytes_in, bytes_in);
KUCM_STAT_ATTR(msgs_out, msgs_out);
KUCM_STAT_ATTR(bytes_out, bytes_out);
KUCM_STAT_ATTR(ring_full, ring_full);
KUCM_STAT_ATTR(kicks, kicks);
KUCM_STAT_ATTR(wakeups, user_wakeups);
KUCM_STAT_ATTR(protocol_errors, proto_errors);

/* Figures of the endpoint bound to this name, 0 while none is. */
static ssize_t kucm_ep_stat_show(struct device *dev, char *buf, size_t off)
{
	struct kucomms_endpoint *ep = kucm_endpoint_find_get(to_kd(dev)->name);
	s64 v = 0;

	if (ep) {
		v = atomic64_read((atomic64_t *)((char *)ep + off));
		kucm_endpoint_put(ep);
	}
	return sysfs_emit(buf, "%lld\n", v);
}

#define KUCM_EP_ATTR(name, field)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return kucm_ep_stat_show(dev, buf,				\
				offsetof(struct kucomms_endpoint, field)); \
}									\
static DEVICE_ATTR_RO(name)

KUCM_EP_ATTR(work_runs, work_runs);
KUCM_EP_ATTR(timer_runs, timer_runs);

static struct attribute *kucm_device_attrs[] = {
	&kucm_setting_ring_size.attr.attr,
	&kucm_setting_max_connections.attr.attr,
	&kucm_setting_poll_idle_us.attr.attr,
	&dev_attr_connections.attr,
	&dev_attr_connections_held.attr,
	&dev_attr_endpoint.attr,
	&dev_attr_msgs_in.attr,
	&dev_attr_bytes_in.attr,
	&dev_attr_msgs_out.attr,
	&dev_attr_bytes_out.attr,
	&dev_attr_ring_full.attr,
	&dev_attr_kicks.attr,
	&dev_attr_wakeups.attr,
	&dev_attr_protocol_errors.attr,
	&dev_attr_work_runs.attr,
	&dev_attr_timer_runs.attr,
	NULL,
};

static const struct attribute_group kucm_device_group = {
	.attrs = kucm_device_attrs,
};

const struct attribute_group *kucm_device_groups[] = {
	&kucm_device_group,
	NULL,
};
