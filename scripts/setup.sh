#!/usr/bin/env bash
# Install the Debian packages vmconform needs (DESIGN §8, specs/toolchain.md §1).
# Idempotent: prints nothing and changes nothing when every package is present.
# Runs apt-get as root, or through sudo when not root; fails with a clear
# message when neither is possible.  `-n` only lists what is missing.
# apt's output goes to build/setup.log (SETUP_LOG); the terminal gets one line
# per step, and the log's tail when a step fails.
set -u

# The one list.  Add a package here with a word on what needs it.
PACKAGES=(
	make gcc binutils          # host build
	libc6-dev                  # host build: libc headers, crt*.o, libc.a (static harness, runner tools)
	libelf-dev zlib1g-dev      # harness ELF loader; static harness (vmtest) links libelf.a + libz.a
	linux-libc-dev             # KVM UAPI headers for the harness
	qemu-system-x86            # x86_64 tests (qemu-system-data brings qboot.rom)
	qemu-system-misc           # qemu-system-s390x
	qemu-system-arm            # qemu-system-aarch64 (arm64 port)
	gcc-s390x-linux-gnu        # s390x cross build (+ binutils-s390x-linux-gnu)
	gcc-aarch64-linux-gnu      # arm64 cross build
	binutils-aarch64-linux-gnu # arm64 cross assembler/linker/objcopy
	libc6-dev-arm64-cross linux-libc-dev-arm64-cross  # arm64 host-side injector (arm/host)
	qemu-user                  # qemu-aarch64: tests/arm64 runs the cross-built injector
	ovmf gnu-efi               # x86_64-efi environment
	clang                      # fuzz targets
	libclang-rt-14-dev         # libFuzzer/ASan runtime for clang-14 (only a Recommends of clang)
	lcov                       # coverage of host-side code
	shellcheck                 # make check lints every shell script
	python3                    # JUnit well-formedness check in tests/runner
	libxml2-utils              # xmllint: the second JUnit validity check in tests/runner
	perl                       # TAP::Parser check of the TAP output in tests/runner (perl-base lacks it)
	procps                     # pgrep: tests/runner checks that no process is left behind
	xz-utils zstd              # scripts/vmtest unpacks .ko.xz / .ko.zst modules
)

dry_run=no
case "${1:-}" in
-n) dry_run=yes ;;
-h|--help)
	echo "usage: scripts/setup.sh [-n]   (-n: only list missing packages)"
	exit 0 ;;
"") ;;
*) echo "setup.sh: unknown option '$1' (usage: scripts/setup.sh [-n])" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "setup.sh: dpkg-query not found: this script needs Debian or a derivative;" \
		"install by hand: ${PACKAGES[*]}" >&2
	exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	[ "$st" = installed ] || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$dry_run" = yes ]; then
	printf '%s\n' "${missing[@]}"
	exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=(sudo)
	else
		echo "setup.sh: missing packages: ${missing[*]}" >&2
		echo "setup.sh: not root and no sudo: run as root: apt-get install ${missing[*]}" >&2
		exit 1
	fi
fi

log=${SETUP_LOG:-$(cd "$(dirname "$0")/.." && pwd)/build/setup.log}
mkdir -p "$(dirname "$log")" && : >"$log" || log=/dev/null
export DEBIAN_FRONTEND=noninteractive
# step TEXT CMD...: one line for the step; the command's output to the log
step() {
	local what=$1 t0=$SECONDS
	shift
	printf 'setup.sh: %s ... ' "$what"
	if "$@" >>"$log" 2>&1 </dev/null; then
		echo "ok ($((SECONDS - t0)) s)"
		return 0
	fi
	echo "FAILED (log: $log)"
	tail -n 20 "$log" | sed 's/^/  | /' >&2
	return 1
}
echo "setup.sh: ${#missing[@]} packages missing: ${missing[*]} (apt output: $log)"
step "apt-get update" "${sudo[@]}" apt-get update -q || exit 1
step "apt-get install ${#missing[@]} packages" \
	"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" || exit 1
