#!/usr/bin/env bats
# kucctl on shared-memory segments, on the host (no module needed):
# create/remove --shm, list (kind shm, JSON), show, errors and exit codes.

bats_require_minimum_version 1.5.0

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	KUCCTL=$TOP/build/kucctl
	NAME=kucomms_k${BATS_ROOT_PID}_${BATS_TEST_NUMBER}
	SEG=/dev/shm/$NAME
}

# Serve $NAME with the userspace echo; pid (the caller's local) is it.
start_echo() {
	"$TOP/build/examples/kucomms_echo_user" "$NAME" >"$BATS_TEST_TMPDIR/srv" 3>&- &
	pid=$!
	for ((i = 0; i < 50; i++)); do
		grep -q serving "$BATS_TEST_TMPDIR/srv" && break
		sleep 0.1
	done
}

teardown() {
	rm -f "$SEG"
}

@test "create --shm makes a 0600 segment of the asked ring size; remove --shm removes it" {
	run "$KUCCTL" create --shm "$NAME" --size 8192
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# Pages, the two rings, the tap area (pages and two 1 MiB tap rings).
	[ "$(stat -c '%a %s' "$SEG")" = "600 $((5 * 4096 + 2 * 8192 + 5 * 4096 + 2 * 1048576))" ]
	run "$KUCCTL" remove --shm "$NAME"
	[ "$status" -eq 0 ]
	[ ! -e "$SEG" ]
}

@test "shm:NAME is the same as --shm; the short name works too" {
	short=${NAME#kucomms_}
	"$KUCCTL" create "shm:$short" --mode 0640
	[ "$(stat -c %a "$SEG")" = 640 ]
	run "$KUCCTL" show "shm:$short"
	[ "$status" -eq 0 ]
	[[ "$output" == *"name:             $NAME"* ]]
	"$KUCCTL" remove "shm:$NAME"
	[ ! -e "$SEG" ]
}

@test "create --shm --owner/--group give the segment away" {
	[ "$(id -u)" = 0 ] || skip "needs root to give a file away"
	"$KUCCTL" create --shm "$NAME" --owner nobody --group nogroup --mode 0660
	[ "$(stat -c '%U %G %a' "$SEG")" = "nobody nogroup 660" ]
}

@test "create --shm --owner that may not be given: exit 5, one line, no segment left" {
	[ "$(id -u)" = 0 ] || skip "needs root to run kucctl as another user"
	cp "$KUCCTL" "$BATS_TEST_TMPDIR/kucctl"
	chmod 755 "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/kucctl"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$BATS_TEST_TMPDIR/kucctl" create --shm "$NAME" --owner root
	echo "$stderr"
	[ "$status" -eq 5 ]
	[ "$stderr" = "kucctl: create shm:$NAME: permission denied" ]
	[ ! -e "$SEG" ]
}

@test "list shows segments with kind shm and no device number; --json too" {
	"$KUCCTL" create --shm "$NAME"
	run "$KUCCTL" list --shm
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^NAME\ +MAJ:MIN\ +MODE\ +OWNER\ +GROUP\ +KIND$ ]]
	line=$(grep "^$NAME " <<<"$output")
	read -r name devt mode owner group kind <<<"$line"
	[ "$devt $mode $kind" = "- 0600 shm" ]
	run "$KUCCTL" list --shm --json
	[ "$status" -eq 0 ]
	jq -e --arg n "$NAME" '.devices[] | select(.name == $n) |
		.kind == "shm" and .path == "/dev/shm/\($n)" and
		.major == null and .minor == null and .mode == "0600"' \
		<<<"$output"
}

@test "show: ring size, no server or client, no problem; --json" {
	"$KUCCTL" create --shm "$NAME" --size 4096
	run "$KUCCTL" show --shm "$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"kind:             shm"* ]]
	[[ "$output" == *"ring_size:        4096"* ]]
	[[ "$output" == *"server:           none"* ]]
	[[ "$output" == *"client:           none"* ]]
	[[ "$output" == *"problem:          none"* ]]
	run "$KUCCTL" show --shm "$NAME" --json
	jq -e '.kind == "shm" and .ring_size == 4096 and .server == null
		and .problem == null and .connections == 0' <<<"$output"
}

@test "show describes a damaged segment" {
	"$KUCCTL" create --shm "$NAME"
	truncate -s 4096 "$SEG"
	run "$KUCCTL" show "shm:$NAME" --json
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.problem | test("^size 4096, header says")' <<<"$output"
}

@test "errors: exists (9), no such segment (4), bad name (3), bad --size (2), --size without --shm (2)" {
	"$KUCCTL" create --shm "$NAME"
	run --separate-stderr "$KUCCTL" create --shm "$NAME"
	[ "$status" -eq 9 ]
	[ "$stderr" = "kucctl: create shm:$NAME: segment already exists" ]
	rm -f "$SEG"
	run --separate-stderr "$KUCCTL" remove --shm "$NAME"
	[ "$status" -eq 4 ]
	[ "$stderr" = "kucctl: remove shm:$NAME: no such segment" ]
	run --separate-stderr "$KUCCTL" show --shm "$NAME"
	[ "$status" -eq 4 ]
	run "$KUCCTL" create --shm Bad-Name
	[ "$status" -eq 3 ]
	for size in 1000 0 2048 8388608 12k; do
		run --separate-stderr "$KUCCTL" create --shm "$NAME" --size "$size"
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"--size: invalid ring size"* ]]
	done
	[ ! -e "$SEG" ]
	run --separate-stderr "$KUCCTL" create "$NAME" --size 4096
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--size needs --shm"* ]]
}

@test "permission denied (5): removing another user's segment" {
	[ "$(id -u)" = 0 ] || skip "needs root to create a segment nobody cannot remove"
	"$KUCCTL" create --shm "$NAME"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$KUCCTL" remove --shm "$NAME"
	[ "$status" -eq 5 ]
	[ "$stderr" = "kucctl: remove shm:$NAME: permission denied" ]
	[ -e "$SEG" ]
}

@test "list without the module: the segments, exit 0, a note on stderr; pipefail works" {
	[ -d /sys/module/kucomms ] && skip "kucomms is loaded on this host"
	"$KUCCTL" create --shm "$NAME"
	run --separate-stderr "$KUCCTL" list
	[ "$status" -eq 0 ]
	grep -q "^$NAME .* shm$" <<<"$output"
	[ "$stderr" = "kucctl: note: kucomms module not loaded: no devices (try 'modprobe kucomms')" ]
	run bash -c "set -o pipefail; '$KUCCTL' list --json 2>/dev/null | jq -r '.devices[].name'"
	[ "$status" -eq 0 ]
	grep -qx "$NAME" <<<"$output"
	# --shm asks for no devices: no note.
	run --separate-stderr "$KUCCTL" list --shm
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "show without read access: what the header tells is unknown, not zeros" {
	[ "$(id -u)" = 0 ] || skip "needs root to make a segment nobody cannot read"
	"$KUCCTL" create --shm "$NAME"
	cp "$KUCCTL" "$BATS_TEST_TMPDIR/kucctl"
	chmod 755 "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/kucctl"
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$BATS_TEST_TMPDIR/kucctl" show "shm:$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ring_size:        unknown"* ]]
	[[ "$output" == *"server:           unknown"* ]]
	[[ "$output" == *"client:           unknown"* ]]
	[[ "$output" == *"connections:      unknown"* ]]
	[[ "$output" == *"problem:          not readable: permission denied"* ]]
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$BATS_TEST_TMPDIR/kucctl" show "shm:$NAME" --json
	jq -e '.ring_size == null and .server == null and .client == null and
		.connections == null and .size > 0' <<<"$output"
}

@test "show --json: the server is a pid (a number) or null" {
	"$KUCCTL" create --shm "$NAME" --size 4096
	local pid
	start_echo
	run "$KUCCTL" show "shm:$NAME" --json
	kill "$pid"
	wait "$pid" || true
	echo "$output"
	jq -e --argjson pid "$pid" '.server == $pid and .client == null' <<<"$output"
}

@test "show: the segment's traffic counters, exact, text and --json" {
	"$KUCCTL" create --shm "$NAME" --size 4096
	run "$KUCCTL" show --shm "$NAME" --json
	jq -e '.msgs_in == 0 and .bytes_in == 0 and .msgs_out == 0
		and .bytes_out == 0 and .ring_full == 0' <<<"$output"
	local pid
	start_echo
	# 3 messages of 5 data bytes each way (the echo returns each).
	"$TOP/build/kucsend" "shm:$NAME" --match-id '{"id": 1, "data": "hello"}' \
		'{"id": 2, "data": "world"}' '{"id": 3, "data": "12345"}'
	run "$KUCCTL" show "shm:$NAME"
	local text=$output
	run "$KUCCTL" show "shm:$NAME" --json
	kill "$pid"
	wait "$pid" || true
	echo "$text"
	echo "$output"
	[[ "$text" == *"msgs_in:          3"* ]]
	[[ "$text" == *"bytes_in:         15"* ]]
	[[ "$text" == *"msgs_out:         3"* ]]
	[[ "$text" == *"bytes_out:        15"* ]]
	[[ "$text" == *"ring_full:        0"* ]]
	[[ "$text" == *"protocol_errors:  0"* ]]
	jq -e '.msgs_in == 3 and .bytes_in == 15 and .msgs_out == 3
		and .bytes_out == 15 and .ring_full == 0 and .protocol_errors == 0
		and .connections == 1' <<<"$output"
	# Counted since the segment was made: a second client adds to them.
	start_echo
	"$TOP/build/kucsend" "shm:$NAME" --match-id '{"id": 4, "data": "x"}'
	run "$KUCCTL" show "shm:$NAME" --json
	kill "$pid"
	wait "$pid" || true
	echo "$output"
	jq -e '.msgs_in == 4 and .bytes_in == 16 and .msgs_out == 4
		and .bytes_out == 16 and .connections == 2' <<<"$output"
}
