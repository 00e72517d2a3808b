#!/usr/bin/env bats
# The tools as one family: the same condition gives the same exit status
# and the same shape of message from kucctl, kucsend and kucdump
# (common/tool_exit.h, man/kucomms-tools.7), and the same JSON options;
# on the host without a VM.

bats_require_minimum_version 1.5.0

load shm_common
load ../bats/kucdump_common

setup() {
	shm_setup x
	KUC_DUMP_PIDS=""
}

teardown() {
	shm_teardown
}

# same_status WANT: each of the commands that follow (one per argument,
# words split) exits WANT with exactly one line on stderr, "TOOL: ...".
same_status() {
	local want=$1 cmd
	shift
	for cmd in "$@"; do
		# shellcheck disable=SC2086 # a command line
		run --separate-stderr $cmd </dev/null
		echo "$cmd: status $status, stderr: $stderr"
		[ "$status" -eq "$want" ]
		[ "$(wc -l <<<"$stderr")" -eq 1 ]
		tool=${cmd%% *}
		[[ "$stderr" == "${tool##*/}: "* ]]
	done
}

@test "no such segment: 4 from every tool" {
	same_status 4 "$KUCCTL show $CH" "$KUCCTL remove $CH" \
		"$KUCSEND $CH {}" "$KUCDUMP $CH"
}

@test "invalid name: 3 from every tool" {
	same_status 3 "$KUCCTL show shm:Bad-Name" "$KUCCTL create shm:Bad-Name" \
		"$KUCSEND shm:Bad-Name {}" "$KUCDUMP shm:Bad-Name"
}

@test "usage error: 2 from every tool" {
	same_status 2 "$KUCCTL --bogus" "$KUCSEND --bogus x" "$KUCDUMP --bogus x"
}

@test "module not loaded: 6 from every tool, with the modprobe hint" {
	[ -d /sys/module/kucomms ] && skip "kucomms is loaded on this host"
	same_status 6 "$KUCCTL show echo" "$KUCSEND echo {}" "$KUCDUMP echo"
	[[ "$stderr" == *"(try 'modprobe kucomms')" ]]
}

@test "permission denied: 5 from every tool" {
	[ "$(id -u)" = 0 ] || skip "needs root to make a segment nobody may not use"
	"$KUCCTL" create --shm "$NAME"
	cp "$KUCCTL" "$KUCSEND" "$KUCDUMP" "$BATS_TEST_TMPDIR/"
	chmod 755 "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR"/kuc*
	local as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	local t=$BATS_TEST_TMPDIR
	for cmd in "$t/kucctl remove $CH" "$t/kucsend $CH {}" "$t/kucdump $CH"; do
		# shellcheck disable=SC2086 # a command line
		run --separate-stderr $as $cmd
		echo "$cmd: status $status, stderr: $stderr"
		[ "$status" -eq 5 ]
		[[ "$stderr" == *"permission denied"* ]]
	done
}

@test "no server (peer gone): 7" {
	"$KUCCTL" create --shm "$NAME"
	same_status 7 "$KUCSEND $CH {}"
}

@test "the reporter keeps a message on one line: control bytes become \\xHH" {
	run --separate-stderr "$KUCCTL" show $'shm:a\nb'
	[ "$status" -eq 3 ]
	[ "$stderr" = "kucctl: show: invalid name 'shm:a\x0ab' (use a-z, 0-9 and _, after an optional kucomms_ prefix)" ]
	run --separate-stderr "$KUCSEND" $'shm:a\tb' '{}'
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'shm:a\x09b'* ]]
}

@test "the man page's exit statuses are the code's" {
	# 128 + N is no single number: the page has it as ".BI 128+ n".
	code=$(sed -n 's/^\tTOOL_EXIT_[A-Z_]*\t*= \([0-9]*\),.*/\1/p' \
		"$TOP/common/tool_exit.h" | grep -vx 128 | tr '\n' ' ')
	man=$(awk '/^\.SH EXIT STATUS/ { p = 1; next } /^\.SH/ { p = 0 }
		p && /^\.B [0-9]+$/ { printf "%s ", $2 }' \
		"$TOP/man/kucomms-tools.7")
	echo "code: $code"
	echo "man:  $man"
	[ -n "$code" ]
	[ "$code" = "$man" ]
	# Each tool's page points there.
	for page in kucctl.8 kucsend.1 kucdump.8; do
		awk '/^\.SH EXIT STATUS/ { p = 1; next } /^\.SH/ { p = 0 } p' \
			"$TOP/man/$page" | grep -q 'kucomms-tools (7)'
	done
}

@test "-j/--json and -p/--pretty in every tool: one line, or indented; the same values" {
	"$KUCCTL" create --shm "$NAME" --size 4096
	one=$("$KUCCTL" -j show "$CH")
	[ "$(wc -l <<<"$one")" -eq 1 ]
	[ "$("$KUCCTL" show --json "$CH")" = "$one" ]
	pretty=$("$KUCCTL" show -p "$CH")
	[ "$(wc -l <<<"$pretty")" -gt 10 ]
	[[ "$pretty" == *$'\n  "ring_size": 4096,\n'* ]]
	[ "$(jq -c . <<<"$pretty")" = "$(jq -c . <<<"$one")" ]
	[ "$(wc -l < <("$KUCCTL" -p list --shm))" -gt 3 ]
	[ "$("$KUCCTL" list -j --shm | wc -l)" -eq 1 ]
	start_server 4096
	run "$KUCSEND" -p --wait 1 "$CH" '{"id": 5, "data": "x"}'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "{" ]
	[ "$(jq -c . <<<"$output")" = '{"type":0,"id":5,"value":0,"length":1,"data":"x"}' ]
	run "$KUCSEND" -j --count 3 "$CH" '{}'
	[[ "$output" == '{"sent":3,"received":3,"lost":0,'* ]]
	run "$KUCSEND" -p --format human "$CH" '{}'
	[ "$status" -eq 2 ]
	# kucdump: records and, on stderr, the summary.
	dump_start d -p -c 2 "$CH"
	"$KUCSEND" --wait 1 "$CH" '{"id": 9}' >/dev/null
	dump_wait d
	[ "$dump_status" -eq 0 ]
	[ "$(jq -c '[.dir, .id]' "$BATS_TEST_TMPDIR/d.out" | tr '\n' ' ')" = '["u2k",9] ["k2u",9] ' ]
	grep -q '^  "conn": ' "$BATS_TEST_TMPDIR/d.out"
	[ "$(dump_counts d)" = "2 0" ]
	grep -qx '{"captured":2,"dropped":0}' "$BATS_TEST_TMPDIR/d.err"
}
