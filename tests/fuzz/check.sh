#!/usr/bin/env bash
# tests/fuzz/check.sh (make check): a short smoke run of the libFuzzer
# targets (tests/fuzz/fuzz_*.c) - every seed input once, then a few seconds
# of fuzzing from the seeds into a scratch corpus.  Checks: no crash,
# sanitizer report or leak on any input, and the fuzzer really executed
# inputs; a crashing input is kept in build/host/tests/fuzz/artifacts/.
# The long run is `make fuzz` (tests/fuzz/run.sh).
# Contract (scripts/check.sh): one line per check, exit 0 when nothing
# failed, last line "N passed, N failed, N skipped".
# FUZZ_SMOKE_SECONDS: seconds per target (default 4).
set -u
cd "$(dirname "$0")/../.." || exit 2
B=build/host/tests/fuzz
secs=${FUZZ_SMOKE_SECONDS:-4}
T=$(mktemp -d "${TMPDIR:-/tmp}/vmc-fuzz-check.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT

# shellcheck source=tests/lib.sh disable=SC1091
. tests/lib.sh

# why LOG -> REPLY: the first sanitizer/libFuzzer error line of a log
why() {
	REPLY=$(grep -m 1 -E '^(==[0-9]+==ERROR|SUMMARY: |.*runtime error|fuzz: |INFO: Timeout|.*out-of-memory)' "$1")
	REPLY=${REPLY:-"see the libFuzzer output"}
}

for t in elf channel migstream; do
	bin=$B/fuzz_$t seeds=$B/seed/$t
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		skip "fuzz_$t" "$bin or its seeds not built (make check builds them when clang is installed: package clang)"
		continue
	fi
	mapfile -t files < <(find "$seeds" -type f | sort)
	if [ ${#files[@]} -eq 0 ]; then
		fail "fuzz_$t seeds" "no seed inputs in $seeds"
		continue
	fi
	# every seed once (libFuzzer runs file arguments and exits)
	if timeout -k 2 60 "$bin" -timeout=10 "${files[@]}" >"$T/seeds.log" 2>&1; then
		n=$(grep -c '^Executed ' "$T/seeds.log")
		if [ "$n" -eq ${#files[@]} ]; then
			pass "fuzz_$t seeds: all $n seed inputs run without a crash or sanitizer report"
		else
			fail "fuzz_$t seeds" "$n of ${#files[@]} seed inputs reported as executed"
		fi
	else
		why "$T/seeds.log"
		fail "fuzz_$t seeds" "a seed input crashed the target: $REPLY"
	fi
	mkdir -p "$T/corpus-$t" "$B/artifacts" || exit 2
	rm -f "$B/artifacts/smoke-$t-"*
	if timeout -k 2 $((secs + 30)) "$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$B/artifacts/smoke-$t-" "$T/corpus-$t" "$seeds" >"$T/fuzz.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/fuzz.log" | tail -n 1)
		if [ "${runs:-0}" -gt ${#files[@]} ]; then
			pass "fuzz_$t smoke: $runs inputs in ${secs} s without a crash, leak or sanitizer report"
		else
			fail "fuzz_$t smoke" "only ${runs:-0} inputs executed in ${secs} s (the fuzzer did not run)"
		fi
	else
		why "$T/fuzz.log"
		fail "fuzz_$t smoke" "crash found ($REPLY); reproduce: $bin $(find "$B/artifacts" -name "smoke-$t-*" | head -n 1)"
	fi
done

check_done
