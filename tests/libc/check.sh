#!/usr/bin/env bash
# tests/libc/check.sh: run the host tests of the guest libc (built by
# `make check` through CHECK_DEPS from tests/libc/Makefile.inc).
# Prints one line per check (PASS name / FAIL name: why / SKIP name: reason)
# and ends with "N passed, N failed, N skipped"; exits 1 if anything failed.
set -u
cd "$(dirname "$0")/../.." || exit 2

bin=build/host/tests/libc
pass=0 fail=0 skip=0

line() {	# line KIND TEXT
	printf '%s %s\n' "$1" "$2"
	case $1 in
	PASS) pass=$((pass + 1)) ;;
	FAIL) fail=$((fail + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	esac
}

# run_bin NAME ARGS...: pass its check lines through and count them
run_bin() {
	local name=$1 out rc kind rest nfail=0 any=0
	shift
	if [ ! -x "$bin/$name" ]; then
		line FAIL "libc $name: $bin/$name not built (make $bin/$name)"
		return
	fi
	out=$(timeout 300 "$bin/$name" "$@" 2>&1)
	rc=$?
	while IFS= read -r l; do
		kind=${l%% *}
		rest=${l#* }
		case $kind in
		PASS|FAIL|SKIP)
			any=1
			[ "$kind" = FAIL ] && nfail=$((nfail + 1))
			line "$kind" "libc $rest"
			;;
		*) printf '%s\n' "$l" ;;
		esac
	done <<<"$out"
	if [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
		line FAIL "libc $name: exited $rc without naming a failed check (crash or timeout?)"
	elif [ "$any" -eq 0 ]; then
		line FAIL "libc $name: printed no check lines"
	fi
}

# rename.h and unrename.h must name the same symbols
names() { grep -oE "^#$1 [a-z_]+" "tests/libc/$2" | awk '{print $2}' | grep -v '^VMC_' | sort; }
if diff <(names define rename.h) <(names undef unrename.h) >/dev/null; then
	line PASS "libc rename.h and unrename.h list the same $(names define rename.h | wc -l) symbols"
else
	line FAIL "libc rename.h and unrename.h differ: $(diff <(names define rename.h) <(names undef unrename.h) | grep '^[<>]' | tr '\n' ' ')"
fi

run_bin libc-compare
run_bin report-test

# the comparison must be able to fail: with a corrupted reference it has to
if [ -x "$bin/libc-compare" ]; then
	out=$("$bin/libc-compare" -b -n 200 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qE '^FAIL printf: 2[0-9]{2} of ' <<<"$out" &&
	   ! grep -q '^FAIL [^p]' <<<"$out"; then
		line PASS "libc libc-compare -b: a corrupted printf reference is reported (200 of 200 cases, exit 1)"
	else
		line FAIL "libc libc-compare -b: a corrupted printf reference was not reported as expected (exit $rc)"
	fi
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
