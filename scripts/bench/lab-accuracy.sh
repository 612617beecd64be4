#!/usr/bin/env bash
# The lab part of scripts/bench-accuracy.sh (run it from there). Holds
# `flock /tmp/migprobe-lab.lock` throughout (the lab is shared with the lab
# tests), brings the lab up, and always down again (also on failure, SIGINT, SIGTERM):
#   1. one `migprobe run` (1 ms) whose trigger pauses the guest REPS times for
#      each of 50 ms, 250 ms, 1 s (`scripts/lab.sh suspend-for D`, random order
#      and gaps); QEMU's STOP/RESUME times become fault lines scored by
#      `migprobe-inject score`;
#   2. `migprobe run --repeat REPS --pingpong` around real --copy-storage-all
#      migrations: network-observed downtime against QEMU's pause.
# Usage: lab-accuracy.sh MIGPROBE_BIN_DIR REPS SCORES_DIR WORK_DIR (writes SCORES_DIR/lab-*)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -eq 4 ] || { echo "usage: $0 MIGPROBE_BIN_DIR REPS OUT_DIR WORK_DIR" >&2; exit 2; }
BIN=$1 REPS=$2 OUT=$3 W=$4
MP=$BIN/migprobe
mkdir -p "$W"

exec 9>/tmp/migprobe-lab.lock
echo "== lab: waiting for /tmp/migprobe-lab.lock" >&2
flock 9
if ip netns list | grep -qw "${LAB_NETNS:-migprobe-lab}" || [ -e "${LAB_DIR:-/tmp/migprobe-lab}/lab.state" ]; then
  echo "lab-accuracy: a lab is already up (someone else's?): not touching it, skipping the lab part" >&2
  exit 3
fi
trap 'scripts/lab.sh down >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
scripts/lab.sh up >"$W/up.log" 2>&1 || { tail -20 "$W/up.log" >&2; exit 1; }
eval "$(scripts/lab.sh env)"

echo "== lab: $((3 * REPS)) known pauses of the guest" >&2
PLAN=$(for _ in $(seq "$REPS"); do printf '%s\n' 50ms 250ms 1s; done | shuf | tr '\n' ' ')
# The trigger: each pause after a random 0.5-1.5 s gap; suspend-for prints QEMU's STOP/RESUME times.
TRIG='for d in '"$PLAN"'; do sleep 0.$((RANDOM % 1000 + 500)); sleep $((RANDOM % 2)); scripts/lab.sh suspend-for "$d" || exit 1; done'
ip netns exec "$LAB_PROBER_NETNS" "$MP" run -t "$LAB_GUEST_IP4" -i 1ms --warmup 3s --cooldown 1s --drain 1s -q \
  --out "$W/pause" -- bash -c "$TRIG" >/dev/null || { echo "lab: the pause run failed" >&2; cat "$W/pause/trigger.log" >&2; exit 1; }
# suspend-for's line: ... requested_us=U source=qemu paused_ns=A resumed_ns=B ... -> one fault line.
python3 - "$W/pause/trigger.log" >"$W/pause/faults.jsonl" <<'PY'
import re, sys
seq = 0
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"requested_us=(\d+) source=(\w+) paused_ns=(\d+) resumed_ns=(\d+)", line)
    if not m:
        continue
    us, src, a, b = int(m[1]), m[2], int(m[3]), int(m[4])
    # QEMU's event times have microsecond resolution: +-0.5 us each.
    print('{"case":"lab pause (%s)","kind":"freeze","seq":%d,"requested_ns":%d,'
          '"start_before_ns":%d,"start_after_ns":%d,"end_before_ns":%d,"end_after_ns":%d}'
          % (src, seq, us * 1000, a - 500, a + 500, b - 500, b + 500))
    seq += 1
PY
"$BIN/migprobe-inject" score --faults "$W/pause/faults.jsonl" --report "$W/pause/report.json" \
  --target "$LAB_GUEST_IP4" --out "$OUT/lab-pause.json"

echo "== lab: $REPS --copy-storage-all migrations" >&2
eval "$(scripts/lab.sh env)"
ip netns exec "$LAB_PROBER_NETNS" "$MP" run -t "$LAB_GUEST_IP4" -i 1ms \
  --src-uri "$LAB_SRC_URI" --dst-uri "$LAB_DST_URI" --domain "$LAB_DOMAIN" \
  --warmup 2s --cooldown 2s --drain 1s -q --repeat "$REPS" --pingpong --out "$W/migrate" -- $LAB_MIGRATE_CMD >/dev/null ||
  echo "lab: the migration campaign exited non-zero (see the report)" >&2
cp "$W/migrate/report.json" "$OUT/lab-migrate.json"
cat >"$OUT/lab-commands.txt" <<EOF
# all under flock /tmp/migprobe-lab.lock
scripts/lab.sh up
ip netns exec \$LAB_PROBER_NETNS migprobe run -t \$LAB_GUEST_IP4 -i 1ms --warmup 3s --cooldown 1s --drain 1s -q --out pause -- bash -c '$TRIG'
migprobe-inject score --faults faults.jsonl --report pause/report.json --target \$LAB_GUEST_IP4   # faults.jsonl from suspend-for's paused_ns/resumed_ns
ip netns exec \$LAB_PROBER_NETNS migprobe run -t \$LAB_GUEST_IP4 -i 1ms --src-uri \$LAB_SRC_URI --dst-uri \$LAB_DST_URI --domain \$LAB_DOMAIN --warmup 2s --cooldown 2s --drain 1s -q --repeat $REPS --pingpong --out migrate -- \$LAB_MIGRATE_CMD
scripts/lab.sh down
EOF
