#!/usr/bin/env bash
# tests/fuzz/run.sh (make fuzz): run every libFuzzer target for a bounded
# time.  The working corpus build/host/tests/fuzz/corpus/<target> grows
# from run to run; it starts from the seeds mkseeds.sh made at build time.
# A crash, leak, sanitizer report or timeout leaves its input in
# build/host/tests/fuzz/artifacts/ and makes the exit status 1.
# Environment: FUZZ_SECONDS (per target, default 30), FUZZ_ARGS (more
# libFuzzer flags, e.g. -dict=FILE).
set -u
cd "$(dirname "$0")/../.." || exit 2
B=build/host/tests/fuzz
secs=${FUZZ_SECONDS:-30}
[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: FUZZ_SECONDS must be a positive number" >&2; exit 2; }
read -ra extra <<<"${FUZZ_ARGS:-}"
failed=0
for t in elf channel migstream; do
	bin=$B/fuzz_$t
	[ -x "$bin" ] || { echo "fuzz: $bin not built (make fuzz builds it; needs clang)" >&2; exit 2; }
	mkdir -p "$B/corpus/$t" "$B/artifacts" || exit 2
	log=$B/fuzz_$t.log
	printf 'fuzz_%s: %s s ... ' "$t" "$secs"
	timeout -k 5 $((secs + 60)) "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$B/artifacts/$t-" \
		"${extra[@]}" \
		"$B/corpus/$t" "$B/seed/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{ s += $1 } END { print s + 0 }')
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
	if [ $rc -eq 0 ]; then
		echo "ok ($runs runs, ${cov:-cov: ?}, corpus $(find "$B/corpus/$t" -type f | wc -l) inputs)"
	else
		echo "FAILED (status $rc; log $log; inputs in $B/artifacts/)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY: |.*runtime error|fuzz: )' "$log" | head -n 5 | sed 's/^/  /'
		failed=1
	fi
done
exit $failed
