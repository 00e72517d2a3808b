#!/usr/bin/env bash
# Regenerate the seed corpus tests/fuzz/corpus/NAME/ of every harness.
# Real inputs where a tool makes them: the capture is what kucdump -w
# wrote while kucsend talked to the userspace echo server over a shm
# segment, and the shm seeds start with that segment's real header (as
# the session left it). The replies kucsend printed are JSON seeds, as
# are the input forms kucsend(1) documents; the filter seeds are
# kucdump(8)'s examples. The ring and shm harnesses read scripts
# (fuzz_ring.c, fuzz_shm.c): their seeds are written here, step by step.
#
# Needs the built tools: make lib tools examples. Run from anywhere.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
B=build
out=tests/fuzz/corpus
tmp=$(mktemp -d)
name=kucomms_fuzzseed$$
pids=()
cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	rm -rf "$tmp" "/dev/shm/$name"
}
trap cleanup EXIT

# wait_for FILE TEXT: until FILE holds TEXT (5 s at most).
wait_for() {
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "make-seeds: no '$2' in $1" >&2
	cat "$1" >&2
	return 1
}

rm -rf "$out" && mkdir -p "$out"/{ring,shm,kucsend_json,pcap,filter}

# A real session: rings of 4 KiB, the smallest, as the harnesses use.
"$B/examples/kucomms_echo_user" -c -s 4096 "$name" >"$tmp/server.out" &
pids+=($!)
wait_for "$tmp/server.out" serving
"$B/kucdump" -c 8 -w "$tmp/cap.pcap" "shm:$name" 2>"$tmp/dump.err" &
dump=$!
pids+=("$dump")
wait_for "$tmp/dump.err" "listening on"
msgs=(
	'{"type": 1, "id": 7, "data": "hello"}'
	'{"type": 2, "id": 8, "value": 18446744073709551615, "data": {"hex": "00ff10"}}'
	'{"type": 3, "id": 9, "data": {"base64": "aGk="}}'
	'{"type": 4, "id": 10, "data": [1, 2, 3, 200]}'
)
i=0
for m in "${msgs[@]}"; do
	i=$((i + 1))
	printf '%s\n' "$m" >"$out/kucsend_json/input-$i.json"
	"$B/kucsend" --wait 1 "shm:$name" "$m" >"$out/kucsend_json/reply-$i.json"
done
wait "$dump"
cp "$tmp/cap.pcap" "$out/pcap/kucdump-w.pcap"
# The same packets as kucdump -w --pcapng writes them.
"$B/kucdump" -r "$tmp/cap.pcap" -w "$out/pcap/kucdump-w.pcapng" --pcapng 2>/dev/null
head -c 64 "/dev/shm/$name" >"$tmp/header"

printf '%s\n' '[{"type": 1}, {"id": 2, "data": "x"}]' \
	>"$out/kucsend_json/array.json"
printf '%s\n' '{"type": 1, "data": {"hex": "de ad be ef"}, "length": 4}' \
	'{"type": 18446744073709551616}' >"$out/kucsend_json/lines.json"
# The harness's stdin is /dev/null: the file read is empty.
printf '%s\n' '{"id": 1, "data": {"file": "-"}}' >"$out/kucsend_json/file.json"

i=0
for f in 'k2u and conn 3' 'type == 7 or id >= 0x100' \
	'not (u2k or length > 64)' 'dir k2u && ! value != 0 || length <= 8'; do
	i=$((i + 1))
	printf '%s' "$f" >"$out/filter/example-$i"
done

python3 - "$out" "$tmp/header" <<'EOF'
import struct, sys
out, header = sys.argv[1], open(sys.argv[2], 'rb').read()

# The capture in the other byte order and in microseconds: the reader
# takes all four kinds of classic pcap.
cap = open(out + '/pcap/kucdump-w.pcap', 'rb').read()
fh, recs = cap[:24], cap[24:]
magic, vmaj, vmin, zone, sig, snap, link = struct.unpack('<IHHiIII', fh)
sw = struct.pack('>IHHiIII', magic, vmaj, vmin, zone, sig, snap, link)
us = struct.pack('<IHHiIII', 0xa1b2c3d4, vmaj, vmin, zone, sig, snap, link)
swr, usr, i = b'', b'', 0
while i < len(recs):
    sec, frac, caplen, length = struct.unpack('<IIII', recs[i:i + 16])
    body = recs[i + 16:i + 16 + caplen]
    swr += struct.pack('>IIII', sec, frac, caplen, length) + body
    usr += struct.pack('<IIII', sec, frac // 1000, caplen, length) + body
    i += 16 + caplen
open(out + '/pcap/swapped.pcap', 'wb').write(sw + swr)
open(out + '/pcap/microseconds.pcap', 'wb').write(us + usr)

def u8(v): return struct.pack('<B', v)
def u16(v): return struct.pack('<H', v)
def u64(v): return struct.pack('<Q', v & (1 << 64) - 1)

# fuzz_ring.c: ring order byte, start position, then steps.
def hostile(v):            # a position "near ours": delta as int16
    return u8(0) + struct.pack('<h', v)
ring = {
    # the peer publishes a 5-byte message (record 40), we consume it
    'one-message': u8(0) + u64(0) + u8(1) + hostile(5) + u8(0) + hostile(40) + u8(3),
    # near the top of the 64-bit positions, so they wrap while in use
    'wrap': u8(1) + u64(-64) + (u8(7) + hostile(100)) * 3 +
            u8(5) + hostile(-272) + u8(8) + hostile(0) + u8(9),
    'sleep': u8(0) + u64(4096) + u8(4) + u8(0) + hostile(32) + u8(4) + u8(3),
    'producer': u8(0) + u64(0) + u8(6) + struct.pack('<I', 1) + u8(7) +
                hostile(10) + u8(9) + u8(5) + hostile(-8) + u8(8) + hostile(3),
}
for k, v in ring.items():
    open(out + '/ring/' + k, 'wb').write(v)

# fuzz_shm.c: mode byte, the header (a real one), then steps.
hdr = bytearray(header)
def publish(which, length, typ, delta=0, tap_rec=b''):
    return u8(1) + u8(which) + u16(length) + u8(typ) + tap_rec + struct.pack('<b', delta)
recv, peek = u8(2), u8(3)
def send(n, zero_copy=0): return u8(4) + u8(zero_copy) + u16(n)
def patch(region, off, data): return u8(0) + u8(region) + struct.pack('<I', off)[:3] + u8(len(data)) + data
def tap_rec(caplen, length): # struct kucomms_tap_rec: ts, conn, dir, caplen, reserved, hdr
    return u64(1) + u64(1) + struct.pack('<II', 0, caplen) + u64(0) + u64(length) + u64(1) + u64(2) + u64(3)
shm = {
    'info': u8(0) + hdr,
    'info-short': u8(4) + hdr + struct.pack('<I', 8192),
    'server': u8(1) + hdr + publish(0, 5, 1) + recv + send(5) + send(10, 1) + recv,
    'client': u8(2) + hdr + publish(0, 16, 2) + peek + publish(0, 0, 3) + recv + send(4000),
    'client-truncated': u8(2) + hdr + publish(0, 8, 1) + u8(5) + u16(2) + recv + send(1),
    'tap': u8(3) + hdr + publish(2, 64 + 5, 0, 0, tap_rec(5, 5)) + recv +
           publish(3, 64, 0, 0, tap_rec(0, 9)) + recv,
    'server-tap-on': u8(1) + hdr + patch(3, 0, struct.pack('<IIII', 5, 5, 16, 1)) + send(20) + publish(0, 1, 1) + recv,
    # the endpoint thread consumes while the peer publishes
    'server-endpoint': u8(1) + hdr + u8(7) + publish(0, 5, 1) + publish(0, 9, 2) + send(3) + u8(7),
    # kuc_wait(POLLIN | POLLOUT, 1), kuc_recv(1 ms), kuc_send_wait(1 ms)
    'client-waits': u8(2) + hdr + u8(6) + u8(4) + publish(0, 2, 1) + u8(6) + u8(2) + u8(6) + u8(0x33),
}
for k, v in shm.items():
    open(out + '/shm/' + k, 'wb').write(v)
EOF
echo "make-seeds: $(find "$out" -type f | wc -l) seeds in $out"
