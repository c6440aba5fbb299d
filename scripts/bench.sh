#!/usr/bin/env bash
# scripts/bench.sh (make bench): how fast the harness is, measured against
# its targets (DESIGN §2, docs/bench.md).  Benchmarks, not tests: make check
# never runs this.
#
#  a) boot -> verdict of tests/guests/bench_trivial (one check, one SUMMARY)
#     under the harness, QEMU+KVM with qboot and with SeaBIOS, QEMU-TCG (the
#     runner's command line, and with SeaBIOS), plus tests/bench/bare-kvm (a
#     bare KVM_RUN loop, for reference).  Command lines come from
#     scripts/common.sh (vmc_build_cmd, the runner's builder); every run is
#     classified by vmc-supervise and must be PASS.  Targets: harness
#     <= 1/300 of QEMU+KVM (SeaBIOS) and <= 1/20 of QEMU-TCG (runner's).
#  b) cycles per exit round trip, measured in the guest
#     (tests/guests/bench_exits: RDTSC around N OUTs to the scratch port and
#     N user-space RDMSR exits) under the harness and under bare-kvm.
#     Target: the harness (the runner's command line, with --exit-log) adds
#     <= 10 % to the bare round trip (medians); the harness without the
#     exit-log file is shown for reference.
#  c) scripts/bench-vmtest.sh (kernel under test), once, if present.
#
# Environment: BENCH_REPS (runs per configuration, default 10), BENCH_EXITS
# (N, default 100000), BENCH_VMTEST=0 (skip c), BENCH_STRICT=1 (exit 1 when
# a target is NOT MET; by default only a broken run makes the exit non-zero),
# plus the runner's HARNESS, QEMU_X86, VMC_QBOOT, VMC_BUILDDIR.
# Exit: 0 ran (targets reported), 1 a run did not PASS (or STRICT and a
# target not met), 2 setup problem, 77 /dev/kvm not usable.
# shellcheck disable=SC2153 # CMD is set by vmc_build_cmd
set -u
cd "$(dirname "$0")/.." || exit 2
# shellcheck source=scripts/common.sh disable=SC1091
. scripts/common.sh

REPS=${BENCH_REPS:-10}
NEXITS=${BENCH_EXITS:-100000}
BARE=${BENCH_BARE:-build/host/tests/bench/bare-kvm}
QBOOT=${VMC_QBOOT-/usr/share/qemu/qboot.rom}
[[ $REPS =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_REPS must be a positive number" >&2; exit 2; }
[[ $NEXITS =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_EXITS must be a positive number" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/vmc-bench.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
broken=0 notmet=0

cat >"$T/bench.cfg" <<EOF
[bench_trivial]
file = tests/guests/bench_trivial
arch = x86_64
timeout = 60

[bench_exits]
file = tests/guests/bench_exits
arch = x86_64
args = n=$NEXITS
timeout = 120
EOF
cfg_parse "$T/bench.cfg" || exit 2
for t in bench_trivial bench_exits; do
	test_artefact "$t"
	[ -f "$REPLY" ] || { echo "bench: $REPLY not built (make bench builds it)" >&2; exit 2; }
done
[ -x "$BARE" ] || { echo "bench: $BARE not built (make bench builds it)" >&2; exit 2; }
if ! vmc_kvm_usable; then
	echo "bench: SKIP: ${VMC_KVM_DEV:-/dev/kvm} is not usable; every benchmark needs KVM"
	exit 77
fi

# fmt_ms USECS -> REPLY in ms with 1 decimal
fmt_ms() { REPLY=$(awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'); }

# stats V... -> MIN MED MAX (integers; median of an even count = lower middle)
stats() {
	local -a s
	mapfile -t s < <(printf '%s\n' "$@" | sort -n)
	MIN=${s[0]} MAX=${s[-1]} MED=${s[$(((${#s[@]} - 1) / 2))]}
}

# timed_run TEST KIND TIMEOUT CMD... : one run under vmc-supervise; RUN_USECS
# and the log in $T/log; the verdict must be PASS, else it counts as broken.
timed_run() {
	local t=$1 kind=$2 tmo=$3 t0 t1
	shift 3
	: >"$T/exits"
	: >"$T/log"
	t0=${EPOCHREALTIME/./}
	"$VMC_HOSTBIN/vmc-supervise" --record "$T/rec" --log "$T/log" --timeout "$tmo" \
		--kind "$kind" --test "$t" -- "$@" </dev/null
	t1=${EPOCHREALTIME/./}
	RUN_USECS=$((t1 - t0))
	vmc_record_verdict "$T/rec"
	if [ "$REPLY" != PASS ]; then
		echo "bench: $t: ${REPLY:-no record}: $*" >&2
		sed 's/^/  | /' "$T/log" | tail -n 15 >&2
		return 1
	fi
}

# ---------------------------------------------------------------- a) boot -> verdict
declare -A MED_OF=()
# boot_bench LABEL KIND CMD... : REPS runs, prints min/median/max
boot_bench() {
	local label=$1 kind=$2 i
	local -a us=()
	shift 2
	for ((i = 0; i < REPS; i++)); do
		if ! timed_run bench_trivial "$kind" 60 "$@"; then
			broken=$((broken + 1))
			printf '  %-34s broken run, see above\n' "$label"
			return
		fi
		us+=("$RUN_USECS")
	done
	stats "${us[@]}"
	MED_OF[$label]=$MED
	local a b c
	fmt_ms "$MIN"; a=$REPLY; fmt_ms "$MED"; b=$REPLY; fmt_ms "$MAX"; c=$REPLY
	printf '  %-34s min %8s  median %8s  max %8s ms\n' "$label" "$a" "$b" "$c"
}

# ratio_target LABEL NUM DEN LIMIT: NUM/DEN <= 1/LIMIT ?
ratio_target() {
	local label=$1 num=${MED_OF[$2]:-} den=${MED_OF[$3]:-} limit=$4 verdict
	if [ -z "$num" ] || [ -z "$den" ]; then
		printf '  %-40s NOT MEASURED (a run was broken)\n' "$label"
		notmet=$((notmet + 1))
		return
	fi
	if [ $((num * limit)) -le "$den" ]; then verdict=MET; else verdict="NOT MET"; notmet=$((notmet + 1)); fi
	printf '  %-40s 1/%s (target <= 1/%d): %s\n' "$label" \
		"$(awk -v n="$num" -v d="$den" 'BEGIN { printf "%.1f", d / n }')" "$limit" "$verdict"
}

vmc_host_arch
vmc_kvm_module
echo "bench: host $REPLY, $(nproc) CPUs, $REPS runs per configuration"
echo "a) boot -> verdict of tests/guests/bench_trivial (wall time of the command, incl. timeout(1))"

vmc_build_cmd bench_trivial harness kvm 60 "$T/exits"
boot_bench "harness" harness "${CMD[@]}"
test_artefact bench_trivial
boot_bench "bare KVM_RUN loop (reference)" harness "$BARE" "$REPLY"
if [ -n "$QBOOT" ] && [ -r "$QBOOT" ]; then
	VMC_QBOOT=$QBOOT vmc_build_cmd bench_trivial qemu kvm 60 "$T/exits"
	echo "  (qboot: $QBOOT)"
	boot_bench "QEMU+KVM, qboot" "$EXIT_KIND" "${CMD[@]}"
	KVM_QBOOT="QEMU+KVM, qboot"
else
	echo "  QEMU+KVM with qboot: not measured ($QBOOT not readable: package qemu-system-x86 ships it)"
	KVM_QBOOT=""
fi
VMC_QBOOT="" vmc_build_cmd bench_trivial qemu kvm 60 "$T/exits"
boot_bench "QEMU+KVM, SeaBIOS" "$EXIT_KIND" "${CMD[@]}"
VMC_QBOOT=$QBOOT vmc_build_cmd bench_trivial qemu tcg 60 "$T/exits"
TCG_RUNNER="QEMU-TCG, ${FIRMWARE%% *}"
boot_bench "$TCG_RUNNER" "$EXIT_KIND" "${CMD[@]}"
if [ "$FIRMWARE" != "SeaBIOS (QEMU default)" ]; then
	VMC_QBOOT="" vmc_build_cmd bench_trivial qemu tcg 60 "$T/exits"
	boot_bench "QEMU-TCG, SeaBIOS" "$EXIT_KIND" "${CMD[@]}"
fi
echo "  targets (ratio of medians):"
ratio_target "harness / QEMU+KVM (SeaBIOS)" harness "QEMU+KVM, SeaBIOS" 300
ratio_target "harness / $TCG_RUNNER" harness "$TCG_RUNNER" 20
if [ -n "$KVM_QBOOT" ] && [ -n "${MED_OF[harness]:-}" ] && [ -n "${MED_OF[$KVM_QBOOT]:-}" ]; then
	printf '  %-40s 1/%s\n' "(info) harness / $KVM_QBOOT" \
		"$(awk -v n="${MED_OF[harness]}" -v d="${MED_OF[$KVM_QBOOT]}" 'BEGIN { printf "%.1f", d / n }')"
fi
if [ -n "${MED_OF[harness]:-}" ] && [ -n "${MED_OF[bare KVM_RUN loop (reference)]:-}" ]; then
	fmt_ms "${MED_OF[bare KVM_RUN loop (reference)]}"
	printf '  %-40s %s ms of the harness median are also spent by the bare loop\n' \
		"(info) KVM + guest boot floor" "$REPLY"
fi

# ---------------------------------------------------------------- b) exit round trip
echo "b) cycles per exit round trip in the guest (tests/guests/bench_exits, N=$NEXITS, $REPS runs each)"
vmc_build_cmd bench_exits harness kvm 120 "$T/exits"
HCMD=("${CMD[@]}")
# the same without --exit-log FILE (info: what the exit log file costs)
NCMD=()
skipnext=no
for w in "${HCMD[@]}"; do
	if [ $skipnext = yes ]; then skipnext=no; continue; fi
	if [ "$w" = --exit-log ]; then skipnext=yes; continue; fi
	NCMD+=("$w")
done
test_artefact bench_exits
BCMD=("$BARE" "$REPLY" "n=$NEXITS" bare)
declare -A PER=()
# per_exit KIND VAR: append the guest's per_exit value for KIND to PER[VAR]
per_exit() {
	local v
	v=$(sed -n "s/^INFO: bench: $1 n=[0-9]* cycles=[0-9]* per_exit=\([0-9]*\).*/\1/p" "$T/log" | tail -n 1)
	if [ -z "$v" ]; then
		echo "bench: no '$1' timing line in the guest output" >&2
		grep -E '^(SKIP|FAIL|INFO)' "$T/log" | sed 's/^/  | /' >&2
		broken=$((broken + 1))
		return
	fi
	PER[$2]+="$v "
}
for ((i = 0; i < REPS; i++)); do
	# alternate, so that drift in host load hits both sides alike
	if timed_run bench_exits harness 120 "${HCMD[@]}"; then
		per_exit pio harness.pio; per_exit rdmsr harness.rdmsr
	else
		broken=$((broken + 1)); break
	fi
	if timed_run bench_exits harness 120 "${BCMD[@]}"; then
		per_exit pio bare.pio; per_exit rdmsr bare.rdmsr
	else
		broken=$((broken + 1)); break
	fi
	if timed_run bench_exits harness 120 "${NCMD[@]}"; then
		per_exit pio nolog.pio; per_exit rdmsr nolog.rdmsr
	else
		broken=$((broken + 1)); break
	fi
done
for kind in pio rdmsr; do
	h=${PER[harness.$kind]:-} b=${PER[bare.$kind]:-}
	if [ -z "$h" ] || [ -z "$b" ]; then
		printf '  %-6s NOT MEASURED (a run was broken)\n' "$kind"
		notmet=$((notmet + 1))
		continue
	fi
	# shellcheck disable=SC2086 # word lists of numbers
	stats $h; hmin=$MIN hmed=$MED hmax=$MAX
	# shellcheck disable=SC2086
	stats $b; bmin=$MIN bmed=$MED bmax=$MAX
	case $kind in
	pio) what="OUT to port 0xf9 (KVM_EXIT_IO)" ;;
	rdmsr) what="RDMSR, user-space exit (KVM_EXIT_X86_RDMSR)" ;;
	esac
	printf '  %s\n' "$what"
	printf '    %-26s min %8d  median %8d  max %8d cycles\n' harness "$hmin" "$hmed" "$hmax"
	printf '    %-26s min %8d  median %8d  max %8d cycles\n' "bare KVM_RUN loop" "$bmin" "$bmed" "$bmax"
	if [ -n "${PER[nolog.$kind]:-}" ]; then
		# shellcheck disable=SC2086
		stats ${PER[nolog.$kind]}
		printf '    %-26s min %8d  median %8d  max %8d cycles (info)\n' "harness, no exit-log file" "$MIN" "$MED" "$MAX"
	fi
	# overhead in tenths of a percent, from the medians
	ovh=$(((hmed - bmed) * 1000 / bmed))
	if [ "$hmed" -le $((bmed + bmed / 10)) ]; then verdict=MET; else verdict="NOT MET"; notmet=$((notmet + 1)); fi
	printf '    %-26s %s%% (target <= +10 %%): %s\n' "harness adds" \
		"$(awk -v o="$ovh" 'BEGIN { printf "%+.1f", o / 10 }')" "$verdict"
done

# ---------------------------------------------------------------- c) vmtest
if [ "${BENCH_VMTEST:-1}" = 0 ]; then
	echo "c) vmtest boot -> verdict: skipped (BENCH_VMTEST=0)"
elif [ -x scripts/bench-vmtest.sh ]; then
	echo "c) kernel under test (scripts/bench-vmtest.sh, one run)"
	scripts/bench-vmtest.sh 2>&1 | sed 's/^/  /'
	if [ "${PIPESTATUS[0]}" -ne 0 ]; then
		echo "  (bench-vmtest.sh failed)"
		broken=$((broken + 1))
	fi
else
	echo "c) vmtest boot -> verdict: skipped (scripts/bench-vmtest.sh not there)"
fi

echo "bench: $notmet target(s) not met, $broken broken run(s)"
[ $broken -eq 0 ] || exit 1
[ "${BENCH_STRICT:-0}" = 1 ] && [ $notmet -gt 0 ] && exit 1
exit 0
