// SPDX-License-Identifier: MIT
/*
 * Opening and closing shm channels and pairs (channel_shm.h): a server's
 * kuc_serve(), a client's attach through kuc_open("shm:NAME"), the two
 * handles of kuc_pair_open(), and the close that tells the peer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channel_shm.h"
#include "shm_segment.h"

/* How long kuc_open("shm:...") waits for the server to accept. */
#define KUC_SHM_ACCEPT_MS	5000

static struct kuc_channel *kuc_shm_alloc(const struct kuc_transport *ops,
					 bool server)
{
	struct kuc_channel *ch = kuc_channel_alloc();

	if (!ch)
		return NULL;
	ch->shm = calloc(1, sizeof(*ch->shm));
	if (!ch->shm) {
		kuc_channel_free(ch);
		return NULL;
	}
	ch->ops = ops;
	ch->shm->fd = -1;
	ch->shm->server = server;
	return ch;
}

/* Open the segment @name and check it; the caller's lock comes next. */
static int kuc_shm_attach_fd(const char *name, int *fd, uint64_t *ring_size)
{
	char shm_name[KUCOMMS_NAME_MAX + 2], why[96];
	int ret = kuc_shm_name(name, shm_name, sizeof(shm_name), NULL, 0);

	if (ret)
		return ret;
	*fd = shm_open(shm_name, O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0);
	if (*fd < 0)
		return -errno;
	ret = kuc_shm_validate(*fd, ring_size, why, sizeof(why));
	if (ret) {
		close(*fd);
		*fd = -1;
	}
	return ret;
}

/*
 * The first steps of both sides: a handle for this side of segment
 * @name, the segment opened and checked, and our attach lock taken. The
 * client checks the server's lock before it maps (kuc_shm_attach_map()).
 */
static int kuc_shm_attach(const char *name, bool server,
			  struct kuc_channel **out, uint64_t *ring_size)
{
	struct kuc_channel *ch = kuc_shm_alloc(&kuc_shm_transport, server);
	int ret;

	if (!ch)
		return -ENOMEM;
	ch->shm->features = kuc_shm_features();
	ret = kuc_shm_attach_fd(name, &ch->shm->fd, ring_size);
	if (!ret)
		ret = kuc_shm_lock(ch->shm->fd, server ?
				   KUCOMMS_SHM_LOCK_SERVER :
				   KUCOMMS_SHM_LOCK_CLIENT);
	if (ret) {
		kuc_channel_free(ch);
		return ret;
	}
	*out = ch;
	return 0;
}

/* Map the attached segment with the tap ring this side fills. */
static int kuc_shm_attach_map(struct kuc_channel *ch, uint64_t ring_size)
{
	struct kuc_shm *s = ch->shm;
	int ret = kuc_shm_map(s->fd, ring_size, s->server, &s->map);

	if (ret)
		return ret;
	s->hdr = (struct kucomms_shm_hdr *)s->map->pages;
	kuc_shm_tap_setup(ch);
	return 0;
}

int kuc_serve(const char *name, struct kuc_channel **out)
{
	struct kuc_channel *ch;
	struct kuc_shm *s;
	uint64_t ring_size;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	/* A segment name, with or without the "shm:" of a spec. */
	if (kuc_spec_shm_rest(name))
		name = kuc_spec_shm_rest(name);
	ret = kuc_shm_attach(name, true, &ch, &ring_size);
	if (ret)
		return ret;
	s = ch->shm;
	ret = kuc_shm_attach_map(ch, ring_size);
	if (ret)
		goto fail;
	/*
	 * Clients attached before us are not ours: wait for the next. The
	 * new generation goes out before our pages are zeroed, so that a
	 * client of our predecessor that sees them zeroed sees it too and
	 * reports a reset, not a corrupt ring.
	 */
	s->peer_gen = kuc_ld(&s->hdr->client_gen);
	s->my_gen = kuc_ld(&s->hdr->server_gen) + 1;
	kuc_st(&s->hdr->server_pid, (uint32_t)getpid());
	kuc_st(&s->hdr->server_gen, s->my_gen);
	kuc_st(&s->hdr->server_ack, s->peer_gen);
	kuc_st(&s->hdr->conn_state, KUCOMMS_SHM_CONN_OPEN);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	kuc_shm_reset_own(ch);
	kuc_shm_rings(ch);
	kuc_st(&s->hdr->server_state, KUCOMMS_SHM_ATTACHED);
	/* A client of our predecessor may sleep: it must see the reset. */
	kuc_shm_wake_peer(ch);
	*out = ch;
	return 0;
fail:
	kuc_channel_free(ch);
	return ret;
}

/* Wait for the server to accept client generation @gen. */
static int kuc_shm_await_accept(struct kuc_channel *ch, uint32_t gen)
{
	struct kuc_shm *s = ch->shm;
	struct kuc_deadline dl = kuc_deadline(KUC_SHM_ACCEPT_MS);
	const uint32_t *w[2] = { &s->hdr->server_ack };
	uint32_t e[2];
	int ret;

	for (;;) {
		e[0] = kuc_ld(&s->hdr->server_ack);
		if (e[0] == gen)
			return 0;
		if (kuc_ld(&s->hdr->server_state) != KUCOMMS_SHM_ATTACHED)
			return -ENXIO;
		ret = kuc_shm_sleep(ch, w, e, 1, kuc_deadline_left(&dl),
				    &ch->rx_st.waits);
		if (kuc_shm_dead(s))
			return -ENXIO;
		if (ret)
			return ret;
	}
}

int kuc_shm_open_client(const char *name, struct kuc_channel **out)
{
	struct kuc_channel *ch;
	struct kuc_shm *s;
	uint64_t ring_size;
	int ret;

	ret = kuc_shm_attach(name, false, &ch, &ring_size);
	if (ret)
		return ret;
	s = ch->shm;
	if (!kuc_shm_locked(s->fd, KUCOMMS_SHM_LOCK_SERVER)) {
		ret = -ENXIO;	/* nobody serves it */
		goto fail;
	}
	ret = kuc_shm_attach_map(ch, ring_size);
	if (ret)
		goto fail;
	if (kuc_ld(&s->hdr->server_state) != KUCOMMS_SHM_ATTACHED) {
		ret = -ENXIO;
		goto fail;
	}
	kuc_shm_reset_own(ch);
	kuc_shm_rings(ch);
	s->my_gen = kuc_ld(&s->hdr->client_gen) + 1;
	kuc_st(&s->hdr->client_pid, (uint32_t)getpid());
	kuc_st(&s->hdr->client_state, KUCOMMS_SHM_ATTACHED);
	kuc_st(&s->hdr->client_gen, s->my_gen);
	kuc_shm_wake_peer(ch);
	ret = kuc_shm_await_accept(ch, s->my_gen);
	if (ret)
		goto fail;
	/* The server that accepted us: a later one is a reset. */
	s->peer_gen = kuc_ld(&s->hdr->server_gen);
	kuc_shm_agree(ch);
	*out = ch;
	return 0;
fail:
	kuc_channel_free(ch);
	return ret;
}

int kuc_pair_open(size_t ring_size, struct kuc_channel **a,
		  struct kuc_channel **b)
{
	struct kuc_channel *ca = NULL, *cb = NULL;
	struct kucomms_shm_hdr *h;
	struct kuc_shm_map *m;
	int fd, ret;

	if (!a || !b)
		return -EINVAL;
	*a = *b = NULL;
	if (!ring_size)
		ring_size = 1ULL << KUCOMMS_RING_ORDER_DEFAULT;
	if (kuc_shm_ring_size_check(ring_size))
		return -EINVAL;
	fd = memfd_create("kucomms-pair", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The tap area is never mapped nor touched: it costs nothing. */
	if (ftruncate(fd, (off_t)kucomms_shm_size(ring_size))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = kuc_shm_map(fd, ring_size, -1, &m);
	close(fd);	/* the mappings keep the memory */
	if (ret)
		return ret;
	h = (struct kucomms_shm_hdr *)m->pages;
	kuc_shm_hdr_init(h, ring_size);
	h->server_gen = h->client_gen = h->server_ack = 1;
	h->server_state = h->client_state = KUCOMMS_SHM_ATTACHED;
	h->server_pid = h->client_pid = (uint32_t)getpid();

	ca = kuc_shm_alloc(&kuc_pair_transport, false);
	cb = kuc_shm_alloc(&kuc_pair_transport, true);
	if (!ca || !cb) {
		kuc_shm_unmap(m);
		kuc_close(ca);
		kuc_close(cb);
		return -ENOMEM;
	}
	m->refs = 2;
	ca->shm->map = cb->shm->map = m;
	ca->shm->hdr = cb->shm->hdr = h;
	ca->shm->pair = cb->shm->pair = true;
	ca->shm->my_gen = cb->shm->my_gen = 1;
	ca->shm->peer_gen = cb->shm->peer_gen = 1;
	cb->shm->connected = true;
	kuc_shm_rings(ca);
	kuc_shm_rings(cb);
	/* Once per process would do; registering again is harmless. */
	if (!kuc_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED)) {
		ca->shm->membarrier = MEMBARRIER_CMD_PRIVATE_EXPEDITED;
		cb->shm->membarrier = MEMBARRIER_CMD_PRIVATE_EXPEDITED;
		ca->tx.light_p2 = cb->tx.light_p2 = true;
	}
	*a = ca;
	*b = cb;
	return 0;
}

void kuc_shm_close(struct kuc_channel *ch)
{
	struct kuc_shm *s = ch->shm;

	if (!s)
		return;
	if (s->map && s->hdr) {
		if (s->server)
			kuc_st(&s->hdr->server_state, KUCOMMS_SHM_CLOSED);
		else
			kuc_st(&s->hdr->client_state, KUCOMMS_SHM_CLOSED);
		if (ch->tx.prod)
			kuc_shm_wake_peer(ch);
	}
	kuc_shm_unmap(s->map);
	if (s->fd >= 0)
		close(s->fd);	/* drops our attach lock */
	free(s);
	ch->shm = NULL;
}
