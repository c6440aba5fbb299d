#!/usr/bin/env bash
# Supervisor self-tests (make check), split from tests/runner/check.sh:
# issue 10's hostile input for the compiled runner tools (runner/): random
# and hostile bytes through the ASan/UBSan builds of vmc-supervise,
# vmc-report and vmc-cfg (no crash, no sanitizer report, a record or a clean
# refusal every time), and the hostile guests (one 16 MiB line, a flood for
# the whole timeout) under QEMU TCG, QEMU KVM and the harness: each ends
# within timeout + 2 s with a capped log, the right verdict and nothing left
# running (pgrep), also after SIGINT/SIGTERM mid-flood.
# Contract (scripts/check.sh): one line per check, PASS/FAIL/SKIP, exit 0 when
# nothing failed, last line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.." || exit 2
TOP=$PWD
RT=$TOP/run_tests.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/vmc-supervise-check.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT

# shellcheck source=tests/lib.sh disable=SC1091
. "$TOP/tests/lib.sh"
# shellcheck source=scripts/common.sh disable=SC1091
. "$TOP/scripts/common.sh"

if ! command -v pgrep >/dev/null; then
	fail "pgrep present (the leftover-process checks can see processes)" "not found (package procps; scripts/setup.sh)"
fi

# ------------------------------------------------------------ issue 10: the tools under ASan/UBSan
# random and hostile bytes through the ASan/UBSan builds: no crash, no
# sanitizer report, a record (or a clean refusal) every time
SB=$TOP/build/host
if [ ! -x "$SB/vmc-supervise-asan" ] || [ ! -x "$SB/vmc-report-asan" ] || [ ! -x "$SB/vmc-cfg-asan" ]; then
	skip "runner tools under ASan/UBSan" "not built (make check builds build/host/vmc-*-asan)"
else
	export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
	head -c 2097152 /dev/urandom >"$T/rnd"
	{
		head -c 300000 /dev/urandom | tr -d '\n'; echo
		printf 'SUMMARY: 99999999999999999999 tests, -1 failed\nSUMMARY: 3 tests, 1 failed, 9 skipped, 9 expected failures\n'
		printf 'FAIL: %.0s\n' $(seq 400); printf 'EXIT: STATUS=9\nEXIT: STATUS=\nSKIP: /dev/kvm\nTIMEOUT: \nERROR: \x00\n'
		printf 'qemu-system-: x\nqemu-system-x86_64: \xff\n\r\r\r\n'
	} >"$T/hostile"
	ok=yes why=""
	for input in rnd hostile; do
		for kind in debug-exit exit-line harness; do
			for rc in 1 3 4 77 124 2; do
				"$SB/vmc-supervise-asan" --record "$T/sr.rec" --log "$T/sr.log" --cap 5000 --kind "$kind" \
					--test t --errata 'FAIL*' why --errata '*' any --from "$T/$input" --rc "$rc" 2>"$T/san"
				st=$?
				if [ $st -ne 0 ] || [ -s "$T/san" ] || ! vmc_record_verdict "$T/sr.rec"; then
					ok=no why="supervise --from $input --kind $kind --rc $rc: exit $st: $(head -c 200 "$T/san")"
					break 3
				fi
				for m in line summary; do
					if ! "$SB/vmc-report-asan" "$m" "$T/sr.rec" >/dev/null 2>"$T/san" || [ -s "$T/san" ]; then
						ok=no why="report $m on the $input record: $(head -c 200 "$T/san")"; break 4
					fi
				done
				if ! "$SB/vmc-report-asan" junit --out "$T/sr.xml" "$T/sr.rec" 2>"$T/san" || [ -s "$T/san" ] ||
					! python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$T/sr.xml" 2>"$T/san"; then
					ok=no why="junit from the $input record: $(head -c 200 "$T/san")"; break 3
				fi
			done
		done
	done
	# run mode: a command that writes random bytes to both streams
	"$SB/vmc-supervise-asan" --record "$T/sr.rec" --log "$T/sr.log" --cap 1000 --timeout 10 --kind harness \
		-- sh -c "cat '$T/rnd'; cat '$T/hostile' >&2; exit 3" 2>"$T/san" || ok=no why="run mode: exit $?"
	[ -s "$T/san" ] && { ok=no why="run mode: $(head -c 200 "$T/san")"; }
	# records with random bytes flipped: read back or refused, never a crash
	for i in $(seq 20); do
		cp "$T/sr.rec" "$T/bad.rec"
		printf '\xff\x00\n\\x' | dd of="$T/bad.rec" bs=1 seek=$((RANDOM % 200)) conv=notrunc status=none
		"$SB/vmc-report-asan" line "$T/bad.rec" >/dev/null 2>"$T/san"
		st=$?
		if [ $st -gt 2 ] || grep -q -E 'ERROR: AddressSanitizer|runtime error' "$T/san"; then
			ok=no why="report line on a damaged record: exit $st: $(head -c 200 "$T/san")"; break
		fi
	done
	# the cfg parser on random bytes and on the project's cfg with bytes flipped
	for i in $(seq 10); do
		if [ "$i" -eq 1 ]; then cp "$T/rnd" "$T/r.cfg"; else
			cp "$TOP/unittests.cfg" "$T/r.cfg"
			head -c 8 /dev/urandom | dd of="$T/r.cfg" bs=1 seek=$((RANDOM % 3000)) conv=notrunc status=none
		fi
		"$SB/vmc-cfg-asan" "$T/r.cfg" >/dev/null 2>"$T/san"
		st=$?
		if [ $st -ne 0 ] && [ $st -ne 2 ] || grep -q -E 'ERROR: AddressSanitizer|runtime error' "$T/san"; then
			ok=no why="cfg parser on damaged input: exit $st: $(grep -m1 -E 'ERROR|runtime' "$T/san")"; break
		fi
	done
	if [ $ok = yes ]; then
		pass "runner tools under ASan/UBSan: random and hostile console, records and cfg files, no report"
	else
		fail "runner tools under ASan/UBSan: random and hostile input" "$why"
	fi
	unset ASAN_OPTIONS UBSAN_OPTIONS
fi

# ------------------------------------------------------------ issue 10: hostile guests, every runner
HG=$TOP/build/x86_64/tests/guests
if [ ! -e "$HG/hostile_longline.flat" ] || [ ! -e "$HG/hostile_floodall.flat" ]; then
	skip "hostile guests under every runner" "not built (make builds build/x86_64/tests/guests/hostile_*.flat)"
else
	mkdir -p "$T/hg/build/x86_64/tests/guests"
	cp "$HG/hostile_longline.flat" "$HG/hostile_floodall.flat" "$T/hg/build/x86_64/tests/guests/"
	printf '[longline]\nfile = tests/guests/hostile_longline\ntimeout = 4\n\n[floodall]\nfile = tests/guests/hostile_floodall\ntimeout = 3\n' >"$T/hg.cfg"
	declare -a runners=("--runner=qemu --accel=tcg")
	vmc_kvm_usable && runners+=("--runner=qemu --accel=kvm")
	[ -x "$TOP/build/host/vmc-harness" ] && vmc_kvm_usable && runners+=("--runner=harness")
	for r in "${runners[@]}"; do
		read -ra ro <<<"$r"
		for g in longline floodall; do
			t0=${EPOCHREALTIME/./}
			VMC_BUILDDIR=$T/hg/build VMC_LOGDIR=$T/hglogs VMC_ERRATA=$T/no-errata VMC_LOG_CAP=16384 \
				"$RT" --config="$T/hg.cfg" "${ro[@]}" "$g" >"$T/out" 2>&1
			MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
			tmo=4; [ $g = floodall ] && tmo=3
			log=$(find "$T/hglogs" -name "$g.*" -newer "$T/hg.cfg" -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2)
			sz=$(stat -c %s "$log" 2>/dev/null || echo 0)
			line=$(grep -E "^[A-Z]+ $g " "$T/out")
			want=TIMEOUT
			# the long line may finish in time: then the verdict is PASS
			[ $g = longline ] && [[ $line == PASS* ]] && want=PASS
			left=$(pgrep -af "$T/hg" | head -n 1)
			if [[ $line == "$want $g "* ]] && [ "$MS" -le $((tmo * 1000 + 2000)) ] && [ -z "$left" ] &&
				[ "$sz" -le $((16384 + 4096)) ] && { [ $want = PASS ] || grep -q '^# console: .* dropped' "$log"; }; then
				pass "hostile $g [$r]: $want in $MS ms (timeout $tmo s), log $sz bytes with the drop note, nothing left"
			else
				fail "hostile $g [$r]: within timeout + 2 s, capped log, right verdict" "$MS ms, log $sz bytes, '$line', left '$left'"
				for p in $(pgrep -f "$T/hg"); do kill -KILL "$p" 2>/dev/null; done
			fi
		done
	done
	# SIGINT / SIGTERM at other moments (while the runner starts, QEMU
	# boots): nothing left either
	early=yes
	for d in 0.05 0.15 0.3 0.6; do
		for sig in INT TERM; do
			VMC_BUILDDIR=$T/hg/build VMC_LOGDIR=$T/hglogs VMC_LOG_CAP=16384 \
				perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die' \
				"$RT" --config="$T/hg.cfg" --runner=qemu --accel=tcg floodall longline -j 2 >"$T/out" 2>&1 &
			rpid=$!
			sleep "$d"
			kill -"$sig" "$rpid"
			wait_bounded "$rpid" 10
			sleep 0.1
			left=$(pgrep -af "$T/hg" | head -n 1)
			if [ -n "$left" ] || { [ "$RC" -ne 130 ] && [ "$RC" -ne 1 ]; }; then
				early="SIG$sig after $d s: exit $RC, left '$left'"
				for p in $(pgrep -f "$T/hg"); do kill -KILL "$p" 2>/dev/null; done
				break 2
			fi
		done
	done
	if [ "$early" = yes ]; then
		pass "SIGINT/SIGTERM 0.05 .. 0.6 s into a run: nothing left behind"
	else
		fail "SIGINT/SIGTERM early in a run: nothing left behind" "$early"
	fi
	# SIGTERM in the middle of a flood: ends at once, nothing left
	VMC_BUILDDIR=$T/hg/build VMC_LOGDIR=$T/hglogs VMC_LOG_CAP=16384 \
		"$RT" --config="$T/hg.cfg" --runner=qemu --accel=tcg floodall >"$T/out" 2>&1 &
	rpid=$!
	sleep 1
	t0=${EPOCHREALTIME/./}
	kill -TERM "$rpid"
	wait_bounded "$rpid" 10
	MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
	left=$(pgrep -af "$T/hg" | head -n 1)
	if [ "$RC" -eq 130 ] && [ "$MS" -le 2000 ] && [ -z "$left" ]; then
		pass "SIGTERM during a console flood: exit 130 in $MS ms, nothing left"
	else
		fail "SIGTERM during a console flood: exit 130, nothing left" "exit $RC after $MS ms, left '$left'"
		for p in $(pgrep -f "$T/hg"); do kill -KILL "$p" 2>/dev/null; done
	fi
fi

check_done
