#!/usr/bin/env bash
# arm64 runner arms (make check): the QEMU command line scripts/common.sh
# builds for arm64, the exit decoding (EXIT: STATUS=v line + PSCI
# SYSTEM_OFF, docs/results.md), and the QEMU refusals that are SKIPs naming
# what would run them (IPA size above the host's, EL2 or a named CPU model
# under KVM) -- driven by tests/arm64/fake-qemu.sh, so no guest is needed;
# then, with the real payloads: PSCI SYSTEM_OFF ends QEMU, and the device
# tree of the arm64 host-side injector is read right by lib/arm64.
# Contract (scripts/check.sh): one line per check, exit 0 when nothing
# failed, last line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.." || exit 2
TOP=$PWD
T=$(mktemp -d "${TMPDIR:-/tmp}/vmc-arm64-check.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
# shellcheck source=tests/lib.sh disable=SC1091
. "$TOP/tests/lib.sh"

mkdir -p "$T/build/arm64/fk" "$T/logs"
names="a-pass a-fail a-noexit a-ipa a-el2 a-cpu a-fakeipa"
for n in $names; do
	: >"$T/build/arm64/fk/$n.flat"
	printf '[%s]\nfile = fk/%s\narch = arm64\ntimeout = 10\nqemu_params = -M virtualization=on\n\n' "$n" "$n"
done >"$T/fk.cfg"

FAKE_ARGS=$T/args VMC_BUILDDIR=$T/build VMC_LOGDIR=$T/logs VMC_ERRATA=$T/none \
	QEMU_ARM64=$TOP/tests/arm64/fake-qemu.sh \
	"$TOP/run_tests.sh" --config="$T/fk.cfg" --arch=arm64 --accel=tcg -j 1 a-pass >"$T/out" 2>&1
args=$(tr '\n' ' ' <"$T/args")
for want in "-M virt" "-accel tcg" "-cpu max" "-m 128" "-serial stdio" "-no-reboot" \
	"-kernel $T/build/arm64/fk/a-pass.flat" "-M virtualization=on"; do
	if [[ " $args" == *" $want "* ]]; then pass "arm64 QEMU command has '$want'"
	else fail "arm64 QEMU command has '$want'" "$args"; fi
done
if [[ $args == *"-semihosting"* ]]; then fail "no -semihosting (host files stay closed)" "$args"
else pass "no -semihosting (host files stay closed)"; fi

VMC_BUILDDIR=$T/build VMC_LOGDIR=$T/logs VMC_ERRATA=$T/none \
	QEMU_ARM64=$TOP/tests/arm64/fake-qemu.sh \
	"$TOP/run_tests.sh" --config="$T/fk.cfg" --arch=arm64 --accel=tcg -j 2 >"$T/out" 2>&1

# expect NAME RESULT FRAGMENT
expect() {
	local line
	line=$(grep -E "^[A-Z]+ $1 \[" "$T/out" | head -n 1)
	if [[ $line == "$2 $1 ["* ]] && [[ $line == *"$3"* ]]; then pass "classify $1 -> $2 ($3)"
	else fail "classify $1 -> $2 ($3)" "got '${line:-no result line}'"; fi
}
expect a-pass PASS "(1 check)"
expect a-fail FAIL "1 failed"
expect a-noexit ERROR "no 'EXIT: STATUS=' line"
expect a-ipa SKIP "needs a 42-bit IPA space; this KVM host's KVM_CAP_ARM_VM_IPA_SIZE is 40 bits"
expect a-el2 SKIP "needs EL2 in the guest"
expect a-cpu SKIP "KVM runs only -cpu host"
# a guest printing the refusal itself (its console, QEMU status 0) stays an
# ERROR: vmc-supervise takes QEMU messages from QEMU's stderr only
expect a-fakeipa ERROR "no 'EXIT: STATUS=' line"
# the real payload: exit() prints the EXIT line, then PSCI SYSTEM_OFF ends
# QEMU with status 0 (not the deadline, not a reset loop)
art=${VMC_BUILDDIR:-build}/arm64/arm/psci.flat
if [ ! -e "$art" ] || ! command -v "${QEMU_ARM64:-qemu-system-aarch64}" >/dev/null; then
	skip "PSCI SYSTEM_OFF ends QEMU with status 0 after the EXIT line" "needs $art (make ARCH=arm64) and qemu-system-aarch64 (scripts/setup.sh)"
else
	timeout -k 2 "${ARM64_OFF_TIMEOUT:-60}" "${QEMU_ARM64:-qemu-system-aarch64}" -M virt -accel tcg -cpu max \
		-m 128 -nodefaults -display none -serial stdio -no-reboot -smp 2 -kernel "$art" \
		</dev/null >"$T/off" 2>&1
	rc=$?
	last=$(tail -n 1 "$T/off")
	if [ "$rc" -eq 0 ] && [ "${last%$'\r'}" = "EXIT: STATUS=0" ]; then
		pass "PSCI SYSTEM_OFF ends QEMU with status 0 after the EXIT line"
	else
		fail "PSCI SYSTEM_OFF ends QEMU with status 0 after the EXIT line" "status $rc, last line '$last'"
	fi
fi
# the host-side injector's device tree (arm/host/vmc-arm64-inject.c
# --dump-dtb, run under qemu-aarch64 when this is not an arm64 host) is read
# by the guest library: one CPU, the PSCI conduit, the command line
inj=build/host/vmc-arm64-inject
sel=${VMC_BUILDDIR:-build}/arm64/arm/selftest.flat
run_inj=()
[ "$(uname -m)" = aarch64 ] || run_inj=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
if [ ! -x "$inj" ] || [ ! -e "$sel" ] || { [ ${#run_inj[@]} -gt 0 ] && ! command -v qemu-aarch64 >/dev/null; }; then
	skip "the injector's device tree boots the selftest" "needs $inj and $sel (make check builds them) and qemu-aarch64 (package qemu-user) off arm64"
elif ! "${run_inj[@]}" "$inj" --dump-dtb "$T/inj.dtb" "$sel" arg1 arg2=x; then
	fail "the injector's device tree boots the selftest" "--dump-dtb failed"
else
	timeout -k 2 60 "${QEMU_ARM64:-qemu-system-aarch64}" -M virt -accel tcg -cpu max -m 128 \
		-nodefaults -display none -serial stdio -no-reboot -dtb "$T/inj.dtb" -kernel "$sel" \
		</dev/null >"$T/inj.out" 2>&1
	for want in 'PASS: dt: the first /cpus node is this CPU (reg 0, MPIDR 0, 1 nodes)' \
		'PASS: dt: /psci method is hvc or smc ("hvc")' \
		'PASS: argv: the arguments other than options are exactly "arg1" "arg2=x"' \
		'EXIT: STATUS=0'; do
		if grep -qF "$want" "$T/inj.out"; then pass "injector DT: selftest says '$want'"
		else fail "injector DT: selftest says '$want'" "$(grep -E '^(FAIL|ABORT|UNEXP)' "$T/inj.out" | head -n 3)"; fi
	done
fi
check_done
