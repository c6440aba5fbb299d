# Shared by tests/runner/check.sh and tests/cfg/check.sh (sourced; needs
# T, RT, HERE and tests/lib.sh's pass/fail).
# shellcheck shell=bash

# rt ARGS...: run run_tests.sh in fake mode; stdout in $T/out, stderr in
# $T/err, exit status in RC, wall time (ms) in MS
# shellcheck disable=SC2034 # RC and MS are read by the sourcing script
rt() {
	local t0=${EPOCHREALTIME/./}
	VMC_BUILDDIR=$T/build VMC_LOGDIR=$T/logs VMC_ERRATA=${ERRATA:-$T/no-errata} \
		QEMU_X86=$HERE/fake-qemu.sh QEMU_S390X=$HERE/fake-qemu.sh \
		HARNESS=$HERE/fake-qemu.sh VMTEST=$HERE/fake-vmtest.sh \
		"$RT" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
}

# result_of NAME -> REPLY: the result line of NAME in $T/out
result_of() { REPLY=$(grep -E "^[A-Z]+ $1 \[" "$T/out" | head -n 1); }

# expect NAME RESULT [FRAGMENT]: NAME's result line says RESULT (and FRAGMENT)
expect() {
	result_of "$1"
	if [[ $REPLY != "$2 $1 ["* ]]; then
		fail "classify $1 -> $2" "got '${REPLY:-no result line}'"
	elif [ -n "${3:-}" ] && [[ $REPLY != *"$3"* ]]; then
		fail "classify $1 -> $2" "line lacks '$3': $REPLY"
	else
		pass "classify $1 -> $2"
	fi
}
