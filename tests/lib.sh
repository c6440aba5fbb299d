# shellcheck shell=bash
# Shared by the framework's own tests (tests/*/check.sh): the check.sh
# contract of scripts/check.sh — one line per check, exit 0 when nothing
# failed, last line "N passed, N failed, N skipped".
# Source it, call pass/fail/skip per check, end with `check_done`.

npass=0 nfail=0 nskip=0
pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { echo "FAIL $1: $2"; nfail=$((nfail + 1)); }
skip() { echo "SKIP $1: $2"; nskip=$((nskip + 1)); }

# print the tally and exit with the contract's status
check_done() {
	echo "$npass passed, $nfail failed, $nskip skipped"
	[ "$nfail" -eq 0 ] && exit 0
	exit 1
}
