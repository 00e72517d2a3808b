# shellcheck shell=bash
# Sourced by bench/run and bench/guest: which cases run where, and the
# loop that runs them interleaved.
#
# kb_rounds ENV ROUNDS SECS CASES...: ROUNDS rounds; in each, every size
# and mode, and within those every case (rotated by the round, so that no
# case always runs first) one after the other, so that the cases a ratio
# compares ran seconds apart. Prints one JSON line per run, with "round"
# and "env" added; a failed run prints its line too ("ok": false).
#
# kb_measure ENV ROUNDS SECS CASES...: what a part runs. ROUNDS timed
# rounds with KB_NO_TRACE=1, then KB_COUNTED counted rounds (default 3:
# the report takes the median, so that one round disturbed by other work
# on the machine does not decide a count): an enabled
# raw_syscalls or sched_waking tracepoint costs every system call and
# wakeup something (measured: 15 % of the chardev's 64 B stream under
# TCG), so rates, round trips, CPU time and context switches come from
# runs that count no tracepoints, and system calls and wakeups (and the
# idle connection) from the counted rounds (bench/report.py keeps them
# apart by the line's "traced").

KB_SIZES=${KB_SIZES:-"64 4096 65536"}
KB_COUNTED=${KB_COUNTED:-3}
KB_HOST_STREAM="kuc-shm kuc-shm-batch kuc-pair kuc-pair-batch pipe pipe-batch unix-seqpacket unix-stream spsc memcpy"
KB_HOST_RTT="kuc-shm kuc-shm-busy kuc-pair kuc-pair-busy pipe unix-seqpacket unix-stream spsc pingpong"
KB_VM_STREAM="kuc-dev kuc-dev-zc kuc-dev-poll kuc-dev-direct kuc-dev-batch chr genl genl-batch"
KB_VM_RTT="kuc-dev kuc-dev-zc kuc-dev-poll kuc-dev-direct chr genl"
# The floors in the guest: host cases run in the VM (bench/guest gives
# them the VM's ring size, --vm-ring), what the emulated CPU allows any
# design: the bare ring one way and its spinning round trip, a copy of
# the message, a blocking handoff between two processes (the pipe's
# round trip), one cache line bounced. Not in the pinned pass (vm1 shows
# one CPU), and the spinning ones (KB_VM_FLOOR_SPIN) only with 2 or more
# vCPUs: two sides spinning on one CPU measure the scheduler.
KB_VM_FLOOR_STREAM="spsc memcpy"
KB_VM_FLOOR_RTT="spsc pipe pingpong"
KB_VM_FLOOR_SPIN="spsc pingpong"
# An open connection nobody uses, 1 s a round: what waiting costs.
KB_HOST_IDLE="kuc-shm"
KB_VM_IDLE="kuc-dev"

# kb_floors ENV MODE: the floor cases a VM part runs (KB_VM_FLOOR_*).
kb_floors() {
	local env=$1 mode=$2 c list cpus
	[[ $env == host || $env == *cpu0 ]] && return 0
	cpus=$(nproc)
	if [ "$mode" = stream ]; then
		read -ra list <<<"$KB_VM_FLOOR_STREAM"
	else
		read -ra list <<<"$KB_VM_FLOOR_RTT"
	fi
	for c in "${list[@]}"; do
		[[ " $KB_VM_FLOOR_SPIN " == *" $c "* && $cpus -lt 2 ]] || echo "$c"
	done
}

kb_rounds() {
	local env=$1 rounds=$2 secs=$3 bin=$4 r size mode list c i n out idle
	shift 4
	for ((r = 1; r <= rounds; r++)); do
		for size in $KB_SIZES; do
			for mode in stream rtt; do
				if [ "$env" = host ]; then
					[ $mode = stream ] && list=$KB_HOST_STREAM || list=$KB_HOST_RTT
				else
					[ $mode = stream ] && list=$KB_VM_STREAM || list=$KB_VM_RTT
					list+=" $(kb_floors "$env" $mode | xargs)"
				fi
				read -ra list <<<"$list"
				n=${#list[@]}
				for ((i = 0; i < n; i++)); do
					c=${list[$(((i + r) % n))]}
					out=$("$bin" --secs "$secs" "$@" "$c" "$mode" "$size") ||
						echo "bench: $c $mode $size failed (exit $?)" >&2
					[ -n "$out" ] && echo "{\"round\":$r,\"env\":\"$env\",${out#\{}"
				done
			done
		done
		[ "$env" = host ] && idle=$KB_HOST_IDLE || idle=$KB_VM_IDLE
		[ -n "${KB_NO_IDLE:-}" ] && idle=
		for c in $idle; do
			out=$("$bin" "$@" --secs 1 "$c" idle 64) ||
				echo "bench: $c idle failed (exit $?)" >&2
			[ -n "$out" ] && echo "{\"round\":$r,\"env\":\"$env\",${out#\{}"
		done
	done
}

# kb_timed ENV ROUNDS SECS CASES... and kb_counted ENV SECS CASES...: the
# two halves of kb_measure (bench/guest switches its perf events between).
kb_timed() {
	KB_NO_TRACE=1 KB_NO_IDLE=1 kb_rounds "$@"
}

kb_counted() {
	local env=$1
	shift
	KB_NO_TRACE=0 kb_rounds "$env" "$KB_COUNTED" "$@"
}

kb_measure() {
	local env=$1 rounds=$2 secs=$3
	shift 3
	kb_timed "$env" "$rounds" "$secs" "$@"
	kb_counted "$env" "$secs" "$@"
}
