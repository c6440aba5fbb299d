#!/usr/bin/env bash
# scripts/mkstandalone.sh (make standalone): one self-contained script per
# test of unittests.cfg, build/standalone/<test>, that runs the test on a
# host without this tree - only bash, coreutils (base64, timeout, mktemp)
# and QEMU are needed.
#
# A script embeds:
#  - the test's payload (base64), written to a temporary directory at run time;
#  - the test's unittests.cfg section (as the parser's CFG entries) and the
#    errata entries, so the runner's own code decides everything;
#  - the runner's functions, copied verbatim out of scripts/common.sh with
#    `declare -f` (command builder, watched run, capability checks,
#    classification): no second implementation that could drift.
# At run time it builds the QEMU command line with vmc_build_cmd (accel from
# $ACCEL, else kvm when /dev/kvm is usable and the arch is the host's),
# prints the guest output, then one result line as run_tests.sh does
# ("PASS selftest [qemu-kvm] (N checks)") and exits like run_tests.sh:
# 0 PASS/XFAIL/SKIP, 1 FAIL/TIMEOUT/ERROR, 2 usage.
# Tests whose runner is `harness` get no script (they need the harness
# binary and /dev/kvm of this tree); tests not built are listed as skipped.
#
# Usage: scripts/mkstandalone.sh [TEST...]   (default: every test)
# Environment: VMC_STANDALONE_DIR (default build/standalone), VMC_BUILDDIR,
# VMC_ERRATA (as run_tests.sh).
set -u
cd "$(dirname "$0")/.." || exit 2
# shellcheck source=scripts/common.sh disable=SC1091
. scripts/common.sh

out=${VMC_STANDALONE_DIR:-build/standalone}
cfg_parse unittests.cfg || exit 2
errata_parse "${VMC_ERRATA:-errata}" || exit 2
mkdir -p "$out" || exit 2
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

# everything of common.sh a standalone run calls
FUNCS="vmc_cfg_words vmc_guest_cmdline vmc_test_memory cfg_get test_env test_artefact
vmc_host_arch vmc_kvm_usable vmc_kvm_module vmc_default_accel vmc_check_caps vmc_x86_cpu vmc_host_cbitpos
errata_cond_holds errata_args vmc_build_cmd vmc_quote_cmd vmc_record_verdict"
# the compiled supervisor goes into each script: it runs and classifies the
# test (no guest byte goes through shell code there either)
SUP=$VMC_HOSTBIN/vmc-supervise
[ -x "$SUP" ] || { echo "mkstandalone: $SUP not built (run make)" >&2; exit 2; }
# shellcheck disable=SC2086 # FUNCS is a word list
if ! LIB=$(declare -f $FUNCS); then
	echo "mkstandalone: scripts/common.sh lacks one of: $FUNCS" >&2
	exit 2
fi
GLOBALS=$(declare -p VMC_ARCH_LIST VMC_ARCHDIR VMC_ARCH_ENVS VMC_ENV_EXT VMC_CAPS \
	VMC_ENV_MEM ERRATA_T ERRATA_M ERRATA_C ERRATA_W) || exit 2

# write_one TEST: build/standalone/TEST
write_one() {
	local t=$1 art key f tmp
	local -a keys=()
	test_artefact "$t"; art=$REPLY
	if [ "$(cfg_get "$t" runner any; echo "$REPLY")" = harness ]; then
		echo "  skip $t: runner harness (needs this tree's harness)"
		return 0
	fi
	if [ ! -f "$art" ]; then
		echo "  skip $t: $art not built (make ARCH=$(cfg_get "$t" arch x86_64; echo "$REPLY"))"
		return 0
	fi
	for key in $VMC_CFG_KEYS; do
		[ -n "${CFG[$t.$key]+x}" ] && keys+=("$key")
	done
	f=$out/$t
	tmp=$f.tmp
	{
		echo '#!/usr/bin/env bash'
		echo "# vmconform standalone test '$t' (scripts/mkstandalone.sh, tree $rev)."
		echo '# Runs the test under QEMU the way run_tests.sh does and exits like it:'
		echo '# 0 PASS/XFAIL/SKIP, 1 FAIL/TIMEOUT/ERROR, 2 usage.  Environment: ACCEL'
		echo '# (kvm|tcg), QEMU_X86 QEMU_S390X QEMU_ARM64, VMC_QBOOT, VMC_OVMF.'
		vmc_build_cmd "$t" qemu kvm 90 /dev/null
		vmc_quote_cmd "${CMD[@]}"
		echo "# Command (accel kvm, payload extracted to a temporary directory):"
		echo "#   $REPLY"
		echo '# The functions below are copied from scripts/common.sh (declare -f), whose'
		echo '# per-line shellcheck directives declare -f drops; SC2317: vmc_kill_runs runs from a trap.'
		echo '# shellcheck disable=SC2034,SC2053,SC2054,SC2317'
		echo 'set -u'
		echo "$GLOBALS"
		printf 'declare -A CFG=('
		for key in "${keys[@]}"; do
			printf ' [%q]=%q' "$t.$key" "${CFG[$t.$key]}"
		done
		echo ' )'
		printf 'declare -A CFGN=( ) CFGW=('
		for key in args qemu_params harness_params modparams; do
			vmc_cfg_words "$t" "$key"
			for i in "${!WORDS[@]}"; do printf ' [%q]=%q' "$t.$key.$i" "${WORDS[i]}"; done
		done
		echo ' )'
		for key in args qemu_params harness_params modparams; do
			printf 'CFGN[%q]=%q\n' "$t.$key" "${CFGN[$t.$key]:-0}"
		done
		echo "$LIB"
		printf 'TEST=%q\nART=%q\n' "$t" "${art#"${VMC_BUILDDIR:-build}"/}"
		echo '# payload: the test artefact, base64'
		echo 'payload() {'
		echo "base64 -d <<'__PAYLOAD__'"
		base64 -w 76 "$art"
		echo '__PAYLOAD__'
		echo '}'
		echo '# supervisor: build/host/vmc-supervise, base64'
		echo 'supervisor() {'
		echo "base64 -d <<'__SUPERVISOR__'"
		base64 -w 76 "$SUP"
		echo '__SUPERVISOR__'
		echo '}'
		cat <<'EOF'
case ${1:-} in
-h | --help) sed -n '2,5p' "$0"; exit 0 ;;
"") ;;
*) echo "usage: $0 (no arguments; see the header)" >&2; exit 2 ;;
esac
cfg_get "$TEST" arch x86_64; arch=$REPLY
cfg_get "$TEST" timeout 90; tmo=$REPLY
if [ -n "${ACCEL:-}" ]; then acc=$ACCEL; else vmc_default_accel "$arch"; acc=$REPLY; fi
case $acc in kvm | tcg) ;; *) echo "ACCEL must be kvm or tcg" >&2; exit 2 ;; esac
dir=$(mktemp -d "${TMPDIR:-/tmp}/vmc-standalone.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
export VMC_BUILDDIR=$dir/build
mkdir -p "$(dirname "$VMC_BUILDDIR/$ART")" || exit 2
payload >"$VMC_BUILDDIR/$ART" || exit 2
supervisor >"$dir/vmc-supervise" && chmod +x "$dir/vmc-supervise" || exit 2
# result VERDICT REASON: a run that does not happen
result() {
	echo "$1 $TEST [qemu-$acc] ($2)"
	case $1 in SKIP) exit 0 ;; *) exit 1 ;; esac
}
vmc_host_arch
if [ "$acc" = kvm ] && { [ "$arch" != "$REPLY" ] || ! vmc_kvm_usable; }; then
	result SKIP "accel=kvm needs a $arch host with a usable /dev/kvm (ACCEL=tcg runs it under TCG)"
fi
if ! vmc_check_caps "$TEST" qemu "$acc"; then result SKIP "$REPLY"; fi
vmc_build_cmd "$TEST" qemu "$acc" "$tmo" "$dir/exits"
if ! command -v "${CMD[0]}" >/dev/null 2>&1; then
	result ERROR "not found: ${CMD[0]} (install QEMU)"
fi
vmc_quote_cmd "${CMD[@]}"; echo "# command: $REPLY" >"$dir/log"
[ -n "$FIRMWARE" ] && echo "# firmware: $FIRMWARE" >>"$dir/log"
errata_args "$TEST" qemu "$acc" "$arch"
# the supervisor ends the QEMU group on SIGINT/SIGTERM itself (exit 130)
"$dir/vmc-supervise" --record "$dir/rec" --log "$dir/log" --timeout "$tmo" --kind "$EXIT_KIND" \
	--test "$TEST" --label "qemu-$acc" --arch "$arch" "${ERRATA_ARGS[@]}" -- "${CMD[@]}"
st=$?
cat "$dir/log"
[ $st -eq 130 ] && exit 130
vmc_record_verdict "$dir/rec"
case $REPLY in PASS | XFAIL | SKIP) exit 0 ;; *) exit 1 ;; esac
EOF
	} >"$tmp" || return 1
	chmod +x "$tmp" && mv "$tmp" "$f" && echo "  $f"
}

if [ $# -gt 0 ]; then tests=("$@"); else tests=("${CFG_TESTS[@]}"); fi
echo "mkstandalone: writing $out/<test>"
rc=0
for t in "${tests[@]}"; do
	if [ -z "${CFG[$t.@line]+x}" ]; then
		echo "mkstandalone: no test '$t' in unittests.cfg" >&2
		rc=2
		continue
	fi
	write_one "$t" || rc=1
done
exit $rc
