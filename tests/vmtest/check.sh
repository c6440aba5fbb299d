#!/usr/bin/env bash
# tests/vmtest/check.sh: the kernel-under-test runner (scripts/vmtest) works.
# Checks, and why:
#  - usage errors exit 2 with a message (the runner tells usage from results);
#  - the insmod order comes from each module's depends= (fake modules with a
#    .modinfo section: a dependency chain, a shared dependency, a missing one),
#    because a hard-coded order breaks on the next kernel;
#  - the kernel release is read from a bzImage's setup header (the label);
#  - a boot that cannot finish ends at --boot-timeout as an ERROR per test,
#    fast, never a hang;
#  - ONE real boot of the default Debian kernel under TCG (or nested KVM):
#    selftest and hypercall both PASS inside it (hypercall needs the nested
#    kvm_amd's KVM_EXIT_HYPERCALL), the result files, label and exit-log
#    transport are there, and repeated --modparam for one module all reach
#    its insmod.
# Environment problems (no apt/network for the ~70 MB kernel, no QEMU) SKIP
# with the reason.  Prints PASS/FAIL/SKIP lines, ends with the tally.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
VMTEST=$ROOT/scripts/vmtest
# shellcheck source=tests/lib.sh disable=SC1091
. "$ROOT/tests/lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmtest-check.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# ---- usage
out=$("$VMTEST" --test a --payload "$0" --bogus-option 2>&1); rc=$?
if [ $rc -eq 2 ] && [[ $out == *"unknown option '--bogus-option'"* ]]; then pass usage-unknown-option
else fail usage-unknown-option "want exit 2 naming the option, got $rc: $out"; fi
# the harness form: options vmtest does not know go to the harness, a payload is needed
out=$("$VMTEST" -smp 2 -t 10 2>&1); rc=$?
if [ $rc -eq 2 ] && [[ $out == *"no PAYLOAD"* ]]; then pass usage-harness-form-without-payload
else fail usage-harness-form-without-payload "want exit 2, got $rc: $out"; fi
out=$("$VMTEST" --payload x.flat 2>&1); rc=$?
if [ $rc -eq 2 ] && [[ $out == *"--test NAME first"* ]]; then pass usage-payload-without-test
else fail usage-payload-without-test "want exit 2, got $rc: $out"; fi
out=$("$VMTEST" --test a 2>&1); rc=$?
if [ $rc -eq 2 ] && [[ $out == *"has no --payload"* ]]; then pass usage-test-without-payload
else fail usage-test-without-payload "want exit 2, got $rc: $out"; fi

# ---- module order from depends=
mk_module() {	# mk_module FILE NAME DEPENDS
	printf 'name=%s\0depends=%s\0' "$2" "$3" >"$tmp/mi"
	echo 'int vmtest_fake;' | gcc -Wall -Werror -c -x c - -o "$tmp/m.o" &&
		objcopy --add-section .modinfo="$tmp/mi" \
			--set-section-flags .modinfo=alloc,load,readonly,data "$tmp/m.o" "$1"
}
m=$tmp/mods
mkdir -p "$m/arch/x86/kvm" "$m/virt"
ok=yes
mk_module "$m/arch/x86/kvm/kvm-amd.ko" kvm_amd kvm,ccp || ok=no
mk_module "$m/arch/x86/kvm/kvm.ko" kvm irqbypass,lib_x || ok=no
mk_module "$m/arch/x86/kvm/kvm-intel.ko" kvm_intel kvm,not_there || ok=no
mk_module "$m/virt/irqbypass.ko" irqbypass lib_x || ok=no
mk_module "$m/virt/lib-x.ko" lib_x "" || ok=no
mk_module "$m/ccp.ko" ccp "" || ok=no
if [ $ok = no ]; then
	skip module-order "cannot make fake modules (gcc/objcopy)"
else
	out=$("$VMTEST" --modules "$m" --list-modules 2>&1)
	want_amd="kvm_amd: lib_x irqbypass kvm ccp kvm_amd"
	want_intel="kvm_intel: cannot load: not_there not found"
	if grep -qxF "$want_amd" <<<"$out"; then pass module-order-from-depends
	else fail module-order-from-depends "want '$want_amd', got: $out"; fi
	if grep -qxF "$want_intel" <<<"$out"; then pass module-order-missing-dependency
	else fail module-order-missing-dependency "want '$want_intel', got: $out"; fi
fi

# ---- kernel release from the bzImage header (0x20e: offset of the string - 0x200)
{
	head -c $((0x20e)) /dev/zero
	printf '\x00\x01'	# 0x100 little-endian: the string is at 0x300
	head -c $((0x300 - 0x210)) /dev/zero
	printf '6.99.0-vmtest-fake (builder@host) #1 SMP\0'
} >"$tmp/bzImage"
out=$("$VMTEST" --kernel "$tmp/bzImage" --kernel-version 2>&1)
if [ "$out" = 6.99.0-vmtest-fake ]; then pass kernel-release-from-bzimage
else fail kernel-release-from-bzimage "want 6.99.0-vmtest-fake, got '$out'"; fi
out=$("$VMTEST" --kernel "$tmp/mi" --kernel-version 2>&1); rc=$?
if [ $rc -eq 2 ] && [[ $out == *"not a bzImage"* ]]; then pass kernel-not-a-bzimage
else fail kernel-not-a-bzimage "want 2 'not a bzImage', got $rc: $out"; fi

# ---- the real kernel: fetch (cached), then a deadline and one full boot
selftest=build/x86_64/x86/selftest.flat hypercall=build/x86_64/x86/hypercall.flat
markers=build/x86_64/tests/guests/hostile_markers.flat
fetch_out=$("$VMTEST" --fetch 2>&1); fetch_rc=$?
if [ $fetch_rc -ne 0 ]; then
	why=$(tail -n 1 <<<"$fetch_out")
	skip boot-deadline "no kernel under test: $why"
	skip boot-selftest-hypercall "no kernel under test: $why"
	skip boot-hostile-markers "no kernel under test: $why"
elif ! command -v qemu-system-x86_64 >/dev/null; then
	skip boot-deadline "qemu-system-x86_64 missing (scripts/setup.sh)"
	skip boot-selftest-hypercall "qemu-system-x86_64 missing (scripts/setup.sh)"
	skip boot-hostile-markers "qemu-system-x86_64 missing (scripts/setup.sh)"
elif [ ! -f "$selftest" ] || [ ! -f "$hypercall" ] || [ ! -f "$markers" ]; then
	fail boot-selftest-hypercall "$selftest, $hypercall or $markers not built (make)"
else
	t0=$SECONDS
	out=$("$VMTEST" --boot-timeout 2 --log "$tmp/dl" --test early --payload "$selftest" 2>&1)
	rc=$? dt=$((SECONDS - t0))
	st=$(cat "$tmp/dl/early.status" 2>/dev/null)
	if [ $rc -eq 3 ] && [ "$st" = 4 ] && grep -q 'did not finish within 2s' "$tmp/dl/early.out" &&
		[ $dt -lt 30 ]; then
		pass boot-deadline
	else
		fail boot-deadline "want exit 3, status 4 'did not finish within 2s' in < 30 s; got $rc, '$st' after ${dt}s: $(head -n 3 "$tmp/dl/early.out" 2>/dev/null)"
	fi

	t0=$SECONDS
	# two --modparam for one module (values that change no test): both must
	# reach insmod, and the kernel keeps them (it zeroes unsupported ones)
	out=$("$VMTEST" --log "$tmp/log" \
		--modparam kvm_amd:dump_invalid_vmcb=1 --modparam kvm_amd:intercept_smi=0 \
		--modparam kvm_intel:dump_invalid_vmcs=1 --modparam kvm_intel:fasteoi=0 \
		--test selftest --payload "$selftest" \
		--args "mem=64 arg1 arg2=x" --timeout 60 \
		--test hypercall --payload "$hypercall" --timeout 60 \
		--test hostile_markers --payload "$markers" --timeout 30 2>"$tmp/stderr")
	rc=$? dt=$((SECONDS - t0))
	if [ $rc -eq 77 ]; then
		skip boot-selftest-hypercall "vmtest cannot run here: $(tail -n 1 "$tmp/stderr")"
		skip boot-hostile-markers "vmtest cannot run here: $(tail -n 1 "$tmp/stderr")"
	elif [ $rc -ne 0 ]; then
		fail boot-selftest-hypercall "vmtest exit $rc: $(grep -v '^$' "$tmp/stderr" | tail -n 1); $(grep -h '^ERROR' "$tmp"/log/*.out | head -n 2)"
		fail boot-hostile-markers "vmtest exit $rc (see boot-selftest-hypercall)"
	else
		bad=""
		for t in selftest hypercall; do
			line=$(grep "^$t " <<<"$out")
			sum=$(grep -a '^SUMMARY:' "$tmp/log/$t.out" 2>/dev/null)
			if [ "$line" != "$t 1 $tmp/log/$t.out" ] || [[ $sum != *" 0 failed"* ]]; then
				bad+=" $t: '$line' ${sum:-no SUMMARY} ($(grep -a -m 1 -E '^(FAIL|ERROR|SKIP):' "$tmp/log/$t.out"))"
			fi
		done
		# hypercall must have really exited to userspace, not skipped
		grep -q '^PASS: .*nr 12 exits to userspace exactly once' "$tmp/log/hypercall.out" ||
			bad+=" hypercall: no KVM_EXIT_HYPERCALL check passed"
		grep -q '^label=vmtest:' "$tmp/log/vmtest.info" || bad+=" no label in vmtest.info"
		grep -q '^guest_ready=yes' "$tmp/log/vmtest.info" || bad+=" no ready marker"
		case $(sed -n 's/^guest_vendor_module=//p' "$tmp/log/vmtest.info") in
		kvm_amd) want_p="kvm_amd.dump_invalid_vmcb=Y kvm_amd.intercept_smi=N" ;;
		*) want_p="kvm_intel.dump_invalid_vmcs=Y kvm_intel.fasteoi=N" ;;
		esac
		for p in $want_p; do
			grep -qx "guest_param_$p" "$tmp/log/vmtest.info" || bad+=" --modparam ${p%%=*} not applied (vmtest.info lacks guest_param_$p)"
		done
		if [ -z "$bad" ]; then
			pass "boot-selftest-hypercall ($(sed -n 's/^label=//p' "$tmp/log/vmtest.info"), $(sed -n 's/^accel=//p' "$tmp/log/vmtest.info"), ${dt}s)"
		else
			fail boot-selftest-hypercall "$bad"
		fi
		# guest output that forges the console markers stays text of its own
		# test: no file outside the log directory, its FAIL line kept, its
		# status the harness's, no forged facts about the boot
		bad=""
		m=$tmp/log/hostile_markers.out
		for f in "$tmp"/escape.*; do
			[ -e "$f" ] && bad+=" a forged marker wrote $f"
		done
		grep -q "^hostile_markers 3 " <<<"$out" || bad+=" status: '$(grep '^hostile_markers ' <<<"$out")', want 3 (a FAIL)"
		grep -q '^escaped text$' "$m" 2>/dev/null || bad+=" the text after a forged begin left its output"
		grep -q '^FAIL: hostile_markers: this check fails' "$m" 2>/dev/null ||
			bad+=" the FAIL line after a forged end is missing"
		grep -q '^guest_forged=' "$tmp/log/vmtest.info" && bad+=" a forged info line reached vmtest.info"
		if [ -z "$bad" ]; then pass boot-hostile-markers
		else fail boot-hostile-markers "$bad"; fi
	fi
fi

check_done
