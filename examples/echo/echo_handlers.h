/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The echo endpoint's handlers (echo_handlers.c), shared by the kernel
 * module kucomms_echo.ko (echo_module.c) and the userspace server
 * kucomms_echo_user (echo_user.c).
 */
#ifndef ECHO_HANDLERS_H
#define ECHO_HANDLERS_H

#include <kucomms/kucomms_endpoint.h>

extern const struct kucomms_endpoint_ops echo_ops;
/* How often each handler ran, and replies given up on. */
extern atomic64_t echo_messages, echo_work_runs, echo_timer_runs;
extern atomic64_t echo_dropped, echo_connects, echo_disconnects;

#endif
