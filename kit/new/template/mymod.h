/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * mymod's protocol, shared by the kernel module (mymod.c) and its
 * clients (mymod_client.c, kucsend). Every message is a kucomms header
 * (type, id, value, length) and data; the module answers each one on the
 * connection it came from, with the same id.
 */
#ifndef MYMOD_H
#define MYMOD_H

#define MYMOD_DEVICE		"kucomms_mymod"

/* Reply: the same type, value + 1, the same data. */
#define MYMOD_TYPE_HELLO	1
/* Reply: the same type, value = seconds the module has been loaded. */
#define MYMOD_TYPE_UPTIME	2
/* The reply to a message that is refused: value is the errno. */
#define MYMOD_TYPE_ERROR	255

/* The longest data a HELLO may carry. */
#define MYMOD_DATA_MAX		256

#endif /* MYMOD_H */
