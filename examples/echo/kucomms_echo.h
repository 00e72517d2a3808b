/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The echo example's protocol, shared by kucomms_echo.ko and its clients.
 * Every message comes back unchanged to the connection it came from,
 * except one of type ECHO_TYPE_BROADCAST, which goes to every connection.
 */
#ifndef KUCOMMS_ECHO_H
#define KUCOMMS_ECHO_H

#define ECHO_NAME		"kucomms_echo"
#define ECHO_TYPE_BROADCAST	0xb0adca57ULL

#endif
