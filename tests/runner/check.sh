#!/usr/bin/env bash
# Runner self-tests (make check): the unittests.cfg parser on a good file
# (its refusals of bad input: tests/cfg/check.sh), option handling, test
# selection, the classification of every kind of run (driven by
# tests/runner/fake-qemu.sh, and by the real x86 fixture guests under QEMU
# when they are built), the errata file, TAP 13 and JUnit output, the vmtest
# batch path, and shellcheck over every shell script.
# Issue 10: the compiled supervisor and report writer (runner/): JUnit/TAP
# from <&"]]> and invalid UTF-8 validate (python, xmllint, TAP::Parser);
# SIGINT/SIGTERM keep the finished runs; runner semantics (counts, SKIP for
# named tests, --bisect, --timeout-factor, memory, quoted args, --repeat,
# -l, modparams, --migrate-every, --shard/--merge, --compare).  The hostile
# guests under every runner and the tools under ASan/UBSan are in
# tests/supervise/check.sh.
# Contract (scripts/check.sh): one line per check, PASS/FAIL/SKIP, exit 0 when
# nothing failed, last line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.." || exit 2
TOP=$PWD
RT=$TOP/run_tests.sh
HERE=$TOP/tests/runner
T=$(mktemp -d "${TMPDIR:-/tmp}/vmc-runner-check.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT

# shellcheck source=tests/lib.sh disable=SC1091
. "$TOP/tests/lib.sh"

# the "nothing left behind" checks look with pgrep: without it they could not fail
if command -v pgrep >/dev/null; then
	pass "pgrep present (the leftover-process checks can see processes)"
else
	fail "pgrep present (the leftover-process checks can see processes)" "not found (package procps; scripts/setup.sh)"
fi

# shellcheck source=tests/runner/lib.sh disable=SC1091
. "$HERE/lib.sh"

# ------------------------------------------------------------ cfg parser
cat >"$T/good.cfg" <<'EOF'
# a comment
[alpha]
file = alpha
arch = x86_64
envs = x86_64
runner = any
smp = 2
args = one 'two words' "three=3"
qemu_params = -machine q35
harness_params = -v
groups = g1 g2
timeout = 7
requires = kvm

[beta]
   file=beta
runner=qemu
[gamma]
file = s/gamma
arch = s390x
EOF
# shellcheck source=scripts/common.sh disable=SC1091
. "$TOP/scripts/common.sh"
if cfg_parse "$T/good.cfg" 2>"$T/err"; then
	vmc_cfg_words alpha args
	cfg_get beta runner; b=$REPLY
	cfg_get gamma smp 1; c=$REPLY
	if [ "${CFG_TESTS[*]}" = "alpha beta gamma" ] && [ "${#WORDS[@]}" = 3 ] &&
		[ "${WORDS[1]}" = "two words" ] && [ "${WORDS[2]}" = three=3 ] &&
		[ "$b" = qemu ] && [ "$c" = 1 ] && [ "${CFG[alpha.timeout]}" = 7 ]; then
		pass "cfg: good file parses to the right values"
	else
		fail "cfg: good file parses to the right values" "tests='${CFG_TESTS[*]}' args=(${WORDS[*]}) runner=$b smp=$c"
	fi
else
	fail "cfg: good file parses" "$(head -n 1 "$T/err")"
fi

# ------------------------------------------------------------ usage errors
for args in "--bogus" "-x" "-j 0" "-j" "--shard=3/2" "--shard=x" "--accel=xen" \
	"--runner=docker" "--arch=mips" "no-such-test" "--kernel=/k" \
	"--runner=vmtest --modparam=npt" "--runner=vmtest --kernel="; do
	read -ra av <<<"$args"
	rt --config="$T/good.cfg" "${av[@]}"
	if [ "$RC" -eq 2 ] && [ -s "$T/err" ]; then
		pass "usage error exits 2: $args"
	else
		fail "usage error exits 2: $args" "exit $RC"
	fi
done
ACCEL=qemu "$RT" -l >/dev/null 2>&1
if [ $? -eq 2 ]; then pass "usage error exits 2: ACCEL=qemu"; else fail "usage error exits 2: ACCEL=qemu" "not 2"; fi
if "$RT" -h | grep -q -- '--shard'; then pass "-h prints usage, exit 0"; else fail "-h prints usage, exit 0" "no usage text"; fi

# ------------------------------------------------------------ selection
cat >"$T/sel.cfg" <<'EOF'
[q1]
file = q1
runner = qemu
[h1]
file = h1
runner = harness
groups = grp
[a1]
file = a1
groups = grp
[nd]
file = nd
groups = nodefault grp
[s1]
file = s1
arch = s390x
[a2]
file = a2
EOF
# sel NAME WANT ARGS...: -l lists exactly the tests WANT (space-separated)
sel() {
	local name=$1 want=$2 got
	shift 2
	rt --config="$T/sel.cfg" -l "$@"
	got=$(awk '{print $1}' "$T/out" | tr '\n' ' ')
	got=${got% }
	if [ "$RC" -eq 0 ] && [ "$got" = "$want" ]; then
		pass "select: $name"
	else
		fail "select: $name" "exit $RC, listed '$got', want '$want'"
	fi
}
sel "default: no nodefault, no other arch" "q1 h1 a1 a2" --arch=x86_64
sel "other arch only" "s1" --arch=s390x
sel "named nodefault test runs" "nd" --arch=x86_64 nd
sel "group excludes its nodefault member" "h1 a1" --arch=x86_64 -g grp
sel "--runner=harness: harness and any" "h1 a1 a2" --arch=x86_64 --runner=harness
sel "--runner=qemu: qemu and any" "q1 a1 a2" --arch=x86_64 --runner=qemu
sel "--shard=1/2" "q1 a1" --arch=x86_64 --shard=1/2
sel "--shard=2/2" "h1 a2" --arch=x86_64 --shard=2/2
rt --config="$T/sel.cfg" -l --arch=x86_64 --runner=harness
if grep -q '^a1 .* harness' "$T/out"; then pass "select: runner any runs under the harness when asked"
else fail "select: runner any runs under the harness when asked" "$(grep '^a1' "$T/out")"; fi

# ------------------------------------------------------------ classification (fake QEMU)
mkdir -p "$T/build/x86_64/fk" "$T/build/s390x/fk" "$T/logs"
for n in pass fail hang nosummary allskip crash disagree kvmerr badkern h-timeout h-error h-nokvm h-usage; do
	: >"$T/build/x86_64/fk/$n.flat"
done
for n in s-pass s-fail s-noexit; do : >"$T/build/s390x/fk/$n.elf"; done
{
	for n in pass fail nosummary allskip crash disagree badkern; do
		printf '[%s]\nfile = fk/%s\ntimeout = 10\n\n' "$n" "$n"
	done
	printf '[hang]\nfile = fk/hang\ntimeout = 2\n\n'
	printf '[kvmerr]\nfile = fk/kvmerr\ntimeout = 20\n\n'
	printf '[hang-long]\nfile = fk/hang\ntimeout = 60\ngroups = nodefault\n\n'
	for n in h-timeout h-error h-nokvm h-usage; do
		printf '[%s]\nfile = fk/%s\nrunner = harness\ntimeout = 10\n\n' "$n" "$n"
	done
	for n in s-pass s-fail s-noexit; do
		printf '[%s]\nfile = fk/%s\narch = s390x\n\n' "$n" "$n"
	done
	printf '[missing]\nfile = fk/not-there\n'
} >"$T/fk.cfg"

rt --config="$T/fk.cfg" --arch=all --accel=tcg -j 4
if [ "$RC" -eq 1 ]; then pass "a failing run exits 1"; else fail "a failing run exits 1" "exit $RC"; fi
expect pass PASS "(2 checks)"
expect fail FAIL "1 failed"
if grep -q '^    FAIL: fixture: this check is meant to fail' "$T/out"; then
	pass "FAIL result lists its failing check"
else
	fail "FAIL result lists its failing check" "not listed"
fi
expect hang TIMEOUT "within 2 s"
expect nosummary ERROR "no SUMMARY line"
expect allskip SKIP "feature X absent"
expect crash ERROR "guest crashed"
expect disagree ERROR "disagrees"
expect kvmerr ERROR "KVM internal error"
expect badkern ERROR "could not load kernel"
expect h-timeout TIMEOUT "harness deadline"
expect h-error ERROR "KVM_EXIT_SHUTDOWN"
expect h-nokvm SKIP "/dev/kvm"
expect h-usage ERROR "bad ELF"
expect s-pass PASS
expect s-fail FAIL
expect s-noexit ERROR "EXIT: STATUS"
expect missing ERROR "not built"
last=$(tail -n 1 "$T/out")
if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]] &&
	[ "$last" = "2 passed, 13 failed, 2 skipped" ]; then
	pass "last line is the tally"
else
	fail "last line is the tally" "'$last'"
fi
if head -n 3 "$T/logs/fail.qemu-tcg.log" | grep -q "^# command: .*fake-qemu.sh'\? .*-kernel .*fail.flat"; then
	pass "log starts with the full command line"
else
	fail "log starts with the full command line" "$(head -n 3 "$T/logs/fail.qemu-tcg.log")"
fi
if [ -z "$(pgrep -f "$T" 2>/dev/null)" ]; then
	pass "no process left behind (fake QEMU, hang and kvmerr included)"
else
	fail "no process left behind" "$(pgrep -af "$T")"
fi

rt --config="$T/fk.cfg" hang
if [ "$RC" -eq 1 ] && [ "$MS" -le 4000 ]; then
	pass "hang: TIMEOUT within timeout + 2 s (${MS} ms for 2 s)"
else
	fail "hang: TIMEOUT within timeout + 2 s" "exit $RC after $MS ms"
fi
rt --config="$T/fk.cfg" kvmerr
if [ "$RC" -eq 1 ] && [ "$MS" -le 3000 ]; then
	pass "KVM internal error ends the run at once (${MS} ms, timeout 20 s)"
else
	fail "KVM internal error ends the run at once" "exit $RC after $MS ms"
fi
# a runner stopped by a signal ends its runs: exit 130, nothing left behind
VMC_BUILDDIR=$T/build VMC_LOGDIR=$T/logs QEMU_X86=$HERE/fake-qemu.sh \
	"$RT" --config="$T/fk.cfg" --runner=qemu hang-long >"$T/out" 2>&1 &
rpid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
	pgrep -f "vmc-fake-child $T" >/dev/null && break
	sleep 0.2
done
kill -TERM "$rpid"
wait_bounded "$rpid" 10
sleep 0.2
if [ "$RC" -eq 130 ] && [ -z "$(pgrep -f "$T" 2>/dev/null)" ]; then
	pass "SIGTERM to the runner: exit 130, its QEMU group killed"
else
	fail "SIGTERM to the runner: exit 130, its QEMU group killed" "exit $RC, left: $(pgrep -af "$T" | head -n 2)"
	for p in $(pgrep -f "$T/build"); do kill -KILL "$p" 2>/dev/null; done
fi
rt --config="$T/fk.cfg" pass allskip
if [ "$RC" -eq 0 ]; then pass "PASS + SKIP only exits 0"; else fail "PASS + SKIP only exits 0" "exit $RC"; fi
# relative paths (even without a '/') are taken from the caller's directory
(cd "$T" && VMC_BUILDDIR=build VMC_LOGDIR=rellogs VMC_ERRATA=no-errata \
	QEMU_X86=$HERE/fake-qemu.sh "$RT" --config=fk.cfg --accel=tcg pass >"$T/out" 2>&1)
RC=$?
if [ "$RC" -eq 0 ] && [ -s "$T/rellogs/pass.qemu-tcg.log" ] && [ ! -e "$TOP/rellogs" ]; then
	pass "VMC_BUILDDIR/VMC_LOGDIR relative to the caller's directory"
else
	fail "VMC_BUILDDIR/VMC_LOGDIR relative to the caller's directory" "exit $RC: $(grep pass "$T/out" | head -n 1)"
	rm -rf "$TOP/rellogs"
fi

# ------------------------------------------------------------ errata
cat >"$T/errata" <<'EOF'
# test | message glob | condition | why
fail | fixture: this check is * fail | accel=tcg | the fake QEMU fails it on purpose
s-fail | s390x check | arch=s390x,runner=qemu | fake
EOF
ERRATA=$T/errata rt --config="$T/fk.cfg" --accel=tcg fail s-fail --arch=all
result_of fail
if [[ $REPLY == "XFAIL fail ["* ]] && [ "$RC" -eq 0 ] &&
	grep -q 'XFAIL: fixture: this check is meant to fail .*the fake QEMU' "$T/out"; then
	pass "errata: a listed failure is XFAIL and exits 0"
else
	fail "errata: a listed failure is XFAIL and exits 0" "exit $RC: $REPLY"
fi
ERRATA=$T/errata rt --config="$T/fk.cfg" --accel=kvm fail
result_of fail
if [[ $REPLY == "FAIL fail ["* ]] && [ "$RC" -eq 1 ]; then
	pass "errata: the entry does not apply when its host condition does not hold"
else
	fail "errata: the entry does not apply when its host condition does not hold" "$REPLY"
fi
printf 'fail | x | accel=tcg\n' >"$T/errata.bad1"
printf '# c\nfail | x | weather=rain | why\n' >"$T/errata.bad2"
printf '\n\nfail | x | kernel=6/12 | why\n' >"$T/errata.bad3"
for b in bad1:1 bad2:2 bad3:3; do
	ERRATA=$T/errata.${b%:*} rt --config="$T/fk.cfg" -l
	if [ "$RC" -eq 2 ] && grep -q "errata.${b%:*}:${b#*:}: " "$T/err"; then
		pass "errata: malformed entry refused with file:line ($b)"
	else
		fail "errata: malformed entry refused with file:line ($b)" "exit $RC: $(head -n 1 "$T/err")"
	fi
done

# ------------------------------------------------------------ TAP 13 and JUnit
rt --config="$T/fk.cfg" --arch=all --accel=tcg -t --junit "$T/junit.xml" \
	pass fail nosummary allskip crash h-nokvm s-pass missing
if [ "$(head -n 2 "$T/out")" = $'TAP version 13\n1..8' ]; then
	pass "TAP: version line and plan first"
else
	fail "TAP: version line and plan first" "$(head -n 2 "$T/out" | tr '\n' '|')"
fi
tap_check=$(perl -MTAP::Parser -e '
	my $p = TAP::Parser->new({ tap => do { local $/; <STDIN> } });
	my ($n, $skip) = (0, 0);
	while (my $r = $p->next) {
		next unless $r->is_test;
		$n++;
		$skip++ if $r->has_skip;
	}
	my @e = $p->parse_errors;
	printf "version=%s tests=%d planned=%d skip=%d failed=%d errors=%s\n",
		$p->version, $n, $p->tests_planned, $skip, scalar($p->failed),
		@e ? join(";", @e) : "none";
' <"$T/out" 2>&1)
if [ "$tap_check" = "version=13 tests=8 planned=8 skip=2 failed=4 errors=none" ]; then
	pass "TAP: TAP::Parser reads it without errors ($tap_check)"
else
	fail "TAP: TAP::Parser reads it without errors" "$tap_check"
fi
if grep -q '^not ok [0-9]* - fail \[qemu-tcg\] (2 checks, 1 failed)$' "$T/out" && grep -q '^  ---$' "$T/out" &&
	grep -q '^ok [0-9]* - allskip \[qemu-tcg\] # SKIP ' "$T/out"; then
	pass "TAP: not ok with a YAML block, ok # SKIP with the reason"
else
	fail "TAP: not ok with a YAML block, ok # SKIP with the reason" "see $T/out"
fi
junit=$(python3 -c '
import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1])
s = d.getElementsByTagName("testsuite")[0]
c = d.getElementsByTagName("testcase")
print(len(c), s.getAttribute("failures"), s.getAttribute("errors"), s.getAttribute("skipped"))
' "$T/junit.xml" 2>&1)
if [ "$junit" = "8 1 3 2" ]; then
	pass "JUnit: well-formed XML with the right counts"
else
	fail "JUnit: well-formed XML with the right counts" "got '$junit', want '8 1 3 2'"
fi

# ------------------------------------------------------------ vmtest batch
rt --config="$T/fk.cfg" --runner=vmtest pass fail h-nokvm
result_of pass; r1=$REPLY
result_of fail; r2=$REPLY
if [[ $r1 == "PASS pass [vmtest:6.1.0-fake]"* ]] && [[ $r2 == "FAIL fail [vmtest:6.1.0-fake]"* ]]; then
	pass "vmtest: one batch, results classified like harness runs"
else
	fail "vmtest: one batch, results classified like harness runs" "$r1 / $r2"
fi
# vmtest cannot run (77): SKIP for the default kernel, but ERROR (exit 1) for
# a kernel the user named, by option or by VMTEST_KERNEL as in the bisect
# recipe of docs/vmtest.md (a kernel whose KVM does not load is not "good")
for how in default --kernel VMTEST_KERNEL; do
	case $how in
	default) FAKE_VMTEST_UNAVAILABLE=1 rt --config="$T/fk.cfg" --runner=vmtest pass; want="SKIP 0" ;;
	--kernel) FAKE_VMTEST_UNAVAILABLE=1 rt --config="$T/fk.cfg" --runner=vmtest --kernel="$T/bz" pass; want="ERROR 1" ;;
	*) FAKE_VMTEST_UNAVAILABLE=1 VMTEST_KERNEL=$T/bz rt --config="$T/fk.cfg" --runner=vmtest pass; want="ERROR 1" ;;
	esac
	result_of pass
	if [ "${REPLY%% *} $RC" = "$want" ]; then
		pass "vmtest unavailable, $how kernel: ${want% *}, exit ${want#* }"
	else
		fail "vmtest unavailable, $how kernel: ${want% *}, exit ${want#* }" "exit $RC: $REPLY"
	fi
done
# a signal during the vmtest boot ends it at once (not after the boot deadline)
VMC_BUILDDIR=$T/build VMC_LOGDIR=$T/logs VMTEST=$HERE/fake-vmtest.sh \
	"$RT" --config="$T/fk.cfg" --runner=vmtest hang-long >"$T/out" 2>&1 &
rpid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
	pgrep -f "vmc-fake-child $T" >/dev/null && break
	sleep 0.2
done
kill -TERM "$rpid"
for _ in $(seq 50); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$rpid" 2>/dev/null; then
	fail "vmtest: SIGTERM to the runner ends the boot at once" "runner still there 5 s later"
	kill -KILL "$rpid" 2>/dev/null
	for p in $(pgrep -f "$T/build"); do kill -KILL "$p" 2>/dev/null; done
	wait "$rpid" 2>/dev/null
else
	wait "$rpid"
	RC=$?
	sleep 0.2
	if [ "$RC" -eq 130 ] && [ -z "$(pgrep -f "$T" 2>/dev/null)" ] && ! grep -q Killed "$T/out" &&
		grep -q '^INTERRUPTED hang-long \[vmtest' "$T/out"; then
		pass "vmtest: SIGTERM to the runner ends the boot at once, the test INTERRUPTED, nothing left"
	else
		fail "vmtest: SIGTERM to the runner ends the boot at once, nothing left" "exit $RC, left: $(pgrep -af "$T" | head -n 1); $(head -n 1 "$T/out")"
		for p in $(pgrep -f "$T/build"); do kill -KILL "$p" 2>/dev/null; done
	fi
fi
VMTEST=/nonexistent/vmtest VMC_BUILDDIR=$T/build VMC_LOGDIR=$T/logs \
	"$RT" --config="$T/fk.cfg" --runner=vmtest pass >"$T/out" 2>&1
if grep -q 'ERROR pass .*vmtest runner not available' "$T/out"; then
	pass "vmtest: missing launcher is an ERROR naming it"
else
	fail "vmtest: missing launcher is an ERROR naming it" "$(grep pass "$T/out" | head -n 1)"
fi

# ------------------------------------------------------------ real fixture guests
GUESTS=$TOP/build/x86_64/tests/guests
missing=""
for g in fail hang nosummary allskip crash; do
	[ -e "$GUESTS/$g.flat" ] || missing+=" $g"
done
if [ -n "$missing" ]; then
	skip "fixture guests under QEMU" "not built:$missing (make builds build/x86_64/tests/guests/*.flat)"
elif ! command -v qemu-system-x86_64 >/dev/null; then
	skip "fixture guests under QEMU" "qemu-system-x86_64 missing (scripts/setup.sh)"
else
	# a private copy, so leftover processes can be found by their path
	mkdir -p "$T/real/build/x86_64/tests/guests"
	cp "$GUESTS"/*.flat "$T/real/build/x86_64/tests/guests/"
	t0=${EPOCHREALTIME/./}
	VMC_BUILDDIR=$T/real/build VMC_LOGDIR=$T/logs VMC_ERRATA=$T/no-errata \
		"$RT" --config="$HERE/fixtures.cfg" --accel=tcg -j 2 >"$T/out" 2>"$T/err"
	RC=$?
	MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
	if [ "$RC" -eq 1 ]; then pass "fixtures: exit 1 (${MS} ms)"; else fail "fixtures: exit 1" "exit $RC"; fi
	expect fixture-fail FAIL
	expect fixture-hang TIMEOUT "within 3 s"
	expect fixture-nosummary ERROR "no SUMMARY"
	expect fixture-allskip SKIP
	expect fixture-crash ERROR
	if [ -z "$(pgrep -f "$T/real" 2>/dev/null)" ]; then
		pass "fixtures: no QEMU left behind"
	else
		fail "fixtures: no QEMU left behind" "$(pgrep -af "$T/real")"
	fi
	# the hang alone: TIMEOUT within its timeout (3 s) + 2 s
	t0=${EPOCHREALTIME/./}
	VMC_BUILDDIR=$T/real/build VMC_LOGDIR=$T/logs "$RT" --config="$HERE/fixtures.cfg" \
		--accel=tcg fixture-hang >"$T/out" 2>&1
	MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
	if grep -q '^TIMEOUT fixture-hang' "$T/out" && [ "$MS" -le 5000 ]; then
		pass "fixtures: hang ends as TIMEOUT within 3 + 2 s (${MS} ms)"
	else
		fail "fixtures: hang ends as TIMEOUT within 3 + 2 s" "$MS ms: $(grep fixture-hang "$T/out" | head -n 1)"
	fi
	# errata built from the fixture's own failing checks turn it into XFAIL
	: >"$T/errata.real"
	while IFS= read -r m; do
		m=${m#FAIL: }
		m=${m//[[*?]/?}
		printf 'fixture-fail | %s | accel=tcg | fixture fails on purpose\n' "$m" >>"$T/errata.real"
	done < <(grep -a '^FAIL: ' "$T/logs/fixture-fail.qemu-tcg.log" | tr -d '\r')
	VMC_BUILDDIR=$T/real/build VMC_LOGDIR=$T/logs VMC_ERRATA=$T/errata.real \
		"$RT" --config="$HERE/fixtures.cfg" --accel=tcg fixture-fail >"$T/out" 2>&1
	RC=$?
	if [ -s "$T/errata.real" ] && [ "$RC" -eq 0 ] && grep -q '^XFAIL fixture-fail' "$T/out"; then
		pass "fixtures: errata turn the fail fixture into XFAIL"
	else
		fail "fixtures: errata turn the fail fixture into XFAIL" "exit $RC: $(grep fixture-fail "$T/out" | head -n 1)"
	fi
fi

# ------------------------------------------------------------ issue 10: reports from hostile text
for n in nasty mostskip argv nochecks; do : >"$T/build/x86_64/fk/$n.flat"; done
{
	printf '[nasty]\nfile = fk/nasty\n\n[mostskip]\nfile = fk/mostskip\n\n'
	printf '[nochecks]\nfile = fk/nochecks\n\n'
	printf '[argv]\nfile = fk/argv\nmemory = 96\nargs = one "two words" '"'"'x y'"'"'\n\n'
	printf '[argv-h]\nfile = fk/argv\nrunner = harness\nargs = "a b" c\n\n'
	printf '[mp]\nfile = fk/pass\nmodparams = kvm:vmc_no_such_param=1\n\n'
	printf '[qonly]\nfile = fk/pass\nrunner = qemu\n\n'
} >>"$T/fk.cfg"
rt --config="$T/fk.cfg" --accel=tcg -t --junit "$T/j2.xml" nasty mostskip pass
junit=$(python3 -c '
import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1])
f = d.getElementsByTagName("failure")[0]
print(len(d.getElementsByTagName("testcase")), "<&\"]]>" in f.firstChild.data, "\ufffd" in f.firstChild.data)
' "$T/j2.xml" 2>&1)
if [ "$junit" = "3 True True" ]; then
	pass "JUnit: a message with <&\"]]> and invalid UTF-8 stays well-formed (python xml parser)"
else
	fail "JUnit: a message with <&\"]]> and invalid UTF-8 stays well-formed" "$junit"
fi
if command -v xmllint >/dev/null; then
	if xmllint --noout "$T/j2.xml" 2>"$T/xl"; then pass "JUnit: xmllint accepts it"
	else fail "JUnit: xmllint accepts it" "$(head -n 1 "$T/xl")"; fi
else
	skip "JUnit: xmllint accepts it" "xmllint not installed (package libxml2-utils; scripts/setup.sh)"
fi
if iconv -f UTF-8 -t UTF-8 "$T/out" >/dev/null 2>&1 && iconv -f UTF-8 -t UTF-8 "$T/j2.xml" >/dev/null 2>&1; then
	pass "TAP and JUnit are valid UTF-8"
else
	fail "TAP and JUnit are valid UTF-8" "iconv refuses them"
fi
tap_check=$(perl -MTAP::Parser -e '
	my $p = TAP::Parser->new({ tap => do { local $/; <STDIN> } });
	my $n = 0; while (my $r = $p->next) { $n++ if $r->is_test; }
	my @e = $p->parse_errors;
	printf "tests=%d failed=%d errors=%s\n", $n, scalar($p->failed), @e ? join(";", @e) : "none";
' <"$T/out" 2>&1)
if [ "$tap_check" = "tests=3 failed=1 errors=none" ]; then
	pass "TAP: the hostile message parses with TAP::Parser"
else
	fail "TAP: the hostile message parses with TAP::Parser" "$tap_check"
fi
rt --config="$T/fk.cfg" --accel=tcg mostskip pass
if grep -q '^PASS mostskip \[qemu-tcg\] (3 checks, 2 skipped; most checks skipped)$' "$T/out" &&
	grep -q '^note: PASS mostskip \[qemu-tcg\] skipped 2 of its 3 checks' "$T/out" &&
	grep -q '^checks: 5 run, 0 failed, 2 skipped, 0 xfail$' "$T/out"; then
	pass "counts: result line, mostly-skipped flag and check totals"
else
	fail "counts: result line, mostly-skipped flag and check totals" "$(grep -E 'mostskip|checks:' "$T/out" | tr '\n' '|')"
fi

rt --config="$T/fk.cfg" --accel=tcg nochecks
expect nochecks SKIP "no check ran and no SKIP reason was printed (SUMMARY: 0 tests)"

# ------------------------------------------------------------ issue 10: runner semantics
rt --config="$T/fk.cfg" --accel=tcg argv argv-h
if grep -q "argv: .* \[-m\] \[96\] .*\[-append\] \[mem=96 one \"two words\" \"x y\"\]" "$T/logs/argv.qemu-tcg.log" &&
	grep -q 'argv:.* \[-m\] \[64\] .*\.flat\] \["a b"\] \[c\]' "$T/logs/argv-h.harness.log"; then
	pass "memory key -> -m and mem=N; guest words with blanks kept (QEMU -append, harness)"
else
	fail "memory key -> -m and mem=N; guest words with blanks kept" "$(grep -h 'argv:' "$T"/logs/argv*.log | tr '\n' '|')"
fi
rt --config="$T/fk.cfg" --runner=qemu --accel=tcg h-error
if grep -q '^SKIP h-error \[qemu-tcg\] (runner = harness in ' "$T/out" && [ "$RC" -eq 0 ]; then
	pass "a named test the runner cannot run SKIPs with the reason (exit 0)"
else
	fail "a named test the runner cannot run SKIPs with the reason" "exit $RC: $(head -n 2 "$T/out" | tr '\n' '|')"
fi
rt --config="$T/fk.cfg" --accel=tcg mp
if grep -q '^SKIP mp \[qemu-tcg\] (needs kvm.vmc_no_such_param=1 ' "$T/out"; then
	pass "modparams: SKIP with the module parameter it needs under QEMU"
else
	fail "modparams: SKIP with the module parameter it needs under QEMU" "$(grep mp "$T/out" | head -n 1)"
fi
rt --config="$T/fk.cfg" -l --runner=harness pass qonly
if grep -q '^pass .* harness .*requires: -  *can run here$' "$T/out" && grep -q '^qonly .*cannot run here: runner = qemu' "$T/out"; then
	pass "-l shows the runner and whether the test can run, with the reason"
else
	fail "-l shows the runner and whether the test can run, with the reason" "$(tr '\n' '|' <"$T/out")"
fi
for c in "pass:0" "fail:1" "hang:1" "missing:125" "h-nokvm:125"; do
	rt --config="$T/fk.cfg" --accel=tcg --runner=qemu --bisect "${c%:*}"
	[ "${c%:*}" = h-nokvm ] && rt --config="$T/fk.cfg" --bisect "${c%:*}"
	if [ "$RC" = "${c#*:}" ]; then pass "--bisect ${c%:*}: exit ${c#*:}"
	else fail "--bisect ${c%:*}: exit ${c#*:}" "exit $RC"; fi
done
FAKE_VMTEST_UNAVAILABLE=1 rt --config="$T/fk.cfg" --runner=vmtest --kernel="$T/bz" --bisect pass
if [ "$RC" -eq 125 ]; then pass "--bisect: a kernel vmtest cannot boot gives 125"
else fail "--bisect: a kernel vmtest cannot boot gives 125" "exit $RC"; fi
rt --config="$T/fk.cfg" --accel=tcg --timeout-factor=1.5 hang
if grep -q '^TIMEOUT hang \[qemu-tcg\] (no exit within 3 s)' "$T/out" && [ "$MS" -le 5000 ]; then
	pass "--timeout-factor 1.5: timeout 2 s becomes 3 s ($MS ms)"
else
	fail "--timeout-factor 1.5: timeout 2 s becomes 3 s" "$MS ms: $(grep hang "$T/out" | head -n 1)"
fi
rt --config="$T/fk.cfg" --accel=tcg --repeat=3 pass
if [ "$(grep -c '^PASS pass ' "$T/out")" -eq 3 ] && [ "$(tail -n 1 "$T/out")" = "3 passed, 0 failed, 0 skipped" ]; then
	pass "--repeat 3 runs the test 3 times"
else
	fail "--repeat 3 runs the test 3 times" "$(tail -n 1 "$T/out")"
fi
rt --config="$T/fk.cfg" --migrate-every=5 argv-h
if grep -q 'argv: .*\[--migrate-every\] \[5\]' "$T/logs/argv-h.harness.log"; then
	pass "--migrate-every N goes on the harness command line"
else
	fail "--migrate-every N goes on the harness command line" "$(grep argv: "$T/logs/argv-h.harness.log")"
fi
# modparams: one vmtest boot per distinct set, the section's own passed
printf '[mp2]\nfile = fk/fail\nmodparams = kvm:force_emulation_prefix=1\n\n' >>"$T/fk.cfg"
FAKE_VMTEST_BOOTS=$T/boots rt --config="$T/fk.cfg" --runner=vmtest pass mp mp2 fail
if [ "$(sort "$T/boots" | tr '\n' '|')" = "boot: kvm:force_emulation_prefix=1: mp2|boot: kvm:vmc_no_such_param=1: mp|boot:: pass fail|" ] &&
	grep -q '^FAIL mp2 \[vmtest' "$T/out"; then
	pass "modparams: one vmtest boot per distinct set, with --modparam"
else
	fail "modparams: one vmtest boot per distinct set, with --modparam" "$(tr '\n' '|' <"$T/boots" 2>&1)"
fi
# one rule for the KVM module: the harness's --host-info and the runner agree
if [ -x "$TOP/build/host/vmc-harness" ]; then
	hf=$("$TOP/build/host/vmc-harness" --host-info 2>/dev/null | sed -n 's/^flavor=//p')
	VMC_KVM_MODULE_CACHE="" HARNESS="" vmc_kvm_module
	case $hf in other) hf=kvm ;; esac
	# and sysfs alone (no harness) in the harness's order: kvm_pvm first
	VMC_KVM_MODULE_CACHE="" HARNESS=/nonexistent/vmc-harness vmc_kvm_module; sf=$REPLY
	VMC_KVM_MODULE_CACHE="" HARNESS="" vmc_kvm_module
	if [ "$REPLY" = "$hf" ] && [ "$sf" = "$hf" ]; then
		pass "KVM module: runner, sysfs fallback and harness --host-info agree ($hf; /sys/module: $(cd /sys/module && printf '%s ' kvm*))"
	else
		fail "KVM module: runner and harness --host-info agree" "runner '$REPLY', sysfs '$sf', harness '$hf'"
	fi
else
	skip "KVM module: runner and harness --host-info agree" "harness not built (make)"
fi
# shards, merge, compare
sel4="pass fail allskip crash nosummary s-pass"
# shellcheck disable=SC2086 # a list of names
{
	rt --config="$T/fk.cfg" --arch=all --accel=tcg --results="$T/rA" $sel4; cp "$T/out" "$T/full"
	rt --config="$T/fk.cfg" --arch=all --accel=tcg --results="$T/s1" --shard=1/2 $sel4
	rt --config="$T/fk.cfg" --arch=all --accel=tcg --results="$T/s2" --shard=2/2 $sel4
	rt --merge "$T/s1" "$T/s2"; cp "$T/out" "$T/merged"
}
strip() { sed -n '/^Summary/,$p' "$1" | grep -v '^Summary' | awk '{print $1, $2, $3}'; }
if [ -n "$(strip "$T/full")" ] && [ "$(strip "$T/full")" = "$(strip "$T/merged")" ] && [ "$RC" -eq 1 ]; then
	pass "--merge of a 2-shard run equals the unsharded summary"
else
	fail "--merge of a 2-shard run equals the unsharded summary" "$(diff <(strip "$T/full") <(strip "$T/merged") | head -n 3 | tr '\n' '|')"
fi
rt -t --merge "$T/s1" "$T/s2"
tap_check=$(perl -MTAP::Parser -e '
	my $p = TAP::Parser->new({ tap => do { local $/; <STDIN> } });
	my $n = 0; while (my $r = $p->next) { $n++ if $r->is_test; }
	my @e = $p->parse_errors;
	printf "tests=%d planned=%d errors=%s\n", $n, $p->tests_planned, @e ? join(";", @e) : "none";
' <"$T/out" 2>&1)
if [ "$tap_check" = "tests=6 planned=6 errors=none" ]; then pass "--merge -t: TAP::Parser reads the merged TAP ($tap_check)"
else fail "--merge -t: TAP::Parser reads the merged TAP" "$tap_check"; fi
# --kernel=debian:VERSION reaches vmtest (whose label then names it)
rt --config="$T/fk.cfg" --runner=vmtest --kernel=debian:6.12 pass
if grep -q '^PASS pass \[vmtest:6.12-fake\]' "$T/out"; then pass "--kernel=debian:6.12 goes to vmtest as --debian-kernel 6.12"
else fail "--kernel=debian:6.12 goes to vmtest as --debian-kernel 6.12" "$(head -n 1 "$T/out")"; fi
# errata kernel=GLOB: the release of the kernel under test (vmtest's label)
printf 'fail | fixture: this check is * fail | runner=vmtest,kernel=6.12* | fake 6.12 bug\n' >"$T/errata.kern"
for k in 6.12:XFAIL:0 6.1:FAIL:1; do
	ERRATA=$T/errata.kern rt --config="$T/fk.cfg" --runner=vmtest --kernel=debian:${k%%:*} fail
	result_of fail
	w=${k#*:}
	if [[ $REPLY == "${w%:*} fail [vmtest:${k%%:*}-fake]"* ]] && [ "$RC" -eq "${w#*:}" ]; then
		pass "errata: kernel=6.12* under vmtest on ${k%%:*}: ${w%:*}"
	else
		fail "errata: kernel=6.12* under vmtest on ${k%%:*}: ${w%:*}" "exit $RC: $REPLY"
	fi
done
# a QEMU TCG run has no KVM kernel: kernel= never holds there, even for uname -r
printf 'fail | fixture: this check is * fail | kernel=%s | fake\n' "$(uname -r)" >"$T/errata.kern"
ERRATA=$T/errata.kern rt --config="$T/fk.cfg" --accel=tcg fail
result_of fail
if [[ $REPLY == "FAIL fail ["* ]] && [ "$RC" -eq 1 ]; then
	pass "errata: kernel=\$(uname -r) does not hold for a QEMU TCG run"
else
	fail "errata: kernel=\$(uname -r) does not hold for a QEMU TCG run" "exit $RC: $REPLY"
fi
rt --config="$T/fk.cfg" --runner=vmtest --kernel=debian:latest pass
if [ "$RC" -eq 2 ]; then pass "usage error exits 2: --kernel=debian:latest"
else fail "usage error exits 2: --kernel=debian:latest" "exit $RC"; fi
FAKE_PASS_FAILS=1 rt --config="$T/fk.cfg" --accel=tcg --results="$T/rB" pass fail
rt --compare "$T/rA" "$T/rB"
if [ "$RC" -eq 1 ] && grep -q '^pass  two holds  PASS -> FAIL$' "$T/out" &&
	grep -q '^pass  (verdict)  PASS -> FAIL$' "$T/out" && ! grep -q '^fail  fixture' "$T/out" &&
	! grep -q 'one holds' "$T/out" && grep -qE '^4 checks in both, [0-9]+ differences$' "$T/out"; then
	pass "--compare prints the per-check differences (key without the seen value)"
else
	fail "--compare prints the per-check differences" "exit $RC: $(tr '\n' '|' <"$T/out" | head -c 400)"
fi

# ------------------------------------------------------------ issue 10: interrupts
# SIGINT / SIGTERM mid-run: finished runs reported, JUnit error, TAP Bail
# out!, the log closed with "# result:", exit 130, nothing left
for sig in INT TERM; do
	# (perl: a background job of a script starts with SIGINT ignored, and
	# bash cannot trap a signal ignored at entry)
	VMC_BUILDDIR=$T/build VMC_LOGDIR=$T/logs VMC_ERRATA=$T/no-errata QEMU_X86=$HERE/fake-qemu.sh \
		perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die' \
		"$RT" --config="$T/fk.cfg" --accel=tcg -t --junit "$T/ji.xml" pass hang-long >"$T/out" 2>"$T/err" &
	rpid=$!
	for _ in $(seq 25); do pgrep -f "vmc-fake-child $T" >/dev/null && break; sleep 0.2; done
	t0=${EPOCHREALTIME/./}
	kill -"$sig" "$rpid"
	wait_bounded "$rpid" 10
	MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
	left=$(pgrep -af "$T/build" | head -n 2)
	jok=$(python3 -c '
import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1])
print(len(d.getElementsByTagName("testcase")), d.getElementsByTagName("error")[0].getAttribute("type"))
' "$T/ji.xml" 2>&1)
	tok=$(perl -MTAP::Parser -e '
		my $p = TAP::Parser->new({ tap => do { local $/; <STDIN> } });
		my $b = 0; while (my $r = $p->next) { $b++ if $r->is_bailout; }
		my @e = $p->parse_errors; print "bail=$b\n";
	' <"$T/out" 2>&1)
	if [ "$RC" -eq 130 ] && [ -z "$left" ] && [ "$MS" -le 3000 ] && [ "$jok" = "2 INTERRUPTED" ] &&
		[ "$tok" = "bail=1" ] && grep -q '^# 1 passed, 0 failed, 0 skipped$' "$T/out" &&
		grep -q '^# result: INTERRUPTED' "$T/logs/hang-long.qemu-tcg.log"; then
		pass "SIG$sig mid-run: exit 130 in $MS ms, tally of finished runs, JUnit error, TAP Bail out!, # result: in the log, nothing left"
	else
		fail "SIG$sig mid-run: exit 130, tally, JUnit, Bail out!, nothing left" "exit $RC, $MS ms, junit '$jok', tap '$tok', left '$left': $(tail -n 2 "$T/out" | tr '\n' '|')"
		for p in $(pgrep -f "$T/build"); do kill -KILL "$p" 2>/dev/null; done
	fi
done

# ------------------------------------------------------------ issue 10: no byte lost below the cap
# (the old shell watcher cut 12 % of a flood's lines under load)
"$TOP/build/host/vmc-supervise" --record "$T/seq.rec" --log "$T/seq.log" --cap 4000000 --timeout 20 \
	-- seq 1 200000
n=$(grep -c -x -E '[0-9]+' "$T/seq.log")
if [ "$n" -eq 200000 ] && grep -q -x 200000 "$T/seq.log" && [ "$(sed -n 100000p "$T/seq.log")" = 100000 ]; then
	pass "console copy: 200000 lines below the cap all reach the log, in order"
else
	fail "console copy: 200000 lines below the cap all reach the log" "$n lines"
fi

# ------------------------------------------------------------ standalone scripts
# scripts/mkstandalone.sh embeds the payload and vmc-supervise: the script
# runs and classifies the test without the tree
if [ -e "$TOP/build/x86_64/x86/selftest.flat" ] && command -v qemu-system-x86_64 >/dev/null; then
	VMC_STANDALONE_DIR=$T/sa "$TOP/scripts/mkstandalone.sh" selftest >/dev/null 2>"$T/err"
	(cd / && ACCEL=tcg "$T/sa/selftest" >"$T/out" 2>&1)
	RC=$?
	if [ "$RC" -eq 0 ] && grep -q '^# result: PASS' "$T/out" && grep -q '^SUMMARY: ' "$T/out"; then
		pass "standalone selftest (mkstandalone.sh): runs under TCG from / and PASSes"
	else
		fail "standalone selftest (mkstandalone.sh)" "exit $RC: $(tail -n 1 "$T/out") $(head -n 1 "$T/err")"
	fi
else
	skip "standalone selftest (mkstandalone.sh)" "build/x86_64/x86/selftest.flat or qemu-system-x86_64 missing (make; scripts/setup.sh)"
fi


# ------------------------------------------------------------ shellcheck
if ! command -v shellcheck >/dev/null; then
	skip "shellcheck" "shellcheck not installed (scripts/setup.sh)"
else
	for f in run_tests.sh configure .ci/run scripts/* tests/*.sh tests/*/*.sh; do
		[ -f "$f" ] || continue
		case $(head -n 1 "$f") in
		"#!"*sh*) ;;
		*) case $f in *.sh) ;; *) continue ;; esac ;;
		esac
		if out=$(shellcheck "$f" 2>&1) && [ -z "$out" ]; then
			pass "shellcheck $f"
		else
			fail "shellcheck $f" "$(printf '%s' "$out" | grep -m 1 -E 'SC[0-9]+')"
		fi
	done
fi

check_done
