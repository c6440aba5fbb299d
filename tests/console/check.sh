#!/usr/bin/env bash
# Console and boot paths of the harness (make check; issue 15):
#  - every x86_64 test in unittests.cfg that can run under the harness here
#    runs twice: the fast path (direct 64-bit entry, console line by line
#    through the CONSOLE op) and the old one (--boot=multiboot
#    --console=bytes: the multiboot 32-bit hand-off, COM1 byte by byte).
#    The consoles must have the same lines in the same order once numbers
#    are masked (exit counts, addresses, latencies differ between runs), and
#    the same exit status (a check listed in errata for this host may pass
#    on one path and fail on the other: its verdict is left out, see
#    known()).  --stats says which path each run took (boot=,
#    console exits), so the two runs are known to differ in what is compared;
#    the fast one must make at most one console exit per line, the old one
#    at least one per byte;
#  - a guest that faults inside report() while its line is being formatted
#    still prints the exception dump (partial_line fault);
#  - a guest that dies in the middle of a line (tests/guests/partial_line:
#    triple fault, deadline, exit port) still shows that partial line, once,
#    on both paths.
# Contract (scripts/check.sh): one line per check, exit 0 when nothing
# failed, last line "N passed, N failed, N skipped".
# shellcheck disable=SC2153 # CMD is set by vmc_build_cmd
set -u
cd "$(dirname "$0")/../.." || exit 2
TOP=$PWD
H=$TOP/build/host/vmc-harness
G=$TOP/build/x86_64/tests/guests
T=$(mktemp -d "${TMPDIR:-/tmp}/vmc-console-check.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT

# shellcheck source=tests/lib.sh disable=SC1091
. "$TOP/tests/lib.sh"
# shellcheck source=scripts/common.sh disable=SC1091
. "$TOP/scripts/common.sh"

SLOW=(--boot=multiboot --console=bytes)
RC_fast=0 RC_slow=0 RC_pl=0 RC_bad=0

# run TAG LIMIT CMD...: stdout in $T/TAG.out, stderr $T/TAG.err, status RC_TAG
run() {
	local tag=$1 limit=$2
	shift 2
	timeout -s KILL "$limit" "$@" </dev/null >"$T/$tag.out" 2>"$T/$tag.err"
	printf -v "RC_$tag" '%d' $?
}

# stat TAG KEY -> REPLY (from the --stats file; "" if absent)
stat() {
	REPLY=$(sed -n "s/^$2=//p" "$T/$1.stats" 2>/dev/null | head -n 1)
}

# mask FILE -> FILE.masked: every 0x-prefixed hex number and every run of
# digits (and hex digits next to them) becomes '#' (a 0x number with no
# decimal digit after the prefix, e.g. a timer count 0xbfffff, included).
# sed over the file: linear, no shell string operations on guest bytes.
mask() {
	LC_ALL=C sed -E 's/0x[0-9a-fA-F]+|[0-9a-fA-F]*[0-9][0-9a-fA-F]*/#/g' "$1" >"$1.masked"
}

# known TAG TEST: in $T/TAG.out, a PASS or FAIL line whose message matches
# an errata entry that holds for TEST under the harness here becomes
# "KNOWN: ...", and exit status 3 (FAIL) becomes 1 when no other FAIL line
# is left: a listed host bug may show in one run and not in the next
# (x86/migrate_trap: kvm_pvm loses a #BP only when a save hits its window),
# so only the verdict of such a check may differ between the two paths.
# The file is the harness's capped console (64 KiB), read line by line.
known() {
	local tag=$1 line msg k fails=0 rcvar=RC_$1
	errata_args "$2" harness kvm x86_64
	[ ${#ERRATA_ARGS[@]} -gt 0 ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		"PASS: "* | "FAIL: "*)
			msg=${line#*: }
			for ((k = 1; k < ${#ERRATA_ARGS[@]}; k += 3)); do
				# shellcheck disable=SC2053 # the errata message field is a glob
				if [[ $msg == ${ERRATA_ARGS[k]} ]]; then
					line="KNOWN: $msg"
					break
				fi
			done ;;
		esac
		[[ $line == "FAIL: "* ]] && fails=$((fails + 1))
		printf '%s\n' "$line"
	done <"$T/$tag.out" >"$T/$tag.known"
	mv "$T/$tag.known" "$T/$tag.out"
	if [ "${!rcvar}" -eq 3 ] && [ $fails -eq 0 ]; then
		printf -v "$rcvar" '%d' 1
	fi
}

# a boot header with a bad entry64: exit 2, the header named (the harness
# checks the payload before it opens /dev/kvm, so this needs no KVM)
bad_boot_header() {
	local off
	off=$(LC_ALL=C grep -obUa VMCB "$G/partial_line.flat" | head -n 1 | cut -d: -f1)
	if [ -z "$off" ]; then
		fail "console: bad boot header" "no VMCB boot header in $G/partial_line.flat"
	else
		cp "$G/partial_line.flat" "$T/badhdr.flat"
		# entry64 (offset 8) = 0xffffffff00000000; magic/version/checksum stay valid
		printf '\x00\x00\x00\x00\xff\xff\xff\xff' |
			dd of="$T/badhdr.flat" bs=1 seek=$((off + 8)) conv=notrunc status=none
		run bad 20 "$H" -t 5 "$T/badhdr.flat"
		if [ "$RC_bad" -eq 2 ] && grep -qF 'vmconform boot header: entry64' "$T/bad.err"; then
			pass "console: a boot header whose entry64 is outside the image is a bad ELF (exit 2)"
		else
			fail "console: bad boot header" "exit $RC_bad, want 2 naming the header: $(head -c 200 "$T/bad.err")"
		fi
		run bad 20 "$H" -t 5 --boot=multiboot "$T/badhdr.flat"
		if [ "$RC_bad" -eq 2 ]; then
			pass "console: the bad boot header is refused with --boot=multiboot too"
		else
			fail "console: bad boot header, --boot=multiboot" "exit $RC_bad, want 2"
		fi
	fi
}

if [ ! -x "$H" ] || [ ! -f "$G/partial_line.flat" ]; then
	fail "console: build" "$H or $G/partial_line.flat not built (make)"
	check_done
fi
if ! vmc_kvm_usable; then
	skip "console: every check that boots a guest" "needs a usable ${VMC_KVM_DEV:-/dev/kvm} (read-write)"
	bad_boot_header
	check_done
fi

cfg_parse unittests.cfg || { fail "console: unittests.cfg" "does not parse"; check_done; }
errata_parse errata || { fail "console: errata" "does not parse"; check_done; }
for t in "${CFG_TESTS[@]}"; do
	cfg_get "$t" arch x86_64; [ "$REPLY" = x86_64 ] || continue
	cfg_get "$t" runner any; [ "$REPLY" = qemu ] && continue
	if ! vmc_check_caps "$t" harness kvm; then
		skip "console: $t" "$REPLY"
		continue
	fi
	test_artefact "$t"
	if [ ! -f "$REPLY" ]; then
		fail "console: $t" "$REPLY not built (make)"
		continue
	fi
	cfg_get "$t" timeout 90; tmo=$REPLY
	vmc_build_cmd "$t" harness kvm "$tmo" "$T/exits" || { fail "console: $t" "$REPLY"; continue; }
	fast=("$H" --stats "$T/fast.stats" "${CMD[@]:1}")
	slow=("$H" --stats "$T/slow.stats" "${SLOW[@]}" "${CMD[@]:1}")
	rm -f "$T/fast.stats" "$T/slow.stats"
	run fast $((tmo + 10)) "${fast[@]}"
	run slow $((tmo + 10)) "${slow[@]}"
	bytes=$(wc -c <"$T/slow.out")	# what the guest sent, before known()
	known fast "$t"
	known slow "$t"
	mask "$T/fast.out"
	mask "$T/slow.out"
	stat fast boot; fboot=$REPLY
	stat slow boot; sboot=$REPLY
	stat fast exits_console; fcon=${REPLY:-0}
	stat slow exits_console; scon=${REPLY:-0}
	lines=$(wc -l <"$T/fast.out")
	if ! grep -q '^SUMMARY: ' "$T/fast.out"; then
		fail "console: $t" "no SUMMARY line on the fast path (exit $RC_fast): $(tail -c 300 "$T/fast.err")"
	elif [ "$fboot" != direct64 ] || [ "$sboot" != multiboot ]; then
		fail "console: $t" "boot paths: fast '$fboot' (want direct64), old '$sboot' (want multiboot)"
	elif [ "$RC_fast" -ne "$RC_slow" ]; then
		fail "console: $t" "exit status $RC_fast on the fast path, $RC_slow on the old one"
	elif ! cmp -s "$T/fast.out.masked" "$T/slow.out.masked"; then
		fail "console: $t" "console differs (numbers masked): $(diff "$T/slow.out.masked" "$T/fast.out.masked" | head -n 6 | tr '\n' ' ')"
	elif [ "$fcon" -gt "$((lines + bytes / 1024 + 1))" ]; then
		fail "console: $t" "$fcon console exits for $lines lines on the line path (want <= 1 per line)"
	elif [ "$scon" -lt "$bytes" ]; then
		fail "console: $t" "only $scon console exits for $bytes bytes with --console=bytes (the old path did not run)"
	else
		pass "console: $t: same $lines lines (numbers masked) and exit $RC_fast; direct64 + $fcon console exits vs multiboot + $scon"
	fi
done

# a guest dying mid-line: the partial line must still be there, exactly once
for mode in triple hang exit; do
	case $mode in
	triple) want=4 ;;
	hang) want=124 ;;
	exit) want=1 ;;
	esac
	for path in fast slow; do
		if [ $path = fast ]; then opt=(); else opt=("${SLOW[@]}"); fi
		run pl 20 "$H" -t 1 "${opt[@]}" "$G/partial_line.flat" "$mode"
		text="partial-line-$mode: no newline yet"
		n=$(grep -cF -- "$text" "$T/pl.out")
		if [ "$RC_pl" -ne "$want" ]; then
			fail "console: partial line, $mode, $path path" "exit $RC_pl, want $want: $(head -c 200 "$T/pl.err")"
		elif [ "$n" -ne 1 ] || ! tail -c "${#text}" "$T/pl.out" | cmp -s - <(printf '%s' "$text"); then
			fail "console: partial line, $mode, $path path" "stdout ends '$(tail -c 60 "$T/pl.out" | tr -c '[:print:]' '?')', want '$text' once (seen $n times)"
		else
			pass "console: partial line, $mode, $path path: the guest's last partial line is printed once"
		fi
	done
done

# a fault while report() formats its line (straight into the CONSOLE block
# on the fast path): the dump must print, after the partial line, well
# before the 1 s deadline (not a TIMEOUT: the console lock the formatter
# held is dropped by the dump)
for path in fast slow; do
	if [ $path = fast ]; then opt=(); else opt=("${SLOW[@]}"); fi
	run pl 20 "$H" -t 1 "${opt[@]}" "$G/partial_line.flat" fault
	if [ "$RC_pl" -eq 124 ] || ! grep -qF 'partial-line-fault: no newline yetUNEXPECTED EXCEPTION vector 13' "$T/pl.out"; then
		fail "console: fault while formatting, $path path" "exit $RC_pl, stdout ends '$(tail -c 80 "$T/pl.out" | tr -c '[:print:]' '?')'"
	elif grep -qF 'never printed' "$T/pl.out"; then
		fail "console: fault while formatting, $path path" "the half-formatted line was printed"
	else
		pass "console: fault while formatting, $path path: the exception dump follows the partial line (exit $RC_pl)"
	fi
done

bad_boot_header

check_done
