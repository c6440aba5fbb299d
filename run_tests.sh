#!/usr/bin/env bash
# vmconform runner front end (DESIGN §6): selects tests from unittests.cfg,
# boots each with its runner, classifies the run, prints one line per run, a
# summary table and, last, "N passed, N failed, N skipped".  Guest output is
# never handled here: build/host/vmc-supervise runs and classifies each run
# and writes a result record, build/host/vmc-report prints every result
# line, TAP, JUnit, the summary, --compare and --merge from the records
# (runner/, docs/results.md).
# Exit: 0 nothing failed, 1 something failed/errored/timed out, 2 usage
# error, 130 interrupted; --bisect: 0 / 1 / 125 (git bisect run).  No eval.
set -u

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || exit 2
# shellcheck source=scripts/common.sh disable=SC1091
. "$SRCDIR/scripts/common.sh"

usage() {
	cat <<'USAGE'
Usage: ./run_tests.sh [options] [test|group ...]

Selection:
  test|group ...      run these tests / groups (default: every test not in
                      group "nodefault"; naming a nodefault test runs it)
  -g, --group=GROUP   run the tests of GROUP (may repeat)
  -l, --list          list the selected tests with the runner each gets and
                      whether its requires hold here (and why not), exit
  --arch=ARCH|all     x86_64 s390x arm64, or every arch with built tests
                      (default: ARCH from config.mak)
  --runner=R          qemu | harness | vmtest (default: each test's own
                      runner; "any" on x86_64 is the harness when /dev/kvm
                      is usable, the harness is built and no --accel/ACCEL
                      is given, else QEMU)
  --repeat=N          run the selection N times (soaks)
  --accel=kvm|tcg     QEMU accelerator (also env ACCEL; default kvm when
                      /dev/kvm opens read-write and the arch is the host's)
  --shard=I/N         run only the I-th of every N selected tests (1 <= I <= N)
  --config=FILE       test list (default unittests.cfg)
  --timeout-factor=F  multiply every timeout by F (e.g. 2.5 on a loaded host)
  --migrate-every=N   pass --migrate-every N to the harness (harness and
                      vmtest runs; QEMU runs SKIP)
  --bisect            exit 0 only when every selected test ran and passed,
                      1 when one FAILed or TIMED OUT, 125 (git bisect
                      skip) when one could not run (ERROR, SKIP) or none ran
Results (records in --results DIR, default logs/results):
  --results=DIR       where the result records go
  --merge DIR...      (last option) summary/TAP/JUnit of the records of runs
                      (e.g. --shard I/N on several hosts); runs nothing
  --compare A B       per-check differences between two results dirs
Kernel under test (--runner=vmtest; see docs/vmtest.md):
  --kernel=BZIMAGE    boot this kernel instead of Debian's current one
  --kernel=debian:VER a Debian kernel package linux-image-VER*-amd64,
                      fetched and cached (e.g. debian:6.12)
  --modules=DIR       its modules (the tree holding kvm*.ko)
  --modparam=MOD:ARGS insmod parameters, e.g. kvm_amd:npt=0 (may repeat)
                      (or VMTEST_KERNEL, VMTEST_MODULES, VMTEST_MODPARAMS)
Output:
  -j, --jobs=N        run N tests in parallel (results print in list order)
  -t, --tap           TAP version 13 on stdout
  --junit=FILE        also write JUnit XML to FILE
  -v, --verbose       print each command line and firmware choice
  -h, --help          this help
Logs: logs/<test>.<runner>.log (full command line at the top, console
  capped at VMC_LOG_CAP bytes, default 1 MiB, the result line last).
Environment: ACCEL, QEMU_X86, QEMU_S390X, QEMU_ARM64, HARNESS, VMTEST,
  VMC_QBOOT, VMC_OVMF, VMC_LOGDIR, VMC_ERRATA, VMC_BUILDDIR, VMC_KVM_DEV,
  VMC_LOG_CAP (see docs/results.md).
USAGE
}

die_usage() {
	echo "run_tests.sh: $*" >&2
	echo "run_tests.sh: see ./run_tests.sh -h" >&2
	exit 2
}

# absolute path of a user-given file name (we cd to SRCDIR below)
abspath() { case $1 in /*) REPLY=$1 ;; *) REPLY=$PWD/$1 ;; esac; }

# interrupted before any run started: nothing to end or report
trap 'echo "run_tests.sh: interrupted" >&2; exit 130' INT TERM

# ---------------------------------------------------------------- options
opt_list=no opt_tap=no opt_verbose=no opt_jobs=1 opt_junit="" opt_runner=""
opt_accel=${ACCEL:-} opt_arch="" opt_shard="" opt_config="" opt_bisect=no
opt_factor="" opt_repeat=1 opt_results="" opt_mode=run opt_migrate=""
declare -a vmtest_opts=()
declare -a opt_groups=() opt_names=() mode_dirs=()

while [ $# -gt 0 ]; do
	arg=$1 val="" hasval=no
	case $arg in
	--*=*) val=${arg#*=}; arg=${arg%%=*}; hasval=yes ;;
	esac
	case $arg in
	-g | --group | -j | --jobs | --junit | --accel | --runner | --arch | --shard | --config | \
	--kernel | --modules | --modparam | --timeout-factor | --repeat | --results | --migrate-every)
		if [ $hasval = no ]; then
			[ $# -ge 2 ] || die_usage "option $arg needs a value"
			val=$2; shift
		fi ;;
	-j[0-9]*) val=${arg#-j}; arg=-j ;;
	esac
	case $arg in
	-h | --help) usage; exit 0 ;;
	-l | --list) opt_list=yes ;;
	-t | --tap) opt_tap=yes ;;
	-v | --verbose) opt_verbose=yes ;;
	--bisect) opt_bisect=yes ;;
	-g | --group) opt_groups+=("$val") ;;
	-j | --jobs)
		[[ $val =~ ^[1-9][0-9]*$ ]] || die_usage "bad -j value '$val' (a positive number)"
		opt_jobs=$val ;;
	--junit) [ -n "$val" ] || die_usage "--junit needs a file name"; abspath "$val"; opt_junit=$REPLY ;;
	--accel) opt_accel=$val ;;
	--runner)
		case $val in qemu | harness | vmtest) opt_runner=$val ;;
		*) die_usage "bad --runner '$val' (qemu, harness or vmtest)" ;; esac ;;
	--arch) opt_arch=$val ;;
	--shard) opt_shard=$val ;;
	--config) abspath "$val"; opt_config=$REPLY
		[ -d "$opt_config" ] && die_usage "--config=$val is a directory (want the test list file)" ;;
	--timeout-factor)
		if [[ ! $val =~ ^[0-9]{1,4}(\.[0-9]{1,3})?$ ]] || [[ $val =~ ^0+(\.0*)?$ ]]; then
			die_usage "bad --timeout-factor '$val' (a positive number, e.g. 2 or 1.5)"
		fi
		opt_factor=$val ;;
	--repeat)
		[[ $val =~ ^[1-9][0-9]{0,3}$ ]] || die_usage "bad --repeat '$val' (1..9999)"
		opt_repeat=$val ;;
	--migrate-every)
		[[ $val =~ ^[1-9][0-9]{0,8}$ ]] || die_usage "bad --migrate-every '$val' (a positive number)"
		opt_migrate=$val ;;
	--results) [ -n "$val" ] || die_usage "--results needs a directory"; abspath "$val"; opt_results=$REPLY ;;
	--merge) opt_mode=merge; shift; mode_dirs=("$@"); break ;;
	--compare)
		[ $# -eq 3 ] || die_usage "--compare takes two results directories (and nothing else)"
		opt_mode=compare; mode_dirs=("$2" "$3"); break ;;
	--kernel)
		[ -n "$val" ] || die_usage "$arg needs a path or debian:VERSION"
		if [[ $val == debian:* ]]; then
			[[ $val =~ ^debian:[0-9]+\.[0-9]+([.-][0-9A-Za-z.+~-]*)?$ ]] ||
				die_usage "bad --kernel '$val' (debian:VERSION, e.g. debian:6.12)"
			vmtest_opts+=(--debian-kernel "${val#debian:}")
		else
			abspath "$val"; vmtest_opts+=("$arg" "$REPLY")
		fi ;;
	--modules)
		[ -n "$val" ] || die_usage "$arg needs a path"
		abspath "$val"; vmtest_opts+=("$arg" "$REPLY") ;;
	--modparam)
		[[ $val == ?*:?* ]] || die_usage "bad --modparam '$val' (MODULE:ARGS)"
		vmtest_opts+=(--modparam "$val") ;;
	--) shift; opt_names+=("$@"); break ;;
	-*) die_usage "unknown option '$1'" ;;
	*) opt_names+=("$arg") ;;
	esac
	shift
done

if [ ${#vmtest_opts[@]} -gt 0 ] && [ "$opt_runner" != vmtest ]; then
	die_usage "--kernel, --modules and --modparam go with --runner=vmtest"
fi
if [ -n "${VMC_ERRATA:-}" ] && [ -d "$VMC_ERRATA" ]; then
	die_usage "VMC_ERRATA=$VMC_ERRATA is a directory (want the errata file)"
fi
for b in vmc-supervise vmc-report vmc-cfg; do
	[ -x "$VMC_HOSTBIN/$b" ] || { echo "run_tests.sh: $VMC_HOSTBIN/$b is not built (run make)" >&2; exit 2; }
done

# results of earlier runs: compare / merge run nothing
if [ $opt_mode != run ]; then
	for d in "${mode_dirs[@]}"; do
		[ -d "$d" ] || die_usage "not a results directory: '$d'"
	done
	[ ${#mode_dirs[@]} -gt 0 ] || die_usage "--merge needs one or more results directories"
	if [ $opt_mode = compare ]; then
		"$VMC_HOSTBIN/vmc-report" compare "${mode_dirs[@]}"
		exit $?
	fi
	declare -a recs=()
	for d in "${mode_dirs[@]}"; do
		for f in "$d"/*.rec; do [ -e "$f" ] && recs+=("$f"); done
	done
	n_fail=0
	for f in "${recs[@]}"; do
		vmc_record_verdict "$f" || die_usage "not a result record: $f"
		case $REPLY in PASS | XFAIL | SKIP) ;; *) n_fail=$((n_fail + 1)) ;; esac
	done
	[ -n "$opt_junit" ] && "$VMC_HOSTBIN/vmc-report" junit --sort --out "$opt_junit" -- "${recs[@]}"
	if [ $opt_tap = yes ]; then
		echo "TAP version 13"; echo "1..${#recs[@]}"
		"$VMC_HOSTBIN/vmc-report" tapall -- "${recs[@]}"
		"$VMC_HOSTBIN/vmc-report" summary --tap --sort -- "${recs[@]}"
	else
		"$VMC_HOSTBIN/vmc-report" summary --sort -- "${recs[@]}"
	fi
	[ $n_fail -eq 0 ]
	exit $?
fi

case $opt_accel in
"" | kvm | tcg) ;;
*) die_usage "bad accelerator '$opt_accel' (kvm or tcg; from --accel or ACCEL)" ;;
esac
shard_i=1 shard_n=1
if [ -n "$opt_shard" ]; then
	[[ $opt_shard =~ ^([0-9]+)/([0-9]+)$ ]] || die_usage "bad --shard '$opt_shard' (I/N)"
	shard_i=$((10#${BASH_REMATCH[1]})) shard_n=$((10#${BASH_REMATCH[2]}))
	if [ "$shard_n" -lt 1 ] || [ "$shard_i" -lt 1 ] || [ "$shard_i" -gt "$shard_n" ]; then
		die_usage "bad --shard '$opt_shard' (need 1 <= I <= N)"
	fi
fi

cd "$SRCDIR" || exit 2
# relative override paths are relative to the caller's directory (the
# program variables only when they hold a path: a bare name is looked up in PATH)
for v in QEMU_X86 QEMU_S390X QEMU_ARM64 HARNESS VMTEST \
	VMC_ERRATA VMC_LOGDIR VMC_BUILDDIR VMC_QBOOT VMC_OVMF VMC_KVM_DEV; do
	case $v in VMC_*) ;; *) [[ ${!v:-} == */* ]] || continue ;; esac
	if [ -n "${!v:-}" ] && [[ ${!v} != /* ]]; then
		printf -v "$v" '%s' "$OLDPWD/${!v}"
	fi
done
[ -n "$opt_migrate" ] && export VMC_MIGRATE_EVERY=$opt_migrate

# ---------------------------------------------------------------- config
cfg_file=${opt_config:-$SRCDIR/unittests.cfg}
cfg_parse "$cfg_file" || exit 2
errata_file=${VMC_ERRATA:-$SRCDIR/errata}
errata_parse "$errata_file" || exit 2

cfg_arch=""
if [ -r config.mak ]; then
	while IFS='=' read -r k v; do
		[ "$k" = ARCH ] && cfg_arch=$v
	done <config.mak
fi
if [ -z "$cfg_arch" ]; then vmc_host_arch; cfg_arch=$REPLY; fi

declare -a arches=()
case ${opt_arch:-$cfg_arch} in
all)
	for a in $VMC_ARCH_LIST; do
		d=${VMC_BUILDDIR:-build}/$a
		[ -d "$d" ] && [ -n "$(find "$d" \( -name '*.flat' -o -name '*.elf' -o -name '*.efi' \) -print -quit)" ] &&
			arches+=("$a")
	done ;;
*)
	vmc_in_list "${opt_arch:-$cfg_arch}" "$VMC_ARCH_LIST" ||
		die_usage "bad arch '${opt_arch:-$cfg_arch}' ($VMC_ARCH_LIST or all)"
	arches=("${opt_arch:-$cfg_arch}") ;;
esac

# ---------------------------------------------------------------- selection
# any_is_harness: is the harness what `runner = any` means here?  (x86_64
# host, harness built, /dev/kvm usable, and no QEMU accelerator asked for
# with --accel / ACCEL: that asks for QEMU)
vmc_host_arch; host_arch=$REPLY
any_is_harness=no
if [ "$host_arch" = x86_64 ] && [ -z "$opt_accel" ] && [ -x "${HARNESS:-build/host/vmc-harness}" ] &&
	vmc_kvm_usable; then
	any_is_harness=yes
fi

# runner_for TEST -> REPLY: the runner this invocation uses for TEST, or ""
# with WHY = the reason it cannot
runner_for() {
	local a c
	cfg_get "$1" arch x86_64; a=$REPLY
	cfg_get "$1" runner any; c=$REPLY
	REPLY="" WHY=""
	case $opt_runner in
	"")
		case $c in
		harness | qemu) REPLY=$c ;;
		*) if [ "$a" = x86_64 ] && [ $any_is_harness = yes ]; then REPLY=harness; else REPLY=qemu; fi ;;
		esac ;;
	qemu)
		if [ "$c" = harness ]; then
			WHY="runner = harness in $cfg_file: it needs the vmconform harness (run without --runner or with --runner=harness)"
		else
			REPLY=qemu
		fi ;;
	harness | vmtest)
		if [ "$a" != x86_64 ]; then
			WHY="--runner=$opt_runner runs x86_64 tests only (this one is arch $a)"
		elif [ "$c" = qemu ]; then
			WHY="runner = qemu in $cfg_file (its checks are meant for QEMU; run with --runner=qemu)"
		else
			REPLY=$opt_runner
		fi ;;
	esac
}

in_groups() { # TEST GROUP
	cfg_get "$1" groups ""
	vmc_in_list "$2" "$REPLY"
}

# every name given must be a test or a group
for n in "${opt_names[@]}" "${opt_groups[@]}"; do
	found=no
	for t in "${CFG_TESTS[@]}"; do
		if [ "$t" = "$n" ] || in_groups "$t" "$n"; then found=yes; break; fi
	done
	[ $found = yes ] || die_usage "no test or group named '$n' in $cfg_file"
done

# sel: the tests of this invocation; sel_why: a reason it cannot run (a test
# named on the command line is never dropped silently: it SKIPs with it)
declare -a sel=() sel_runner=() sel_why=() sel_idx=()
idx=0
declare -a pick=() pick_runner=() pick_why=()
for t in "${CFG_TESTS[@]}"; do
	named=no
	if [ ${#opt_names[@]} -gt 0 ] || [ ${#opt_groups[@]} -gt 0 ]; then
		want=no
		for n in "${opt_names[@]}"; do
			if [ "$t" = "$n" ]; then want=yes named=yes; fi
			in_groups "$t" "$n" && want=yes
		done
		for n in "${opt_groups[@]}"; do
			in_groups "$t" "$n" && want=yes
		done
		[ $want = yes ] || continue
		# a nodefault test runs only when named itself, or with "nodefault"
		if in_groups "$t" nodefault; then
			want=$named
			for n in "${opt_names[@]}" "${opt_groups[@]}"; do
				[ "$n" = nodefault ] && want=yes
			done
			[ $want = yes ] || continue
		fi
	else
		in_groups "$t" nodefault && continue
	fi
	cfg_get "$t" arch x86_64
	if ! vmc_in_list "$REPLY" "${arches[*]}"; then
		[ $named = yes ] || continue
		pick+=("$t"); pick_runner+=("${opt_runner:-any}")
		if [ "${opt_arch:-}" = all ]; then
			pick_why+=("arch $REPLY: nothing built for it (make ARCH=$REPLY)")
		else
			pick_why+=("arch $REPLY: not selected (run with --arch=$REPLY or --arch=all)")
		fi
		continue
	fi
	runner_for "$t"
	if [ -z "$REPLY" ]; then
		[ $named = yes ] || continue
		pick+=("$t"); pick_runner+=("$opt_runner"); pick_why+=("$WHY")
		continue
	fi
	pick+=("$t"); pick_runner+=("$REPLY"); pick_why+=("")
done
for ((rep = 0; rep < opt_repeat; rep++)); do
	for k in "${!pick[@]}"; do
		idx=$((idx + 1))
		[ $(((idx - 1) % shard_n)) -eq $((shard_i - 1)) ] || continue
		sel+=("${pick[k]}"); sel_runner+=("${pick_runner[k]}"); sel_why+=("${pick_why[k]}")
		sel_idx+=("$((idx - 1))")
	done
done

# label_for TEST RUNNER -> REPLY (qemu-kvm, qemu-tcg, harness, vmtest:<ver>)
# and ACC (accelerator used by qemu)
label_for() {
	local a
	cfg_get "$1" arch x86_64; a=$REPLY
	if [ -n "$opt_accel" ]; then ACC=$opt_accel; else vmc_default_accel "$a"; ACC=$REPLY; fi
	# OVMF stops with a KVM emulation failure under kvm_pvm
	# (specs/toolchain.md §3.4): EFI runs there use TCG, labelled so
	LABEL_NOTE=""
	if [ "$2" = qemu ] && [ "$ACC" = kvm ]; then
		test_env "$1"
		if [ "$REPLY" = x86_64-efi ]; then
			vmc_kvm_module
			if [ "$REPLY" = kvm_pvm ]; then
				ACC=tcg LABEL_NOTE="TCG, not KVM: OVMF stops with an emulation failure under kvm_pvm"
			fi
		fi
	fi
	case $2 in
	qemu) REPLY=qemu-$ACC ;;
	harness) REPLY=harness ;;
	vmtest) REPLY=${vmtest_label:-vmtest} ;;
	*) REPLY=$2 ;;
	esac
}

# can_run I -> REPLY: "" or why selected test I cannot run here (SKIP)
can_run() {
	local t=${sel[$1]} r=${sel_runner[$1]} a
	REPLY=${sel_why[$1]}
	[ -n "$REPLY" ] && return
	cfg_get "$t" arch x86_64; a=$REPLY
	label_for "$t" "$r"
	REPLY=""
	if [ "$r" = qemu ] && [ "$ACC" = kvm ] && [ "$a" != "$host_arch" ]; then
		REPLY="accel=kvm needs a $a host (use --accel=tcg)"
	elif [ "$r" = qemu ] && [ "$ACC" = kvm ] && ! vmc_kvm_usable; then
		REPLY="accel=kvm: ${VMC_KVM_DEV:-/dev/kvm} not usable (need read-write access; or use --accel=tcg)"
	elif [ "$r" = qemu ] && [ -n "$opt_migrate" ]; then
		REPLY="--migrate-every needs the harness (--runner=harness or vmtest); QEMU runs do not migrate"
	elif ! vmc_check_caps "$t" "$r" "$ACC"; then
		:
	elif [ "$r" != vmtest ] && ! vmc_check_modparams "$t"; then
		:
	else
		REPLY=""
	fi
}

if [ $opt_list = yes ]; then
	for i in "${!sel[@]}"; do
		t=${sel[i]}
		cfg_get "$t" arch x86_64; a=$REPLY
		cfg_get "$t" groups ""; g=$REPLY
		can_run "$i"
		if [ -n "$REPLY" ]; then st="cannot run here: $REPLY"; else st="can run here"; fi
		cfg_get "$t" requires ""
		printf '%-24s %-7s %-8s %-20s requires: %-12s %s\n' "$t" "$a" "${sel_runner[i]}" "${g:--}" "${REPLY:--}" "$st"
	done
	exit 0
fi

# ---------------------------------------------------------------- running
logdir=${VMC_LOGDIR:-$SRCDIR/logs}
resdir=${opt_results:-$logdir/results}
mkdir -p "$logdir" "$resdir" || exit 2
rm -f "$resdir"/*.rec
workdir=$(mktemp -d "${TMPDIR:-/tmp}/vmc-runner.XXXXXX") || exit 2
export VMC_RUN_STATEDIR=$workdir
interrupted=no vmtest_running=no
trap 'rm -rf "$workdir"' EXIT
trap on_signal INT TERM

vmtest_label=""
if [ "$opt_runner" = vmtest ] && [ ${#sel[@]} -gt 0 ]; then
	vm=${VMTEST:-scripts/vmtest}
	if [ -x "$vm" ]; then
		# vmtest's own progress (kernel fetch: "vmtest: fetching ...") shows on stderr
		vmtest_label=$(timeout 600 "$vm" "${vmtest_opts[@]}" --label </dev/null | head -n 1)
	fi
	[[ $vmtest_label =~ ^vmtest:[A-Za-z0-9._+~-]+$ ]] || vmtest_label=vmtest:unknown
fi

rec_of() { printf -v REPLY '%s/%05d.rec' "$resdir" "${sel_idx[$1]}"; }

# run_prepare I: sets P_T P_RUNNER P_LABEL P_ACC P_TMO P_LOG P_ART P_REC and
# CMD; starts the log; sets PRE/PRE_REASON when the run cannot happen
run_prepare() {
	local a rep=""
	P_T=${sel[$1]} P_RUNNER=${sel_runner[$1]}
	label_for "$P_T" "$P_RUNNER"; P_LABEL=$REPLY; P_ACC=$ACC P_NOTE=$LABEL_NOTE
	cfg_get "$P_T" arch x86_64; a=$REPLY P_ARCH=$a
	cfg_get "$P_T" timeout "$VMC_DEFAULT_TIMEOUT"; P_TMO=$REPLY
	if [ -n "$opt_factor" ]; then
		# whole seconds, rounded up; F has at most 3 decimals
		local f=${opt_factor%%.*} d=000
		[[ $opt_factor == *.* ]] && { d=${opt_factor#*.}000; d=${d:0:3}; }
		P_TMO=$(((P_TMO * (10#$f * 1000 + 10#$d) + 999) / 1000))
		[ "$P_TMO" -gt 86400 ] && P_TMO=86400
	fi
	[ "$opt_repeat" -gt 1 ] && rep=.r$((sel_idx[$1] / ${#pick[@]} + 1))
	P_LOG=$logdir/$P_T.${P_LABEL%%:*}$rep.log
	P_LOG=${P_LOG#"$SRCDIR"/} # shown relative to the tree (we run in SRCDIR)
	rec_of "$1"; P_REC=$REPLY
	test_artefact "$P_T"; P_ART=$REPLY
	PRE="" PRE_REASON=""
	echo "# test: $P_T  arch: $a  runner: $P_LABEL  timeout: ${P_TMO}s" >"$P_LOG"
	vmc_build_cmd "$P_T" "$P_RUNNER" "$P_ACC" "$P_TMO" "$P_LOG.exits"
	can_run "$1"
	if [ -n "$REPLY" ]; then
		PRE=SKIP PRE_REASON=$REPLY
	elif [ ! -e "$P_ART" ]; then
		PRE=ERROR PRE_REASON="not built: $P_ART (run make ARCH=$a)"
	elif [ "$P_RUNNER" = harness ] && [ ! -x "${CMD[0]}" ]; then
		PRE=ERROR PRE_REASON="not built: ${CMD[0]} (run make)"
	elif [ "$P_RUNNER" = vmtest ] && [ ! -x "${VMTEST:-scripts/vmtest}" ]; then
		PRE=ERROR PRE_REASON="vmtest runner not available (${VMTEST:-scripts/vmtest})"
	elif [ "$P_RUNNER" != vmtest ] && ! command -v "${CMD[0]}" >/dev/null 2>&1; then
		PRE=ERROR PRE_REASON="not found: ${CMD[0]} (run scripts/setup.sh)"
	fi
	[ "$P_RUNNER" = vmtest ] && return 0
	{
		vmc_quote_cmd "${CMD[@]}"; echo "# command: $REPLY"
		[ -n "$FIRMWARE" ] && echo "# firmware: $FIRMWARE"
	} >>"$P_LOG"
	if [ $opt_verbose = yes ] && [ $opt_tap = no ]; then
		vmc_quote_cmd "${CMD[@]}"; echo "$P_T [$P_LABEL]: $REPLY" >&2
		[ -n "$FIRMWARE" ] && echo "$P_T [$P_LABEL]: firmware: $FIRMWARE" >&2
	fi
	return 0
}

# sup_common: the vmc-supervise options naming this run
sup_common() {
	SUP_ARGS=(--test "$P_T" --label "$P_LABEL" --arch "$P_ARCH" --index "${sel_idx[$1]}")
	if [ -n "$P_NOTE" ]; then SUP_ARGS+=(--note "$P_NOTE"); fi
}

# pre_record I: the record of a run that does not happen
pre_record() {
	sup_common "$1"
	"$VMC_HOSTBIN/vmc-supervise" --record "$P_REC" --log "$P_LOG" "${SUP_ARGS[@]}" \
		--verdict "$PRE" --reason "$PRE_REASON"
}

# run_one I: run selected test I (qemu or harness) under vmc-supervise
run_one() {
	local otmo
	run_prepare "$1"
	if [ -n "$PRE" ]; then pre_record "$1"; return; fi
	# the harness keeps its own deadline (-t) and dumps registers at it;
	# the outer one (1 s later) only catches a harness that does not stop
	if [ "$P_RUNNER" = qemu ]; then otmo=$P_TMO; else otmo=$((P_TMO + 1)); fi
	sup_common "$1"
	errata_args "$P_T" "$P_RUNNER" "$P_ACC" "$P_ARCH"
	[ -e "$workdir/stop" ] && return
	vmc_supervise "$P_REC" "$P_LOG" "$otmo" "$EXIT_KIND" "${SUP_ARGS[@]}" "${ERRATA_ARGS[@]}" -- "${CMD[@]}"
}

# run_vmtest_batch: the selected tests in one boot of the kernel under test
# per distinct `modparams` (scripts/vmtest, interface in its usage text);
# each test's console is classified by vmc-supervise --from
run_vmtest_batch() {
	local i mp
	local -A groups=()
	local -a order=()
	for i in "${!sel[@]}"; do
		vmc_cfg_words "${sel[i]}" modparams
		mp="${WORDS[*]}"
		[ -n "${groups[x$mp]+x}" ] || order+=("$mp")
		groups[x$mp]+=" $i"
	done
	for mp in "${order[@]}"; do
		[ -e "$workdir/stop" ] && return
		# shellcheck disable=SC2086 # a list of indices
		vmtest_boot "$mp" ${groups[x$mp]}
	done
}

# vmtest_boot MODPARAMS I...: one boot for these selected tests
vmtest_boot() {
	local mp=$1 i vm=${VMTEST:-scripts/vmtest} vlog total_t=0 n rc out v st=0 w
	shift
	local -a args=() todo=() mpargs=()
	local -A got_rc=() got_out=()
	vlog=$(mktemp -d "$workdir/vmtest.XXXXXX") || return
	for w in $mp; do mpargs+=(--modparam "$w"); done
	for i in "$@"; do
		run_prepare "$i"
		if [ -n "$PRE" ]; then pre_record "$i"; continue; fi
		todo+=("$i")
		args+=(--test "$P_T" --payload "$P_ART" --timeout "$P_TMO")
		cfg_get "$P_T" smp 1; args+=(--smp "$REPLY")
		vmc_cfg_words "$P_T" harness_params
		[ -n "$opt_migrate" ] && WORDS=(--migrate-every "$opt_migrate" "${WORDS[@]}")
		[ ${#WORDS[@]} -gt 0 ] && { vmc_guest_cmdline "${WORDS[@]}"; args+=(--harness-params "$REPLY"); }
		vmc_test_memory "$P_T"
		vmc_cfg_words "$P_T" args
		WORDS=(${MEM_ARG:+"$MEM_ARG"} "${WORDS[@]}")
		[ ${#WORDS[@]} -gt 0 ] && { vmc_guest_cmdline "${WORDS[@]}"; args+=(--args "$REPLY"); }
		total_t=$((total_t + P_TMO))
	done
	[ ${#todo[@]} -eq 0 ] && return 0
	show_progress 0 "${#todo[@]} tests in the kernel under test${mp:+ ($mp)}"
	vmc_quote_cmd "$vm" "${vmtest_opts[@]}" "${mpargs[@]}" --log "$vlog" "${args[@]}"
	[ $opt_verbose = yes ] && [ $opt_tap = no ] && echo "vmtest: $REPLY" >&2
	local cmdline=$REPLY t0 cs secs
	vmc_uptime_cs; t0=$REPLY
	# in the background, in a process group of its own (timeout(1) makes
	# one): `wait` is interruptible, on_signal kills the group
	vmtest_running=yes
	timeout -k 5 $((total_t + 240)) "$vm" "${vmtest_opts[@]}" "${mpargs[@]}" --log "$vlog" "${args[@]}" \
		</dev/null >"$vlog/stdout" 2>"$vlog/stderr" &
	echo $! >"$workdir/vmtest.pid"
	wait $! || st=$?
	rm -f "$workdir/vmtest.pid"
	vmtest_running=no
	[ -e "$workdir/stop" ] && return
	vmc_uptime_cs; cs=$((REPLY - t0))
	secs=$(printf '%d.%02d' $((cs / 100)) $((cs % 100)))
	# the protocol lines of scripts/vmtest: NAME STATUS OUTFILE
	while read -r n rc out; do
		if [ -z "$n" ] || [[ ! $rc =~ ^[0-9]{1,3}$ ]]; then continue; fi
		got_rc[$n]=$rc got_out[$n]=$out
	done < <(head -c 1048576 "$vlog/stdout")
	v=$(grep -a '^vmtest: ' "$vlog/stderr" | tail -n 1 | LC_ALL=C tr -cd '[:print:]' | head -c 300)
	for i in "${todo[@]}"; do
		run_prepare "$i"
		{
			echo "# command (one boot for ${#todo[@]} tests): $cmdline"
			echo "# vmtest exit status: $st  wall: $((cs / 100)) s"
			head -c 65536 "$vlog/stderr" | sed 's/^/# vmtest: /'
		} >>"$P_LOG"
		sup_common "$i"
		if [ -n "${got_rc[$P_T]+x}" ] && [ -r "${got_out[$P_T]}" ]; then
			errata_args "$P_T" vmtest "$P_ACC" "$P_ARCH" "${vmtest_label#vmtest:}"
			"$VMC_HOSTBIN/vmc-supervise" --record "$P_REC" --log "$P_LOG" --kind harness \
				--cap "${VMC_LOG_CAP:-1048576}" --secs "$secs" "${SUP_ARGS[@]}" "${ERRATA_ARGS[@]}" \
				--from "${got_out[$P_T]}" --rc "${got_rc[$P_T]}"
			continue
		fi
		if [ "$st" -eq 77 ] && [ ${#vmtest_opts[@]} -eq 0 ] &&
			[ -z "${VMTEST_KERNEL:-}${VMTEST_MODULES:-}${VMTEST_MODPARAMS:-}" ]; then
			# the default kernel could not be had (no network, no
			# KVM modules): an environment limit, not a verdict
			PRE=SKIP PRE_REASON="vmtest cannot run here: ${v:-no reason given}"
		elif [ "$st" -eq 77 ]; then
			# a kernel was named (option or VMTEST_* environment, e.g.
			# under git bisect run): not being able to run it must not
			# pass as "good"
			PRE=ERROR PRE_REASON="vmtest cannot run the given kernel: ${v:-no reason given}"
		else
			PRE=ERROR PRE_REASON="vmtest gave no result (status $st): ${v:-no message}"
		fi
		pre_record "$i"
	done
}

# ---------------------------------------------------------------- reporting
total=${#sel[@]}
n_pass=0 n_fail=0 n_skip=0 n_bad=0 n_err=0 tap_n=0
progress=no
[ -t 1 ] && [ $opt_tap = no ] && progress=yes
[ $opt_tap = yes ] && { echo "TAP version 13"; echo "1..$total"; }
declare -a done_recs=()

# report I: print the result of selected test I (vmc-report, from its record)
report() {
	local rec
	rec_of "$1"; rec=$REPLY
	vmc_record_verdict "$rec" || return
	case $REPLY in
	PASS | XFAIL) n_pass=$((n_pass + 1)) ;;
	SKIP) n_skip=$((n_skip + 1)); n_err=$((n_err + 1)) ;;
	FAIL | TIMEOUT) n_fail=$((n_fail + 1)); n_bad=$((n_bad + 1)) ;;
	INTERRUPTED) ;;
	*) n_fail=$((n_fail + 1)); n_err=$((n_err + 1)) ;;
	esac
	[ $progress = yes ] && printf '\r\033[K'
	if [ $opt_tap = yes ]; then
		tap_n=$((tap_n + 1))
		"$VMC_HOSTBIN/vmc-report" line --tap "$tap_n" "$rec"
	else
		"$VMC_HOSTBIN/vmc-report" line "$rec"
	fi
	done_recs+=("$rec")
}

show_progress() { # DONE RUNNING-NAME
	[ $progress = yes ] && printf '\r\033[K[%d/%d] running %s' "$1" "$total" "$2"
}

vmc_uptime_cs; t_start=$REPLY
next_print=0
flush_done() {
	local rec
	while [ $next_print -lt "$total" ]; do
		rec_of "$next_print"; rec=$REPLY
		[ -e "$rec" ] || break
		report $next_print
		next_print=$((next_print + 1))
	done
}

# finish: JUnit, summary, tally, exit status
finish() {
	local t_end elapsed e
	vmc_uptime_cs; t_end=$REPLY
	[ $progress = yes ] && printf '\r\033[K'
	e=$((t_end - t_start))
	elapsed=$(printf '%d.%02d' $((e / 100)) $((e % 100)))
	if [ -n "$opt_junit" ]; then
		"$VMC_HOSTBIN/vmc-report" junit --elapsed "$elapsed" --out "$opt_junit" -- "${done_recs[@]}" ||
			echo "run_tests.sh: cannot write $opt_junit" >&2
	fi
	local -a sopt=(--elapsed "$elapsed")
	[ $opt_tap = yes ] && sopt+=(--tap)
	[ $interrupted = yes ] && sopt+=(--interrupted)
	if [ "$total" -eq 0 ]; then
		if [ $opt_tap = yes ]; then pfx="# "; else pfx=""; fi
		echo "${pfx}no tests selected (arch ${arches[*]:-none}${opt_runner:+, runner $opt_runner})"
	fi
	"$VMC_HOSTBIN/vmc-report" summary "${sopt[@]}" -- "${done_recs[@]}"
	[ $interrupted = yes ] && exit 130
	if [ $opt_bisect = yes ]; then
		[ $n_bad -gt 0 ] && exit 1
		if [ $n_err -gt 0 ] || [ $n_pass -eq 0 ]; then exit 125; fi
		exit 0
	fi
	[ $n_fail -eq 0 ] && exit 0
	exit 1
}

# shellcheck disable=SC2317 # runs from the trap
on_signal() {
	trap '' INT TERM
	interrupted=yes
	: >"$workdir/stop"
	{
		vmc_kill_runs
		[ -s "$workdir/vmtest.pid" ] && kill -TERM -- "-$(<"$workdir/vmtest.pid")"
		# the runs end once their supervisors have written INTERRUPTED
		wait
		vmc_kill_runs
	} 2>/dev/null # no "Killed" job notices
	echo "run_tests.sh: interrupted" >&2
	local i rec
	# a vmtest boot cut short: each of its tests was running
	if [ "$opt_runner" = vmtest ] && [ "$vmtest_running" = yes ]; then
		for i in "${!sel[@]}"; do
			rec_of "$i"
			[ -e "$REPLY" ] && continue
			run_prepare "$i"
			PRE=INTERRUPTED PRE_REASON="interrupted during the vmtest boot"
			pre_record "$i"
		done
	fi
	# the finished runs in order, then the interrupted ones
	flush_done
	for ((i = next_print; i < total; i++)); do
		rec_of "$i"; rec=$REPLY
		[ -e "$rec" ] && report "$i"
	done
	finish
}

[ "$opt_runner" = vmtest ] && run_vmtest_batch
for i in "${!sel[@]}"; do
	rec_of "$i"
	[ -e "$REPLY" ] && { flush_done; continue; }
	# runs go in the background even with -j 1: `wait` is interruptible,
	# so Ctrl-C reaches on_signal at once
	while [ "$(jobs -rp | wc -l)" -ge "$opt_jobs" ]; do
		wait -n 2>/dev/null
		flush_done
	done
	show_progress "$next_print" "${sel[i]}"
	run_one "$i" &
	flush_done
done
wait
flush_done
finish
