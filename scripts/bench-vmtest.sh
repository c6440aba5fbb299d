#!/usr/bin/env bash
# scripts/bench-vmtest.sh: how long the kernel-under-test runner takes from
# boot to verdict (make bench).  Boots the default kernel (or VMTEST_KERNEL /
# VMTEST_MODULES) once with the x86 selftest and prints one line:
#   vmtest boot->verdict: T s (label, accel; QEMU W s; in the kernel: init at
#   I s, kvm loaded at R s, verdict at D s)
# T is the wall time of scripts/vmtest (initramfs packing, boot, test,
# poweroff); W the QEMU part; I, R, D the kernel's uptime at init, after the
# modules loaded and after the last test.  When vmtest cannot run here it
# prints "vmtest boot->verdict: skipped (reason)" and exits 0.
# Usage: scripts/bench-vmtest.sh [PAYLOAD]   (default build/x86_64/x86/selftest.flat)
set -u
cd "$(dirname "$0")/.." || exit 2
payload=${1:-build/x86_64/x86/selftest.flat}
if [ ! -f "$payload" ]; then
	echo "vmtest boot->verdict: skipped ($payload not built: make)"
	exit 0
fi
log=$(mktemp -d "${TMPDIR:-/tmp}/vmtest-bench.XXXXXX") || exit 2
trap 'rm -rf "$log"' EXIT

# fetch outside the measurement (the first run downloads ~70 MB)
if ! why=$(scripts/vmtest --fetch 2>&1); then
	echo "vmtest boot->verdict: skipped ($(tail -n 1 <<<"$why"))"
	exit 0
fi
t0=${EPOCHREALTIME/./}
scripts/vmtest --log "$log" --test bench --payload "$payload" >"$log/stdout" 2>"$log/stderr"
rc=$?
t1=${EPOCHREALTIME/./}
if [ $rc -eq 77 ]; then
	echo "vmtest boot->verdict: skipped ($(tail -n 1 "$log/stderr"))"
	exit 0
fi
info() { sed -n "s/^$1=//p" "$log/vmtest.info" | head -n 1; }
us=$((t1 - t0))
total=$(printf '%d.%01d' $((us / 1000000)) $((us % 1000000 / 100000)))
verdict=$(cut -d ' ' -f 2 "$log/stdout")
printf 'vmtest boot->verdict: %s s (%s, %s; harness status %s; QEMU %s s; in the kernel: init at %s s, kvm loaded at %s s, verdict at %s s)\n' \
	"$total" "$(info label)" "$(info accel)" "${verdict:-none}" "$(info wall_seconds)" \
	"$(info guest_uptime_init)" "$(info guest_uptime_ready)" "$(info guest_uptime_done)"
[ $rc -eq 0 ]
