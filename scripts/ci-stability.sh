#!/usr/bin/env bash
# Does CI pass every time, on a busy machine too? Runs scripts/test.sh N times
# (default 10), every second run with a CPU hog on every core (stress-ng
# --cpu 0, installed with apt-get if missing), and writes
# reports/bench/ci-stability.md (+ .json beside it): runs, passes, and every
# failure with its step, its failed checks and its cause (a lab fault with its
# evidence, or a test failure); lab-fault retries are listed even when the run
# passed. Needs root (scripts/test.sh does).
#
#   sudo scripts/ci-stability.sh [N] [--only-lab] [--out FILE.md]
#     --only-lab   run only the lab tests (tests/lab/run-all.sh, after one
#                  cargo build) instead of the whole scripts/test.sh
#   TEST_CMD='...' run this command instead (e.g. for a quick check)
#   CI_STABILITY_LOGS=DIR  where the run logs go (default: a new /tmp dir)
#
# Interrupting it (Ctrl-C) stops the hog and the running test, takes the lab
# down, and writes the report for the runs that finished (marked interrupted).
set -uo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
ROOT=$PWD

n=10 only_lab=0 out=reports/bench/ci-stability.md
while (($#)); do
	case $1 in
	--only-lab) only_lab=1 ;;
	--out) out=${2:?--out needs a file}; shift ;;
	[1-9]*) [[ $1 =~ ^[1-9][0-9]*$ ]] || { echo "N must be a positive number" >&2; exit 2; }; n=$1 ;;
	-h | --help) sed -n '2,18p' "$0"; exit 0 ;;
	*) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[[ $(id -u) == 0 ]] || { echo "scripts/ci-stability.sh must run as root (scripts/test.sh does)" >&2; exit 2; }

if [[ -n ${TEST_CMD:-} ]]; then
	what=$TEST_CMD
elif ((only_lab)); then
	what="bash tests/lab/run-all.sh"
else
	what="bash scripts/test.sh"
fi
LOGS=${CI_STABILITY_LOGS:-$(mktemp -d /tmp/migprobe-ci-stability.XXXXXX)}
mkdir -p "$LOGS" "$(dirname "$out")"

if ! command -v stress-ng >/dev/null; then
	echo "installing stress-ng (the CPU hog)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends stress-ng >/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends stress-ng >/dev/null; } ||
		{ echo "could not install stress-ng" >&2; exit 1; }
fi

hog= test_pid= interrupted=0
stop_hog() {
	[[ -n $hog ]] && kill "$hog" 2>/dev/null && wait "$hog" 2>/dev/null
	hog=
}
on_interrupt() {
	interrupted=1
	echo "interrupted: stopping the hog and the running test, taking the lab down" >&2
	# The test runs in its own process group (setsid): stop all of it.
	[[ -n $test_pid ]] && kill -TERM -- "-$test_pid" 2>/dev/null
	[[ -n $test_pid ]] && wait "$test_pid" 2>/dev/null
	test_pid=
	stop_hog
	bash scripts/lab.sh down >/dev/null 2>&1 || true
}
trap on_interrupt INT TERM
trap stop_hog EXIT

if ((only_lab)) && [[ -z ${TEST_CMD:-} ]]; then
	echo "building migprobe once for the lab tests"
	cargo build --workspace --all-targets --features migprobe/root-tests >"$LOGS/build.log" 2>&1 ||
		{ echo "cargo build failed (see $LOGS/build.log)" >&2; exit 1; }
fi

results=() # one JSON object per finished run
for ((i = 1; i <= n; i++)); do
	((interrupted)) && break
	busy=$((i % 2 == 0))
	load=idle
	if ((busy)); then
		load="busy (stress-ng --cpu 0)"
		stress-ng --cpu 0 --timeout 0 >/dev/null 2>&1 &
		hog=$!
	fi
	log=$LOGS/run-$i.log
	echo "run $i/$n ($load): $what > $log"
	t0=$(date +%s)
	setsid bash -c "$what" >"$log" 2>&1 </dev/null &
	test_pid=$!
	wait "$test_pid"
	rc=$?
	test_pid=
	stop_hog
	((interrupted)) && break
	secs=$(($(date +%s) - t0))
	results+=("$(python3 "$ROOT/scripts/bench/ci_stability.py" run "$log" "$i" "$busy" "$rc" "$secs")")
	echo "run $i: exit $rc in ${secs}s"
done

printf '%s\n' "${results[@]}" | python3 "$ROOT/scripts/bench/ci_stability.py" report \
	--planned "$n" --command "$what" --logs "$LOGS" --interrupted "$interrupted" \
	--md "$out" --json "${out%.md}.json"
echo "report: $out (logs: $LOGS)"
