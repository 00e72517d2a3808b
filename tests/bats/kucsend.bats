#!/usr/bin/env bats
# kucsend against an echoing channel (kucsend_common.bash picks it): every
# input form, output modes, reply matching, load mode, exit codes, and
# that bad input sends nothing. Runs in the VM as root.

bats_require_minimum_version 1.5.0
load kucsend_common

setup() {
	kucsend_channel_up
	CH=$KUCSEND_CHANNEL
	T=$BATS_TEST_TMPDIR
}

teardown() {
	kucsend_channel_down
}

# ks ARGS...: run kucsend, keeping stdout and stderr apart.
ks() {
	run --separate-stderr "$KUCSEND" "$@"
	echo "status=$status"
	echo "stdout: $output"
	echo "stderr: $stderr"
}

@test "kucsend: one message, its reply as one JSON line; missing fields default" {
	ks "$CH" --wait 1 '{"type": 1, "id": 2, "value": 3, "data": "hello"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":1,"id":2,"value":3,"length":5,"data":"hello"}' ]
	ks "$CH" --wait 1 '{}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":0,"id":0,"value":0,"length":0,"data":""}' ]
	# The full name and the node path name the same channel.
	ks kucomms_echo --wait 1 '{"id": 5}'
	[ "$status" -eq 0 ]
	[[ "$output" == *'"id":5,'* ]]
}

@test "kucsend: every data form gives the same bytes" {
	printf 'AB\x00\xff' >"$T/bin"
	want='{"type":0,"id":0,"value":0,"length":4,"data":{"hex":"414200ff"}}'
	for d in '{"hex": "414200ff"}' '{"hex": "41 42 00 FF"}' \
		 '{"base64": "QUIA/w=="}' '{"base64": "QUIA/w"}' \
		 '[65, 66, 0, 255]' "{\"file\": \"$T/bin\"}" \
		 '"AB\u0000\u00ff"'; do
		ks "$CH" --wait 1 "{\"data\": $d}"
		[ "$status" -eq 0 ]
		if [ "$d" = '"AB\u0000\u00ff"' ]; then
			# A string goes as UTF-8: U+00FF is two bytes.
			[ "$output" = '{"type":0,"id":0,"value":0,"length":5,"data":{"hex":"414200c3bf"}}' ]
		else
			[ "$output" = "$want" ] || { echo "data form $d"; return 1; }
		fi
	done
	ks "$CH" --wait 1 '{"data": "h\u00e9llo \"w\"\n"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":0,"id":0,"value":0,"length":11,"data":"h\u00e9llo \"w\"\n"}' ] ||
		[ "$output" = '{"type":0,"id":0,"value":0,"length":11,"data":"héllo \"w\"\n"}' ]
}

@test "kucsend: messages from stdin (JSON lines, an array) and --file, in order" {
	printf '{"id": 1}\n{"id": 2}\n\n{"id": 3}\n' >"$T/lines"
	printf '[{"id": 4},\n {"id": 5}]\n' >"$T/array"
	ks "$CH" --wait 3 <"$T/lines"
	[ "$status" -eq 0 ]
	[ "$(grep -o '"id":[0-9]*' <<<"$output" | tr '\n' ' ')" = '"id":1 "id":2 "id":3 ' ]
	ks "$CH" --wait 2 <"$T/array"
	[ "$status" -eq 0 ]
	[ "$(grep -o '"id":[0-9]*' <<<"$output" | tr '\n' ' ')" = '"id":4 "id":5 ' ]
	ks "$CH" --wait 2 --file "$T/array"
	[ "$status" -eq 0 ]
	[ "$(grep -o '"id":[0-9]*' <<<"$output" | tr '\n' ' ')" = '"id":4 "id":5 ' ]
	# Arguments first, then the file.
	ks "$CH" --wait 3 --file "$T/array" '{"id": 9}'
	[ "$(grep -o '"id":[0-9]*' <<<"$output" | tr '\n' ' ')" = '"id":9 "id":4 "id":5 ' ]
	ks "$CH" --wait 2 --file - <"$T/lines"
	[ "$status" -eq 5 ] || [ "$status" -eq 0 ]
}

@test "kucsend: numbers up to 2^64-1 round-trip exactly; output lines read back" {
	ks "$CH" --wait 1 '{"type": 18446744073709551615, "id": 9223372036854775808, "value": 9007199254740993}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":18446744073709551615,"id":9223372036854775808,"value":9007199254740993,"length":0,"data":""}' ]
	# A reply line is valid input: send it again, get it again.
	line=$output
	ks "$CH" --wait 1 "$line"
	[ "$status" -eq 0 ]
	[ "$output" = "$line" ]
}

@test "kucsend: --data text|hex|base64 and --format human" {
	ks "$CH" --wait 1 --data hex '{"data": "hi"}'
	[ "$output" = '{"type":0,"id":0,"value":0,"length":2,"data":{"hex":"6869"}}' ]
	ks "$CH" --wait 1 --data base64 '{"data": "hi!"}'
	[ "$output" = '{"type":0,"id":0,"value":0,"length":3,"data":{"base64":"aGkh"}}' ]
	# Printable? auto says hex for a control byte, text keeps the string.
	ks "$CH" --wait 1 '{"data": [104, 1]}'
	[ "$output" = '{"type":0,"id":0,"value":0,"length":2,"data":{"hex":"6801"}}' ]
	ks "$CH" --wait 1 --data text '{"data": [104, 1]}'
	[ "$output" = '{"type":0,"id":0,"value":0,"length":2,"data":"h\u0001"}' ]
	# Not UTF-8 at all: text falls back to hex.
	ks "$CH" --wait 1 --data text '{"data": [255]}'
	[ "$output" = '{"type":0,"id":0,"value":0,"length":1,"data":{"hex":"ff"}}' ]
	ks "$CH" --wait 1 --format human '{"type": 7, "id": 1, "data": "hi"}'
	[ "$output" = 'type=7 id=1 value=0 length=2 "hi"' ]
	ks "$CH" --wait 1 --format human --data hex '{"data": "hi"}'
	[ "$output" = 'type=0 id=0 value=0 length=2 hex:6869' ]
}

@test "kucsend: without --wait it sends and exits; --wait N waits for N" {
	in0=$(kucsend_msgs_in)
	ks "$CH" '{"id": 1}' '{"id": 2}'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	ks "$CH" --wait 2 '{"id": 1}' '{"id": 2}' '{"id": 3}'
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 2 ]
	# Every one arrives, also the two sent without waiting.
	wait_for '[ "$(kucsend_msgs_in)" -eq $((in0 + 5)) ]' 10
}

@test "kucsend: too few replies is a time-out (exit 8) after --timeout" {
	start=$(date +%s%N)
	ks "$CH" --wait 2 --timeout 0.5 '{"id": 1}'
	end=$(date +%s%N)
	[ "$status" -eq 8 ]
	[ "$output" = '{"type":0,"id":1,"value":0,"length":0,"data":""}' ]
	[[ "$stderr" == "kucsend: timed out after 0.5 s: 1 of 2 replies" ]]
	ms=$(((end - start) / 1000000))
	note "--timeout 0.5 took $ms ms"
	[ "$ms" -ge 500 ]
}

@test "kucsend: --match-id takes only replies to the ids sent" {
	# Another connection floods every connection with id 5555555 broadcasts.
	"$KUCSEND" "$CH" --count 100000000 --wait 0 \
		"{\"type\": $ECHO_BCAST, \"id\": 5555555}" >/dev/null 2>&1 3>&- &
	KUC_BG_PIDS=$!
	seq 1 2000 | sed 's/.*/{"id": &}/' >"$T/ids"
	wait_for '"$KUCSEND" "$CH" --wait 1 --timeout 1 "{\"id\": 1}" >/dev/null && [ "$(cat /sys/class/kucomms/kucomms_echo/connections)" -ge 1 ]'
	# Control: plain --wait sees the broadcasts.
	ks "$CH" --wait 2000 --file "$T/ids"
	[ "$status" -eq 0 ]
	foreign=$(grep -c '"id":5555555,' <<<"$output" || true)
	ks "$CH" --match-id --file "$T/ids"
	[ "$status" -eq 0 ]
	note "--wait 2000 got $foreign foreign replies; --match-id took $(wc -l <<<"$output") lines"
	[ "$foreign" -gt 0 ]
	[ "$(wc -l <<<"$output")" -eq 2000 ]
	! grep -q '"id":5555555,' <<<"$output"
	[ "$(grep -o '"id":[0-9]*' <<<"$output" | sort -t: -k2 -n | uniq | wc -l)" -eq 2000 ]
}

@test "kucsend: --match-id counts repeated ids once per message sent" {
	ks "$CH" --match-id '{"id": 7, "data": "a"}' '{"id": 7, "data": "b"}' '{"id": 8}'
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 3 ]
}

@test "kucsend: load mode counts: --count, --rate, summary" {
	ks "$CH" --count 20000 '{"id": 1, "data": "0123456789abcdef"}' '{"id": 2}'
	[ "$status" -eq 0 ]
	note "load: $output"
	[[ "$output" == '{"sent":20000,"received":20000,"lost":0,'* ]]
	ks "$CH" --count 5000 --match-id --format human '{"id": 1}' '{"id": 2}'
	[ "$status" -eq 0 ]
	note "load --match-id: $output"
	[[ "$output" == "sent=5000 received=5000 lost=0 "* ]]
	ks "$CH" --count 50 --rate 100 --format human '{"id": 1}'
	[ "$status" -eq 0 ]
	note "paced: $output"
	[[ "$output" == "sent=50 received=50 lost=0 "* ]]
	# 50 messages at 100/s: the 50th goes out at 0.49 s.
	secs=$(sed 's/.*seconds=\([0-9.]*\).*/\1/' <<<"$output")
	awk -v s="$secs" 'BEGIN { exit !(s >= 0.48) }'
	# No replies expected: none lost.
	ks "$CH" --count 100 --wait 0 --format human '{}'
	[ "$status" -eq 0 ]
	[[ "$output" == "sent=100 received=0 lost=0 "* ]]
	# More expected than come: lost, and the time-out status.
	ks "$CH" --count 10 --wait 12 --timeout 0.3 --format human '{}'
	[ "$status" -eq 8 ]
	[[ "$output" == "sent=10 received=10 lost=2 "* ]]
}

@test "kucsend: bad input is one error naming line, column and field; nothing sent" {
	in0=$(kucsend_msgs_in)
	printf '{"id": 1}\n{"id": 2, "typo": 3}\n' >"$T/bad"
	ks "$CH" --wait 1 --file "$T/bad"
	[ "$status" -eq 3 ]
	[ "$stderr" = "kucsend: $T/bad:2:11: message 2: unknown key \"typo\" (known: type, id, value, data, length)" ]
	ks "$CH" --wait 1 '{"id": 1}' '{"id": -1}'
	[ "$status" -eq 3 ]
	[ "$stderr" = 'kucsend: argument 2:1:8: message 1: field "id": -1 is out of range (0 to 18446744073709551615)' ]
	[ "$(kucsend_msgs_in)" -eq "$in0" ]
	[ -z "$output" ]
}

@test "kucsend: data beyond the channel's maximum message is bad input; nothing sent" {
	echo 4096 >/sys/class/kucomms/kucomms_echo/ring_size
	in0=$(kucsend_msgs_in)
	head -c 4064 /dev/zero >"$T/max"
	head -c 4065 /dev/zero >"$T/over"
	ks "$CH" --wait 1 --data base64 "{\"data\": {\"file\": \"$T/max\"}}"
	[ "$status" -eq 0 ]
	[[ "$output" == '{"type":0,"id":0,"value":0,"length":4064,'* ]]
	in0=$(kucsend_msgs_in)
	ks "$CH" --wait 1 '{"id": 1}' "{\"data\": {\"file\": \"$T/over\"}}"
	[ "$status" -eq 3 ]
	[ "$stderr" = 'kucsend: argument 2:1:10: message 1: field "data": 4065 bytes, more than the channel'"'"'s maximum message (4064 bytes)' ]
	[ "$(kucsend_msgs_in)" -eq "$in0" ]
}

@test "kucsend: channel errors exit with their own status and the cause" {
	ks nosuch '{}'
	[ "$status" -eq 4 ]
	[ "$stderr" = "kucsend: open nosuch: no such device (create it with 'kucctl create')" ]
	rmmod kucomms_echo
	ks "$CH" '{}'
	[ "$status" -eq 7 ]
	[[ "$stderr" == "kucsend: open echo: "*"(no module serves this device yet)" ]]
	ks shm:nosuch '{}'
	[ "$status" -eq 4 ]
	[[ "$stderr" == "kucsend: open shm:nosuch: "* ]]
}

@test "kucsend: the endpoint going away while waiting is a channel error" {
	"$KUCSEND" "$CH" --wait 2 --timeout 60 '{"id": 1}' >"$T/out" 2>"$T/err" 3>&- &
	pid=$!
	KUC_BG_PIDS=$pid
	wait_for '[ -s "$T/out" ]'
	rmmod kucomms_echo
	status=0
	wait "$pid" || status=$?
	KUC_BG_PIDS=
	cat "$T/out" "$T/err"
	[ "$status" -eq 7 ]
	grep -q '"id":1,' "$T/out"
	grep -q "^kucsend: receive on echo: .*(the endpoint went away)" "$T/err"
}
