#!/usr/bin/env bats
# The zsh completions in completion/zsh/: they parse, and what they offer
# is what the tools take (each option against the tool's --help, both
# ways; the commands; the channel names).

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	B=${KUC_BUILD:-$TOP/build}
	Z=$TOP/completion/zsh
	command -v zsh >/dev/null || skip "zsh not installed (make deps)"
	SEG=zz${BATS_ROOT_PID}_${BATS_TEST_NUMBER}
	: >"/dev/shm/kucomms_$SEG"
}

teardown() {
	rm -f "/dev/shm/kucomms_$SEG"
}

# zsh_offers TOOL WORDS...: run the completion function of TOOL on the
# command line "TOOL WORDS..." (the last word being completed) with
# _arguments and compadd replaced by stubs that print what they are
# given: _arguments's specs one a line, then "command NAME" for each
# command of a command list, and "word WORD" for each word added.
zsh_offers() {
	zsh -f -c '
		fpath=("$1" $fpath)
		autoload -Uz _$2 _kucomms_channels
		_arguments() {
			printf "%s\n" "$@"
			(( ${+commands} )) && printf "command %s\n" ${commands%%:*}
			return 0
		}
		compadd() { printf "word %s\n" "${@[${@[(i)--]}+1,-1]}"; }
		words=("${@:2}")
		CURRENT=$#words
		_$2
	' zsh "$Z" "$@"
}

# The options in _arguments specs (on stdin), sorted: "(-j --json)-j[...]"
# is -j, "--size[...]:bytes:" is --size, "*-t[...]" is -t.
spec_opts() {
	grep '\[' | sed 's/^([^)]*)//; s/^\*//; s/\[.*//' | grep '^-' | sort -u
}

# The options a --help text (on stdin) lists, sorted.
help_opts() {
	grep -oE '^ +(-[a-zA-Z](, --[a-z-]+)?|--[a-z-]+)' | tr ',' '\n' |
		tr -d ' ' | sort -u
}

# same_opts OFFERED HELP: equal, or both shown.
same_opts() {
	echo "offered: $(echo $1)"
	echo "--help:  $(echo $2)"
	[ "$1" = "$2" ]
}

@test "zsh completion: every file parses (zsh -n)" {
	for f in "$Z"/_*; do
		zsh -n "$f"
	done
}

@test "zsh completion: kucsend and kucdump offer exactly their --help options" {
	for tool in kucsend kucdump; do
		offered=$(zsh_offers "$tool" "" | spec_opts)
		help=$("$B/$tool" --help | help_opts)
		[ -n "$help" ]
		same_opts "$offered" "$help"
	done
}

@test "zsh completion: kucctl's commands, and each one's options as its --help lists them" {
	out=$(zsh_offers kucctl "")
	same_opts "$(spec_opts <<<"$out")" "$("$B/kucctl" --help | help_opts)"
	commands=$(sed -n 's/^command //p' <<<"$out" | sort)
	listed=$("$B/kucctl" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' | sort)
	[ -n "$listed" ]
	[ "$commands" = "$listed" ]
	for cmd in $listed; do
		echo "$cmd:"
		same_opts "$(zsh_offers kucctl "$cmd" "" | spec_opts)" \
			"$("$B/kucctl" "$cmd" --help | help_opts)"
	done
}

@test "zsh completion: channels are devices and shm:SEGMENT; after --shm the segment names" {
	# "-J g" stands for the compadd options _arguments passes first.
	out=$(zsh -f -c 'fpath=("$1" $fpath); autoload -Uz _kucomms_channels
		compadd() { printf "%s\n" "${@[${@[(i)--]}+1,-1]}"; }
		_kucomms_channels -J g; echo --; _kucomms_channels -J g -s' zsh "$Z")
	echo "$out"
	grep -qx "shm:$SEG" <<<"$out"
	grep -qx "$SEG" <<<"${out#*--}"
	! grep -q "^shm:" <<<"${out#*--}"
	# kucctl show and remove name the segment alone after --shm.
	zsh_offers kucctl remove --shm "" | grep -qx '1:segment:_kucomms_channels -s'
	zsh_offers kucctl show "" | grep -qx '1:name:_kucomms_channels'
}
