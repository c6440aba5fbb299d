#!/bin/bash
# Soak the 2-vCPU MSR filter swap check (x86/msr_filter_smp.c): run it RUNS
# times (default 100) under the harness with -smp 2, JOBS runs at a time
# (default 1), while BURN busy-loop processes (default 2) load the host's
# CPUs, and stop at the first run that does not PASS, keeping its output.
# A manual / bench tool: not part of CI or make check.
#
#   scripts/soak-msr-swap.sh [-j JOBS] [-l BURN] [RUNS]
#
# Exit status: 0 when every run passed, 1 otherwise, 2 on usage errors.
set -u
cd "$(dirname "$0")/.." || exit 2
usage() {
	echo "usage: $0 [-j JOBS] [-l BURN] [RUNS]" >&2
	exit 2
}
jobs=1
burn=2
while getopts "j:l:" opt; do
	case $opt in
	j) jobs=$OPTARG ;;
	l) burn=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
runs=${1:-100}
for n in "$runs" "$jobs" "$burn"; do
	case $n in
	'' | *[!0-9]*) usage ;;
	esac
done
[ "$jobs" -ge 1 ] || usage
harness=${HARNESS:-build/host/vmc-harness}
payload=build/x86_64/x86/msr_filter_smp.flat
if [ ! -x "$harness" ] || [ ! -f "$payload" ]; then
	echo "build first: make $harness $payload" >&2
	exit 2
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/soak-msr-swap.XXXXXX") || exit 2
burners=()
cleanup() {
	local p
	for p in "${burners[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
for _ in $(seq "$burn"); do
	(while :; do :; done) &
	burners+=("$!")
done

# one run: exit status of the harness in $dir/N.rc, output in $dir/N.log
one_run() {
	timeout -k 5 60 "$harness" -smp 2 -t 45 "$payload" >"$dir/$1.log" 2>&1
	echo $? >"$dir/$1.rc"
}

max=0
i=0
while [ "$i" -lt "$runs" ]; do
	pids=()
	first=$((i + 1))
	for _ in $(seq "$jobs"); do
		[ "$i" -lt "$runs" ] || break
		i=$((i + 1))
		one_run "$i" &
		pids+=("$!")
	done
	for p in "${pids[@]}"; do
		wait "$p"
	done
	for n in $(seq "$first" "$i"); do
		rc=$(cat "$dir/$n.rc" 2>/dev/null || echo missing)
		lat=$(sed -n 's/.*switch latency after the ioctl returned: max \([0-9]*\) us.*/\1/p' \
			"$dir/$n.log")
		if [ -n "$lat" ] && [ "$lat" -gt "$max" ]; then max=$lat; fi
		if [ "$rc" != 1 ] || ! grep -q '^SUMMARY: .* 0 failed' "$dir/$n.log"; then
			echo "run $n of $runs: FAILED (exit status $rc, $burn burners, -j $jobs); output:"
			cat "$dir/$n.log"
			exit 1
		fi
	done
	rm -f "$dir"/*.log "$dir"/*.rc
done
echo "$runs of $runs runs passed ($burn CPU burners, $jobs at a time; max switch latency" \
	"${max} us, host scheduling included)"
