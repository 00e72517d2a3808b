#!/usr/bin/env bats
# libkuc's public surface on the host: the shared library exports exactly
# the functions kuc.h declares (libkuc/libkuc.map), and the installed
# headers compile warning-free as C99, C11, C++11 and C++17 with -pedantic.

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	INC=(-I"$TOP/include" -I"$TOP/libkuc/include")
	make -s -C "$TOP" lib >/dev/null
}

# The functions kuc.h declares: every "kuc_NAME(" outside comments.
header_functions() {
	gcc -E -P -D_GNU_SOURCE "${INC[@]}" -x c - <<<'#include <kuc.h>' |
		grep -oE '\bkuc_[a-z0-9_]+ *\(' | sed 's/ *($//' | sort -u
}

@test "libkuc.so.0 exports exactly kuc.h's functions, each at version KUC_0.1" {
	exported=$(nm -D --defined-only "$TOP/build/libkuc.so.0" | awk '$3 != "KUC_0.1" { print $3 }' | sort)
	[ -n "$exported" ]
	echo "$exported" | grep -vE '@@KUC_0\.1$' && return 1
	diff <(echo "$exported" | sed 's/@@KUC_0\.1$//') <(header_functions)
}

@test "the headers compile warning-free as C99, C11, C++11 and C++17 with -pedantic" {
	local h std
	for h in kuc.h kucomms/kucomms_abi.h kucomms/kucomms_ring.h \
		kucomms/kucomms_shm.h kucomms/kucomms_tap_rec.h \
		kucomms/kucomms_endpoint_ops.h; do
		for std in c99 c11; do
			printf '#include <%s>\nint main(void) { return 0; }\n' "$h" |
				gcc -std=$std -Wall -Wextra -pedantic -Werror "${INC[@]}" \
				-x c -fsyntax-only - || { echo "$h fails as $std"; return 1; }
		done
		for std in c++11 c++17; do
			printf '#include <%s>\nint main() { return 0; }\n' "$h" |
				g++ -std=$std -Wall -Wextra -pedantic -Werror "${INC[@]}" \
				-x c++ -fsyntax-only - || { echo "$h fails as $std"; return 1; }
		done
	done
	for std in c++11 c++17; do
		printf '#include <kuc.hpp>\nint main() { return 0; }\n' |
			g++ -std=$std -Wall -Wextra -pedantic -Werror "${INC[@]}" \
			-x c++ -fsyntax-only - || { echo "kuc.hpp fails as $std"; return 1; }
	done
}

@test "a false layout assertion fails the build in C99 as in C11" {
	local std
	for std in c99 c11; do
		printf '#include <kucomms/kucomms_abi.h>\nKUCOMMS_ASSERT(sizeof(struct kucomms_msg_hdr) == 31, "x");\n' |
			gcc -std=$std -Wall -Wextra -pedantic "${INC[@]}" -x c -fsyntax-only - && return 1
		printf '#include <kucomms/kucomms_abi.h>\nKUCOMMS_ASSERT(sizeof(struct kucomms_msg_hdr) == 32, "x");\n' |
			gcc -std=$std -Wall -Wextra -pedantic -Werror "${INC[@]}" -x c -fsyntax-only -
	done
}
