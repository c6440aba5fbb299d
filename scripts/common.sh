# shellcheck shell=bash disable=SC2034,SC2054
# (SC2034: globals are set here for the caller; SC2054: QEMU options have commas)
# vmconform: the one shell library of the runner (DESIGN §3, §6).
#
#   cfg_parse        unittests.cfg reader (build/host/vmc-cfg, linear):
#                    CFG["name.key"], CFG_TESTS, and the words of the
#                    word-list keys (vmc_cfg_words)
#   errata_parse     the errata file (known host bugs that turn FAIL into XFAIL)
#   vmc_build_cmd    per-arch QEMU / harness / vmtest command lines -> CMD
#   vmc_supervise    run one command under build/host/vmc-supervise, which
#                    watches and classifies the guest's output and writes a
#                    result record (docs/results.md); no guest byte is ever
#                    handled by this shell code
#
# Sourced by run_tests.sh (and by tests/runner/check.sh).  Bash 4.4+.
#
# Environment overrides (documented in docs/results.md):
#   QEMU_X86 QEMU_S390X QEMU_ARM64   QEMU binaries (default qemu-system-*)
#   HARNESS                          harness binary (default build/host/vmc-harness)
#   VMTEST                           kernel-under-test launcher (default scripts/vmtest)
#   VMC_QBOOT                        qboot image for x86 multiboot runs
#                                    (default /usr/share/qemu/qboot.rom; empty: SeaBIOS)
#   VMC_OVMF                         OVMF image for x86_64-efi (default /usr/share/ovmf/OVMF.fd)
#   VMC_KVM_DEV                      KVM device checked for usability (default /dev/kvm)
#   VMC_SNP_CBITPOS                  host C-bit for cbitpos=auto (default: CPUID via /dev/cpu/0/cpuid)
#   VMC_BUILDDIR                     where guest artefacts are (default build)

# ---------------------------------------------------------------- constants
VMC_ARCH_LIST="x86_64 s390x arm64"
declare -gA VMC_ARCHDIR=([x86_64]=x86 [s390x]=s390x [arm64]=arm)
# environments per arch, first one is the default
declare -gA VMC_ARCH_ENVS=([x86_64]="x86_64 x86_64-efi" [s390x]=s390x [arm64]=arm64)
# artefact suffix per environment
declare -gA VMC_ENV_EXT=([x86_64]=flat [x86_64-efi]=efi [s390x]=elf [arm64]=flat)
VMC_CFG_KEYS="file arch envs runner smp memory args qemu_params harness_params modparams groups timeout requires"
VMC_RUNNERS="qemu harness any"
VMC_CAPS="kvm kvm-vmx-svm snp ap efi"
VMC_DEFAULT_TIMEOUT=90
# guest RAM (MiB) per environment when the section has no `memory` key
declare -gA VMC_ENV_MEM=([x86_64]=64 [x86_64-efi]=256 [s390x]=128 [arm64]=128)
# the tree this file belongs to, and its compiled runner tools
VMC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VMC_HOSTBIN=${VMC_HOSTBIN:-$VMC_TOP/build/host}

# vmc_in_list WORD LIST...: is WORD one of the words of LIST?
vmc_in_list() {
	local w
	for w in $2; do
		[ "$w" = "$1" ] && return 0
	done
	return 1
}

# vmc_uptime_cs -> REPLY: centiseconds on the kernel's boot-time clock
# (/proc/uptime, always two decimals): monotonic, unlike EPOCHREALTIME,
# which a step of the wall clock moves, so a duration cannot go negative
vmc_uptime_cs() {
	local up
	read -r up _ </proc/uptime
	REPLY=$((${up%.*} * 100 + 10#${up#*.}))
}

# vmc_trim STRING -> REPLY without leading/trailing blanks (user input only:
# the errata file; never guest output)
vmc_trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	s=${s%"${s##*[![:space:]]}"}
	REPLY=$s
}

# ---------------------------------------------------------------- cfg parser
# cfg_parse FILE: fills CFG["name.key"]=value (plus "name.@line"), CFG_TESTS
# (section names in file order) and the words of args, qemu_params,
# harness_params and modparams (vmc_cfg_words).  The parsing is done by
# build/host/vmc-cfg (runner/cfg.c: linear, refuses NUL, CR, fractional or
# too-large timeouts, smp above the harness's limit, option-like section
# names); every error is FILE:LINE: message on stderr; returns 2 if any.
cfg_parse() {
	local file=$1 bin=$VMC_HOSTBIN/vmc-cfg out tag sec key val n
	declare -gA CFG=() CFGW=() CFGN=()
	declare -ga CFG_TESTS=()
	if [ -d "$file" ]; then
		echo "$file: is a directory (want the test list file, e.g. unittests.cfg)" >&2
		return 2
	fi
	if [ ! -x "$bin" ]; then
		echo "$file: cannot parse the test list: $bin is not built (run make)" >&2
		return 2
	fi
	out=$(mktemp "${TMPDIR:-/tmp}/vmc-cfg.XXXXXX") || return 2
	if ! "$bin" "$file" >"$out"; then
		rm -f "$out"
		return 2
	fi
	# a regular file: bash's read takes it in blocks (a pipe would be byte by byte)
	while IFS=$'\x1f' read -r tag sec key val; do
		case $tag in
		S) CFG[$sec.@line]=$key; CFG_TESTS+=("$sec") ;;
		K) CFG[$sec.$key]=$val ;;
		W) n=${CFGN[$sec.$key]:-0}; CFGW[$sec.$key.$n]=$val; CFGN[$sec.$key]=$((n + 1)) ;;
		esac
	done <"$out"
	rm -f "$out"
	return 0
}

# vmc_cfg_words TEST KEY -> WORDS: the words of a word-list key ('...' and
# "..." grouped by the parser, so a word may hold blanks)
vmc_cfg_words() {
	local i n=${CFGN[$1.$2]:-0}
	WORDS=()
	for ((i = 0; i < n; i++)); do WORDS+=("${CFGW[$1.$2.$i]}"); done
}

# vmc_guest_cmdline WORD... -> REPLY: the guest command line; a word with
# blanks goes in "..." (lib/argv.c groups double quotes)
vmc_guest_cmdline() {
	local w out=""
	for w in "$@"; do
		if [[ $w == *[[:space:]]* ]] || [ -z "$w" ]; then out+=" \"$w\""; else out+=" $w"; fi
	done
	REPLY=${out# }
}

# vmc_test_memory TEST -> REPLY: guest RAM in MiB (memory key or the
# environment's default); MEM_ARG is "mem=N" when the section sets memory
# (the guest reads it to check its RAM size), else ""
vmc_test_memory() {
	test_env "$1"
	local env=$REPLY
	MEM_ARG=""
	if [ -n "${CFG[$1.memory]+x}" ]; then
		REPLY=${CFG[$1.memory]} MEM_ARG=mem=${CFG[$1.memory]}
	else
		REPLY=${VMC_ENV_MEM[$env]:-64}
	fi
}

# cfg_get TEST KEY [DEFAULT] -> REPLY
cfg_get() {
	if [ -n "${CFG[$1.$2]+x}" ]; then REPLY=${CFG[$1.$2]}; else REPLY=${3-}; fi
}

# test_env TEST -> REPLY: the environment this section runs in (first of envs)
test_env() {
	local a w
	cfg_get "$1" arch x86_64; a=$REPLY
	cfg_get "$1" envs ""
	for w in $REPLY; do REPLY=$w; return; done
	for w in ${VMC_ARCH_ENVS[$a]}; do REPLY=$w; return; done
}

# test_artefact TEST -> REPLY: build/<arch>/<archdir>/<file>.<ext> (build/ is
# $VMC_BUILDDIR when set); a file
# with a '/' is a path from the top of the tree (e.g. tests/guests/fail).
test_artefact() {
	local a f env
	cfg_get "$1" arch x86_64; a=$REPLY
	cfg_get "$1" file; f=$REPLY
	test_env "$1"; env=$REPLY
	if [[ $f == */* ]]; then
		REPLY=${VMC_BUILDDIR:-build}/$a/$f.${VMC_ENV_EXT[$env]}
	else
		REPLY=${VMC_BUILDDIR:-build}/$a/${VMC_ARCHDIR[$a]}/$f.${VMC_ENV_EXT[$env]}
	fi
}

# ---------------------------------------------------------------- host facts
vmc_host_arch() {
	case $(uname -m) in
	x86_64 | amd64) REPLY=x86_64 ;;
	s390x) REPLY=s390x ;;
	aarch64 | arm64) REPLY=arm64 ;;
	*) REPLY=$(uname -m) ;;
	esac
}

# vmc_kvm_usable: can /dev/kvm be opened read-write?
vmc_kvm_usable() {
	local dev=${VMC_KVM_DEV:-/dev/kvm}
	[ -c "$dev" ] || return 1
	{ true <>"$dev"; } 2>/dev/null
}

# vmc_kvm_module -> REPLY: kvm_pvm, kvm_intel, kvm_amd, kvm (other) or none.
# One rule with the harness (harness/host.c host_detect): ask the built
# harness (--host-info flavor=), else sysfs in the harness's order: kvm_pvm
# first (on this AMD host kvm_pvm can be loaded next to kvm_amd, and
# /dev/kvm is then kvm_pvm's), then kvm_intel, kvm_amd.  Cached.
vmc_kvm_module() {
	local m h=${HARNESS:-${VMC_TOP:-/nonexistent}/build/host/vmc-harness} line
	if [ -n "${VMC_KVM_MODULE_CACHE:-}" ]; then REPLY=$VMC_KVM_MODULE_CACHE; return; fi
	REPLY=""
	if [ -x "$h" ] && [[ $h == */vmc-harness ]]; then
		while IFS= read -r line; do
			case $line in
			flavor=kvm_pvm | flavor=kvm_intel | flavor=kvm_amd) REPLY=${line#flavor=} ;;
			flavor=other) REPLY=kvm ;;
			flavor=none) REPLY=none ;;
			esac
		done < <(timeout 10 "$h" --host-info 2>/dev/null)
	fi
	if [ -z "$REPLY" ]; then
		for m in kvm_pvm kvm_intel kvm_amd; do
			if [ -d "/sys/module/$m" ]; then REPLY=$m; break; fi
		done
	fi
	if [ -z "$REPLY" ]; then
		if [ -d /sys/module/kvm ]; then REPLY=kvm; else REPLY=none; fi
	fi
	VMC_KVM_MODULE_CACHE=$REPLY
}

# vmc_default_accel ARCH -> REPLY: kvm when the arch is the host's and
# /dev/kvm is usable, else tcg
vmc_default_accel() {
	vmc_host_arch
	if [ "$1" = "$REPLY" ] && vmc_kvm_usable; then REPLY=kvm; else REPLY=tcg; fi
}

# vmc_check_caps TEST RUNNER ACCEL: are the test's `requires` met here?
# Returns 1 with the reason (naming what would let it run) in REPLY.
vmc_check_caps() {
	local t=$1 runner=$2 accel=$3 c a mod
	cfg_get "$t" arch x86_64; a=$REPLY
	cfg_get "$t" requires ""
	for c in $REPLY; do
		case $c in
		kvm)
			if [ "$runner" = qemu ] && [ "$accel" != kvm ]; then
				REPLY="requires kvm: run with --accel=kvm on a $a host with /dev/kvm"
				return 1
			fi
			if [ "$runner" = harness ] && ! vmc_kvm_usable; then
				REPLY="requires kvm: ${VMC_KVM_DEV:-/dev/kvm} is not usable (need read-write access)"
				return 1
			fi ;;
		kvm-vmx-svm)
			[ "$runner" = vmtest ] && continue
			vmc_kvm_module; mod=$REPLY
			if [ "$mod" != kvm_intel ] && [ "$mod" != kvm_amd ]; then
				REPLY="requires kvm-vmx-svm: /dev/kvm here is $mod, not kvm_intel/kvm_amd (--runner=vmtest runs it in a nested kernel)"
				return 1
			fi
			if [ "$runner" = qemu ] && [ "$accel" != kvm ]; then
				REPLY="requires kvm-vmx-svm: run with --accel=kvm"
				return 1
			fi ;;
		snp)
			# an SNP host (kvm_amd sev_snp=Y) and a QEMU that can launch an
			# SNP guest (sev-snp-guest, QEMU >= 9.1; QEMU_X86= names another).
			# vmtest: judged inside the nested kernel (vmc-harness
			# --vm-type=snp exits 77 with what is missing there).
			[ "$runner" = vmtest ] && continue
			if ! grep -qsx '[Y1]' /sys/module/kvm_amd/parameters/sev_snp; then
				REPLY="requires snp: an AMD EPYC host with SEV-SNP enabled in KVM (kvm_amd sev_snp=Y)"
				return 1
			fi
			# harness: vmc-harness --vm-type=snp is the VMM, no QEMU part
			[ "$runner" = harness ] && continue
			if ! timeout 20 "${QEMU_X86:-qemu-system-x86_64}" -object help 2>/dev/null |
				grep -qx '[[:space:]]*sev-snp-guest'; then
				REPLY="requires snp: ${QEMU_X86:-qemu-system-x86_64} has no -object sev-snp-guest (QEMU >= 9.1; point QEMU_X86= at one)"
				return 1
			fi
			if [ "$runner" = qemu ] && [ "$accel" != kvm ]; then
				REPLY="requires snp: an SNP guest runs under KVM only (--accel=kvm)"
				return 1
			fi
			cfg_get "$t" qemu_params ""
			if [[ $REPLY == *cbitpos=auto* ]] && ! vmc_host_cbitpos; then
				REPLY="requires snp: $REPLY"
				return 1
			fi ;;
		ap)
			if [ "$a" != s390x ] || [ "$accel" != kvm ] || [ ! -d /sys/bus/ap ]; then
				REPLY="requires ap: an s390x KVM host with AP queues (vfio-ap); QEMU TCG has no AP"
				return 1
			fi ;;
		efi)
			if [ ! -r "${VMC_OVMF:-/usr/share/ovmf/OVMF.fd}" ]; then
				REPLY="requires efi: OVMF firmware ${VMC_OVMF:-/usr/share/ovmf/OVMF.fd} (package ovmf)"
				return 1
			fi ;;
		esac
	done
	return 0
}

# ---------------------------------------------------------------- errata
# File format, one entry per line ('#' comments, blank lines ignored):
#   <test glob> | <check-message glob> | <host condition> | <evidence/why>
# Host condition: comma-separated terms that must all hold: any, kvm_pvm,
# kvm_intel, kvm_amd (the host's KVM module), accel=kvm|tcg,
# runner=qemu|harness|vmtest, arch=<arch>, kernel=<release glob> (the
# release of the kernel whose KVM runs the test: under vmtest the kernel
# under test, else the host's `uname -r`; never holds for QEMU TCG runs).
errata_parse() {
	local file=$1 raw line lineno=0 errs=0 t m c why term
	declare -ga ERRATA_T=() ERRATA_M=() ERRATA_C=() ERRATA_W=()
	[ -e "$file" ] || return 0
	while IFS= read -r raw || [ -n "$raw" ]; do
		lineno=$((lineno + 1))
		vmc_trim "${raw%$'\r'}"; line=$REPLY
		case $line in "" | "#"*) continue ;; esac
		IFS='|' read -r t m c why <<<"$line"
		vmc_trim "$t"; t=$REPLY
		vmc_trim "$m"; m=$REPLY
		vmc_trim "$c"; c=$REPLY
		vmc_trim "$why"; why=$REPLY
		if [ -z "$t" ] || [ -z "$m" ] || [ -z "$c" ] || [ -z "$why" ]; then
			echo "$file:$lineno: want '<test> | <check-message glob> | <host condition> | <evidence/why>'" >&2
			errs=$((errs + 1)); continue
		fi
		for term in ${c//,/ }; do
			case $term in
			any | kvm_pvm | kvm_intel | kvm_amd | accel=kvm | accel=tcg | runner=qemu | \
				runner=harness | runner=vmtest | arch=x86_64 | arch=s390x | arch=arm64) ;;
			kernel=*)
				if [[ ! ${term#kernel=} =~ ^[][A-Za-z0-9._+~*?-]+$ ]]; then
					echo "$file:$lineno: bad kernel glob in '$term' (letters, digits, . _ + ~ - and * ? [ ])" >&2
					errs=$((errs + 1)); continue 2
				fi ;;
			*)
				echo "$file:$lineno: unknown host condition '$term' (any kvm_pvm kvm_intel kvm_amd accel=kvm|tcg runner=qemu|harness|vmtest arch=ARCH kernel=GLOB)" >&2
				errs=$((errs + 1)); continue 2 ;;
			esac
		done
		ERRATA_T+=("$t"); ERRATA_M+=("$m"); ERRATA_C+=("$c"); ERRATA_W+=("$why")
	done <"$file"
	[ $errs -eq 0 ] || return 2
}

# errata_cond_holds COND RUNNER ACCEL ARCH [KERNEL]: KERNEL is the release
# of the kernel under test (vmtest); without it kernel= terms match the
# host's `uname -r` (harness, QEMU+KVM) and never hold for QEMU TCG
errata_cond_holds() {
	local term mod krel=${5:-}
	vmc_kvm_module; mod=$REPLY
	for term in ${1//,/ }; do
		case $term in
		any) ;;
		kernel=*)
			if [ -z "$krel" ]; then
				[ "$2" = qemu ] && [ "$3" != kvm ] && return 1
				krel=$(uname -r)
			fi
			# shellcheck disable=SC2053 # the kernel term is a glob
			[[ $krel == ${term#kernel=} ]] || return 1 ;;
		kvm_pvm | kvm_intel | kvm_amd) [ "$mod" = "$term" ] || return 1 ;;
		accel=*) [ "$2" = qemu ] && [ "$3" = "${term#accel=}" ] || return 1 ;;
		runner=*) [ "$2" = "${term#runner=}" ] || return 1 ;;
		arch=*) [ "$4" = "${term#arch=}" ] || return 1 ;;
		*) return 1 ;;
		esac
	done
	return 0
}

# errata_args TEST RUNNER ACCEL ARCH [KERNEL] -> ERRATA_ARGS: "--errata GLOB WHY" for
# every entry whose test glob and host condition hold for this run; the
# supervisor matches the check-message globs against the guest's FAIL lines
errata_args() {
	local i
	ERRATA_ARGS=()
	for i in "${!ERRATA_T[@]}"; do
		# shellcheck disable=SC2053 # the errata test field is a glob
		[[ $1 == ${ERRATA_T[i]} ]] || continue
		errata_cond_holds "${ERRATA_C[i]}" "$2" "$3" "$4" "${5:-}" || continue
		ERRATA_ARGS+=(--errata "${ERRATA_M[i]}" "${ERRATA_W[i]}")
	done
}

# vmc_check_modparams TEST -> REPLY: do the host's loaded modules have the
# section's modparams (MOD:name=value ...)?  Returns 1 with the reason.
# (--runner=vmtest sets them itself: it loads the modules with them.)
vmc_check_modparams() {
	local mp mod kv k v have
	vmc_cfg_words "$1" modparams
	for mp in "${WORDS[@]}"; do
		mod=${mp%%:*}
		for kv in ${mp#*:}; do
			k=${kv%%=*} v=${kv#*=}
			[ "$k" = "$kv" ] && v=1
			have=""
			[ -r "/sys/module/$mod/parameters/$k" ] && have=$(<"/sys/module/$mod/parameters/$k")
			case $v:$have in
			1:Y | 1:1 | Y:1 | Y:Y | 0:N | 0:0 | N:0 | N:N) continue ;;
			esac
			[ "$have" = "$v" ] && continue
			REPLY="needs $mod.$k=$v (this host: ${have:-not set}; --runner=vmtest loads $mod with it, or reload $mod with $k=$v)"
			return 1
		done
	done
	return 0
}

# ---------------------------------------------------------------- commands
# vmc_x86_cpu ACCEL -> REPLY: the QEMU -cpu model for an x86 run.  TCG: max.
# KVM: host, except on kvm_pvm, which lists IA32_ARCH_CAPABILITIES (0x10a) as
# a feature MSR but refuses QEMU's write of it ("failed to set MSR 0x10a to
# 0x69", then an assertion abort before the guest runs): there the MSR is
# left out with -arch-capabilities.  No test reads it.
vmc_x86_cpu() {
	if [ "$1" != kvm ]; then REPLY=max; return; fi
	vmc_kvm_module
	if [ "$REPLY" = kvm_pvm ]; then REPLY=host,-arch-capabilities; else REPLY=host; fi
}

# vmc_host_cbitpos -> REPLY: the host's SEV C-bit position (CPUID 0x8000001F
# EBX[5:0]) from VMC_SNP_CBITPOS or /dev/cpu/0/cpuid (module cpuid, root);
# returns 1 with the reason in REPLY.
vmc_host_cbitpos() {
	local w
	if [ -n "${VMC_SNP_CBITPOS:-}" ]; then REPLY=$VMC_SNP_CBITPOS; return 0; fi
	# the cpuid device: a read at offset LEAF returns EAX EBX ECX EDX
	w=$(dd if=/dev/cpu/0/cpuid bs=16 count=1 skip=$((0x8000001f)) iflag=skip_bytes 2>/dev/null |
		od -An -tu4 -w16 2>/dev/null)
	read -r _ w _ <<<"$w"
	if [[ ! $w =~ ^[0-9]+$ ]] || [ $((w & 63)) -eq 0 ]; then
		REPLY="cbitpos=auto: cannot read CPUID 0x8000001F (modprobe cpuid and run as root, or set VMC_SNP_CBITPOS)"
		return 1
	fi
	REPLY=$((w & 63))
}

# vmc_build_cmd TEST RUNNER ACCEL TIMEOUT EXITLOG -> CMD array, FIRMWARE text,
# EXIT_KIND (debug-exit | exit-line | harness).  Memory from the section's
# `memory` key (vmc_test_memory; its mem=N goes first in the guest's args),
# guest words with blanks kept as one word (vmc_guest_cmdline).
# VMC_MIGRATE_EVERY (run_tests.sh --migrate-every N) adds --migrate-every N
# to the harness command line.
vmc_build_cmd() {
	local t=$1 runner=$2 accel=$3 tmo=$4 exitlog=$5 a env art smp mem qemu
	local -a argw qpw hpw
	cfg_get "$t" arch x86_64; a=$REPLY
	test_env "$t"; env=$REPLY
	test_artefact "$t"; art=$REPLY
	cfg_get "$t" smp 1; smp=$REPLY
	vmc_test_memory "$t"; mem=$REPLY
	vmc_cfg_words "$t" args; argw=(${MEM_ARG:+"$MEM_ARG"} "${WORDS[@]}")
	vmc_cfg_words "$t" qemu_params; qpw=("${WORDS[@]}")
	vmc_cfg_words "$t" harness_params; hpw=("${WORDS[@]}")
	CMD=() FIRMWARE="" RUN_NOTE=""
	case $runner in
	harness | vmtest)
		EXIT_KIND=harness
		if [ "$runner" = harness ]; then qemu=${HARNESS:-build/host/vmc-harness}; else qemu=${VMTEST:-scripts/vmtest}; fi
		CMD=("$qemu" -m "$mem" -smp "$smp" -t "${tmo%.*}" --exit-log "$exitlog")
		[ -n "${VMC_MIGRATE_EVERY:-}" ] && CMD+=(--migrate-every "$VMC_MIGRATE_EVERY")
		CMD+=("${hpw[@]}" "$art")
		# the harness joins its arguments with blanks: quote those with blanks
		local w
		for w in "${argw[@]}"; do vmc_guest_cmdline "$w"; CMD+=("$REPLY"); done
		return 0 ;;
	esac
	case $env in
	x86_64)
		EXIT_KIND=debug-exit
		CMD=("${QEMU_X86:-qemu-system-x86_64}" -nodefaults -accel "$accel")
		vmc_x86_cpu "$accel"; CMD+=(-cpu "$REPLY")
		CMD+=(-m "$mem" -display none -serial stdio -no-reboot
			-device isa-debug-exit,iobase=0xf4,iosize=4)
		local qb=${VMC_QBOOT-/usr/share/qemu/qboot.rom}
		if [[ " ${qpw[*]} " == *" -bios "* ]] || [[ " ${qpw[*]} " == *"if=pflash"* ]]; then
			FIRMWARE="from qemu_params"
		elif [ -n "$qb" ] && [ -r "$qb" ]; then
			CMD+=(-bios "$qb"); FIRMWARE="qboot ($qb)"
		else
			FIRMWARE="SeaBIOS (QEMU default)"
		fi ;;
	x86_64-efi)
		EXIT_KIND=debug-exit
		local ovmf=${VMC_OVMF:-/usr/share/ovmf/OVMF.fd} eacc=$accel cb i
		# OVMF stops with a KVM emulation failure (fwait; fninit in SEC/PEI)
		# under kvm_pvm (specs/toolchain.md §3.4): EFI runs use TCG there
		vmc_kvm_module
		if [ "$accel" = kvm ] && [ "$REPLY" = kvm_pvm ]; then
			eacc=tcg
			RUN_NOTE="TCG, not KVM: OVMF stops with an emulation failure under kvm_pvm"
		fi
		# an SNP launch (qemu_params naming sev-snp-guest; QEMU merges its
		# -machine options with ours): cbitpos=auto becomes the host's
		# C-bit (CPUID 0x8000001F EBX[5:0], /dev/cpu/0/cpuid or VMC_SNP_CBITPOS)
		for i in "${!qpw[@]}"; do
			case ${qpw[i]} in
			*cbitpos=auto*)
				vmc_host_cbitpos || return 1
				cb=$REPLY; qpw[i]=${qpw[i]//cbitpos=auto/cbitpos=$cb} ;;
			esac
		done
		CMD=("${QEMU_X86:-qemu-system-x86_64}" -nodefaults -machine q35 -accel "$eacc")
		vmc_x86_cpu "$eacc"; CMD+=(-cpu "$REPLY")
		CMD+=(-m "$mem" -display none -serial stdio -no-reboot
			-device isa-debug-exit,iobase=0xf4,iosize=4 -bios "$ovmf")
		FIRMWARE="OVMF ($ovmf)${RUN_NOTE:+ under $RUN_NOTE}" ;;
	s390x)
		EXIT_KIND=exit-line
		CMD=("${QEMU_S390X:-qemu-system-s390x}" -nodefaults -machine s390-ccw-virtio
			-accel "$accel" -m "$mem" -display none -action panic=exit-failure
			-chardev stdio,id=con0 -device sclpconsole,chardev=con0)
		FIRMWARE="none (-kernel ELF)" ;;
	arm64)
		# the guest prints EXIT: STATUS=v, then PSCI SYSTEM_OFF ends QEMU
		# with 0 (docs/results.md); -M virt,<opt> and -cpu <model> in
		# qemu_params override these (QEMU merges -M, the last -cpu wins)
		EXIT_KIND=exit-line
		CMD=("${QEMU_ARM64:-qemu-system-aarch64}" -M virt -accel "$accel")
		if [ "$accel" = kvm ]; then CMD+=(-cpu host); else CMD+=(-cpu max); fi
		CMD+=(-m "$mem" -nodefaults -display none -serial stdio -no-reboot)
		FIRMWARE="none (-kernel arm64 Image)" ;;
	esac
	CMD+=(-smp "$smp" -kernel "$art")
	if [ ${#argw[@]} -gt 0 ]; then vmc_guest_cmdline "${argw[@]}"; CMD+=(-append "$REPLY"); fi
	CMD+=("${qpw[@]}")
	return 0
}

# ---------------------------------------------------------------- running
# vmc_supervise RECORD LOG TIMEOUT KIND [vmc-supervise options] -- CMD...
# runs CMD under build/host/vmc-supervise (runner/supervise.c): own process
# group, stdin /dev/null, console copied to LOG (capped at VMC_LOG_CAP bytes,
# default 1 MiB, then one note), classified there, the whole group killed at
# the deadline, on a QEMU failure marker and on SIGINT/SIGTERM; the result
# record goes to RECORD.  Sets SUP_RC (130: interrupted) and SUP_PID while
# it runs in the background (so a trap can signal it: `wait` is interruptible).
vmc_supervise() {
	local rec=$1 log=$2 tmo=$3 kind=$4
	shift 4
	"$VMC_HOSTBIN/vmc-supervise" --record "$rec" --log "$log" --timeout "$tmo" \
		--kind "$kind" --cap "${VMC_LOG_CAP:-1048576}" "$@" </dev/null &
	SUP_PID=$!
	[ -n "${VMC_RUN_STATEDIR:-}" ] && echo "$SUP_PID" >"$VMC_RUN_STATEDIR/sup.$SUP_PID"
	SUP_RC=0
	wait "$SUP_PID" || SUP_RC=$?
	# a signal to this shell interrupts wait: the supervisor still finishes
	while kill -0 "$SUP_PID" 2>/dev/null; do wait "$SUP_PID" || SUP_RC=$?; done
	[ -n "${VMC_RUN_STATEDIR:-}" ] && rm -f "$VMC_RUN_STATEDIR/sup.$SUP_PID"
	SUP_PID=""
	return 0
}

# vmc_kill_runs: SIGTERM to every supervisor still running (on Ctrl-C /
# SIGTERM of the runner); each ends its group and writes an INTERRUPTED record
vmc_kill_runs() {
	local f
	for f in "${VMC_RUN_STATEDIR:-${TMPDIR:-/tmp}/none}"/sup.*; do
		[ -e "$f" ] && kill -TERM "${f##*.}" 2>/dev/null
	done
	return 0
}

# vmc_record_verdict RECORD -> REPLY: the verdict (the record's first line,
# one word of a fixed list, written by vmc-supervise), "" if unreadable
vmc_record_verdict() {
	local k v
	REPLY=""
	{ read -r k v <"$1"; } 2>/dev/null || return 1
	case $k:$v in
	verdict:PASS | verdict:FAIL | verdict:SKIP | verdict:XFAIL | verdict:TIMEOUT | \
		verdict:ERROR | verdict:INTERRUPTED) REPLY=$v ;;
	*) return 1 ;;
	esac
}

# vmc_quote_cmd WORD... -> REPLY: a shell-readable command line, quoting only
# the words that need it
vmc_quote_cmd() {
	local w q out=""
	for w in "$@"; do
		if [[ $w =~ ^[A-Za-z0-9_./=,:+@%-]+$ ]]; then
			out+=" $w"
		else
			q=${w//\'/\'\\\'\'}
			out+=" '$q'"
		fi
	done
	REPLY=${out# }
}
