#!/usr/bin/env bats
# The bash completions in completion/, loaded as bash-completion would.

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	BC=/usr/share/bash-completion/bash_completion
	[ -r "$BC" ] || skip "bash-completion not installed (make deps)"
	# A segment of this test's own (an empty file is enough to be named).
	SEG=zc${BATS_ROOT_PID}_${BATS_TEST_NUMBER}
	: >"/dev/shm/kucomms_$SEG"
}

teardown() {
	rm -f "/dev/shm/kucomms_$SEG"
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
		"_${0//-/_}"
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
	# /dev/shm is everyone's: other segments may be offered too.
	run complete_line kucsend sh
	grep -qx "shm:" <<<"$output"
	grep -qx "shm:$SEG" <<<"$output"
	# After "shm:", readline has split the word at ':': the names alone.
	run complete_line kucsend shm:zc
	[ "$output" = "$SEG" ]
	# After the channel come messages: nothing to offer.
	run complete_line kucsend --wait 1 echo ''
	[ -z "$output" ]
}

@test "completion: kucctl commands and options" {
	run complete_line kucctl ''
	[ "$(echo $output)" = "create remove list show monitor help" ]
	run complete_line kucctl create foo --m
	[ "$output" = "--mode" ]
	run complete_line kucctl list --
	[ "$(echo $output)" = "--help --json --pretty --shm" ]
	run complete_line kucctl create foo --s
	[ "$(echo $output)" = "--shm --size" ]
	run complete_line kucctl show shm:zc
	[ "$output" = "$SEG" ]
	run complete_line kucctl remove --shm zc
	[ "$output" = "$SEG" ]
	run complete_line kucctl help sh
	[ "$output" = "show" ]
	run complete_line kucctl monitor --
	[ "$(echo $output)" = "--help --json --pretty --kernel --shm" ]
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
	grep -qx "shm:" <<<"$output"
	grep -qx "shm:$SEG" <<<"$output"
	run complete_line kucdump -x shm:zc
	[ "$output" = "$SEG" ]
	# Reading a capture takes no channel: filter words come next, as
	# after a channel.
	run complete_line kucdump -r cap.pcap c
	[ "$output" = "conn" ]
	run complete_line kucdump "shm:$SEG" k
	[ "$output" = "k2u" ]
}

@test "completion: kucomms-vm options, lanes, module files, then the guest command's own" {
	run complete_line kucomms-vm --ke
	[ "$output" = "--kernel" ]
	run complete_line kucomms-vm --kernel ''
	[ "$(echo $output)" = "6.1 debug 6.12 6.12-rt" ]
	# The lanes offered are those the runner boots.
	[ "$(echo $output)" = "$(bash "$TOP/scripts/kernels.sh" list | grep -vx newest | xargs)" ]
	touch "$BATS_TEST_TMPDIR/mine.ko" "$BATS_TEST_TMPDIR/mine.c"
	mkdir "$BATS_TEST_TMPDIR/sub"
	cd "$BATS_TEST_TMPDIR"
	run complete_line kucomms-vm --load m
	[ "$output" = "mine.ko" ]
	run complete_line kucomms-vm --kucomms ''
	[ "$(echo $output | tr ' ' '\n' | sort | xargs)" = "mine.ko sub" ]
	run complete_line kucomms-vm --timeout ''
	[ -z "$output" ]
	# After "--", the command and then what its completion offers (found
	# where bash-completion looks for a user's own).
	mkdir -p "$BATS_TEST_TMPDIR/bc"
	ln -s "$TOP/completion" "$BATS_TEST_TMPDIR/bc/completions"
	export PATH=$TOP/build:$PATH BASH_COMPLETION_USER_DIR=$BATS_TEST_TMPDIR/bc
	# (Outside a real completion, _command_offset's compopt complains.)
	run complete_line kucomms-vm --load mine.ko -- kucct
	[ "$(grep -v 'compopt: not currently' <<<"$output")" = "kucctl" ]
	run complete_line kucomms-vm -- kucctl cr
	[ "$(grep -v 'compopt: not currently' <<<"$output")" = "create" ]
}

@test "completion: kucomms-new offers directories for DIR, nothing for NAME" {
	mkdir "$BATS_TEST_TMPDIR/proj"
	touch "$BATS_TEST_TMPDIR/pfile"
	cd "$BATS_TEST_TMPDIR"
	run complete_line kucomms-new p
	[ "$output" = "proj" ]
	run complete_line kucomms-new --h
	[ "$output" = "--help" ]
	run complete_line kucomms-new proj ''
	[ -z "$output" ]
}

@test "completion: every long option of each tool's --help is offered" {
	local tool opt missing=
	for tool in kucsend kucdump; do
		for opt in $("$TOP/build/$tool" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
			grep -q -- "$opt\\b" "$TOP/completion/$tool" || missing+=" $tool:$opt"
		done
	done
	for opt in $("$TOP/build/kucctl" --help | grep -o -- '--[a-z][a-z-]*' | sort -u) \
		   $(for c in create remove list show monitor; do "$TOP/build/kucctl" "$c" --help; done |
		     grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -q -- "$opt\\b" "$TOP/completion/kucctl" || missing+=" kucctl:$opt"
	done
	for tool in kucomms-vm kucomms-new; do
		for opt in $(bash "$TOP/kit/${tool#kucomms-}/$tool" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
			grep -q -- "$opt\\b" "$TOP/completion/$tool" || missing+=" $tool:$opt"
		done
	done
	echo "missing:$missing"
	[ -z "$missing" ]
}
