# shellcheck shell=bash
# Sourced by check.sh and fuzz.sh: how a run of suites ends.

# summary PASSED FAILED SKIPPED [FAILURE...]: the failures, one a line,
# then the one line "N passed, N failed" (", N skipped" when any). True
# when nothing failed and something passed: a run that tested nothing
# does not pass.
summary() {
	local passed=$1 failed=$2 skipped=$3
	shift 3
	echo
	if [ $# -gt 0 ]; then
		echo "Failures:"
		printf '  %s\n' "$@"
		echo
	fi
	if [ "$skipped" -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}
