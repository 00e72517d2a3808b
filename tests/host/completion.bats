#!/usr/bin/env bats
# The bash completions in completion/, loaded as bash-completion would.

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	BC=/usr/share/bash-completion/bash_completion
	[ -r "$BC" ] || skip "bash-completion not installed (make deps)"
}

# complete_line TOOL WORDS...: the candidates for the last word.
complete_line() {
	local tool=$1
	shift
	bash -c '
		. "$1"; . "$2"
		shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		"_$0"
		printf "%s\n" "${COMPREPLY[@]}"
	' "$tool" "$BC" "$TOP/completion/$tool" "$tool" "$@"
}

@test "completion: kucsend options, their values and the shm: channel" {
	run complete_line kucsend --ma
	[ "$output" = "--match-id" ]
	run complete_line kucsend --data ''
	[ "$(echo $output)" = "auto text hex base64" ]
	run complete_line kucsend -F h
	[ "$output" = "human" ]
	run complete_line kucsend sh
	[ "$output" = "shm:" ]
	# After the channel come messages: nothing to offer.
	run complete_line kucsend --wait 1 echo ''
	[ -z "$output" ]
}

@test "completion: kucctl commands and options" {
	run complete_line kucctl ''
	[ "$(echo $output)" = "create remove list show help" ]
	run complete_line kucctl create foo --m
	[ "$output" = "--mode" ]
	run complete_line kucctl list --
	[ "$(echo $output)" = "--help --json" ]
	run complete_line kucctl help sh
	[ "$output" = "show" ]
}

@test "completion: kucdump options, filter words and capture files" {
	run complete_line kucdump --sn
	[ "$output" = "--snaplen" ]
	run complete_line kucdump --filter k
	[ "$output" = "k2u" ]
	touch "$BATS_TEST_TMPDIR/cap.pcap"
	cd "$BATS_TEST_TMPDIR"
	run complete_line kucdump -r ca
	[ "$output" = "cap.pcap" ]
	run complete_line kucdump sh
	[ "$output" = "shm:" ]
	# Reading a capture takes no channel.
	run complete_line kucdump -r cap.pcap ''
	[ -z "$output" ]
}
