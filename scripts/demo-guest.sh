#!/usr/bin/env bash
# The part of `make demo` that runs inside the test VM.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kucctl=$top/build/kucctl

step() {
	printf '\n$'
	printf ' %q' "$@"
	printf '\n'
	"$@"
}

echo "demo: inside the VM, kernel $(uname -r)"
echo
echo "demo: 1. devices: create, list, errors, remove"
step insmod "$top/module/kucomms.ko"
step ls -l /sys/devices/virtual/kucomms/kucomms/
step "$kucctl" create demo
step "$kucctl" create kucomms_shared --mode 0660 --group users
step ls -l /dev/kucomms_demo /dev/kucomms_shared
step "$kucctl" list
step "$kucctl" list --json
echo
echo "demo: errors are one line on stderr with a distinct exit code:"
set +e
step "$kucctl" create demo
echo "(exit status $?)"
step "$kucctl" create Bad-Name
echo "(exit status $?)"
set -e
step "$kucctl" remove demo
step "$kucctl" remove shared

echo
echo "demo: 2. messages: a kernel module (examples/echo) answers a program"
step "$kucctl" create echo
step insmod "$top/examples/echo/kucomms_echo.ko"
step "$top/build/examples/echo_client" "hello, kernel" "kucomms says hi"
echo
echo "demo: 3. kucsend: messages written in JSON, the replies as JSON lines"
kucsend=$top/build/kucsend
step "$kucsend" echo --match-id \
	'{"type": 1, "id": 1, "data": "hello from kucsend"}' \
	'{"type": 2, "id": 2, "value": 18446744073709551615, "data": {"hex": "00ff10"}}'
step "$kucsend" echo --wait 1 --format human '{"id": 3, "data": [104, 105]}'
step "$kucsend" echo --count 10000 '{"data": "0123456789abcdef"}'
echo
echo "demo: bad input is refused before anything is sent:"
set +e
step "$kucsend" echo '{"id": 1}' '{"id": 2, "tpye": 3}'
echo "(exit status $?)"
set -e
echo
echo "demo: 4. kucdump watches the traffic (the monitor tap; needs CAP_SYS_ADMIN)"
"$top/build/kucdump" -x echo >/tmp/kucdump.txt 2>/tmp/kucdump.err &
dump=$!
"$top/build/kucdump" --json -c 4 echo >/tmp/kucdump.json 2>/tmp/kucdumpj.err &
dumpj=$!
"$top/build/kucdump" -w /tmp/demo.pcap echo 2>/tmp/kucdumpw.err &
dumpw=$!
for f in /tmp/kucdump.err /tmp/kucdumpj.err /tmp/kucdumpw.err; do
	until grep -q listening "$f" 2>/dev/null; do sleep 0.1; done
done
step "$top/build/examples/echo_client" "hello, kernel" "watched"
sleep 0.5
kill -INT "$dump" "$dumpw"
wait "$dump" "$dumpj" "$dumpw" || true
echo
echo "\$ kucdump -x echo     (stopped with Ctrl-C)"
head -n 1 /tmp/kucdump.err
cat /tmp/kucdump.txt
tail -n 1 /tmp/kucdump.err
echo
echo "\$ kucdump --json -c 4 echo"
cat /tmp/kucdump.json
step "$top/build/kucdump" -r /tmp/demo.pcap -f 'k2u'
step tshark -X lua_script:"$top/tools/kucdump/kucomms.lua" -r /tmp/demo.pcap \
	-T fields -e kucomms.dir -e kucomms.conn -e kucomms.type \
	-e kucomms.id -e kucomms.value -e kucomms.length -e kucomms.data
echo
echo "demo: 100,000 messages of random sizes through 4 KiB rings, each checked:"
echo 4096 >/sys/class/kucomms/kucomms_echo/ring_size
step "$top/build/progs/kuc_echo_client" --count 100000 echo
step "$kucctl" show echo
step rmmod kucomms_echo
step "$kucctl" remove echo
step rmmod kucomms
echo
echo "demo: 5. no module at all: the same echo handler in userspace"
bash "$top/scripts/demo-shm.sh"
echo
echo "demo: done"
