#!/usr/bin/env bash
# Stand-in for qemu-system-aarch64 in tests/arm64/check.sh (QEMU_ARM64=).
# Behaves by the payload's base name:
#   a-pass a-fail      print checks, a SUMMARY and EXIT: STATUS=v, exit 0
#                      (PSCI SYSTEM_OFF), as lib/arm64 does
#   a-noexit           SUMMARY but no EXIT line, exit 0
#   a-ipa a-el2 a-cpu  QEMU's refusals (hw/arm/virt.c, QEMU 7.2), exit 1
#   a-fakeipa          a guest that prints the IPA refusal itself, exit 0
# and writes its arguments to $FAKE_ARGS when set.
set -u
kernel="" prev=""
for a in "$@"; do
	[ "$prev" = -kernel ] && kernel=$a
	prev=$a
done
[ -n "${FAKE_ARGS:-}" ] && printf '%s\n' "$@" >"$FAKE_ARGS"
case $(basename "${kernel%.*}") in
a-pass)
	echo "PASS: holds"
	echo "SUMMARY: 1 tests, 0 failed, 0 skipped, 0 expected failures"
	echo "EXIT: STATUS=0"; exit 0 ;;
a-fail)
	echo "FAIL: does not hold"
	echo "SUMMARY: 1 tests, 1 failed, 0 skipped, 0 expected failures"
	echo "EXIT: STATUS=1"; exit 0 ;;
a-noexit)
	echo "SUMMARY: 1 tests, 0 failed, 0 skipped, 0 expected failures"; exit 0 ;;
a-ipa)
	echo "qemu-system-aarch64: -m and ,maxmem option values require an IPA range (42 bits) larger than the one supported by the host (40 bits)" >&2
	exit 1 ;;
a-el2)
	echo "qemu-system-aarch64: mach-virt: KVM does not support providing Virtualization extensions to the guest CPU" >&2
	exit 1 ;;
a-cpu)
	echo "qemu-system-aarch64: KVM is not supported for this guest CPU type" >&2
	exit 1 ;;
a-fakeipa)
	echo "qemu-system-aarch64: -m and ,maxmem option values require an IPA range (42 bits) larger than the one supported by the host (40 bits)"
	exit 0 ;;
*) echo "qemu-system-aarch64: fake: unknown payload" >&2; exit 1 ;;
esac
