#!/usr/bin/env bats
# kucctl against the real module: runs as root inside the test VM
# (tests/vm/run -- bats tests/bats/kucctl.bats).

bats_require_minimum_version 1.5.0

load common

setup() {
	kuc_load
}

teardown() {
	kuc_remove_all
	# A test that reloaded the module with other parameters sets this.
	if [ -n "${kuc_reload:-}" ]; then
		kuc_unload
		kuc_load
	fi
}

# kucctl_fails STATUS ARGS...: kucctl ARGS exits with STATUS, prints
# nothing on stdout and exactly one "kucctl: " line on stderr.
kucctl_fails() {
	local want=$1
	shift
	run --separate-stderr "$KUCCTL" "$@"
	[ "$status" -eq "$want" ] ||
		kuc_fail "kucctl $*: exit $status, want $want (stderr: $stderr)"
	[ -z "$output" ] || kuc_fail "kucctl $*: stdout not empty: $output"
	# shellcheck disable=SC2154 # run --separate-stderr sets it
	[ "${#stderr_lines[@]}" -eq 1 ] ||
		kuc_fail "kucctl $*: want one line on stderr, got: $stderr"
	[[ $stderr == "kucctl: "* ]] ||
		kuc_fail "kucctl $*: stderr does not start 'kucctl: ': $stderr"
}

# node_is PATH "MODE USER GROUP": PATH is a character device so.
node_is() {
	[ -c "$1" ] || kuc_fail "$1 is not a character device"
	[ "$(stat -c '%a %U %G' "$1")" = "$2" ] ||
		kuc_fail "$1 is $(stat -c '%a %U %G' "$1"), want $2"
}

# as_nobody CMD...: run CMD without privileges.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# --- create and remove --------------------------------------------------

@test "create without the prefix makes /dev/kucomms_NAME 0600 root:root" {
	run "$KUCCTL" create foo
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	node_is /dev/kucomms_foo "600 root root"
	[ -e /sys/class/kucomms/kucomms_foo/dev ]
}

@test "create with the prefix" {
	run "$KUCCTL" create kucomms_bar
	[ "$status" -eq 0 ]
	node_is /dev/kucomms_bar "600 root root"
	[ ! -e /dev/kucomms_kucomms_bar ]
}

@test "create and remove take the /dev path" {
	"$KUCCTL" create /dev/kucomms_path
	node_is /dev/kucomms_path "600 root root"
	"$KUCCTL" remove /dev/kucomms_path
	[ ! -e /dev/kucomms_path ]
}

@test "create --mode --owner --group by name" {
	run "$KUCCTL" create foo --mode 0660 --owner nobody --group nogroup
	[ "$status" -eq 0 ]
	node_is /dev/kucomms_foo "660 nobody nogroup"
}

@test "create --owner --group by number, options first" {
	"$KUCCTL" create --owner 65534 --group 65534 --mode 640 foo
	[ "$(stat -c '%a %u %g' /dev/kucomms_foo)" = "640 65534 65534" ]
}

@test "create --group alone keeps the owner" {
	"$KUCCTL" create foo --group 65534
	[ "$(stat -c '%a %u %g' /dev/kucomms_foo)" = "600 0 65534" ]
}

@test "bad --mode, --owner or --group: exit 2 and no device made" {
	kucctl_fails 2 create foo --mode 0999
	kucctl_fails 2 create foo --mode 4755
	kucctl_fails 2 create foo --mode rw
	kucctl_fails 2 create foo --owner no_such_user_kuc
	kucctl_fails 2 create foo --group no_such_group_kuc
	kucctl_fails 2 create foo --owner 4294967295
	kucctl_fails 2 create foo --mode
	[ ! -e /dev/kucomms_foo ]
	[ ! -e /sys/class/kucomms/kucomms_foo ]
}

@test "a node that never appears: exit 1, one line, the device removed again" {
	# libkuc looks for the node under KUC_DEV_ROOT: an empty directory
	# stands for a /dev where udev never makes it.
	mkdir "$BATS_TEST_TMPDIR/dev"
	export KUC_DEV_ROOT=$BATS_TEST_TMPDIR/dev
	kucctl_fails 1 create foo --mode 0660
	unset KUC_DEV_ROOT
	[[ $stderr == *"kucomms_foo: its node did not appear in /dev; device removed again" ]] ||
		kuc_fail "stderr: $stderr"
	[ ! -e /sys/class/kucomms/kucomms_foo ]
	# Without options nothing is waited for: the device is made.
	KUC_DEV_ROOT=$BATS_TEST_TMPDIR/dev "$KUCCTL" create foo
	node_is /dev/kucomms_foo "600 root root"
}

@test "remove deletes the node" {
	"$KUCCTL" create foo
	run "$KUCCTL" remove foo
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ ! -e /dev/kucomms_foo ]
	[ ! -e /sys/class/kucomms/kucomms_foo ]
	# And the name is free again.
	"$KUCCTL" create kucomms_foo
	[ -c /dev/kucomms_foo ]
}

# --- list -----------------------------------------------------------------

@test "list with no devices prints the header only" {
	run "$KUCCTL" list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} =~ ^NAME\ +MAJ:MIN\ +MODE\ +OWNER\ +GROUP\ +KIND$ ]]
}

@test "list shows the devices sorted, with their nodes" {
	"$KUCCTL" create zeta
	"$KUCCTL" create alpha --mode 0660 --group nogroup
	run "$KUCCTL" list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} =~ ^NAME\ +MAJ:MIN\ +MODE\ +OWNER\ +GROUP\ +KIND$ ]]
	read -r name devt mode owner group kind <<<"${lines[1]}"
	[ "$name $mode $owner $group $kind" = \
	  "kucomms_alpha 0660 root nogroup device" ]
	[ "$devt" = "$(cat /sys/class/kucomms/kucomms_alpha/dev)" ]
	read -r name devt mode owner group kind <<<"${lines[2]}"
	[ "$name $mode $owner $group $kind" = \
	  "kucomms_zeta 0600 root root device" ]
	[ "$devt" = "$(cat /sys/class/kucomms/kucomms_zeta/dev)" ]
}

@test "list after remove leaves the device out" {
	"$KUCCTL" create one
	"$KUCCTL" create two
	"$KUCCTL" remove one
	run "$KUCCTL" list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[1]} == kucomms_two\ * ]]
}

@test "list shows a missing node as -" {
	"$KUCCTL" create foo
	rm /dev/kucomms_foo
	run "$KUCCTL" list
	[ "$status" -eq 0 ]
	read -r name devt mode owner group kind <<<"${lines[1]}"
	[ "$name $mode $owner $group $kind" = "kucomms_foo - - - device" ]
}

@test "list --json follows the documented schema" {
	"$KUCCTL" create foo --mode 0660 --owner nobody --group nogroup
	"$KUCCTL" create bar
	run "$KUCCTL" list --json
	[ "$status" -eq 0 ]
	local majmin
	majmin=$(cat /sys/class/kucomms/kucomms_foo/dev)
	jq -e --arg maj "${majmin%:*}" --arg min "${majmin#*:}" '
		(keys == ["devices"]) and
		(.devices | length == 2) and
		(.devices | map(.name) == ["kucomms_bar", "kucomms_foo"]) and
		(.devices[1] == {
			name: "kucomms_foo", kind: "device",
			path: "/dev/kucomms_foo",
			major: ($maj | tonumber), minor: ($min | tonumber),
			mode: "0660", owner: "nobody", group: "nogroup",
			uid: 65534, gid: 65534}) and
		(.devices[0] | .mode == "0600" and .owner == "root" and
			.group == "root" and .uid == 0 and .gid == 0 and
			.path == "/dev/kucomms_bar" and .kind == "device")
	' <<<"$output"
}

@test "list --json: empty list, and after removal" {
	run "$KUCCTL" list --json
	[ "$status" -eq 0 ]
	jq -e '. == {"devices": []}' <<<"$output"
	"$KUCCTL" create foo
	"$KUCCTL" remove foo
	run "$KUCCTL" list --json
	[ "$status" -eq 0 ]
	jq -e '. == {"devices": []}' <<<"$output"
}

@test "list --json: a missing node gives nulls" {
	"$KUCCTL" create foo
	rm /dev/kucomms_foo
	run "$KUCCTL" list --json
	[ "$status" -eq 0 ]
	jq -e '.devices[0] | .mode == null and .owner == null and
		.group == null and .uid == null and .gid == null and
		.name == "kucomms_foo"' <<<"$output"
}

@test "list works without privileges" {
	"$KUCCTL" create foo
	run as_nobody "$KUCCTL" list --json
	[ "$status" -eq 0 ]
	jq -e '.devices[0].name == "kucomms_foo"' <<<"$output"
}

@test "a write error on stdout fails the command" {
	# shellcheck disable=SC2016 # $1 is for the inner shell
	run --separate-stderr bash -c '"$1" list >/dev/full' _ "$KUCCTL"
	[ "$status" -eq 1 ]
	[[ $stderr == "kucctl: write error: "* ]]
}

# --- exit statuses ----------------------------------------------------------

# The statuses are those of every kucomms tool (kucomms-tools(7)).

@test "exit 3: invalid names" {
	kucctl_fails 3 create Foo
	kucctl_fails 3 create a-b
	kucctl_fails 3 create "a b"
	kucctl_fails 3 create kucomms_
	kucctl_fails 3 create ""
	kucctl_fails 3 create $'a\nb'
	kucctl_fails 3 remove ../x
	# 63 characters is fine, 64 is not.
	"$KUCCTL" create "$(printf 'a%.0s' {1..55})"
	kucctl_fails 3 create "$(printf 'a%.0s' {1..56})"
	[[ $stderr == *"name too long"* ]]
}

@test "exit 9: the device exists already, and is left alone" {
	"$KUCCTL" create foo --mode 0640
	kucctl_fails 9 create kucomms_foo --mode 0666
	[ "$stderr" = "kucctl: create kucomms_foo: device already exists" ]
	node_is /dev/kucomms_foo "640 root root"
}

@test "exit 4: no such device" {
	kucctl_fails 4 remove foo
	[ "$stderr" = "kucctl: remove kucomms_foo: no such device" ]
}

@test "exit 6: module not loaded, with a hint; list says so and exits 0" {
	kuc_unload
	kucctl_fails 6 create foo
	[[ $stderr == *"module not loaded"*"modprobe kucomms"* ]]
	kucctl_fails 6 remove foo
	# No module, no devices: the list is complete (no segments here).
	run --separate-stderr "$KUCCTL" list
	[ "$status" -eq 0 ]
	[[ $output == NAME* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ "$stderr" = "kucctl: note: kucomms module not loaded: no devices (try 'modprobe kucomms')" ]
	run --separate-stderr "$KUCCTL" list --json
	[ "$status" -eq 0 ]
	jq -e '.devices == []' <<<"$output"
	kuc_load
	"$KUCCTL" list
}

@test "exit 5: permission denied without privileges" {
	run --separate-stderr as_nobody "$KUCCTL" create foo
	[ "$status" -eq 5 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "kucctl: create kucomms_foo: permission denied"*"must be root"* ]]
	[ ! -e /dev/kucomms_foo ]
	"$KUCCTL" create foo
	run --separate-stderr as_nobody "$KUCCTL" remove foo
	[ "$status" -eq 5 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ -c /dev/kucomms_foo ]
}

@test "exit 10: device limit reached" {
	kuc_reload=1
	kuc_unload
	kuc_load max_devices=2
	"$KUCCTL" create one
	"$KUCCTL" create two
	kucctl_fails 10 create three
	[ "$stderr" = \
	  "kucctl: create kucomms_three: device limit reached (max_devices=2)" ]
	[ ! -e /dev/kucomms_three ]
	# Room again after a removal.
	"$KUCCTL" remove one
	"$KUCCTL" create three
}

@test "exit 2: usage errors" {
	kucctl_fails 2
	kucctl_fails 2 frobnicate
	kucctl_fails 2 --frobnicate
	kucctl_fails 2 create
	kucctl_fails 2 create foo bar
	kucctl_fails 2 remove
	kucctl_fails 2 list extra
	kucctl_fails 2 list --frobnicate
	kucctl_fails 2 help frobnicate
	[ ! -e /sys/class/kucomms/kucomms_foo ]
}

# --- help and version ---------------------------------------------------------

@test "--help, help and COMMAND --help exit 0 on stdout" {
	local args
	for args in --help -h help "help create" "create --help" \
		    "remove --help" "list --help" "list -h"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$KUCCTL" $args
		[ "$status" -eq 0 ] || kuc_fail "kucctl $args: exit $status"
		[[ $output == Usage:* ]] || kuc_fail "kucctl $args: $output"
		[ -z "$stderr" ] || kuc_fail "kucctl $args: stderr: $stderr"
	done
}

@test "--version" {
	run --separate-stderr "$KUCCTL" --version
	[ "$status" -eq 0 ]
	[[ $output =~ ^kucctl\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}
