#!/usr/bin/env bash
# vmconform runner front end (DESIGN §6): selects tests from unittests.cfg,
# boots each with its runner, classifies the run, prints one line per run, a
# summary table and, last, "N passed, N failed, N skipped".
# Exit: 0 nothing failed, 1 something failed/errored/timed out, 2 usage error
# (so `git bisect run ./run_tests.sh TEST` works).  No eval.
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
  -l, --list          list the selected tests and exit
  --arch=ARCH|all     x86_64 s390x arm64, or every arch with built tests
                      (default: ARCH from config.mak)
  --runner=R          qemu | harness | vmtest (default: each test's own
                      runner; "any" means qemu)
  --accel=kvm|tcg     QEMU accelerator (also env ACCEL; default kvm when
                      /dev/kvm opens read-write and the arch is the host's)
  --shard=I/N         run only the I-th of every N selected tests (1 <= I <= N)
  --config=FILE       test list (default unittests.cfg)
Kernel under test (--runner=vmtest; see docs/vmtest.md):
  --kernel=BZIMAGE    boot this kernel instead of Debian's current one
  --modules=DIR       its modules (the tree holding kvm*.ko)
  --modparam=MOD:ARGS insmod parameters, e.g. kvm_amd:npt=0 (may repeat)
                      (or VMTEST_KERNEL, VMTEST_MODULES, VMTEST_MODPARAMS)
Output:
  -j, --jobs=N        run N tests in parallel (results print in list order)
  -t, --tap           TAP version 13 on stdout
  --junit=FILE        also write JUnit XML to FILE
  -v, --verbose       print each command line and firmware choice
  -h, --help          this help
Logs: logs/<test>.<runner>.log (full command line at the top).
Environment: ACCEL, QEMU_X86, QEMU_S390X, QEMU_ARM64, HARNESS, VMTEST,
  VMC_QBOOT, VMC_OVMF, VMC_LOGDIR, VMC_ERRATA, VMC_BUILDDIR, VMC_KVM_DEV
  (see docs/results.md).
USAGE
}

die_usage() {
	echo "run_tests.sh: $*" >&2
	echo "run_tests.sh: see ./run_tests.sh -h" >&2
	exit 2
}

# absolute path of a user-given file name (we cd to SRCDIR below)
abspath() { case $1 in /*) REPLY=$1 ;; *) REPLY=$PWD/$1 ;; esac; }

# ---------------------------------------------------------------- options
opt_list=no opt_tap=no opt_verbose=no opt_jobs=1 opt_junit="" opt_runner=""
opt_accel=${ACCEL:-} opt_arch="" opt_shard="" opt_config=""
declare -a vmtest_opts=()
declare -a opt_groups=() opt_names=()

while [ $# -gt 0 ]; do
	arg=$1 val="" hasval=no
	case $arg in
	--*=*) val=${arg#*=}; arg=${arg%%=*}; hasval=yes ;;
	esac
	case $arg in
	-g | --group | -j | --jobs | --junit | --accel | --runner | --arch | --shard | --config | \
	--kernel | --modules | --modparam)
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
	--config) abspath "$val"; opt_config=$REPLY ;;
	--kernel | --modules)
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
# runner_for TEST -> REPLY: the runner this invocation uses for TEST, or ""
runner_for() {
	local a c
	cfg_get "$1" arch x86_64; a=$REPLY
	cfg_get "$1" runner any; c=$REPLY
	REPLY=""
	case $opt_runner in
	"") if [ "$c" = harness ]; then REPLY=harness; else REPLY=qemu; fi ;;
	qemu) [ "$c" != harness ] && REPLY=qemu ;;
	harness | vmtest) [ "$a" = x86_64 ] && [ "$c" != qemu ] && REPLY=$opt_runner ;;
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

declare -a sel=() sel_runner=()
idx=0
for t in "${CFG_TESTS[@]}"; do
	cfg_get "$t" arch x86_64
	vmc_in_list "$REPLY" "${arches[*]}" || continue
	if [ ${#opt_names[@]} -gt 0 ] || [ ${#opt_groups[@]} -gt 0 ]; then
		want=no
		for n in "${opt_names[@]}"; do
			if [ "$t" = "$n" ] || in_groups "$t" "$n"; then want=yes; fi
		done
		for n in "${opt_groups[@]}"; do
			in_groups "$t" "$n" && want=yes
		done
		[ $want = yes ] || continue
		# a nodefault test runs only when named itself, or with "nodefault"
		if in_groups "$t" nodefault; then
			want=no
			for n in "${opt_names[@]}" "${opt_groups[@]}"; do
				if [ "$t" = "$n" ] || [ "$n" = nodefault ]; then want=yes; fi
			done
			[ $want = yes ] || continue
		fi
	else
		in_groups "$t" nodefault && continue
	fi
	runner_for "$t"
	[ -n "$REPLY" ] || continue
	idx=$((idx + 1))
	[ $(((idx - 1) % shard_n)) -eq $((shard_i - 1)) ] || continue
	sel+=("$t"); sel_runner+=("$REPLY")
done

if [ $opt_list = yes ]; then
	for i in "${!sel[@]}"; do
		t=${sel[i]}
		cfg_get "$t" arch x86_64; a=$REPLY
		cfg_get "$t" groups ""
		printf '%-24s %-7s %-8s %s\n' "$t" "$a" "${sel_runner[i]}" "$REPLY"
	done
	exit 0
fi

# ---------------------------------------------------------------- running
logdir=${VMC_LOGDIR:-$SRCDIR/logs}
mkdir -p "$logdir" || exit 2
workdir=$(mktemp -d "${TMPDIR:-/tmp}/vmc-runner.XXXXXX") || exit 2
export VMC_RUN_STATEDIR=$workdir
on_signal() {
	trap '' INT TERM
	local p
	{
		vmc_kill_runs
		# background runs (-j) end once their QEMU is gone
		for p in $(jobs -p); do kill "$p"; done
		wait
		vmc_kill_runs
	} 2>/dev/null # no "Killed" job notices
	echo "run_tests.sh: interrupted" >&2
	exit 130
}
trap 'rm -rf "$workdir"' EXIT
trap on_signal INT TERM

vmtest_label=""
if [ "$opt_runner" = vmtest ]; then
	vm=${VMTEST:-scripts/vmtest}
	if [ -x "$vm" ]; then
		vmtest_label=$(timeout 300 "$vm" "${vmtest_opts[@]}" --label 2>/dev/null | head -n 1)
	fi
	[[ $vmtest_label == vmtest:* ]] || vmtest_label=vmtest:unknown
fi

# label_for TEST RUNNER -> REPLY (qemu-kvm, qemu-tcg, harness, vmtest:<ver>)
# and ACC (accelerator used by qemu)
label_for() {
	local a
	cfg_get "$1" arch x86_64; a=$REPLY
	if [ -n "$opt_accel" ]; then ACC=$opt_accel; else vmc_default_accel "$a"; ACC=$REPLY; fi
	case $2 in
	qemu) REPLY=qemu-$ACC ;;
	harness) REPLY=harness ;;
	vmtest) REPLY=$vmtest_label ;;
	esac
}

# run_prepare I: sets P_T P_RUNNER P_LABEL P_ACC P_TMO P_LOG P_ART and CMD;
# starts the log; sets RESULT/REASON when the run cannot or need not happen.
run_prepare() {
	local a host
	P_T=${sel[$1]} P_RUNNER=${sel_runner[$1]}
	label_for "$P_T" "$P_RUNNER"; P_LABEL=$REPLY; P_ACC=$ACC
	cfg_get "$P_T" arch x86_64; a=$REPLY
	cfg_get "$P_T" timeout 90; P_TMO=$REPLY
	P_LOG=$logdir/$P_T.${P_LABEL%%:*}.log
	test_artefact "$P_T"; P_ART=$REPLY
	RESULT="" REASON="" CHECKS="" DETAILS=() RUN_USECS=0 RUN_RC=""
	echo "# test: $P_T  arch: $a  runner: $P_LABEL  timeout: ${P_TMO}s" >"$P_LOG"
	vmc_build_cmd "$P_T" "$P_RUNNER" "$P_ACC" "$P_TMO" "$P_LOG.exits"
	vmc_host_arch; host=$REPLY
	if [ "$P_RUNNER" = qemu ] && [ "$P_ACC" = kvm ] && [ "$a" != "$host" ]; then
		RESULT=SKIP REASON="accel=kvm needs a $a host (use --accel=tcg)"
	elif [ "$P_RUNNER" = qemu ] && [ "$P_ACC" = kvm ] && ! vmc_kvm_usable; then
		RESULT=SKIP REASON="accel=kvm: ${VMC_KVM_DEV:-/dev/kvm} not usable (need read-write access; or use --accel=tcg)"
	elif ! vmc_check_caps "$P_T" "$P_RUNNER" "$P_ACC"; then
		RESULT=SKIP REASON=$REPLY
	elif [ ! -e "$P_ART" ]; then
		RESULT=ERROR REASON="not built: $P_ART (run make ARCH=$a)"
	elif [ "$P_RUNNER" = harness ] && [ ! -x "${CMD[0]}" ]; then
		RESULT=ERROR REASON="not built: ${CMD[0]} (run make)"
	elif [ "$P_RUNNER" = vmtest ] && [ ! -x "${VMTEST:-scripts/vmtest}" ]; then
		RESULT=ERROR REASON="vmtest runner not available (${VMTEST:-scripts/vmtest})"
	elif [ "$P_RUNNER" != vmtest ] && ! command -v "${CMD[0]}" >/dev/null 2>&1; then
		RESULT=ERROR REASON="not found: ${CMD[0]} (run scripts/setup.sh)"
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

# run_finish I: ends the log, writes $workdir/I.res (key=value lines)
run_finish() {
	local res=$workdir/$1.res secs d
	secs=$(printf '%d.%02d' $((RUN_USECS / 1000000)) $((RUN_USECS % 1000000 / 10000)))
	{
		echo "# exit status: ${RUN_RC:-none}  time: ${secs} s"
		echo "# result: $RESULT${REASON:+ ($REASON)}"
	} >>"$P_LOG"
	{
		echo "result=$RESULT"
		echo "label=$P_LABEL"
		echo "reason=${REASON//$'\n'/ }"
		echo "checks=$CHECKS"
		echo "secs=$secs"
		echo "log=${P_LOG#"$SRCDIR"/}"
		for d in "${DETAILS[@]}"; do echo "detail=${d//$'\n'/ }"; done
	} >"$res.tmp"
	mv "$res.tmp" "$res"
}

# run_one I: run selected test I (qemu or harness)
run_one() {
	local otmo
	run_prepare "$1"
	if [ -z "$RESULT" ]; then
		# the harness keeps its own deadline (-t) and dumps registers at
		# it; the outer one only catches a harness that does not stop
		if [ "$P_RUNNER" = qemu ]; then otmo=$P_TMO; else otmo=$((${P_TMO%.*} + 5)); fi
		vmc_run_watched "$otmo" "$P_LOG" "${CMD[@]}"
		vmc_classify "$P_T" "$P_RUNNER" "$P_ACC" "$EXIT_KIND" "$P_LOG"
		[ "$RUN_TIMEDOUT" = yes ] && REASON="no exit within $otmo s"
		# vmc_build_cmd's note on how the run differs from the label (EFI on kvm_pvm: TCG)
		[ -n "${RUN_NOTE:-}" ] && REASON=${REASON:+$REASON; }$RUN_NOTE
	fi
	run_finish "$1"
}

# run_vmtest_batch: every selected test in one boot of the kernel under test
# (scripts/vmtest, interface in its usage text); classified like harness runs
run_vmtest_batch() {
	local i vm=${VMTEST:-scripts/vmtest} vlog=$workdir/vmtest st=0 total_t=0 n rc out v
	local -a args=() todo=()
	local -A got_rc=() got_out=()
	mkdir -p "$vlog"
	for i in "${!sel[@]}"; do
		run_prepare "$i"
		if [ -n "$RESULT" ]; then run_finish "$i"; continue; fi
		todo+=("$i")
		args+=(--test "$P_T" --payload "$P_ART" --timeout "${P_TMO%.*}")
		cfg_get "$P_T" smp 1; args+=(--smp "$REPLY")
		cfg_get "$P_T" harness_params ""; [ -n "$REPLY" ] && args+=(--harness-params "$REPLY")
		cfg_get "$P_T" args ""; [ -n "$REPLY" ] && args+=(--args "$REPLY")
		total_t=$((total_t + ${P_TMO%.*}))
	done
	[ ${#todo[@]} -eq 0 ] && return 0
	show_progress 0 "${#todo[@]} tests in the kernel under test"
	vmc_quote_cmd "$vm" "${vmtest_opts[@]}" --log "$vlog" "${args[@]}"
	[ $opt_verbose = yes ] && [ $opt_tap = no ] && echo "vmtest: $REPLY" >&2
	local cmdline=$REPLY t0=${EPOCHREALTIME/./}
	# in the background and registered like a watched run: `wait` is
	# interruptible, so a signal reaches on_signal at once, and
	# vmc_kill_runs ends timeout's process group (QEMU included)
	mkdir -p "$workdir/vmc-run.vmtest"
	timeout -k 5 $((total_t + 240)) "$vm" "${vmtest_opts[@]}" --log "$vlog" "${args[@]}" \
		</dev/null >"$vlog/stdout" 2>"$vlog/stderr" &
	echo $! >"$workdir/vmc-run.vmtest/pid"
	wait $! || st=$?
	rm -rf "$workdir/vmc-run.vmtest"
	local usecs=$((${EPOCHREALTIME/./} - t0))
	while read -r n rc out; do
		if [ -z "$n" ] || [[ ! $rc =~ ^[0-9]+$ ]]; then continue; fi
		got_rc[$n]=$rc got_out[$n]=$out
	done <"$vlog/stdout"
	for i in "${todo[@]}"; do
		run_prepare "$i"
		{
			echo "# command (one boot for ${#todo[@]} tests): $cmdline"
			echo "# vmtest exit status: $st  wall: $((usecs / 1000000)) s"
			sed 's/^/# vmtest: /' "$vlog/stderr"
		} >>"$P_LOG"
		RUN_USECS=$usecs RUN_TIMEDOUT=no
		# shellcheck disable=SC2034 # read by vmc_classify
		RUN_FATAL=""
		if [ -n "${got_rc[$P_T]+x}" ]; then
			RUN_RC=${got_rc[$P_T]}
			[ -r "${got_out[$P_T]}" ] && cat "${got_out[$P_T]}" >>"$P_LOG"
			vmc_classify "$P_T" vmtest "$P_ACC" harness "$P_LOG"
		else
			v=$(grep -v '^$' "$vlog/stderr" | tail -n 1)
			if [ "$st" -eq 77 ] && [ ${#vmtest_opts[@]} -eq 0 ] &&
				[ -z "${VMTEST_KERNEL:-}${VMTEST_MODULES:-}${VMTEST_MODPARAMS:-}" ]; then
				# the default kernel could not be had (no network, no
				# KVM modules): an environment limit, not a verdict
				RESULT=SKIP REASON="vmtest cannot run here: ${v:-no reason given}"
			elif [ "$st" -eq 77 ]; then
				# a kernel was named (option or VMTEST_* environment, e.g.
				# under git bisect run): not being able to run it must not
				# pass as "good"
				RESULT=ERROR REASON="vmtest cannot run the given kernel: ${v:-no reason given}"
			else
				RESULT=ERROR REASON="vmtest gave no result (status $st): ${v:-no message}"
			fi
		fi
		run_finish "$i"
	done
}

# ---------------------------------------------------------------- reporting
total=${#sel[@]}
n_pass=0 n_fail=0 n_skip=0 tap_n=0
declare -a sum_rows=()
progress=no
[ -t 1 ] && [ $opt_tap = no ] && progress=yes
[ $opt_tap = yes ] && { echo "TAP version 13"; echo "1..$total"; }

junit_cases=""
declare -A junit_count=([tests]=0 [failures]=0 [errors]=0 [skipped]=0)

# report I: print the result of selected test I
report() {
	local i=$1 t=${sel[$1]} k v result="" label="" reason="" checks="" secs="" log="" info d
	local -a details=()
	while IFS='=' read -r k v; do
		case $k in
		result) result=$v ;; label) label=$v ;; reason) reason=$v ;;
		checks) checks=$v ;; secs) secs=$v ;; log) log=$v ;;
		detail) details+=("$v") ;;
		esac
	done <"$workdir/$i.res"
	local s=s
	[ "$checks" = 1 ] && s=""
	case $result in
	PASS) info="$checks check$s${reason:+, $reason}"; n_pass=$((n_pass + 1)) ;;
	XFAIL) info="$checks check$s, $reason"; n_pass=$((n_pass + 1)) ;;
	FAIL) info="$checks check$s, $reason"; n_fail=$((n_fail + 1)) ;;
	SKIP) info=$reason; n_skip=$((n_skip + 1)) ;;
	*) info=$reason; n_fail=$((n_fail + 1)) ;;
	esac
	sum_rows+=("$(printf '%-24s %-22s %-8s %7ss  %s' "$t" "$label" "$result" "$secs" "$log")")
	[ $progress = yes ] && printf '\r\033[K'
	if [ $opt_tap = yes ]; then
		tap_n=$((tap_n + 1))
		tap_escape "$t [$label]"; local name=$REPLY
		case $result in
		PASS) echo "ok $tap_n - $name" ;;
		SKIP) tap_escape "$info"; echo "ok $tap_n - $name # SKIP $REPLY" ;;
		XFAIL) tap_escape "$info"; echo "not ok $tap_n - $name # TODO $REPLY" ;;
		*) echo "not ok $tap_n - $name" ;;
		esac
		if [ "$result" != PASS ] && [ "$result" != SKIP ]; then
			echo "  ---"
			echo "  result: $result"
			yaml_quote "$info"; echo "  message: $REPLY"
			yaml_quote "$log"; echo "  log: $REPLY"
			if [ ${#details[@]} -gt 0 ]; then
				echo "  checks:"
				for d in "${details[@]}"; do yaml_quote "$d"; echo "    - $REPLY"; done
			fi
			echo "  ..."
		fi
	else
		echo "$result $t [$label] ($info)"
		for d in "${details[@]}"; do echo "    $d"; done
	fi
	if [ -n "$opt_junit" ]; then
		local xn xi xa body=""
		cfg_get "$t" arch x86_64; xa=$REPLY
		xml_escape "$t [$label]"; xn=$REPLY
		xml_escape "$info"; xi=$REPLY
		for d in "${details[@]}"; do xml_escape "$d"; body+="$REPLY&#10;"; done
		junit_count[tests]=$((junit_count[tests] + 1))
		junit_cases+="    <testcase classname=\"vmconform.$xa\" name=\"$xn\" time=\"$secs\">"
		case $result in
		PASS) ;;
		XFAIL) junit_cases+="<system-out>XFAIL: $xi&#10;$body</system-out>" ;;
		SKIP) junit_count[skipped]=$((junit_count[skipped] + 1)); junit_cases+="<skipped message=\"$xi\"/>" ;;
		FAIL) junit_count[failures]=$((junit_count[failures] + 1))
			junit_cases+="<failure message=\"$xi\" type=\"FAIL\">$body</failure>" ;;
		*) junit_count[errors]=$((junit_count[errors] + 1))
			junit_cases+="<error message=\"$xi\" type=\"$result\">$body</error>" ;;
		esac
		junit_cases+="</testcase>"$'\n'
	fi
}

show_progress() { # DONE RUNNING-NAME
	[ $progress = yes ] && printf '\r\033[K[%d/%d] running %s' "$1" "$total" "$2"
}

t_start=${EPOCHREALTIME/./}
next_print=0
flush_done() {
	while [ $next_print -lt "$total" ] && [ -e "$workdir/$next_print.res" ]; do
		report $next_print
		next_print=$((next_print + 1))
	done
}
declare -a running=()
[ "$opt_runner" = vmtest ] && run_vmtest_batch
for i in "${!sel[@]}"; do
	[ -e "$workdir/$i.res" ] && { flush_done; continue; }
	# runs go in the background even with -j 1: `wait` is interruptible,
	# so Ctrl-C reaches on_signal at once
	while [ "$(jobs -rp | wc -l)" -ge "$opt_jobs" ]; do
		wait -n 2>/dev/null
		flush_done
	done
	show_progress "$next_print" "${sel[i]}"
	run_one "$i" &
	running+=($!)
	flush_done
done
for p in "${running[@]}"; do wait "$p" 2>/dev/null; done
flush_done
t_end=${EPOCHREALTIME/./}
[ $progress = yes ] && printf '\r\033[K'

elapsed=$(((t_end - t_start) / 10000))
elapsed=$(printf '%d.%02d' $((elapsed / 100)) $((elapsed % 100)))
if [ -n "$opt_junit" ]; then
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo "<testsuites>"
		echo "  <testsuite name=\"vmconform\" tests=\"${junit_count[tests]}\" failures=\"${junit_count[failures]}\" errors=\"${junit_count[errors]}\" skipped=\"${junit_count[skipped]}\" time=\"$elapsed\">"
		printf '%s' "$junit_cases"
		echo "  </testsuite>"
		echo "</testsuites>"
	} >"$opt_junit" || echo "run_tests.sh: cannot write $opt_junit" >&2
fi

if [ $opt_tap = yes ]; then pfx="# "; else pfx=""; fi
if [ "$total" -gt 0 ]; then
	echo "${pfx}"
	echo "${pfx}Summary (${elapsed} s; XFAIL counts as passed, ERROR and TIMEOUT as failed):"
	printf '%s%-24s %-22s %-8s %8s  %s\n' "$pfx" test runner result time log
	for r in "${sum_rows[@]}"; do echo "${pfx}$r"; done
else
	echo "${pfx}no tests selected (arch ${arches[*]:-none}${opt_runner:+, runner $opt_runner})"
fi
echo "${pfx}$n_pass passed, $n_fail failed, $n_skip skipped"
[ $n_fail -eq 0 ]
