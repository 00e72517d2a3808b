#!/usr/bin/env bats
# kucsend on the host, without a kernel channel: the command line, every
# input error (all found before the channel is opened, so nothing can be
# sent), and the channel errors when there is no module or no shm support.

bats_require_minimum_version 1.5.0

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	KUCSEND=${KUC_BUILD:-$TOP/build}/kucsend
	[ -x "$KUCSEND" ] || skip "build/kucsend not built"
	T=$BATS_TEST_TMPDIR
	U64MAX=18446744073709551615
}

# bad_input EXPECTED-STDERR ARGS...: exit 3, exactly that one line.
bad_input() {
	local want=$1
	shift
	run --separate-stderr "$KUCSEND" "$@" </dev/null
	echo "status=$status stdout=$output"
	echo "stderr: $stderr"
	echo "want:   $want"
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$stderr" = "$want" ]
}

@test "kucsend input errors: JSON syntax, with line and column" {
	bad_input 'kucsend: argument 1:1:10: invalid JSON: string or '"'"'}'"'"' expected near end of file' echo '{"type":1,'
	printf '{"id": 1}\n{"id" 2}\n' >"$T/f"
	bad_input "kucsend: $T/f:2:7: invalid JSON: ':' expected near '2'" echo --file "$T/f"
	bad_input 'kucsend: argument 1:1:13: invalid JSON: duplicate object key near '"'"'"id"'"'"'' echo '{"id":1, "id":2}'
	bad_input "kucsend: argument 1:1:4: invalid JSON: '[' or '{' expected near 'nope'" echo 'nope'
}

@test "kucsend input errors: --count with no message to cycle through" {
	bad_input "kucsend: --count 2000: no message to send (give MESSAGE, --file or JSON on standard input)" echo --count 2000
	: >"$T/empty"
	bad_input "kucsend: --count 5: no message to send (give MESSAGE, --file or JSON on standard input)" echo --count 5 --file "$T/empty"
}

@test "kucsend input errors: wrong types and out-of-range numbers name the field" {
	bad_input "kucsend: argument 1:1:9: message 1: field \"type\": -1 is out of range (0 to $U64MAX)" echo '{"type":-1}'
	bad_input "kucsend: argument 1:1:7: message 1: field \"id\": out of range (0 to $U64MAX)" echo '{"id":18446744073709551616}'
	bad_input "kucsend: argument 1:1:10: message 1: field \"value\": expected an integer from 0 to $U64MAX, got a number with a fraction or exponent" echo '{"value":1.0}'
	bad_input "kucsend: argument 1:1:9: message 1: field \"type\": expected an integer from 0 to $U64MAX, got a string" echo '{"type":"1"}'
	bad_input "kucsend: argument 1:1:7: message 1: field \"id\": expected an integer from 0 to $U64MAX, got null" echo '{"id":null}'
	bad_input 'kucsend: argument 1:1:10: message 1: field "data": expected a string, an array of byte values, or an object with one key "hex", "base64" or "file", got a boolean' echo '{"data": true}'
	bad_input 'kucsend: argument 1:1:10: message 1: field "data": element [1]: expected a byte value from 0 to 255, got an integer out of range' echo '{"data": [1, 256]}'
	bad_input 'kucsend: argument 1:1:10: message 1: field "data": element [0]: expected a byte value from 0 to 255, got a string' echo '{"data": ["a"]}'
	bad_input 'kucsend: argument 1:1:10: message 1: field "data": "hex": invalid hex (pairs of digits 0-9, a-f)' echo '{"data": {"hex": "abc"}}'
	bad_input 'kucsend: argument 1:1:10: message 1: field "data": "base64": invalid base64' echo '{"data": {"base64": "a*=="}}'
	bad_input 'kucsend: argument 1:1:10: message 1: field "data": unknown key "b64" (expected "hex", "base64" or "file")' echo '{"data": {"b64": "aa"}}'
	bad_input 'kucsend: argument 1:1:10: message 1: field "data": "hex": expected a string, got an integer' echo '{"data": {"hex": 12}}'
	bad_input 'kucsend: argument 1:1:26: message 1: field "length": 3 does not match the data'"'"'s 2 bytes' echo '{"data": "ab", "length": 3}'
	bad_input 'kucsend: argument 1:1:2: message 1: expected a message object {"type", "id", "value", "data"}, got an integer' echo '[5]'
}

@test "kucsend input errors: unknown keys, unreadable files, later messages, stdin" {
	bad_input 'kucsend: argument 1:1:11: message 1: unknown key "tpye" (known: type, id, value, data, length)' echo '{"id": 1, "tpye": 2}'
	bad_input "kucsend: argument 1:1:10: message 1: field \"data\": cannot read file '$T/none': No such file or directory" echo "{\"data\": {\"file\": \"$T/none\"}}"
	bad_input "kucsend: argument 1:1:10: message 1: field \"data\": cannot read file '$T': Is a directory" echo "{\"data\": {\"file\": \"$T\"}}"
	bad_input "kucsend: cannot read $T/nofile: No such file or directory" echo --file "$T/nofile"
	# The error is in the third message of the array, on line 3.
	printf '[{"id": 1},\n {"id": 2},\n {"id": 3, "type": -5}]\n' >"$T/arr"
	run --separate-stderr "$KUCSEND" echo <"$T/arr"
	[ "$status" -eq 3 ]
	[ "$stderr" = "kucsend: stdin:3:20: message 3: field \"type\": -5 is out of range (0 to $U64MAX)" ]
	# A bad second argument: the first (valid) one is not sent either
	# (the channel is not even opened: no "module not loaded" error).
	bad_input 'kucsend: argument 2:1:2: message 1: unknown key "x" (known: type, id, value, data, length)' echo '{"id": 1}' '{"x": 1}'
}

@test "kucsend: valid input reaches the channel; no module is exit 6" {
	[ -d /sys/module/kucomms ] && skip "kucomms is loaded on this host"
	run --separate-stderr "$KUCSEND" echo '{"type": 18446744073709551615, "data": {"base64": "aGk="}}'
	[ "$status" -eq 6 ]
	[ "$stderr" = "kucsend: open echo: kucomms module not loaded (try 'modprobe kucomms')" ]
}

@test "kucsend: shm: and device open errors are one clear line" {
	run --separate-stderr "$KUCSEND" shm:kucomms_nosuch_$$ '{}'
	echo "$stderr"
	[ "$status" -eq 4 ]
	[ "$stderr" = "kucsend: open shm:kucomms_nosuch_$$: no such device (create it with 'kucctl create --shm')" ]
	run --separate-stderr "$KUCSEND" shm:Bad '{}'
	[ "$status" -eq 3 ]
	[[ "$stderr" == "kucsend: open shm:Bad: invalid argument (shm:NAME takes"* ]]
	run --separate-stderr "$KUCSEND" 'Bad-Name' '{}'
	[ "$status" -eq 3 ]
	[ "$stderr" = "kucsend: open Bad-Name: invalid argument (a channel is a device name, with or without the kucomms_ prefix, or shm:NAME)" ]
}

@test "kucsend: usage errors exit 2; --help and --version" {
	run "$KUCSEND"
	[ "$status" -eq 2 ]
	[ "$output" = "kucsend: missing CHANNEL (see 'kucsend --help')" ]
	for args in "--wait x" "--wait -1" "--count 1.5" "--timeout -1" \
		    "--timeout nan" "--rate 0" "--data bin" "--format xml" \
		    "--bogus" "--match-id --wait 1"; do
		run "$KUCSEND" $args echo '{}'
		echo "$args: $status $output"
		[ "$status" -eq 2 ]
		[[ "$output" == "kucsend: "*"(see 'kucsend --help')" ]]
	done
	run "$KUCSEND" -i echo '{}'
	[ "$status" -eq 2 ]
	run "$KUCSEND" --help
	[ "$status" -eq 0 ]
	# Every option the man page documents is in --help, and back.
	man_opts=$(grep -o '^\.BR \\-[a-zA-Z] ", " \\-\\-[a-z\\-]*' "$TOP/man/kucsend.1" |
		sed 's/.*\\-\\-/--/; s/\\//g' | sort)
	help_opts=$(grep -o '^  -[a-zA-Z], --[a-z-]*' <<<"$output" | sed 's/.*--/--/' | sort)
	echo "man: $man_opts"
	echo "help: $help_opts"
	[ -n "$man_opts" ]
	[ "$man_opts" = "$help_opts" ]
	# --expect's status is the one the statuses list gives (11).
	flat=$(tr -s ' \n' ' ' <<<"$output")
	[[ $flat == *"11 a reply differs from --expect"* ]]
	[[ $flat == *"a difference is printed and makes the exit status 11"* ]]
	run "$KUCSEND" --version
	[ "$output" = "kucsend 0.1.0" ]
}
