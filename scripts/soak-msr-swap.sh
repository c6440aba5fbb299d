#!/bin/bash
# Soak the 2-vCPU MSR filter swap check (x86/msr_filter_smp.c): run it N
# times (default 100) in a row under the harness with -smp 2 and stop at the
# first run that does not PASS, keeping its output.  Not part of CI.
#
#   scripts/soak-msr-swap.sh [RUNS]
#
# Exit status: 0 when every run passed, 1 otherwise, 2 on usage errors.
set -u
cd "$(dirname "$0")/.." || exit 2
runs=${1:-100}
case $runs in
'' | *[!0-9]*) echo "usage: $0 [RUNS]" >&2; exit 2 ;;
esac
harness=${HARNESS:-build/host/vmc-harness}
payload=build/x86_64/x86/msr_filter_smp.flat
if [ ! -x "$harness" ] || [ ! -f "$payload" ]; then
	echo "build first: make $harness $payload" >&2
	exit 2
fi
log=$(mktemp "${TMPDIR:-/tmp}/soak-msr-swap.XXXXXX") || exit 2
max=0
for i in $(seq "$runs"); do
	timeout -k 5 60 "$harness" -smp 2 -t 45 "$payload" >"$log" 2>&1
	rc=$?
	lat=$(sed -n 's/.*switch latency after the ioctl returned: max \([0-9]*\) us.*/\1/p' "$log")
	if [ -n "$lat" ] && [ "$lat" -gt "$max" ]; then max=$lat; fi
	if [ "$rc" -ne 1 ] || ! grep -q '^SUMMARY: .* 0 failed' "$log"; then
		echo "run $i of $runs: FAILED (exit status $rc); output:"
		cat "$log"
		rm -f "$log"
		exit 1
	fi
done
rm -f "$log"
echo "$runs of $runs runs passed (max switch latency ${max} us, host scheduling included)"
