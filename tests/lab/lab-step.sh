#!/usr/bin/env bash
# Runs one lab test for scripts/test.sh, telling lab faults from test failures.
#   bash tests/lab/lab-step.sh [--uses-lab] NAME -- COMMAND...
#     --uses-lab  the test runs on the lab that is up (scripts/lab.sh up);
#                 without it the test brings its own lab up and down.
# Rules (keep them simple and honest):
#   - the test passes: exit 0 (a lab fault seen afterwards is printed, not hidden);
#   - the test fails and no lab fault happened during it: it fails, never retried
#     (a migprobe failure is a failure);
#   - the test fails and the lab's guest died or went bad during it
#     (scripts/lab.sh health, or the evidence 'down' kept in LAB_FAULT_LOG):
#     "LAB FAULT during NAME" with the evidence, a fresh guest, and ONE retry,
#     announced by a "RETRY (lab fault): NAME" line; if the retry fails, it fails.
# The exit status is the test's (of the retry, if there was one).
set -uo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
LAB=$PWD/scripts/lab.sh
LAB_FAULT_EXIT=3

uses_lab=0
if [[ ${1:-} == --uses-lab ]]; then
	uses_lab=1
	shift
fi
name=${1:-}
[[ -n $name && ${2:-} == -- && $# -ge 3 ]] || { echo "usage: $0 [--uses-lab] NAME -- COMMAND..." >&2; exit 2; }
shift 2

FAULTS=$(mktemp /tmp/migprobe-lab-faults.XXXXXX)
trap 'rm -f "$FAULTS"' EXIT

lab_is_up() { [[ -e ${LAB_DIR:-/tmp/migprobe-lab}/lab.state ]]; }

# Prints the evidence of a lab fault (and returns 0) if there is one now or
# one was recorded by 'down' during the test.
lab_fault() {
	local out rc=0 found=1
	if lab_is_up; then
		out=$("$LAB" health 2>&1) || rc=$?
		if ((rc == LAB_FAULT_EXIT)); then
			echo "$out"
			found=0
		fi
	fi
	if [[ -s $FAULTS ]]; then
		cat "$FAULTS"
		found=0
	fi
	return "$found"
}

# A fresh start for the retry: a new guest on the running lab, or no lab at all.
fresh_lab() {
	if ((uses_lab)); then
		"$LAB" reset-guest
	else
		"$LAB" down >/dev/null 2>&1
	fi
}

run_test() {
	: >"$FAULTS"
	LAB_FAULT_LOG=$FAULTS "$@"
}

if ((uses_lab)); then
	if evidence=$(lab_fault); then
		echo "LAB FAULT before $name (left by an earlier step):"
		echo "$evidence"
		echo "lab-step: resetting the guest before $name"
		"$LAB" reset-guest || exit 1
	fi
fi

rc=0
run_test "$@" || rc=$?
if ((rc == 0)); then
	if evidence=$(lab_fault); then
		echo "note: $name passed, but the lab shows a fault afterwards (not retried, the next step resets the guest):"
		echo "$evidence"
	fi
	exit 0
fi
if ! evidence=$(lab_fault); then
	echo "FAIL: $name (exit $rc); no lab fault: a real failure, not retried"
	exit "$rc"
fi
echo "LAB FAULT during $name (the test exited $rc):"
echo "$evidence"
echo "RETRY (lab fault): $name, once, on a fresh guest"
fresh_lab || { echo "FAIL: $name: could not give the retry a fresh lab"; exit "$rc"; }
rc=0
run_test "$@" || rc=$?
if ((rc == 0)); then
	echo "ok: $name passed on its retry after a lab fault"
	exit 0
fi
if evidence=$(lab_fault); then
	echo "LAB FAULT again during the retry of $name:"
	echo "$evidence"
fi
echo "FAIL: $name failed on its retry too (exit $rc)"
exit "$rc"
