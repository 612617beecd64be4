#!/usr/bin/env bash
# ICMP, TCP and UDP probes against the same real guest pauses (issue 15: a
# guest that drops ICMP is measured by tcp: and udp: probes as accurately as
# by ICMP). Per rep and pause length D, three `migprobe probe`s at 1 ms from
# the lab's prober host — icmp, tcp:7 (the guest's echo port: a SYN-ACK
# answers), tcp:9 (a closed port: an RST answers) and udp:33434 (a closed
# port: a port unreachable answers) — run
# while `lab.sh suspend-for D` pauses the guest; the ground truth is QEMU's
# STOP/RESUME. The guest's kernel rate limits on ICMP errors are lifted
# (LAB_GUEST_NO_ICMP_LIMIT=1), else UDP gets one answer per second.
#
# Brings its own lab up and always down again (also on failure or Ctrl-C),
# never the default one: LAB_DIR and LAB_NETNS must name a lab of the
# caller's (e.g. LAB_DIR=/tmp/mplab-kinds LAB_NETNS=mplab-kinds).
# Usage: LAB_DIR=... LAB_NETNS=... scripts/bench/lab-kinds-accuracy.sh [REPS]   (MIGPROBE=path, OUT=dir)
# Writes reports/bench/accuracy-kinds-lab.json and accuracy-kinds-lab.md. Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
REPS=${1:-3}
[[ $REPS =~ ^[1-9][0-9]*$ ]] || { echo "$0: REPS must be a positive count, got '$REPS'" >&2; exit 2; }
# shellcheck source=scripts/bench/own-lab.sh
source scripts/bench/own-lab.sh
[ -e "$LAB_DIR/lab.state" ] && { echo "$0: a lab exists at $LAB_DIR; this script brings its own up (scripts/lab.sh down first)" >&2; exit 2; }
W=$(mktemp -d /tmp/lab-kinds.XXXXXX)
trap 'scripts/lab.sh down >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
LAB_GUEST_NO_ICMP_LIMIT=1 LAB_WORKLOAD=0 scripts/lab.sh up >"$W/up.log" 2>&1 || { tail -20 "$W/up.log" >&2; exit 1; }
eval "$(scripts/lab.sh env)"
KINDS=(icmp "tcp:$LAB_GUEST_TCP_PORT" tcp:9 udp:33434)
for d in 250ms 1s 4s; do
  for n in $(seq 1 "$REPS"); do
    pids=()
    for k in "${KINDS[@]}"; do
      ip netns exec "$LAB_PROBER_NETNS" "$MIGPROBE" probe "$LAB_GUEST_IP4" --probe "$k" -i 1ms -d 10s \
        --drain 2s -q -o "$W/${k/:/-}-$d-$n.jsonl" &
      pids+=($!)
    done
    sleep 3
    truth=$(scripts/lab.sh suspend-for "$d")
    for p in "${pids[@]}"; do wait "$p"; done
    for k in "${KINDS[@]}"; do
      f=$W/${k/:/-}-$d-$n
      "$MIGPROBE" report "$f.jsonl" --out "$f.rep" --format json >/dev/null
      python3 - "$f.rep/report.json" "$k" "$d" "$n" "$truth" >>"$W/rows.jsonl" <<'PY'
import json, sys
rep, kind, d, n, truth = sys.argv[1:]
t = dict(kv.split("=", 1) for kv in truth.split())
paused, resumed = int(t["paused_ns"]), int(t["resumed_ns"])
r = json.load(open(rep))
start_ns = r["run"]["start_ns"] if "start_ns" in r.get("run", {}) else None
o = max(r["outages"], key=lambda o: o["estimate_ms"], default=None)
print(json.dumps({"kind": kind, "pause": d, "rep": int(n), "truth_ms": (resumed - paused) / 1e6,
                  "outage_ms": o and o["estimate_ms"], "class": o and o.get("class"),
                  "bracket_ms": o and [o.get("bracket_lo_ms"), o.get("bracket_hi_ms")],
                  "lost": o and o.get("lost"), "queued": o and o.get("queued"), "source": t.get("source")}))
PY
      tail -1 "$W/rows.jsonl" >&2
    done
  done
done
mkdir -p "$OUT"
python3 - "$W/rows.jsonl" "$OUT" "$REPS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
out, reps = sys.argv[2], sys.argv[3]
json.dump({"rows": rows}, open(f"{out}/accuracy-kinds-lab.json", "w"), indent=1)
lines = ["# ICMP, TCP and UDP probes against real guest pauses (lab)", "",
         f"`scripts/bench/lab-kinds-accuracy.sh {reps}`: the lab guest (idle, ICMP error rate limits lifted) paused by "
         "`lab.sh suspend-for D`; four `migprobe probe`s at 1 ms from the prober host at the same time: icmp, "
         "tcp:7 (its echo port, listening), tcp:9 and udp:33434 (closed). Truth: QEMU's STOP/RESUME. Error: the kind's longest "
         "outage minus the pause. The kinds see the same pauses: the comparison is side by side.", "",
         "| Pause | Kind | n | error p50 | error max abs | class |", "|--:|---|--:|--:|--:|---|"]
for d in ["250ms", "1s", "4s"]:
    for k in sorted({r["kind"] for r in rows}, key=lambda k: (["icmp", "tcp", "udp"].index(k.split(":")[0]), k)):
        rs = [r for r in rows if r["pause"] == d and r["kind"] == k and r["outage_ms"] is not None]
        if not rs:
            lines.append(f"| {d} | {k} | 0 | – | – | no outage seen |")
            continue
        errs = [r["outage_ms"] - r["truth_ms"] for r in rs]
        classes = ", ".join(sorted({str(r["class"]) for r in rs}))
        lines.append(f"| {d} | {k} | {len(rs)} | {statistics.median(errs):+.2f} ms | "
                     f"{max(abs(e) for e in errs):.2f} ms | {classes} |")
open(f"{out}/accuracy-kinds-lab.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
