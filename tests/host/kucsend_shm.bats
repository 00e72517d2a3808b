#!/usr/bin/env bats
# kucsend on a shared-memory channel, on the host (no module, no VM): the
# userspace echo server (examples/echo/echo_handlers.c, the kernel
# module's own handler source) serves /dev/shm/NAME and kucsend talks to
# it as it talks to kucomms_echo.ko in tests/bats/kucsend.bats.

bats_require_minimum_version 1.5.0

load shm_common

setup() {
	shm_setup ks
}

teardown() {
	shm_teardown
}

# Stop the server; HANDLED is then the number of messages it handled (from
# the line it prints as it exits). Not for a command substitution: that
# subshell could not wait for the server and might read the file first.
server_stop_count() {
	kill -INT "$SERVER_PID"
	wait "$SERVER_PID" || true
	SERVER_PID=
	HANDLED=$(sed -n 's/.*messages=\([0-9]*\).*/\1/p' "$BATS_TEST_TMPDIR/server.out")
}

ks() {
	run "$KUCSEND" "$@"
	echo "$output"
}

@test "kucsend shm: one message and its reply; every data form" {
	start_server
	ks "$CH" --wait 1 '{"type": 1, "id": 2, "value": 18446744073709551615, "data": "hello"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":1,"id":2,"value":18446744073709551615,"length":5,"data":"hello"}' ]
	printf 'hi\001' >"$BATS_TEST_TMPDIR/f"
	ks "$CH" --match-id --data hex '{"id": 1, "data": {"hex": "686901"}}' \
		'{"id": 2, "data": {"base64": "aGkB"}}' '{"id": 3, "data": [104, 105, 1]}' \
		"{\"id\": 4, \"data\": {\"file\": \"$BATS_TEST_TMPDIR/f\"}}"
	[ "$status" -eq 0 ]
	[ "$(grep -c '"data":{"hex":"686901"}' <<<"$output")" -eq 4 ]
}

@test "kucsend shm: JSON lines from stdin, replies matched by id" {
	start_server
	run bash -c "printf '{\"id\": 7}\n{\"id\": 8, \"data\": \"x\"}\n' | '$KUCSEND' '$CH' --match-id"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 2 ]
	[[ "$output" == *'"id":7,'* && "$output" == *'"id":8,'* ]]
}

@test "kucsend shm: load mode through 4 KiB rings, nothing lost" {
	start_server 4096
	ks "$CH" --count 20000 --format human '{"id": 1, "data": "0123456789abcdef"}' '{"id": 2}'
	[ "$status" -eq 0 ]
	note "shm load: $output"
	[[ "$output" == "sent=20000 received=20000 lost=0 "* ]]
	server_stop_count
	[ "$HANDLED" -eq 20000 ]
}

# Wait for the paced load run $LOAD_PID: its status in $status, its
# output (written to $BATS_TEST_TMPDIR/load) in $output.
load_wait() {
	status=0
	wait "$LOAD_PID" || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/load")
	echo "status $status: $output"
}

@test "kucsend shm: SIGINT stops a load run, which prints its summary, marked" {
	start_server
	# A script's background job has SIGINT ignored: give it back.
	env --default-signal=INT "$KUCSEND" "$CH" --count 1000000 --rate 1000 \
		'{"id": 1}' >"$BATS_TEST_TMPDIR/load" 2>&1 3>&- &
	LOAD_PID=$!
	sleep 1
	t0=$(date +%s%N)
	kill -INT "$LOAD_PID"
	load_wait
	ms=$((($(date +%s%N) - t0) / 1000000))
	note "SIGINT after 1 s (exit after $ms ms): $output"
	[ "$status" -eq 130 ]
	[[ "$output" =~ ^\{\"sent\":([0-9]+),\"received\":([0-9]+),\"lost\":([0-9]+),\"seconds\":[0-9.]+,\"msgs_per_sec\":[0-9]+,\"interrupted\":\"SIGINT\"\}$ ]]
	sent=${BASH_REMATCH[1]} received=${BASH_REMATCH[2]} lost=${BASH_REMATCH[3]}
	# About 1000 sent at 1000/s in 1 s; replies to those only are expected.
	[ "$sent" -gt 100 ]
	[ "$sent" -lt 5000 ]
	[ "$received" -le "$sent" ]
	[ "$((received + lost))" -eq "$sent" ]
	# At most 0.2 s of waiting for replies in flight.
	[ "$ms" -lt 1000 ]
	server_stop_count
	[ "$HANDLED" -ge "$received" ]
	[ "$HANDLED" -le "$sent" ]
}

@test "kucsend shm: SIGTERM stops a load run (human summary); an ignored SIGINT stays ignored" {
	start_server
	"$KUCSEND" "$CH" --count 1000000 --rate 1000 --format human '{"id": 1}' \
		>"$BATS_TEST_TMPDIR/load" 2>&1 3>&- &
	LOAD_PID=$!
	sleep 0.5
	kill -INT "$LOAD_PID"
	sleep 0.5
	kill -0 "$LOAD_PID"
	kill -TERM "$LOAD_PID"
	load_wait
	[ "$status" -eq 143 ]
	[[ "$output" =~ ^sent=([0-9]+)\ received=([0-9]+)\ lost=[0-9]+\ .*\ interrupted=SIGTERM$ ]]
	sent=${BASH_REMATCH[1]} received=${BASH_REMATCH[2]}
	[ "$sent" -gt 500 ]
	[ "$received" -le "$sent" ]
}

@test "kucsend shm: bad input and oversized data send nothing (exit 3)" {
	start_server 4096
	ks "$CH" '{"id": 1}' '{"id": 2, "tpye": 3}'
	[ "$status" -eq 3 ]
	[[ "$output" == *"tpye"* ]]
	big=$(head -c 5000 /dev/zero | tr '\0' a)
	ks "$CH" '{"id": 1}' "{\"data\": \"$big\"}"
	[ "$status" -eq 3 ]
	server_stop_count
	[ "$HANDLED" -eq 0 ]
}

@test "kucsend shm: no segment (exit 4), no server (exit 7)" {
	ks "$CH" '{}'
	[ "$status" -eq 4 ]
	start_server
	server_stop_count
	ks "$CH" --wait 1 '{}'
	[ "$status" -eq 7 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "kucsend shm: the interactive mode sends and shows replies (tmux)" {
	start_server
	sock=kucsend-shm-$$
	export HOME=$BATS_TEST_TMPDIR
	tmux -L "$sock" -f /dev/null new-session -d -x 150 -y 40 -s repl \
		"env TERM=screen HOME='$HOME' '$KUCSEND' -i --history '$HOME/h' '$CH'; echo EXIT=\$?; sleep 600"
	screen() { tmux -L "$sock" capture-pane -p -t repl; }
	local i ok=0
	for ((i = 0; i < 100; i++)); do
		screen | grep -q 'kucsend>' && break
		sleep 0.1
	done
	tmux -L "$sock" send-keys -t repl -l -- '{"id": 41, "data": "over shm"}'
	tmux -L "$sock" send-keys -t repl Enter
	for ((i = 0; i < 100; i++)); do
		if screen | grep -qF '"id":41,"value":0,"length":8,"data":"over shm"'; then
			ok=1
			break
		fi
		sleep 0.1
	done
	tmux -L "$sock" send-keys -t repl -l -- 'quit'
	tmux -L "$sock" send-keys -t repl Enter
	for ((i = 0; i < 50; i++)); do
		screen | grep -q 'EXIT=' && break
		sleep 0.1
	done
	screen | grep -v '^$'
	tmux -L "$sock" kill-server 2>/dev/null || true
	[ "$ok" = 1 ]
	in_history=$(grep -c '{"id": 41' "$HOME/h")
	[ "$in_history" -eq 1 ]
}

@test "kucsend shm: commands piped into -i: plain lines, no prompt or escapes" {
	start_server
	run --separate-stderr bash -c "printf '%s\n' '{\"id\": 1, \"data\": \"a\"}' 'wait 1' \
		'send {\"id\": 2}' 'wait' 'stats' | '$KUCSEND' -i '$CH'"
	echo "$output" | cat -A
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"type":0,"id":1,"value":0,"length":1,"data":"a"}' ]
	[ "${lines[1]}" = '{"type":0,"id":2,"value":0,"length":0,"data":""}' ]
	[[ "${lines[2]}" == "sent=2 "* ]]
	[ "${#lines[@]}" -eq 3 ]
	# No prompt, no terminal escapes, no banner.
	! grep -q $'\e\|kucsend>\|type .help' <<<"$output"
}

@test "kucsend shm: piped into -i, errors go to stderr and the first is the exit status" {
	start_server
	# A bad message (3) first, then an unknown command: 3.
	run --separate-stderr bash -c "printf '%s\n' '{\"tpye\": 1}' 'bogus' '{\"id\": 1}' 'wait' | '$KUCSEND' -i '$CH'"
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 3 ]
	[[ "${stderr_lines[0]}" == 'kucsend: input:1:2: message 1: unknown key "tpye"'* ]]
	[ "${stderr_lines[1]}" = "kucsend: unknown command 'bogus' (type 'help')" ]
	# The commands after an error still run; stdout has the messages alone.
	[ "$output" = '{"type":0,"id":1,"value":0,"length":0,"data":""}' ]
	# A wait that times out: 8; the last line counts too without '\n'.
	run --separate-stderr bash -c "printf 'wait 1 0.1' | '$KUCSEND' -i '$CH'"
	[ "$status" -eq 8 ]
	[ -z "$output" ]
	[ "$stderr" = "kucsend: wait: timed out (0 of 1)" ]
}

@test "kucsend shm: -i notices a server that died and says the channel closed" {
	start_server
	repl_on_fifo
	echo '{"id": 1}' >&7
	wait_for "grep -q '\"id\":1' '$BATS_TEST_TMPDIR/out'"
	# A long wait is going on: the server's death ends it, and says why.
	echo 'wait 1 30' >&7
	sleep 0.2
	kill -KILL "$SERVER_PID"
	# Nothing comes on the channel: only the REPL's own look at the
	# server can see this.
	wait_for "grep -qx 'kucsend: channel closed: the peer died or restarted (type .reconnect.)' '$BATS_TEST_TMPDIR/out'" 3
	wait_for "grep -qx 'kucsend: wait: the channel closed (0 of 1)' '$BATS_TEST_TMPDIR/out'" 1
	exec 7>&-
	wait "$REPL_PID" && status=0 || status=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 7 ]
}

@test "kucsend shm: SIGUSR1 prints a status line on stderr and the run carries on" {
	start_server
	"$KUCSEND" "$CH" --count 1500 --rate 1000 --format human '{"id": 1}' \
		>"$BATS_TEST_TMPDIR/load" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	LOAD_PID=$!
	sleep 0.5
	kill -USR1 "$LOAD_PID"
	sleep 0.5
	kill -USR1 "$LOAD_PID"
	load_wait
	cat "$BATS_TEST_TMPDIR/err"
	[ "$status" -eq 0 ]
	[[ "$output" == "sent=1500 received=1500 lost=0 "* ]]
	# Two lines, nothing else (not a terminal: no live line).
	[ "$(wc -l <"$BATS_TEST_TMPDIR/err")" -eq 2 ]
	while read -r line; do
		[[ "$line" =~ ^kucsend:\ sent=([0-9]+)\ received=[0-9]+\ in_flight=[0-9]+\ seconds=[0-9.]+\ msgs_per_sec=[0-9]+$ ]]
		[ "${BASH_REMATCH[1]}" -gt 100 ]
		[ "${BASH_REMATCH[1]}" -lt 1500 ]
	done <"$BATS_TEST_TMPDIR/err"
}

@test "kucsend shm: a long load run on a terminal shows a live status line on stderr" {
	command -v script >/dev/null || skip "script(1) not installed"
	start_server
	# script(1) gives kucsend a terminal; its stdout goes to a file.
	script -qec "'$KUCSEND' '$CH' --count 2500 --rate 1000 --format human '{\"id\": 1}' >'$BATS_TEST_TMPDIR/load'" \
		/dev/null >"$BATS_TEST_TMPDIR/tty" 3>&-
	cat -A "$BATS_TEST_TMPDIR/tty"
	[[ "$(cat "$BATS_TEST_TMPDIR/load")" == "sent=2500 received=2500 lost=0 "* ]]
	# Redrawn in place about once a second, then cleared.
	[ "$(grep -o $'\r''kucsend: sent=[0-9]* received=[0-9]* in_flight=[0-9]* seconds=[0-9.]* msgs_per_sec=[0-9]*'$'\e''\[K' \
		"$BATS_TEST_TMPDIR/tty" | wc -l)" -ge 1 ]
	[[ "$(cat "$BATS_TEST_TMPDIR/tty")" == *$'\r\e[K' ]]
}
