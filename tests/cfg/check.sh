#!/usr/bin/env bash
# unittests.cfg parser self-tests (make check), split from
# tests/runner/check.sh: every malformed input is refused with exit 2 and
# "FILE:LINE: what is wrong" (unknown keys and values, duplicates, quotes,
# CRLF, NUL bytes, fractional or too large timeouts, smp above the
# harness's MAX_VCPUS, names that look like options); the project's own
# unittests.cfg and every ```ini example in docs/*.md parse; a 1 MB value
# parses in linear time; --config / VMC_ERRATA naming a directory is a usage
# error.
# Contract (scripts/check.sh): one line per check, PASS/FAIL/SKIP, exit 0 when
# nothing failed, last line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.." || exit 2
TOP=$PWD
RT=$TOP/run_tests.sh
HERE=$TOP/tests/runner
T=$(mktemp -d "${TMPDIR:-/tmp}/vmc-cfg-check.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT

# shellcheck source=tests/lib.sh disable=SC1091
. "$TOP/tests/lib.sh"
# shellcheck source=tests/runner/lib.sh disable=SC1091
. "$HERE/lib.sh"
# shellcheck source=scripts/common.sh disable=SC1091
. "$TOP/scripts/common.sh"

printf '[a]\nfile = a\n' >"$T/good.cfg"

# bad_cfg NAME LINE FRAGMENT CONTENT: the runner refuses CONTENT with exit 2
# and "bad.cfg:LINE: ...FRAGMENT..."
bad_cfg() {
	printf '%s\n' "$4" >"$T/bad.cfg"
	rt --config="$T/bad.cfg" -l
	if [ "$RC" -ne 2 ]; then
		fail "cfg error: $1" "exit $RC, want 2"
	elif ! grep -q "bad.cfg:$2: .*$3" "$T/err"; then
		fail "cfg error: $1" "want 'bad.cfg:$2: ...$3', got: $(head -n 1 "$T/err")"
	else
		pass "cfg error: $1"
	fi
}
bad_cfg "line outside a section" 1 "outside a section" 'file = x'
bad_cfg "unknown key" 3 "unknown key 'flie'" $'[a]\nfile = a\nflie = b'
bad_cfg "missing =" 3 "missing '='" $'[a]\nfile = a\nsmp 2'
bad_cfg "duplicate section" 3 "duplicate section \[a\]" $'[a]\nfile = a\n[a]\nfile = b'
bad_cfg "duplicate key" 3 "duplicate key 'file'" $'[a]\nfile = a\nfile = b'
bad_cfg "non-numeric smp" 3 "bad value for smp" $'[a]\nfile = a\nsmp = two'
bad_cfg "non-numeric timeout" 3 "bad value for timeout" $'[a]\nfile = a\ntimeout = 10x'
bad_cfg "unknown arch" 3 "bad value for arch" $'[a]\nfile = a\narch = riscv'
bad_cfg "unknown runner" 3 "bad value for runner" $'[a]\nfile = a\nrunner = docker'
bad_cfg "missing file" 1 "no 'file = ...'" $'[a]\nsmp = 1'
bad_cfg "unknown environment" 3 "bad value for envs" $'[a]\nfile = a\nenvs = x86_64 ppc'
bad_cfg "environment of another arch" 1 "not one of arch x86_64" $'[a]\nfile = a\nenvs = s390x'
bad_cfg "unknown capability" 3 "bad value for requires" $'[a]\nfile = a\nrequires = kvm warp-drive'
bad_cfg "unterminated quote" 3 "unterminated quote" $'[a]\nfile = a\nargs = "oops'
bad_cfg "bad section header" 2 "bad section header" $'# c\n[a b]\nfile = a'
bad_cfg "harness on s390x" 1 "x86_64 only" $'[a]\nfile = a\narch = s390x\nrunner = harness'

if "$RT" -l >"$T/out" 2>"$T/err"; then
	pass "cfg: the project's unittests.cfg parses"
else
	fail "cfg: the project's unittests.cfg parses" "$(head -n 1 "$T/err")"
fi

# ------------------------------------------------------------ docs cfg examples
# every ```ini block of docs/*.md parses with the runner's own parser
for doc in docs/*.md; do
	n=0
	while IFS= read -r line; do
		case $line in
		'```ini') n=$((n + 1)); : >"$T/doc-$n.cfg"; inblock=1; continue ;;
		'```') inblock=0; continue ;;
		esac
		[ "${inblock:-0}" = 1 ] && printf '%s\n' "$line" >>"$T/doc-$n.cfg"
	done <"$doc"
	inblock=0
	for i in $(seq "$n"); do
		rt --config="$T/doc-$i.cfg" -l
		if [ "$RC" -eq 0 ] && [ -s "$T/out" ]; then
			pass "docs: $doc ini example $i parses"
		else
			fail "docs: $doc ini example $i parses" "exit $RC: $(head -n 1 "$T/err")"
		fi
	done
done

# ------------------------------------------------------------ issue 10: cfg parser
# 1 MB value: linear parse (the old shell parser took minutes for 80 KB)
{ printf '[big]\nfile = fk/pass\nargs = '; head -c 1000000 /dev/zero | tr '\0' 'a'; printf '\n'; } >"$T/big.cfg"
t0=${EPOCHREALTIME/./}
if cfg_parse "$T/big.cfg" 2>"$T/err"; then
	ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
	vmc_cfg_words big args
	if [ "${#WORDS[0]}" -eq 1000000 ] && [ "$ms" -lt 1000 ]; then
		pass "cfg: a 1 MB value parses in under 1 s ($ms ms)"
	else
		fail "cfg: a 1 MB value parses in under 1 s" "$ms ms, word of ${#WORDS[0]} bytes"
	fi
else
	fail "cfg: a 1 MB value parses in under 1 s" "$(head -c 200 "$T/err")"
fi
bad_cfg "fractional timeout" 3 "bad value for timeout: '7.5'" $'[a]\nfile = a\ntimeout = 7.5'
bad_cfg "too-large timeout" 3 "bad value for timeout" $'[a]\nfile = a\ntimeout = 86401'
bad_cfg "smp above the harness's MAX_VCPUS" 3 "MAX_VCPUS" $'[a]\nfile = a\nsmp = 65'
bad_cfg "section name like an option" 1 "looks like an option" $'[-x]\nfile = a'
bad_cfg "memory out of range" 3 "bad value for memory" $'[a]\nfile = a\nmemory = 1'
bad_cfg "bad modparams" 3 "bad value for modparams" $'[a]\nfile = a\nmodparams = kvm'
bad_cfg "CRLF line" 2 "carriage return" $'[a]\r\nfile = a\r'
printf '[a]\nfile = a\x00b\n' >"$T/nul.cfg"
rt --config="$T/nul.cfg" -l
if [ "$RC" -eq 2 ] && grep -q "nul.cfg:2: NUL byte" "$T/err"; then
	pass "cfg error: NUL byte refused with file:line"
else
	fail "cfg error: NUL byte refused with file:line" "exit $RC: $(head -n 1 "$T/err")"
fi
rt --config="$T" -l
if [ "$RC" -eq 2 ] && grep -q "is a directory" "$T/err"; then pass "usage error exits 2: --config=DIR"
else fail "usage error exits 2: --config=DIR" "exit $RC: $(head -n 1 "$T/err")"; fi
ERRATA=$T rt --config="$T/good.cfg" -l
if [ "$RC" -eq 2 ] && grep -q "VMC_ERRATA=.* is a directory" "$T/err"; then pass "usage error exits 2: VMC_ERRATA=DIR"
else fail "usage error exits 2: VMC_ERRATA=DIR" "exit $RC: $(head -n 1 "$T/err")"; fi

check_done
