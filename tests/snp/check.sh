#!/usr/bin/env bash
# tests/snp/check.sh: host tests of the SEV-SNP guest protocol code
# (lib/x86/sev-proto.c against specs/kvm-x86.md §C.3–C.5) and of the pages
# vmc-harness --vm-type=snp builds (harness/snp-boot.c, §C.5), built by make
# check through CHECK_DEPS (tests/snp/Makefile.inc).  Contract: tests/lib.sh.
set -u
cd "$(dirname "$0")/../.." || exit 2
# shellcheck source=tests/lib.sh disable=SC1091
. tests/lib.sh

for name in proto-test boot-test; do
	bin=build/host/tests/snp/$name
	if [ ! -x "$bin" ]; then
		fail "snp $name" "$bin not built (make $bin)"
		continue
	fi
	out=$(timeout 60 "$bin" 2>&1)
	rc=$?
	any=0 nf=0
	while IFS= read -r l; do
		case $l in
		"PASS "*) any=1; pass "snp ${l#PASS }" ;;
		"FAIL "*) any=1; nf=$((nf + 1)); rest=${l#FAIL }; fail "snp ${rest%%: *}" "${rest#*: }" ;;
		*) printf '%s\n' "$l" ;;
		esac
	done <<<"$out"
	if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
		fail "snp $name" "exited $rc without naming a failed check"
	elif [ "$any" -eq 0 ]; then
		fail "snp $name" "printed no check lines"
	fi
done
check_done
