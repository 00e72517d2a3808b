#!/usr/bin/env bats
# kucdump and the module's monitor tap (/dev/kucomms-monitor): traffic
# through kucomms_echo.ko captured in both directions with exact headers
# and data, counts, drops, filters, capture files (kucdump -r and tshark
# with tools/kucdump/kucomms.lua), privilege, device removal, and the
# kucomms tracepoints. Runs in the VM as root (tests/vm/run).
#
# Traffic comes from kucsend, tests/progs/kuc_sendmsg (exact messages in
# a compact form) and kuc_echo_client (streams).

load common
load kucdump_common

DEV=kucomms_echo
SYS=/sys/class/kucomms/$DEV
KUCDUMP=$KUC_BUILD/kucdump
SENDMSG=$KUC_BUILD/progs/kuc_sendmsg
CLIENT=$KUC_BUILD/progs/kuc_echo_client
LUA=$KUC_TOP/tools/kucdump/kucomms.lua
MON=/dev/kucomms-monitor

setup() {
	KUC_DUMP_PIDS=
	kuc_echo_up
}

teardown() {
	kuc_echo_down
}

@test "the monitor node is root-only and a tap is not a connection, even without an endpoint" {
	[ "$(stat -c %a:%U $MON)" = 600:root ]
	rmmod kucomms_echo
	dump_start a --json "$DEV"
	[ "$(cat $SYS/connections)" = 0 ]
	[ "$(cat $SYS/endpoint)" = none ]
	dump_stop a
	[ "$dump_status" -eq 0 ]
	[ "$(dump_counts a)" = "0 0" ]
}

@test "both directions with exact headers and data, text, binary and empty" {
	dump_start a --json "$DEV"
	run "$SENDMSG" "$DEV" 1:2:3:68656c6c6f 0x10:0x20:0xffffffffffffffff:00ff0a 7:8:9:
	echo "$output"
	[ "$status" -eq 0 ]
	conn=$(sed -n 's/^conn //p' <<<"$output")
	dump_stop a
	[ "$dump_status" -eq 0 ]
	json_no_ts a
	diff -u - <(json_no_ts a) <<EOF
{"dir":"u2k","conn":$conn,"type":1,"id":2,"value":3,"length":5,"caplen":5,"data":"hello"}
{"dir":"k2u","conn":$conn,"type":1,"id":2,"value":3,"length":5,"caplen":5,"data":"hello"}
{"dir":"u2k","conn":$conn,"type":16,"id":32,"value":18446744073709551615,"length":3,"caplen":3,"data":{"hex":"00ff0a"}}
{"dir":"k2u","conn":$conn,"type":16,"id":32,"value":18446744073709551615,"length":3,"caplen":3,"data":{"hex":"00ff0a"}}
{"dir":"u2k","conn":$conn,"type":7,"id":8,"value":9,"length":0,"caplen":0,"data":""}
{"dir":"k2u","conn":$conn,"type":7,"id":8,"value":9,"length":0,"caplen":0,"data":""}
EOF
	[ "$(dump_counts a)" = "6 0" ]
	# Time stamps: nanoseconds, in order, close to now.
	jq -r .ts "$BATS_TEST_TMPDIR/a.out" | sort -c
	now=$(date +%s)
	ts=$(jq -r '.ts | split(".")[0]' "$BATS_TEST_TMPDIR/a.out" | head -n 1)
	[ $((now - ts)) -lt 60 ]
}

@test "kucsend's messages and replies are what kucdump captures, in one schema" {
	dump_start a --json "$DEV"
	run "$KUC_BUILD/kucsend" "$DEV" --match-id \
		'{"type": 1, "id": 10, "value": 4294967296, "data": "from kucsend"}' \
		'{"type": 2, "id": 11, "data": {"hex": "00ff10"}}' '{"id": 12}'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	dump_stop a
	[ "$dump_status" -eq 0 ]
	[ "$(dump_counts a)" = "6 0" ]
	# kucdump's lines without its own fields are kucsend's lines.
	for dir in u2k k2u; do
		grep "\"dir\":\"$dir\"" "$BATS_TEST_TMPDIR/a.out" |
			sed -E 's/"ts":"[0-9.]*",//; s/"dir":"[a-z0-9]*","conn":[0-9]*,//; s/"caplen":[0-9]*,//' |
			diff -u - <(echo "$output")
	done
}

@test "text lines, -x hex dump, -s snap length, -c count" {
	dump_start a -x -s 4 -c 3 "$DEV"
	run "$SENDMSG" "$DEV" 1:2:3:68656c6c6f21 4:5:6:41
	[ "$status" -eq 0 ]
	conn=$(sed -n 's/^conn //p' <<<"$output")
	dump_wait a
	[ "$dump_status" -eq 0 ]
	out=$BATS_TEST_TMPDIR/a.out
	cat "$out"
	# Three messages (-c 3), then kucdump ended by itself.
	[ "$(grep -c ' conn=' "$out")" = 3 ]
	sed -n 1p "$out" | grep -Eq "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9} conn=$conn u2k type=1 id=2 value=3 length=6 \(captured 4\)$"
	sed -n 2p "$out" | grep -q "^	0x0000:  6865 6c6c  *hell$"
	sed -n 3p "$out" | grep -q " conn=$conn k2u type=1 id=2 value=3 length=6 (captured 4)$"
	sed -n 5p "$out" | grep -q " conn=$conn u2k type=4 id=5 value=6 length=1$"
	sed -n 6p "$out" | grep -q "^	0x0000:  41  *A$"
	[ "$(dump_counts a)" = "3 0" ]
}

@test "counts match: 10,000 messages on 3 connections, every one seen once each way" {
	in0=$(cat $SYS/msgs_in) out0=$(cat $SYS/msgs_out)
	dump_start a --json -s 0 -B 16384 "$DEV"
	run "$CLIENT" --conns 2 --count 4000 --max-size 256 "$DEV"
	[ "$status" -eq 0 ]
	run "$CLIENT" --count 2000 --max-size 256 "$DEV"
	[ "$status" -eq 0 ]
	dump_stop a
	[ "$dump_status" -eq 0 ]
	out=$BATS_TEST_TMPDIR/a.out
	in=$(($(cat $SYS/msgs_in) - in0)) outn=$(($(cat $SYS/msgs_out) - out0))
	[ "$in" = 10000 ] && [ "$outn" = 10000 ]
	[ "$(dump_counts a)" = "20000 0" ]
	[ "$(jq -r 'select(.dir == "u2k") | 1' "$out" | wc -l)" = 10000 ]
	[ "$(jq -r 'select(.dir == "k2u") | 1' "$out" | wc -l)" = 10000 ]
	# Each (connection, type, id) once per direction; 3 connections.
	[ "$(jq -r '[.dir, .conn, .type, .id] | @tsv' "$out" | sort -u | wc -l)" = 20000 ]
	[ "$(jq -r .conn "$out" | sort -u | wc -l)" = 3 ]
	# Whole data: caplen = length for every record.
	[ "$(jq -r 'select(.caplen != .length) | 1' "$out" | wc -l)" = 0 ]
}

@test "a stalled reader loses records, counts them, and never slows the channel" {
	dump_start a --json -B 64 "$DEV"
	kill -STOP "$DUMP_a"
	start=$(date +%s%N)
	run "$CLIENT" --count 20000 --size 64 "$DEV"
	end=$(date +%s%N)
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sent=20000 received=20000 lost=0"* ]]
	kill -CONT "$DUMP_a"
	dump_stop a
	[ "$dump_status" -eq 0 ]
	read -r n m < <(dump_counts a)
	note "64 KiB buffer, reader stopped: $n captured, $m dropped of 40000; client $(((end - start) / 1000000)) ms"
	[ "$m" -gt 0 ]
	[ $((n + m)) = 40000 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/a.out")" = "$n" ]
}

@test "filters on direction, connection, type and id" {
	dump_start all --json "$DEV"
	dump_start k2u --json --filter 'k2u' "$DEV"
	dump_start expr --json -f 'not u2k and (type == 0x10 or id >= 3)' "$DEV"
	dump_start conn --json -f 'conn 2 && !(id < 2)' "$DEV"
	run "$SENDMSG" "$DEV" 1:1:0: 0x10:2:0: 1:3:0: 2:4:0:
	[ "$status" -eq 0 ]
	conn=$(sed -n 's/^conn //p' <<<"$output")
	run "$SENDMSG" "$DEV" 1:1:0: 1:2:0: 1:3:0:
	[ "$status" -eq 0 ]
	conn2=$(sed -n 's/^conn //p' <<<"$output")
	[ "$conn2" = $((conn + 1)) ]
	for d in all k2u expr conn; do
		dump_stop "$d"
		[ "$dump_status" -eq 0 ]
	done
	[ "$(wc -l <"$BATS_TEST_TMPDIR/all.out")" = 14 ]
	[ "$(jq -r .dir "$BATS_TEST_TMPDIR/k2u.out" | sort -u)" = k2u ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/k2u.out")" = 7 ]
	[ "$(dump_counts k2u)" = "7 0" ]
	# k2u with type 16, or id >= 3: (c1,16,2) (c1,1,3) (c1,2,4) (c2,1,3)
	[ "$(jq -r '[.conn, .type, .id] | @tsv' "$BATS_TEST_TMPDIR/expr.out" | tr '\t\n' ', ')" = \
	  "$conn,16,2 $conn,1,3 $conn,2,4 $conn2,1,3 " ]
	# The device is new: its connections are 1 and 2. Ids 2 and 3 of
	# connection 2, both ways.
	[ "$conn" = 1 ]
	[ "$(jq -r '[.dir, .conn, .id] | @tsv' "$BATS_TEST_TMPDIR/conn.out" | tr '\t\n' ', ')" = \
	  "u2k,2,2 k2u,2,2 u2k,2,3 k2u,2,3 " ]
	run "$KUCDUMP" -f 'type ==' "$DEV"
	[ "$status" -eq 3 ]
	[[ "$output" == *"--filter: 'type' wants a number, not 'the end'"* ]]
	run "$KUCDUMP" -f 'dir sideways' "$DEV"
	[ "$status" -eq 3 ]
}

@test "-w capture read back by kucdump -r and by tshark with the Lua dissector" {
	dump_start live --json "$DEV"
	dump_start file -w "$BATS_TEST_TMPDIR/cap.pcap" "$DEV"
	run "$SENDMSG" "$DEV" 1:2:3:68656c6c6f 0x10:0x20:0xffffffffffffffff:00ff0a 7:8:9:
	[ "$status" -eq 0 ]
	dump_stop live
	dump_stop file
	[ "$dump_status" -eq 0 ]
	[ "$(dump_counts file)" = "6 0" ]
	# kucdump -r gives back exactly what was seen live, time stamps too.
	run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/cap.pcap" --json
	echo "$output"
	[ "$status" -eq 0 ]
	diff -u "$BATS_TEST_TMPDIR/live.out" <(grep '^{"ts"' <<<"$output")
	[[ "$output" == *'{"captured":6,"dropped":0}'* ]]
	run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/cap.pcap" --json -f 'k2u and type 16'
	[ "$(grep -c '^{"ts"' <<<"$output")" = 1 ]
	# tshark decodes every field of the same capture.
	tshark -X lua_script:"$LUA" -r "$BATS_TEST_TMPDIR/cap.pcap" \
		-T fields -E separator=, -e kucomms.dir -e kucomms.conn \
		-e kucomms.type -e kucomms.id -e kucomms.value \
		-e kucomms.length -e kucomms.data 2>/dev/null >"$BATS_TEST_TMPDIR/t.csv"
	cat "$BATS_TEST_TMPDIR/t.csv"
	conn=$(jq -r .conn "$BATS_TEST_TMPDIR/live.out" | head -n 1)
	diff -u - "$BATS_TEST_TMPDIR/t.csv" <<EOF
0,$conn,1,2,3,5,68656c6c6f
1,$conn,1,2,3,5,68656c6c6f
0,$conn,16,32,18446744073709551615,3,00ff0a
1,$conn,16,32,18446744073709551615,3,00ff0a
0,$conn,7,8,9,0,
1,$conn,7,8,9,0,
EOF
	# And its summary line of a packet.
	tshark -X lua_script:"$LUA" -r "$BATS_TEST_TMPDIR/cap.pcap" 2>/dev/null |
		grep -q "kucomms .*conn=$conn k2u type=16 id=32 value=18446744073709551615 length=3"
	# A file that is not a kucdump capture is refused in one line.
	head -c 100 /dev/urandom >"$BATS_TEST_TMPDIR/junk"
	run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/junk"
	[ "$status" -eq 3 ]
	[[ "$output" == "kucdump: $BATS_TEST_TMPDIR/junk: not a pcap file"* ]]
}

@test "non-privileged users are refused" {
	cp "$KUCDUMP" /tmp/kucdump-unpriv
	chmod 755 /tmp/kucdump-unpriv
	run setpriv --reuid=65534 --regid=65534 --clear-groups /tmp/kucdump-unpriv "$DEV"
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == *"$DEV: permission denied (watching a device needs CAP_SYS_ADMIN)"* ]]
	# Even with the node opened up, attaching needs the capability.
	chmod 0666 $MON
	run setpriv --reuid=65534 --regid=65534 --clear-groups /tmp/kucdump-unpriv "$DEV"
	chmod 0600 $MON
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == *"$DEV: operation not permitted (watching a device needs CAP_SYS_ADMIN)"* ]]
	# Root without CAP_SYS_ADMIN too.
	run setpriv --inh-caps=-all --bounding-set=-sys_admin "$KUCDUMP" "$DEV"
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == *"operation not permitted"* ]]
}

@test "several readers each get every message" {
	dump_start a --json "$DEV"
	dump_start b --json -B 4096 "$DEV"
	run "$CLIENT" --count 500 --max-size 64 "$DEV"
	[ "$status" -eq 0 ]
	dump_stop a
	dump_stop b
	[ "$(dump_counts a)" = "1000 0" ]
	[ "$(dump_counts b)" = "1000 0" ]
	diff -q "$BATS_TEST_TMPDIR/a.out" "$BATS_TEST_TMPDIR/b.out"
}

@test "removing the device ends kucdump cleanly; rmmod waits for readers" {
	dump_start a --json "$DEV"
	rmmod kucomms_echo
	run rmmod kucomms
	echo "$output"
	[ "$status" -ne 0 ]
	echo "$DEV" >"$KUC_CTL/remove_device"
	dump_wait a
	[ "$dump_status" -eq 0 ]
	grep -q "$DEV: the device was removed" "$BATS_TEST_TMPDIR/a.err"
	[ "$(dump_counts a)" = "0 0" ]
	rmmod kucomms
	[ ! -e $MON ]
}

@test "taps that cannot be had: no such device, no such shm segment, bad options" {
	run "$KUCDUMP" nosuchdev
	[ "$status" -eq 4 ]
	[ "$output" = "kucdump: nosuchdev: no such device" ]
	# shm channels have their own tap (tests/host/kucdump_shm.bats).
	run "$KUCDUMP" shm:demo
	[ "$status" -eq 4 ]
	[ "$output" = "kucdump: shm:demo: no such shm segment" ]
	run "$KUCDUMP" -B 100 "$DEV"
	[ "$status" -eq 2 ]
	run "$KUCDUMP"
	[ "$status" -eq 2 ]
}

@test "the kucomms tracepoints fire (tracefs)" {
	local t=/sys/kernel/tracing
	[ -d $t/events ] || mount -t tracefs nodev $t
	[ -d $t/events/kucomms ]
	echo >$t/trace
	kuc_alone "echo 1 >$t/events/kucomms/enable"
	run "$SENDMSG" "$DEV" 5:6:7:6162 8:9:10:
	kuc_alone "echo 0 >$t/events/kucomms/enable"
	[ "$status" -eq 0 ]
	conn=$(sed -n 's/^conn //p' <<<"$output")
	grep kucomms_ $t/trace | tee "$BATS_TEST_TMPDIR/trace"
	ev() { grep -c "$1: dev=$DEV conn=$conn$2" "$BATS_TEST_TMPDIR/trace"; }
	[ "$(ev kucomms_conn_open '$')" = 1 ]
	[ "$(ev kucomms_msg_recv ' type=5 id=6 value=7 length=2$')" = 1 ]
	[ "$(ev kucomms_msg_send ' type=5 id=6 value=7 length=2$')" = 1 ]
	[ "$(ev kucomms_msg_recv ' type=8 id=9 value=10 length=0$')" = 1 ]
	[ "$(ev kucomms_msg_send ' type=8 id=9 value=10 length=0$')" = 1 ]
	[ "$(ev kucomms_conn_close '$')" = 1 ]
}

@test "cost of the tap: 64-byte stream with no reader and with one (reported)" {
	run "$CLIENT" --count 50000 --size 64 "$DEV"
	[ "$status" -eq 0 ]
	note "no reader:  $output"
	dump_start a -w /dev/null "$DEV"
	run "$CLIENT" --count 50000 --size 64 "$DEV"
	[ "$status" -eq 0 ]
	note "one reader: $output"
	dump_stop a
	note "$(tail -n 1 "$BATS_TEST_TMPDIR/a.err")"
}

@test "readers come and go during traffic, and the device is removed under them" {
	"$CLIENT" --count 500000 --size 64 "$DEV" >"$BATS_TEST_TMPDIR/client" 2>&1 3>&- &
	cpid=$!
	KUC_DUMP_PIDS+=" $cpid"
	# Attach and detach while messages flow. This loop once killed the
	# debug kernel: each reader flipped a static key, whose text patching
	# left an int3 in the data path under TCG (see kucm_tap_msg()).
	n=0
	while kill -0 "$cpid" 2>/dev/null && [ $n -lt 30 ]; do
		# -c 20 may wait for ever when the stream just ended.
		timeout 10 "$KUCDUMP" -c 20 -B 64 "$DEV" >/dev/null 2>&1 3>&- || true
		n=$((n + 1))
	done
	wait "$cpid"
	cat "$BATS_TEST_TMPDIR/client"
	grep -q "sent=500000 received=500000 lost=0" "$BATS_TEST_TMPDIR/client"
	note "$n short-lived readers attached and detached during the stream"
	# Now three readers and a stream, and the device goes away.
	dump_start a --json -B 64 "$DEV"
	dump_start b -w /dev/null "$DEV"
	dump_start c -x "$DEV"
	"$CLIENT" --count 100000000 --size 64 "$DEV" >/dev/null 2>&1 3>&- &
	cpid=$!
	KUC_DUMP_PIDS+=" $cpid"
	sleep 1
	echo "$DEV" >"$KUC_CTL/remove_device"
	for d in a b c; do
		dump_wait "$d"
		[ "$dump_status" -eq 0 ]
		grep -q "the device was removed" "$BATS_TEST_TMPDIR/$d.err"
	done
	kill "$cpid"
	wait "$cpid" || true
	# Attach and removal racing each other.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		echo "$DEV" >"$KUC_CTL/create_device"
		"$KUCDUMP" "$DEV" >/dev/null 2>&1 3>&- &
		p=$!
		echo "$DEV" >"$KUC_CTL/remove_device"
		wait "$p" || true
	done
	rmmod kucomms_echo
	rmmod kucomms
}
