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

"$BIN" events --src-uri "$LAB_SRC_URI" --dst-uri "$LAB_DST_URI" --domain "$LAB_DOMAIN" \
	--out "$OUT/events.jsonl" 2>"$OUT/events.log" &
cap=$!
sleep 1
scripts/lab.sh restart-node "$LAB_DST_NODE"
sleep 1
$LAB_MIGRATE_CMD
sleep 3
kill -INT "$cap"
wait "$cap"
cap=
echo "--- what migprobe events printed"
grep -v job_stats "$OUT/events.log" || true
echo "---"
python3 tests/lab/check_events.py "$OUT/events.jsonl"
