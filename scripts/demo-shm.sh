#!/usr/bin/env bash
# The part of `make demo` that needs no root, no VM and no module: a
# channel between two processes over POSIX shared memory, served by the
# echo example built for userspace from kucomms_echo.ko's own handler
# source (examples/echo/echo_handlers.c), and kucdump watching it through
# the segment's own tap. Runs on the host, or in the VM after the device
# demo.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kucctl=$top/build/kucctl
b=$top/build
# Our own segment name: /dev/shm is shared by every user of the machine.
name=kucomms_demo_$(id -u)

step() {
	printf '\n$'
	printf ' %q' "$@"
	printf '\n'
	"$@"
}

server=
dump=
tmp=$(mktemp -d)
cleanup() {
	[ -n "$dump" ] && kill "$dump" 2>/dev/null && wait "$dump" || true
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" || true
	rm -f "/dev/shm/$name"
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "demo: shared-memory channels: /dev/shm/$name, no kernel module"
rm -f "/dev/shm/$name"
step "$kucctl" create --shm "$name" --size 4096
step "$kucctl" list --shm
echo
echo "demo: the echo handlers of kucomms_echo.ko, serving the segment from userspace:"
printf '\n$ %q %q &\n' "$b/examples/kucomms_echo_user" "$name"
"$b/examples/kucomms_echo_user" "$name" &
server=$!
for _ in $(seq 50); do
	"$kucctl" show --shm "$name" | grep -q '^server: *pid' && break
	sleep 0.1
done
echo
echo "demo: kucdump watches the segment (its own tap: no module, no capability;"
echo "      read and write access to /dev/shm/$name is the privilege):"
# dump_bg FILE ARGS...: kucdump ARGS in the background, stderr to FILE.err;
# returns once it listens.
dump_bg() {
	local f=$1
	shift
	"$b/kucdump" "$@" 2>"$f.err" &
	dump=$!
	for _ in $(seq 50); do
		grep -q listening "$f.err" 2>/dev/null && return 0
		sleep 0.1
	done
}
dump_bg "$tmp/dump" -x "shm:$name" >"$tmp/dump.txt"
step "$b/examples/echo_client" -n "shm:$name" "hello, userspace" "same handler as the kernel's"
step "$b/kucsend" "shm:$name" --match-id '{"id": 1, "data": "kucsend over shm"}'
sleep 0.3
kill -INT "$dump"
wait "$dump" || true
echo
echo "\$ kucdump -x shm:$name     (meanwhile; stopped with Ctrl-C)"
head -n 1 "$tmp/dump.err"
cat "$tmp/dump.txt"
tail -n 1 "$tmp/dump.err"
echo
echo "demo: a capture file of the next message, read back by kucdump and tshark:"
dump_bg "$tmp/dumpw" -w "$tmp/demo.pcap" "shm:$name"
step "$b/kucsend" "shm:$name" --match-id '{"type": 7, "id": 2, "value": 3, "data": {"hex": "00ff"}}'
sleep 0.3
kill -INT "$dump"
wait "$dump" || true
dump=
echo
echo "\$ kucdump -w demo.pcap shm:$name     (meanwhile; stopped with Ctrl-C)"
cat "$tmp/dumpw.err"
step "$b/kucdump" -r "$tmp/demo.pcap" --json
if command -v tshark >/dev/null; then
	step tshark -X lua_script:"$top/tools/kucdump/kucomms.lua" -r "$tmp/demo.pcap" \
		-T fields -e kucomms.dir -e kucomms.conn -e kucomms.type \
		-e kucomms.id -e kucomms.value -e kucomms.length -e kucomms.data 2>/dev/null
fi
echo
echo "demo: 100,000 messages of random sizes through 4 KiB rings, each checked:"
step "$b/progs/kuc_echo_client" --count 100000 "shm:$name"
step "$kucctl" show "shm:$name"
echo
echo "demo: the server stops: a new client is refused at once (no server), never hung:"
kill -INT "$server"
wait "$server" || true
server=
set +e
step "$b/examples/echo_client" -n "shm:$name" "anyone there?"
echo "(exit status $?)"
set -e
step "$kucctl" remove --shm "$name"
