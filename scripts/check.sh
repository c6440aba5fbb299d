#!/usr/bin/env bash
# make check: run every framework self-test (tests/*/check.sh) and then the
# suite itself for every built arch; sum their tallies into one final line.
#
# Contract for a tests/<dir>/check.sh: print what it checks, exit 0 when
# nothing failed, and end with the line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.." || exit 2

total_pass=0 total_fail=0 total_skip=0 broken=0

# run_step NAME CMD...: run one step, stream its output, add its tally
run_step() {
	local name=$1 out tally rc
	shift
	printf '=== %s\n' "$name"
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	tally=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$out" | tail -n 1)
	rm -f "$out"
	if [[ $tally =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]]; then
		total_pass=$((total_pass + BASH_REMATCH[1]))
		total_fail=$((total_fail + BASH_REMATCH[2]))
		total_skip=$((total_skip + ${BASH_REMATCH[4]:-0}))
	else
		echo "check: step '$name' printed no tally line" >&2
		broken=$((broken + 1))
	fi
	if [ "$rc" -ne 0 ] && [ "${BASH_REMATCH[2]:-0}" -eq 0 ]; then
		echo "check: step '$name' exited $rc without counting a failure" >&2
		broken=$((broken + 1))
	fi
}

for t in tests/*/check.sh; do
	[ -x "$t" ] || continue
	run_step "${t%/check.sh}" "$t"
done

for arch in ${CHECK_ARCHES:-x86_64}; do
	run_step "suite ($arch)" ./run_tests.sh --arch="$arch"
	[ "$arch" = x86_64 ] || continue
	# the same x86_64 payloads under the other accelerator and under the
	# harness, so each test is seen by every runner that can boot it
	if [ -c /dev/kvm ]; then
		run_step "suite ($arch, qemu-tcg)" ./run_tests.sh --arch="$arch" --runner=qemu --accel=tcg
	fi
	if [ -x build/host/vmc-harness ]; then
		# the default run above used the harness for `runner = any` (when
		# /dev/kvm is usable): QEMU, KVM when usable, sees those tests here
		run_step "suite ($arch, qemu)" ./run_tests.sh --arch="$arch" --runner=qemu
		# every harness test again with a live migration after each
		# channel request (~30 s here): same verdicts as without it
		# (docs/migration.md); QEMU-only tests SKIP naming why
		run_step "suite ($arch, --migrate-every 1)" ./run_tests.sh --arch="$arch" --migrate-every 1
		# and inside a stock kernel's kvm_amd/kvm_intel (one boot, ~15 s):
		# the checks that need a VMX/SVM KVM run there
		run_step "suite ($arch, vmtest)" ./run_tests.sh --arch="$arch" --runner=vmtest
	fi
done

total_fail=$((total_fail + broken))
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
