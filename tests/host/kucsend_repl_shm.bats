#!/usr/bin/env bats
# kucsend's interactive mode on a shm channel, on the host (no module, no
# VM): its one command table (help, dispatch and completion agree) and a
# server that dies under it.

bats_require_minimum_version 1.5.0

load shm_common

setup() {
	shm_setup kr
	SOCK=kucsend-repl-$$-$BATS_TEST_NUMBER
}

teardown() {
	tmux -L "$SOCK" kill-server 2>/dev/null || true
	shm_teardown
}

# repl LINES...: run them piped into kucsend -i; $status, $output
# (stdout), $stderr.
repl() {
	run --separate-stderr bash -c 'printf "%s\n" "${@:2}" | "$1" -i --timeout 0.1 "$0"' \
		"$CH" "$KUCSEND" "$@"
}

# The command names in help's text: each command, alias included, is
# the first word of a line of its own, indented.
help_names() {
	repl help
	[ "$status" -eq 0 ]
	sed -n 's/^  \([^ ]*\).*/\1/p' <<<"$output" | sort
}

# The names readline offers on an empty line (Tab Tab), on a terminal
# (tmux's; it trims the prompt's trailing space).
completed_names() {
	tmux -L "$SOCK" -f /dev/null new-session -d -x 200 -y 20 -s repl \
		"env TERM=screen HOME='$BATS_TEST_TMPDIR' '$KUCSEND' -i --history '' '$CH'; sleep 600"
	screen() { tmux -L "$SOCK" capture-pane -p -t repl; }
	wait_for "screen | grep -q '^kucsend>'" >&2
	tmux -L "$SOCK" send-keys -t repl Tab Tab
	# The list is shown, then the prompt again below it.
	wait_for "[ \$(screen | grep -c '^kucsend>') -ge 2 ]" >&2
	screen | sed -n '/^kucsend>/,/^kucsend>/p' | sed '1d;$d' | tr -s ' ' '\n' |
		sed '/^$/d' | sort
	# The segment takes one client: this one leaves.
	tmux -L "$SOCK" kill-server
	wait_for "'$KUCCTL' show '$CH' | grep -q '^client: *none'" >&2
}

@test "kucsend -i: help lists and completion offers exactly the commands it takes" {
	start_server
	help=$(help_names)
	completed=$(completed_names)
	echo "help: $(echo $help)"
	echo "completion: $(echo $completed)"
	[ -n "$help" ]
	[ "$help" = "$completed" ]
	# Each name listed is a command; '?' is probed too: it was taken
	# once without being listed or completed.
	for name in $help '?'; do
		repl "$name"
		echo "$name: $status: $stderr"
		[[ $stderr != *"unknown command"* && $stderr != *"open $CH"* ]]
		grep -qxF -- "$name" <<<"$help"
	done
	# The probe can fail: a word that is not a command is refused.
	repl frobnicate
	[ "$status" -eq 2 ]
	[ "$stderr" = "kucsend: unknown command 'frobnicate' (type 'help')" ]
}

# complete_to TEXT WANT: type TEXT and Tab on a fresh line; the line must
# become WANT (tmux trims its trailing spaces).
complete_to() {
	tmux -L "$SOCK" send-keys -t repl C-u
	tmux -L "$SOCK" send-keys -t repl -l -- "$1"
	tmux -L "$SOCK" send-keys -t repl Tab
	# A marker after the Tab: once it shows, the Tab was handled.
	tmux -L "$SOCK" send-keys -t repl -l -- '#'
	wait_for "screen | grep -q '^kucsend> .*#\$'" || { screen; return 1; }
	[ "$(screen | grep '^kucsend> ' | tail -1)" = "kucsend> $2#" ] || { screen; return 1; }
}

@test "kucsend -i: an argument completes as its command takes it" {
	start_server
	tmux -L "$SOCK" -f /dev/null new-session -d -x 200 -y 20 -s repl \
		"env TERM=screen HOME='$BATS_TEST_TMPDIR' '$KUCSEND' -i --history '' '$CH'; sleep 600"
	screen() { tmux -L "$SOCK" capture-pane -p -t repl; }
	wait_for "screen | grep -q '^kucsend>'"
	complete_to 'display h' 'display hex '
	complete_to 'send {"ty' 'send {"type":'
	complete_to '{"da' '{"data":'
	# wait takes numbers: nothing to offer, not JSON keys.
	complete_to 'wait ' 'wait '
}

@test "kucsend -i: a message sent just after the server died is refused, not lost" {
	start_server
	repl_on_fifo
	echo '{"id": 1}' >&7
	wait_for "grep -q '\"id\":1' '$BATS_TEST_TMPDIR/out'"
	kill -KILL "$SERVER_PID"
	wait "$SERVER_PID" || true
	# At once: before the REPL's own look at the server (twice a second)
	# can have closed the channel.
	echo '{"id": 2}' >&7
	exec 7>&-
	wait "$REPL_PID" && status=0 || status=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 7 ]
	# Said either way: refused as it was sent, or the channel was closed
	# already.
	grep -qx "kucsend: send: the peer died or restarted (0 of 1 sent)\|kucsend: not connected (type 'reconnect')" \
		"$BATS_TEST_TMPDIR/out"
	grep -qx "kucsend: channel closed: the peer died or restarted (type 'reconnect')" \
		"$BATS_TEST_TMPDIR/out"
}
