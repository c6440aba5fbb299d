#!/usr/bin/env bash
# scripts/coverage.sh (make coverage): line and function coverage of the
# host-side code - the harness (all three builds) and the guest libc built
# for the host (tests/libc) - while the framework's own tests run.
#
# The tree is copied to build/coverage/tree (so the normal build/host stays
# untouched), the host programs are rebuilt there with gcc --coverage -O0,
# the x86_64 guests are taken from this tree's build/ (symlinked), and then
# every tests/*/check.sh runs there, plus the x86_64 suite under the
# harness.  lcov captures the counters, genhtml writes
# build/coverage/html/index.html, and the summary lines are printed.
# Freestanding guest payloads have no coverage (no libgcov, no file I/O).
#
# Usage: scripts/coverage.sh TARGET...  (host targets relative to the top,
# e.g. build/host/vmc-harness; make coverage passes CHECK_DEPS minus the
# clang-built fuzz targets).  Exit: 0 report written, 1 a step failed
# (tests failing still give a report: their tally is printed), 2 setup.
set -u
cd "$(dirname "$0")/.." || exit 2
TOP=$PWD
C=$TOP/build/coverage
TREE=$C/tree
[ $# -gt 0 ] || { echo "usage: scripts/coverage.sh HOST-TARGET..." >&2; exit 2; }
for tool in lcov genhtml gcov; do
	command -v "$tool" >/dev/null || { echo "coverage: $tool not found (package lcov / gcc)" >&2; exit 2; }
done
[ -d build/x86_64 ] || { echo "coverage: build/x86_64 missing (make all first)" >&2; exit 2; }

# geninfo/genhtml print harmless "Subroutine ... redefined" warnings even
# with --quiet (specs/toolchain.md §4): drop them, keep anything else
quiet_lcov() {
	"$@" 2> >(grep -v -E 'Subroutine .* redefined at|^[[:space:]]*$' >&2)
}

echo "coverage: copying the tree to $TREE"
rm -rf "$C"
mkdir -p "$TREE/build" "$C/html" || exit 2
# the working tree as it is (tracked and untracked, not ignored), without build/
git ls-files -z --cached --others --exclude-standard |
	grep -z -v '^build/' |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar -c --null -T - -f - | tar -x -C "$TREE" -f - || exit 2
cp config.mak "$TREE/" 2>/dev/null
for a in build/*/; do
	a=${a%/}
	[ "$a" = build/host ] || [ "$a" = build/coverage ] || ln -s "$TOP/$a" "$TREE/$a"
done

echo "coverage: building $* with --coverage"
flags="-std=gnu11 -O0 -g -Wall -Wextra -Werror -D_GNU_SOURCE --coverage"
if ! make -C "$TREE" -s HOST_CFLAGS="$flags" "$@" >"$C/build.log" 2>&1; then
	echo "coverage: build failed, see $C/build.log" >&2
	tail -n 20 "$C/build.log" >&2
	exit 1
fi
quiet_lcov lcov --quiet --capture --initial --directory "$TREE/build/host" \
	--output-file "$C/base.info" || exit 1

status=0
for t in "$TREE"/tests/*/check.sh; do
	[ -x "$t" ] || continue
	name=${t#"$TREE"/}
	tally=$("$t" 2>&1 | tee "$C/${name//\//_}.log" | tail -n 1)
	printf '  %-24s %s\n' "${name%/check.sh}" "$tally"
done
if [ -x "$TREE/build/host/vmc-harness" ]; then
	tally=$(cd "$TREE" && VMC_LOGDIR="$C/logs" ./run_tests.sh --arch=x86_64 --runner=harness 2>&1 |
		tee "$C/suite-harness.log" | tail -n 1)
	printf '  %-24s %s\n' "suite (harness)" "$tally"
fi

quiet_lcov lcov --quiet --capture --directory "$TREE/build/host" \
	--output-file "$C/run.info" || exit 1
quiet_lcov lcov --quiet --add-tracefile "$C/base.info" --add-tracefile "$C/run.info" \
	--output-file "$C/all.info" || exit 1
# only the project's sources (not system headers)
quiet_lcov lcov --quiet --extract "$C/all.info" "$TREE/*" --output-file "$C/coverage.info" || exit 1
quiet_lcov genhtml --quiet --prefix "$TREE" --title "vmconform host code" \
	--output-directory "$C/html" "$C/coverage.info" || status=1
echo "coverage: $C/html/index.html"
quiet_lcov lcov --summary "$C/coverage.info" 2>&1 | grep -E '^ *(lines|functions|branches)' || status=1
# per directory, lines
quiet_lcov lcov --list "$C/coverage.info" 2>/dev/null | grep -E '^\[|\|' | sed -n '1,60p' >"$C/list.txt"
exit $status
