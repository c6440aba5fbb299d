#!/usr/bin/env bash
# Stand-in for qemu-system-* (and, as fake-harness, for vmc-harness) in the
# runner's own tests (tests/runner/check.sh): run_tests.sh is pointed at it
# with QEMU_X86= / QEMU_S390X= / HARNESS=.  It behaves according to the
# payload's base name, so each classification path can be driven without a
# guest build:
#   pass fail hang nosummary allskip crash disagree   (like the fixture guests)
#   nasty    a FAIL message with <&"]]> and bytes that are not UTF-8
#   mostskip PASS with 2 of 3 checks skipped;  argv  prints its arguments
#   nochecks SKIP status after SUMMARY: 0 tests (no check, no SKIP reason)
#   kvmerr   prints QEMU's "KVM internal error" and then hangs, as QEMU does
#   badkern  fails like QEMU with a kernel it cannot load
#   s-*      s390x style: prints EXIT: STATUS=v (s-pass s-fail s-noexit)
#   h-*      harness exit codes: h-timeout 124, h-error 4, h-nokvm 77, h-usage 2
# Exit statuses follow lib/status.h: (v<<1)|1 for the x86 exit port.
set -u
kernel=""
prev=""
for a in "$@"; do
	[ "$prev" = -kernel ] && kernel=$a
	prev=$a
done
# the harness takes the payload as its first non-option argument
[ -z "$kernel" ] && for a in "$@"; do
	case $a in *.flat) kernel=$a; break ;; esac
done
name=$(basename "${kernel%.*}")
case $name in
pass)
	if [ -n "${FAKE_PASS_FAILS:-}" ]; then
		# for --compare: the same run with other seen values (in the
		# middle of the first message) and its second check failing
		echo "PASS: one holds: 234 reads stayed in KVM (234)"
		echo "FAIL: two holds (saw 2)"
		echo "SUMMARY: 2 tests, 1 failed, 0 skipped, 0 expected failures"
		exit 3
	fi
	echo "PASS: one holds: 224 reads stayed in KVM (224)"
	echo "PASS: two holds (saw 1)"
	echo "SUMMARY: 2 tests, 0 failed, 0 skipped, 0 expected failures"
	exit 1 ;;
nasty)
	# XML/TAP/YAML specials and bytes that are not UTF-8 in check messages
	printf 'PASS: fine\n'
	printf 'FAIL: a <&"]]> b \xff\xfe\x01 c # not a TAP directive: x\n'
	printf 'SUMMARY: 2 tests, 1 failed, 0 skipped, 0 expected failures\n'
	exit 3 ;;
mostskip)
	echo "PASS: one"
	echo "SKIP: two (needs X)"
	echo "SKIP: three (needs X)"
	echo "SUMMARY: 3 tests, 0 failed, 2 skipped, 0 expected failures"
	exit 1 ;;
argv)
	# prints its command line: the runner's command construction
	printf 'INFO: argv:'; printf ' [%s]' "$@"; printf '\n'
	echo "PASS: ran"
	echo "SUMMARY: 1 tests, 0 failed, 0 skipped, 0 expected failures"
	exit 1 ;;
fail)
	echo "PASS: first check holds"
	echo "FAIL: fixture: this check is meant to fail"
	echo "SUMMARY: 2 tests, 1 failed, 0 skipped, 0 expected failures"
	exit 3 ;;
hang)
	echo "INFO: hanging on purpose"
	# a child that would outlive a careless runner
	(exec -a "vmc-fake-child $kernel" sleep 1000) &
	sleep 1000
	exit 1 ;;
nosummary)
	echo "PASS: only check"
	exit 1 ;;
nochecks)
	# a test that ended without a check and without a SKIP reason
	echo "SUMMARY: 0 tests, 0 failed, 0 skipped, 0 expected failures"
	exit 5 ;;
allskip)
	echo "SKIP: feature X absent (needs a CPU with X)"
	echo "SKIP: feature Y absent (needs Y)"
	echo "SUMMARY: 2 tests, 0 failed, 2 skipped, 0 expected failures"
	exit 5 ;;
crash)
	echo "PASS: before the crash"
	echo "UNEXPECTED EXCEPTION 14 (#PF) at rip 0x401234 error code 0x2"
	exit 7 ;;
disagree)
	echo "FAIL: something failed"
	echo "SUMMARY: 1 tests, 1 failed, 0 skipped, 0 expected failures"
	exit 1 ;;
kvmerr)
	echo "PASS: emulation failure is only a word in this line"
	echo "KVM internal error. Suberror: 1" >&2
	echo "emulation failure" >&2
	echo "RAX=0000000000000000 RBX=0000000000000000" >&2
	sleep 1000
	exit 1 ;;
badkern)
	echo "qemu-system-x86_64: could not load kernel '$kernel'" >&2
	exit 1 ;;
s-pass)
	echo "PASS: s390x check"
	echo "SUMMARY: 1 tests, 0 failed, 0 skipped, 0 expected failures"
	echo "EXIT: STATUS=0"
	exit 0 ;;
s-fail)
	echo "FAIL: s390x check"
	echo "SUMMARY: 1 tests, 1 failed, 0 skipped, 0 expected failures"
	echo "EXIT: STATUS=1"
	exit 0 ;;
s-noexit)
	echo "PASS: s390x check"
	echo "SUMMARY: 1 tests, 0 failed, 0 skipped, 0 expected failures"
	exit 0 ;;
h-timeout)
	echo "TIMEOUT: no progress for 2 s" >&2
	exit 124 ;;
h-error)
	echo "ERROR: unhandled exit KVM_EXIT_SHUTDOWN at rip 0x1000" >&2
	exit 4 ;;
h-nokvm)
	echo "SKIP: /dev/kvm: Permission denied" >&2
	exit 77 ;;
h-usage)
	echo "vmc-harness: bad ELF: not an ELF file" >&2
	exit 2 ;;
*)
	echo "fake-qemu: no behaviour for payload '$kernel'" >&2
	exit 99 ;;
esac
