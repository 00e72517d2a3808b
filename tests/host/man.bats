#!/usr/bin/env bats
# The manual pages on the host: every page in man/ is lint-clean for
# groff -ww and mandoc -Tlint, the .so links too, followed to a page of
# their section; every function of libkuc.map and every function module/
# exports has a page whose SYNOPSIS declares it exactly as its header does
# (tests/host/man_synopsis.py); the lint and the SYNOPSIS checks are first
# shown to fail on a broken copy. The overviews name every page, and every
# function page has the sections of a liburing page.

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	command -v mandoc >/dev/null ||
		{ echo "mandoc missing: run 'make deps'"; return 1; }
	command -v groff >/dev/null ||
		{ echo "groff missing: run 'make deps'"; return 1; }
}

# A .so link: its one line, else nothing.
so_line() {
	local l

	IFS= read -r l <"$1" || true
	[[ $l == .so\ * ]] && echo "$l"
}

# lint DIR: the problems of the pages in DIR, one a line; none: success.
# Pages are linted where man(1) finds them, in manN/ directories, so that
# a .so link is followed to its page. A link is one line, ".so manN/PAGE"
# naming a page (not a link) of its own section; the one remark mandoc
# makes on every .so request ("fragile, better use ln(1)": it prefers
# hard links, man-pages and man-db use .so) is the only one let through.
lint() {
	local f l sec base out="" stage

	stage=$(mktemp -d "$BATS_TEST_TMPDIR/stage.XXXXXX")

	for f in "$1"/*.[0-9]; do
		sec=${f##*.}
		mkdir -p "$stage/man$sec"
		cp "$f" "$stage/man$sec/"
	done
	for f in "$1"/*.[0-9]; do
		sec=${f##*.}
		base=${f##*/}
		if l=$(so_line "$f"); then
			l=${l#.so man"$sec"/}
			if [ "$(wc -l <"$f")" -ne 1 ] || [[ $l == .so* ]] ||
			    [ ! -f "$1/$l" ] || so_line "$1/$l" >/dev/null; then
				out+="$f: not a .so link to a page of man$sec/"$'\n'
			fi
		fi
		# Relative paths: .so requests are resolved from the stage.
		out+=$(cd "$stage" || exit
			mandoc -Tlint "man$sec/$base" 2>&1 |
				grep -v ': WARNING: \.so is fragile, better use ln(1): so '
			groff -man -ww -z "man$sec/$base" 2>&1
			true)
	done
	[ -z "$out" ] || { printf '%s\n' "$out"; return 1; }
}

# The functions that must have a page, as man_synopsis.py's --need.
needs() {
	sed -n 's/^\t\(kuc_[a-z0-9_]*\);$/--need 3:\1/p' "$TOP/libkuc/libkuc.map"
	grep -rhoE 'EXPORT_SYMBOL(_GPL)?\([a-z0-9_]+\)' "$TOP/module" |
		sed -E 's/.*\(([a-z0-9_]+)\)/--need 9:\1/'
}

synopses() {
	# shellcheck disable=SC2046
	python3 "$TOP/tests/host/man_synopsis.py" -I "$TOP/libkuc/include" \
		-I "$TOP/include" $(needs) "$1"/*.[0-9]
}

@test "every page in man/ is clean for groff -ww and mandoc -Tlint; links point at pages" {
	local bad=$BATS_TEST_TMPDIR/man

	cp -r "$TOP/man" "$bad"
	printf '.TH X 3\n.SH NAME\nx \\- y\n.SH DESCRIPTION\n.BR\n.PP\n.PP\n' \
		>"$bad/kuc_broken.3"
	echo '.so man3/kuc_nothere.3' >"$bad/kuc_fd.3"
	run lint "$bad"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *kuc_broken.3* ]] && [[ $output == *kuc_fd.3* ]]

	lint "$TOP/man"
}

@test "each libkuc.map and exported kernel function has a page whose SYNOPSIS is its header's" {
	local bad=$BATS_TEST_TMPDIR/man n

	n=$(needs | grep -c '^--need 3:')
	[ "$n" -ge 40 ]
	n=$(needs | grep -c '^--need 9:')
	[ "$n" -ge 10 ]

	cp -r "$TOP/man" "$bad"
	sed -i 's/"int kuc_send(struct kuc_channel \*" ch/"int kuc_send(struct kuc_channel *" c/' \
		"$bad/kuc_send.3"
	sed -i 's/unsigned long " timeout/long " timeout/' "$bad/kucomms_send.9"
	rm "$bad/kuc_peek.3" "$bad/kucomms_ctx.9"
	run synopses "$bad"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"int kuc_send(struct kuc_channel*c,"* ]]
	[[ $output == *"long timeout"* ]]
	[[ $output == *"no page kuc_peek.3"* ]]
	[[ $output == *"no page kucomms_ctx.9"* ]]

	synopses "$TOP/man"
}

@test "libkuc(3) and kucomms_kernel(9) name every page of their section" {
	local f name

	for f in "$TOP"/man/*.3 "$TOP"/man/*.9; do
		so_line "$f" >/dev/null && continue
		name=$(basename "$f")
		case $name in libkuc.3 | kucomms_kernel.9) continue ;; esac
		grep -qE "^\.BR \\\\?%?${name%.*} \(${name##*.}\)" \
			"$TOP/man/$([ "${name##*.}" = 3 ] && echo libkuc.3 || echo kucomms_kernel.9)" ||
			{ echo "$name is not named"; return 1; }
	done
}

@test "every function page has NAME, SYNOPSIS, DESCRIPTION, RETURN VALUE, ERRORS, THREAD SAFETY and SEE ALSO" {
	local f s missing=""

	for f in "$TOP"/man/*.3 "$TOP"/man/*.9; do
		so_line "$f" >/dev/null && continue
		case ${f##*/} in libkuc.3 | kucomms_kernel.9) continue ;; esac
		for s in NAME SYNOPSIS DESCRIPTION "RETURN VALUE" ERRORS \
			"THREAD SAFETY" "SEE ALSO"; do
			grep -qx "\.SH $s" "$f" || missing+="${f##*/}: no $s"$'\n'
		done
	done
	[ -z "$missing" ] || { printf '%s' "$missing"; return 1; }
}
