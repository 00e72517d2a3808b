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

static ssize_t ring_size_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", 1ULL << READ_ONCE(to_kd(dev)->ring_order));
}

static ssize_t ring_size_store(struct device *dev,
			       struct device_attribute *attr,
			       const char *buf, size_t count)
{
	u64 size;
	int ret = kstrtou64(buf, 0, &size);

	if (ret)
		return ret;
	if (!kucomms_ring_size_valid(size))
		return -EINVAL;
	WRITE_ONCE(to_kd(dev)->ring_order, ilog2(size));
	return count;
}
static DEVICE_ATTR_RW(ring_size);

static ssize_t max_connections_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_kd(dev)->max_conns));
}

static ssize_t max_connections_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	unsigned int n;
	int ret = kstrtouint(buf, 0, &n);

	if (ret)
		return ret;
	if (n < 1 || n > KUCOMMS_CONNS_LIMIT)
		return -EINVAL;
	WRITE_ONCE(to_kd(dev)->max_conns, n);
	return count;
}
static DEVICE_ATTR_RW(max_connections);

/*
 * Microseconds the endpoint's thread keeps polling its connections' rings
 * after the last message before it sleeps (0: off). Read on every pass:
 * takes effect at once.
 */
static ssize_t poll_idle_us_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_kd(dev)->poll_idle_us));
}

static ssize_t poll_idle_us_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	unsigned int us;
	int ret = kstrtouint(buf, 0, &us);

	if (ret)
		return ret;
	if (us > KUCM_POLL_IDLE_MAX_US)
		return -EINVAL;
	WRITE_ONCE(to_kd(dev)->poll_idle_us, us);
	return count;
}
static DEVICE_ATTR_RW(poll_idle_us);

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
	&dev_attr_ring_size.attr,
	&dev_attr_max_connections.attr,
	&dev_attr_poll_idle_us.attr,
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
