/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of kucomms, under /sys/kernel/tracing/events/kucomms/:
 *   kucomms_msg_recv    the kernel took a message from userspace (u2k),
 *                       just before the endpoint's handler sees it
 *   kucomms_msg_send    the kernel put a message in a connection (k2u)
 *   kucomms_conn_open   a connection was opened
 *   kucomms_conn_close  a connection's file was closed
 * Usable with perf (perf record -e 'kucomms:*'), trace-cmd and bpftrace
 * (tracepoint:kucomms:kucomms_msg_send { ... }). See man/kucdump.8.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kucomms

#if !defined(KUCOMMS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KUCOMMS_TRACE_H

#include <linux/tracepoint.h>
#include <kucomms/kucomms_abi.h>
#include "kucomms_compat.h"

DECLARE_EVENT_CLASS(kucomms_msg,
	TP_PROTO(const char *dev, u64 conn_id,
		 const struct kucomms_msg_hdr *hdr),
	TP_ARGS(dev, conn_id, hdr),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u64, conn_id)
		__field(u64, length)
		__field(u64, type)
		__field(u64, id)
		__field(u64, value)
	),
	TP_fast_assign(
		kucm_assign_str(dev, dev);
		__entry->conn_id = conn_id;
		__entry->length = hdr->length;
		__entry->type = hdr->type;
		__entry->id = hdr->id;
		__entry->value = hdr->value;
	),
	TP_printk("dev=%s conn=%llu type=%llu id=%llu value=%llu length=%llu",
		  __get_str(dev), __entry->conn_id, __entry->type, __entry->id,
		  __entry->value, __entry->length)
);

DEFINE_EVENT(kucomms_msg, kucomms_msg_recv,
	TP_PROTO(const char *dev, u64 conn_id,
		 const struct kucomms_msg_hdr *hdr),
	TP_ARGS(dev, conn_id, hdr)
);

DEFINE_EVENT(kucomms_msg, kucomms_msg_send,
	TP_PROTO(const char *dev, u64 conn_id,
		 const struct kucomms_msg_hdr *hdr),
	TP_ARGS(dev, conn_id, hdr)
);

DECLARE_EVENT_CLASS(kucomms_conn,
	TP_PROTO(const char *dev, u64 conn_id),
	TP_ARGS(dev, conn_id),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u64, conn_id)
	),
	TP_fast_assign(
		kucm_assign_str(dev, dev);
		__entry->conn_id = conn_id;
	),
	TP_printk("dev=%s conn=%llu", __get_str(dev), __entry->conn_id)
);

DEFINE_EVENT(kucomms_conn, kucomms_conn_open,
	TP_PROTO(const char *dev, u64 conn_id),
	TP_ARGS(dev, conn_id)
);

DEFINE_EVENT(kucomms_conn, kucomms_conn_close,
	TP_PROTO(const char *dev, u64 conn_id),
	TP_ARGS(dev, conn_id)
);

#endif /* KUCOMMS_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kucomms_trace
#include <trace/define_trace.h>
