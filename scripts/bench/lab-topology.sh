#!/usr/bin/env bash
# Does the lab's topology change what migprobe sees? Compares the lab of a
# base git ref (default main: before issue 15, all in one namespace) with this
# tree's (three hosts on a switch) on the same known pauses: each lab is
# brought up in turn, ROUNDS times alternately, and in each
# `scripts/lab.sh suspend-for 300ms` is measured PAUSES times by
# `migprobe run` on the lab's prober namespace. Per pause: the outage estimate
# minus QEMU's own STOP->RESUME window (the guest's resume latency plus the
# path's), and the baseline RTT p50/p99. Writes reports/bench/lab-topology.md
# and .jsonl. Root; uses LAB_DIR/LAB_NETNS/LAB_CACHE_DIR as the lab does (one
# lab at a time, brought down at the end, also on failure).
#   MIGPROBE=path (default target/debug/migprobe)  BASE=main  ROUNDS=2  PAUSES=5
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
MP=${MIGPROBE:-$ROOT/target/debug/migprobe}
BASE=${BASE:-main}
ROUNDS=${ROUNDS:-2}
PAUSES=${PAUSES:-5}
OUT=$ROOT/reports/bench
[[ $(id -u) == 0 ]] || { echo "lab-topology.sh: needs root (the lab)" >&2; exit 2; }
[[ -x $MP ]] || { echo "lab-topology.sh: no migprobe at $MP (cargo build, or set MIGPROBE)" >&2; exit 2; }
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $PAUSES =~ ^[1-9][0-9]*$ ]] || { echo "lab-topology.sh: ROUNDS and PAUSES must be positive whole numbers" >&2; exit 2; }
W=$(mktemp -d /tmp/migprobe-lab-topology.XXXXXX)
# The base's lab scripts, exported (not a worktree); they run from there.
mkdir -p "$W/base"
git archive "$BASE" scripts/lab.sh scripts/lab | tar -x -C "$W/base"
LAB_NOW=""
cleanup() {
	[[ -n $LAB_NOW ]] && bash "$LAB_NOW" down >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT"
: >"$OUT/lab-topology.jsonl"

measure() { # label lab.sh
	local label=$1 lab=$2 i ns
	LAB_NOW=$lab
	bash "$lab" up >"$W/up.log" 2>&1 || { tail -20 "$W/up.log" >&2; exit 1; }
	eval "$(bash "$lab" env)"
	ns=${LAB_PROBER_NETNS:-$LAB_NETNS}
	for ((i = 1; i <= PAUSES; i++)); do
		rm -rf "$W/run"
		ip netns exec "$ns" "$MP" run -t "$LAB_GUEST_IP4" --warmup 1s --cooldown 1s --drain 1s -q \
			--out "$W/run" -- bash "$lab" suspend-for 300ms >/dev/null 2>&1 || { echo "$label: run $i failed" >&2; exit 1; }
		python3 - "$W/run" "$label" "$(cut -d' ' -f1 /proc/loadavg)" >>"$OUT/lab-topology.jsonl" <<'PY'
import json, re, sys
d, label, load = sys.argv[1:]
log = open(d + "/trigger.log").read()
p, r = (int(re.search(k + r"=(\d+)", log).group(1)) for k in ("paused_ns", "resumed_ns"))
rep = json.load(open(d + "/report.json"))
o = max(rep["outages"], key=lambda o: o["estimate_ms"])
b = rep["baseline"][0]
print(json.dumps({"lab": label, "pause_ms": (r - p) / 1e6, "estimate_ms": o["estimate_ms"],
                  "excess_ms": o["estimate_ms"] - (r - p) / 1e6, "rtt_p50_ms": b.get("rtt_p50_ms"),
                  "rtt_p99_ms": b["rtt_p99_ms"], "load1": float(load)}))
PY
	done
	bash "$lab" down >/dev/null 2>&1
	LAB_NOW=""
}

for ((round = 1; round <= ROUNDS; round++)); do
	echo "== round $round/$ROUNDS: $BASE's lab, then this tree's" >&2
	measure "$BASE" "$W/base/scripts/lab.sh"
	measure three-hosts "$ROOT/scripts/lab.sh"
done

python3 - "$OUT/lab-topology.jsonl" "$BASE" "$ROUNDS" "$PAUSES" >"$OUT/lab-topology.md" <<'PY'
import json, statistics as st, sys
path, base, rounds, pauses = sys.argv[1:]
rows = [json.loads(l) for l in open(path)]
print(f"# Lab topology: {base}'s lab vs the three-host lab\n")
print(f"`scripts/bench/lab-topology.sh`: {rounds} alternating rounds x {pauses} known pauses "
      "(`suspend-for 300ms`) per lab, measured by `migprobe run` from the lab's prober namespace. "
      "excess = outage estimate - QEMU's STOP->RESUME window.\n")
print("| lab | n | excess p50 | excess max | RTT p50 (median) | RTT p99 (median) | load1 (median) |")
print("|---|--:|--:|--:|--:|--:|--:|")
for lab in dict.fromkeys(r["lab"] for r in rows):
    rs = [r for r in rows if r["lab"] == lab]
    ex = [r["excess_ms"] for r in rs]
    med = lambda k: st.median(r[k] for r in rs if r[k] is not None)
    print(f"| {lab} | {len(rs)} | {st.median(ex):.1f} ms | {max(ex):.1f} ms | {med('rtt_p50_ms'):.2f} ms "
          f"| {med('rtt_p99_ms'):.2f} ms | {med('load1'):.1f} |")
PY
cat "$OUT/lab-topology.md"
