#!/usr/bin/env bash
# How much of a run `kill -9` loses: `migprobe probe 127.0.0.1 --interval 1ms`
# (loopback only) is killed with SIGKILL after SECONDS, REPS times per format
# (compact and JSON Lines); the figure is the kill time minus the tx_ns of the
# last probe in the file (what the run file lost). Issue 17: ≤ 100 ms.
# Writes reports/bench/kill9.md (or $OUT; an existing one only with FORCE=1).
#
# Usage: scripts/bench-kill9.sh        Env: MIGPROBE (default: the release
#        binary of $CARGO_TARGET_DIR or target/), REPS (5), SECONDS_BEFORE (3)
set -euo pipefail
cd "$(dirname "$0")/.."
MP=${MIGPROBE:-${CARGO_TARGET_DIR:-target}/release/migprobe}
REPS=${REPS:-5}
WAIT=${SECONDS_BEFORE:-3}
OUT=${OUT:-reports/bench/kill9.md}
[ -x "$MP" ] || { echo "$0: no migprobe binary at $MP (build it, or set MIGPROBE)" >&2; exit 2; }
[ ! -e "$OUT" ] || [ "${FORCE:-0}" = 1 ] || { echo "$0: $OUT exists (FORCE=1 replaces it)" >&2; exit 2; }
W=$(mktemp -d /tmp/migprobe-kill9.XXXXXX)
pid=""
cleanup() { [ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
rows=""
for fmt in compact jsonl; do
	for ((r = 1; r <= REPS; r++)); do
		f=$W/run-$r.$fmt
		"$MP" probe 127.0.0.1 --interval 1ms --duration 60s --out "$f" --format "$fmt" --quiet >/dev/null 2>&1 &
		pid=$!
		sleep "$WAIT"
		killed=$(date +%s%N)
		kill -9 "$pid"
		wait "$pid" 2>/dev/null || true
		pid=""
		# A killed file ends in a cut line or frame: cat says so, and reads the rest.
		"$MP" cat "$f" >"$W/lines" 2>/dev/null || true
		last=$(python3 -c 'import json, sys
print(max(json.loads(l)["tx_ns"] for l in open(sys.argv[1]) if l.startswith("{\"type\":\"probe\"")))' "$W/lines")
		lost=$(python3 -c "print(f'{($killed - $last) / 1e6:.1f}')")
		echo "$fmt run $r: last probe sent $lost ms before the kill"
		rows+="| $fmt | $r | $lost ms |"$'\n'
	done
done
{
	echo "# \`kill -9\` of a running probe: what the run file loses"
	echo
	echo "Written by \`scripts/bench-kill9.sh\` on $(date -u +%FT%TZ) ($(git rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)):"
	echo "\`migprobe probe 127.0.0.1 --interval 1ms\` killed with SIGKILL after ${WAIT} s; the figure is the kill"
	echo "time minus the send time of the last probe in the file. Issue 17: ≤ 100 ms (the writer flushes every 100 ms)."
	echo
	echo "| format | run | lost before the kill |"
	echo "|---|--:|--:|"
	printf '%s' "$rows"
} >"$OUT"
echo "wrote $OUT"
