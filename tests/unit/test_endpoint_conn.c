// SPDX-License-Identifier: MIT
/*
 * The endpoint thread's connect and disconnect handlers, under
 * ASan/UBSan, in one process: a shm server with clients in turn (each
 * gets connect, its messages, disconnect, with its own kuc_conn_id()),
 * a server stopped and restarted with a client connected (no disconnect;
 * connect again), the client side of a shm channel and a pair (one
 * connection: connect at the start, disconnect after the peer closed and
 * its messages were handled). Killed and hostile clients are
 * tests/host/shm_connect.bats's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kuc.h>

#include "tap.h"

/* kuc_shm_create()'s owner and group: the caller's. */
#define ID_KEEP	(uid_t)-1, (gid_t)-1

#define MAX_EVENTS	256

static char name[64], spec[80];

/* What the handlers saw, in order: "c1 m1.5 d1" (kind, conn id, msg id). */
static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static char ev_log[MAX_EVENTS * 24];
static int ev_count;

static void record(struct kuc_channel *ch, char kind, const char *id)
{
	size_t len;

	pthread_mutex_lock(&ev_lock);
	len = strlen(ev_log);
	snprintf(ev_log + len, sizeof(ev_log) - len, "%s%c%llu%s",
		 len ? " " : "", kind, (unsigned long long)kuc_conn_id(ch), id);
	ev_count++;
	pthread_mutex_unlock(&ev_lock);
}

static void on_message(struct kuc_channel *ch,
		       const struct kucomms_msg_hdr *hdr, const void *data,
		       void *ctx)
{
	char id[24];

	(void)data;
	(void)ctx;
	snprintf(id, sizeof(id), ".%llu", (unsigned long long)hdr->id);
	record(ch, 'm', id);
}

static void on_connect(struct kuc_channel *ch, void *ctx)
{
	(void)ctx;
	record(ch, 'c', "");
}

static void on_disconnect(struct kuc_channel *ch, void *ctx)
{
	(void)ctx;
	record(ch, 'd', "");
}

static const struct kuc_handlers rec_handlers = {
	.message = on_message,
	.connect = on_connect,
	.disconnect = on_disconnect,
};

static void echo(struct kuc_channel *ch, const struct kucomms_msg_hdr *hdr,
		 const void *data, void *ctx)
{
	(void)ctx;
	kuc_send_wait(ch, hdr, data, 5000);
}

static void events_reset(void)
{
	pthread_mutex_lock(&ev_lock);
	ev_log[0] = '\0';
	ev_count = 0;
	pthread_mutex_unlock(&ev_lock);
}

/* Wait up to 5 s for @n events; then (or at once) copy the log. */
static void events_wait(int n, char *out, size_t size)
{
	int i, seen = 0;

	for (i = 0; i < 500; i++) {
		pthread_mutex_lock(&ev_lock);
		seen = ev_count;
		pthread_mutex_unlock(&ev_lock);
		if (seen >= n)
			break;
		usleep(10000);
	}
	pthread_mutex_lock(&ev_lock);
	snprintf(out, size, "%s", ev_log);
	pthread_mutex_unlock(&ev_lock);
}

/* Send the empty messages @first..@last. */
static int send_ids(struct kuc_channel *c, unsigned int first,
		    unsigned int last)
{
	struct kucomms_msg_hdr h = { 0 };
	int ret = 0;

	for (h.id = first; h.id <= last && !ret; h.id++)
		ret = kuc_send_wait(c, &h, NULL, 5000);
	return ret;
}

/* "cC mC.1 ... mC.N dC" */
static void expect_client(char *out, size_t size, unsigned int conn,
			  unsigned int n)
{
	size_t len = strlen(out);
	unsigned int i;

	len += snprintf(out + len, size - len, "%sc%u", len ? " " : "", conn);
	for (i = 1; i <= n; i++)
		len += snprintf(out + len, size - len, " m%u.%u", conn, i);
	snprintf(out + len, size - len, " d%u", conn);
}

static void test_server(void)
{
	char got[sizeof(ev_log)], want[sizeof(ev_log)] = "";
	struct kuc_channel *s, *c;
	unsigned int conn;
	int ret;

	events_reset();
	kuc_shm_remove(name);
	if (kuc_shm_create(name, 4096, 0600, ID_KEEP) || kuc_serve(name, &s)) {
		TAP_OK(0, "server: segment and server");
		return;
	}
	TAP_OK(!kuc_endpoint_start(s, &rec_handlers, NULL),
	       "server: endpoint thread with connect and disconnect");
	usleep(100000);
	events_wait(0, got, sizeof(got));
	TAP_OK(!got[0], "server: no client, no event (%s)", got);

	/* Two clients in turn, each sending more than a ring holds. */
	for (conn = 1; conn <= 2; conn++) {
		ret = kuc_open(spec, &c);
		if (!ret)
			ret = send_ids(c, 1, 200);
		TAP_OK(!ret, "server: client %u sends 200 messages (%d)", conn,
		       ret);
		kuc_close(c);
		expect_client(want, sizeof(want), conn, 200);
		events_wait((int)conn * 202, got, sizeof(got));
		TAP_OK(!strcmp(got, want),
		       "server: client %u: connect, its 200 messages in order, disconnect, all with id %u",
		       conn, conn);
		if (strcmp(got, want))
			printf("#   got  %s\n#   want %s\n", got, want);
	}

	/* Stopped with a client: no disconnect, as kucomms_unregister(). */
	events_reset();
	ret = kuc_open(spec, &c);
	if (!ret)
		ret = send_ids(c, 1, 2);
	events_wait(3, got, sizeof(got));
	TAP_OK(!ret && !strcmp(got, "c3 m3.1 m3.2"), "server: client 3 (%s)",
	       got);
	TAP_OK(!kuc_endpoint_stop(s), "server: stopped with client 3");
	usleep(50000);
	events_wait(3, got, sizeof(got));
	TAP_OK(!strcmp(got, "c3 m3.1 m3.2"), "server: the stop says no disconnect (%s)",
	       got);
	/* Started again: the client still connected is connected anew. */
	TAP_OK(!kuc_endpoint_start(s, &rec_handlers, NULL), "server: restarted");
	ret = send_ids(c, 3, 3);
	kuc_close(c);
	events_wait(6, got, sizeof(got));
	TAP_OK(!ret && !strcmp(got, "c3 m3.1 m3.2 c3 m3.3 d3"),
	       "server: restarted: connect again, then its last message, disconnect (%s)",
	       got);
	kuc_close(s);
	kuc_shm_remove(name);
}

/* The client side of a shm channel: one connection, to the server. */
static void test_client(void)
{
	struct kuc_handlers h = { .message = echo };
	struct kuc_channel *s = NULL, *c = NULL;
	char got[sizeof(ev_log)];
	int ret;

	events_reset();
	kuc_shm_remove(name);
	if (kuc_shm_create(name, 4096, 0600, ID_KEEP) || kuc_serve(name, &s) ||
	    kuc_endpoint_start(s, &h, NULL) || kuc_open(spec, &c)) {
		TAP_OK(0, "client: segment, echo server and client");
		goto out;
	}
	TAP_OK(!kuc_endpoint_start(c, &rec_handlers, NULL),
	       "client: endpoint thread");
	ret = send_ids(c, 1, 2);
	events_wait(3, got, sizeof(got));
	TAP_OK(!ret && !strcmp(got, "c1 m1.1 m1.2"),
	       "client: connect at the start, then the echoes (%s)", got);
	kuc_close(s);	/* its echoes went out before */
	s = NULL;
	events_wait(4, got, sizeof(got));
	TAP_OK(!strcmp(got, "c1 m1.1 m1.2 d1"),
	       "client: the server closed: disconnect (%s)", got);
out:
	kuc_close(c);
	kuc_close(s);
	kuc_shm_remove(name);
}

/* A pair's end: what the other end sent, then disconnect. */
static void test_pair(void)
{
	struct kuc_channel *a, *b;
	char got[sizeof(ev_log)];
	int ret;

	events_reset();
	if (kuc_pair_open(0, &a, &b)) {
		TAP_OK(0, "pair: open");
		return;
	}
	TAP_OK(!kuc_endpoint_start(b, &rec_handlers, NULL),
	       "pair: endpoint thread");
	ret = send_ids(a, 1, 3);
	kuc_close(a);
	events_wait(5, got, sizeof(got));
	TAP_OK(!ret && !strcmp(got, "c1 m1.1 m1.2 m1.3 d1"),
	       "pair: connect, the other end's messages, disconnect once it closed (%s)",
	       got);
	kuc_close(b);
}

int main(void)
{
	snprintf(name, sizeof(name), "kucomms_unitconn_%d", (int)getpid());
	snprintf(spec, sizeof(spec), "shm:%s", name);
	test_server();
	test_client();
	test_pair();
	kuc_shm_remove(name);
	return tap_done();
}
