#!/usr/bin/env bats
# A smoke pass of make bench's host cases (bench/README): every case, mode
# and size runs for a moment, every message is checked byte by byte, and
# the counts are sane. Never a speed: make bench measures, this only
# proves that what it measures works. The device cases need the VM:
# make bench BENCH_QUICK=1 runs them.

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	BIN=$TOP/build/bench/kucbench
	[ -x "$BIN" ] || skip "build/bench/kucbench not built (make progs)"
	. "$TOP/bench/cases.sh"
}

# check_line JSON: the run was ok, carried messages, and its counts add up.
check_line() {
	jq -e '.ok and .msgs > 0 and .bad == 0 and .secs > 0 and
		(.mode != "rtt" or (.rtt_med_ns > 0 and .rtt_p99_ns >= .rtt_med_ns)) and
		([.sides[] | .cpu_ns >= 0 and .csw >= 0 and .syscalls >= -1] | all)' \
		<<<"$1" >/dev/null
}

@test "bench: every host case runs at every size, messages intact" {
	local out n=0 line
	out=$(KB_SIZES="64 4096 65536" kb_rounds host 1 0.02 "$BIN" --verify)
	while IFS= read -r line; do
		n=$((n + 1))
		check_line "$line" || { echo "bad: $line"; return 1; }
	done <<<"$out"
	# Every case of bench/cases.sh, both modes it has, three sizes, and
	# the idle connection.
	local want=$(( ($(wc -w <<<"$KB_HOST_STREAM") + $(wc -w <<<"$KB_HOST_RTT")) * 3 +
		$(wc -w <<<"$KB_HOST_IDLE") ))
	echo "runs: $n of $want"
	[ "$n" -eq "$want" ]
}

@test "bench: the report turns runs into tables, goals and JSON" {
	local d=$BATS_TEST_TMPDIR/b
	mkdir -p "$d"
	KB_NO_IDLE=1 KB_SIZES="64 65536" kb_rounds host 2 0.02 "$BIN" >"$d/raw.jsonl"
	run python3 "$TOP/bench/report.py" "$d"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"streaming, messages/s"* ]]
	[[ "$output" == *"issue 15 goals"* ]]
	jq -e '.results | length > 0' "$d/results.json" >/dev/null
	# Ratios exist for the host goals measured at these sizes.
	jq -e '[.goals[] | select(.goal | test("busy round trip")) | .measured.n] | .[0] == 2' \
		"$d/results.json" >/dev/null
}

@test "bench: timed rounds count no tracepoints; the counted rounds' counts reach the report" {
	local d=$BATS_TEST_TMPDIR/m
	mkdir -p "$d"
	KB_SIZES=64 kb_measure host 2 0.02 "$BIN" >"$d/raw.jsonl"
	# Two timed runs and three counted runs (KB_COUNTED's default) of
	# pipe stream 64.
	jq -se '[.[] | select(.case == "pipe" and .mode == "stream")] |
		(map(select(.traced | not)) | length == 2 and
			all(.sides.client.syscalls == -1)) and
		(map(select(.traced)) | length == 3 and
			all(.sides.client.syscalls > 0))' "$d/raw.jsonl" >/dev/null
	# The idle connection runs in the counted rounds only.
	jq -se '[.[] | select(.mode == "idle")] | length == 3 and all(.traced)' \
		"$d/raw.jsonl" >/dev/null
	run python3 "$TOP/bench/report.py" "$d"
	[ "$status" -eq 0 ]
	# Rates from the two timed runs; a pipe's syscalls per message from
	# the counted ones: one write() per message on the client.
	jq -e '.results[] | select(.env == "host" and .case == "pipe" and
		.mode == "stream" and .size == 64) |
		.msgs_per_s.n == 2 and .per_msg_by_side.client.syscalls.n == 3 and
		(.per_msg_by_side.client.syscalls.median | . > 0.9 and . < 1.1)' \
		"$d/results.json" >/dev/null
}

@test "bench: one disturbed counted round does not decide a count" {
	local d=$BATS_TEST_TMPDIR/d
	mkdir -p "$d"
	KB_COUNTED=3 KB_NO_IDLE=1 KB_SIZES=64 kb_counted host 0.02 "$BIN" >"$d/all.jsonl"
	# The second counted pipe run as a disturbed round would show it:
	# fifty times the system calls.
	jq -c 'if .case == "pipe" and .mode == "stream" and .round == 2
		then .sides.client.syscalls *= 50 else . end' \
		"$d/all.jsonl" >"$d/raw.jsonl"
	run python3 "$TOP/bench/report.py" "$d"
	[ "$status" -eq 0 ]
	jq -e '.results[] | select(.env == "host" and .case == "pipe" and
		.mode == "stream" and .size == 64) |
		.per_msg_by_side.client.syscalls.n == 3 and
		(.per_msg_by_side.client.syscalls.median | . > 0.9 and . < 1.1)' \
		"$d/results.json" >/dev/null
}

@test "bench: a wrong case or size is refused" {
	run "$BIN" no-such-case stream 64
	[ "$status" -eq 2 ]
	run "$BIN" pipe stream 63
	[ "$status" -eq 2 ]
	run "$BIN" pingpong stream 64
	[ "$status" -eq 2 ]
}

@test "bench: --vm-ring gives a host case the VM cases' buffers" {
	run "$BIN" --vm-ring --verify --secs 0.02 spsc stream 65536
	[ "$status" -eq 0 ]
	check_line "$output"
	jq -e '.ring == 1048576' <<<"$output" >/dev/null
	run "$BIN" --verify --secs 0.02 spsc stream 65536
	[ "$status" -eq 0 ]
	jq -e '.ring == 262144' <<<"$output" >/dev/null
	# A message of half the VM's ring fits only there.
	run "$BIN" --secs 0.02 memcpy stream 524288
	[ "$status" -eq 2 ]
	run "$BIN" --vm-ring --secs 0.02 memcpy stream 524288
	[ "$status" -eq 0 ]
}

@test "bench: a VM part runs the floors, the spinning ones only on 2 or more CPUs and never pinned" {
	local fake=$BATS_TEST_TMPDIR/kucbench out
	# A stand-in that names the case it was asked for.
	printf '#!/bin/sh\nfor a; do c=$m; m=$s; s=$a; done\necho "{\\"case\\":\\"$c\\",\\"mode\\":\\"$m\\",\\"size\\":$s}"\n' >"$fake"
	chmod +x "$fake"
	out=$(KB_NO_IDLE=1 KB_SIZES=64 kb_rounds vm2 1 0.01 "$fake" | jq -r '.mode + " " + .case' | sort | xargs)
	echo "vm2: $out"
	[[ " $out " == *" stream spsc "* && " $out " == *" stream memcpy "* ]]
	[[ " $out " == *" rtt spsc "* && " $out " == *" rtt pipe "* && " $out " == *" rtt pingpong "* ]]
	[[ " $out " == *" stream kuc-dev "* && " $out " == *" rtt chr "* ]]
	out=$(KB_NO_IDLE=1 KB_SIZES=64 kb_rounds vm2cpu0 1 0.01 "$fake" | jq -r .case | sort -u | xargs)
	echo "vm2cpu0: $out"
	[[ " $out " != *" spsc "* && " $out " != *" pipe "* && " $out " != *" memcpy "* ]]
	# One CPU: the blocking and copying floors, not the spinning ones.
	out=$(taskset -c 0 bash -c ". '$TOP/bench/cases.sh'; kb_floors vm1 stream; kb_floors vm1 rtt" | xargs)
	echo "vm1 on one CPU: $out"
	[ "$out" = "memcpy pipe" ]
	[ -z "$(kb_floors host rtt)" ]
}

@test "bench: the report reads the floors against the VM goals, same-round ratios" {
	local d=$BATS_TEST_TMPDIR/f c mode
	mkdir -p "$d"
	for r in 1 2; do
		for c in "spsc stream" "memcpy stream" "pipe rtt" "spsc rtt"; do
			read -r c mode <<<"$c"
			"$BIN" --vm-ring --secs 0.02 "$c" "$mode" 64 |
				jq -c --argjson r "$r" '. + {round: $r, env: "vm2"}'
		done
	done >"$d/floors.jsonl"
	# The chardev's runs are the pipe's and the bare ring's, renamed: the
	# ratios of those floors against it are then 1 in every round.
	jq -c 'if .case == "pipe" then .case = "chr"
		elif .case == "spsc" and .mode == "stream" then .case = "chr" else empty end' \
		"$d/floors.jsonl" >"$d/chr.jsonl"
	cat "$d/floors.jsonl" "$d/chr.jsonl" >"$d/raw.jsonl"
	run python3 "$TOP/bench/report.py" "$d"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"bound   VM round trip 64 B: a pipe between two processes"* ]]
	jq -e '[.goals[] | select(.bound and (.goal | test("a pipe between")))] |
		length == 1 and .[0].measured.n == 2 and .[0].measured.median == 1' \
		"$d/results.json" >/dev/null
	jq -e '[.goals[] | select(.bound and (.goal | test("bare ring in the guest, one way")))] |
		.[0].measured.median == 1' "$d/results.json" >/dev/null
	# Nothing for what did not run: no 1-vCPU part, no kuc-dev.
	jq -e '[.goals[] | select(.bound and (.goal | test("1 vCPU|kuc-dev")))] | length == 0' \
		"$d/results.json" >/dev/null
}
