# shellcheck shell=bash disable=SC2034,SC2054
# (SC2034: globals are set here for the caller; SC2054: QEMU options have commas)
# vmconform: the one shell library of the runner (DESIGN §3, §6).
#
#   cfg_parse        unittests.cfg reader (no eval): CFG["name.key"], CFG_TESTS
#   errata_parse     the errata file (known host bugs that turn FAIL into XFAIL)
#   vmc_build_cmd    per-arch QEMU / harness / vmtest command lines -> CMD
#   vmc_run_watched  run one command under a deadline, watch its output
#   vmc_classify     status table + SUMMARY line -> PASS FAIL SKIP XFAIL TIMEOUT ERROR
#   tap_* / junit_*  report writers
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
VMC_CFG_KEYS="file arch envs runner smp args qemu_params harness_params groups timeout requires modparams"
VMC_RUNNERS="qemu harness any"
VMC_CAPS="kvm kvm-vmx-svm snp ap efi"
VMC_DEFAULT_TIMEOUT=90
# QEMU messages (whole-line globs, so guest output cannot match them) that
# mean the guest can no longer run: QEMU pauses the VM, the run ends at once
VMC_FATAL_PATTERNS=("KVM internal error. Suberror:*" "emulation failure"
	"KVM: entry failed*" "error: kvm run failed*" "qemu: fatal:*")

# vmc_in_list WORD LIST...: is WORD one of the words of LIST?
vmc_in_list() {
	local w
	for w in $2; do
		[ "$w" = "$1" ] && return 0
	done
	return 1
}

# vmc_trim STRING -> REPLY without leading/trailing blanks
vmc_trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	s=${s%"${s##*[![:space:]]}"}
	REPLY=$s
}

# vmc_split_words STRING -> WORDS array.  Splits on blanks; '...' and "..."
# group words, backslash escapes the next character (outside '...').
# Returns 1 on an unterminated quote.
vmc_split_words() {
	local s=$1 i c w="" inw=0 q=""
	WORDS=()
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		if [ "$q" = "'" ]; then
			if [ "$c" = "'" ]; then q=""; else w+=$c; fi
			continue
		fi
		if [ "$c" = "\\" ] && [ $((i + 1)) -lt ${#s} ]; then
			i=$((i + 1)); w+=${s:i:1}; inw=1
			continue
		fi
		if [ "$q" = '"' ]; then
			if [ "$c" = '"' ]; then q=""; else w+=$c; fi
			continue
		fi
		case $c in
		"'" | '"') q=$c; inw=1 ;;
		[[:space:]])
			if [ $inw -eq 1 ]; then WORDS+=("$w"); w=""; inw=0; fi ;;
		*) w+=$c; inw=1 ;;
		esac
	done
	[ -n "$q" ] && return 1
	[ $inw -eq 1 ] && WORDS+=("$w")
	return 0
}

# ---------------------------------------------------------------- cfg parser
# cfg_parse FILE: fills CFG["name.key"]=value (plus "name.@line") and
# CFG_TESTS (section names in file order).  Every error is printed as
# FILE:LINE: message on stderr; returns 2 if there was any.
cfg_parse() {
	local file=$1 raw line lineno=0 section="" key val name errs=0 w
	local -a ws
	declare -gA CFG=()
	declare -ga CFG_TESTS=()
	if [ ! -r "$file" ]; then
		echo "$file: cannot read test list" >&2
		return 2
	fi
	_cfg_err() { echo "$file:$1: $2" >&2; errs=$((errs + 1)); }
	while IFS= read -r raw || [ -n "$raw" ]; do
		lineno=$((lineno + 1))
		vmc_trim "${raw%$'\r'}"
		line=$REPLY
		case $line in "" | "#"*) continue ;; esac
		if [[ $line == "["* ]]; then
			if [[ ! $line =~ ^\[[[:space:]]*([A-Za-z0-9_.+-]+)[[:space:]]*\]$ ]]; then
				_cfg_err $lineno "bad section header '$line' (want [name], name of A-Z a-z 0-9 _ . + -)"
				section=""
				continue
			fi
			name=${BASH_REMATCH[1]}
			if [ -n "${CFG[$name.@line]+x}" ]; then
				_cfg_err $lineno "duplicate section [$name] (first at line ${CFG[$name.@line]})"
				section=""
				continue
			fi
			section=$name
			CFG[$name.@line]=$lineno
			CFG_TESTS+=("$name")
			continue
		fi
		if [[ $line != *=* ]]; then
			_cfg_err $lineno "missing '=' in '$line' (want key = value)"
			continue
		fi
		vmc_trim "${line%%=*}"; key=$REPLY
		vmc_trim "${line#*=}"; val=$REPLY
		if [ -z "$section" ]; then
			_cfg_err $lineno "'$key = ...' outside a section (or after a bad section header)"
			continue
		fi
		if ! vmc_in_list "$key" "$VMC_CFG_KEYS"; then
			_cfg_err $lineno "unknown key '$key' (known: $VMC_CFG_KEYS)"
			continue
		fi
		if [ -n "${CFG[$section.$key]+x}" ]; then
			_cfg_err $lineno "duplicate key '$key' in [$section]"
			continue
		fi
		case $key in
		file)
			if [[ ! $val =~ ^[A-Za-z0-9_][A-Za-z0-9_./-]*$ ]] || [[ $val == *..* ]]; then
				_cfg_err $lineno "bad value for file: '$val' (a test name, or a path from the top of the tree without suffix)"
				continue
			fi ;;
		arch)
			if ! vmc_in_list "$val" "$VMC_ARCH_LIST"; then
				_cfg_err $lineno "bad value for arch: '$val' (one of: $VMC_ARCH_LIST)"
				continue
			fi ;;
		runner)
			if ! vmc_in_list "$val" "$VMC_RUNNERS"; then
				_cfg_err $lineno "bad value for runner: '$val' (one of: $VMC_RUNNERS)"
				continue
			fi ;;
		smp)
			if [[ ! $val =~ ^[1-9][0-9]{0,3}$ ]]; then
				_cfg_err $lineno "bad value for smp: '$val' (a number of vCPUs, 1..9999)"
				continue
			fi ;;
		timeout)
			if [[ ! $val =~ ^[0-9]+(\.[0-9]+)?$ ]] || [[ $val =~ ^0+(\.0+)?$ ]]; then
				_cfg_err $lineno "bad value for timeout: '$val' (seconds, a positive number)"
				continue
			fi ;;
		envs)
			read -ra ws <<<"$val"
			for w in "${ws[@]}"; do
				if [ -z "${VMC_ENV_EXT[$w]+x}" ]; then
					_cfg_err $lineno "bad value for envs: '$w' (known: ${!VMC_ENV_EXT[*]})"
					continue 2
				fi
			done ;;
		requires)
			read -ra ws <<<"$val"
			for w in "${ws[@]}"; do
				if ! vmc_in_list "$w" "$VMC_CAPS"; then
					_cfg_err $lineno "bad value for requires: '$w' (known: $VMC_CAPS)"
					continue 2
				fi
			done ;;
		groups)
			if [[ ! $val =~ ^[A-Za-z0-9_.+[:space:]-]*$ ]]; then
				_cfg_err $lineno "bad value for groups: '$val' (words of A-Z a-z 0-9 _ . + -)"
				continue
			fi ;;
		args | qemu_params | harness_params)
			if ! vmc_split_words "$val"; then
				_cfg_err $lineno "bad value for $key: unterminated quote in '$val'"
				continue
			fi ;;
		esac
		CFG[$section.$key]=$val
	done <"$file"
	# whole-section checks
	local t a
	for t in "${CFG_TESTS[@]}"; do
		[ -n "${CFG[$t.file]+x}" ] || _cfg_err "${CFG[$t.@line]}" "[$t] has no 'file = ...' (required)"
		a=${CFG[$t.arch]:-x86_64}
		for w in ${CFG[$t.envs]:-}; do
			vmc_in_list "$w" "${VMC_ARCH_ENVS[$a]}" ||
				_cfg_err "${CFG[$t.@line]}" "[$t]: environment '$w' is not one of arch $a (${VMC_ARCH_ENVS[$a]})"
		done
		if [ "${CFG[$t.runner]:-any}" = harness ] && [ "$a" != x86_64 ]; then
			_cfg_err "${CFG[$t.@line]}" "[$t]: runner harness exists for arch x86_64 only"
		fi
	done
	unset -f _cfg_err
	[ $errs -eq 0 ] || return 2
	return 0
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

# vmc_kvm_module -> REPLY: kvm_intel, kvm_amd, kvm_pvm, kvm (other) or none
vmc_kvm_module() {
	local m
	for m in kvm_intel kvm_amd kvm_pvm; do
		if [ -d "/sys/module/$m" ]; then REPLY=$m; return; fi
	done
	if [ -d /sys/module/kvm ]; then REPLY=kvm; else REPLY=none; fi
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
# runner=qemu|harness|vmtest, arch=<arch>.
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
			*)
				echo "$file:$lineno: unknown host condition '$term' (any kvm_pvm kvm_intel kvm_amd accel=kvm|tcg runner=qemu|harness|vmtest arch=ARCH)" >&2
				errs=$((errs + 1)); continue 2 ;;
			esac
		done
		ERRATA_T+=("$t"); ERRATA_M+=("$m"); ERRATA_C+=("$c"); ERRATA_W+=("$why")
	done <"$file"
	[ $errs -eq 0 ] || return 2
}

# errata_cond_holds COND RUNNER ACCEL ARCH
errata_cond_holds() {
	local term mod
	vmc_kvm_module; mod=$REPLY
	for term in ${1//,/ }; do
		case $term in
		any) ;;
		kvm_pvm | kvm_intel | kvm_amd) [ "$mod" = "$term" ] || return 1 ;;
		accel=*) [ "$2" = qemu ] && [ "$3" = "${term#accel=}" ] || return 1 ;;
		runner=*) [ "$2" = "${term#runner=}" ] || return 1 ;;
		arch=*) [ "$4" = "${term#arch=}" ] || return 1 ;;
		*) return 1 ;;
		esac
	done
	return 0
}

# errata_match TEST MESSAGE RUNNER ACCEL ARCH -> REPLY = why (returns 1 if none)
errata_match() {
	local i
	for i in "${!ERRATA_T[@]}"; do
		# shellcheck disable=SC2053 # the errata fields are globs
		[[ $1 == ${ERRATA_T[i]} ]] || continue
		# shellcheck disable=SC2053
		[[ $2 == ${ERRATA_M[i]} ]] || continue
		errata_cond_holds "${ERRATA_C[i]}" "$3" "$4" "$5" || continue
		REPLY=${ERRATA_W[i]}
		return 0
	done
	return 1
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
# EXIT_KIND (debug-exit | exit-line | harness).  Returns 1 with REPLY = reason
# when no command can be built (missing binary).
vmc_build_cmd() {
	local t=$1 runner=$2 accel=$3 tmo=$4 exitlog=$5 a env art smp args qemu
	local -a argw qpw hpw
	cfg_get "$t" arch x86_64; a=$REPLY
	test_env "$t"; env=$REPLY
	test_artefact "$t"; art=$REPLY
	cfg_get "$t" smp 1; smp=$REPLY
	cfg_get "$t" args ""; args=$REPLY
	vmc_split_words "$args"; argw=("${WORDS[@]}")
	cfg_get "$t" qemu_params ""; vmc_split_words "$REPLY"; qpw=("${WORDS[@]}")
	cfg_get "$t" harness_params ""; vmc_split_words "$REPLY"; hpw=("${WORDS[@]}")
	CMD=() FIRMWARE="" RUN_NOTE=""
	case $runner in
	harness | vmtest)
		EXIT_KIND=harness
		if [ "$runner" = harness ]; then qemu=${HARNESS:-build/host/vmc-harness}; else qemu=${VMTEST:-scripts/vmtest}; fi
		CMD=("$qemu" -m 64 -smp "$smp" -t "${tmo%.*}" --exit-log "$exitlog" "${hpw[@]}" "$art" "${argw[@]}")
		return 0 ;;
	esac
	case $env in
	x86_64)
		EXIT_KIND=debug-exit
		CMD=("${QEMU_X86:-qemu-system-x86_64}" -nodefaults -accel "$accel")
		vmc_x86_cpu "$accel"; CMD+=(-cpu "$REPLY")
		CMD+=(-m 64 -display none -serial stdio -no-reboot
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
		CMD+=(-m 256 -display none -serial stdio -no-reboot
			-device isa-debug-exit,iobase=0xf4,iosize=4 -bios "$ovmf")
		FIRMWARE="OVMF ($ovmf)${RUN_NOTE:+ under $RUN_NOTE}" ;;
	s390x)
		EXIT_KIND=exit-line
		CMD=("${QEMU_S390X:-qemu-system-s390x}" -nodefaults -machine s390-ccw-virtio
			-accel "$accel" -m 128 -display none -action panic=exit-failure
			-chardev stdio,id=con0 -device sclpconsole,chardev=con0)
		FIRMWARE="none (-kernel ELF)" ;;
	arm64)
		# the guest prints EXIT: STATUS=v, then PSCI SYSTEM_OFF ends QEMU
		# with 0 (docs/results.md); -M virt,<opt> and -cpu <model> in
		# qemu_params override these (QEMU merges -M, the last -cpu wins)
		EXIT_KIND=exit-line
		CMD=("${QEMU_ARM64:-qemu-system-aarch64}" -M virt -accel "$accel")
		if [ "$accel" = kvm ]; then CMD+=(-cpu host); else CMD+=(-cpu max); fi
		CMD+=(-m 128 -nodefaults -display none -serial stdio -no-reboot)
		FIRMWARE="none (-kernel arm64 Image)" ;;
	esac
	CMD+=(-smp "$smp" -kernel "$art")
	[ ${#argw[@]} -gt 0 ] && CMD+=(-append "${argw[*]}")
	CMD+=("${qpw[@]}")
	return 0
}

# ---------------------------------------------------------------- running
# vmc_run_watched TIMEOUT OUTFILE CMD...: runs CMD (stdin /dev/null, stdout and
# stderr appended to OUTFILE) under `timeout`, which puts itself and CMD in a
# process group of their own and kills the whole group at the deadline.
# The output is watched: a QEMU fatal message (VMC_FATAL_PATTERNS) kills the
# group at once.  Sets RUN_RC, RUN_TIMEDOUT (yes/no), RUN_FATAL (the message
# or ""), RUN_USECS.  The group id is in $VMC_RUN_STATEDIR/vmc-run.*/pid
# while the run lasts (vmc_kill_runs uses it).
vmc_run_watched() {
	local tmo=$1 out=$2 st t0 t1
	shift 2
	st=$(mktemp -d "${VMC_RUN_STATEDIR:-${TMPDIR:-/tmp}}/vmc-run.XXXXXX") || return 2
	t0=${EPOCHREALTIME/./}
	{
		timeout -k 2 "$tmo" "$@" </dev/null 2>&1 &
		echo $! >"$st/pid"
		wait $!
		echo $? >"$st/rc"
	} | _vmc_watch "$st" >>"$out"
	t1=${EPOCHREALTIME/./}
	RUN_USECS=$((t1 - t0))
	RUN_RC=$(<"$st/rc")
	RUN_FATAL=""
	[ -e "$st/fatal" ] && RUN_FATAL=$(<"$st/fatal")
	# safety net: nothing of the group may outlive the run
	kill -KILL -- "-$(<"$st/pid")" 2>/dev/null
	RUN_TIMEDOUT=no
	if [ -z "$RUN_FATAL" ]; then
		# timeout(1) exits 124 (or 137 after -k) at the deadline; a harness
		# exits 124 by itself earlier, so the clock decides
		if { [ "$RUN_RC" -eq 124 ] || [ "$RUN_RC" -eq 137 ]; } && [ $RUN_USECS -ge $((${tmo%.*} * 1000000)) ]; then
			RUN_TIMEDOUT=yes
		fi
	fi
	rm -rf "$st"
}

# vmc_kill_runs: end every run still going (on Ctrl-C / SIGTERM of the runner)
vmc_kill_runs() {
	local f
	for f in "${VMC_RUN_STATEDIR:-${TMPDIR:-/tmp}}"/vmc-run.*/pid; do
		[ -s "$f" ] && kill -KILL -- "-$(<"$f")" 2>/dev/null
	done
}

# _vmc_watch STATEDIR: copy stdin to stdout; on a fatal QEMU message, record it
# and kill the run's process group 0.3 s later (so the register dump that
# follows the message reaches the log), SIGKILL if it is still there 3 s on.
_vmc_watch() {
	local st=$1 line p pid="" rc
	while :; do
		if [ -n "$pid" ]; then
			IFS= read -r -t 3 line; rc=$?
			if [ $rc -gt 128 ]; then
				kill -KILL -- "-$pid" 2>/dev/null
				break
			fi
		else
			IFS= read -r line; rc=$?
		fi
		[ $rc -ne 0 ] && [ -z "$line" ] && break
		printf '%s\n' "$line"
		[ -n "$pid" ] && continue
		for p in "${VMC_FATAL_PATTERNS[@]}"; do
			# shellcheck disable=SC2053 # the patterns are globs
			[[ ${line%$'\r'} == $p ]] || continue
			printf '%s\n' "${line%$'\r'}" >"$st/fatal"
			while [ ! -s "$st/pid" ]; do sleep 0.01; done
			pid=$(<"$st/pid")
			# let the dump that follows the message arrive, then end the run
			while IFS= read -r -t 0.3 line; do printf '%s\n' "$line"; done
			kill -TERM -- "-$pid" 2>/dev/null
			break
		done
	done
}

# ---------------------------------------------------------------- classification
# vmc_status_from_exit KIND RC LOGFILE -> REPLY: PASS FAIL SKIP ERROR, or ""
# when the run carried no status.  The one decoder of the status table
# (lib/status.h): isa-debug-exit and the harness give (v<<1)|1; s390x and
# arm64 print "EXIT: STATUS=v" (the last such line counts).
vmc_status_from_exit() {
	local kind=$1 rc=$2 log=$3 v
	REPLY=""
	case $kind in
	debug-exit | harness)
		case $rc in
		1) REPLY=PASS ;; 3) REPLY=FAIL ;; 5) REPLY=SKIP ;; 7) REPLY=ERROR ;;
		esac ;;
	exit-line)
		v=$(grep -a -o -E '^EXIT: STATUS=[0-9]+' "$log" | tail -n 1)
		case ${v#EXIT: STATUS=} in
		0) REPLY=PASS ;; 1) REPLY=FAIL ;; 2) REPLY=SKIP ;; 3) REPLY=ERROR ;;
		esac ;;
	esac
}

# vmc_arm64_qemu_skip QEMU-ERROR-LINE -> REPLY: the configurations QEMU
# refuses on this host before the guest runs, as a SKIP naming what would run
# them; returns 1 for any other line.  (QEMU 7.2 hw/arm/virt.c: the IPA size
# from KVM_CAP_ARM_VM_IPA_SIZE, specs/arm64.md §4.1; EL2 and named CPU models
# exist only under TCG there.)
vmc_arm64_qemu_skip() {
	local re='require an IPA range \(([0-9]+) bits\) larger than the one supported by the host \(([0-9]+) bits\)'
	if [[ $1 =~ $re ]]; then
		REPLY="needs a ${BASH_REMATCH[1]}-bit IPA space; this KVM host's KVM_CAP_ARM_VM_IPA_SIZE is ${BASH_REMATCH[2]} bits (an arm64 host with a larger PARange, or --accel=tcg)"
		return 0
	fi
	case $1 in
	*"KVM does not support providing Virtualization extensions"*)
		REPLY="needs EL2 in the guest (-M virt,virtualization=on): QEMU 7.2 offers it under TCG only (--accel=tcg)" ;;
	*"KVM is not supported for this guest CPU type"*)
		REPLY="needs a named CPU model (qemu_params -cpu): KVM runs only -cpu host (--accel=tcg)" ;;
	*) return 1 ;;
	esac
	return 0
}

# vmc_classify TEST RUNNER ACCEL KIND LOGFILE
#   uses RUN_RC RUN_TIMEDOUT RUN_FATAL (from vmc_run_watched) and the log.
# Sets RESULT (PASS FAIL SKIP XFAIL TIMEOUT ERROR), REASON, CHECKS (number or
# ""), and DETAILS (array of lines: failing checks / known failures).
vmc_classify() {
	local t=$1 runner=$2 accel=$3 kind=$4 log=$5 status line a
	local sum="" n f s x firstskip="" crash="" qerr="" herr="" hskip="" xpass=0
	local -a fails=()
	cfg_get "$t" arch x86_64; a=$REPLY
	RESULT=ERROR REASON="" CHECKS="" DETAILS=()
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		"SUMMARY: "*) sum=$line ;;
		"FAIL: "*) fails+=("${line#FAIL: }") ;;
		"XPASS: "*) xpass=$((xpass + 1)) ;;
		"SKIP: "*) [ -z "$firstskip" ] && firstskip=${line#SKIP: } ;;
		"UNEXPECTED EXCEPTION"*) [ -z "$crash" ] && crash=$line ;;
		"ERROR: "*) [ -z "$herr" ] && herr=${line#ERROR: } ;;
		"qemu-system-"*": "*) [ -z "$qerr" ] && qerr=$line ;;
		esac
		[[ $line == "SKIP: /dev/kvm"* || $line == "SKIP: vmc-harness "* ]] && hskip=${line#SKIP: }
	done < <(grep -a -E '^(SUMMARY|FAIL|XPASS|SKIP|ERROR): |^UNEXPECTED EXCEPTION|^qemu-system-[a-z0-9_]+: ' "$log")

	if [ -n "$RUN_FATAL" ]; then
		REASON="QEMU stopped the guest: $RUN_FATAL"; return
	fi
	if [ "$RUN_TIMEDOUT" = yes ]; then
		RESULT=TIMEOUT REASON="no exit within the timeout"; return
	fi
	if [ "$kind" = harness ]; then
		case $RUN_RC in
		124) RESULT=TIMEOUT REASON="harness deadline: $(grep -a -m1 '^TIMEOUT: ' "$log" | cut -c10-)"; return ;;
		77) RESULT=SKIP REASON=${hskip:-"harness: /dev/kvm not usable"}; return ;;
		4) REASON="harness: ${herr:-run ended as ERROR (no message)}"; return ;;
		2) REASON="harness refused the run: $(grep -a -v -E '^(PASS|FAIL|SKIP|INFO|SUMMARY|XFAIL|XPASS): ' "$log" | grep -v '^#' | head -n 1)"; return ;;
		esac
	fi
	if [ -n "$crash" ]; then
		REASON="guest crashed: $crash"; return
	fi
	vmc_status_from_exit "$kind" "$RUN_RC" "$log"; status=$REPLY
	# (QEMU's own exit status 1: a guest cannot end QEMU that way)
	if [ -z "$status" ] && [ "$a" = arm64 ] && [ "$RUN_RC" = 1 ] && vmc_arm64_qemu_skip "$qerr"; then
		RESULT=SKIP REASON=$REPLY; return
	fi
	if [ -z "$status" ]; then
		if [ -n "$qerr" ]; then
			REASON="QEMU failed (status $RUN_RC): $qerr"
		elif [ "$kind" = exit-line ]; then
			REASON="no 'EXIT: STATUS=' line (QEMU status $RUN_RC${sum:+, after the SUMMARY line})"
		elif [ "$kind" = debug-exit ] && [ "$RUN_RC" -eq 0 ]; then
			REASON="guest reset or shut down without an exit status (triple fault?)"
		else
			REASON="exit status $RUN_RC is not in the status table"
		fi
		return
	fi
	if [ "$status" = ERROR ]; then
		REASON="guest reported ERROR status"; return
	fi
	if [ -z "$sum" ]; then
		if [ "$kind" = debug-exit ] && [ -n "$qerr" ]; then
			REASON="no SUMMARY line; QEMU: $qerr"
		else
			REASON="no SUMMARY line; exit status said $status"
		fi
		return
	fi
	if [[ ! $sum =~ ^SUMMARY:\ ([0-9]+)\ tests?,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?(,\ ([0-9]+)\ expected\ failures?)?[[:space:]]*$ ]]; then
		REASON="malformed SUMMARY line: $sum"; return
	fi
	n=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0} x=${BASH_REMATCH[6]:-0}
	local want=PASS
	if [ "$f" -gt 0 ] || [ $xpass -gt 0 ]; then want=FAIL
	elif [ "$s" -ge "$n" ]; then want=SKIP
	fi
	if [ "$want" != "$status" ]; then
		REASON="exit status $status disagrees with '$sum'"; return
	fi
	CHECKS=$n
	case $status in
	PASS) RESULT=PASS
		[ "$x" -gt 0 ] && REASON="$x expected failures" ;;
	SKIP) RESULT=SKIP
		if [ "$n" -eq 0 ]; then REASON="no checks ran"; else REASON=${firstskip:-"every check skipped"}; fi ;;
	FAIL)
		RESULT=FAIL
		REASON="$f failed"
		local m why all=yes
		local -a xd=()
		for m in "${fails[@]}"; do
			DETAILS+=("FAIL: $m")
			if errata_match "$t" "$m" "$runner" "$accel" "$a"; then
				xd+=("XFAIL: $m  [errata: $REPLY]")
			else
				all=no
			fi
		done
		[ $xpass -gt 0 ] && DETAILS+=("($xpass unexpected XPASS)")
		# every failing check must be listed, and all of them seen
		if [ $all = yes ] && [ ${#fails[@]} -gt 0 ] && [ ${#fails[@]} -eq "$f" ] && [ $xpass -eq 0 ]; then
			RESULT=XFAIL REASON="$f known failures (errata)"
			DETAILS=("${xd[@]}")
		fi ;;
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

# ---------------------------------------------------------------- writers
# tap_escape TEXT -> REPLY safe for a TAP description ('#' escaped)
tap_escape() { REPLY=${1//\\/\\\\}; REPLY=${REPLY//#/\\#}; REPLY=${REPLY//$'\n'/ }; }

# yaml_quote TEXT -> REPLY: a double-quoted YAML scalar; ':' is written
# \x3a so that TAP::Parser's YAMLish reader does not take "- a: b" list items
# for hashes
yaml_quote() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}; s=${s//:/\\x3a}; s=${s//$'\t'/\\t}
	REPLY="\"$s\""
}

# xml_escape TEXT -> REPLY
xml_escape() {
	local s=$1
	s=${s//&/&amp;}; s=${s//</&lt;}; s=${s//>/&gt;}; s=${s//\"/&quot;}; s=${s//\'/&apos;}
	# drop control characters XML 1.0 forbids (keep tab, newline)
	REPLY=$(printf '%s' "$s" | LC_ALL=C tr -d '\000-\010\013\014\016-\037')
}
