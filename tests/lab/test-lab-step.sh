#!/usr/bin/env bash
# Tests for the lab-fault machinery on the running lab (scripts/lab.sh up):
# lab.sh health, reset-guest, and tests/lab/lab-step.sh's rule "retry once
# only after a lab fault". Kills the guest on purpose (twice) and leaves a
# fresh healthy guest behind. The last line is "N passed, M failed".
set -uo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
LAB=$PWD/scripts/lab.sh
STEP=$PWD/tests/lab/lab-step.sh
OUT=$(mktemp -d /tmp/migprobe-lab-step.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
passed=0 failed=0
check() { # description condition...
	local what=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok:   $what"
	else
		failed=$((failed + 1))
		echo "FAIL: $what"
	fi
}
has() { grep -q -- "$2" "$OUT/$1"; }
hasnt() { ! grep -q -- "$2" "$OUT/$1"; }

# A "test" that kills the guest and fails, the first time only ($1 = marker).
cat >"$OUT/kill-once.sh" <<EOF
#!/usr/bin/env bash
eval "\$("$LAB" env)"
if [[ ! -e \$1 ]]; then
	touch "\$1"
	virsh -q -c "\$LAB_SRC_LOCAL_URI" destroy "\$LAB_DOMAIN" >/dev/null
	exit 1
fi
exit 0
EOF

rc=0
"$LAB" health >"$OUT/health-ok" 2>&1 || rc=$?
check "health exits 0 on a healthy lab ($rc)" test "$rc" = 0

rc=0
"$STEP" --uses-lab plain-failure -- bash -c 'echo a test failure; exit 7' >"$OUT/plain" 2>&1 || rc=$?
check "a failure without a lab fault keeps its exit status ($rc)" test "$rc" = 7
check "... and is not retried" hasnt plain "RETRY"
check "... and says so" has plain "no lab fault: a real failure, not retried"

rc=0
"$STEP" --uses-lab dies-once -- bash "$OUT/kill-once.sh" "$OUT/marker" >"$OUT/once" 2>&1 || rc=$?
check "a failure with a lab fault is retried and passes ($rc)" test "$rc" = 0
check "... the fault is printed with its evidence" has once "LAB FAULT: the guest .* is not running on any node"
check "... the domain state is part of the evidence" has once "domain .*shut off"
check "... the retry is announced" has once "RETRY (lab fault): dies-once"

rc=0
"$STEP" --uses-lab dies-always -- bash -c "rm -f '$OUT/m2'; bash '$OUT/kill-once.sh' '$OUT/m2'" >"$OUT/always" 2>&1 || rc=$?
check "a test that hits a lab fault twice fails ($rc)" test "$rc" = 1
check "... after exactly one retry" test "$(grep -c 'RETRY (lab fault)' "$OUT/always")" = 1
check "... and says it failed on its retry" has always "failed on its retry too"

rc=0
"$LAB" health >"$OUT/health-bad" 2>&1 || rc=$?
check "health exits 3 with the guest dead ($rc)" test "$rc" = 3
rc=0
"$LAB" reset-guest >"$OUT/reset" 2>&1 || rc=$?
check "reset-guest brings a fresh guest ($rc)" test "$rc" = 0
rc=0
"$LAB" health >"$OUT/health-after" 2>&1 || rc=$?
check "health is clean after reset-guest ($rc)" test "$rc" = 0
if ((failed)); then
	for f in plain once always health-bad reset; do
		echo "--- $f"
		cat "$OUT/$f"
	done
fi
echo "$passed passed, $failed failed"
((failed == 0))
