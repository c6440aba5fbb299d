#!/usr/bin/env bash
# Harness robustness tests (make check), for both build/host/vmc-harness and
# the ASan/UBSan build build/host/vmc-harness-asan:
#  - a malformed-ELF corpus made at test time by mkbadelf (truncated, wrong
#    class/machine, PN_XNUM program header counts, segments outside RAM, in
#    the legacy hole [640 KiB, 1 MiB) or overlapping, huge memsz, entry
#    outside the segments, empty file, ...): each must end with exit 2 and
#    a message naming the problem, never a crash; two valid files from the
#    same generator must boot (exit 1), so the bad ones fail for their reason;
#  - hostile fixture guests (tests/guests/hostile_*.c): malformed channel
#    requests (PASS: the guest checks the error codes itself), the channel's
#    rules on padding, output buffers overlapping the block, the client
#    version and a block rewritten while it is served (hostile_chanrules,
#    with VMC_HARNESS_REWRITE_OP for the last: HELLO and every op of the
#    coalesced, exception, memslot and SNP families), console and
#    LOG flood (output capped, one note, verdict kept; nothing lost through a pipe
#    that stalls while the kick timer fires), triple fault (ERROR naming
#    SHUTDOWN), unowned port (ERROR), an exit-ring overrun between EXIT_MARK
#    and EXIT_READ (lost = 1, only real exits returned), the coalesced /
#    exception / memslot families' own checks (k420_bookkeeping, with the
#    COALESCED lines of --exit-log; also the memslot scratch VM: SLOT_SET's
#    vm selector refusing 2 / 0x80000000, its slots not counted, kept across
#    a MIGRATE, SCRATCH_DESTROY's count and field checks), tight loop and busy
#    loop (TIMEOUT by the progress watchdog and by the deadline), VMCALL on
#    kvm_pvm (TIMEOUT although KVM_RUN never returns by itself);
#  - the boot state: FS and GS are null (a load through them in 32-bit code
#    is #GP(0)) with --boot direct as with --boot multiboot (boot_nullseg);
#  - -smp 2 (vCPU 1 started through the in-kernel LAPIC, its exits logged
#    under its own number); an --exit-log longer than the exit ring, and
#    one capped at the first and last --exit-log-cap exits (console flood);
#  - the reason line after a partial console line (hostile_nonl); a
#    TEST_ASSERT on a vCPU thread ending the run through the normal path;
#  - option and usage errors (exit 2), --host-info keys, x86/channel;
#  - migration: --save / --restore of x86/migrate and of
#    tests/guests/mig_families (the families' state a guest observes comes
#    through the file), damaged files (truncated, corrupted, version 1, a
#    family record cut, altered or missing: migedit) exit 2 naming it;
#    mig_coalesced_smp: vCPU 1's coalesced writes all reach the exit log
#    through migrations (the ring is drained before a save);
#    mig_usercall_smp: vCPU 1's CPL-3 calls (lib/x86/usermode.c) all come
#    back with their result through migrations;
#  - the ThreadSanitizer build (vmc-harness-tsan): vCPU threads started and
#    stopped at once with -smp 4, no data race reported.
# Every run is bounded by `timeout -s KILL` (a kill shows as 137, distinct
# from the harness's own TIMEOUT 124) and must not print a sanitizer report.
# Runs needing /dev/kvm SKIP with the reason when it is not usable.
# Contract (scripts/check.sh): one line per check, exit 0 when nothing
# failed, last line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.." || exit 2
TOP=$PWD
B=$TOP/build/host
G=$TOP/build/x86_64/tests/guests
T=$(mktemp -d "${TMPDIR:-/tmp}/vmc-harness-check.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT

# shellcheck source=tests/lib.sh disable=SC1091
. "$TOP/tests/lib.sh"

export ASAN_OPTIONS=abort_on_error=0:exitcode=99:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:exitcode=98:print_stacktrace=1

# run LIMIT HARNESS ARGS...: stdout in $T/out, stderr in $T/err, status in RC,
# wall time in MS
run() {
	local limit=$1 t0=${EPOCHREALTIME/./}
	shift
	timeout -s KILL "$limit" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
}

# sane NAME: no crash, no sanitizer report; returns 1 (and FAILs) otherwise
sane() {
	if [ "$RC" -eq 137 ]; then
		fail "$1" "killed after its time limit (the harness hung)"
	elif [ "$RC" -ge 128 ] || [ "$RC" -eq 99 ] || [ "$RC" -eq 98 ] ||
		grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/err"; then
		fail "$1" "crashed or sanitizer report (status $RC): $(grep -m1 -E 'Sanitizer|runtime error|ERROR' "$T/err")"
	else
		return 0
	fi
	return 1
}

# expect NAME WANT_RC [STDERR_FRAGMENT [STDOUT_FRAGMENT [STDERR_FRAGMENT2]]]
expect() {
	local name=$1 want=$2 efrag=${3:-} ofrag=${4:-} efrag2=${5:-}
	sane "$name" || return
	if [ "$RC" -ne "$want" ]; then
		fail "$name" "exit $RC, want $want: $(head -c 300 "$T/err")"
	elif [ -n "$efrag2" ] && ! grep -qF -- "$efrag2" "$T/err"; then
		fail "$name" "stderr lacks '$efrag2': $(head -c 300 "$T/err")"
	elif [ -n "$efrag" ] && ! grep -qF -- "$efrag" "$T/err"; then
		fail "$name" "stderr lacks '$efrag': $(head -c 300 "$T/err")"
	elif [ -n "$ofrag" ] && ! grep -qF -- "$ofrag" "$T/out"; then
		fail "$name" "stdout lacks '$ofrag': $(tail -c 300 "$T/out")"
	else
		pass "$name"
	fi
}

builds=()
for h in vmc-harness vmc-harness-asan; do
	if [ -x "$B/$h" ]; then
		# a binary older than its sources would test old code
		newer=$(find harness lib/status.h lib/*-abi.h lib/x86/*-abi.h \
			-newer "$B/$h" -name '*.[ch]' 2>/dev/null | head -n 1)
		if [ -n "$newer" ]; then
			fail "$h" "stale: $newer is newer than $B/$h (make $B/$h)"
		else
			builds+=("$h")
		fi
	else
		skip "$h" "not built (make $B/$h)"
	fi
done

# the checks below that run the plain build directly need a current one
if [[ " ${builds[*]} " != *" vmc-harness "* ]]; then
	check_done
fi

kvm_ok=yes kvm_why=""
if ! { exec 3<>/dev/kvm; } 2>/dev/null; then
	kvm_ok=no
	kvm_why="/dev/kvm not usable ($(ls -l /dev/kvm 2>&1)); run as a user with access to a KVM host"
else
	exec 3>&-
fi

# ------------------------------------------------------------------ ELF corpus
if [ -x "$B/tests/harness/mkbadelf" ] && mkdir -p "$T/corpus" &&
	"$B/tests/harness/mkbadelf" "$T/corpus" >"$T/manifest"; then
	for h in "${builds[@]}"; do
		while IFS=$'\t' read -r name want frag; do
			if [ "$want" -ne 2 ] && [ $kvm_ok = no ]; then
				skip "$h: elf $name boots" "$kvm_why"
				continue
			fi
			run 20 "$B/$h" -t 10 "$T/corpus/$name.elf"
			if [ "$want" -eq 2 ]; then
				expect "$h: elf $name -> exit 2 naming '$frag'" 2 "bad ELF: " "" "$frag"
			else
				expect "$h: elf $name boots (control) -> exit $want" "$want"
			fi
		done <"$T/manifest"
	done
else
	fail "elf corpus" "mkbadelf missing or failed (make $B/tests/harness/mkbadelf)"
fi

# ------------------------------------------------------------- usage errors
for h in "${builds[@]}"; do
	run 10 "$B/$h"
	expect "$h: no payload -> exit 2" 2 "no payload"
	run 10 "$B/$h" --bogus x.flat
	expect "$h: unknown option -> exit 2" 2 "unknown option"
	run 10 "$B/$h" -m 0 x.flat
	expect "$h: -m 0 -> exit 2" 2 "-m: bad value"
	run 10 "$B/$h" -t abc x.flat
	expect "$h: -t abc -> exit 2" 2 "-t: bad value"
	run 10 "$B/$h" "$T/does-not-exist.flat"
	expect "$h: missing payload file -> exit 2" 2 "No such file"
	run 10 "$B/$h" -h
	expect "$h: -h -> exit 0 with usage" 0 "" "usage: vmc-harness"
done

# ------------------------------------------------------------ --vm-type=snp
# (harness/snp-vm.c) usage errors, and the SKIP on a host without SNP: exit
# 77 with what is needed and the kernel's own VM_TYPES answer
for h in "${builds[@]}"; do
	run 10 "$B/$h" --vm-type=bogus x.flat
	expect "$h: --vm-type=bogus -> exit 2" 2 "--vm-type: bad value"
	run 10 "$B/$h" --vm-type=snp -smp 2 "$G/allskip.flat"
	expect "$h: --vm-type=snp -smp 2 -> exit 2" 2 "one vCPU only"
	if [ $kvm_ok = no ]; then
		skip "$h: --vm-type=snp SKIP on a non-SNP host" "$kvm_why"
	elif grep -qsx '[Y1]' /sys/module/kvm_amd/parameters/sev_snp; then
		skip "$h: --vm-type=snp SKIP on a non-SNP host" "this host has kvm_amd sev_snp=Y (cfg snp-harness runs there)"
	else
		run 30 "$B/$h" --vm-type=snp "$G/allskip.flat"
		expect "$h: --vm-type=snp on a non-SNP host -> exit 77 naming what is needed" 77 "" \
			"SKIP: vmc-harness --vm-type=snp: needs an AMD EPYC host with SEV-SNP enabled in KVM (kvm_amd sev_snp=Y"
		if [ "$RC" -eq 77 ] && ! grep -qE 'KVM_CAP_VM_TYPES\) = (0|0x[0-9a-f]+) \(' "$T/out"; then
			fail "$h: --vm-type=snp SKIP gives the kernel's VM_TYPES answer" "$(head -c 300 "$T/out")"
		elif [ "$RC" -eq 77 ]; then
			pass "$h: --vm-type=snp SKIP gives the kernel's VM_TYPES answer"
		fi
	fi
done

# ------------------------------------------------------------ --host-info
run 10 "$B/vmc-harness" --host-info
if sane "host-info" && [ "$RC" -eq 0 ]; then
	missing=""
	for k in kvm flavor vmx_svm channel_version; do
		grep -qE "^$k=" "$T/out" || missing="$missing $k"
	done
	if [ $kvm_ok = yes ]; then
		for k in api_version cap_user_space_msr cap_msr_filter cap_exit_hypercall; do
			grep -qE "^$k=" "$T/out" || missing="$missing $k"
		done
	fi
	bad=$(grep -cvE '^[a-z0-9_]+=[^ ]*$' "$T/out")
	if [ -n "$missing" ] || [ "$bad" -ne 0 ]; then
		fail "host-info prints key=value lines" "missing:$missing; $bad malformed lines"
	else
		pass "host-info prints key=value lines with the documented keys"
	fi
	if [ -d /sys/module/kvm_pvm ]; then
		if grep -qx 'flavor=kvm_pvm' "$T/out" && grep -qx 'vmx_svm=no' "$T/out"; then
			pass "host-info: kvm_pvm host says flavor=kvm_pvm vmx_svm=no"
		else
			fail "host-info: kvm_pvm flavor" "$(tr '\n' ' ' <"$T/out")"
		fi
	fi
else
	fail "host-info" "exit $RC"
fi

# ------------------------------------------------------------ hostile guests
# guest NAME LIMIT WANT_RC STDERR_FRAGMENT [harness args -- guest args]
guest() {
	local name=$1 limit=$2 want=$3 frag=$4 h
	shift 4
	local hargs=() gargs=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do hargs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	gargs=("$@")
	if [ ! -f "$G/$name.flat" ]; then
		fail "guest $name" "$G/$name.flat not built (make)"
		return
	fi
	for h in "${builds[@]}"; do
		if [ $kvm_ok = no ]; then
			skip "$h: $name ${gargs[*]}" "$kvm_why"
			continue
		fi
		run "$limit" "$B/$h" "${hargs[@]}" "$G/$name.flat" "${gargs[@]}"
		expect "$h: $name ${gargs[*]} -> exit $want${frag:+ ($frag)}" "$want" "$frag"
		LAST_MS=$MS
	done
}

# the boot state: FS = GS = null and unusable on the direct entry as on multiboot
guest boot_nullseg 20 1 "" -t 10 --boot direct -- direct
guest boot_nullseg 20 1 "" -t 10 --boot multiboot -- multiboot
guest hostile_badreq 60 1 "" -t 50
guest hostile_ring 60 1 "" -t 50
guest hostile_chanrules 30 1 "" -t 20
# HELLO and every op of families 0x05-0x08 rewritten while served
rw_ops=1,0x501,0x502,0x601,0x602,0x603,0x701,0x702,0x703,0x704,0x801,0x802
VMC_HARNESS_REWRITE_OP=$rw_ops guest hostile_chanrules 30 1 "" -t 20 -- rewrite
# coalesced / exception / memslot families: the harness's bookkeeping; the
# drained ring entries must be in --exit-log as COALESCED lines, in order
guest k420_bookkeeping 60 1 "" -t 50 --exit-log "$T/k420.exits"
if [ $kvm_ok = yes ]; then
	if [ "$(awk '$3 == "COALESCED" && $4 == "0xe0" { printf "%s,", $7 }' \
		"$T/k420.exits" 2>/dev/null)" = "0x1,0x2,0x3," ]; then
		pass "k420_bookkeeping: --exit-log has the 3 ring entries as COALESCED lines, in order"
	else
		fail "k420_bookkeeping --exit-log" "COALESCED lines for port 0xe0 are not 0x1,0x2,0x3"
	fi
fi
guest hostile_triple 20 4 "SHUTDOWN (triple fault)" -t 10
guest hostile_port 20 4 "OUT port 0x80" -t 10
guest hostile_port 20 4 "no status of lib/status.h" -t 10 -- exitval 38
guest hostile_port 20 5 "" -t 10 -- exitval 2
guest hostile_loop 20 124 "made no progress" -t 10 --stall 1 -- tight
guest hostile_loop 20 124 "deadline of 2 s passed" -t 2 --stall 0 -- busy
if [ -d /sys/module/kvm_pvm ]; then
	LAST_MS=""
	guest hostile_vmcall 20 124 "TIMEOUT" -t 3
	if [ -n "$LAST_MS" ] && [ "$LAST_MS" -lt 8000 ]; then
		pass "hostile_vmcall ended within its 3 s deadline (+ grace) (${LAST_MS} ms)"
	elif [ -n "$LAST_MS" ]; then
		fail "hostile_vmcall deadline" "took ${LAST_MS} ms for a 3 s deadline"
	fi
else
	skip "hostile_vmcall" "only a hang fixture on kvm_pvm (spec E.3); this host has no /sys/module/kvm_pvm"
fi

# the guest's last console output has no newline when the run ends badly:
# in stdout and stderr merged (what the runner reads) the reason line must
# start a line and be complete (docs/results.md)
for h in "${builds[@]}"; do
	for c in "triple 4 ERROR: unhandled exit SHUTDOWN on vcpu0 at RIP 0x*: SHUTDOWN (triple fault)" \
		"port 4 ERROR: unhandled exit IO on vcpu0: OUT port 0x80 size 1 count 1, no device at that port" \
		"tight 124 TIMEOUT: vcpu0 made no progress for *s (no exits, RIP stuck at 0x*)" \
		"busy 124 TIMEOUT: deadline of 2 s passed (-t)"; do
		read -r how want line <<<"$c"
		if [ $kvm_ok = no ]; then
			skip "$h: partial line then $how" "$kvm_why"
			continue
		fi
		timeout -s KILL 20 "$B/$h" -t 2 --stall 1 "$G/hostile_nonl.flat" "$how" >"$T/out" 2>&1
		RC=$?
		cp "$T/out" "$T/err"
		sane "$h: partial line then $how" || continue
		got=$(grep -a -m1 -E '^(ERROR|TIMEOUT): ' "$T/out")
		# shellcheck disable=SC2053 # $line is a glob on purpose
		if [ "$RC" -eq "$want" ] && [[ $got == $line ]]; then
			pass "$h: partial console line then $how: exit $want, reason on its own line"
		else
			fail "$h: partial console line then $how" "exit $RC (want $want), reason line '$got', output: $(tail -c 300 "$T/out" | tr '\n' '|')"
		fi
	done
done

# a TEST_ASSERT on a vCPU thread (injected at the 3rd channel request, with
# the channel lock held; VMC_HARNESS_FAIL_AT, harness/channel.c) ends the
# run through the normal path: exit 4, one reason line with expression,
# file:line and errno, the vCPU's register dump, and the exit log written
# up to the request that failed (its channel OUT is the last line); with
# --console bytes, so that console lines (CONSOLE requests) are not counted
for h in "${builds[@]}"; do
	if [ $kvm_ok = no ]; then
		skip "$h: TEST_ASSERT on a vCPU thread" "$kvm_why"
		continue
	fi
	rm -f "$T/exits"
	VMC_HARNESS_FAIL_AT=chan:3 run 20 "$B/$h" -t 10 --console bytes --exit-log "$T/exits" "$G/hostile_badreq.flat"
	sane "$h: TEST_ASSERT on a vCPU thread" || continue
	reason=$(grep -m1 '^ERROR: ' "$T/err")
	last=$(tail -n 1 "$T/exits" 2>/dev/null)
	if [ "$RC" -ne 4 ]; then
		fail "$h: TEST_ASSERT on a vCPU thread" "exit $RC, want 4: $(head -c 300 "$T/err")"
	elif [[ $reason != "ERROR: harness assertion failed: nr_requests != fail_at_request() at harness/channel.c:"[0-9]*": errno "[0-9]*" ("*"): channel request 3: failure injected"* ]]; then
		fail "$h: TEST_ASSERT reason line" "'$reason'"
	elif ! grep -q '^vcpu0 registers' "$T/err"; then
		fail "$h: TEST_ASSERT on a vCPU thread dumps its registers" "$(head -c 300 "$T/err")"
	elif [[ $last != *" 0 IO 0xf8 4 0x1 "* ]] || [ "$(grep -c ' IO 0xf8 4 0x1 ' "$T/exits")" -ne 3 ]; then
		fail "$h: TEST_ASSERT on a vCPU thread writes the exit log" "last line '$last', $(grep -c ' IO 0xf8 4 0x1 ' "$T/exits" 2>/dev/null) channel OUTs (want 3)"
	else
		pass "$h: TEST_ASSERT on a vCPU thread: exit 4, reason line, register dump, exit log up to the failing request"
	fi
done

# console flood: cap 64 KiB, flood 256 KiB
cap=65536
for h in "${builds[@]}"; do
	if [ $kvm_ok = no ]; then
		skip "$h: console flood" "$kvm_why"
		continue
	fi
	run 60 "$B/$h" -t 50 --console-cap $cap "$G/hostile_flood.flat" 256
	if sane "$h: console flood"; then
		size=$(wc -c <"$T/out")
		notes=$(grep -c 'console output truncated' "$T/out")
		if [ "$RC" -ne 1 ]; then
			fail "$h: console flood keeps the verdict" "exit $RC, want 1"
		elif [ "$notes" -ne 1 ] || [ "$size" -gt $((cap + 200)) ] || [ "$size" -lt $cap ]; then
			fail "$h: console flood capped" "stdout $size bytes, $notes truncation notes (cap $cap)"
		else
			pass "$h: console flood capped at $cap bytes with one note, verdict PASS kept"
		fi
	fi
done

# the same flood through the channel's LOG op (the harness's stderr): the
# same cap, one note, verdict kept
for h in "${builds[@]}"; do
	if [ $kvm_ok = no ]; then
		skip "$h: LOG flood" "$kvm_why"
		continue
	fi
	run 60 "$B/$h" -t 50 --console-cap $cap "$G/hostile_flood.flat" 256 log
	if sane "$h: LOG flood"; then
		size=$(wc -c <"$T/err")
		notes=$(grep -c 'guest log output truncated' "$T/err")
		if [ "$RC" -ne 1 ]; then
			fail "$h: LOG flood keeps the verdict" "exit $RC, want 1"
		elif [ "$notes" -ne 1 ] || [ "$size" -gt $((cap + 4096)) ]; then
			fail "$h: LOG flood capped" "stderr $size bytes, $notes truncation notes (cap $cap)"
		else
			pass "$h: LOG flood capped at $cap bytes of text with one note, verdict PASS kept"
		fi
	fi
done

# stalled_pipe NAME KIB [HARNESS OPTIONS...]: hostile_flood prints KIB lines
# of 1023 x's into a pipe that is not read for 2 s; no byte may be lost
stalled_pipe() {
	local name=$1 kib=$2 lines
	shift 2
	if [ $kvm_ok = no ]; then
		skip "$name" "$kvm_why"
		return
	fi
	timeout -s KILL 60 "$B/vmc-harness" -t 50 "$@" "$G/hostile_flood.flat" "$kib" 2>"$T/err" |
		(sleep 2; cat >"$T/out")
	RC=${PIPESTATUS[0]}
	sane "$name" || return
	lines=$(grep -c '^x\{1023\}$' "$T/out")
	if [ "$RC" -eq 1 ] && [ "$lines" -eq "$kib" ] && grep -q '^SUMMARY: 1 tests, 0 failed' "$T/out"; then
		pass "$name: all $kib KiB and the SUMMARY arrive"
	else
		fail "$name" "exit $RC, $lines of $kib lines, $(wc -c <"$T/out") bytes"
	fi
}

# line console: the writes block with the pipe full while the 200 ms kick
# timer keeps firing (the kick must not interrupt write() - stdio would drop
# the buffer)
stalled_pipe "console through a stalled pipe" 1024
# --console=bytes: there the write() happens outside any channel request,
# with the kick signal unblocked; it must be restarted (SA_RESTART), not cut
# short.  128 KiB, more than the pipe holds.
stalled_pipe "COM1 byte console through a stalled pipe" 128 --console=bytes

# -smp 2: one thread per vCPU, vCPU 1 started by the guest through the
# in-kernel LAPIC, its exits logged under its own number; -smp 1: SKIP
for h in "${builds[@]}"; do
	if [ $kvm_ok = no ]; then
		skip "$h: harness_smp" "$kvm_why"
		continue
	fi
	run 30 "$B/$h" -t 20 -smp 2 "$G/harness_smp.flat"
	expect "$h: -smp 2 starts vCPU 1 and logs its exits as vCPU 1" 1 "" \
		"SUMMARY: 3 tests, 0 failed"
	run 30 "$B/$h" -t 20 "$G/harness_smp.flat"
	expect "$h: harness_smp without -smp 2 SKIPs" 5 "" "SKIP: AP start-up"
done

# --exit-log is written at the end of the run from the ring and its spill
# file: more exits than the ring holds (65536) must all be there, in order
if [ $kvm_ok = no ]; then
	skip "exit log over the ring size" "$kvm_why"
else
	run 60 "$B/vmc-harness" -t 50 --exit-log "$T/exits" "$G/bench_exits.flat" n=40000
	if sane "exit log over the ring size" && [ "$RC" -eq 1 ]; then
		# every exit of the run is a line, seq 0.. without gaps, and the
		# last one is the OUT to the exit port
		got=$(awk '!/^#/ { if ($1 != n) bad = 1; n++ } END { print n, bad + 0 }' "$T/exits")
		last=$(tail -n 1 "$T/exits")
		if [ "${got#* }" = 0 ] && [ "${got% *}" -gt 80000 ] && [[ $last == *" IO 0xf4 "* ]]; then
			pass "exit log keeps all ${got% *} exits in order past the 65536-entry ring"
		else
			fail "exit log over the ring size" "lines/gap '$got', last '$last'"
		fi
	else
		fail "exit log over the ring size" "bench_exits exit $RC"
	fi
fi

# the exit log is capped like the console: a 256 KiB console flood (one exit
# per byte, > 262144 exits) leaves by default at most the first and last
# 65536 exits plus one note; with --exit-log-cap 1000 exactly seq 0..999,
# "# D exits dropped" with D = total - 2000, then the last 1000 in order,
# ending with the OUT to the exit port; --console bytes makes every console
# byte of the flood one exit (the line console would send one per line)
if [ $kvm_ok = no ]; then
	skip "exit log capped" "$kvm_why"
else
	run 60 "$B/vmc-harness" -t 50 --console bytes --exit-log "$T/exits" "$G/hostile_flood.flat" 256
	if sane "exit log capped (default)"; then
		lines=$(grep -vc '^#' "$T/exits")
		notes=$(grep -c '^# [0-9]* exits dropped here' "$T/exits")
		if [ "$RC" -eq 1 ] && [ "$lines" -eq 131072 ] && [ "$notes" -eq 1 ]; then
			pass "exit log of a console flood capped at 2 x 65536 exits with one note"
		else
			fail "exit log capped (default)" "exit $RC, $lines exit lines (want 131072), $notes notes, $(wc -c <"$T/exits") bytes"
		fi
	fi
	run 60 "$B/vmc-harness" -t 50 --console bytes --exit-log-cap 1000 --exit-log "$T/exits" "$G/hostile_flood.flat" 256
	if sane "exit log capped (--exit-log-cap 1000)"; then
		# seq of every line in order; the note's count must close the gap
		got=$(awk '/^# [0-9]+ exits dropped here/ { d = $2; nd++; next }
			/^#/ { next }
			{ if (n < 1000) { if ($1 != n) bad = 1 } else if (n == 1000) { t = $1 } else if ($1 != prev + 1) bad = 1
			  prev = $1; n++ }
			END { print n, nd + 0, bad + 0, (t == 1000 + d) ? "ok" : "gap " t " vs " d }' "$T/exits")
		last=$(tail -n 1 "$T/exits")
		if [ "$RC" -eq 1 ] && [ "$got" = "2000 1 0 ok" ] && [[ $last == *" IO 0xf4 "* ]]; then
			pass "--exit-log-cap 1000: seq 0..999, one note with the number dropped, the last 1000 in order"
		else
			fail "exit log capped (--exit-log-cap 1000)" "exit $RC, lines/notes/bad/gap '$got', last '$last'"
		fi
	fi
fi

# ThreadSanitizer build: the vCPU threads and main share only synchronised
# state.  A guest whose first instruction ends the run, with -smp 4, makes
# vCPU 0 call run_finish (which kicks every vCPU) while main is still
# starting the others (v->thread/v->started were written unguarded).
if [ ! -x "$B/vmc-harness-tsan" ]; then
	skip "vmc-harness-tsan" "not built (make $B/vmc-harness-tsan)"
elif [ -n "$(find harness lib/status.h lib/*-abi.h lib/x86/*-abi.h -newer "$B/vmc-harness-tsan" -name '*.[ch]' 2>/dev/null | head -n 1)" ]; then
	fail "vmc-harness-tsan" "stale (make $B/vmc-harness-tsan)"
elif [ $kvm_ok = no ]; then
	skip "vmc-harness-tsan: -smp 4 start and stop" "$kvm_why"
elif run 10 "$B/vmc-harness-tsan" -h && [ "$RC" -ne 0 ]; then
	skip "vmc-harness-tsan: -smp 4 start and stop" "ThreadSanitizer cannot run on this host (vmc-harness-tsan -h: exit $RC, $(head -c 200 "$T/err"))"
else
	races=0 bad=""
	for _ in 1 2 3 4 5; do
		TSAN_OPTIONS=halt_on_error=0:exitcode=66 run 30 "$B/vmc-harness-tsan" -t 10 -smp 4 \
			"$T/corpus/good32.elf"
		grep -q 'WARNING: ThreadSanitizer' "$T/err" && races=$((races + 1))
		[ "$RC" -ne 1 ] && bad="$bad $RC"
	done
	if [ $races -eq 0 ] && [ -z "$bad" ]; then
		pass "vmc-harness-tsan: -smp 4, run ended at once, 5 runs: no data race"
	else
		fail "vmc-harness-tsan: -smp 4 start and stop" "$races of 5 runs with a TSan report, exit statuses:$bad ($(grep -m1 -A3 'WARNING: ThreadSanitizer' "$T/err" | tr '\n' '|'))"
	fi
fi

# x86/channel under both builds
if [ -f "$TOP/build/x86_64/x86/channel.flat" ]; then
	for h in "${builds[@]}"; do
		if [ $kvm_ok = no ]; then
			skip "$h: x86/channel" "$kvm_why"
			continue
		fi
		run 60 "$B/$h" -t 50 "$TOP/build/x86_64/x86/channel.flat"
		expect "$h: x86/channel passes" 1 "" "SUMMARY: "
		grep -q '^FAIL' "$T/out" && fail "$h: x86/channel checks" "$(grep -m3 '^FAIL' "$T/out")"
	done
else
	fail "x86/channel" "build/x86_64/x86/channel.flat not built"
fi

# migration (docs/migration.md): --save writes the stream at every
# migration; a fresh process --restore's the last one and the guest
# finishes PASS there; a bad file is a clear exit 2, never a crash;
# --migrate-every 1 keeps x86/channel's verdict
M=$TOP/build/x86_64/x86/migrate.flat
if [ ! -f "$M" ]; then
	fail "migration" "$M not built"
elif [ $kvm_ok = no ]; then
	skip "migration save/restore" "$kvm_why"
else
	for h in "${builds[@]}"; do
		rm -f "$T/vm.sav"
		run 120 "$B/$h" -t 100 -smp 2 --save "$T/vm.sav" "$M"
		expect "$h: migrate -smp 2 --save passes" 1 "" "SUMMARY: "
		if [ ! -s "$T/vm.sav" ]; then
			fail "$h: --save wrote the stream" "$T/vm.sav missing or empty"
			continue
		fi
		run 120 "$B/$h" -t 100 --restore "$T/vm.sav"
		expect "$h: --restore in a fresh process: the guest finishes PASS" 1 "" "SUMMARY: "
		size=$(stat -c %s "$T/vm.sav")
		head -c $((size - 100)) "$T/vm.sav" >"$T/trunc.sav"
		cp "$T/vm.sav" "$T/flip.sav"
		printf '\x5a' | dd of="$T/flip.sav" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
		{ head -c 8 "$T/vm.sav"; printf '\x01'; tail -c +10 "$T/vm.sav"; } >"$T/version.sav"
		: >"$T/empty.sav"
		run 20 "$B/$h" --restore "$T/trunc.sav"
		expect "$h: --restore of a truncated file: exit 2" 2 "truncated"
		run 20 "$B/$h" --restore "$T/flip.sav"
		expect "$h: --restore of a corrupted file: exit 2" 2 "checksum mismatch"
		run 20 "$B/$h" --restore "$T/version.sav"
		expect "$h: --restore of a version 1 stream: exit 2 naming both versions" 2 \
			"stream version 1, this harness reads version 2"
		run 20 "$B/$h" --restore "$T/empty.sav"
		expect "$h: --restore of an empty file: exit 2" 2 "not a vmc-harness migration stream"
		run 20 "$B/$h" --restore "$T/missing.sav"
		expect "$h: --restore of a missing file: exit 2" 2 "No such file"
	done
	# the families' state through the file (tests/guests/mig_families.c):
	# checks after its last migration pass live and again after --restore;
	# a damaged family record (re-framed by migedit: length and checksum
	# right) is exit 2 naming it
	F=$G/mig_families.flat E=$B/tests/harness/migedit
	if [ ! -f "$F" ] || [ ! -x "$E" ]; then
		fail "mig_families" "$F or $E not built (make)"
	else
		for h in "${builds[@]}"; do
			rm -f "$T/fam.sav"
			run 60 "$B/$h" -t 50 --save "$T/fam.sav" "$F"
			expect "$h: mig_families live with --save passes" 1 "" "SUMMARY: 11 tests, 0 failed"
			run 60 "$B/$h" -t 50 --restore "$T/fam.sav"
			expect "$h: mig_families after --restore: exit log, EXPECT, scratch, coalesced zones, exception cap and pending #PF, MSR exit counters, a memslot and its memory, COM1 came through the file" \
				1 "" "SUMMARY: 11 tests, 0 failed"
		done
		rm -f "$T/famp.sav"
		run 60 "$B/vmc-harness" -t 50 --save "$T/famp.sav" "$F" partial
		expect "mig_families partial: the line left in the console buffer is printed at the triple fault" \
			4 "SHUTDOWN" "mig-families-partial: no newline yet"
		run 60 "$B/vmc-harness" -t 50 --restore "$T/famp.sav"
		expect "mig_families partial --restore: the restored process prints it too (console block from the file)" \
			4 "SHUTDOWN" "mig-families-partial: no newline yet"
		while IFS='|' read -r edit msg what; do
			# shellcheck disable=SC2086 # edit is a word list by design
			if ! "$E" "$T/fam.sav" "$T/fam-bad.sav" $edit 2>"$T/err"; then
				fail "migedit $edit" "$(head -c 200 "$T/err")"
				continue
			fi
			run 20 "$B/vmc-harness" --restore "$T/fam-bad.sav"
			expect "--restore of a stream whose $what: exit 2" 2 "$msg"
		done <<'EOF'
cut 4 8|exit-log state of|exit-log record is 8 bytes short
set 4 16 9|exit-log state malformed (9 vCPUs, VM has 1|exit-log record claims 9 vCPUs
set 4 40 127|exit-log state of vcpu0 malformed|EXPECT count is 127
drop 4|no exit log/EXPECT state (family record 4)|exit-log record is missing
cut 5 4|coalesced state of 396 bytes|coalesced record is 4 bytes short
set 5 16 0xf8|coalesced zone 0 malformed or over the harness's ports|coalesced zone covers the channel port
set 6 0 2|exception state malformed (cap 2|exception cap field is 2
cut 6 4|exception state of 4 bytes|exception record is 4 bytes short
set 3 2608 2|MSR policy/counter state is malformed|MSR counter's used flag is 2
cut 7 4|memslot state of|memslot record is 4 bytes short
set 7 8 0|memslot 0 of the state malformed (slot 0x0|memslot record names slot 0 (the guest's RAM)
set 8 12 9|device state malformed (9 console blocks for 1 vCPUs|device record has 9 console blocks for 1 vCPU
EOF
	fi
	# no coalesced write is lost when vCPU 1 writes while vCPU 0 migrates
	guest mig_coalesced_smp 60 1 "" -t 50 -smp 2
	# CPL-3 library calls of vCPU 1 survive vCPU 0's migrations (INT3 way back)
	guest mig_usercall_smp 60 1 "" -t 50 -smp 2
	if [ -f "$TOP/build/x86_64/x86/channel.flat" ]; then
		run 120 "$B/vmc-harness" -t 100 -v --migrate-every 1 "$TOP/build/x86_64/x86/channel.flat"
		expect "x86/channel passes with --migrate-every 1" 1 "vmc-harness: migration 10:" \
			"SUMMARY: "
		grep -q '^FAIL' "$T/out" && fail "x86/channel under migration" "$(grep -m3 '^FAIL' "$T/out")"
	fi
fi

check_done
