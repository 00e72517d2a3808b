// SPDX-License-Identifier: MIT
/*
 * kucctl monitor's kernel source: a raw generic netlink socket (no libnl)
 * that resolves the family "kucomms" and its group "monitor" with
 * CTRL_CMD_GETFAMILY and joins it. It also joins nlctrl's "notify" group:
 * when the module is loaded or unloaded while the monitor runs, the
 * family's appearance or removal arrives there, so the monitor follows
 * it (and says so: module-load, module-unload). Any user may join both
 * groups. A receive buffer that overflowed shows as ENOBUFS: a "lost"
 * event, as the kernel cannot say how many it dropped.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <kucomms/kucomms_events.h>

#include "kucctl.h"
#include "monitor.h"

#define MON_NL_BUF 32768

/* The attributes of one level, by type (up to @max); NULL if absent. */
static void mon_nl_attrs(const void *p, size_t len, const struct nlattr **tb,
			 unsigned int max)
{
	const struct nlattr *a = p;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		unsigned int type = a->nla_type & NLA_TYPE_MASK;
		size_t step = NLA_ALIGN(a->nla_len);

		if (type <= max)
			tb[type] = a;
		if (step >= len)
			break;
		len -= step;
		a = (const struct nlattr *)((const char *)a + step);
	}
}

static const void *mon_nl_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static size_t mon_nl_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

/* A NUL-terminated string attribute, or NULL. */
static const char *mon_nl_str(const struct nlattr *a)
{
	const char *s;

	if (!a || !mon_nl_len(a))
		return NULL;
	s = mon_nl_data(a);
	return memchr(s, '\0', mon_nl_len(a)) ? s : NULL;
}

static bool mon_nl_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mon_nl_len(a) != sizeof(*v))
		return false;
	memcpy(v, mon_nl_data(a), sizeof(*v));
	return true;
}

static bool mon_nl_u64(const struct nlattr *a, uint64_t *v)
{
	if (!a || mon_nl_len(a) != sizeof(*v))
		return false;
	memcpy(v, mon_nl_data(a), sizeof(*v));
	return true;
}

static int mon_nl_join(int fd, uint32_t group, bool join)
{
	int opt = join ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP;

	if (setsockopt(fd, SOL_NETLINK, opt, &group, sizeof(group)))
		return -errno;
	return 0;
}

/*
 * From a family's description (a GETFAMILY reply or a NEWFAMILY
 * notification): its id and the id of its group @group.
 */
static bool mon_nl_family(const struct genlmsghdr *g, size_t len,
			  const char *group, uint16_t *id, uint32_t *gid)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1], *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	const struct nlattr *grp;
	uint32_t v;
	size_t left;

	mon_nl_attrs(g + 1, len - GENL_HDRLEN, tb, CTRL_ATTR_MAX);
	if (!tb[CTRL_ATTR_FAMILY_ID] ||
	    mon_nl_len(tb[CTRL_ATTR_FAMILY_ID]) != sizeof(*id))
		return false;
	memcpy(id, mon_nl_data(tb[CTRL_ATTR_FAMILY_ID]), sizeof(*id));
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return false;
	/* Nested: one nested attribute per group. */
	grp = mon_nl_data(tb[CTRL_ATTR_MCAST_GROUPS]);
	left = mon_nl_len(tb[CTRL_ATTR_MCAST_GROUPS]);
	while (left >= NLA_HDRLEN && grp->nla_len >= NLA_HDRLEN &&
	       grp->nla_len <= left) {
		const char *name;

		mon_nl_attrs(mon_nl_data(grp), mon_nl_len(grp), gtb,
			     CTRL_ATTR_MCAST_GRP_MAX);
		name = mon_nl_str(gtb[CTRL_ATTR_MCAST_GRP_NAME]);
		if (name && !strcmp(name, group) &&
		    mon_nl_u32(gtb[CTRL_ATTR_MCAST_GRP_ID], &v)) {
			*gid = v;
			return true;
		}
		if ((size_t)NLA_ALIGN(grp->nla_len) >= left)
			break;
		left -= NLA_ALIGN(grp->nla_len);
		grp = (const struct nlattr *)((const char *)grp +
					      NLA_ALIGN(grp->nla_len));
	}
	return false;
}

/*
 * Ask for the family @name; its id and group @group's id. Returns 0,
 * -ENOENT (no such family) or another -errno. Only at start-up: nothing
 * else arrives yet but nlctrl's notifications, which are skipped (a
 * family that appears meanwhile is then found by the request itself).
 */
static int mon_nl_resolve(struct mon_nl *nl, const char *name,
			  const char *group, uint16_t *id, uint32_t *gid)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char attrs[64];
	} req = { 0 };
	size_t nlen = strlen(name) + 1;
	struct nlattr *a = (struct nlattr *)req.attrs;
	static char buf[MON_NL_BUF];
	uint32_t seq = ++nl->seq;

	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + nlen;
	memcpy(req.attrs + NLA_HDRLEN, name, nlen);
	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(a->nla_len));
	req.n.nlmsg_type = GENL_ID_CTRL;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_seq = seq;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	if (send(nl->fd, &req, req.n.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(nl->fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *h = (const void *)buf;
		size_t len;

		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return -errno;
		}
		for (len = n; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error ? e->error : -ENOENT;
			}
			if (h->nlmsg_type == GENL_ID_CTRL &&
			    h->nlmsg_len >= NLMSG_LENGTH(GENL_HDRLEN))
				return mon_nl_family(NLMSG_DATA(h),
						     h->nlmsg_len - NLMSG_HDRLEN,
						     group, id, gid) ? 0 : -ENOENT;
		}
	}
}

static int mon_nl_attach(struct mon_nl *nl, uint16_t id, uint32_t group)
{
	int err = mon_nl_join(nl->fd, group, true);

	if (!err) {
		nl->family = id;
		nl->group = group;
	}
	return err;
}

int mon_nl_open(struct mon_nl *nl, bool *loaded)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int rcvbuf = 1 << 20;
	uint32_t notify, group;
	uint16_t id;
	int err;

	memset(nl, 0, sizeof(*nl));
	*loaded = false;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	/* Room for bursts; the kernel caps it at net.core.rmem_max. */
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		goto fail;
	}
	err = mon_nl_resolve(nl, "nlctrl", "notify", &id, &notify);
	if (!err)
		err = mon_nl_join(nl->fd, notify, true);
	if (err)
		goto fail;
	err = mon_nl_resolve(nl, KUCOMMS_EV_FAMILY, KUCOMMS_EV_GROUP, &id,
			     &group);
	if (err == -ENOENT)
		return 0;
	if (!err)
		err = mon_nl_attach(nl, id, group);
	if (err)
		goto fail;
	*loaded = true;
	return 0;
fail:
	close(nl->fd);
	nl->fd = -1;
	return err;
}

void mon_nl_close(struct mon_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

static const char *const mon_nl_events[] = {
	[KUCOMMS_EV_DEVICE_ADD] = "device-add",
	[KUCOMMS_EV_DEVICE_REMOVE] = "device-remove",
	[KUCOMMS_EV_CONN_OPEN] = "conn-open",
	[KUCOMMS_EV_CONN_CLOSE] = "conn-close",
	[KUCOMMS_EV_ENDPOINT_ADD] = "endpoint-add",
	[KUCOMMS_EV_ENDPOINT_REMOVE] = "endpoint-remove",
};

/* One of the module's events; unknown kinds (a newer module) skipped. */
static bool mon_nl_event(const struct genlmsghdr *g, size_t len,
			 mon_emit_fn emit)
{
	const struct nlattr *tb[KUCOMMS_EV_A_MAX + 1];
	struct mon_event ev = { .source = "kernel" };
	uint32_t pid = 0;

	if (g->cmd >= ARRAY_SIZE(mon_nl_events) || !mon_nl_events[g->cmd])
		return true;
	mon_nl_attrs(g + 1, len - GENL_HDRLEN, tb, KUCOMMS_EV_A_MAX);
	ev.event = mon_nl_events[g->cmd];
	ev.name = mon_nl_str(tb[KUCOMMS_EV_A_NAME]);
	ev.has_conn = mon_nl_u64(tb[KUCOMMS_EV_A_CONN], &ev.conn);
	ev.has_pid = mon_nl_u32(tb[KUCOMMS_EV_A_PID], &pid);
	ev.pid = pid;
	ev.comm = mon_nl_str(tb[KUCOMMS_EV_A_COMM]);
	ev.owner = mon_nl_str(tb[KUCOMMS_EV_A_OWNER]);
	return emit(&ev);
}

/* nlctrl's news of the family: the module loaded or unloaded. */
static bool mon_nl_ctrl(struct mon_nl *nl, const struct genlmsghdr *g,
			size_t len, mon_emit_fn emit)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct mon_event ev = { .source = "kernel" };
	const char *name;
	uint32_t group;
	uint16_t id;

	mon_nl_attrs(g + 1, len - GENL_HDRLEN, tb, CTRL_ATTR_MAX);
	name = mon_nl_str(tb[CTRL_ATTR_FAMILY_NAME]);
	if (!name || strcmp(name, KUCOMMS_EV_FAMILY))
		return true;
	if (g->cmd == CTRL_CMD_NEWFAMILY && !nl->family &&
	    mon_nl_family(g, len, KUCOMMS_EV_GROUP, &id, &group) &&
	    !mon_nl_attach(nl, id, group))
		ev.event = "module-load";
	else if (g->cmd == CTRL_CMD_DELFAMILY && nl->family) {
		mon_nl_join(nl->fd, nl->group, false);
		nl->family = 0;
		ev.event = "module-unload";
	}
	return ev.event ? emit(&ev) : true;
}

/* Datagrams read per call, so that the shm side gets its turn. */
#define MON_NL_BATCH 64

bool mon_nl_read(struct mon_nl *nl, mon_emit_fn emit)
{
	static char buf[MON_NL_BUF];
	int i;

	for (i = 0; i < MON_NL_BATCH; i++) {
		const struct nlmsghdr *h = (const void *)buf;
		ssize_t n = recv(nl->fd, buf, sizeof(buf), MSG_DONTWAIT);
		size_t len;

		if (n < 0) {
			struct mon_event ev = { .source = "kernel",
						.event = "lost" };

			if (errno == ENOBUFS) {
				if (!emit(&ev))
					return false;
				continue;
			}
			return true;	/* EAGAIN: all read */
		}
		for (len = n; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			size_t glen;
			bool ok = true;

			if (h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
				continue;
			glen = h->nlmsg_len - NLMSG_HDRLEN;
			if (nl->family && h->nlmsg_type == nl->family)
				ok = mon_nl_event(NLMSG_DATA(h), glen, emit);
			else if (h->nlmsg_type == GENL_ID_CTRL)
				ok = mon_nl_ctrl(nl, NLMSG_DATA(h), glen, emit);
			if (!ok)
				return false;
		}
	}
	return true;
}
