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

# wait_bounded PID SECONDS -> RC: wait for this shell's background PID for at
# most SECONDS (polled every 50 ms); one still running then is killed
# (SIGKILL) and RC is 124, so a runner that ignores its signal fails its
# check instead of hanging make check
# shellcheck disable=SC2034 # RC is the caller's
wait_bounded() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		RC=124
		return 124
	fi
	wait "$1"
	RC=$?
}
