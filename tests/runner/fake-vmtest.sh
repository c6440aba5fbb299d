#!/usr/bin/env bash
# Stand-in for scripts/vmtest in tests/runner/check.sh (VMTEST=...): same
# interface (--label; --log DIR; per test --test NAME --payload FILE
# [--smp N] [--timeout S] [--harness-params W] [--args W]; --modparam M:A;
# stdout lines
# "NAME STATUS OUTFILE"), but each test is played by fake-qemu.sh instead of
# the harness inside a kernel under test.
set -u
here=$(cd "$(dirname "$0")" && pwd) || exit 2
log="" name="" mps="" deb=""
declare -a names=() payloads=()
while [ $# -gt 0 ]; do
	case $1 in
	--label) echo "vmtest:${deb:-6.1.0}-fake"; exit 0 ;;
	--debian-kernel) deb=$2; shift ;;
	--log) log=$2; shift ;;
	--test) name=$2; shift ;;
	--payload) names+=("$name"); payloads+=("$2"); shift ;;
	--modparam) mps+=" $2"; shift ;;
	--smp | --timeout | --harness-params | --args) shift ;;
	*) echo "fake-vmtest: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$log" ] || { echo "fake-vmtest: --log needed" >&2; exit 2; }
# FAKE_VMTEST_UNAVAILABLE=1: like vmtest when it cannot run here (exit 77)
if [ -n "${FAKE_VMTEST_UNAVAILABLE:-}" ]; then
	echo "vmtest: neither kvm_amd nor kvm_intel can be loaded (fake)" >&2
	exit 77
fi
mkdir -p "$log" || exit 2
# FAKE_VMTEST_BOOTS=FILE: one line per boot with its modparams and tests
[ -n "${FAKE_VMTEST_BOOTS:-}" ] && echo "boot:$mps: ${names[*]}" >>"$FAKE_VMTEST_BOOTS"
for i in "${!names[@]}"; do
	out=$log/${names[i]}.out
	"$here/fake-qemu.sh" "${payloads[i]}" >"$out" 2>&1
	echo "${names[i]} $? $out"
done
echo "vmtest: vmtest:${deb:-6.1.0}-fake: 0s wall" >&2
