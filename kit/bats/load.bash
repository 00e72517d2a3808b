# shellcheck shell=bash
# shellcheck disable=SC2034,SC2119,SC2120 # a library: its callers use these
# kucomms' bats helpers for the tests of your own module (kucomms(7)),
# installed as PREFIX/lib/bats/kucomms/load.bash. In a .bats file:
#
#   bats_load_library kucomms     # BATS_LIB_PATH: /usr/lib/bats by default
#
# The tests run as root in a kernel where they may load modules, e.g.
# under kucomms-vm(1). They use kucctl, kucsend and kucdump from PATH.
#
#   kucomms_load [PARAM=VALUE...]    load kucomms.ko ($KUCOMMS_KO, which
#                                    kucomms-vm sets, else modprobe)
#   kucomms_unload                   unload every module using kucomms, then
#                                    kucomms (which removes every device)
#   kucomms_module_load FILE [PARAM=VALUE...]
#                                    load kucomms, then the module FILE
#   kucomms_module_unload NAME|FILE  unload that module
#   kucomms_device_create NAME [kucctl create options]
#   kucomms_device_remove NAME
#   kucomms_send DEVICE JSON [kucsend options]
#                                    send one message, wait for one reply
#                                    (default 5 s); the reply's fields are in
#                                    kucomms_reply_{type,id,value,length,hex,text}
#                                    and its JSON line in kucomms_reply
#   kucomms_assert_reply FIELD=VALUE...
#                                    check the last reply: type, id, value,
#                                    length (numbers), text (the data as a
#                                    string) or hex (the data, lower case)
#   kucomms_assert_no_reply DEVICE JSON [SECONDS]
#                                    send JSON; no reply within SECONDS
#                                    (default 1)
#   kucomms_dump_start DEVICE        capture the device's traffic with
#                                    kucdump until kucomms_dump_stop
#   kucomms_dump_stop                stop it and print what it saw: call it
#                                    in teardown, so bats shows the traffic
#                                    when (and only when) the test fails
#   kucomms_counter DEVICE NAME      print a counter of the device
#                                    (msgs_in, msgs_out, connections,
#                                    protocol_errors, ...: kucctl(8))
#   kucomms_alone CMD [ARG...]       run CMD with every CPU but one offline
#                                    (for enabling a tracepoint or kprobe
#                                    under kucomms-vm), then bring them back
#
# A DEVICE or NAME is given with or without the kucomms_ prefix. A failed
# check prints what was expected and what came, and returns 1.

kucomms_fail() {
	echo "$*" >&2
	return 1
}

# kucomms_name NAME: the full device name.
kucomms_name() {
	case "$1" in
	kucomms_*) echo "$1" ;;
	*) echo "kucomms_$1" ;;
	esac
}

kucomms_load() {
	[ -d /sys/module/kucomms ] && return 0
	if [ -n "${KUCOMMS_KO:-}" ]; then
		insmod "$KUCOMMS_KO" "$@"
	else
		modprobe kucomms "$@"
	fi
}

kucomms_unload() {
	local holder
	[ -d /sys/module/kucomms ] || return 0
	for holder in /sys/module/kucomms/holders/*; do
		[ -e "$holder" ] || continue
		rmmod "${holder##*/}" || return
	done
	rmmod kucomms
}

# kucomms_module_name FILE|NAME: the module's name (what lsmod shows).
kucomms_module_name() {
	local n
	if [ -f "$1" ]; then
		n=$(modinfo -F name "$1" 2>/dev/null)
		[ -n "$n" ] || { n=${1##*/}; n=${n%%.ko*}; }
	else
		n=$1
	fi
	echo "${n//-/_}"
}

kucomms_module_load() {
	local file=${1:?kucomms_module_load FILE [PARAM=VALUE...]}
	shift
	kucomms_load || return
	[ -d "/sys/module/$(kucomms_module_name "$file")" ] && return 0
	insmod "$file" "$@"
}

kucomms_module_unload() {
	local name
	name=$(kucomms_module_name "${1:?kucomms_module_unload NAME|FILE}")
	[ -d "/sys/module/$name" ] || return 0
	rmmod "$name"
}

kucomms_device_create() {
	local name=${1:?kucomms_device_create NAME [options]}
	shift
	kucomms_load || return
	[ -e "/sys/class/kucomms/$(kucomms_name "$name")" ] && return 0
	kucctl create "$@" "$name"
}

kucomms_device_remove() {
	[ -e "/sys/class/kucomms/$(kucomms_name "${1:?kucomms_device_remove NAME}")" ] ||
		return 0
	kucctl remove "$1"
}

# The data of a reply line in hex (kucsend --data hex prints {"hex":"..."}).
kucomms_reply_field() {
	sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" <<<"$kucomms_reply"
}

kucomms_send() {
	local dev=${1:?kucomms_send DEVICE JSON [kucsend options]} json=${2:?kucomms_send DEVICE JSON}
	local status
	shift 2
	kucomms_reply=$(kucsend --wait 1 --data hex "$@" "$dev" "$json")
	status=$?
	if [ "$status" != 0 ]; then
		kucomms_fail "kucomms_send $dev $json: kucsend exited with status $status (5: no reply in time)"
		return 1
	fi
	kucomms_reply_type=$(kucomms_reply_field type)
	kucomms_reply_id=$(kucomms_reply_field id)
	kucomms_reply_value=$(kucomms_reply_field value)
	kucomms_reply_length=$(kucomms_reply_field length)
	kucomms_reply_hex=$(sed -n 's/.*"data":{"hex":"\([0-9a-f]*\)"}}$/\1/p' <<<"$kucomms_reply")
	# The data as text: bash decodes \xHH (a NUL ends the string).
	# shellcheck disable=SC2059
	printf -v kucomms_reply_text "$(sed 's/../\\x&/g' <<<"$kucomms_reply_hex")"
}

kucomms_assert_reply() {
	local check field want got bad=0
	[ -n "${kucomms_reply:-}" ] || { kucomms_fail "kucomms_assert_reply: no reply (call kucomms_send first)"; return 1; }
	for check in "$@"; do
		field=${check%%=*}
		want=${check#*=}
		case "$field" in
		type | id | value | length | text | hex)
			eval "got=\$kucomms_reply_$field" ;;
		*) kucomms_fail "kucomms_assert_reply: unknown field '$field' (type id value length text hex)"; return 1 ;;
		esac
		[ "$field" = hex ] && want=${want,,}
		if [ "$got" != "$want" ]; then
			echo "reply field $field: expected '$want', got '$got'" >&2
			bad=1
		fi
	done
	[ "$bad" = 0 ] || { echo "the reply: $kucomms_reply" >&2; return 1; }
}

kucomms_assert_no_reply() {
	local dev=${1:?kucomms_assert_no_reply DEVICE JSON [SECONDS]} json=${2:?JSON}
	local out status
	out=$(kucsend --wait 1 --timeout "${3:-1}" "$dev" "$json" 2>&1)
	status=$?
	[ "$status" = 5 ] && return 0
	if [ "$status" = 0 ]; then
		kucomms_fail "expected no reply to $json, got: $out"
	else
		kucomms_fail "kucsend $dev $json failed with status $status: $out"
	fi
}

kucomms_dump_start() {
	local dev=${1:?kucomms_dump_start DEVICE} i
	kucomms_dump_file=${BATS_TEST_TMPDIR:-/tmp}/kucomms-dump.$$
	kucdump -x "$dev" >"$kucomms_dump_file" 2>"$kucomms_dump_file.err" 3>&- &
	kucomms_dump_pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on" "$kucomms_dump_file.err" && return 0
		kill -0 "$kucomms_dump_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$kucomms_dump_file.err" >&2
	kucomms_fail "kucdump $dev did not start"
}

kucomms_dump_stop() {
	[ -n "${kucomms_dump_pid:-}" ] || return 0
	kill -INT "$kucomms_dump_pid" 2>/dev/null
	wait "$kucomms_dump_pid" 2>/dev/null
	kucomms_dump_pid=
	echo "# kucdump: the test's traffic"
	cat "$kucomms_dump_file" "$kucomms_dump_file.err"
}

kucomms_counter() {
	local f
	f=/sys/class/kucomms/$(kucomms_name "${1:?kucomms_counter DEVICE NAME}")/${2:?NAME}
	[ -r "$f" ] || { kucomms_fail "no counter $f"; return 1; }
	cat "$f"
}

# kucomms_alone CMD [ARG...]: run the command with one CPU online, the
# first online one, then bring back the ones it took offline, also when
# the command fails; its status is the command's. For what changes the
# kernel's text, enabling or disabling a tracepoint or a kprobe, say, or
# switching the preemption model: under emulation (kucomms-vm's TCG) a
# CPU running such a site while another patches it has crashed (an int3
# Oops) or wedged guests; alone, the one CPU cannot run text that is
# being changed. With one CPU online already it just runs the command.
#
# A command and its arguments, as with bats' run, not a string to eval:
# the words reach the command as they are (no second round of quoting
# for paths or JSON), and a shell function runs in the caller's shell,
# so the variables it sets and the processes it starts stay. A
# redirection goes in a function or in sh -c '...'.
#
# When a CPU cannot be taken offline (not root, a kernel without CPU
# hotplug) it says so in one line, brings back those it took and returns
# 1 without running the command; when one cannot be brought back it says
# so and returns the command's status, or 1 if that was 0.
kucomms_alone() {
	# Prefixed: a shell function given as CMD sees these.
	local kucomms_list kucomms_first kucomms_r kucomms_n kucomms_why kucomms_rc=0 kucomms_off=()
	[ $# -gt 0 ] || { kucomms_fail "kucomms_alone: no command (kucomms_alone CMD [ARG...])"; return; }
	{ read -r kucomms_list <"$kucomms_cpu/online"; } 2>/dev/null ||
		{ kucomms_fail "kucomms_alone: cannot read $kucomms_cpu/online"; return; }
	# 0-3,6: ranges and single CPUs; the first stays.
	kucomms_first=${kucomms_list%%[-,]*}
	for kucomms_r in ${kucomms_list//,/ }; do
		for ((kucomms_n = ${kucomms_r%-*}; kucomms_n <= ${kucomms_r#*-}; kucomms_n++)); do
			[ "$kucomms_n" != "$kucomms_first" ] || continue
			if ! kucomms_cpu_set "$kucomms_n" 0; then
				kucomms_fail "kucomms_alone: cannot take CPU $kucomms_n offline ($kucomms_why)"
				kucomms_cpus_online "${kucomms_off[@]}"
				return 1
			fi
			kucomms_off+=("$kucomms_n")
		done
	done
	"$@" || kucomms_rc=$?
	kucomms_cpus_online "${kucomms_off[@]}" || [ "$kucomms_rc" != 0 ] || kucomms_rc=1
	return "$kucomms_rc"
}

# Where the CPUs are (the library's own tests point it at a fake tree).
kucomms_cpu=/sys/devices/system/cpu

# kucomms_cpu_set N 0|1: write CPU N's online file. On failure the
# caller's kucomms_why says why, as "FILE: REASON".
kucomms_cpu_set() {
	kucomms_why=$({ echo "$2" >"$kucomms_cpu/cpu$1/online"; } 2>&1) && return
	kucomms_why="$kucomms_cpu/cpu$1/online: ${kucomms_why##*: }"
	return 1
}

# kucomms_cpus_online N...: bring those CPUs online, each even when
# another fails; a failure is said and returns 1.
kucomms_cpus_online() {
	local n kucomms_why bad=0
	for n in "$@"; do
		kucomms_cpu_set "$n" 1 && continue
		kucomms_fail "kucomms_alone: CPU $n stays offline: cannot bring it back ($kucomms_why)"
		bad=1
	done
	return "$bad"
}
