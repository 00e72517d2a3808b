#!/usr/bin/env bats
# kucdump on a shared-memory channel, on the host (no module, no VM): the
# segment's own monitor tap (kucomms_shm.h, libkuc's tap_shm.c). The
# userspace echo server (examples/echo/echo_handlers.c) serves the
# segment and kucsend, tests/progs/kuc_sendmsg (exact messages) and
# kuc_echo_client (streams) are its clients, as in the VM's
# tests/bats/kucdump.bats for the device: both directions with exact
# headers and data, counts, drops, filters, capture files read back by
# kucdump -r and tshark with tools/kucdump/kucomms.lua, privilege, one
# reader per segment, a reader that dies, the segment's removal.

load shm_common
load ../bats/kucdump_common

setup() {
	shm_setup kd
	LUA=$TOP/tools/kucdump/kucomms.lua
	KUC_DUMP_PIDS=""
}

teardown() {
	shm_teardown
	rm -f /tmp/kucdump-unpriv-$BATS_ROOT_PID
}

@test "kucdump shm: a tap is not a connection and needs no server" {
	"$KUCCTL" create --shm "$NAME" --size 4096
	dump_start a --json "$CH"
	grep -q "listening on $CH, snaplen 262144, buffer 2048 KiB" "$BATS_TEST_TMPDIR/a.err"
	# A client is refused (no server), and the tap is still there.
	run "$SENDMSG" "$CH" 1:2:3:
	[ "$status" -eq 1 ]
	start_server 4096
	run "$SENDMSG" "$CH" 1:2:3:
	[ "$status" -eq 0 ]
	[ "$(sed -n 's/^conn //p' <<<"$output")" = 1 ]
	dump_stop a
	[ "$dump_status" -eq 0 ]
	[ "$(dump_counts a)" = "2 0" ]
}

@test "kucdump shm: both directions with exact headers and data, text, binary and empty" {
	start_server
	dump_start a --json "$CH"
	run "$SENDMSG" "$CH" 1:2:3:68656c6c6f 0x10:0x20:0xffffffffffffffff:00ff0a 7:8:9:
	echo "$output"
	[ "$status" -eq 0 ]
	conn=$(sed -n 's/^conn //p' <<<"$output")
	[ "$conn" = 1 ]
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

@test "kucdump shm: kucsend's messages and replies are what kucdump captures, in one schema" {
	start_server
	dump_start a --json "$CH"
	run "$KUCSEND" "$CH" --match-id \
		'{"type": 1, "id": 10, "value": 4294967296, "data": "from kucsend"}' \
		'{"type": 2, "id": 11, "data": {"hex": "00ff10"}}' '{"id": 12}'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	dump_stop a
	[ "$dump_status" -eq 0 ]
	[ "$(dump_counts a)" = "6 0" ]
	for dir in u2k k2u; do
		grep "\"dir\":\"$dir\"" "$BATS_TEST_TMPDIR/a.out" |
			sed -E 's/"ts":"[0-9.]*",//; s/"dir":"[a-z0-9]*","conn":[0-9]*,//; s/"caplen":[0-9]*,//' |
			diff -u - <(echo "$output")
	done
}

@test "kucdump shm: text lines, -x hex dump, -s snap length, -c count" {
	start_server
	dump_start a -x -s 4 -c 3 "$CH"
	run "$SENDMSG" "$CH" 1:2:3:68656c6c6f21 4:5:6:41
	[ "$status" -eq 0 ]
	conn=$(sed -n 's/^conn //p' <<<"$output")
	dump_wait a
	[ "$dump_status" -eq 0 ]
	out=$BATS_TEST_TMPDIR/a.out
	cat "$out"
	[ "$(grep -c ' conn=' "$out")" = 3 ]
	sed -n 1p "$out" | grep -Eq "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9} conn=$conn u2k type=1 id=2 value=3 length=6 \(captured 4\)$"
	sed -n 2p "$out" | grep -q "^	0x0000:  6865 6c6c  *hell$"
	sed -n 3p "$out" | grep -q " conn=$conn k2u type=1 id=2 value=3 length=6 (captured 4)$"
	sed -n 5p "$out" | grep -q " conn=$conn u2k type=4 id=5 value=6 length=1$"
	sed -n 6p "$out" | grep -q "^	0x0000:  41  *A$"
	[ "$(dump_counts a)" = "3 0" ]
}

@test "kucdump shm: counts match: 6,000 messages on 3 connections, every one seen once each way" {
	start_server
	dump_start a --json -s 0 "$CH"
	# Paced, so that this reader keeps up on a loaded machine too.
	for i in 1 2 3; do
		run "$KUCSEND" "$CH" --count 2000 --rate 20000 --format human \
			'{"type": 1, "id": 1, "data": "abc"}' '{"type": 2, "id": 2, "data": {"hex": "00"}}'
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" == "sent=2000 received=2000 lost=0 "* ]]
	done
	dump_stop a
	[ "$dump_status" -eq 0 ]
	out=$BATS_TEST_TMPDIR/a.out
	[ "$(dump_counts a)" = "12000 0" ]
	[ "$(grep -c '"dir":"u2k"' "$out")" = 6000 ]
	[ "$(grep -c '"dir":"k2u"' "$out")" = 6000 ]
	# Connections 1, 2 and 3, 2000 messages each way on each.
	[ "$(jq -r '[.conn, .dir] | @tsv' "$out" | sort | uniq -c | awk '{print $1, $2, $3}' | tr '\n' ' ')" = \
	  "2000 1 k2u 2000 1 u2k 2000 2 k2u 2000 2 u2k 2000 3 k2u 2000 3 u2k " ]
	# Whole data everywhere; and in the output no reply comes before
	# its request: on each connection, never more k2u than u2k so far.
	[ "$(jq -r 'select(.caplen != .length) | 1' "$out" | wc -l)" = 0 ]
	jq -r '[.conn, .dir] | @tsv' "$out" | awk '
		$2 == "u2k" { u[$1]++ }
		$2 == "k2u" && ++k[$1] > u[$1] { bad++ }
		END { exit bad > 0 }'
}

@test "kucdump shm: a stalled reader loses records, counts them, and never slows the channel" {
	start_server 4096
	dump_start a --json "$CH"
	kill -STOP "$DUMP_a"
	start=$(date +%s%N)
	run "$CLIENT" --count 20000 --size 64 "$CH"
	end=$(date +%s%N)
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sent=20000 received=20000 lost=0"* ]]
	kill -CONT "$DUMP_a"
	dump_stop a
	[ "$dump_status" -eq 0 ]
	read -r n m < <(dump_counts a)
	note "2 x 1 MiB tap rings, reader stopped: $n captured, $m dropped of 40000; client $(((end - start) / 1000000)) ms"
	[ "$m" -gt 0 ]
	[ $((n + m)) = 40000 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/a.out")" = "$n" ]
}

@test "kucdump shm: filters on direction, connection, type and id" {
	start_server
	dump_start all --json "$CH"
	run "$KUCDUMP" --json "$CH"
	[ "$status" -eq 10 ]
	[ "$output" = "kucdump: $CH: another reader is watching this segment (one at a time)" ]
	run "$SENDMSG" "$CH" 1:1:0: 0x10:2:0: 1:3:0: 2:4:0:
	[ "$status" -eq 0 ]
	run "$SENDMSG" "$CH" 1:1:0: 1:2:0: 1:3:0:
	[ "$status" -eq 0 ]
	dump_stop all
	[ "$dump_status" -eq 0 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/all.out")" = 14 ]
	# The filters run on the live tap: one reader per segment, so each
	# in turn, on the same traffic again.
	f() {
		dump_start "$1" --json -f "$2" "$CH"
		run "$SENDMSG" "$CH" 1:1:0: 0x10:2:0: 1:3:0: 2:4:0:
		[ "$status" -eq 0 ]
		run "$SENDMSG" "$CH" 1:1:0: 1:2:0: 1:3:0:
		[ "$status" -eq 0 ]
		dump_stop "$1"
		[ "$dump_status" -eq 0 ]
	}
	f k2u 'k2u'
	[ "$(jq -r .dir "$BATS_TEST_TMPDIR/k2u.out" | sort -u)" = k2u ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/k2u.out")" = 7 ]
	[ "$(dump_counts k2u)" = "7 0" ]
	# Connections 5 and 6 now, then 7 and 8.
	f expr 'not u2k and (type == 0x10 or id >= 3)'
	[ "$(jq -r '[.conn, .type, .id] | @tsv' "$BATS_TEST_TMPDIR/expr.out" | tr '\t\n' ', ')" = \
	  "5,16,2 5,1,3 5,2,4 6,1,3 " ]
	f conn 'conn 8 && !(id < 2)'
	[ "$(jq -r '[.dir, .conn, .id] | @tsv' "$BATS_TEST_TMPDIR/conn.out" | tr '\t\n' ', ')" = \
	  "u2k,8,2 k2u,8,2 u2k,8,3 k2u,8,3 " ]
	run "$KUCDUMP" -f 'type ==' "$CH"
	[ "$status" -eq 3 ]
	[[ "$output" == *"--filter: 'type' wants a number, not 'the end'"* ]]
}

# capture_check FILE [-w OPTIONS...]: capture three exchanges on $CH to
# FILE, then read it back with kucdump -r and with tshark and the Lua
# dissector; -r then -w keeps the shm labels.
capture_check() {
	local cap=$1 f
	shift
	start_server
	dump_start file -w "$cap" "$@" "$CH"
	run "$SENDMSG" "$CH" 1:2:3:68656c6c6f 0x10:0x20:0xffffffffffffffff:00ff0a 7:8:9:
	[ "$status" -eq 0 ]
	conn=$(sed -n 's/^conn //p' <<<"$output")
	dump_stop file
	[ "$dump_status" -eq 0 ]
	[ "$(dump_counts file)" = "6 0" ]
	run "$KUCDUMP" -r "$cap" --json
	echo "$output"
	[ "$status" -eq 0 ]
	grep '^{"ts"' <<<"$output" | sed 's/^{"ts":"[0-9]*\.[0-9]\{9\}",/{/' | diff -u - <(cat <<EOF
{"dir":"u2k","conn":$conn,"type":1,"id":2,"value":3,"length":5,"caplen":5,"data":"hello"}
{"dir":"k2u","conn":$conn,"type":1,"id":2,"value":3,"length":5,"caplen":5,"data":"hello"}
{"dir":"u2k","conn":$conn,"type":16,"id":32,"value":18446744073709551615,"length":3,"caplen":3,"data":{"hex":"00ff0a"}}
{"dir":"k2u","conn":$conn,"type":16,"id":32,"value":18446744073709551615,"length":3,"caplen":3,"data":{"hex":"00ff0a"}}
{"dir":"u2k","conn":$conn,"type":7,"id":8,"value":9,"length":0,"caplen":0,"data":""}
{"dir":"k2u","conn":$conn,"type":7,"id":8,"value":9,"length":0,"caplen":0,"data":""}
EOF
)
	[[ "$output" == *'{"captured":6,"dropped":0}'* ]]
	run "$KUCDUMP" -r "$cap" --json -f 'k2u and type 16'
	[ "$(grep -c '^{"ts"' <<<"$output")" = 1 ]
	tshark -X lua_script:"$LUA" -r "$cap" \
		-T fields -E separator=, -e kucomms.dir -e kucomms.conn \
		-e kucomms.type -e kucomms.id -e kucomms.value \
		-e kucomms.length -e kucomms.caplen -e kucomms.data \
		2>/dev/null >"$BATS_TEST_TMPDIR/t.csv"
	cat "$BATS_TEST_TMPDIR/t.csv"
	diff -u - "$BATS_TEST_TMPDIR/t.csv" <<EOF
0,$conn,1,2,3,5,5,68656c6c6f
1,$conn,1,2,3,5,5,68656c6c6f
0,$conn,16,32,18446744073709551615,3,3,00ff0a
1,$conn,16,32,18446744073709551615,3,3,00ff0a
0,$conn,7,8,9,0,0,
1,$conn,7,8,9,0,0,
EOF
	tshark -X lua_script:"$LUA" -r "$cap" 2>/dev/null |
		grep -q "kucomms .*conn=$conn k2u type=16 id=32 value=18446744073709551615 length=3"
	# The sides of a segment are its client and server, not user and
	# kernel; -r then -w keeps that.
	"$KUCDUMP" -r "$cap" -w "$cap.2" "$@" 2>/dev/null
	for f in "$cap" "$cap.2"; do
		tshark -X lua_script:"$LUA" -r "$f" \
			-T fields -E separator=, -e kucomms.kind -e _ws.col.Source \
			-e _ws.col.Destination 2>/dev/null >"$BATS_TEST_TMPDIR/k.csv"
		cat "$BATS_TEST_TMPDIR/k.csv"
		[ "$(sort -u "$BATS_TEST_TMPDIR/k.csv" | tr '\n' ' ')" = "1,client,server 1,server,client " ]
	done
}

@test "kucdump shm: -w capture read back by kucdump -r and by tshark with the Lua dissector" {
	capture_check "$BATS_TEST_TMPDIR/cap.pcap"
	[ "$(head -c 4 "$BATS_TEST_TMPDIR/cap.pcap" | od -An -tx4 | tr -d ' ')" = a1b23c4d ]
}

@test "kucdump shm: -w --pcapng: the same, as pcapng with each packet's direction flag" {
	capture_check "$BATS_TEST_TMPDIR/cap.pcapng" --pcapng
	cap=$BATS_TEST_TMPDIR/cap.pcapng
	[ "$(head -c 4 "$cap" | od -An -tx1 | tr -d ' ')" = 0a0d0d0a ]
	# Wireshark's own reading, no dissector: the packets' lengths (the
	# 48-byte pseudo-header and the data), nanosecond times, and the
	# direction as pcapng flags: u2k is out of the user side (2), k2u in (1).
	tshark -r "$cap" -T fields -E separator=, -e frame.len \
		-e frame.packet_flags_direction 2>/dev/null >"$BATS_TEST_TMPDIR/d.csv"
	cat "$BATS_TEST_TMPDIR/d.csv"
	diff -u - "$BATS_TEST_TMPDIR/d.csv" <<EOF
53,0x00000002
53,0x00000001
51,0x00000002
51,0x00000001
48,0x00000002
48,0x00000001
EOF
	t_ng=$(tshark -r "$cap" -T fields -e frame.time_epoch 2>/dev/null | head -1)
	t_dump=$("$KUCDUMP" -r "$cap" -tt 2>/dev/null | head -1 | cut -d' ' -f1)
	[ "$t_ng" = "$t_dump" ]
	# --pcapng only says how -w writes.
	run "$KUCDUMP" --pcapng "$CH"
	[ "$status" -eq 2 ]
	[ "$output" = "kucdump: --pcapng goes with -w (see 'kucdump --help')" ]
}

@test "kucdump shm: users without read and write access to the segment are refused" {
	start_server
	[ "$(stat -c %a:%U "$SEG")" = 600:root ]
	cp "$KUCDUMP" /tmp/kucdump-unpriv-$BATS_ROOT_PID
	chmod 755 /tmp/kucdump-unpriv-$BATS_ROOT_PID
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		/tmp/kucdump-unpriv-$BATS_ROOT_PID "$CH"
	echo "$output"
	[ "$status" -eq 5 ]
	[ "$output" = "kucdump: $CH: permission denied (watching a shm channel needs read and write access to its segment)" ]
	# Read access alone is not enough either.
	chmod 0644 "$SEG"
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		/tmp/kucdump-unpriv-$BATS_ROOT_PID "$CH"
	[ "$status" -eq 5 ]
	[[ "$output" == *"permission denied"* ]]
	# The segment's access is the privilege: given it, nobody may watch.
	chmod 0666 "$SEG"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		/tmp/kucdump-unpriv-$BATS_ROOT_PID --json -c 2 "$CH" \
		>"$BATS_TEST_TMPDIR/n.out" 2>"$BATS_TEST_TMPDIR/n.err" 3>&- &
	PIDS+=" $!"
	p=$!
	wait_for "grep -q 'listening on' '$BATS_TEST_TMPDIR/n.err'"
	run "$SENDMSG" "$CH" 1:2:3:6869
	[ "$status" -eq 0 ]
	wait "$p"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/n.out")" = 2 ]
}

@test "kucdump shm: a reader killed -9 leaves no trace: the next one attaches, the channel never noticed" {
	start_server
	dump_start a --json "$CH"
	kill -9 "$DUMP_a"
	wait "$DUMP_a" || true
	# Its session is still announced: the senders tap into the void
	# until their liveness check finds its lock free, never waiting.
	run "$CLIENT" --count 20000 --size 64 "$CH"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sent=20000 received=20000 lost=0"* ]]
	dump_start b --json "$CH"
	run "$SENDMSG" "$CH" 5:6:7:41
	[ "$status" -eq 0 ]
	conn=$(sed -n 's/^conn //p' <<<"$output")
	dump_stop b
	[ "$dump_status" -eq 0 ]
	[ "$(dump_counts b)" = "2 0" ]
	diff -u - <(json_no_ts b) <<EOF
{"dir":"u2k","conn":$conn,"type":5,"id":6,"value":7,"length":1,"caplen":1,"data":"A"}
{"dir":"k2u","conn":$conn,"type":5,"id":6,"value":7,"length":1,"caplen":1,"data":"A"}
EOF
}

@test "kucdump shm: a server restart and new clients in one capture" {
	start_server
	dump_start a --json "$CH"
	run "$SENDMSG" "$CH" 1:1:1:
	[ "$status" -eq 0 ]
	kill -9 "$SERVER_PID"
	wait "$SERVER_PID" || true
	start_server
	run "$SENDMSG" "$CH" 2:2:2:
	[ "$status" -eq 0 ]
	run "$SENDMSG" "$CH" 3:3:3:
	[ "$status" -eq 0 ]
	dump_stop a
	[ "$dump_status" -eq 0 ]
	[ "$(jq -r '[.dir, .conn, .type] | @tsv' "$BATS_TEST_TMPDIR/a.out" | tr '\t\n' ', ')" = \
	  "u2k,1,1 k2u,1,1 u2k,2,2 k2u,2,2 u2k,3,3 k2u,3,3 " ]
}

@test "kucdump shm: removing the segment under a server alone ends kucdump" {
	start_server
	dump_start a --json "$CH"
	run "$SENDMSG" "$CH" 1:2:3:
	[ "$status" -eq 0 ]
	"$KUCCTL" remove --shm "$NAME"
	# The server stays attached; kucdump ends within its liveness checks.
	wait_for "! kill -0 $DUMP_a 2>/dev/null" 5
	dump_wait a
	[ "$dump_status" -eq 0 ]
	kill -0 "$SERVER_PID"
	grep -q "$CH: the segment was removed" "$BATS_TEST_TMPDIR/a.err"
	[ "$(dump_counts a)" = "2 0" ]
}

@test "kucdump shm: removing the segment ends kucdump once its client is gone" {
	start_server
	dump_start a --json "$CH"
	run "$SENDMSG" "$CH" 1:2:3:
	[ "$status" -eq 0 ]
	# Removed under a server and a client that still talk: still watched.
	"$CLIENT" --count 1000000000 --mode pingpong "$CH" >/dev/null 2>&1 3>&- &
	cpid=$!
	PIDS+=" $cpid"
	# Only once the client talks: removed before it attached, it would
	# find no segment.
	wait_for "[ \$(wc -l <'$BATS_TEST_TMPDIR/a.out') -gt 10 ]"
	"$KUCCTL" remove --shm "$NAME"
	sleep 1.5
	kill -0 "$DUMP_a"
	kill "$cpid"
	wait "$cpid" || true
	# Then it ends by itself, within its liveness checks, though the
	# server is still there.
	dump_wait a
	[ "$dump_status" -eq 0 ]
	grep -q "$CH: the segment was removed" "$BATS_TEST_TMPDIR/a.err"
	read -r n m < <(dump_counts a)
	note "removed under a ping-pong client: $n captured, $m dropped"
	[ "$n" -gt 100 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/a.out")" = "$n" ]
}

@test "kucdump shm: taps that cannot be had: no segment, a layout-1 segment, a bad name" {
	run "$KUCDUMP" "$CH"
	[ "$status" -eq 4 ]
	[ "$output" = "kucdump: $CH: no such shm segment" ]
	# A segment of the first layout (no tap area) is refused with why.
	"$KUCCTL" create --shm "$NAME" --size 4096
	printf '\001\000\000\000' | dd of="$SEG" bs=1 seek=8 conv=notrunc status=none
	run "$KUCDUMP" "$CH"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "kucdump: $CH: not a usable segment: layout version 1, expected 5" ]
	run "$KUCDUMP" "shm:Bad-Name"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "kucdump shm: an idle reader sleeps (no busy polling)" {
	"$KUCCTL" create --shm "$NAME"
	dump_start a "$CH"
	ctx() {
		awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s }' \
			"/proc/$DUMP_a/status"
	}
	cpu() { awk '{ print $14 + $15 }' "/proc/$DUMP_a/stat"; }
	c0=$(ctx) t0=$(cpu)
	sleep 2
	c1=$(ctx) t1=$(cpu)
	note "idle kucdump: $((c1 - c0)) wakeups, $((t1 - t0)) CPU ticks in 2 s"
	# kucdump looks at its stop flag 5 times a second, and naps once
	# before each sleep: about 20 wakeups, not thousands.
	[ $((c1 - c0)) -lt 60 ]
	[ $((t1 - t0)) -lt 10 ]
	dump_stop a
	[ "$dump_status" -eq 0 ]
}

@test "kucdump shm: cost of the tap: 64-byte stream with no reader and with one (reported)" {
	start_server
	run "$CLIENT" --count 200000 --size 64 "$CH"
	[ "$status" -eq 0 ]
	note "no reader:  $output"
	dump_start a -w /dev/null "$CH"
	run "$CLIENT" --count 200000 --size 64 "$CH"
	[ "$status" -eq 0 ]
	note "one reader: $output"
	dump_stop a
	note "$(tail -n 1 "$BATS_TEST_TMPDIR/a.err")"
}
