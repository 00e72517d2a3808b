#!/usr/bin/env bats
# kucsend's interactive mode driven through a pseudo-terminal: tmux runs
# it, send-keys types, capture-pane reads the screen. Runs in the VM as
# root against the channel kucsend_common.bash picks.

bats_require_minimum_version 1.5.0
load kucsend_common

setup() {
	kucsend_channel_up
	CH=$KUCSEND_CHANNEL
	T=$BATS_TEST_TMPDIR
	export HOME=$T/home
	mkdir -p "$HOME"
	HIST=$T/history
	SOCKS= NSOCK=0
}

teardown() {
	local s
	for s in $SOCKS; do
		tmux -L "$s" kill-server 2>/dev/null || true
	done
	kucsend_channel_down
}

# Start kucsend in a tmux pane: "EXIT=N" shows when it ends. Each start
# has a tmux server of its own: kill-server returns before the old server
# is gone, and a new session on its socket could reach the dying server
# ("server exited unexpectedly", seen on the debug kernel).
start() {
	NSOCK=$((NSOCK + 1))
	SOCK=kucsend-test-$$-$NSOCK
	SOCKS+=" $SOCK"
	tmux -L "$SOCK" -f /dev/null new-session -d -x 150 -y 40 -s repl \
		"env TERM=screen HOME='$HOME' '$KUCSEND' $* ; echo EXIT=\$?; sleep 600"
	wait_for_screen 'kucsend>'
}

screen() {
	tmux -L "$SOCK" capture-pane -p -t repl
}

# The last prompt line on the screen.
prompt_line() {
	screen | grep '^kucsend> ' | tail -n 1 | sed 's/ *$//'
}

wait_for_screen() {
	WANT=$1
	wait_for 'screen | grep -qF -- "$WANT"' "${2:-10}" || { screen | grep -v "^$"; return 1; }
}

# type TEXT: type it literally (no Enter).
type_text() {
	tmux -L "$SOCK" send-keys -t repl -l -- "$1"
}

key() {
	tmux -L "$SOCK" send-keys -t repl "$@"
}

# line TEXT: type it and press Enter.
line() {
	type_text "$1"
	key Enter
}

@test "kucsend -i: send, a bare object, display modes, wait, stats, errors, quit" {
	start -i "$CH" --history "$HIST"
	line '{"id": 41, "data": "hi"}'
	wait_for_screen '{"type":0,"id":41,"value":0,"length":2,"data":"hi"}'
	line 'send {"id": 42} {"id": 43}'
	wait_for_screen '"id":43,'
	line 'display text'
	line '{"type": 3, "data": "yo"}'
	wait_for_screen 'type=3 id=0 value=0 length=2 "yo"'
	line 'display hex'
	line '{"type": 4, "data": "yo"}'
	wait_for_screen 'type=4 id=0 value=0 length=2 hex:796f'
	line 'display'
	wait_for_screen 'display hex'
	line 'stats'
	wait_for_screen 'sent=5 '
	line 'wait 1 0.3'
	wait_for_screen 'wait: timed out (0 of 1)'
	line '{"id": -1}'
	wait_for_screen 'error: input:1:8: message 1: field "id": -1 is out of range'
	line 'bogus'
	wait_for_screen "error: unknown command 'bogus' (type 'help')"
	line 'help'
	wait_for_screen 'reconnect             close the channel and open it again'
	line 'quit'
	wait_for_screen 'EXIT=0'
}

@test "kucsend -i: a message arriving while typing prints above the prompt; the line survives" {
	start -i "$CH" --history "$HIST"
	type_text '{"id": 7, "data"'
	wait_for '[ "$(prompt_line)" = "kucsend> {\"id\": 7, \"data\"" ]' || { screen | grep -v "^$"; false; }
	# Another connection broadcasts: it reaches this one unasked.
	"$KUCSEND" "$CH" --wait 1 "{\"type\": $ECHO_BCAST, \"id\": 555, \"data\": \"async\"}"
	wait_for_screen '"id":555,'
	screen
	# The message is on its own line, above the prompt being edited...
	screen | grep -qx '{"type":2964179543,"id":555,"value":0,"length":5,"data":"async"}'
	[ "$(prompt_line)" = 'kucsend> {"id": 7, "data"' ]
	msg_row=$(screen | grep -n '"id":555,' | cut -d: -f1)
	prompt_row=$(screen | grep -n '^kucsend> {"id": 7, "data"' | tail -n 1 | cut -d: -f1)
	[ "$msg_row" -lt "$prompt_row" ]
	# ... and readline's buffer is intact: finishing the line sends it.
	line ': "done"}'
	wait_for_screen '{"type":0,"id":7,"value":0,"length":4,"data":"done"}'
	line 'quit'
	wait_for_screen 'EXIT=0'
}

@test "kucsend -i: the history persists across runs; Up recalls" {
	start -i "$CH" --history "$HIST"
	line '{"id": 99, "data": "again"}'
	wait_for_screen '"id":99,'
	line 'quit'
	wait_for_screen 'EXIT=0'
	cat "$HIST"
	grep -qxF '{"id": 99, "data": "again"}' "$HIST"
	tmux -L "$SOCK" kill-server
	start -i "$CH" --history "$HIST"
	key Up Up
	wait_for '[ "$(prompt_line)" = "kucsend> {\"id\": 99, \"data\": \"again\"}" ]' || { screen | grep -v "^$"; false; }
	key Enter
	wait_for_screen '{"type":0,"id":99,"value":0,"length":5,"data":"again"}'
	line 'quit'
	wait_for_screen 'EXIT=0'
	# The default file is ~/.kucsend_history.
	tmux -L "$SOCK" kill-server
	start "$CH"
	line 'stats'
	line 'exit'
	wait_for_screen 'EXIT=0'
	grep -qx 'stats' "$HOME/.kucsend_history"
}

@test "kucsend -i: tab completes commands, display modes and JSON keys" {
	start -i "$CH" --history "$HIST"
	type_text 'disp'
	key Tab
	type_text 'h'
	key Tab
	wait_for '[ "$(prompt_line)" = "kucsend> display hex" ]' || { screen | grep -v "^$"; false; }
	key Enter
	type_text '{"ty'
	key Tab
	wait_for '[ "$(prompt_line)" = "kucsend> {\"type\":" ]' || { screen | grep -v "^$"; false; }
	type_text ' 5, da'
	key Tab
	wait_for '[ "$(prompt_line)" = "kucsend> {\"type\": 5, \"data\":" ]' || { screen | grep -v "^$"; false; }
	line ' "ok"}'
	wait_for_screen 'type=5 id=0 value=0 length=2 hex:6f6b'
	line 'quit'
	wait_for_screen 'EXIT=0'
}

@test "kucsend -i: the endpoint going away is shown; reconnect opens again" {
	start -i "$CH" --history "$HIST"
	rmmod kucomms_echo
	wait_for_screen "channel closed: the endpoint went away (type 'reconnect')"
	line '{"id": 1}'
	wait_for_screen "error: not connected (type 'reconnect')"
	insmod "$KUC_ECHO_MODULE"
	line 'reconnect'
	wait_for_screen "connected to $CH"
	line '{"id": 2}'
	wait_for_screen '{"type":0,"id":2,'
	line 'quit'
	wait_for_screen 'EXIT=0'
}

@test "kucsend: no MESSAGE and a terminal on stdin starts the interactive mode" {
	start "$CH" --history "$HIST"
	screen | grep -q "kucsend .* on $CH (max message [0-9]* bytes); type 'help'"
	key C-d
	wait_for_screen 'EXIT=0'
}
