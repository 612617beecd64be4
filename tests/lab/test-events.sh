#!/usr/bin/env bash
# `migprobe events` against the running lab (scripts/lab.sh up): listens to
# both libvirt daemons while the destination daemon is restarted and the guest
# is block-live-migrated, then checks the captured sequence.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${MIGPROBE:-$PWD/target/debug/migprobe}
eval "$(scripts/lab.sh env)"
OUT=$(mktemp -d /tmp/migprobe-events.XXXXXX)
cap=
cleanup() {
	[[ -n $cap ]] && kill -INT "$cap" 2>/dev/null && wait "$cap" 2>/dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT

ip netns exec "$LAB_PROBER_NETNS" "$BIN" events --src-uri "$LAB_SRC_URI" --dst-uri "$LAB_DST_URI" --domain "$LAB_DOMAIN" \
	--out "$OUT/events.jsonl" 2>"$OUT/events.log" &
cap=$!
wait_for() { # count pattern: until the capture printed it that often (20 s at most)
	local i
	for ((i = 0; i < 200; i++)); do
		(($(grep -c -- "$2" "$OUT/events.log" || true) >= $1)) && return 0
		kill -0 "$cap" 2>/dev/null || { cat "$OUT/events.log"; echo "migprobe events died"; exit 1; }
		sleep 0.1
	done
	cat "$OUT/events.log"
	echo "timed out waiting for '$2' in the capture's output"
	exit 1
}
wait_for 2 capture_started
scripts/lab.sh restart-node "$LAB_DST_NODE"
wait_for 1 connection_restored
$LAB_MIGRATE_CMD
sleep 3
kill -INT "$cap"
wait "$cap"
cap=
echo "--- what migprobe events printed"
grep -v job_stats "$OUT/events.log" || true
echo "---"
python3 tests/lab/check_events.py "$OUT/events.jsonl"
