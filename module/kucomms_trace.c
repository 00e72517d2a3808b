// SPDX-License-Identifier: GPL-2.0
/* The one place the tracepoints of kucomms_trace.h are defined. */
#define CREATE_TRACE_POINTS
#include "kucomms_trace.h"
