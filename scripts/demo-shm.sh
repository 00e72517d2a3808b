#!/usr/bin/env bash
# The part of `make demo` that needs no root, no VM and no module: a
# channel between two processes over POSIX shared memory, served by the
# echo example built for userspace from kucomms_echo.ko's own handler
# source (examples/echo/echo_handlers.c). Runs on the host, or in the VM
# after the device demo.
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
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" || true
	rm -f "/dev/shm/$name"
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
step "$b/examples/echo_client" -n "shm:$name" "hello, userspace" "same handler as the kernel's"
step "$b/kucsend" "shm:$name" --match-id '{"id": 1, "data": "kucsend over shm"}'
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
