#!/usr/bin/env bats
# kucdump without a device, on the host: options, usage errors, and
# capture files read with -r (one made here by another writer: big-endian,
# microsecond time stamps) and decoded by tshark with the Lua dissector.
# Live capture is tested in the VM (tests/bats/kucdump.bats).

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	KUCDUMP=$TOP/build/kucdump
	LUA=$TOP/tools/kucdump/kucomms.lua
	[ -x "$KUCDUMP" ] || make -C "$TOP" -s build/kucdump
}

# A big-endian, microsecond pcap of two kucomms packets, written by
# Python rather than by kucdump, so that -r is checked against the format.
make_capture() {
	python3 - "$1" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack(">IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 147))
    pkts = [(0, 3, 1, 2, 3, b"hello", 5), (1, 3, 2**64 - 1, 5, 6, b"\x00\xff", 9)]
    for i, (d, conn, t, id_, v, data, length) in enumerate(pkts):
        ph = struct.pack(">BBHIQQQQQ", 1, d, 48, 0, conn, length, t, id_, v)
        f.write(struct.pack(">IIII", 1700000000, 250 * i, 48 + len(data), 48 + length))
        f.write(ph + data)
PY
}

@test "kucdump --help and --version" {
	run "$KUCDUMP" --help
	[ "$status" -eq 0 ]
	for o in --count --snaplen --buffer --hex --json --filter --write --read; do
		[[ "$output" == *"$o"* ]] || { echo "missing $o"; return 1; }
	done
	run "$KUCDUMP" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "kucdump "* ]]
}

@test "usage errors exit 2 with one line" {
	for args in "" "--bogus x" "-c -1 x" "-s -5 x" "-B 63 x" "-B 100 x" \
		"-r f -f k2u u2k" "-f k2u x u2k" "--json -w f x"; do
		run "$KUCDUMP" $args
		echo "kucdump $args: $status $output"
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 1 ]
	done
}

@test "bad input exits 3 with one line: a filter that does not parse, a bad name" {
	for args in "-f ( x" "-f type==x x" "Bad-Name" "a b" "-r f x" \
		"x type = = 3" "x conn & 3"; do
		run "$KUCDUMP" $args
		echo "kucdump $args: $status $output"
		[ "$status" -eq 3 ]
		[ "${#lines[@]}" -eq 1 ]
	done
}

@test "-r reads a foreign big-endian microsecond capture exactly" {
	make_capture "$BATS_TEST_TMPDIR/c.pcap"
	run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/c.pcap" --json
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"ts":"1700000000.000000000","dir":"u2k","conn":3,"type":1,"id":2,"value":3,"length":5,"caplen":5,"data":"hello"}' ]
	[ "${lines[1]}" = '{"ts":"1700000000.000250000","dir":"k2u","conn":3,"type":18446744073709551615,"id":5,"value":6,"length":9,"caplen":2,"data":{"hex":"00ff"}}' ]
	# With --json the summary on stderr is JSON too.
	[ "${lines[2]}" = '{"captured":2,"dropped":0}' ]
	run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/c.pcap" -x -c 1 -f 'k2u'
	echo "$output"
	[[ "${lines[0]}" == *" conn=3 k2u type=18446744073709551615 id=5 value=6 length=9 (captured 2)" ]]
	[[ "${lines[1]}" == "	0x0000:  00ff "*" .." ]]
	[ "${lines[2]}" = "1 captured, 0 dropped" ]
}

@test "-r then -w then -r gives the same records; stdin and stdout work" {
	make_capture "$BATS_TEST_TMPDIR/c.pcap"
	"$KUCDUMP" -r - -w - <"$BATS_TEST_TMPDIR/c.pcap" >"$BATS_TEST_TMPDIR/d.pcap"
	diff <("$KUCDUMP" -r "$BATS_TEST_TMPDIR/c.pcap" --json 2>&1) \
	     <("$KUCDUMP" -r "$BATS_TEST_TMPDIR/d.pcap" --json 2>&1)
}

@test "tshark decodes every field with the Lua dissector" {
	make_capture "$BATS_TEST_TMPDIR/c.pcap"
	run tshark -X lua_script:"$LUA" -r "$BATS_TEST_TMPDIR/c.pcap" -T fields \
		-E separator=, -e kucomms.version -e kucomms.dir -e kucomms.hdrlen \
		-e kucomms.conn -e kucomms.type -e kucomms.id -e kucomms.value \
		-e kucomms.length -e kucomms.caplen -e kucomms.data
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1,0,48,3,1,2,3,5,5,68656c6c6f"* ]]
	[[ "$output" == *"1,1,48,3,18446744073709551615,5,6,9,2,00ff"* ]]
}

@test "a file that is not a kucdump capture is refused in one line" {
	printf 'hello, this is not pcap at all.' >"$BATS_TEST_TMPDIR/junk"
	run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/junk"
	[ "$status" -eq 3 ]
	[ "$output" = "kucdump: $BATS_TEST_TMPDIR/junk: not a pcap file (magic 0x6c6c6568)" ]
	run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/nonexistent"
	[ "$status" -eq 4 ]
	[ "$output" = "kucdump: $BATS_TEST_TMPDIR/nonexistent: No such file or directory" ]
}

@test "kucdump: no module is one line with a hint, exit 6" {
	[ -d /sys/module/kucomms ] && skip "kucomms is loaded on this host"
	run "$KUCDUMP" echo
	[ "$status" -eq 6 ]
	[ "$output" = "kucdump: echo: kucomms module not loaded (try 'modprobe kucomms')" ]
}

@test "filters: operators need no blanks; the filter may follow the channel or -r FILE" {
	make_capture "$BATS_TEST_TMPDIR/c.pcap"
	# Record 1: u2k type 1 id 2; record 2: k2u type 2^64-1 id 5.
	for f in 'type==1' 'type=1' 'id>2' '!(u2k)' 'conn==3&&id<=2' 'k2u||id!=5'; do
		run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/c.pcap" -f "$f"
		echo "$f: $status $output"
		[ "$status" -eq 0 ]
	done
	run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/c.pcap" -f 'type==1'
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == *" u2k type=1 id=2 "* ]]
	run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/c.pcap" -f 'id>2'
	[[ "${lines[0]}" == *" k2u type=18446744073709551615 id=5 "* ]]
	[ "${lines[1]}" = "1 captured, 0 dropped" ]
	# As trailing words, as tcpdump takes them: the same result.
	run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/c.pcap" not u2k and id '>=' 5
	[[ "${lines[0]}" == *" k2u type=18446744073709551615 id=5 "* ]]
	[ "${lines[1]}" = "1 captured, 0 dropped" ]
	run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/c.pcap" 'conn 3' and type==1
	[[ "${lines[0]}" == *" u2k type=1 id=2 "* ]]
	[ "${lines[1]}" = "1 captured, 0 dropped" ]
}

@test "-t, -tt, -ttt, -tttt, -ttttt: tcpdump's time styles; -q: shorter lines" {
	make_capture "$BATS_TEST_TMPDIR/c.pcap"
	first() { TZ=UTC "$KUCDUMP" -r "$BATS_TEST_TMPDIR/c.pcap" "$@" 2>/dev/null | sed -n "${N:-1}p"; }
	[ "$(first)" = "22:13:20.000000000 conn=3 u2k type=1 id=2 value=3 length=5" ]
	[ "$(first -t)" = "conn=3 u2k type=1 id=2 value=3 length=5" ]
	[ "$(first -tt)" = "1700000000.000000000 conn=3 u2k type=1 id=2 value=3 length=5" ]
	[ "$(N=2 first -ttt)" = "0.000250000 conn=3 k2u type=18446744073709551615 id=5 value=6 length=9 (captured 2)" ]
	[ "$(first -tttt)" = "2023-11-14 22:13:20.000000000 conn=3 u2k type=1 id=2 value=3 length=5" ]
	[ "$(N=2 first -t -t -t -t -t)" = "0.000250000 conn=3 k2u type=18446744073709551615 id=5 value=6 length=9 (captured 2)" ]
	[ "$(first -q -t)" = "conn=3 u2k type=1 length=5" ]
	run "$KUCDUMP" -r "$BATS_TEST_DIRNAME" -tttttt
	[ "$status" -eq 2 ]
}

# make_pcapng FILE ENDIAN TSRESOL: the two records of make_capture as
# pcapng (Wireshark's format), with an extra block to skip, in byte
# order ENDIAN (< or >) and time unit 10^-TSRESOL s (empty: the default,
# microseconds).
make_pcapng() {
	python3 - "$@" <<'PY'
import struct, sys
path, e, res = sys.argv[1], sys.argv[2], sys.argv[3]
def block(t, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(e + "II", t, n) + body + struct.pack(e + "I", n)
opts = b""
if res:
    opts = struct.pack(e + "HH", 9, 1) + bytes([int(res)]) + b"\0\0\0" + struct.pack(e + "HH", 0, 0)
out = block(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1))
out += block(1, struct.pack(e + "HHI", 147, 0, 65535) + opts)
out += block(5, b"stats, skipped")
unit = 10 ** int(res) if res else 10 ** 6
pkts = [(0, 3, 1, 2, 3, b"hello", 5), (1, 3, 2**64 - 1, 5, 6, b"\x00\xff", 9)]
for i, (d, conn, t, id_, v, data, length) in enumerate(pkts):
    ts = 1700000000 * unit + 250 * i * unit // 10**6
    pkt = struct.pack(">BBHIQQQQQ", 1, d, 48, 0, conn, length, t, id_, v) + data
    out += block(6, struct.pack(e + "IIIII", 0, ts >> 32, ts & 0xffffffff, len(pkt), 48 + length) + pkt)
open(path, "wb").write(out)
PY
}

@test "-r reads pcapng too: either byte order, any decimal time unit, and what editcap makes" {
	make_capture "$BATS_TEST_TMPDIR/c.pcap"
	want=$("$KUCDUMP" -r "$BATS_TEST_TMPDIR/c.pcap" --json 2>&1)
	for f in "< 9" "> 9" "< " "> 6"; do
		read -r e res <<<"$f"
		make_pcapng "$BATS_TEST_TMPDIR/c.pcapng" "$e" "$res"
		run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/c.pcapng" --json
		echo "$f: $output"
		[ "$status" -eq 0 ]
		[ "$output" = "$want" ]
	done
	if command -v editcap >/dev/null; then
		editcap -F pcapng "$BATS_TEST_TMPDIR/c.pcap" "$BATS_TEST_TMPDIR/e.pcapng"
		[ "$("$KUCDUMP" -r "$BATS_TEST_TMPDIR/e.pcapng" --json 2>&1)" = "$want" ]
	fi
	# A cut file and a foreign link type are refused in one line (3).
	head -c 100 "$BATS_TEST_TMPDIR/c.pcapng" >"$BATS_TEST_TMPDIR/cut.pcapng"
	run "$KUCDUMP" -r "$BATS_TEST_TMPDIR/cut.pcapng"
	[ "$status" -eq 3 ]
	[[ "$output" == *"truncated pcapng block"* ]]
}
