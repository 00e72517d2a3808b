// SPDX-License-Identifier: MIT
/*
 * kuc_conn_events: a shm server whose handlers, written against
 * kucomms/kucomms_endpoint.h as a kernel module's would be, print every
 * event of the endpoint thread on a line of its own, in the order they
 * were called (tests/host/shm_connect.bats):
 *
 *   connect CONN        before the client's first message
 *   message CONN ID     each message (its header's id); no reply
 *   disconnect CONN     after the client's last message
 *
 * CONN is kucomms_conn_id() in the handler.
 *
 *   kuc_conn_events NAME   serve the segment NAME (it must exist): print
 *                          "serving", then the events until SIGINT or
 *                          SIGTERM, then "stopped"
 *
 * Exit status: 0, 1 on an error.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>

#include <kucomms/kucomms_endpoint.h>

static void event(const char *what, struct kucomms_conn *conn)
{
	printf("%s %" PRIu64 "\n", what, kucomms_conn_id(conn));
	fflush(stdout);
}

static void on_message(struct kucomms_endpoint *ep, struct kucomms_conn *conn,
		       const struct kucomms_msg_hdr *hdr, const void *data)
{
	(void)ep;
	(void)data;
	printf("message %" PRIu64 " %llu\n", kucomms_conn_id(conn),
	       (unsigned long long)hdr->id);
	fflush(stdout);
}

static void on_connect(struct kucomms_endpoint *ep, struct kucomms_conn *conn)
{
	(void)ep;
	event("connect", conn);
}

static void on_disconnect(struct kucomms_endpoint *ep,
			  struct kucomms_conn *conn)
{
	(void)ep;
	event("disconnect", conn);
}

static const struct kucomms_endpoint_ops ops = {
	.message = on_message,
	.connect = on_connect,
	.disconnect = on_disconnect,
};

int main(int argc, char **argv)
{
	struct kucomms_endpoint *ep;
	sigset_t set;
	int sig;

	if (argc != 2) {
		fprintf(stderr, "usage: kuc_conn_events NAME\n");
		return 1;
	}
	/* Taken by sigwait() below, in this thread only. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	ep = kucomms_register(argv[1], &ops, NULL);
	if (IS_ERR(ep)) {
		fprintf(stderr, "kuc_conn_events: %s: %s\n", argv[1],
			kuc_strerror((int)PTR_ERR(ep)));
		return 1;
	}
	printf("serving\n");
	fflush(stdout);
	sigwait(&set, &sig);
	kucomms_unregister(ep);
	printf("stopped\n");
	return 0;
}
